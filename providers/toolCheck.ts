/**
 * The tool check: after a deploy, calls the MCP server as the harness does (MCP `initialize`, then
 * `tools/list`, every page) with the official MCP TypeScript SDK, and records the server's name,
 * version, protocol revision and tool count. `pulumi up` fails, naming the cause and the fix, when
 * the server does not answer with its tools; `npm run doctor` runs the same check (`checkTools`).
 *
 * - remote_mcp (ecs): the service's URL with the Token Vault's `Authorization: Basic ...` value.
 * - agentcore_gateway: a Cognito client-credentials token (the app client's id and secret, the
 *   scope), then the gateway's URL with `Authorization: Bearer <token>`.
 *
 * The resource creates nothing in AWS. It runs again when `revision` changes (the components fill
 * it with what identifies the deployed server), or the URL or credentials do; refresh never calls
 * the server, and delete does nothing. The credentials are inputs only: the outputs keep a digest
 * of them (itself a secret), so that a change is noticed without the outputs holding them.
 */
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import type { Client as McpClient } from "@modelcontextprotocol/sdk/client/index.js";
import type { StreamableHTTPClientTransport as McpTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { inProject, ProjectResource } from "./projectProvider";
import { checkFields, CheckFailure, containsUnknown, currentClock, diffInputs, DiffSpec, inputsOf, UNKNOWN } from "./lifecycle";
import { duration, HttpClient, httpClient } from "./http";

export type ToolKind = "remote_mcp" | "agentcore_gateway";

/** The server as the harness calls it. */
export type ToolTarget =
    | {
          kind: "remote_mcp";
          url: string;
          /** The header value the Token Vault holds: `Basic base64(client_id:client_secret)`. */
          authorization: string;
      }
    | {
          kind: "agentcore_gateway";
          url: string;
          /** Cognito's `https://<domain>.auth.<region>.amazoncognito.com/oauth2/token`. */
          tokenEndpoint: string;
          clientId: string;
          clientSecret: string;
          scope: string;
      };

/** What the server said about itself, and how many tools it lists. */
export interface ToolReport {
    serverName: string;
    serverVersion: string;
    protocolVersion: string;
    toolCount: number;
}

export interface CheckToolsOptions {
    /** How long a server that is still starting (no connection, 421, 502, 503, 504) is waited for, in the clock's time. */
    waitMs?: number;
    /** Aborts the check (a Ctrl-C). */
    signal?: AbortSignal;
    /** One request's timeout, real milliseconds (default 30 s): the server is a real process, whatever the clock. */
    requestTimeoutMs?: number;
}

/** The server just after a rollout may still be starting, or the new allow-list still rolling out. */
const TOOL_CHECK_WAIT_MS = 3 * 60_000;
/** One HTTP request (and one MCP request), in real time. */
const REQUEST_TIMEOUT_MS = 30_000;
const MAX_PAGES = 100;
const SERVER_TEXT_LIMIT = 300;
/** The README's command that prints the MCP server's own log. */
const SERVER_LOG_COMMAND = "npm run logs -- --server";
const SKIP = "If the machine running pulumi cannot reach this endpoint, skip the check: pulumi config set verifyTools false.";

/**
 * A failed check: `problem` names what happened and the URL, `fix` what to do; each a clause
 * without its final period, so that doctor can print them on its line.
 */
export class ToolCheckError extends Error {
    constructor(
        readonly problem: string,
        readonly fix: string,
    ) {
        super(`Tool check: ${problem}. ${capitalised(fix)}. ${SKIP}`);
        this.name = "ToolCheckError";
    }
}

function capitalised(text: string): string {
    return text.charAt(0).toUpperCase() + text.slice(1);
}

// ---------------------------------------------------------------------------------------------
// The check

/**
 * Calls the server as the harness does and reports what it lists. Connection errors, 421, 502,
 * 503 and 504 are retried until `waitMs` has passed; anything else (a 401 above all) fails at
 * once. Throws a ToolCheckError; no message carries a credential.
 */
export async function checkTools(target: ToolTarget, o: CheckToolsOptions = {}): Promise<ToolReport> {
    const clock = currentClock();
    const start = clock.now();
    const waitMs = o.waitMs ?? TOOL_CHECK_WAIT_MS;
    const http = httpClient({ timeoutMs: o.requestTimeoutMs ?? REQUEST_TIMEOUT_MS, signal: o.signal });
    // The bearer tokens Cognito issued: no message may show one, should a server echo it.
    const tokens: string[] = [];
    let delay = 2_000;
    try {
        for (;;) {
            let failure: Failure;
            try {
                return await callServer(target, http, o.signal, tokens);
            } catch (e) {
                if (o.signal?.aborted) {
                    throw e;
                }
                failure = await explain(e, target, http, tokens);
            }
            const waited = clock.now() - start;
            // The last pause ends at the deadline, where the last attempt is made.
            const pause = Math.min(delay, waitMs - waited);
            if (!failure.retry || pause <= 0) {
                throw new ToolCheckError(failure.retry ? `${failure.problem} (still so after ${minutes(waited)})` : failure.problem, failure.fix);
            }
            await clock.sleep(pause);
            delay = Math.min(delay * 2, 10_000);
        }
    } finally {
        await http.close().catch(() => undefined);
    }
}

function minutes(ms: number): string {
    const m = Math.round((ms / 60_000) * 10) / 10;
    return m >= 1 ? `${m} min` : `${Math.round(ms / 1000)} s`;
}

/** Raised for an HTTP answer the check cannot use: which request, its status and its text. */
class HttpAnswer extends Error {
    constructor(
        readonly stage: "token" | "server",
        readonly status: number,
        readonly text: string,
    ) {
        super(`HTTP ${status}`);
    }
}

class NoTools extends Error {
    constructor(readonly report: ToolReport) {
        super("no tools");
    }
}

async function callServer(t: ToolTarget, http: HttpClient, signal: AbortSignal | undefined, tokens: string[]): Promise<ToolReport> {
    let authorization: string;
    if (t.kind === "agentcore_gateway") {
        const token = await cognitoToken(t, http);
        tokens.push(token);
        authorization = `Bearer ${token}`;
    } else {
        authorization = t.authorization;
    }
    // Loaded when a check runs: the program itself never needs the SDK.
    const { Client } = require("@modelcontextprotocol/sdk/client/index.js") as typeof import("@modelcontextprotocol/sdk/client/index.js");
    const { StreamableHTTPClientTransport, StreamableHTTPError } =
        require("@modelcontextprotocol/sdk/client/streamableHttp.js") as typeof import("@modelcontextprotocol/sdk/client/streamableHttp.js");
    const transport: McpTransport = new StreamableHTTPClientTransport(new URL(t.url), { fetch: http.fetch, requestInit: { headers: { Authorization: authorization } } });
    const client: McpClient = new Client({ name: "zscaler-mcp-harness tool check", version: "1.0.0" }, { capabilities: {} });
    // A little longer than the HTTP timeout, which names the host when it strikes first.
    const options = { signal, timeout: http.timeoutMs + 5_000 };
    try {
        await client.connect(transport, options);
        // A server without the tools capability has none to list: the harness would see none.
        const listsTools = client.getServerCapabilities()?.tools !== undefined;
        let toolCount = 0;
        let cursor: string | undefined;
        const seen = new Set<string>();
        for (let page = 0; listsTools && page < MAX_PAGES; page++) {
            const listed = await client.listTools(cursor === undefined ? {} : { cursor }, options);
            toolCount += listed.tools.length;
            cursor = listed.nextCursor;
            if (!cursor || seen.has(cursor)) {
                break;
            }
            seen.add(cursor);
        }
        const info = client.getServerVersion();
        const report = { serverName: info?.name ?? "", serverVersion: info?.version ?? "", protocolVersion: transport.protocolVersion ?? "", toolCount };
        if (toolCount === 0) {
            throw new NoTools(report);
        }
        // A server that keeps sessions can let this one go now.
        await transport.terminateSession().catch(() => undefined);
        return report;
    } catch (e) {
        if (e instanceof StreamableHTTPError && typeof e.code === "number" && e.code >= 400) {
            throw new HttpAnswer("server", e.code, e.message.replace(/^Streamable HTTP error: (Error POSTing to endpoint: )?/, ""));
        }
        throw e;
    } finally {
        await client.close().catch(() => undefined);
    }
}

/** A client-credentials token from Cognito: the form Cognito's /oauth2/token takes, with HTTP Basic client authentication. */
async function cognitoToken(t: Extract<ToolTarget, { kind: "agentcore_gateway" }>, http: HttpClient): Promise<string> {
    let response: Response;
    try {
        response = await http.fetch(t.tokenEndpoint, {
            method: "POST",
            headers: {
                "Content-Type": "application/x-www-form-urlencoded",
                Accept: "application/json",
                Authorization: `Basic ${Buffer.from(`${t.clientId}:${t.clientSecret}`, "utf8").toString("base64")}`,
            },
            body: new URLSearchParams({ grant_type: "client_credentials", scope: t.scope }).toString(),
        });
    } catch (e) {
        // A network error on the way to Cognito names Cognito's host, not the gateway's.
        throw Object.assign(e as object, { tokenRequest: true });
    }
    const text = await response.text();
    if (!response.ok) {
        throw new HttpAnswer("token", response.status, text);
    }
    let token: unknown;
    try {
        token = (JSON.parse(text) as { access_token?: unknown }).access_token;
    } catch {
        // reported below
    }
    if (typeof token !== "string" || token === "") {
        throw new HttpAnswer("token", response.status, "the answer holds no access_token");
    }
    return token;
}

// ---------------------------------------------------------------------------------------------
// What went wrong, and what to do

interface Failure {
    /** Worth another try while the server may still be starting. */
    retry: boolean;
    problem: string;
    fix: string;
}

const NETWORK_CODES = ["ECONNREFUSED", "ECONNRESET", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_CLOSED"];
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
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
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

async function explain(e: unknown, t: ToolTarget, http: HttpClient, tokens: readonly string[]): Promise<Failure> {
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
            return { retry: true, problem: `${server} answered ${e.status}: nothing serves there yet${words}`, fix: `${log}, then run pulumi up again` };
        }
        return {
            retry: false,
            problem: `${server} answered ${e.status}${words}`,
            fix: t.kind === "remote_mcp" ? `check the URL (the program appends /mcp to mcpUrl), and ${log}` : `${log}, and the gateway target's status with npm run status`,
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
            return { retry: false, problem, fix: "the certificate is for another name: check the URL, and any proxy or TLS inspection in between" };
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
        return { retry: true, problem: `the proxy ${proxy} for ${t.url} does not resolve (${code})`, fix: "check HTTPS_PROXY and HTTP_PROXY" };
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
            problem: proxy ? `no connection to the proxy ${proxy} for ${t.url} (${code || cause.message})` : `no connection to ${url.host} for ${t.url} (${code || cause.message})`,
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

// ---------------------------------------------------------------------------------------------
// The resource

export interface ToolCheckInputs {
    region: string;
    kind: ToolKind;
    url: string;
    /** remote_mcp: the Authorization header value (secret). */
    authorization?: string;
    /** agentcore_gateway: Cognito's token endpoint, the app client, its secret (secret) and the scope. */
    tokenEndpoint?: string;
    clientId?: string;
    clientSecret?: string;
    scope?: string;
    /** What identifies the deployed server (image, credentials version, deployment or runtime version, ...): a change runs the check again. */
    revision: string;
}

/** The state: the inputs without the credentials, their digest (a secret), and what the server reported. */
export interface ToolCheckOutputs extends Omit<ToolCheckInputs, "authorization" | "clientSecret">, ToolReport {
    credentialsDigest: string;
}

/** The inputs that are credentials: never in the state, only their digest. */
const CREDENTIAL_FIELDS = ["authorization", "clientSecret"] as const;

// Nothing exists in AWS, so nothing is ever replaced: any change runs the check again, in place.
export const TOOL_CHECK_DIFF: DiffSpec = {
    createOnly: [],
    updatable: ["region", "kind", "url", "tokenEndpoint", "clientId", "scope", "revision"],
};
/** The diff also compares the credentials, by their digest in the state. */
const DIFF_WITH_CREDENTIALS: DiffSpec = { ...TOOL_CHECK_DIFF, updatable: [...TOOL_CHECK_DIFF.updatable, "credentialsDigest"] };

function credentialsDigest(i: Pick<ToolCheckInputs, "authorization" | "clientSecret">): string {
    const h = crypto.createHash("sha256");
    for (const f of CREDENTIAL_FIELDS) {
        h.update(`${f}\u0000${i[f] ?? ""}\u0000`);
    }
    return h.digest("hex");
}

function targetOf(i: ToolCheckInputs): ToolTarget {
    return i.kind === "remote_mcp"
        ? { kind: "remote_mcp", url: i.url, authorization: i.authorization! }
        : { kind: "agentcore_gateway", url: i.url, tokenEndpoint: i.tokenEndpoint!, clientId: i.clientId!, clientSecret: i.clientSecret!, scope: i.scope! };
}

async function runCheck(i: ToolCheckInputs): Promise<ToolCheckOutputs> {
    const report = await checkTools(targetOf(i));
    const { authorization: _a, clientSecret: _c, ...plain } = i;
    return { ...plain, credentialsDigest: credentialsDigest(i), ...report };
}

export const toolCheckProvider: pulumi.dynamic.ResourceProvider<ToolCheckInputs, ToolCheckOutputs> = {
    async check(_olds, news) {
        const n = news as unknown as Record<string, unknown>;
        const failures: CheckFailure[] = checkFields(n, ["region", "kind", "url", "revision"], {
            kind: { re: /^(remote_mcp|agentcore_gateway)$/, rule: "remote_mcp or agentcore_gateway" },
            url: { re: /^https?:\/\/[^\s/?#]+[^\s]*$/, rule: "an http(s) URL" },
        });
        if (news.kind === "remote_mcp") {
            failures.push(...checkFields(n, ["authorization"]));
        } else if (news.kind === "agentcore_gateway") {
            failures.push(...checkFields(n, ["tokenEndpoint", "clientId", "clientSecret", "scope"]));
        }
        return { inputs: news, failures };
    },

    async diff(_id, olds, news) {
        // The credentials are compared by digest; an unknown one (a preview) counts as a change.
        const digest = CREDENTIAL_FIELDS.some((f) => containsUnknown(news[f])) ? UNKNOWN : credentialsDigest(news);
        return diffInputs(olds as any, { ...news, credentialsDigest: digest } as any, DIFF_WITH_CREDENTIALS);
    },

    async create(inputs) {
        return { id: `${inputs.kind}:${inputs.url}`, outs: await runCheck(inputs) };
    },

    async read(id, props) {
        // A refresh does not call the server: the state is what the last check found.
        return { id, props, inputs: inputsOf(props as any, TOOL_CHECK_DIFF) };
    },

    async update(_id, _olds, news) {
        return { outs: await runCheck(news) };
    },

    async delete() {
        // Nothing exists in AWS for this resource.
    },
};

export interface ToolCheckArgs {
    region: pulumi.Input<string>;
    kind: pulumi.Input<ToolKind>;
    url: pulumi.Input<string>;
    authorization?: pulumi.Input<string>;
    tokenEndpoint?: pulumi.Input<string>;
    clientId?: pulumi.Input<string>;
    clientSecret?: pulumi.Input<string>;
    scope?: pulumi.Input<string>;
    revision: pulumi.Input<string>;
}

export class ToolCheck extends ProjectResource {
    declare readonly serverName: pulumi.Output<string>;
    declare readonly serverVersion: pulumi.Output<string>;
    declare readonly protocolVersion: pulumi.Output<string>;
    declare readonly toolCount: pulumi.Output<number>;

    constructor(name: string, args: ToolCheckArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            inProject("toolCheck", "toolCheckProvider"),
            name,
            { ...args, serverName: undefined, serverVersion: undefined, protocolVersion: undefined, toolCount: undefined, credentialsDigest: undefined },
            // The digest is of secrets: the state keeps it encrypted too.
            { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "credentialsDigest"] },
            "mcp",
            "ToolCheck",
        );
    }
}

/** A revision string from what identifies the deployed server: `key=value` pairs, in the order given; unset parts left out. */
export function serverRevision(parts: Record<string, string | undefined>): string {
    return Object.entries(parts)
        .filter(([, v]) => v !== undefined && v !== "")
        .map(([k, v]) => `${k}=${v}`)
        .join(" ");
}
