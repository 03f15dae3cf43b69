/**
 * MCP URL rules shared by the settings module and the topologies. Pure: no Pulumi imports.
 */

/**
 * Normalises an MCP server URL to the form Harness's MCP client needs: trimmed, ending in `/mcp`,
 * never with a trailing slash. Harness does not follow the 307 that `/mcp/` answers with, so a
 * trailing slash makes the tool fail to start on every invocation.
 */
export function normalizeMcpUrl(raw: string): string {
    let url = raw.trim();
    while (url.endsWith("/")) {
        url = url.slice(0, -1);
    }
    if (!url.endsWith("/mcp")) {
        url = `${url}/mcp`;
    }
    return url;
}

/**
 * True when the URL is an AgentCore Runtime invocation endpoint. Those accept only SigV4-signed
 * requests, and `remote_mcp` can only send static headers, so every call would get HTTP 403.
 */
export function isSigV4RuntimeUrl(url: string): boolean {
    return url.includes("bedrock-agentcore.") && url.includes("/runtimes/");
}
