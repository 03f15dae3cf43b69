"""The official MCP Python client, for the revision the TypeScript SDK does not speak yet.

    python mcp_client.py <url> <mode> [<headers as a JSON object>]

<mode> is "legacy" (the initialize handshake) or a stateless revision such as "2026-07-28". Prints
one JSON object: the negotiated protocol version, the server's name and version, and every tool
(all pages) with its read-only and destructive hints, description and input schema; or {"error": ...} and exit status 1.
"""

import asyncio
import json
import sys

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client


async def main(url: str, mode: str, headers: dict) -> dict:
    async with httpx2.AsyncClient(headers=headers, timeout=30.0) as http:
        async with Client(streamable_http_client(url, http_client=http), mode=mode, cache=None) as client:
            tools = []
            cursor = None
            while True:
                page = await client.list_tools(cursor=cursor) if cursor else await client.list_tools()
                tools.extend(page.tools)
                cursor = page.next_cursor
                if not cursor:
                    break
            info = client.server_info
            return {
                "protocolVersion": client.protocol_version,
                "serverInfo": {"name": info.name if info else None, "version": info.version if info else None},
                "tools": [
                    {
                        "name": t.name,
                        "readOnlyHint": bool(t.annotations and t.annotations.read_only_hint),
                        "destructiveHint": bool(t.annotations and t.annotations.destructive_hint),
                        "description": t.description,
                        "inputSchema": t.input_schema,
                    }
                    for t in tools
                ],
            }


if __name__ == "__main__":
    try:
        result = asyncio.run(main(sys.argv[1], sys.argv[2], json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}))
    except BaseException as e:  # noqa: BLE001 - report every failure as data
        parts = [repr(e)]
        for sub in getattr(e, "exceptions", []) or []:
            parts.append(repr(sub))
        print(json.dumps({"error": " | ".join(parts)}))
        sys.exit(1)
    print(json.dumps(result))
