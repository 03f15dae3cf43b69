/**
 * What AgentCore Runtime delivers to the MCP server in its container: the one description every
 * test of the gateway path uses. It stands in front of a server on this machine and passes each
 * call on the way the runtime does:
 *
 * - The request reaches `POST /mcp` on the container's port 8000 (here: the server's test port),
 *   the path the runtime's MCP contract names (docs.aws.amazon.com/bedrock-agentcore/latest/
 *   devguide/runtime-mcp-protocol-contract.html).
 * - Only the headers named in the runtime's `requestHeaderAllowlist` pass, besides the ones
 *   InvokeAgentRuntime carries as its own parameters (Accept, Content-Type, Mcp-Protocol-Version,
 *   Mcp-Session-Id) (.../devguide/runtime-header-allowlist.html). Authorization passes only with a
 *   custom JWT authorizer, and only once the runtime has checked the bearer token.
 * - The platform adds its session headers, `X-Amzn-Bedrock-AgentCore-Runtime-Session-Id` and an
 *   `Mcp-Session-Id` of its own when the caller sent none, and the server must not reject them
 *   (the MCP contract); a session id the server returns is replaced by the platform's, so a
 *   handshake-era client cannot continue a session (the server's AgentCore guide, "AgentCore
 *   serves 2026-07-28 only").
 * - The Host header is the runtime's own, not predictable.
 */
import { randomUUID } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";

/** The MCP revision AgentCore Runtime serves for this server. */
export const RUNTIME_PROTOCOL_VERSION = "2026-07-28";

/** Headers InvokeAgentRuntime carries as parameters of its own: they always pass. */
const RUNTIME_PARAMETER_HEADERS = ["accept", "content-type", "mcp-protocol-version", "mcp-session-id"];

export interface RuntimeFront {
    /** `http://127.0.0.1:<port>/mcp`: where a caller (the gateway, here a test) sends its calls. */
    url: string;
    /** The headers the server received on each call, lower-case names, oldest first. */
    delivered: Record<string, string>[];
    /** The server's status code for each call, oldest first. */
    answered: number[];
    stop(): Promise<void>;
}

export interface RuntimeFrontOptions {
    /** The server behind it: `http://127.0.0.1:<port>`. */
    server: string;
    /** The runtime's requestHeaderAllowlist, as the program sets it. */
    allowlist: readonly string[];
    /** Whether the runtime has a custom JWT authorizer (the gateway topology's has). */
    jwtAuthorizer: boolean;
    /** The authorizer's judgement of a bearer token (its issuer, client and scopes); any token without it. */
    acceptsToken?: (token: string) => boolean;
}

export async function startRuntimeFront(opts: RuntimeFrontOptions): Promise<RuntimeFront> {
    const allowed = new Set([...opts.allowlist.map((h) => h.toLowerCase()), ...RUNTIME_PARAMETER_HEADERS]);
    if (!opts.jwtAuthorizer) {
        allowed.delete("authorization");
    }
    const runtimeSession = randomUUID();
    const platformMcpSession = randomUUID();
    const internalHost = `runtime-${randomUUID().slice(0, 8)}.internal:8080`;
    const delivered: Record<string, string>[] = [];
    const answered: number[] = [];
    const target = new URL(opts.server);

    const server = http.createServer((req, res) => {
        const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
        if (opts.jwtAuthorizer && (!bearer || (opts.acceptsToken && !opts.acceptsToken(bearer)))) {
            res.writeHead(401, { "content-type": "application/json", "www-authenticate": "Bearer" });
            res.end(JSON.stringify({ message: "OAuth authorization failed: missing bearer token" }));
            return;
        }
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(req.headers)) {
            if (allowed.has(name) && typeof value === "string") {
                headers[name] = value;
            }
        }
        headers["mcp-session-id"] ??= platformMcpSession;
        headers["x-amzn-bedrock-agentcore-runtime-session-id"] = runtimeSession;
        headers.host = internalHost;
        delivered.push({ ...headers });
        const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: "/mcp", headers }, (answer) => {
            const out = { ...answer.headers };
            if (out["mcp-session-id"] !== undefined) {
                out["mcp-session-id"] = platformMcpSession;
            }
            answered.push(answer.statusCode ?? 502);
            res.writeHead(answer.statusCode ?? 502, out);
            answer.pipe(res);
        });
        upstream.on("error", (e) => {
            res.writeHead(502, { "content-type": "application/json" });
            res.end(JSON.stringify({ message: `the runtime could not reach the container: ${e.message}` }));
        });
        req.pipe(upstream);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
        delivered,
        answered,
        stop: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}
