/**
 * Operator commands for a stack: invoke, chat, status, logs (on a deployed harness) and doctor
 * (before a deploy). One executable, `npx zscaler-mcp-harness <command> [options]`
 * (scripts/zscaler-mcp-harness.cjs), and the npm scripts as aliases: `npm run invoke -- "message"`,
 * `npm run chat`, `npm run status`, `npm run logs`, `npm run doctor`; `--help` on any of them
 * explains it.
 */
import { spawnSync } from "child_process";
import { EventEmitter } from "events";
import { loadPackagesNatively } from "./fastLoad";
import { describeFailure, EXIT, exitCodesText, failureText, Io, OperatorError, sanitize } from "./io";
import { unsupportedNode } from "./nodeVersion";

/** A command: its line in the usage, and its module's entry point (loaded only when it runs). */
interface CommandEntry {
    summary: string;
    run(): (argv: string[], io: Io) => Promise<number>;
}

// Each command's module (and the AWS SDK clients it needs) loads only when used.
const COMMANDS: Record<string, CommandEntry> = {
    invoke: {
        summary: "send one message to the harness and print the answer",
        run: () => (require("./invoke") as typeof import("./invoke")).runInvoke,
    },
    chat: {
        summary: "a conversation with the harness in the terminal",
        run: () => (require("./chat") as typeof import("./chat")).runChat,
    },
    status: {
        summary: "the harness and what it depends on, with their statuses",
        run: () => (require("./status") as typeof import("./status")).runStatus,
    },
    logs: {
        summary: "the harness runtime's logs, or with --server the MCP server's",
        run: () => (require("./logs") as typeof import("./logs")).runLogs,
    },
    doctor: {
        summary: "check the prerequisites of the current stack's configuration before a deploy",
        run: () => (require("./doctor") as typeof import("./doctor")).runDoctor,
    },
    traces: {
        summary: "a harness session's spans: model calls, tool calls, latency, tokens",
        run: () => (require("./traces") as typeof import("./traces")).runTraces,
    },
};

function usageText(): string {
    const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
    return [
        "usage: npm run <command> [-- options]",
        "   or: npx zscaler-mcp-harness <command> [options]",
        "",
        "commands:",
        ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}   ${c.summary}`),
        "",
        "npm run <command> -- --help (or npx zscaler-mcp-harness <command> --help) explains each one.",
        "",
        exitCodesText(),
        "",
    ].join("\n");
}

function runPulumi(args: string[]): string | undefined {
    const r = spawnSync("pulumi", args, { encoding: "utf8" });
    if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") {
        return undefined;
    }
    if (r.signal === "SIGINT" || r.signal === "SIGTERM") {
        // The terminal's Ctrl-C reached pulumi too.
        throw new OperatorError("Interrupted.", EXIT.interrupted);
    }
    if (r.status !== 0) {
        throw new OperatorError(`pulumi ${args.join(" ")} failed: ${(r.stderr || "").trim() || `exit ${r.status}`}`);
    }
    return r.stdout;
}

export async function main(argv: string[], io: Io): Promise<number> {
    const [command, ...rest] = argv;
    if (command === "--help" || command === "-h" || command === "help") {
        io.stdout.write(usageText());
        return EXIT.ok;
    }
    if (!command || !Object.hasOwn(COMMANDS, command)) {
        io.stderr.write(`${command ? `Unknown command "${sanitize(command)}".\n\n` : ""}${usageText()}`);
        return EXIT.usage;
    }
    try {
        return await COMMANDS[command].run()(rest, io);
    } catch (e) {
        if (io.signal?.aborted || (e instanceof OperatorError && e.exitCode === EXIT.interrupted)) {
            io.stderr.write("Interrupted.\n");
            return EXIT.interrupted;
        }
        if (e instanceof OperatorError) {
            // Its message may quote AWS or the Pulumi CLI: printed without their control sequences.
            const message = sanitize(e.message);
            io.stderr.write(message.endsWith("\n") ? message : `${message}\n`);
            return e.exitCode;
        }
        io.stderr.write(failureText(io, describeFailure(e)));
        return EXIT.failed;
    } finally {
        // A command installs the stack's aws:* settings for the process; the caller gets its own back.
        (require("./identity") as typeof import("./identity")).restoreCallerAwsSettings();
    }
}

/**
 * Runs a command as a process (the executable and the npm scripts): refuses an unsupported
 * Node.js first, then runs `argv` and exits with the command's code.
 */
export function run(argv: string[]): void {
    const refusal = unsupportedNode();
    if (refusal) {
        process.stderr.write(`${refusal}\n`);
        process.exitCode = EXIT.usage;
        return;
    }
    // Node keeps the compiled code of what it loads in a cache (in the temporary directory), so
    // the AWS SDK compiles once, not on every start.
    (require("module") as { enableCompileCache?: () => unknown }).enableCompileCache?.();
    loadPackagesNatively();
    // A reader that stops early (`| head`) closes the pipe: the command ends quietly, as other
    // command-line tools do, instead of failing with EPIPE.
    for (const stream of [process.stdout, process.stderr]) {
        stream.on("error", (e: NodeJS.ErrnoException) => {
            if (e.code !== "EPIPE") {
                throw e;
            }
            process.exit(EXIT.ok);
        });
    }
    const controller = new AbortController();
    const interrupts = new EventEmitter();
    let interruptsSeen = 0;
    let lastInterrupt = 0;
    process.on("SIGINT", () => {
        // Under npm run, one Ctrl-C arrives twice: from the terminal, and forwarded by npm.
        const now = Date.now();
        if (now - lastInterrupt < 250) {
            return;
        }
        lastInterrupt = now;
        // A command that handles each Ctrl-C itself (chat) listens; otherwise the first one stops
        // the command cleanly and a second one exits at once.
        if (interrupts.listenerCount("interrupt") > 0) {
            interrupts.emit("interrupt");
            return;
        }
        if (++interruptsSeen > 1) {
            process.exit(EXIT.interrupted);
        }
        controller.abort();
    });
    main(argv, {
        stdout: process.stdout,
        stderr: process.stderr,
        stdin: process.stdin,
        env: process.env,
        isTTY: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
        pulumi: runPulumi,
        signal: controller.signal,
        interrupts,
    }).then((code) => {
        const exitCode = controller.signal.aborted && code === EXIT.ok ? EXIT.interrupted : code;
        // Nothing is left to do: an aborted request's socket or a pending poll must not hold the
        // process open. Writes to a pipe (`| jq`, `| less`) may still be queued: exit once both
        // streams have handed everything written before to the reader.
        process.stdout.write("", () => process.stderr.write("", () => process.exit(exitCode)));
    });
}

if (require.main === module) {
    run(process.argv.slice(2));
}
