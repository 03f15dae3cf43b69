/**
 * Operator commands for a stack: invoke, chat, status, logs (on a deployed harness) and doctor
 * (before a deploy). Run through npm: `npm run invoke -- "message"`, `npm run chat`,
 * `npm run status`, `npm run logs`, `npm run doctor`; `-- --help` on any of them explains it.
 */
import { spawnSync } from "child_process";
import { EventEmitter } from "events";
import { loadPackagesNatively } from "./fastLoad";
import { EXIT, Io, OperatorError } from "./io";

const COMMANDS = ["invoke", "chat", "status", "logs", "doctor", "traces"] as const;
type Command = (typeof COMMANDS)[number];

const USAGE = `usage: npm run <command> [-- options]

commands:
  invoke   send one message to the harness and print the answer
  chat     a conversation with the harness in the terminal
  status   the harness and what it depends on, with their statuses
  logs     the harness runtime's logs, or with --server the MCP server's
  traces   a harness session's spans: model calls, tool calls, latency, tokens
  doctor   check the prerequisites of the current stack's configuration before a deploy

npm run <command> -- --help explains each one.
`;

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

async function dispatch(command: Command, rest: string[], io: Io): Promise<number> {
    // Each command's module (and the AWS SDK clients it needs) loads only when used.
    switch (command) {
        case "invoke":
            return (require("./invoke") as typeof import("./invoke")).runInvoke(rest, io);
        case "chat":
            return (require("./chat") as typeof import("./chat")).runChat(rest, io);
        case "status":
            return (require("./status") as typeof import("./status")).runStatus(rest, io);
        case "logs":
            return (require("./logs") as typeof import("./logs")).runLogs(rest, io);
        case "doctor":
            return (require("./doctor") as typeof import("./doctor")).runDoctor(rest, io);
        case "traces":
            return (require("./traces") as typeof import("./traces")).runTraces(rest, io);
    }
}

export async function main(argv: string[], io: Io): Promise<number> {
    const [command, ...rest] = argv;
    if (command === "--help" || command === "-h" || command === "help") {
        io.stdout.write(USAGE);
        return EXIT.ok;
    }
    if (!(COMMANDS as readonly string[]).includes(command)) {
        io.stderr.write(`${command ? `Unknown command "${command}".\n\n` : ""}${USAGE}`);
        return EXIT.usage;
    }
    try {
        return await dispatch(command as Command, rest, io);
    } catch (e) {
        if (io.signal?.aborted || (e instanceof OperatorError && e.exitCode === EXIT.interrupted)) {
            io.stderr.write("Interrupted.\n");
            return EXIT.interrupted;
        }
        if (e instanceof OperatorError) {
            io.stderr.write(e.message.endsWith("\n") ? e.message : `${e.message}\n`);
            return e.exitCode;
        }
        const err = e as { name?: string; message?: string };
        io.stderr.write(`${err.name ?? "Error"}: ${err.message ?? String(e)}\n`);
        if (err.name === "CredentialsProviderError") {
            io.stderr.write(
                "Hint: these commands use the same AWS credentials as pulumi up (the stack's aws:profile or aws:assumeRoles; " +
                    "otherwise AWS_PROFILE, aws sso login, environment variables).\n",
            );
        }
        if (err.name === "TimeoutError") {
            io.stderr.write(
                "Hint: AWS did not answer in time. Check the network (proxy, VPN) and any endpoint set in aws:endpoints or AWS_ENDPOINT_URL, then try again.\n",
            );
        }
        return EXIT.failed;
    } finally {
        // A command installs the stack's aws:* settings for the process; the caller gets its own back.
        (require("./identity") as typeof import("./identity")).restoreCallerAwsSettings();
    }
}

if (require.main === module) {
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
    main(process.argv.slice(2), {
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
