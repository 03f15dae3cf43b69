/**
 * The AgentCore data plane (rest-json): InvokeHarness answers with AWS's event stream, scripted by
 * the test (FakeAws.invokeScript and invokeQueue) or a default conversation, and can stop part-way
 * at a `{ $hold: true }` event until the test releases it. A call's overrides (model, system
 * prompt, limits, actor, tools, skills) are checked against the model's shapes by the endpoint,
 * and here against the ranges AWS enforces beyond them; maxIterations cuts the conversation short
 * as the agent loop does.
 */
import type * as http from "http";
import * as zlib from "zlib";
import { ServiceDef, ServiceHost } from "../core/endpoint";
import { AwsError, StreamEvent } from "../core/types";
import { loadModel } from "../model";
import { notImplemented } from "./agentcoreControl";

export function agentcoreData(host: ServiceHost): ServiceDef {
    const { fake } = host;

    async function invokeHarness(input: Record<string, any>, res: http.ServerResponse): Promise<void> {
        const harness = fake.list("harness").find((h) => h.arn === input.harnessArn);
        if (!harness) {
            throw new AwsError("ResourceNotFoundException", `Harness ${input.harnessArn} not found`, 404);
        }
        const problems = overrideProblems(input);
        if (problems.length > 0) {
            const n = problems.length;
            throw new AwsError("ValidationException", `${n} validation error${n > 1 ? "s" : ""} detected: ${problems.join("; ")}`);
        }
        const scripted = fake.invokeQueue.shift() ?? fake.invokeScript ?? defaultConversation();
        const events = typeof input.maxIterations === "number" ? withinIterations(scripted, input.maxIterations) : scripted;
        res.statusCode = 200;
        res.setHeader("content-type", "application/vnd.amazon.eventstream");
        res.setHeader("x-amzn-bedrock-agentcore-runtime-session-id", String(input.runtimeSessionId));
        for (const ev of events) {
            if (ev.$hold) {
                // The answer stops here until releaseInvoke() (or until the client goes away).
                res.flushHeaders();
                await new Promise<void>((resolve) => {
                    host.hold(resolve);
                    res.once("close", resolve);
                    fake.events.emit("held");
                });
                if (res.destroyed || res.writableEnded) {
                    return;
                }
                continue;
            }
            const [name, payload] = Object.entries(ev)[0];
            const isError = /Exception$|Error$/.test(name);
            const headers: Record<string, string> = isError
                ? { ":message-type": "exception", ":exception-type": name, ":content-type": "application/json" }
                : { ":message-type": "event", ":event-type": name, ":content-type": "application/json" };
            res.write(encodeEventStreamMessage(headers, Buffer.from(JSON.stringify(payload))));
        }
        res.end();
    }

    return {
        name: "bedrock-agentcore",
        model: loadModel("bedrock-agentcore.2024-02-28.json"),
        // The endpoint implements no other data-plane operation: they are refused as the control
        // plane refuses what it does not implement.
        handlers: {},
        notImplemented,
        streams: { InvokeHarness: invokeHarness },
    };
}

/**
 * The ranges of InvokeHarness's per-call limits that the API model leaves open (plain Integer) and
 * AWS enforces, the same as CreateHarness's: at least one token, 1-1000 iterations, 1-28800 seconds.
 */
function overrideProblems(input: Record<string, any>): string[] {
    const problems: string[] = [];
    const range = (field: string, min: number, max: number) => {
        const v = input[field];
        if (typeof v === "number" && (v < min || v > max)) {
            const bound = v < min ? `greater than or equal to ${min}` : `less than or equal to ${max}`;
            problems.push(`Value '${v}' at '${field}' failed to satisfy constraint: Member must have value ${bound}`);
        }
    };
    range("maxTokens", 1, 1_000_000);
    range("maxIterations", 1, 1000);
    range("timeoutSeconds", 1, 28_800);
    if (typeof input.actorId === "string" && input.actorId.length === 0) {
        problems.push("Value '' at 'actorId' failed to satisfy constraint: Member must have length greater than or equal to 1");
    }
    return problems;
}

/**
 * The conversation as an agent loop of `max` iterations plays it: each tool call takes one model
 * turn, so the answer stops after the max-th tool call with stopReason max_iterations_exceeded.
 */
export function withinIterations(events: StreamEvent[], max: number): StreamEvent[] {
    let toolCalls = 0;
    const ev = events as Record<string, any>[];
    for (let i = 0; i < ev.length; i++) {
        if (ev[i].contentBlockStart?.start?.toolUse && ++toolCalls === max) {
            const stop = ev.findIndex((e, j) => j > i && e.contentBlockStop !== undefined);
            const cut = stop === -1 ? i + 1 : stop + 1;
            const metadata = events.filter((e) => e.metadata !== undefined);
            return [...events.slice(0, cut), { messageStop: { stopReason: "max_iterations_exceeded" } }, ...metadata];
        }
    }
    return events;
}

/** A conversation with a tool call, text, a non-default stop reason and usage. */
export function defaultConversation(): StreamEvent[] {
    return [
        { messageStart: { role: "assistant" } },
        {
            contentBlockStart: {
                contentBlockIndex: 0,
                start: { toolUse: { toolUseId: "tool-1", name: "zpa_list_segment_groups", type: "mcp_tool_use" } },
            },
        },
        { contentBlockStop: { contentBlockIndex: 0 } },
        { contentBlockDelta: { contentBlockIndex: 1, delta: { text: "You have 2 segment groups: " } } },
        { contentBlockDelta: { contentBlockIndex: 1, delta: { text: "Finance and Engineering." } } },
        { contentBlockStop: { contentBlockIndex: 1 } },
        { messageStop: { stopReason: "end_turn" } },
        { metadata: { usage: { inputTokens: 1200, outputTokens: 34, totalTokens: 1234 }, metrics: { latencyMs: 2150 } } },
    ];
}

/** Encodes one message of the AWS event-stream framing (string headers only). */
export function encodeEventStreamMessage(headers: Record<string, string>, payload: Buffer): Buffer {
    const headerParts: Buffer[] = [];
    for (const [name, value] of Object.entries(headers)) {
        const n = Buffer.from(name, "utf8");
        const v = Buffer.from(value, "utf8");
        const h = Buffer.alloc(1 + n.length + 1 + 2 + v.length);
        h.writeUInt8(n.length, 0);
        n.copy(h, 1);
        h.writeUInt8(7, 1 + n.length); // 7 = string
        h.writeUInt16BE(v.length, 2 + n.length);
        v.copy(h, 4 + n.length);
        headerParts.push(h);
    }
    const headerBytes = Buffer.concat(headerParts);
    const total = 12 + headerBytes.length + payload.length + 4;
    const prelude = Buffer.alloc(8);
    prelude.writeUInt32BE(total, 0);
    prelude.writeUInt32BE(headerBytes.length, 4);
    const preludeCrc = Buffer.alloc(4);
    preludeCrc.writeUInt32BE(zlib.crc32(prelude) >>> 0, 0);
    const body = Buffer.concat([prelude, preludeCrc, headerBytes, payload]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body) >>> 0, 0);
    return Buffer.concat([body, crc]);
}
