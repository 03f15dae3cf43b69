/**
 * `npm run chat`: a conversation with the harness in the terminal. One session id for the whole
 * conversation (so the harness remembers it), answers and tool calls printed as invoke prints
 * them, earlier lines with the arrow keys, /new for a new session, /exit or Ctrl-D to leave.
 * Ctrl-C cancels the answer in progress, not the chat.
 */
import * as readline from "readline";
import type { Writable } from "stream";
import { CommandSpec, DEPLOYMENT_OPTIONS, HELP_OPTION, parseCommand, usage } from "./args";
import { deploymentAccess, findDeployment } from "./deployment";
import { dataPlane, newSessionId, sessionOption, streamAnswer } from "./invoke";
import { EXIT, Io, paint } from "./io";

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
        ...DEPLOYMENT_OPTIONS,
        ...HELP_OPTION,
    },
    examples: ["npm run chat", "npm run chat -- --stack prod", "npm run chat -- --session <id from an earlier answer>"],
    notes:
        "In the conversation: /new starts a new session, /exit or Ctrl-D leaves, Ctrl-C cancels the answer in\n" +
        "progress, the up and down arrows recall earlier lines.",
};

const HELP_LINE = "/new starts a new session, /exit or Ctrl-D leaves, Ctrl-C cancels an answer.";

export async function runChat(argv: string[], io: Io): Promise<number> {
    const args = parseCommand(CHAT_SPEC, argv);
    if (args === "help") {
        io.stdout.write(usage(CHAT_SPEC));
        return EXIT.ok;
    }
    let sessionId = sessionOption(args);
    const deployment = findDeployment(args, io);
    const input = io.stdin ?? process.stdin;
    // Line editing and history need a terminal on both sides.
    const terminal = Boolean(input.isTTY) && io.isTTY;
    const { sdk, client } = await dataPlane(await deploymentAccess(deployment, io));

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

    const name = deployment.harnessName ?? deployment.harnessId;
    io.stdout.write(`Chat with ${name} (session ${sessionId})\n${paint(io, "dim", HELP_LINE)}\n`);
    try {
        for (;;) {
            prompt();
            const line = await nextLine();
            if (line === undefined) {
                if (terminal) {
                    io.stdout.write("\n");
                }
                return EXIT.ok;
            }
            const text = line.trim();
            if (!text) {
                continue;
            }
            if (text === "/exit" || text === "/quit") {
                return EXIT.ok;
            }
            if (text === "/new") {
                sessionId = newSessionId();
                io.stdout.write(`New session ${sessionId}\n`);
                continue;
            }
            if (text === "/help") {
                io.stdout.write(`${HELP_LINE}\n`);
                continue;
            }
            if (/^\/\w+$/.test(text)) {
                io.stdout.write(`Unknown command ${text}. ${HELP_LINE}\n`);
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
                    signal: answer.signal,
                });
                if (outcome === "answered") {
                    io.stdout.write(paint(io, "dim", summary) + "\n");
                }
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
