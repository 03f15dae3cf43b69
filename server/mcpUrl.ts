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

/** AgentCore's data-plane host in a region: where a runtime is invoked. */
const AGENTCORE_HOST = /^bedrock-agentcore(-fips)?\.[a-z]{2}(-[a-z]+)+-\d\.(amazonaws\.com(\.cn)?|api\.aws)$/;

/**
 * True when the URL is an AgentCore Runtime invocation endpoint: AgentCore's host, and a path that
 * starts with /runtimes/ (in any letter case, percent-encoded or not). Those accept only
 * SigV4-signed requests, and `remote_mcp` can only send static headers, so every call would get
 * HTTP 403. A server of one's own whose path merely mentions them is not one.
 */
export function isSigV4RuntimeUrl(url: string): boolean {
    let parsed: URL;
    try {
        parsed = new URL(url);
    } catch {
        return false;
    }
    const first = parsed.pathname.split("/").find((segment) => segment !== "") ?? "";
    let decoded = first;
    try {
        decoded = decodeURIComponent(first);
    } catch {
        // an undecodable escape: compared as written
    }
    return AGENTCORE_HOST.test(parsed.hostname) && decoded.toLowerCase() === "runtimes";
}
