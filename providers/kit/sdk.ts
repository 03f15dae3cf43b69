/**
 * AWS SDK client settings, made in one place for every client, and the idempotency tokens the
 * providers' Create and Update calls carry.
 */
import * as crypto from "crypto";
import type { AwsCredentialIdentityProvider } from "@aws-sdk/types";
import { AwsSettings, awsCredentials, currentAwsSettings, namesCredentials } from "../awsIdentity";
import { realMs } from "../clock";
import { awsRequestHandler, RequestTimeouts } from "./network";
import type { NodeHttpHandler } from "@smithy/node-http-handler";

/** How long one AWS request may take before it is abandoned (and retried): a connection that never answers must not hang a deploy. */
const REQUEST_TIMEOUT_MS = 30_000;

/** The settings of an AWS SDK client, as every client of the program and the commands has them. */
export interface AwsClientConfig {
    region: string;
    maxAttempts: number;
    requestHandler: NodeHttpHandler;
    credentials?: AwsCredentialIdentityProvider;
    endpoint?: string;
}

/**
 * The one place an AWS SDK client's settings are made, for the providers, the identity module and
 * the operator commands alike: the region, the attempts the SDK makes, the request handler (the
 * proxy the environment names and the CA bundles set for AWS, see network.ts, with timeouts that
 * fail a request: the SDK only logs a warning unless told to throw), the stack's identity and the
 * stack's endpoint for the service (`aws:endpoints`; AWS_ENDPOINT_URL_<SERVICE> applies without one).
 */
export function awsClientConfig(o: {
    region: string;
    maxAttempts: number;
    timeouts: RequestTimeouts;
    settings: Pick<AwsSettings, "profile" | "sharedConfigFiles" | "endpoints">;
    service?: string;
    credentials?: AwsCredentialIdentityProvider;
}): AwsClientConfig {
    const endpoint = o.service ? o.settings.endpoints?.[o.service] : undefined;
    return {
        region: o.region,
        maxAttempts: o.maxAttempts,
        requestHandler: awsRequestHandler(o.timeouts, { profile: o.settings.profile, configFile: o.settings.sharedConfigFiles?.[0] }),
        ...(o.credentials ? { credentials: o.credentials } : {}),
        ...(endpoint ? { endpoint } : {}),
    };
}

/**
 * A provider's client: we retry ourselves (withRetries, on the project's clock), so the SDK makes
 * one attempt, and the stack's own identity (aws:profile, aws:assumeRoles, ...) signs; otherwise
 * the SDK's default chain.
 */
export function sdkClientConfig(region: string, service?: string): AwsClientConfig {
    const timeout = realMs(REQUEST_TIMEOUT_MS);
    const aws = currentAwsSettings();
    return awsClientConfig({
        region,
        maxAttempts: 1,
        timeouts: { requestTimeout: timeout, connectionTimeout: Math.min(timeout, 10_000) },
        settings: aws,
        service,
        credentials: namesCredentials(aws) ? async (o) => (await awsCredentials(region))!(o) : undefined,
    });
}

/** A fresh idempotency token for a Create/Update call (36 characters; AWS wants 33 or more). */
export function newClientToken(): string {
    return crypto.randomUUID();
}
