/**
 * What went wrong in a tool check, and what to do: each failure as a problem (what happened, with
 * the URL) and a fix, and whether it is worth another try while the server may still be starting.
 * No text built here carries a credential: the server's own words are cleaned of them first.
 */
import { duration, HttpClient } from "../http";
import type { ToolReport, ToolTarget } from "./check";

const SERVER_TEXT_LIMIT = 300;
/** The README's command that prints the MCP server's own log. */
const SERVER_LOG_COMMAND = "npm run logs -- --server";

/** Raised for an HTTP answer the check cannot use: which request, its status and its text. */
export class HttpAnswer extends Error {
    constructor(
        readonly stage: "token" | "server",
        readonly status: number,
        readonly text: string,
    ) {
        super(`HTTP ${status}`);
    }
}

/** Raised for a server that answered but lists no tools: what it said about itself. */
export class NoTools extends Error {
    constructor(readonly report: ToolReport) {
        super("no tools");
    }
}

/** A failed attempt, as checkTools reports it. */
export interface Failure {
    /** Worth another try while the server may still be starting. */
    retry: boolean;
    problem: string;
    fix: string;
}

const NETWORK_CODES = [
    "ECONNREFUSED",
    "ECONNRESET",
    "EPIPE",
    "EHOSTUNREACH",
    "ENETUNREACH",
    "UND_ERR_SOCKET",
    "UND_ERR_CONNECT_TIMEOUT",
    "UND_ERR_CLOSED",
];
const EXPIRED_CODES = ["CERT_HAS_EXPIRED", "CERT_NOT_YET_VALID"];
/** MCP's JSON-RPC code for a request the SDK gave up waiting for. */
const MCP_REQUEST_TIMEOUT = -32001;

/** The underlying cause of a failed fetch: undici wraps it in `TypeError: fetch failed`. */
function rootCause(e: unknown): { code?: string; message: string; name?: string } {
    let err = e as { cause?: unknown; code?: unknown; message?: string; name?: string };
    for (let i = 0; i < 5 && err?.cause && typeof err.cause === "object" && typeof err.code !== "string"; i++) {
        err = err.cause as typeof err;
    }
    return { code: typeof err?.code === "string" ? err.code : undefined, message: String(err?.message ?? e), name: err?.name };
}

/** Control and invisible formatting characters (bidirectional overrides included): never printed as they came. */
function isHidden(c: number): boolean {
    return (
        c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)
    );
}

/** The server's own words, fit for a message: one line, no control characters, no credential, at most ~300 characters. */
function serverWords(text: string, t: ToolTarget, tokens: readonly string[]): string {
    const secrets =
        t.kind === "remote_mcp"
            ? [t.authorization, t.authorization.replace(/^Basic\s+/i, "")]
            : [t.clientSecret, Buffer.from(`${t.clientId}:${t.clientSecret}`, "utf8").toString("base64"), ...tokens];
    let out = text;
    for (const s of secrets.filter((x) => x.length >= 4)) {
        out = out.split(s).join("(not shown)");
    }
    out = [...out]
        .map((ch) => (isHidden(ch.codePointAt(0)!) ? " " : ch))
        .join("")
        .replace(/\s+/g, " ")
        .trim();
    return out.length > SERVER_TEXT_LIMIT ? `${out.slice(0, SERVER_TEXT_LIMIT - 1)}…` : out;
}

function said(text: string, t: ToolTarget, tokens: readonly string[]): string {
    const words = serverWords(text, t, tokens);
    return words ? ` ("${words}")` : "";
}

export async function explain(e: unknown, t: ToolTarget, http: HttpClient, tokens: readonly string[]): Promise<Failure> {
    const server = t.kind === "remote_mcp" ? `the MCP server at ${t.url}` : `the AgentCore Gateway at ${t.url}`;
    const log = `read the server's log with ${SERVER_LOG_COMMAND}`;
    if (e instanceof NoTools) {
        const r = e.report;
        const who = [r.serverName, r.serverVersion].filter(Boolean).join(" ");
        return {
            retry: false,
            problem: `${server} answered${who ? ` as ${who}` : ""} over MCP ${r.protocolVersion || "(no revision)"} but lists no tools`,
            fix: `the server started without tools: ${log} to see why (credentials it could not use, entitlements, toolset filters in containerEnv)`,
        };
    }
    if (e instanceof HttpAnswer && e.stage === "token" && t.kind === "agentcore_gateway") {
        return tokenFailure(e, t, tokens);
    }
    if (e instanceof HttpAnswer) {
        const words = said(e.text, t, tokens);
        if (e.status === 401 && t.kind === "remote_mcp") {
            return {
                retry: false,
                problem: `${server} answered 401: Zscaler rejected the credentials${words}`,
                fix:
                    "check zscalerClientId, zscalerClientSecret, zscalerVanityDomain and zscalerCloud (pulumi config), then run pulumi up; " +
                    "if the Token Vault entry was changed outside the stack, pulumi config set tokenVaultRevision <new value> makes pulumi up write it again",
            };
        }
        if (e.status === 401 && t.kind === "agentcore_gateway") {
            return {
                retry: false,
                problem: `${server} answered 401: its authorizer did not accept the Cognito token${words}`,
                fix: "the gateway must trust this stack's Cognito user pool and app client: pulumi up --refresh restores an authorizer or app client changed outside the stack",
            };
        }
        if (e.status === 403 && t.kind === "agentcore_gateway") {
            return {
                retry: false,
                problem: `${server} answered 403: the Cognito token lacks the scope ${t.scope} the gateway requires${words}`,
                fix: `the app client must be allowed the scope ${t.scope}: pulumi up --refresh restores an app client or resource server changed outside the stack`,
            };
        }
        if (e.status === 421) {
            return {
                retry: true,
                problem: `${server} answered 421 Misdirected Request: its Host allow-list does not include ${new URL(t.url).host}`,
                fix:
                    "keep hostValidation auto, which adds the service's own address, and add any other name the harness calls " +
                    "with pulumi config set --path 'allowedHosts[0]' <host> (or pulumi config set hostValidation disabled)",
            };
        }
        if ([502, 503, 504].includes(e.status)) {
            return {
                retry: true,
                problem: `${server} answered ${e.status}: nothing serves there yet${words}`,
                fix: `${log}, then run pulumi up again`,
            };
        }
        return {
            retry: false,
            problem: `${server} answered ${e.status}${words}`,
            fix:
                t.kind === "remote_mcp"
                    ? `check the URL (the program appends /mcp to mcpUrl), and ${log}`
                    : `${log}, and the gateway target's status with npm run status`,
        };
    }
    const cause = rootCause(e);
    const url = new URL(t.kind === "agentcore_gateway" && isTokenRequest(e) ? t.tokenEndpoint : t.url);
    const proxy = http.proxyFor(url);
    const via = proxy ? ` through the proxy ${proxy}` : "";
    const code = cause.code ?? "";
    const reach = `check that this machine can reach ${url.host} (firewall, VPN, HTTPS_PROXY and NO_PROXY), then run pulumi up again`;
    if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code)) {
        const issuer = await http.certificateIssuer(url);
        const problem = `${url.host} presented a TLS certificate this machine does not trust for ${t.url} (${code}${issuer ? `, issued by ${issuer}` : ""})${via}`;
        if (EXPIRED_CODES.includes(code)) {
            return { retry: false, problem, fix: "check this machine's clock, and that the endpoint's certificate is current" };
        }
        if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
            return {
                retry: false,
                problem,
                fix: "the certificate is for another name: check the URL, and any proxy or TLS inspection in between",
            };
        }
        return {
            retry: false,
            problem,
            fix: "if a proxy or TLS inspection re-signs HTTPS here, point NODE_EXTRA_CA_CERTS at its CA certificate (a PEM file) and run pulumi up again",
        };
    }
    const tunnel = /Proxy response \((\d+)\)/.exec(cause.message);
    if (tunnel) {
        return {
            retry: [502, 503, 504].includes(Number(tunnel[1])),
            problem: `the proxy ${proxy ?? "(HTTPS_PROXY)"} answered ${tunnel[1]} when asked to connect to ${url.host} for ${t.url}`,
            fix: `allow ${url.hostname} on the proxy, or add it to NO_PROXY if this machine reaches it directly`,
        };
    }
    if (code === "ETIMEDOUT" || cause.name === "TimeoutError" || (e as { code?: unknown })?.code === MCP_REQUEST_TIMEOUT) {
        return { retry: true, problem: `${url.host} did not answer within ${duration(http.timeoutMs)} for ${t.url}${via}`, fix: reach };
    }
    if ((code === "ENOTFOUND" || code === "EAI_AGAIN") && proxy) {
        return {
            retry: true,
            problem: `the proxy ${proxy} for ${t.url} does not resolve (${code})`,
            fix: "check HTTPS_PROXY and HTTP_PROXY",
        };
    }
    if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
        return {
            retry: true,
            problem: `${url.hostname} does not resolve (${code}) for ${t.url}`,
            fix: "check the URL and this machine's DNS (VPN, proxy settings); a new endpoint can take a few minutes to resolve",
        };
    }
    if (NETWORK_CODES.includes(code) || /fetch failed|socket|ECONN/i.test(cause.message)) {
        return {
            retry: true,
            problem: proxy
                ? `no connection to the proxy ${proxy} for ${t.url} (${code || cause.message})`
                : `no connection to ${url.host} for ${t.url} (${code || cause.message})`,
            fix: reach,
        };
    }
    // The server answered, but not as MCP expects (a JSON-RPC error, an unsupported protocol revision).
    return {
        retry: false,
        problem: `${server} did not complete MCP initialize and tools/list: ${serverWords(cause.message, t, tokens)}`,
        fix: `${log}; the harness needs a server that speaks MCP over streamable HTTP at this URL`,
    };
}

/** Whether a network error happened on the way to Cognito rather than to the server. */
function isTokenRequest(e: unknown): boolean {
    return (e as { tokenRequest?: boolean })?.tokenRequest === true;
}

function tokenFailure(e: HttpAnswer, t: Extract<ToolTarget, { kind: "agentcore_gateway" }>, tokens: readonly string[]): Failure {
    let code = "";
    try {
        code = String((JSON.parse(e.text) as { error?: unknown }).error ?? "");
    } catch {
        // not JSON
    }
    const where = `Cognito's token endpoint ${t.tokenEndpoint}`;
    if (code === "invalid_scope") {
        return {
            retry: false,
            problem: `${where} refused the scope ${t.scope} (${e.status} invalid_scope)`,
            fix: "the resource server zscaler-mcp must offer the scope and the app client allow it: pulumi up --refresh restores them if they were changed outside the stack",
        };
    }
    if (code === "invalid_client" || code === "unauthorized_client" || e.status === 401) {
        return {
            retry: false,
            problem: `${where} refused the app client's credentials (${e.status}${code ? ` ${code}` : ""})`,
            fix: "pulumi up --refresh restores an app client changed or deleted outside the stack, and its secret in the Token Vault",
        };
    }
    return {
        retry: [502, 503, 504].includes(e.status),
        problem: `${where} answered ${e.status}${said(e.text, t, tokens)}`,
        fix: "check that the Cognito domain of the stack exists (npm run status), then run pulumi up again",
    };
}
