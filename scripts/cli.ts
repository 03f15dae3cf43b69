/**
 * Operator commands for a deployed stack: invoke, status, logs.
 * Run through npm: `npm run invoke -- "message"`, `npm run status`, `npm run logs`.
 */
import { spawnSync } from "child_process";
import { EXIT, Io, OperatorError } from "./io";

const USAGE = `usage:
  npm run invoke -- "message" [--session <id>] [--json]
  npm run status [-- --json]
  npm run logs [-- --since 10m] [--follow] [--container]
common: --stack <name> (default: the current Pulumi stack), --harness-arn <arn>, --region <region>
        (or ZSCALER_MCP_HARNESS_ARN and AWS_REGION)`;

function runPulumi(args: string[]): string | undefined {
    const r = spawnSync("pulumi", args, { encoding: "utf8" });
    if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") {
        return undefined;
    }
    if (r.status !== 0) {
        throw new OperatorError(`pulumi ${args.join(" ")} failed: ${(r.stderr || "").trim() || `exit ${r.status}`}`);
    }
    return r.stdout;
}

export async function main(argv: string[], io: Io): Promise<number> {
    const [command, ...rest] = argv;
    try {
        switch (command) {
            // Each command's module (and the AWS SDK client it needs) loads only when used.
            case "invoke":
                return await (require("./invoke") as typeof import("./invoke")).runInvoke(rest, io);
            case "status":
                return await (require("./status") as typeof import("./status")).runStatus(rest, io);
            case "logs":
                return await (require("./logs") as typeof import("./logs")).runLogs(rest, io);
            default:
                io.stderr.write(`${USAGE}\n`);
                return EXIT.usage;
        }
    } catch (e) {
        if (e instanceof OperatorError) {
            io.stderr.write(`${e.message}\n`);
            return e.exitCode;
        }
        const err = e as { name?: string; message?: string };
        io.stderr.write(`${err.name ?? "Error"}: ${err.message ?? String(e)}\n`);
        if (err.name === "CredentialsProviderError") {
            io.stderr.write("Hint: these commands use the same AWS credentials as pulumi up (AWS_PROFILE, aws sso login, environment variables).\n");
        }
        return EXIT.failed;
    }
}

if (require.main === module) {
    const controller = new AbortController();
    let interrupts = 0;
    process.on("SIGINT", () => {
        // First Ctrl-C stops cleanly; a second one exits at once.
        if (++interrupts > 1) {
            process.exit(EXIT.interrupted);
        }
        controller.abort();
    });
    main(process.argv.slice(2), {
        stdout: process.stdout,
        stderr: process.stderr,
        env: process.env,
        isTTY: Boolean(process.stdout.isTTY),
        pulumi: runPulumi,
        signal: controller.signal,
    }).then((code) => {
        process.exitCode = controller.signal.aborted && code === EXIT.ok ? EXIT.interrupted : code;
    });
}
