/**
 * The lifecycle kit every dynamic provider shares, one module per concern under kit/:
 *
 * - kit/sdk.ts: SDK client settings (one attempt, request timeouts, the stack's identity) and client tokens;
 * - kit/errors.ts: recognising AWS's errors, and the error that keeps a created resource in state;
 * - kit/retries.ts: retrying throttling, 5xx and IAM propagation, on the project's clock;
 * - kit/waits.ts: waiting for a status, deleting and waiting until gone;
 * - kit/diff.ts: diffing inputs, offline checks, the inputs a read records, tag changes;
 * - kit/adoption.ts: a create that finds its own resource already there takes it over.
 *
 * This module re-exports them all, so a provider (and a test, component or script) imports the
 * kit from one place.
 *
 * Providers are not serialized into the state (they once were, closures and all): each resource's
 * `__provider` is an eight-line loader (projectProvider.ts) with which Pulumi's dynamic-provider
 * host, a process of its own, requires the provider from this project's providers/ directory. The
 * host shares no memory with the program: it gets the stack's aws:* settings through the
 * provider's `configure`, and its clock from the environment (ZSCALER_MCP_TIME_SCALE, in
 * rehearsals); that process-wide state lives in clock.ts and awsIdentity.ts. The kit itself holds
 * plain functions and data only, with no Pulumi import, and each AWS SDK client is loaded inside
 * the call that needs it: the program imports the providers only to register resources, and so
 * never loads an SDK client through them.
 */
export { currentClock, installClock, scaledClock } from "./clock";
export type { Clock } from "./clock";
export * from "./kit/sdk";
export * from "./kit/errors";
export * from "./kit/retries";
export * from "./kit/waits";
export * from "./kit/diff";
export * from "./kit/adoption";
