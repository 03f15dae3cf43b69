/**
 * SDK client settings shared by every provider's AWS clients, and the idempotency tokens their
 * Create and Update calls carry.
 */
import * as crypto from "crypto";
import type { AwsCredentialIdentityProvider } from "@aws-sdk/types";
import { awsCredentials, currentAwsSettings, namesCredentials } from "../awsIdentity";
import { realMs } from "../clock";
import { awsRequestHandler } from "./network";
import type { NodeHttpHandler } from "@smithy/node-http-handler";

/** How long one AWS request may take before it is abandoned (and retried): a connection that never answers must not hang a deploy. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * SDK client settings: we retry ourselves (withRetries, on the project's clock), so the SDK makes one attempt,
 * and every request has a timeout that fails it (the SDK only logs a warning unless told to throw).
 */
export function sdkClientConfig(
    region: string,
    service?: string,
): {
    region: string;
    maxAttempts: number;
    requestHandler: NodeHttpHandler;
    credentials?: AwsCredentialIdentityProvider;
    endpoint?: string;
} {
    const timeout = realMs(REQUEST_TIMEOUT_MS);
    const aws = currentAwsSettings();
    return {
        region,
        maxAttempts: 1,
        // Through the proxy the environment names, trusting the CA bundles set for AWS (network.ts).
        requestHandler: awsRequestHandler(
            { requestTimeout: timeout, connectionTimeout: Math.min(timeout, 10_000) },
            { profile: aws.profile, configFile: aws.sharedConfigFiles?.[0] },
        ),
        // The stack's own identity (aws:profile, aws:assumeRoles, ...); otherwise the SDK's default chain.
        ...(namesCredentials(aws) ? { credentials: async (o) => (await awsCredentials(region))!(o) } : {}),
        ...(service && aws.endpoints?.[service] ? { endpoint: aws.endpoints[service] } : {}),
    };
}

/** A fresh idempotency token for a Create/Update call (36 characters; AWS wants 33 or more). */
export function newClientToken(): string {
    return crypto.randomUUID();
}
