/**
 * The AWS identity the operator commands act as, and the settings of every SDK client they make.
 *
 * With the Pulumi CLI, the commands act as the stack does: its `aws:*` settings (profile, shared
 * files, static keys, roles to assume, allowed and forbidden accounts, endpoints, retries), turned
 * into credentials by the same module the dynamic providers use (providers/awsIdentity.ts). Without
 * it (`--harness-arn`), the SDK's default chain applies: environment, AWS_PROFILE, SSO, instance roles.
 *
 * Every request has a timeout that fails it, so a connection that never answers cannot hang a
 * command; resolving the credentials (a role to assume, an SSO refresh) and the account check are
 * bounded the same way, and stop at the first Ctrl-C.
 */
import type * as Control from "@aws-sdk/client-bedrock-agentcore-control";
import type { AwsCredentialIdentityProvider } from "@aws-sdk/types";
import type { AwsSettings } from "../providers/awsIdentity";
import { commandRequestMs, realMs } from "../providers/clock";
import { AwsClientConfig, awsClientConfig } from "../providers/kit/sdk";
import { aborted, EXIT, Io, OperatorError } from "./io";

/** Loaded when a stack's settings are used: `invoke --harness-arn` starts without it. */
function awsIdentity(): typeof import("../providers/awsIdentity") {
    return require("../providers/awsIdentity") as typeof import("../providers/awsIdentity");
}

/** One entry of `pulumi config --json`: secret values are absent unless --show-secrets. */
export interface ConfigEntry {
    value?: string;
    secret?: boolean;
}

export type ConfigEntries = Record<string, ConfigEntry>;

/**
 * How long the commands wait for AWS, in the clock's time (tests compress it). InvokeHarness
 * streams an answer for as long as the agent works, so it has no limit on the whole answer: only
 * on its start and on the silence between two events.
 */
export const TIMEOUTS = {
    /** Until the TCP (and TLS) connection is up. */
    connectMs: 10_000,
    /** One request, until its answer starts. */
    requestMs: 30_000,
    /** Resolving the credentials (roles to assume, SSO), and the account check. */
    identityMs: 60_000,
    /** InvokeHarness: until the answer starts (the harness may start its runtime first). */
    answerStartMs: 300_000,
    /** InvokeHarness: the longest silence between two events of an answer (a slow tool call). */
    answerGapMs: 900_000,
} as const;

/** The `aws:endpoints` keys of the services the commands call, as the AWS provider names them. */
export type EndpointKey =
    "bedrockagentcore" | "ecs" | "logs" | "sts" | "ec2" | "ecr" | "cognitoidp" | "secretsmanager" | "bedrock" | "iam" | "xray";

export interface AwsAccess {
    region: string;
    settings: AwsSettings;
    /** The stack's identity; undefined leaves the SDK's default chain. */
    credentials?: AwsCredentialIdentityProvider;
    maxAttempts: number;
    signal?: AbortSignal;
}

/** A signal that aborts a request after the request timeout, or at `signal` (for plain HTTP outside the SDK). */
export function requestSignal(signal?: AbortSignal): AbortSignal {
    const timeout = AbortSignal.timeout(commandRequestMs(TIMEOUTS.requestMs));
    return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

/**
 * Settles as `work` does, or rejects with a TimeoutError after `ms` of the clock's time, or with an
 * AbortError when `signal` aborts: for waits the SDK's own request timeouts do not cover.
 */
export async function within<T>(work: Promise<T>, ms: number, what: string, signal?: AbortSignal): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const limit = realMs(ms);
    const timeout = new Promise<never>((_, reject) => {
        const span = limit >= 1000 ? `${Math.round(limit / 1000)} s` : `${limit} ms`;
        timer = setTimeout(() => reject(Object.assign(new Error(`${what} took longer than ${span}.`), { name: "TimeoutError" })), limit);
    });
    const interrupted = aborted(signal).then(() => {
        throw Object.assign(new Error("Request aborted"), { name: "AbortError" });
    });
    try {
        return await Promise.race([work, timeout, interrupted]);
    } finally {
        clearTimeout(timer);
    }
}

/**
 * The stack's `aws:*` settings from `pulumi config --json`. A secret among them (aws:secretKey,
 * aws:token, or any key set with --secret) is only known with --show-secrets: `reveal` reads the
 * configuration so, and only then; its values serve as credentials and are never printed.
 */
export function stackAwsSettings(entries: ConfigEntries, reveal: () => ConfigEntries): AwsSettings {
    const isAws = (key: string) => key.startsWith("aws:");
    const hasSecret = Object.entries(entries).some(([key, e]) => isAws(key) && typeof e === "object" && e?.secret === true);
    const source = hasSecret ? reveal() : entries;
    return awsIdentity().awsSettingsFromConfig((key) => {
        const e = source[key];
        return typeof e === "object" && e !== null ? e.value : undefined;
    });
}

/** `pulumi config --json` with `args` (`--stack <name>`, `--show-secrets`) as entries; undefined without the Pulumi CLI. */
export function readConfigEntries(io: Io, args: string[]): ConfigEntries | undefined {
    const text = io.pulumi?.(["config", "--json", ...args]);
    if (text === undefined) {
        return undefined;
    }
    try {
        const parsed: unknown = JSON.parse(text || "{}");
        return parsed && typeof parsed === "object" ? (parsed as ConfigEntries) : {};
    } catch {
        // Never show the text: with --show-secrets it holds secrets.
        throw new OperatorError("Could not read the stack's configuration from `pulumi config --json`.");
    }
}

/**
 * The stack's credentials (resolved once per process, see providers/awsIdentity), each resolution
 * bounded in time and by Ctrl-C.
 */
function boundedCredentials(base: AwsCredentialIdentityProvider, signal?: AbortSignal): AwsCredentialIdentityProvider {
    return (options) => within(base(options), TIMEOUTS.identityMs, "Resolving the AWS credentials", signal);
}

/** The process's own settings from before a command installed the stack's, to give back. */
let callerSettings: AwsSettings | undefined;

/**
 * Installs the stack's settings for this process (the account check and the credentials of
 * providers/awsIdentity.ts read them from there) and resolves the identity they name. Without
 * settings (no stack), nothing is installed and the SDK's default chain applies.
 */
export async function useStackIdentity(
    settings: AwsSettings | undefined,
    region: string,
    o: { signal?: AbortSignal; attempts: number },
): Promise<AwsAccess> {
    if (settings === undefined) {
        return { region, settings: {}, maxAttempts: o.attempts, signal: o.signal };
    }
    const identity = awsIdentity();
    callerSettings ??= identity.currentAwsSettings();
    identity.useAwsSettings(settings);
    const base = await identity.awsCredentials(region);
    return {
        region,
        settings,
        credentials: base ? boundedCredentials(base, o.signal) : undefined,
        maxAttempts: settings.maxRetries !== undefined ? settings.maxRetries + 1 : o.attempts,
        signal: o.signal,
    };
}

/**
 * Refuses to go on in an account the stack excludes (aws:allowedAccountIds,
 * aws:forbiddenAccountIds), before any call to the deployment.
 */
export async function refuseExcludedAccount(access: AwsAccess): Promise<void> {
    if (!access.settings.allowedAccountIds?.length && !access.settings.forbiddenAccountIds?.length) {
        return;
    }
    try {
        await within(
            awsIdentity().checkAccount(access.region),
            TIMEOUTS.identityMs,
            "Checking the account with STS GetCallerIdentity",
            access.signal,
        );
    } catch (e) {
        if (e instanceof awsIdentity().AccountNotAllowedError) {
            throw new OperatorError(e.message, EXIT.failed);
        }
        throw e;
    }
}

/** Gives the process the aws:* settings it had before a command installed the stack's (commands run in-process in tests, next to the providers). */
export function restoreCallerAwsSettings(): void {
    if (callerSettings !== undefined) {
        awsIdentity().useAwsSettings(callerSettings);
        callerSettings = undefined;
    }
}

export type ClientConfig = AwsClientConfig;

/**
 * Settings for an SDK client: the identity, the stack's endpoint for the service (`aws:endpoints`;
 * AWS_ENDPOINT_URL_<SERVICE> still applies without one), its retries, and timeouts that fail a
 * request (the SDK only logs a warning unless told to throw). `stream` is for InvokeHarness.
 */
export function clientConfig(
    access: AwsAccess,
    service: EndpointKey | undefined,
    o: { region?: string; stream?: boolean } = {},
): ClientConfig {
    return awsClientConfig({
        region: o.region ?? access.region,
        maxAttempts: access.maxAttempts,
        timeouts: o.stream
            ? {
                  connectionTimeout: commandRequestMs(TIMEOUTS.connectMs),
                  requestTimeout: commandRequestMs(TIMEOUTS.answerStartMs),
                  // The socket's idle time: between two events once the answer streams.
                  socketTimeout: commandRequestMs(TIMEOUTS.answerGapMs),
              }
            : { connectionTimeout: commandRequestMs(TIMEOUTS.connectMs), requestTimeout: commandRequestMs(TIMEOUTS.requestMs) },
        settings: access.settings,
        service,
        credentials: access.credentials,
    });
}

/**
 * The AgentCore control-plane SDK and a client for it with these settings: status, logs and doctor
 * all read the harness (and what it is built of) through it. The SDK loads on the first call, so a
 * command that never reads the control plane does not pay for it.
 */
export async function controlPlane(access: AwsAccess): Promise<{ control: typeof Control; client: Control.BedrockAgentCoreControlClient }> {
    const control = await import("@aws-sdk/client-bedrock-agentcore-control");
    return { control, client: new control.BedrockAgentCoreControlClient(clientConfig(access, "bedrockagentcore")) };
}
