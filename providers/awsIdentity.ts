/**
 * The AWS identity every dynamic provider signs its requests with: the stack's own `aws:*`
 * settings (profile, shared files, static keys, roles to assume, allowed and forbidden accounts,
 * endpoints, retries), the same ones the stack's AWS provider uses, so that every resource of a
 * stack is made by one identity in one account.
 *
 * The engine hands a dynamic provider the stack's whole configuration when it starts it (its
 * Configure call); the host passes it on to `configure`. Nothing of it goes into a resource's
 * inputs or outputs, so no credential ever reaches the resources' state, and a change of profile or
 * role changes no resource. Credentials are resolved by the AWS SDK's own credential providers.
 */
import type { AwsCredentialIdentityProvider } from "@aws-sdk/types";
import { realMs } from "./clock";
import { awsClientConfig } from "./kit/sdk";

export interface AssumeRole {
    roleArn: string;
    sessionName?: string;
    externalId?: string;
    /** A Go-style duration (`1h`, `15m`, `900s`), as the AWS provider takes it. */
    duration?: string;
    policy?: string;
}

export interface AwsSettings {
    profile?: string;
    sharedConfigFiles?: string[];
    sharedCredentialsFiles?: string[];
    accessKey?: string;
    secretKey?: string;
    token?: string;
    assumeRoles?: AssumeRole[];
    allowedAccountIds?: string[];
    forbiddenAccountIds?: string[];
    /** Service endpoint overrides, by the AWS provider's service names (bedrockagentcore, ecs, logs, sts). */
    endpoints?: Record<string, string>;
    maxRetries?: number;
}

const SETTINGS_KEY = "__zscalerMcpAwsSettings";
const CACHE_KEY = "__zscalerMcpAwsIdentityCache";

/** Parses a config value that the CLI stores as JSON when it is a list or an object. */
function parsed(value: string | undefined): unknown {
    if (value === undefined || value === "") {
        return undefined;
    }
    try {
        return JSON.parse(value);
    } catch {
        return value;
    }
}

function stringList(v: unknown): string[] | undefined {
    return Array.isArray(v) ? v.map(String) : typeof v === "string" ? [v] : undefined;
}

/** The `aws:*` settings in a stack's configuration (`get` takes `aws:<name>` keys). */
export function awsSettingsFromConfig(get: (key: string) => string | undefined): AwsSettings {
    const v = (name: string) => parsed(get(`aws:${name}`));
    const roles = v("assumeRoles") ?? (v("assumeRole") !== undefined ? [v("assumeRole")] : undefined);
    const endpointList = v("endpoints");
    const endpoints: Record<string, string> = {};
    for (const entry of Array.isArray(endpointList) ? endpointList : []) {
        for (const [service, url] of Object.entries(entry as Record<string, unknown>)) {
            if (typeof url === "string" && url) {
                endpoints[service] = url;
            }
        }
    }
    const settings: AwsSettings = {
        profile: v("profile") as string | undefined,
        sharedConfigFiles: stringList(v("sharedConfigFiles")),
        sharedCredentialsFiles: stringList(v("sharedCredentialsFiles")),
        accessKey: v("accessKey") as string | undefined,
        secretKey: v("secretKey") as string | undefined,
        token: v("token") as string | undefined,
        assumeRoles: Array.isArray(roles) ? (roles as AssumeRole[]).filter((r) => r && r.roleArn) : undefined,
        allowedAccountIds: stringList(v("allowedAccountIds")),
        forbiddenAccountIds: stringList(v("forbiddenAccountIds")),
        endpoints: Object.keys(endpoints).length > 0 ? endpoints : undefined,
        maxRetries: v("maxRetries") !== undefined ? Number(v("maxRetries")) : undefined,
    };
    return Object.fromEntries(Object.entries(settings).filter(([, x]) => x !== undefined)) as AwsSettings;
}

/** Installs the settings this process signs with (the dynamic-provider host does, on Configure). */
export function useAwsSettings(settings: AwsSettings): void {
    const g = globalThis as Record<string, unknown>;
    // The engine configures each resource type's provider with the same settings: the credentials
    // already resolved, and the account already checked, stay.
    if (JSON.stringify(g[SETTINGS_KEY]) !== JSON.stringify(settings)) {
        delete g[CACHE_KEY];
    }
    g[SETTINGS_KEY] = settings;
}

export function currentAwsSettings(): AwsSettings {
    return ((globalThis as Record<string, unknown>)[SETTINGS_KEY] as AwsSettings | undefined) ?? {};
}

/** `1h`, `30m`, `900s`, `1h30m` -> seconds. */
export function durationSeconds(d: string | undefined): number | undefined {
    if (!d) {
        return undefined;
    }
    let total = 0;
    for (const [, n, unit] of d.matchAll(/(\d+)([hms])/g)) {
        total += Number(n) * (unit === "h" ? 3600 : unit === "m" ? 60 : 1);
    }
    return total > 0 ? total : undefined;
}

/** Whether the settings name where the first credentials come from (keys, a profile, shared files). */
function namesBaseCredentials(s: AwsSettings): boolean {
    return (
        s.accessKey !== undefined || s.profile !== undefined || s.sharedConfigFiles !== undefined || s.sharedCredentialsFiles !== undefined
    );
}

/** Whether the settings name an identity at all; otherwise the SDK's default chain applies. */
export function namesCredentials(s: AwsSettings): boolean {
    return namesBaseCredentials(s) || (s.assumeRoles?.length ?? 0) > 0;
}

interface IdentityCache {
    credentials?: AwsCredentialIdentityProvider;
    account?: Promise<void>;
}

function cache(): IdentityCache {
    const g = globalThis as Record<string, unknown>;
    return (g[CACHE_KEY] ??= {}) as IdentityCache;
}

/**
 * The credentials the settings name, or undefined for the SDK's default chain (environment,
 * ~/.aws, instance roles). Roles are assumed in order, each from the credentials before it; one
 * provider per process, so temporary credentials are reused until they expire.
 */
export async function awsCredentials(region: string): Promise<AwsCredentialIdentityProvider | undefined> {
    const s = currentAwsSettings();
    if (!namesCredentials(s)) {
        return undefined;
    }
    const hasBase = namesBaseCredentials(s);
    const c = cache();
    if (c.credentials) {
        return c.credentials;
    }
    const providers = await import("@aws-sdk/credential-providers");
    let credentials: AwsCredentialIdentityProvider =
        s.accessKey !== undefined && s.secretKey !== undefined
            ? async () => ({ accessKeyId: s.accessKey!, secretAccessKey: s.secretKey!, sessionToken: s.token })
            : hasBase
              ? providers.fromIni({
                    profile: s.profile,
                    filepath: s.sharedCredentialsFiles?.[0],
                    configFilepath: s.sharedConfigFiles?.[0],
                    // The profile's own role and SSO calls go the same way as every other request.
                    clientConfig: { requestHandler: stsClientConfig(region, s).requestHandler },
                })
              : providers.fromNodeProviderChain({ clientConfig: { requestHandler: stsClientConfig(region, s).requestHandler } });
    for (const role of s.assumeRoles ?? []) {
        credentials = providers.fromTemporaryCredentials({
            masterCredentials: credentials,
            params: {
                RoleArn: role.roleArn,
                RoleSessionName: role.sessionName ?? "zscaler-mcp-harness",
                ExternalId: role.externalId,
                DurationSeconds: durationSeconds(role.duration),
                Policy: role.policy,
            },
            clientConfig: stsClientConfig(region, s),
        });
    }
    c.credentials = reused(credentials);
    return c.credentials;
}

/**
 * The same credentials for every client of the process until they are five minutes from expiry
 * (each client would otherwise resolve them, and assume the roles, anew).
 */
function reused(provider: AwsCredentialIdentityProvider): AwsCredentialIdentityProvider {
    let current: Awaited<ReturnType<AwsCredentialIdentityProvider>> | undefined;
    let pending: ReturnType<AwsCredentialIdentityProvider> | undefined;
    return async (props) => {
        // STS states the expiry in real time, so it is judged by the real clock.
        if (current && (!current.expiration || current.expiration.getTime() - Date.now() > 5 * 60_000)) {
            return current;
        }
        pending ??= provider(props).then(
            (c) => {
                current = c;
                pending = undefined;
                return c;
            },
            (e) => {
                pending = undefined;
                throw e;
            },
        );
        return pending;
    };
}

/** A run whose credentials land in an account aws:allowedAccountIds or aws:forbiddenAccountIds excludes. */
export class AccountNotAllowedError extends Error {
    override name = "AccountNotAllowedError";
}

/**
 * The STS clients behind roles to assume and the account check: a request that never answers
 * fails (30 s, 10 s to connect) and is tried as often as aws:maxRetries allows (3 times otherwise).
 */
function stsClientConfig(region: string, s: AwsSettings) {
    return awsClientConfig({
        region,
        maxAttempts: (s.maxRetries ?? 2) + 1,
        timeouts: { requestTimeout: realMs(30_000), connectionTimeout: realMs(10_000) },
        settings: s,
        service: "sts",
    });
}

/** The aws:* setting that excludes an account, if one does (allowedAccountIds is checked first). */
export function accountExcludedBy(account: string, s: AwsSettings): "allowedAccountIds" | "forbiddenAccountIds" | undefined {
    if (s.allowedAccountIds?.length && !s.allowedAccountIds.includes(account)) {
        return "allowedAccountIds";
    }
    return s.forbiddenAccountIds?.includes(account) ? "forbiddenAccountIds" : undefined;
}

/**
 * Refuses to act in an account the settings exclude (`aws:allowedAccountIds`,
 * `aws:forbiddenAccountIds`), checked once per process with STS GetCallerIdentity.
 */
export async function checkAccount(region: string): Promise<void> {
    const s = currentAwsSettings();
    if (!s.allowedAccountIds?.length && !s.forbiddenAccountIds?.length) {
        return;
    }
    const c = cache();
    c.account ??= (async () => {
        const sts = await import("@aws-sdk/client-sts");
        const client = new sts.STSClient({ ...stsClientConfig(region, s), credentials: await awsCredentials(region) });
        const { Account: account } = await client.send(new sts.GetCallerIdentityCommand({}));
        const excludedBy = accountExcludedBy(account!, s);
        if (excludedBy === "allowedAccountIds") {
            throw new AccountNotAllowedError(
                `These credentials act in account ${account}, which aws:allowedAccountIds (${s.allowedAccountIds!.join(", ")}) does not allow. ` +
                    "Use the stack's intended account (aws:profile, aws:assumeRoles), or change aws:allowedAccountIds.",
            );
        }
        if (excludedBy === "forbiddenAccountIds") {
            throw new AccountNotAllowedError(
                `These credentials act in account ${account}, which aws:forbiddenAccountIds forbids. ` +
                    "Use the stack's intended account (aws:profile, aws:assumeRoles), or change aws:forbiddenAccountIds.",
            );
        }
    })().catch((e: unknown) => {
        // A refused account stays refused; a check that could not be made (STS unreachable,
        // credentials not yet valid) is made again by the next call.
        if (!(e instanceof AccountNotAllowedError)) {
            c.account = undefined;
        }
        throw e;
    });
    return c.account;
}
