/**
 * `npm run invoke -- "message"`: sends one user message to the harness and prints the answer as
 * it streams, each tool call as it starts, then the stop reason, token usage and latency.
 */
import { randomUUID } from "crypto";
import { findDeployment } from "./deployment";
import { EXIT, Io, OperatorError, paint, parseArgs, sdkConfig } from "./io";

export const INVOKE_USAGE = 'usage: npm run invoke -- "message" [--session <id>] [--json] [--stack <name>] [--harness-arn <arn>] [--region <region>]';

/** A session id AWS accepts: 33 to 100 characters, letters, digits, - and _. */
export function newSessionId(): string {
    return `zscaler-mcp-${randomUUID()}`;
}

/** The hint for a failure, from the causes the seed's troubleshooting table lists. */
export function hintFor(name: string, message: string): string | undefined {
    const m = message.toLowerCase();
    if (m.includes("taskgroup") || m.includes("failed to start mcp client")) {
        return (
            "The harness could not start the MCP tool. Usual causes: a harness role missing a statement " +
            "(run pulumi up to restore it), an MCP URL with a trailing slash, or a server that is not up " +
            "(npm run logs -- --container)."
        );
    }
    if (m.includes("getresourceapikey") || m.includes("getresourceoauth2token") || m.includes("not authorized to perform")) {
        return "The harness role lacks a Token Vault permission. Run pulumi up to restore the role's policy, and check no other policy denies it.";
    }
    if (/\b403\b/.test(m) || m.includes("forbidden")) {
        return "The MCP endpoint refused the call (403). A SigV4-only AgentCore Runtime URL cannot be a remote_mcp tool; use topology gateway.";
    }
    if (/\b421\b/.test(m) || m.includes("misdirected")) {
        return "The MCP server rejected the Host header (421). Keep hostValidation auto so the service's address is allowed, or add the host to allowedHosts, then pulumi up.";
    }
    if (/\b401\b/.test(m) || m.includes("unauthorized")) {
        return "The MCP server refused the credentials (401). Check zscalerClientId / zscalerClientSecret, then pulumi up to rotate the stored key.";
    }
    if (name === "ResourceNotFoundException") {
        return "The harness does not exist: it was deleted outside this stack. Run pulumi refresh, then pulumi up.";
    }
    if (name === "ThrottlingException") {
        return "AWS is throttling requests; wait a moment and try again.";
    }
    return undefined;
}

export async function runInvoke(argv: string[], io: Io): Promise<number> {
    const args = parseArgs(argv, ["json"]);
    const message = args.positional.join(" ").trim();
    if (!message) {
        throw new OperatorError(INVOKE_USAGE);
    }
    const json = args.flags.json === true;
    const deployment = findDeployment(args, io);
    const sessionId = typeof args.flags.session === "string" ? args.flags.session : newSessionId();
    if (!/^[a-zA-Z0-9][a-zA-Z0-9-_]{32,99}$/.test(sessionId)) {
        throw new OperatorError("--session must be 33 to 100 letters, digits, - or _ (as printed by an earlier invoke).");
    }
    // Loaded here, not at start-up: the command starts faster.
    const sdk = await import("@aws-sdk/client-bedrock-agentcore");
    const client = new sdk.BedrockAgentCoreClient(sdkConfig(deployment.region));
    const started = Date.now();
    let stopReason: string | undefined;
    let usage: { inputTokens?: number; outputTokens?: number; totalTokens?: number } | undefined;
    let latencyMs: number | undefined;
    let midLine = false;
    const out = (s: string) => {
        io.stdout.write(s);
        midLine = !s.endsWith("\n");
    };
    try {
        const res = await client.send(
            new sdk.InvokeHarnessCommand({
                harnessArn: deployment.harnessArn,
                runtimeSessionId: sessionId,
                messages: [{ role: "user", content: [{ text: message }] }],
            }),
            { abortSignal: io.signal },
        );
        for await (const event of res.stream ?? []) {
            if (json) {
                io.stdout.write(JSON.stringify(event) + "\n");
            }
            if (event.contentBlockDelta?.delta?.text !== undefined) {
                if (!json) {
                    out(event.contentBlockDelta.delta.text);
                }
            } else if (event.contentBlockStart?.start?.toolUse) {
                if (!json) {
                    out(`${midLine ? "\n" : ""}${paint(io, "dim", `→ tool ${event.contentBlockStart.start.toolUse.name}`)}\n`);
                }
            } else if (event.messageStop) {
                stopReason = event.messageStop.stopReason;
            } else if (event.metadata) {
                usage = event.metadata.usage;
                latencyMs = event.metadata.metrics?.latencyMs;
            }
        }
    } catch (e) {
        if (io.signal?.aborted) {
            io.stderr.write(`${midLine ? "\n" : ""}Interrupted.\n`);
            return EXIT.interrupted;
        }
        const err = e as { name?: string; message?: string };
        const name = String(err.name ?? "Error");
        const text = String(err.message ?? e);
        const hint = hintFor(name, text);
        if (json) {
            io.stdout.write(JSON.stringify({ error: { name, message: text, hint } }) + "\n");
        } else {
            io.stderr.write(`${midLine ? "\n" : ""}${paint(io, "red", `${name}: ${text}`)}\n${hint ? `Hint: ${hint}\n` : ""}`);
        }
        return EXIT.failed;
    }
    if (json) {
        io.stdout.write(JSON.stringify({ session: sessionId, stopReason, usage, latencyMs }) + "\n");
        return EXIT.ok;
    }
    if (midLine) {
        out("\n");
    }
    if (stopReason && stopReason !== "end_turn") {
        io.stdout.write(paint(io, "yellow", `Stopped: ${stopReason}`) + "\n");
        if (stopReason === "max_iterations_exceeded") {
            io.stdout.write("Hint: raise the limit with pulumi config set maxIterations 50, then pulumi up.\n");
        }
    }
    const tokens = usage ? `tokens in ${usage.inputTokens ?? 0}, out ${usage.outputTokens ?? 0}, total ${usage.totalTokens ?? 0}` : "no usage reported";
    const latency = latencyMs !== undefined ? `model latency ${latencyMs} ms` : `${Date.now() - started} ms`;
    io.stdout.write(paint(io, "dim", `${tokens} · ${latency} · session ${sessionId}`) + "\n");
    return EXIT.ok;
}
