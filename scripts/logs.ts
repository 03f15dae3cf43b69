/**
 * `npm run logs`: the harness runtime's logs, or with --server the MCP server's own (the ECS
 * container's log group, or the AgentCore Runtime's for topology gateway), from --since (default
 * 10m ago) to --until (default now), and with --follow until Ctrl-C. Each line starts with its UTC
 * time; --level keeps the lines of a severity and above, --json prints one JSON object a line.
 */
import { currentClock } from "../providers/lifecycle";
import { CommandSpec, DEPLOYMENT_OPTIONS, HELP_OPTION, ParsedCommand, parseCommand, stringOption, usage, UsageError } from "./args";
import { Deployment, deploymentAccess, findDeployment, serverKind } from "./deployment";
import { AwsAccess, clientConfig, controlPlane } from "./identity";
import { aborted, allItems, deniedAction, EXIT, Io, isAccessDenied, isNotFound, OperatorError, sanitize } from "./io";

export const LOGS_SPEC: CommandSpec = {
    name: "logs",
    synopsis: "[-- options]",
    summary:
        "Prints recent log lines of the harness's runtime (the agent loop, tool calls), or with --server those of\n" +
        "the MCP server itself, and with --follow keeps printing new ones until Ctrl-C.",
    positionals: false,
    options: {
        since: {
            type: "string",
            value: "<when>",
            description: "where to start: a duration back (30s, 10m the default, 2h, 1d) or a UTC time (2026-11-26T07:00:00Z)",
        },
        until: { type: "string", value: "<when>", description: "where to stop, in the same forms as --since (default: now)" },
        level: {
            type: "string",
            value: "<level>",
            description: "only lines of this severity and above: ERROR, WARN, INFO or DEBUG",
        },
        json: { type: "boolean", description: "one JSON object a line: time, timestamp, level, stream, message" },
        follow: { type: "boolean", description: "keep printing new lines until Ctrl-C" },
        server: { type: "boolean", description: "the MCP server's logs: the ECS container's (ecs) or the AgentCore Runtime's (gateway)" },
        container: { type: "boolean", description: "the same as --server (its name from when only ECS had one)" },
        "log-group": { type: "string", value: "<name>", description: "read this CloudWatch Logs group instead" },
        ...DEPLOYMENT_OPTIONS,
        ...HELP_OPTION,
    },
    examples: [
        "npm run logs",
        "npm run logs -- --since 30m --follow",
        "npm run logs -- --server --since 1h",
        "npm run logs -- --since 2026-11-26T07:00:00Z --until 2026-11-26T08:00:00Z --level WARN",
        "npm run logs -- --server --level ERROR --json",
        "npm run logs -- --log-group /ecs/zscaler-mcp-dev",
    ],
    notes: "Exit codes: 0 done, 1 AWS refused, 2 a usage error or no deployment, 130 stopped with Ctrl-C (also while following).",
};

const RUNTIME_LOGS = "/aws/bedrock-agentcore/runtimes/";
const FOLLOW_POLL_MS = 2_000;

function utc(ms: number): string {
    return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * A point in time from --since or --until: a duration back from `now` (30s, 10m, 2h, 1d) or a
 * date and time with its zone (2026-11-26T07:00:00Z, 2026-11-26T09:00:00+02:00). A time without a
 * zone is refused: the same text would mean another moment on another machine.
 */
export function parseWhen(flag: string, text: string, now: number): number {
    const t = text.trim();
    const duration = /^(\d+)\s*([smhd])$/.exec(t);
    if (duration) {
        return now - Number(duration[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[duration[2] as "s" | "m" | "h" | "d"];
    }
    const time = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i.exec(t);
    const ms = time ? Date.parse(t.toUpperCase()) : NaN;
    // Date.parse rolls 2026-02-30 over to March: the fields must survive the round trip.
    const valid =
        time &&
        !Number.isNaN(ms) &&
        Number(time[2]) >= 1 &&
        Number(time[2]) <= 12 &&
        Number(time[3]) >= 1 &&
        Number(time[3]) <= new Date(Date.UTC(Number(time[1]), Number(time[2]), 0)).getUTCDate() &&
        Number(time[4]) <= 23 &&
        Number(time[5]) <= 59 &&
        Number(time[6] ?? 0) <= 59;
    if (!valid) {
        throw new OperatorError(
            `${flag} "${text}" is neither a duration nor a time: use a number and s, m, h or d (10m: ten minutes ago), ` +
                "or a UTC time such as 2026-11-26T07:00:00Z.",
        );
    }
    return ms;
}

/** The start and end (undefined: now) of the lines to read, from --since and --until, checked against each other and the clock. */
export function timeRange(args: ParsedCommand, now: number, defaultSince: string): { start: number; end?: number } {
    const start = parseWhen("--since", stringOption(args, "since") ?? defaultSince, now);
    const untilText = stringOption(args, "until");
    if (untilText === undefined) {
        return { start };
    }
    const end = parseWhen("--until", untilText, now);
    if (end > now) {
        throw new OperatorError(`--until ${untilText} is in the future (now is ${utc(now)}): leave it out to read up to now.`);
    }
    if (end <= start) {
        throw new OperatorError(
            `--until ${untilText} (${utc(end)}) is not after --since (${utc(start)}): choose an --until later than --since.`,
        );
    }
    return { start, end };
}

/** Severities as --level names them, from the least to the most severe. */
export const LEVELS = ["DEBUG", "INFO", "WARN", "ERROR"] as const;
export type Level = (typeof LEVELS)[number];

const LEVEL_WORDS: Record<string, Level> = {
    TRACE: "DEBUG",
    DEBUG: "DEBUG",
    INFO: "INFO",
    NOTICE: "INFO",
    WARN: "WARN",
    WARNING: "WARN",
    ERROR: "ERROR",
    ERR: "ERROR",
    CRITICAL: "ERROR",
    FATAL: "ERROR",
};

/** OpenTelemetry's severity numbers: 1-8 trace and debug, 9-12 info, 13-16 warn, 17-24 error and fatal. */
function levelOfNumber(n: number): Level | undefined {
    if (!Number.isInteger(n) || n < 1 || n > 24) {
        return undefined;
    }
    return n <= 8 ? "DEBUG" : n <= 12 ? "INFO" : n <= 16 ? "WARN" : "ERROR";
}

/**
 * The severity a log line states, as the harness and the MCP server write them: an OpenTelemetry
 * log record (severityText, severityNumber) or a JSON line with level or levelname; Python's
 * logging format (`2026-11-26 07:08:35,123 - zscaler_mcp - WARNING - ...`); uvicorn's
 * (`INFO:     Started server process`); `[ERROR] ...`, `ERROR ...` or `level=error`. Undefined when
 * the line states none (a traceback's continuation, a plain print).
 */
export function levelOf(message: string): Level | undefined {
    const text = message.trim();
    if (text.startsWith("{")) {
        try {
            const o = JSON.parse(text) as Record<string, unknown>;
            for (const key of ["severityText", "level", "levelname", "severity", "log.level"]) {
                const v = o[key];
                if (typeof v === "string" && LEVEL_WORDS[v.toUpperCase()]) {
                    return LEVEL_WORDS[v.toUpperCase()];
                }
            }
            if (typeof o.severityNumber === "number") {
                return levelOfNumber(o.severityNumber);
            }
        } catch {
            // Not JSON after all: read it as text.
        }
    }
    const words = Object.keys(LEVEL_WORDS).join("|");
    const m =
        new RegExp(`^\\[?(${words})\\]?(?::|\\s|$)`).exec(text) ??
        new RegExp(`\\s-\\s(${words})\\s-\\s`).exec(text) ??
        new RegExp(`\\b(?:level|severity)=["']?(${words})\\b`, "i").exec(text) ??
        new RegExp(`^\\S+[ T]\\S+\\s+\\[?(${words})\\]?\\s`).exec(text);
    return m ? LEVEL_WORDS[m[1].toUpperCase()] : undefined;
}

function parseLevel(text: string | undefined): Level | undefined {
    if (text === undefined) {
        return undefined;
    }
    const level = LEVEL_WORDS[text.trim().toUpperCase()];
    if (!level) {
        throw new UsageError(`--level "${text}" is not a level: use ERROR, WARN, INFO or DEBUG`, LOGS_SPEC);
    }
    return level;
}

export function refused(e: unknown, permission: string, what: string): OperatorError {
    return new OperatorError(
        `AWS refused to read ${what}: your AWS identity needs ${deniedAction(e) ?? permission} (${(e as Error).message}).`,
        EXIT.failed,
    );
}

/** The runtime id AWS manages for the harness, from GetHarness. */
export async function runtimeIdOf(d: Deployment, aws: AwsAccess, signal?: AbortSignal): Promise<string | undefined> {
    const { control, client } = await controlPlane(aws);
    try {
        const h = await client.send(new control.GetHarnessCommand({ harnessId: d.harnessId }), { abortSignal: signal });
        return h.harness?.environment?.agentCoreRuntimeEnvironment?.agentRuntimeId;
    } catch (e) {
        if (isNotFound(e)) {
            throw new OperatorError("The harness was deleted outside this stack: run pulumi refresh, then pulumi up.", EXIT.failed);
        }
        if (isAccessDenied(e)) {
            throw refused(e, "bedrock-agentcore:GetHarness", `the harness ${d.harnessId}`);
        }
        throw e;
    }
}

async function logGroupsWithPrefix(aws: AwsAccess, prefix: string, signal?: AbortSignal): Promise<string[]> {
    const logs = await import("@aws-sdk/client-cloudwatch-logs");
    const client = new logs.CloudWatchLogsClient(clientConfig(aws, "logs"));
    try {
        const groups = await allItems(
            logs.paginateDescribeLogGroups({ client }, { logGroupNamePrefix: prefix }, { abortSignal: signal }),
            (p) => p.logGroups,
        );
        return groups.map((g) => g.logGroupName!);
    } catch (e) {
        if (isAccessDenied(e)) {
            throw refused(e, "logs:DescribeLogGroups", `the log groups under ${prefix}`);
        }
        throw e;
    }
}

async function findRuntimeLogGroup(d: Deployment, aws: AwsAccess, signal?: AbortSignal): Promise<string | undefined> {
    const runtimeId = await runtimeIdOf(d, aws, signal);
    if (runtimeId) {
        const byId = await logGroupsWithPrefix(aws, `${RUNTIME_LOGS}${runtimeId}`, signal);
        if (byId.length > 0) {
            return byId[0];
        }
    }
    // Fall back to the harness's name (from the outputs, else its id without the suffix AWS adds):
    // the managed runtime is named after it.
    const name = d.harnessName ?? d.harnessId.replace(/-[a-zA-Z0-9]{10}$/, "");
    return (await logGroupsWithPrefix(aws, RUNTIME_LOGS, signal)).find((g) => g.includes(`harness_${name}`));
}

/** The MCP server's log group, or an OperatorError saying where its logs are instead. */
async function serverLogGroup(d: Deployment, aws: AwsAccess, io: Io): Promise<string | undefined> {
    switch (serverKind(d)) {
        case "ecs":
            if (!d.ecsLogGroup) {
                throw new OperatorError(
                    "The stack's outputs name no ECS log group (ecsLogGroup): run pulumi up, or pass --log-group <name>.",
                );
            }
            return d.ecsLogGroup;
        case "runtime": {
            if (!d.runtimeId) {
                throw new OperatorError(
                    "The stack's outputs name no MCP server runtime (runtimeId): run pulumi up, or pass --log-group <name>.",
                );
            }
            const groups = await logGroupsWithPrefix(aws, `${RUNTIME_LOGS}${d.runtimeId}`, io.signal);
            if (groups.length === 0) {
                io.stdout.write(
                    `No log group for the MCP server's runtime ${d.runtimeId} yet: AgentCore creates it when the gateway first calls ` +
                        `the server. Try npm run invoke -- "hello", then npm run logs -- --server again.\n`,
                );
            }
            return groups[0];
        }
        case "own":
            throw new OperatorError(
                `This stack calls your own MCP server${d.mcpUrl ? ` (${d.mcpUrl})` : ""}: its logs are wherever it runs. ` +
                    "npm run logs shows the harness's own logs.",
            );
        default:
            throw new OperatorError(
                "Without the stack's outputs the MCP server's log group is unknown: use --stack <name>, or pass --log-group <name>.",
            );
    }
}

async function chooseGroup(args: ParsedCommand, d: Deployment, aws: AwsAccess, io: Io): Promise<string | undefined> {
    const explicit = stringOption(args, "log-group");
    if (explicit) {
        return explicit;
    }
    if (args.values.server === true || args.values.container === true) {
        return serverLogGroup(d, aws, io);
    }
    const group = await findRuntimeLogGroup(d, aws, io.signal);
    if (!group) {
        io.stdout.write(
            `No runtime log group for harness ${d.harnessId} yet: AgentCore creates it on the first invocation. ` +
                `Try npm run invoke -- "hello", then npm run logs again.\n`,
        );
    }
    return group;
}

export async function runLogs(argv: string[], io: Io): Promise<number> {
    const args = parseCommand(LOGS_SPEC, argv);
    if (args === "help") {
        io.stdout.write(usage(LOGS_SPEC));
        return EXIT.ok;
    }
    const follow = args.values.follow === true;
    const json = args.values.json === true;
    const minimum = parseLevel(stringOption(args, "level"));
    if (follow && stringOption(args, "until") !== undefined) {
        throw new UsageError(
            "--until and --follow exclude each other: --follow keeps reading new lines, --until stops at a time",
            LOGS_SPEC,
        );
    }
    const clock = currentClock();
    const range = timeRange(args, clock.now(), "10m");
    const d = findDeployment(args, io);
    const aws = await deploymentAccess(d, io);
    // With --json, stdout holds JSON lines only: a note (no log group yet) goes to stderr.
    const group = await chooseGroup(args, d, aws, json ? { ...io, stdout: io.stderr } : io);
    if (!group) {
        return EXIT.ok;
    }
    const logs = await import("@aws-sdk/client-cloudwatch-logs");
    const client = new logs.CloudWatchLogsClient(clientConfig(aws, "logs"));
    const seen = new Set<string>();
    // A line that states no severity (a traceback's next line) has its stream's last one; INFO before any.
    const lastLevel = new Map<string, Level>();
    let startTime = range.start;
    io.stderr.write(`${group}${follow ? " (following; Ctrl-C to stop)" : ""}\n`);
    while (true) {
        let nextToken: string | undefined;
        // The pages of one read answer one request: its startTime moves on only after the last page.
        let newest = startTime;
        do {
            const page = await client
                .send(new logs.FilterLogEventsCommand({ logGroupName: group, startTime, endTime: range.end, nextToken }), {
                    abortSignal: io.signal,
                })
                .catch((e: unknown) => {
                    if (io.signal?.aborted) {
                        return undefined;
                    }
                    if (isNotFound(e)) {
                        throw new OperatorError(`The log group ${group} does not exist (yet).`, EXIT.failed);
                    }
                    if (isAccessDenied(e)) {
                        throw refused(e, "logs:FilterLogEvents", `the log group ${group}`);
                    }
                    throw e;
                });
            if (!page) {
                return EXIT.ok;
            }
            for (const ev of page.events ?? []) {
                const key = ev.eventId ?? `${ev.timestamp}:${ev.message}`;
                if (seen.has(key)) {
                    continue;
                }
                seen.add(key);
                newest = Math.max(newest, ev.timestamp ?? 0);
                const message = sanitize((ev.message ?? "").replace(/\n$/, ""));
                const stream = ev.logStreamName ?? "";
                const stated = levelOf(message);
                const level = stated ?? lastLevel.get(stream) ?? "INFO";
                lastLevel.set(stream, level);
                if (minimum && LEVELS.indexOf(level) < LEVELS.indexOf(minimum)) {
                    continue;
                }
                io.stdout.write(
                    json
                        ? JSON.stringify({
                              time: new Date(ev.timestamp ?? 0).toISOString(),
                              timestamp: ev.timestamp ?? 0,
                              level,
                              stream: sanitize(stream),
                              message,
                          }) + "\n"
                        : `${utc(ev.timestamp ?? 0)} ${message}\n`,
                );
            }
            nextToken = page.nextToken;
        } while (nextToken);
        startTime = newest;
        if (!follow || io.signal?.aborted) {
            return EXIT.ok;
        }
        // The first Ctrl-C ends the wait at once, not after it.
        await Promise.race([clock.sleep(FOLLOW_POLL_MS), aborted(io.signal)]);
        if (io.signal?.aborted) {
            return EXIT.ok;
        }
    }
}
