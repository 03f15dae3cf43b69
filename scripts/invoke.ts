/**
 * `npm run invoke -- "message"`: sends one user message to the harness and prints the answer as
 * it streams, each tool call as it starts, then the stop reason, token usage and latency.
 * `npm run chat` prints its answers with the same code (streamAnswer).
 */
import { randomUUID } from "crypto";
import * as fs from "fs";
import type * as AgentCore from "@aws-sdk/client-bedrock-agentcore";
import {
    CommandSpec,
    decimalOption,
    DEPLOYMENT_OPTIONS,
    HELP_OPTION,
    intOption,
    listOption,
    OptionSpec,
    ParsedCommand,
    parseCommand,
    stringOption,
    usage,
    UsageError,
} from "./args";
import { Deployment, deploymentAccess, findDeployment, serverKind } from "./deployment";
import { AwsAccess, clientConfig } from "./identity";
import {
    aborted,
    deniedAction,
    describeFailure,
    EXIT,
    exitCodesText,
    failureText,
    Io,
    jsonText,
    OperatorError,
    paint,
    sanitize,
    TerminalSanitizer,
} from "./io";

/**
 * What InvokeHarness lets one call change from the harness's own settings (its input shape in
 * AgentCore's API model), as flags of invoke and chat. The ranges are the harness's own.
 */
export const OVERRIDE_OPTIONS: Record<string, OptionSpec> = {
    model: { type: "string", value: "<id>", description: "a Bedrock model id or inference profile id instead of the harness's model" },
    temperature: { type: "string", value: "<0-2>", description: "with --model: the model's temperature" },
    "top-p": { type: "string", value: "<0-1>", description: "with --model: the model's top-p" },
    "max-tokens": { type: "string", value: "<n>", description: "at most this many tokens per model response (1-1000000)" },
    "system-prompt": {
        type: "string",
        value: "<text>",
        description: "a system prompt instead of the harness's (at most 16000 characters)",
    },
    "max-iterations": { type: "string", value: "<n>", description: "at most this many agent-loop iterations (1-1000)" },
    timeout: { type: "string", value: "<seconds>", description: "ends the invocation after this many seconds (1-28800)" },
    "actor-id": {
        type: "string",
        value: "<id>",
        description: "the actor (end user) the call is made for, as the harness's memory records it",
    },
    "allowed-tool": {
        type: "string",
        value: "<name>",
        multiple: true,
        description: "only this tool: * (all), a tool's name, or <tool>/<mcp tool>; repeat it for more",
    },
    skill: { type: "string", value: "<path>", multiple: true, description: "a skill for this call, by its path; repeat it for more" },
};

/** The fields of InvokeHarness a call's flags set (undefined: the harness's own). */
export type Overrides = Pick<
    AgentCore.InvokeHarnessCommandInput,
    "model" | "maxTokens" | "systemPrompt" | "maxIterations" | "timeoutSeconds" | "actorId" | "allowedTools" | "skills"
>;

const MAX_SYSTEM_PROMPT = 16_000;
const ALLOWED_TOOL = /^(\*|@?[^/]+(\/[^/]+)?)$/;

/** The overrides the flags name, each checked (a UsageError before anything is sent); {} without any. */
export function overridesFrom(args: ParsedCommand, spec: CommandSpec): Overrides {
    const o: Overrides = {};
    const modelId = stringOption(args, "model");
    const temperature = decimalOption(args, spec, "temperature", 0, 2);
    const topP = decimalOption(args, spec, "top-p", 0, 1);
    if (modelId !== undefined) {
        if (!/^\S{1,2048}$/.test(modelId)) {
            throw new UsageError(`--model needs a model id without spaces (got "${modelId}")`, spec);
        }
        o.model = { bedrockModelConfig: { modelId, temperature, topP } };
    } else if (temperature !== undefined || topP !== undefined) {
        throw new UsageError(
            `--${temperature !== undefined ? "temperature" : "top-p"} needs --model: a call's model settings replace the harness's, model id included`,
            spec,
        );
    }
    o.maxTokens = intOption(args, spec, "max-tokens", 1, 1_000_000);
    o.maxIterations = intOption(args, spec, "max-iterations", 1, 1000);
    o.timeoutSeconds = intOption(args, spec, "timeout", 1, 28_800);
    const systemPrompt = stringOption(args, "system-prompt");
    if (systemPrompt !== undefined) {
        if (!systemPrompt.trim() || systemPrompt.length > MAX_SYSTEM_PROMPT) {
            throw new UsageError(`--system-prompt needs 1 to ${MAX_SYSTEM_PROMPT} characters`, spec);
        }
        o.systemPrompt = [{ text: systemPrompt }];
    }
    const actorId = stringOption(args, "actor-id");
    if (actorId !== undefined) {
        if (!actorId.trim()) {
            throw new UsageError("--actor-id needs a value that is not empty", spec);
        }
        o.actorId = actorId;
    }
    const tools = listOption(args, "allowed-tool");
    for (const t of tools) {
        if (t.length > 64 || !ALLOWED_TOOL.test(t)) {
            throw new UsageError(
                `--allowed-tool "${t}" is not a tool: use *, a tool's name, or <tool>/<mcp tool> (at most 64 characters)`,
                spec,
            );
        }
    }
    o.allowedTools = tools.length ? tools : undefined;
    const skills = listOption(args, "skill");
    if (skills.some((p) => !p)) {
        throw new UsageError("--skill needs a path", spec);
    }
    o.skills = skills.length ? skills.map((path) => ({ path })) : undefined;
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Overrides;
}

/** The text of --prompt-file, a UsageError when it cannot be read or holds no message. */
export function promptFile(args: ParsedCommand, spec: CommandSpec): string | undefined {
    const file = stringOption(args, "prompt-file");
    if (file === undefined) {
        return undefined;
    }
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new UsageError(`--prompt-file ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, spec);
    }
    if (!text.trim()) {
        throw new UsageError(`--prompt-file ${file} holds no message`, spec);
    }
    return text.trim();
}

/** All of standard input, until it ends (or an OperatorError at the first Ctrl-C). */
async function readAll(input: NodeJS.ReadableStream, signal?: AbortSignal): Promise<string> {
    const chunks: Buffer[] = [];
    const reading = (async () => {
        for await (const chunk of input) {
            chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
        }
        return Buffer.concat(chunks).toString("utf8");
    })();
    const outcome = await Promise.race([reading, aborted(signal)]);
    if (outcome === "aborted" && signal?.aborted) {
        throw new OperatorError("Interrupted.", EXIT.interrupted);
    }
    return outcome;
}

const NO_MESSAGE = 'a message is needed: npm run invoke -- "your question", --prompt-file <path>, or the message on standard input';

/** The message: the arguments, --prompt-file, or standard input when it is not a terminal; exactly one of them. */
async function invokeMessage(args: ParsedCommand, io: Io): Promise<string> {
    const positional = args.positionals.join(" ").trim();
    const fromFile = promptFile(args, INVOKE_SPEC);
    if (positional && fromFile !== undefined) {
        throw new UsageError("the message comes either as an argument or from --prompt-file, not both", INVOKE_SPEC);
    }
    const message = positional || fromFile;
    if (message) {
        return message;
    }
    if (io.stdin && !io.stdin.isTTY) {
        const text = (await readAll(io.stdin, io.signal)).trim();
        if (text) {
            return text;
        }
    }
    throw new UsageError(NO_MESSAGE, INVOKE_SPEC);
}

export const INVOKE_SPEC: CommandSpec = {
    name: "invoke",
    synopsis: '-- "message" [options]',
    summary:
        "Sends one message to the harness and prints the answer as it streams, each tool call as it starts,\n" +
        "then the token usage, the model's latency and the session id. The message is the arguments, the\n" +
        "file --prompt-file names, or standard input. The options below --prompt-file change this call only.",
    positionals: true,
    options: {
        session: { type: "string", value: "<id>", description: "continue an earlier conversation (the session id an answer ended with)" },
        json: { type: "boolean", description: "print one JSON object per event, then a summary object" },
        raw: { type: "boolean", description: "print the event stream as AWS sends it, one JSON object per line, and nothing else" },
        "prompt-file": { type: "string", value: "<path>", description: "send this file's text as the message" },
        ...OVERRIDE_OPTIONS,
        ...DEPLOYMENT_OPTIONS,
        ...HELP_OPTION,
    },
    examples: [
        'npm run invoke -- "list my zpa segment groups"',
        'npm run invoke -- "and the first group\'s applications?" --session <id from the last answer>',
        'npm run invoke -- "hello" --json --stack prod',
        'echo "list my zia url categories" | npx zscaler-mcp-harness invoke --max-iterations 50 --raw',
        "npx zscaler-mcp-harness invoke --prompt-file question.txt --model us.anthropic.claude-haiku-4-5-20251001-v1:0",
    ],
    notes: exitCodesText(),
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
    /** Print the events as AWS sends them, one JSON object per line, and nothing else on stdout. */
    raw?: boolean;
    /** What this call changes from the harness's settings. */
    overrides?: Overrides;
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
    const raw = o.raw === true && !json;
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
                ...o.overrides,
            }),
            { abortSignal: o.signal },
        );
        for await (const event of res.stream ?? []) {
            if (json || raw) {
                io.stdout.write(jsonText(event) + "\n");
            }
            if (event.contentBlockDelta?.delta?.text !== undefined) {
                if (!json && !raw) {
                    out(text.push(event.contentBlockDelta.delta.text));
                }
            } else if (event.contentBlockStart?.start?.toolUse) {
                if (!json && !raw) {
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
        // The same cause prints the same lines in every command (no credentials, a timeout, ...).
        const failure = describeFailure(e);
        failure.hint ??= hintFor(failure.name, failure.message, o.deployment);
        if (json) {
            io.stdout.write(jsonText({ error: failure }) + "\n");
        } else {
            io.stderr.write(`${midLine ? "\n" : ""}${failureText(io, failure)}`);
        }
        return { outcome: "failed", summary: "" };
    }
    if (json) {
        io.stdout.write(jsonText({ session: o.sessionId, stopReason, usage: usageReport, latencyMs }) + "\n");
        return { outcome: "answered", summary: "" };
    }
    if (raw) {
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
    const json = args.values.json === true;
    const raw = args.values.raw === true;
    if (json && raw) {
        throw new UsageError("--json and --raw are two different outputs: choose one", INVOKE_SPEC);
    }
    const sessionId = sessionOption(args);
    const overrides = overridesFrom(args, INVOKE_SPEC);
    const message = await invokeMessage(args, io);
    const deployment = findDeployment(args, io);
    const { sdk, client } = await dataPlane(await deploymentAccess(deployment, io));
    const { outcome, summary } = await streamAnswer({
        sdk,
        client,
        deployment,
        sessionId,
        message,
        io,
        json,
        raw,
        overrides,
        signal: io.signal,
    });
    if (outcome === "answered" && !json && !raw) {
        io.stdout.write(paint(io, "dim", `${summary} · session ${sessionId}`) + "\n");
    }
    return outcome === "answered" ? EXIT.ok : outcome === "interrupted" ? EXIT.interrupted : EXIT.failed;
}
