/**
 * X-Ray (rest-json, told apart by its signature): where the account's trace segments go. With
 * CloudWatch Transaction Search on (destination CloudWatchLogs, status ACTIVE), spans land as
 * OpenTelemetry JSON in the CloudWatch Logs group `aws/spans`; sessionSpans builds the spans an
 * AgentCore harness session leaves there, and FakeAws.recordSessionSpans writes them.
 */
import { arn } from "../../support/awsConstants";
import { Handler, ServiceDef, ServiceHost } from "../core/endpoint";
import { AwsError } from "../core/types";
import { loadModel } from "../model";

/** The log group Transaction Search writes spans to. */
export const SPANS_LOG_GROUP = "aws/spans";

/** How long X-Ray reports a new destination PENDING before ACTIVE (AWS says up to ten minutes). */
export const DESTINATION_SWITCH_MS = 10 * 60_000;

/** The account's trace segment destination, as UpdateTraceSegmentDestination last set it. */
export interface SegmentDestination {
    destination: "XRay" | "CloudWatchLogs";
    /** The endpoint's clock time from which the destination is ACTIVE (PENDING before). */
    activeFrom: number;
}

export function xray(host: ServiceHost): ServiceDef {
    const { fake } = host;
    const handlers: Record<string, Handler> = {
        GetTraceSegmentDestination: () => ({
            Destination: fake.traceSegmentDestination.destination,
            Status: fake.clock.now() >= fake.traceSegmentDestination.activeFrom ? "ACTIVE" : "PENDING",
        }),
        UpdateTraceSegmentDestination: (input) => {
            const destination = (input.Destination ?? "XRay") as SegmentDestination["destination"];
            const current = fake.traceSegmentDestination;
            if (destination !== current.destination) {
                fake.traceSegmentDestination = { destination, activeFrom: fake.clock.now() + DESTINATION_SWITCH_MS };
            }
            return { Destination: destination, Status: "PENDING" };
        },
    };
    return {
        name: "xray",
        model: loadModel("xray.2016-04-12.json"),
        handlers,
        notImplemented: (op) => new AwsError("InvalidRequestException", `The local endpoint does not implement X-Ray ${op}`),
    };
}

/** A tool call of a recorded session: its name, how long it took, and the error it ended with. */
export interface SessionTool {
    name: string;
    ms?: number;
    error?: string;
}

export interface SessionSpansInput {
    sessionId: string;
    /** The AgentCore runtime the harness runs on (GetHarness's agentRuntimeId). */
    runtimeId: string;
    /** When the invocation started, in ms (the endpoint's clock, by default). */
    start: number;
    region: string;
    agentName?: string;
    modelId?: string;
    /** The tools the agent called, one model call before each and one after the last. */
    tools?: SessionTool[];
    /** Tokens of each model call. */
    inputTokens?: number;
    outputTokens?: number;
    /** Distinguishes the spans of two invocations of one session (trace and span ids). */
    seed?: number;
}

/** An OpenTelemetry span as Transaction Search writes it to `aws/spans`: one JSON object per log event. */
export interface OtelSpan {
    resource: { attributes: Record<string, unknown> };
    scope: { name: string; version?: string };
    traceId: string;
    spanId: string;
    parentSpanId?: string;
    flags: number;
    name: string;
    kind: "SERVER" | "CLIENT" | "INTERNAL";
    startTimeUnixNano: number;
    endTimeUnixNano: number;
    durationNano: number;
    attributes: Record<string, unknown>;
    status: { code: "UNSET" | "OK" | "ERROR"; message?: string };
}

function hex(seed: number, length: number): string {
    let out = "";
    let x = seed >>> 0 || 1;
    while (out.length < length) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        out += (x >>> 8).toString(16).padStart(6, "0");
    }
    return out.slice(0, length);
}

/**
 * The spans one invocation of a harness session leaves in `aws/spans`: the agent's invocation
 * (SERVER), a model call (CLIENT, `chat`, with the model and tokens) before each tool call
 * (INTERNAL, `execute_tool <name>`) and one after the last, each with `session.id`, as AgentCore
 * Runtime sets it on the spans of a session, and the runtime in the resource attributes.
 */
export function sessionSpans(o: SessionSpansInput): OtelSpan[] {
    const seed = o.seed ?? o.sessionId.split("").reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0, 2166136261);
    const traceId = hex(seed, 32);
    const runtimeArn = arn("bedrock-agentcore", `runtime/${o.runtimeId}`, { region: o.region });
    const resource = {
        attributes: {
            "service.name": o.runtimeId.replace(/-[A-Za-z0-9]{10}$/, ""),
            "cloud.provider": "aws",
            "cloud.platform": "aws_bedrock_agentcore",
            "cloud.region": o.region,
            "cloud.resource_id": `${runtimeArn}/runtime-endpoint/DEFAULT`,
            "aws.log.group.names": `/aws/bedrock-agentcore/runtimes/${o.runtimeId}-DEFAULT`,
        },
    };
    const model = o.modelId ?? "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
    const spans: OtelSpan[] = [];
    let n = 1;
    const rootId = hex(seed + n, 16);
    const ms = (t: number) => t * 1_000_000;
    const child = (name: string, kind: OtelSpan["kind"], from: number, to: number, attributes: Record<string, unknown>, error?: string) => {
        n += 1;
        spans.push({
            resource,
            scope: { name: "strands.telemetry.tracer" },
            traceId,
            spanId: hex(seed + n, 16),
            parentSpanId: rootId,
            flags: 256,
            name,
            kind,
            startTimeUnixNano: ms(from),
            endTimeUnixNano: ms(to),
            durationNano: ms(to - from),
            attributes: { "session.id": o.sessionId, ...attributes },
            status: error ? { code: "ERROR", message: error } : { code: "OK" },
        });
    };
    const chat = (at: number) => {
        child("chat", "CLIENT", at, at + 1200, {
            "gen_ai.operation.name": "chat",
            "gen_ai.system": "aws.bedrock",
            "gen_ai.request.model": model,
            "gen_ai.usage.input_tokens": o.inputTokens ?? 1500,
            "gen_ai.usage.output_tokens": o.outputTokens ?? 120,
        });
        return at + 1200;
    };
    let t = o.start + 50;
    for (const tool of o.tools ?? []) {
        t = chat(t);
        const end = t + (tool.ms ?? 400);
        child(
            `execute_tool ${tool.name}`,
            "INTERNAL",
            t,
            end,
            {
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": tool.name,
                "gen_ai.tool.call.id": `tooluse_${hex(seed + n, 22)}`,
            },
            tool.error,
        );
        t = end;
    }
    t = chat(t);
    const agent = o.agentName ?? resource.attributes["service.name"];
    spans.unshift({
        resource,
        scope: { name: "strands.telemetry.tracer" },
        traceId,
        spanId: rootId,
        flags: 256,
        name: `invoke_agent ${agent}`,
        kind: "SERVER",
        startTimeUnixNano: ms(o.start),
        endTimeUnixNano: ms(t + 20),
        durationNano: ms(t + 20 - o.start),
        attributes: { "session.id": o.sessionId, "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": agent },
        status: { code: "OK" },
    });
    return spans;
}
