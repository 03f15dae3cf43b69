/**
 * `npm run chat`: a conversation with the harness in the terminal. One session id for the whole
 * conversation (so the harness remembers it), answers and tool calls printed as invoke prints
 * them, earlier lines with the arrow keys, /new for a new session, /exit or Ctrl-D to leave.
 * Ctrl-C cancels the answer in progress, not the chat.
 */
import * as readline from "readline";
import type { Writable } from "stream";
import type * as AgentCore from "@aws-sdk/client-bedrock-agentcore";
import { CommandSpec, DEPLOYMENT_OPTIONS, HELP_OPTION, parseCommand, usage } from "./args";
import { Deployment, deploymentAccess, findDeployment } from "./deployment";
import { AwsAccess, controlPlane } from "./identity";
import { dataPlane, newSessionId, OVERRIDE_OPTIONS, overridesFrom, promptFile, sessionOption, streamAnswer } from "./invoke";
import { EXIT, exitCodesText, Io, isAccessDenied, isNotFound, OperatorError, paint, sanitize } from "./io";

export const CHAT_SPEC: CommandSpec = {
    name: "chat",
    synopsis: "[-- options]",
    summary:
        "A conversation with the harness: type a message, read the answer as it streams. The whole conversation\n" +
        "is one session, so the harness remembers what was said.",
    positionals: false,
    options: {
        session: {
            type: "string",
            value: "<id>",
            description: "continue an earlier conversation (a session id printed by chat or invoke)",
        },
        raw: { type: "boolean", description: "print each answer's events as AWS sends them, one JSON object per line" },
        "prompt-file": { type: "string", value: "<path>", description: "send this file's text as the first message" },
        ...OVERRIDE_OPTIONS,
        ...DEPLOYMENT_OPTIONS,
        ...HELP_OPTION,
    },
    examples: [
        "npm run chat",
        "npm run chat -- --stack prod",
        "npm run chat -- --session <id from an earlier answer>",
        "npx zscaler-mcp-harness chat --prompt-file brief.txt --max-iterations 50 --actor-id alice",
    ],
    notes:
        "In the conversation: /new starts a new session, /exit or Ctrl-D leaves, Ctrl-C cancels the answer in\n" +
        "progress, the up and down arrows recall earlier lines. The options from --model to --skill apply to\n" +
        "every message. Chat checks the stack, the AWS credentials and the harness before it starts, and at\n" +
        "the end of the conversation exits 1 when an answer failed.\n\n" +
        exitCodesText(),
};

/**
 * Everything the conversation needs, checked before it starts: credentials that resolve, and a
 * harness that exists and has not failed or begun to be deleted. An identity that may invoke the harness but not read it
 * (bedrock-agentcore:GetHarness) goes on: the first answer tells.
 */
async function checkBeforeChat(d: Deployment, access: AwsAccess, client: AgentCore.BedrockAgentCoreClient, signal?: AbortSignal) {
    await client.config.credentials();
    const { control, client: controlClient } = await controlPlane(access);
    let status: string | undefined;
    try {
        status = (await controlClient.send(new control.GetHarnessCommand({ harnessId: d.harnessId }), { abortSignal: signal })).harness
            ?.status;
    } catch (e) {
        if (isNotFound(e)) {
            throw new OperatorError(
                `The harness ${d.harnessId} does not exist: it was deleted outside this stack. Run pulumi refresh, then pulumi up.`,
                EXIT.failed,
            );
        }
        if (isAccessDenied(e)) {
            return;
        }
        throw e;
    }
    if (status !== undefined && (status.endsWith("FAILED") || status === "DELETING")) {
        throw new OperatorError(
            `The harness ${d.harnessId} is ${sanitize(status)}: npm run status shows why, and pulumi up repairs it.`,
            EXIT.failed,
        );
    }
}

const HELP_LINE = "/new starts a new session, /exit or Ctrl-D leaves, Ctrl-C cancels an answer.";

export async function runChat(argv: string[], io: Io): Promise<number> {
    const args = parseCommand(CHAT_SPEC, argv);
    if (args === "help") {
        io.stdout.write(usage(CHAT_SPEC));
        return EXIT.ok;
    }
    let sessionId = sessionOption(args);
    const overrides = overridesFrom(args, CHAT_SPEC);
    const raw = args.values.raw === true;
    const firstMessage = promptFile(args, CHAT_SPEC);
    const deployment = findDeployment(args, io);
    const input = io.stdin ?? process.stdin;
    // Line editing and history need a terminal on both sides.
    const terminal = Boolean(input.isTTY) && io.isTTY;
    const access = await deploymentAccess(deployment, io);
    const { sdk, client } = await dataPlane(access);
    await checkBeforeChat(deployment, access, client, io.signal);
    // With --raw, stdout carries only the events: what chat says itself goes to stderr.
    const say = raw ? io.stderr : io.stdout;

    const rl = readline.createInterface({
        input,
        output: terminal ? (io.stdout as unknown as Writable) : undefined,
        terminal,
        historySize: 200,
        removeHistoryDuplicates: true,
        prompt: paint(io, "bold", "you> "),
    });
    const lines: string[] = [];
    let closed = false;
    let wake: (() => void) | undefined;
    rl.on("line", (line) => {
        lines.push(line);
        wake?.();
    });
    rl.on("close", () => {
        closed = true;
        wake?.();
    });
    const nextLine = async (): Promise<string | undefined> => {
        while (lines.length === 0 && !closed) {
            await new Promise<void>((resolve) => (wake = resolve));
            wake = undefined;
        }
        return lines.shift();
    };

    // Ctrl-C: cancels the answer in progress; between answers it only reminds how to leave. On a
    // terminal at the prompt, readline sees the key itself (raw mode) and reports it here too.
    let answer: AbortController | undefined;
    const onInterrupt = () => {
        if (answer) {
            answer.abort();
        } else {
            io.stdout.write(`\n${paint(io, "dim", "(/exit or Ctrl-D leaves the chat)")}\n`);
            prompt();
        }
    };
    // Piped input may end (and readline close) while an answer streams: a closed interface is
    // left alone, which Node 24 insists on.
    const prompt = () => {
        if (terminal && !closed) {
            rl.prompt();
        }
    };
    rl.on("SIGINT", () => {
        if (!closed) {
            rl.write(null, { ctrl: true, name: "u" }); // clear the line typed so far
        }
        onInterrupt();
    });
    io.interrupts?.on("interrupt", onInterrupt);
    const fallback = () => answer?.abort();
    io.signal?.addEventListener("abort", fallback);

    const name = sanitize(deployment.harnessName ?? deployment.harnessId);
    say.write(`Chat with ${name} (session ${sessionId})\n${paint(io, "dim", HELP_LINE)}\n`);
    // An answer that failed makes the whole conversation end with EXIT.failed.
    let failed = false;
    const end = () => (failed ? EXIT.failed : EXIT.ok);
    let pending = firstMessage;
    try {
        for (;;) {
            let line: string | undefined;
            if (pending !== undefined) {
                line = pending;
                pending = undefined;
            } else {
                prompt();
                line = await nextLine();
            }
            if (line === undefined) {
                if (terminal) {
                    io.stdout.write("\n");
                }
                return end();
            }
            const text = line.trim();
            if (!text) {
                continue;
            }
            if (text === "/exit" || text === "/quit") {
                return end();
            }
            if (text === "/new") {
                sessionId = newSessionId();
                say.write(`New session ${sessionId}\n`);
                continue;
            }
            if (text === "/help") {
                say.write(`${HELP_LINE}\n`);
                continue;
            }
            if (/^\/\w+$/.test(text)) {
                say.write(`Unknown command ${text}. ${HELP_LINE}\n`);
                continue;
            }
            // While the answer streams the terminal is in its normal mode: Ctrl-C is a signal
            // (handled above) and what the user types waits for the next prompt.
            if (!closed) {
                rl.pause();
            }
            if (terminal) {
                input.setRawMode?.(false);
            }
            answer = new AbortController();
            try {
                const { outcome, summary } = await streamAnswer({
                    sdk,
                    client,
                    deployment,
                    sessionId,
                    message: text,
                    io,
                    json: false,
                    raw,
                    overrides,
                    signal: answer.signal,
                });
                if (outcome === "answered" && !raw) {
                    io.stdout.write(paint(io, "dim", summary) + "\n");
                }
                failed ||= outcome === "failed";
            } finally {
                answer = undefined;
                if (terminal && !closed) {
                    input.setRawMode?.(true);
                }
                if (!closed) {
                    rl.resume();
                }
            }
        }
    } finally {
        io.interrupts?.off("interrupt", onInterrupt);
        io.signal?.removeEventListener("abort", fallback);
        if (!closed) {
            rl.close();
        }
    }
}
