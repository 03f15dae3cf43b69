/**
 * `npm run invoke -- "message"`: sends one user message to the harness and prints the answer as
 * it streams, each tool call as it starts, then the stop reason, token usage and latency.
 * `npm run chat` prints its answers with the same code (streamAnswer).
 */
import { randomUUID } from "crypto";
import type * as AgentCore from "@aws-sdk/client-bedrock-agentcore";
import { CommandSpec, DEPLOYMENT_OPTIONS, HELP_OPTION, ParsedCommand, parseCommand, stringOption, usage, UsageError } from "./args";
import { Deployment, deploymentAccess, findDeployment, serverKind } from "./deployment";
import { AwsAccess, clientConfig } from "./identity";
import { deniedAction, EXIT, Io, OperatorError, paint, sanitize, TerminalSanitizer } from "./io";

export const INVOKE_SPEC: CommandSpec = {
    name: "invoke",
    synopsis: '-- "message" [options]',
    summary:
        "Sends one message to the harness and prints the answer as it streams, each tool call as it starts,\n" +
        "then the token usage, the model's latency and the session id.",
    positionals: true,
    options: {
        session: { type: "string", value: "<id>", description: "continue an earlier conversation (the session id an answer ended with)" },
        json: { type: "boolean", description: "print one JSON object per event, then a summary object" },
        ...DEPLOYMENT_OPTIONS,
        ...HELP_OPTION,
    },
    examples: [
        'npm run invoke -- "list my zpa segment groups"',
        'npm run invoke -- "and the first group\'s applications?" --session <id from the last answer>',
        'npm run invoke -- "hello" --json --stack prod',
    ],
    notes: "Exit codes: 0 answered, 1 the harness or AWS reported an error, 2 a usage error or no deployment, 130 interrupted.",
};

/** A session id AWS accepts: 33 to 100 characters, letters, digits, - and _. */
export function newSessionId(): string {
    return `zscaler-mcp-${randomUUID()}`;
}

const SESSION_ID = /^[a-zA-Z0-9][a-zA-Z0-9-_]{32,99}$/;

/** The session named by --session (checked before anything else is done), or a new one. */
export function sessionOption(args: ParsedCommand): string {
    const given = stringOption(args, "session");
    if (given !== undefined && !SESSION_ID.test(given)) {
        throw new OperatorError("--session must be 33 to 100 letters, digits, - or _ (as printed by an earlier invoke or chat).");
    }
    return given ?? newSessionId();
}

/** Where the MCP server's own logs are, in words a hint can use, for this deployment. */
function serverLogsHint(d: Deployment | undefined): string {
    switch (d && serverKind(d)) {
        case "ecs":
            return "an MCP server that is not running (npm run status, then npm run logs -- --server)";
        case "runtime":
            return "a gateway target that is not READY (npm run status), or an MCP server that does not start (npm run logs -- --server)";
        case "own":
            return `an MCP URL with a trailing slash, or your own MCP server${d?.mcpUrl ? ` at ${d.mcpUrl}` : ""} not answering (see its own logs)`;
        default:
            return "an MCP server that is not running (npm run status, then npm run logs -- --server, for the stack that deployed it)";
    }
}

/** The hint for a failure, from the causes the troubleshooting table lists, for this deployment. */
export function hintFor(name: string, message: string, d?: Deployment): string | undefined {
    const m = message.toLowerCase();
    if (m.includes("taskgroup") || m.includes("failed to start mcp client")) {
        return `The harness could not start the MCP tool. Usual causes: a harness role missing a statement (run pulumi up to restore it), or ${serverLogsHint(d)}.`;
    }
    const action = deniedAction({ message });
    if (action === "bedrock-agentcore:InvokeHarness") {
        return "Your AWS identity may not invoke this harness: grant it bedrock-agentcore:InvokeHarness on the harness ARN, or use the credentials that deployed it.";
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
        return d?.topology === "gateway"
            ? "The gateway or the runtime refused the token (401). Run pulumi up to restore the OAuth2 provider and the target's scope, then npm run status."
            : "The MCP server refused the credentials (401). Check zscalerClientId / zscalerClientSecret and run pulumi up; if they did not change, pulumi config set tokenVaultRevision <new value> makes pulumi up store the key again.";
    }
    if (name === "ResourceNotFoundException") {
        return "The harness does not exist: it was deleted outside this stack. Run pulumi refresh, then pulumi up.";
    }
    if (name === "ThrottlingException") {
        return "AWS is throttling requests; wait a moment and try again.";
    }
    return undefined;
}

export interface AnswerOptions {
    sdk: typeof AgentCore;
    client: AgentCore.BedrockAgentCoreClient;
    deployment: Deployment;
    sessionId: string;
    message: string;
    io: Io;
    json: boolean;
    /** Aborts this answer only (chat) or the whole command (invoke). */
    signal?: AbortSignal;
}

export type AnswerOutcome = "answered" | "failed" | "interrupted";

/**
 * Sends one message and prints the answer as it streams: text as it arrives (without terminal
 * control sequences), each tool call as a line when it starts, then any stop reason other than
 * end_turn and a line with usage and latency. Errors print the service's message and a hint.
 */
export async function streamAnswer(o: AnswerOptions): Promise<{ outcome: AnswerOutcome; summary: string }> {
    const { io, json } = o;
    const started = Date.now();
    let stopReason: string | undefined;
    let usageReport: { inputTokens?: number; outputTokens?: number; totalTokens?: number } | undefined;
    let latencyMs: number | undefined;
    let midLine = false;
    const text = new TerminalSanitizer();
    const out = (s: string) => {
        if (s) {
            io.stdout.write(s);
            midLine = !s.endsWith("\n");
        }
    };
    try {
        const res = await o.client.send(
            new o.sdk.InvokeHarnessCommand({
                harnessArn: o.deployment.harnessArn,
                runtimeSessionId: o.sessionId,
                messages: [{ role: "user", content: [{ text: o.message }] }],
            }),
            { abortSignal: o.signal },
        );
        for await (const event of res.stream ?? []) {
            if (json) {
                io.stdout.write(JSON.stringify(event) + "\n");
            }
            if (event.contentBlockDelta?.delta?.text !== undefined) {
                if (!json) {
                    out(text.push(event.contentBlockDelta.delta.text));
                }
            } else if (event.contentBlockStart?.start?.toolUse) {
                if (!json) {
                    const name = sanitize(event.contentBlockStart.start.toolUse.name ?? "?");
                    out(`${midLine ? "\n" : ""}${paint(io, "dim", `→ tool ${name}`)}\n`);
                }
            } else if (event.messageStop) {
                stopReason = event.messageStop.stopReason;
            } else if (event.metadata) {
                usageReport = event.metadata.usage;
                latencyMs = event.metadata.metrics?.latencyMs;
            }
        }
    } catch (e) {
        if (o.signal?.aborted) {
            io.stderr.write(`${midLine ? "\n" : ""}Interrupted.\n`);
            return { outcome: "interrupted", summary: "" };
        }
        const err = e as { name?: string; message?: string };
        const name = sanitize(String(err.name ?? "Error"));
        const message = sanitize(String(err.message ?? e));
        const hint = hintFor(name, message, o.deployment);
        if (json) {
            io.stdout.write(JSON.stringify({ error: { name, message, hint } }) + "\n");
        } else {
            io.stderr.write(`${midLine ? "\n" : ""}${paint(io, "red", `${name}: ${message}`)}\n${hint ? `Hint: ${hint}\n` : ""}`);
        }
        return { outcome: "failed", summary: "" };
    }
    if (json) {
        io.stdout.write(JSON.stringify({ session: o.sessionId, stopReason, usage: usageReport, latencyMs }) + "\n");
        return { outcome: "answered", summary: "" };
    }
    if (midLine) {
        out("\n");
    }
    if (stopReason && stopReason !== "end_turn") {
        io.stdout.write(paint(io, "yellow", `Stopped: ${sanitize(stopReason)}`) + "\n");
        if (stopReason === "max_iterations_exceeded") {
            io.stdout.write("Hint: raise the limit with pulumi config set maxIterations 50, then pulumi up.\n");
        }
    }
    const tokens = usageReport
        ? `tokens in ${usageReport.inputTokens ?? 0}, out ${usageReport.outputTokens ?? 0}, total ${usageReport.totalTokens ?? 0}`
        : "no usage reported";
    const latency = latencyMs !== undefined ? `model latency ${latencyMs} ms` : `${Date.now() - started} ms`;
    return { outcome: "answered", summary: `${tokens} · ${latency}` };
}

/**
 * The AgentCore data-plane SDK and a client for the deployment's region. Its timeouts are for an
 * answer that streams: on the connection, on the answer's start and on the silence between events.
 */
export async function dataPlane(aws: AwsAccess): Promise<{ sdk: typeof AgentCore; client: AgentCore.BedrockAgentCoreClient }> {
    // Loaded here, not at start-up: each command loads only the SDK it needs.
    const sdk = await import("@aws-sdk/client-bedrock-agentcore");
    return { sdk, client: new sdk.BedrockAgentCoreClient(clientConfig(aws, undefined, { stream: true })) };
}

export async function runInvoke(argv: string[], io: Io): Promise<number> {
    const args = parseCommand(INVOKE_SPEC, argv);
    if (args === "help") {
        io.stdout.write(usage(INVOKE_SPEC));
        return EXIT.ok;
    }
    const message = args.positionals.join(" ").trim();
    if (!message) {
        throw new UsageError('a message is needed: npm run invoke -- "your question"', INVOKE_SPEC);
    }
    const json = args.values.json === true;
    const sessionId = sessionOption(args);
    const deployment = findDeployment(args, io);
    const { sdk, client } = await dataPlane(await deploymentAccess(deployment, io));
    const { outcome, summary } = await streamAnswer({ sdk, client, deployment, sessionId, message, io, json, signal: io.signal });
    if (outcome === "answered" && !json) {
        io.stdout.write(paint(io, "dim", `${summary} · session ${sessionId}`) + "\n");
    }
    return outcome === "answered" ? EXIT.ok : outcome === "interrupted" ? EXIT.interrupted : EXIT.failed;
}
