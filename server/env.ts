/**
 * The Zscaler MCP server's environment and where it listens. Pure: no Pulumi imports.
 */

/** Where the server listens in its container, and the path the load balancer checks. */
export const SERVER_LISTEN = { host: "0.0.0.0", port: 8000, healthCheckPath: "/health" } as const;

/** The credentials in config, as the server's environment names them. */
export interface ZscalerCredentialValues {
    readonly clientId?: string;
    readonly clientSecret?: string;
    readonly customerId?: string;
    readonly vanityDomain?: string;
    readonly cloud?: string;
}

/** The credential keys the server reads, in the order they are listed everywhere. */
export const CREDENTIAL_KEYS = [
    "ZSCALER_CLIENT_ID",
    "ZSCALER_CLIENT_SECRET",
    "ZSCALER_CUSTOMER_ID",
    "ZSCALER_VANITY_DOMAIN",
    "ZSCALER_CLOUD",
] as const;
export type CredentialKey = (typeof CREDENTIAL_KEYS)[number];

/**
 * The version of the secret the server reads its credentials from. The server ignores it; a new
 * value (the credentials changed) makes a new deployment or runtime version, which starts the
 * server again with the new credentials.
 */
export const CREDENTIALS_VERSION_ENV = "ZSCALER_MCP_CREDENTIALS_VERSION";

/**
 * The Zscaler clouds whose OneAPI token URL the server and its SDK build alike (zscaler-mcp 0.15.4,
 * zscaler-sdk-python 1.11.3): `https://<vanity>.zslogin.net/oauth2/v1/token` for production (also
 * when ZSCALER_CLOUD is absent, as the program leaves it unless zscalerCloud is set), and
 * `https://<vanity>.zslogin<cloud>.net/oauth2/v1/token` for the others, with API calls to
 * `https://api.<cloud>.zsapi.net`. The value is pasted into those host names as it is, so only
 * these exact names may reach them: anything else (a dot, another domain) sends the client id and
 * secret elsewhere. beta and alpha are the alternative clouds the SDK documents; zscalertwo is the
 * server's own example of a cloud override.
 */
export const ZSCALER_CLOUDS = ["production", "beta", "alpha", "zscalertwo"] as const;

/**
 * Zscaler's government (FedRAMP) clouds: the SDK sends their token requests to their own identity
 * provider (zidentitygov.net, zidentitygov.us), but the server's own credential check (zscaler
 * auth mode, and the platform-auth check on AgentCore Runtime) builds `zslogin<cloud>.net` for
 * them too, a host outside those clouds.
 */
export const GOVERNMENT_CLOUDS = { gov: "zidentitygov.net", govus: "zidentitygov.us" } as const;

/** The keys the server cannot start without (ZSCALER_CLOUD is optional). */
export const REQUIRED_CREDENTIAL_KEYS: readonly CredentialKey[] = [
    "ZSCALER_CLIENT_ID",
    "ZSCALER_CLIENT_SECRET",
    "ZSCALER_CUSTOMER_ID",
    "ZSCALER_VANITY_DOMAIN",
];

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
export function credentialValues(z: ZscalerCredentialValues): Partial<Record<CredentialKey, string>> {
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
 *
 * The managed load balancer terminates TLS and speaks plain HTTP to the task, and the server
 * refuses to listen on a non-loopback address over plain HTTP unless told that TLS ends in front
 * of it: hence `ZSCALER_MCP_ALLOW_HTTP`, after the user's settings so that it cannot be undone.
 * The server's own authentication stays on: every request must carry the Token Vault's Basic
 * header, which the server checks with Zscaler (platform trust is never set here: the endpoint is
 * public).
 */
export function ecsServerEnvironment(
    containerEnv: Readonly<Record<string, string>>,
    port: number = SERVER_LISTEN.port,
): Record<string, string> {
    return behindTls(containerEnv, port);
}

/**
 * What both topologies give the server, TLS ending in front of it: streamable HTTP on the listen
 * address and port (unless the user set them), zscaler auth mode, the user's settings, then the
 * plain HTTP the server refuses without being told, after them so that it cannot be undone.
 */
function behindTls(containerEnv: Readonly<Record<string, string>>, port: number): Record<string, string> {
    return {
        ZSCALER_MCP_TRANSPORT: "streamable-http",
        ZSCALER_MCP_HOST: SERVER_LISTEN.host,
        ZSCALER_MCP_PORT: String(port),
        ZSCALER_MCP_AUTH_MODE: "zscaler",
        ...containerEnv,
        ZSCALER_MCP_ALLOW_HTTP: "true",
    };
}

/**
 * The runtime container's plain environment. AgentCore Runtime terminates TLS, checks the caller's
 * JWT and is the only way in, so the server listens on plain HTTP without a Host check (the Host
 * AgentCore forwards is its own and not predictable). The server stays in zscaler mode and trusts
 * the platform's authentication: a call the gateway forwards carries no Zscaler credentials (its
 * Authorization is the Cognito token), so the server validates its own credentials, loaded from
 * the secret named here at boot, with Zscaler instead (server 0.15.0 and newer; see
 * `serverImageProblem`).
 */
export function runtimeServerEnvironment(
    containerEnv: Readonly<Record<string, string>>,
    secretName: string | undefined,
    port: number = SERVER_LISTEN.port,
): Record<string, string> {
    return {
        ...behindTls(containerEnv, port),
        ZSCALER_MCP_DISABLE_HOST_VALIDATION: "true",
        ZSCALER_MCP_TRUST_PLATFORM_AUTH: "true",
        ...(secretName ? { ZSCALER_SECRET_NAME: secretName } : {}),
    };
}

/**
 * The headers AgentCore Runtime passes on to the server besides its own session headers
 * (`Mcp-Session-Id`, `X-Amzn-Bedrock-AgentCore-Runtime-Session-Id`), which it always forwards.
 * `InvokeAgentRuntime` drops every header not named in the runtime's allow-list
 * (docs.aws.amazon.com/bedrock-agentcore/latest/devguide/runtime-header-allowlist.html).
 * AgentCore Runtime hands the server a session id of its own, so a handshake-era MCP client cannot
 * keep a session there; the stateless revision 2026-07-28 is routed by its headers, which must
 * therefore reach the server (the server's AgentCore guide, "AgentCore serves 2026-07-28 only").
 * Authorization carries the caller's JWT, which the runtime's authorizer has already checked.
 */
export const RUNTIME_HEADER_ALLOWLIST = ["Authorization", "MCP-Protocol-Version", "Mcp-Method", "Mcp-Name", "Mcp-Session-Id"] as const;

/** The Token Vault header value: `Basic base64(client_id:client_secret)`. */
export function basicAuthHeader(clientId: string, clientSecret: string): string {
    return `Basic ${Buffer.from(`${clientId}:${clientSecret}`, "utf8").toString("base64")}`;
}

/** The server's credential variables: set through the zscaler* keys and the secret, never as plain environment. */
export const SERVER_CREDENTIAL_ENV: readonly string[] = [...CREDENTIAL_KEYS, "ZSCALER_PRIVATE_KEY"];

/**
 * The server's other secrets, as zscaler-mcp 0.15.4 reads them: the key its api-key mode checks
 * callers against, the password of an encrypted TLS key, the request-state key ring, the OIDC
 * proxy's client secret, the ZIA sandbox token (its Secrets Manager loader takes the first three
 * from a secret, which is where they belong).
 */
export const SERVER_SECRET_ENV: readonly string[] = [
    "ZSCALER_MCP_AUTH_API_KEY",
    "ZSCALER_MCP_TLS_KEYFILE_PASSWORD",
    "ZSCALER_MCP_REQUEST_STATE_KEYS",
    "OIDCPROXY_CLIENT_SECRET",
    "ZSCALER_SANDBOX_TOKEN",
];

/**
 * True when an environment variable's name says it holds a secret: one of the server's, or a name
 * ending in _SECRET, _PASSWORD, _TOKEN or _API_KEY (a file path such as ..._KEYFILE is not one).
 */
export function isSecretEnvName(name: string): boolean {
    return SERVER_CREDENTIAL_ENV.includes(name) || SERVER_SECRET_ENV.includes(name) || /_(SECRET|PASSWORD|TOKEN|API_KEY)$/.test(name);
}
