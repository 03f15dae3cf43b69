/**
 * The tool check's call: the MCP server as the harness calls it (MCP `initialize`, then
 * `tools/list`, every page) with the official MCP TypeScript SDK, after a Cognito token for a
 * gateway. `checkTools` retries while the server may still be starting and throws a ToolCheckError
 * naming the cause and the fix; failures.ts turns what went wrong into those words.
 */
import type { Client as McpClient } from "@modelcontextprotocol/sdk/client/index.js";
import type { StreamableHTTPClientTransport as McpTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { currentClock } from "../clock";
import { HttpClient, httpClient } from "../http";
import { currentAwsSettings } from "../awsIdentity";
import { awsCaBundle, trustedCertificates } from "../kit/network";
import { explain, Failure, HttpAnswer, NoTools } from "./failures";

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

/**
 * Calls the server as the harness does and reports what it lists. Connection errors, 421, 502,
 * 503 and 504 are retried until `waitMs` has passed; anything else (a 401 above all) fails at
 * once. Throws a ToolCheckError; no message carries a credential.
 */
export async function checkTools(target: ToolTarget, o: CheckToolsOptions = {}): Promise<ToolReport> {
    const clock = currentClock();
    const start = clock.now();
    const waitMs = o.waitMs ?? TOOL_CHECK_WAIT_MS;
    // The CA bundle set for AWS (AWS_CA_BUNDLE, ca_bundle) is trusted here too: the gateway and Cognito are AWS's.
    const aws = currentAwsSettings();
    const ca = trustedCertificates(await awsCaBundle({ profile: aws.profile, configFile: aws.sharedConfigFiles?.[0] }));
    const http = httpClient({ timeoutMs: o.requestTimeoutMs ?? REQUEST_TIMEOUT_MS, signal: o.signal, ca });
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
                throw new ToolCheckError(
                    failure.retry ? `${failure.problem} (still so after ${minutes(waited)})` : failure.problem,
                    failure.fix,
                );
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
    const transport: McpTransport = new StreamableHTTPClientTransport(new URL(t.url), {
        fetch: http.fetch,
        requestInit: { headers: { Authorization: authorization } },
    });
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
        const report = {
            serverName: info?.name ?? "",
            serverVersion: info?.version ?? "",
            protocolVersion: transport.protocolVersion ?? "",
            toolCount,
        };
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
