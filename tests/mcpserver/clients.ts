/**
 * The MCP clients of the tests, calling as AWS calls the server: the official TypeScript SDK through
 * the ECS load balancer (here the intercepting proxy, which ends TLS and keeps the Host header), and
 * the official Python client (MCP 2026-07-28) through AgentCore Runtime.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ProxyAgent } from "undici";
import { requestAsFetch } from "../../providers/http";
import type { ToolReport, ToolTarget } from "../../providers/toolCheck";
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
 * The harness's call over the ECS endpoint: HTTPS to the service's name, through the intercepting
 * proxy, which ends TLS as the load balancer does and passes the request on with its Host header.
 */
export async function listOverEcs(proxy: InterceptingProxy, host: string, authorization: string | undefined): Promise<ListedTools> {
    const dispatcher = new ProxyAgent({ uri: proxy.url, requestTls: { ca: fs.readFileSync(proxy.caFile, "utf8") } });
    const transport = new StreamableHTTPClientTransport(new URL(`https://${host}/mcp`), {
        requestInit: { headers: authorization ? { Authorization: authorization } : {} },
        fetch: requestAsFetch(dispatcher) as typeof fetch,
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
    const { stdout } = await promisify(execFile)(python, args, { maxBuffer: 64 * 1024 * 1024 }).catch((e: { stdout?: string }) => ({
        stdout: e.stdout ?? "{}",
    }));
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

/**
 * The deploy's own tool check (providers/toolCheck.ts), run as the dynamic-provider host runs it: in
 * a Node process of its own whose environment holds the user's proxy and CA settings.
 */
export async function runToolCheck(target: ToolTarget, env: Record<string, string>): Promise<ToolReport | { error: string }> {
    const script =
        'require("./providers/toolCheck").checkTools(JSON.parse(process.argv[1]), { waitMs: 0 })' +
        ".then((r) => console.log(JSON.stringify(r)), (e) => console.log(JSON.stringify({ error: e.message })))";
    const { stdout } = await promisify(execFile)(
        process.execPath,
        ["--require", require.resolve("tsx/cjs"), "--eval", script, JSON.stringify(target)],
        {
            cwd: path.join(__dirname, "..", ".."),
            env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
        },
    );
    return JSON.parse(stdout.trim().split("\n").pop()!);
}
