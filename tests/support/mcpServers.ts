/**
 * MCP servers for the tests of the tool check and of doctor: the SDK's own McpServer and
 * StreamableHTTPServerTransport on 127.0.0.1 behind a small HTTP wrapper that checks the
 * Authorization header and can answer 401, 421 or 503 first; and a Cognito-like token endpoint
 * (client credentials, HTTP Basic client authentication) whose tokens such a server can accept.
 */
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as net from "net";
import * as path from "path";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";

const FIXTURES = path.join(__dirname, "..", "fixtures", "tool-check");
/** A self-signed certificate for 127.0.0.1 (see tests/fixtures/tool-check/README.md). */
export const TEST_CERT = path.join(FIXTURES, "server.crt");
const TEST_KEY = path.join(FIXTURES, "server.key");

/** The Cognito app client the token endpoint knows, and the scope it grants. */
export const COGNITO = { clientId: "3n4b5c6d7e8f9g0h1i2j3k4l5m", clientSecret: "cognito-secret-0a9b8c7d6e", scope: "zscaler-mcp/invoke" };
export const TOOLS = ["zia_list_locations", "zpa_list_segment_groups", "zdx_list_devices", "zcc_list_devices", "ztw_list_edge_groups"];

export interface Seen {
    method: string;
    host?: string;
    authorization?: string;
}

export interface McpFixture {
    url: string;
    seen: Seen[];
    /** Answers given before the MCP server is reached, one per request: a status and its text. */
    first: { status: number; text: string }[];
}

const servers: { close(): Promise<void> }[] = [];

/** Closes every server started since the last call (an afterEach hook's job). */
export async function closeServers(): Promise<void> {
    await Promise.all(servers.splice(0).map((s) => s.close()));
}

export function listen(server: http.Server | https.Server): Promise<number> {
    servers.push({ close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) });
    return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)));
}

/**
 * The MCP server: stateless (a new McpServer and transport per request, as the SDK's stateless
 * example does), listing `tools`, `pageSize` at a time when given.
 */
export async function mcpServer(o: {
    accepts: (authorization: string | undefined) => boolean;
    tools?: string[];
    pageSize?: number;
    tls?: boolean;
    unauthorizedText?: string | ((authorization: string | undefined) => string);
}): Promise<McpFixture> {
    const seen: Seen[] = [];
    const first: McpFixture["first"] = [];
    const tools = o.tools ?? TOOLS;
    const handler = async (req: http.IncomingMessage, res: http.ServerResponse) => {
        seen.push({ method: req.method!, host: req.headers.host, authorization: req.headers.authorization });
        const early = req.method === "POST" ? first.shift() : undefined;
        if (early) {
            res.writeHead(early.status, { "content-type": "text/plain" }).end(early.text);
            return;
        }
        if (!o.accepts(req.headers.authorization)) {
            const text = typeof o.unauthorizedText === "function" ? o.unauthorizedText(req.headers.authorization) : o.unauthorizedText;
            res.writeHead(401, { "content-type": "application/json" }).end(text ?? '{"error":"unauthorized"}');
            return;
        }
        const mcp = new McpServer({ name: "zscaler-mcp", version: "0.15.4" });
        if (o.pageSize === undefined) {
            for (const name of tools) {
                mcp.registerTool(name, { description: `${name} (read-only)` }, async () => ({ content: [{ type: "text", text: "[]" }] }));
            }
        } else {
            const size = o.pageSize;
            mcp.server.registerCapabilities({ tools: {} });
            mcp.server.setRequestHandler(ListToolsRequestSchema, async (request) => {
                const from = Number(request.params?.cursor ?? 0);
                const page = tools.slice(from, from + size).map((name) => ({ name, inputSchema: { type: "object" as const } }));
                return { tools: page, ...(from + size < tools.length ? { nextCursor: String(from + size) } : {}) };
            });
        }
        const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
        res.on("close", () => {
            void transport.close();
            void mcp.close();
        });
        await mcp.connect(transport);
        await transport.handleRequest(req, res);
    };
    const server = o.tls
        ? https.createServer({ cert: fs.readFileSync(TEST_CERT), key: fs.readFileSync(TEST_KEY) }, (req, res) => void handler(req, res))
        : http.createServer((req, res) => void handler(req, res));
    const port = await listen(server);
    return { url: `${o.tls ? "https" : "http"}://127.0.0.1:${port}/mcp`, seen, first };
}

/** Cognito's /oauth2/token as far as the check uses it: client credentials with HTTP Basic client authentication. */
export async function tokenEndpoint(): Promise<{
    url: string;
    issued: string[];
    requests: { authorization?: string; contentType?: string; form: Record<string, string> }[];
}> {
    const issued: string[] = [];
    const requests: { authorization?: string; contentType?: string; form: Record<string, string> }[] = [];
    const server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (d) => (body += d));
        req.on("end", () => {
            const form = Object.fromEntries(new URLSearchParams(body));
            requests.push({ authorization: req.headers.authorization, contentType: req.headers["content-type"], form });
            const json = (status: number, doc: unknown) =>
                res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(doc));
            const basic = "Basic " + Buffer.from(`${COGNITO.clientId}:${COGNITO.clientSecret}`).toString("base64");
            if (req.method !== "POST" || req.url !== "/oauth2/token" || req.headers.authorization !== basic) {
                json(400, { error: "invalid_client" });
            } else if (form.grant_type !== "client_credentials") {
                json(400, { error: "unsupported_grant_type" });
            } else if (form.scope !== COGNITO.scope) {
                json(400, { error: "invalid_scope" });
            } else {
                const token = `eyJ.token-${issued.length + 1}`;
                issued.push(token);
                json(200, { access_token: token, expires_in: 3600, token_type: "Bearer" });
            }
        });
    });
    const port = await listen(server);
    return { url: `http://127.0.0.1:${port}/oauth2/token`, issued, requests };
}
