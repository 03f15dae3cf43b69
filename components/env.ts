/**
 * Environment for the MCP server container. Pure: no Pulumi imports.
 */
import { DEFAULTS, type Settings } from "./settings";

/** The credential keys the server reads, in the order they are listed everywhere. */
export const CREDENTIAL_KEYS = ["ZSCALER_CLIENT_ID", "ZSCALER_CLIENT_SECRET", "ZSCALER_CUSTOMER_ID", "ZSCALER_VANITY_DOMAIN", "ZSCALER_CLOUD"] as const;
export type CredentialKey = (typeof CREDENTIAL_KEYS)[number];

/**
 * The version of the secret the server reads its credentials from. The server ignores it; a new
 * value (the credentials changed) makes a new deployment or runtime version, which starts the
 * server again with the new credentials.
 */
export const CREDENTIALS_VERSION_ENV = "ZSCALER_MCP_CREDENTIALS_VERSION";

/** The keys the server cannot start without (ZSCALER_CLOUD is optional). */
export const REQUIRED_CREDENTIAL_KEYS: readonly CredentialKey[] = ["ZSCALER_CLIENT_ID", "ZSCALER_CLIENT_SECRET", "ZSCALER_CUSTOMER_ID", "ZSCALER_VANITY_DOMAIN"];

/**
 * The credential keys a secret's JSON holds (the values are read only to find the keys, and
 * dropped), or an explanation of what is wrong with it.
 */
export function credentialKeysIn(secretString: string | undefined): { keys: CredentialKey[]; missing: CredentialKey[]; problem?: string } {
    let doc: unknown;
    try {
        doc = JSON.parse(secretString ?? "");
    } catch {
        return { keys: [], missing: [...REQUIRED_CREDENTIAL_KEYS], problem: "its value is not a JSON object" };
    }
    if (!doc || typeof doc !== "object" || Array.isArray(doc)) {
        return { keys: [], missing: [...REQUIRED_CREDENTIAL_KEYS], problem: "its value is not a JSON object" };
    }
    const present = (k: string) => typeof (doc as Record<string, unknown>)[k] === "string" && (doc as Record<string, string>)[k] !== "";
    return { keys: CREDENTIAL_KEYS.filter(present), missing: REQUIRED_CREDENTIAL_KEYS.filter((k) => !present(k)) };
}

/** The Zscaler credentials present in config, keyed as the server expects them. */
export function credentialValues(z: Settings["zscaler"]): Partial<Record<CredentialKey, string>> {
    const all: Record<CredentialKey, string | undefined> = {
        ZSCALER_CLIENT_ID: z.clientId,
        ZSCALER_CLIENT_SECRET: z.clientSecret,
        ZSCALER_CUSTOMER_ID: z.customerId,
        ZSCALER_VANITY_DOMAIN: z.vanityDomain,
        ZSCALER_CLOUD: z.cloud,
    };
    return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined)) as Partial<Record<CredentialKey, string>>;
}

/**
 * The ECS container's plain environment: transport, bind address and port unless the user set
 * them, Zscaler auth mode, then the user's extra settings (the settings module refuses those that
 * weaken the server unless acknowledged). Credentials never appear here.
 */
export function ecsServerEnvironment(s: Pick<Settings, "ecs">, port: number): Record<string, string> {
    return {
        ZSCALER_MCP_TRANSPORT: "streamable-http",
        ZSCALER_MCP_HOST: DEFAULTS.containerHost,
        ZSCALER_MCP_PORT: String(port),
        // The server checks the inbound `Authorization: Basic` header against Zscaler's token endpoint.
        ZSCALER_MCP_AUTH_MODE: "zscaler",
        ...s.ecs.containerEnv,
    };
}

/**
 * The runtime container's plain environment. AgentCore Runtime terminates TLS and checks the JWT
 * itself, so the server listens on plain HTTP without a Host check; it loads its credentials from
 * the secret named here at boot.
 */
export function runtimeServerEnvironment(s: Pick<Settings, "ecs">, port: number, secretName: string | undefined): Record<string, string> {
    return {
        ZSCALER_MCP_TRANSPORT: "streamable-http",
        ZSCALER_MCP_HOST: DEFAULTS.containerHost,
        ZSCALER_MCP_PORT: String(port),
        ...s.ecs.containerEnv,
        ZSCALER_MCP_ALLOW_HTTP: "true",
        ZSCALER_MCP_DISABLE_HOST_VALIDATION: "true",
        ...(secretName ? { ZSCALER_SECRET_NAME: secretName } : {}),
    };
}

/** The Token Vault header value: `Basic base64(client_id:client_secret)`. */
export function basicAuthHeader(clientId: string, clientSecret: string): string {
    return `Basic ${Buffer.from(`${clientId}:${clientSecret}`, "utf8").toString("base64")}`;
}
