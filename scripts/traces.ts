/**
 * `npm run traces`: the spans of one harness session (the agent's invocation, its model calls and
 * its tool calls), with their start, duration, model, tokens, tool and status, from AgentCore
 * observability.
 *
 * AgentCore Runtime gives every span of a session the attribute `session.id`. With CloudWatch
 * Transaction Search on, X-Ray writes every span, as OpenTelemetry JSON, to the CloudWatch Logs
 * group `aws/spans`; X-Ray's own trace summaries (GetTraceSummaries) cover only the share of spans
 * it indexes (1% by default), so this command reads `aws/spans` with FilterLogEvents: a term
 * filter narrows the events AWS sends back, and each span's `session.id` is checked here. Without
 * --session, the latest session is that of the newest span of the harness's runtime (GetHarness's
 * agentRuntimeId, which the spans carry in their resource attributes).
 */
import { currentClock } from "../providers/lifecycle";
import { CommandSpec, DEPLOYMENT_OPTIONS, HELP_OPTION, parseCommand, stringOption, usage, UsageError } from "./args";
import { Deployment, deploymentAccess, findDeployment } from "./deployment";
import { AwsAccess, clientConfig } from "./identity";
import { EXIT, Io, isAccessDenied, isNotFound, OperatorError, sanitize } from "./io";
import { refused, runtimeIdOf, timeRange } from "./logs";

export const TRACES_SPEC: CommandSpec = {
    name: "traces",
    synopsis: "[-- options]",
    summary:
        "Prints the spans of a harness session: the agent's invocation, each model call (model, input and output\n" +
        "tokens) and each tool call, with when it started, how long it took and its status. Needs CloudWatch\n" +
        "Transaction Search (npm run doctor checks it).",
    positionals: false,
    options: {
        session: { type: "string", value: "<id>", description: "this session (default: the latest session of the stack's harness)" },
        since: {
            type: "string",
            value: "<when>",
            description: "how far back to look: a duration (30m, 1h the default, 2d) or a UTC time (2026-11-26T07:00:00Z)",
        },
        until: { type: "string", value: "<when>", description: "look no later than this, in the same forms as --since (default: now)" },
        limit: { type: "string", value: "<n>", description: "show at most this many spans, the earliest first (default 200)" },
        json: { type: "boolean", description: "print the session's spans as one JSON object" },
        ...DEPLOYMENT_OPTIONS,
        ...HELP_OPTION,
    },
    examples: [
        "npm run traces",
        "npm run traces -- --session zscaler-mcp-5f0c9a7e-3b1d-4d8e-9a51-0e6c2f4b7d13 --since 1d",
        "npm run traces -- --json --limit 50",
    ],
    notes: "Exit codes: 0 done (also when there is no session yet), 1 AWS refused or Transaction Search is off, 2 a usage error or no deployment, 130 interrupted.",
};

export const SPANS_LOG_GROUP = "aws/spans";
const DEFAULT_LIMIT = 200;
const SESSION_ID = /^[a-zA-Z0-9][a-zA-Z0-9-_]{32,99}$/;

/** One span, as printed: everything from AWS already without terminal control sequences. */
export interface SpanRow {
    traceId: string;
    spanId: string;
    parentSpanId?: string;
    name: string;
    kind: string;
    /** Start, in ms since the epoch (to the nanosecond's nearest ms). */
    startMs: number;
    durationMs: number;
    model?: string;
    inputTokens?: number;
    outputTokens?: number;
    tool?: string;
    status: string;
    statusMessage?: string;
}

type Json = Record<string, unknown>;

function str(v: unknown): string | undefined {
    return typeof v === "string" && v !== "" ? sanitize(v) : undefined;
}

function num(v: unknown): number | undefined {
    const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
    return typeof n === "number" && Number.isFinite(n) ? n : undefined;
}

/** A span of `aws/spans` (OpenTelemetry JSON, attributes flat: `gen_ai.request.model`), or undefined for another kind of event. */
export function spanOf(message: string): { row: SpanRow; sessionId?: string } | undefined {
    let o: Json;
    try {
        o = JSON.parse(message) as Json;
    } catch {
        return undefined;
    }
    if (!o || typeof o !== "object" || typeof o.traceId !== "string" || typeof o.spanId !== "string") {
        return undefined;
    }
    const a = (o.attributes && typeof o.attributes === "object" ? o.attributes : {}) as Json;
    const status = (o.status && typeof o.status === "object" ? o.status : {}) as Json;
    const startNs = num(o.startTimeUnixNano) ?? 0;
    const endNs = num(o.endTimeUnixNano);
    const durationNs = num(o.durationNano) ?? (endNs !== undefined ? endNs - startNs : 0);
    return {
        sessionId: typeof a["session.id"] === "string" ? a["session.id"] : undefined,
        row: {
            traceId: sanitize(o.traceId),
            spanId: sanitize(o.spanId),
            parentSpanId: str(o.parentSpanId),
            name: str(o.name) ?? "(unnamed)",
            kind: (str(o.kind) ?? "").replace(/^SPAN_KIND_/, "") || "-",
            startMs: Math.round(startNs / 1e6),
            durationMs: durationNs / 1e6,
            model: str(a["gen_ai.request.model"]) ?? str(a["gen_ai.response.model"]),
            inputTokens: num(a["gen_ai.usage.input_tokens"]) ?? num(a["gen_ai.usage.prompt_tokens"]),
            outputTokens: num(a["gen_ai.usage.output_tokens"]) ?? num(a["gen_ai.usage.completion_tokens"]),
            tool: str(a["gen_ai.tool.name"]),
            status: (str(status.code) ?? "UNSET").replace(/^STATUS_CODE_/, ""),
            statusMessage: str(status.message),
        },
    };
}

/** The span events of `aws/spans` that contain `term`, in time order, page by page; `visit` returns false to stop. */
async function scanSpans(
    aws: AwsAccess,
    range: { start: number; end?: number },
    term: string,
    visit: (span: { row: SpanRow; sessionId?: string }) => boolean,
    signal?: AbortSignal,
): Promise<void> {
    const logs = await import("@aws-sdk/client-cloudwatch-logs");
    const client = new logs.CloudWatchLogsClient(clientConfig(aws, "logs"));
    let nextToken: string | undefined;
    do {
        let page;
        try {
            page = await client.send(
                new logs.FilterLogEventsCommand({
                    logGroupName: SPANS_LOG_GROUP,
                    startTime: range.start,
                    endTime: range.end,
                    // A quoted term: the ids this command looks for are letters, digits, - and _.
                    filterPattern: `"${term}"`,
                    nextToken,
                }),
                { abortSignal: signal },
            );
        } catch (e) {
            if (isNotFound(e)) {
                throw new OperatorError(
                    `There is no ${SPANS_LOG_GROUP} log group in ${aws.region}: CloudWatch Transaction Search is off, so AgentCore's spans ` +
                        "are not kept where they can be read. npm run doctor says how to turn it on; spans of invocations after that appear here.",
                    EXIT.failed,
                );
            }
            if (isAccessDenied(e)) {
                throw refused(e, "logs:FilterLogEvents", `the log group ${SPANS_LOG_GROUP}`);
            }
            throw e;
        }
        for (const ev of page.events ?? []) {
            const span = spanOf(ev.message ?? "");
            if (span && !visit(span)) {
                return;
            }
        }
        nextToken = page.nextToken;
    } while (nextToken);
}

/** The session of the newest span of the harness's runtime in the range, or undefined. */
async function latestSession(d: Deployment, aws: AwsAccess, range: { start: number; end?: number }, signal?: AbortSignal) {
    const runtimeId = await runtimeIdOf(d, aws, signal);
    if (!runtimeId) {
        throw new OperatorError(
            `AWS reports no runtime for the harness ${d.harnessId} yet, so its sessions cannot be told apart: pass --session <id>.`,
            EXIT.failed,
        );
    }
    let latest: { sessionId: string; startMs: number } | undefined;
    await scanSpans(
        aws,
        range,
        runtimeId,
        (s) => {
            if (s.sessionId && (!latest || s.row.startMs >= latest.startMs)) {
                latest = { sessionId: s.sessionId, startMs: s.row.startMs };
            }
            return true;
        },
        signal,
    );
    return latest?.sessionId;
}

function seconds(ms: number): string {
    return `${(ms / 1000).toFixed(3)}s`;
}

function utc(ms: number): string {
    return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The table of a session's spans, one block per trace (an invocation), offsets from the trace's first span. */
export function renderTable(sessionId: string, rows: SpanRow[], truncated: boolean): string {
    const traces = [...new Set(rows.map((r) => r.traceId))];
    const sum = (k: "inputTokens" | "outputTokens") => rows.reduce((t, r) => t + (r[k] ?? 0), 0);
    const models = rows.filter((r) => r.model !== undefined).length;
    const tools = rows.filter((r) => r.tool !== undefined).length;
    const errors = rows.filter((r) => r.status === "ERROR");
    const lines = [
        `Session  ${sanitize(sessionId)}`,
        `Spans    ${rows.length} in ${traces.length} trace${traces.length === 1 ? "" : "s"}: ${models} model call${models === 1 ? "" : "s"}, ` +
            `${tools} tool call${tools === 1 ? "" : "s"}, ${errors.length} error${errors.length === 1 ? "" : "s"}`,
        `Tokens   ${sum("inputTokens")} in, ${sum("outputTokens")} out`,
    ];
    const header = ["START", "DURATION", "SPAN", "KIND", "MODEL", "IN", "OUT", "TOOL", "STATUS"];
    for (const traceId of traces) {
        const own = rows.filter((r) => r.traceId === traceId);
        const t0 = Math.min(...own.map((r) => r.startMs));
        const cells = own.map((r) => [
            `+${seconds(r.startMs - t0)}`,
            seconds(r.durationMs),
            r.name,
            r.kind,
            r.model ?? "-",
            r.inputTokens?.toString() ?? "-",
            r.outputTokens?.toString() ?? "-",
            r.tool ?? "-",
            r.status,
        ]);
        const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
        const numeric = new Set([1, 5, 6]);
        const fmt = (c: string[]) =>
            c
                .map((v, i) => (numeric.has(i) ? v.padStart(widths[i]) : v.padEnd(widths[i])))
                .join("  ")
                .trimEnd();
        lines.push("", `Trace ${traceId} (started ${utc(t0)})`, fmt(header), ...cells.map(fmt));
    }
    for (const r of errors) {
        lines.push("", `ERROR ${r.name}${r.statusMessage ? `: ${r.statusMessage}` : ""}`);
    }
    if (truncated) {
        lines.push("", `Showing the first ${rows.length} spans: raise --limit to see more.`);
    }
    return lines.join("\n") + "\n";
}

function parseLimit(text: string | undefined): number {
    if (text === undefined) {
        return DEFAULT_LIMIT;
    }
    const n = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
    if (!Number.isSafeInteger(n) || n < 1 || n > 10_000) {
        throw new UsageError(`--limit "${text}" is not a number of spans from 1 to 10000`, TRACES_SPEC);
    }
    return n;
}

export async function runTraces(argv: string[], io: Io): Promise<number> {
    const args = parseCommand(TRACES_SPEC, argv);
    if (args === "help") {
        io.stdout.write(usage(TRACES_SPEC));
        return EXIT.ok;
    }
    const json = args.values.json === true;
    const limit = parseLimit(stringOption(args, "limit"));
    const given = stringOption(args, "session");
    if (given !== undefined && !SESSION_ID.test(given)) {
        throw new UsageError(`--session "${sanitize(given)}" is not a session id: 33 to 100 letters, digits, - or _`, TRACES_SPEC);
    }
    const range = timeRange(args, currentClock().now(), "1h");
    const d = findDeployment(args, io);
    const aws = await deploymentAccess(d, io);
    // With --json, stdout holds the JSON object only: a note goes to stderr.
    const note = json ? io.stderr : io.stdout;
    const sessionId = given ?? (await latestSession(d, aws, range, io.signal));
    if (!sessionId) {
        note.write(
            `No spans of the harness ${d.harnessId} in ${SPANS_LOG_GROUP} since ${utc(range.start)}: it has no session in that time yet, ` +
                `or its spans have not arrived (they take a few minutes). Try npm run invoke -- "hello", then npm run traces again, ` +
                "or look further back with --since 1d.\n",
        );
        return EXIT.ok;
    }
    const rows: SpanRow[] = [];
    let truncated = false;
    await scanSpans(
        aws,
        range,
        sessionId,
        (s) => {
            if (s.sessionId !== sessionId) {
                return true;
            }
            if (rows.length === limit) {
                truncated = true;
                return false;
            }
            rows.push(s.row);
            return true;
        },
        io.signal,
    );
    if (rows.length === 0) {
        note.write(
            `No spans of the session ${sessionId} in ${SPANS_LOG_GROUP} since ${utc(range.start)}: check the session id, ` +
                "look further back with --since 1d, or wait a few minutes for the spans of a recent invocation.\n",
        );
        return EXIT.ok;
    }
    rows.sort((a, b) => a.startMs - b.startMs);
    if (json) {
        io.stdout.write(
            JSON.stringify(
                {
                    session: sessionId,
                    harnessArn: d.harnessArn,
                    region: d.region,
                    truncated,
                    spans: rows.map((r) => ({ ...r, start: new Date(r.startMs).toISOString() })),
                },
                null,
                2,
            ) + "\n",
        );
    } else {
        io.stdout.write(renderTable(sessionId, rows, truncated));
    }
    return EXIT.ok;
}
