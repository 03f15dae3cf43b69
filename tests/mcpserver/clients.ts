/**
 * The MCP clients of the tests, calling as AWS calls the server: the official TypeScript SDK through
 * the ECS load balancer (here the intercepting proxy, which ends TLS and keeps the Host header), and
 * the official Python client (MCP 2026-07-28) through AgentCore Runtime.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { Readable } from "node:stream";
import { promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ProxyAgent, request, type Dispatcher } from "undici";
import { toolDir, type InterceptingProxy } from "./proxy";

export interface ListedTool {
    name: string;
    readOnly: boolean;
    description?: string;
    inputSchema?: Record<string, unknown>;
}

export interface ListedTools {
    serverName?: string;
    serverVersion?: string;
    protocolVersion?: string;
    tools: ListedTool[];
}

/**
 * A fetch over undici's request(): undici's fetch fails a POST whose answer comes before the body
 * is read (a 421 from the Host check) with a content-length error instead of the answer.
 */
function requestAsFetch(dispatcher: Dispatcher): typeof fetch {
    return (async (url: string | URL, init: RequestInit = {}) => {
        const answer = await request(url, {
            method: (init.method ?? "GET") as Dispatcher.HttpMethod,
            headers: Object.fromEntries(new Headers(init.headers).entries()),
            body: init.body as string | undefined,
            signal: init.signal ?? undefined,
            dispatcher,
        });
        const headers = new Headers();
        for (const [k, v] of Object.entries(answer.headers)) {
            for (const value of Array.isArray(v) ? v : v === undefined ? [] : [v]) {
                headers.append(k, value);
            }
        }
        const empty = answer.statusCode === 204 || answer.statusCode === 304 || init.method === "HEAD";
        return new Response(empty ? null : (Readable.toWeb(answer.body) as ReadableStream), { status: answer.statusCode, headers });
    }) as typeof fetch;
}

/**
 * The harness's call over the ECS endpoint: HTTPS to the service's name, through the intercepting
 * proxy, which ends TLS as the load balancer does and passes the request on with its Host header.
 */
export async function listOverEcs(proxy: InterceptingProxy, host: string, authorization: string | undefined): Promise<ListedTools> {
    const dispatcher = new ProxyAgent({ uri: proxy.url, requestTls: { ca: fs.readFileSync(proxy.caFile, "utf8") } });
    const transport = new StreamableHTTPClientTransport(new URL(`https://${host}/mcp`), {
        requestInit: { headers: authorization ? { Authorization: authorization } : {} },
        fetch: requestAsFetch(dispatcher),
    });
    const client = new Client({ name: "harness-check", version: "1.0.0" });
    try {
        await client.connect(transport);
        const tools: ListedTools["tools"] = [];
        let cursor: string | undefined;
        do {
            const page = await client.listTools(cursor ? { cursor } : {});
            tools.push(...page.tools.map((t) => ({ name: t.name, readOnly: t.annotations?.readOnlyHint === true })));
            cursor = page.nextCursor;
        } while (cursor);
        const info = client.getServerVersion();
        return { serverName: info?.name, serverVersion: info?.version, protocolVersion: transport.protocolVersion, tools };
    } finally {
        await client.close().catch(() => undefined);
        await dispatcher.close();
    }
}

/** The gateway's call through AgentCore Runtime, with the official Python client (MCP 2026-07-28). */
export async function listThroughRuntime(url: string, token: string): Promise<ListedTools & { error?: string }> {
    // The client of the MCP Python SDK 2.x, from the environment of the server release that needs it.
    const python = path.join(await toolDir(`zscaler-mcp-0.15.4`), "bin", "python");
    const args = [path.join(__dirname, "mcp_client.py"), url, "auto", JSON.stringify({ Authorization: `Bearer ${token}` })];
    const { stdout } = await promisify(execFile)(python, args, { maxBuffer: 64 * 1024 * 1024 }).catch(
        (e: { stdout?: string }) => ({ stdout: e.stdout ?? "{}" }),
    );
    const out = JSON.parse(stdout);
    if (out.error) {
        return { tools: [], error: out.error };
    }
    return {
        serverName: out.serverInfo.name,
        serverVersion: out.serverInfo.version,
        protocolVersion: out.protocolVersion,
        tools: out.tools.map((t: { name: string; readOnlyHint: boolean; description?: string; inputSchema?: Record<string, unknown> }) => ({
            name: t.name,
            readOnly: t.readOnlyHint,
            description: t.description,
            inputSchema: t.inputSchema,
        })),
    };
}

