/**
 * What the operator-command tests share: an Io that captures what a terminal would show, and
 * deployments created on the local endpoint with the real SDK.
 */
import { EventEmitter } from "events";
import type { Io } from "../../scripts/io";
import { REGION, roleArn } from "../support/awsConstants";

export interface Captured extends Io {
    out: string[];
    err: string[];
    /** stdout and stderr in the order a terminal shows them. */
    screen: string[];
    /** Emits each piece written, by its own text as the event name and as "write". */
    written: EventEmitter;
}

export function captureIo(over: Partial<Io> = {}): Captured {
    const out: string[] = [];
    const err: string[] = [];
    const screen: string[] = [];
    const written = new EventEmitter();
    const write = (to: string[]) => (s: string) => {
        to.push(s);
        screen.push(s);
        written.emit("write", s);
        // Listeners wait for a beginning: "Chat with" fires for "Chat with ops_harness (...)".
        for (const name of written.eventNames()) {
            if (typeof name === "string" && name !== "write" && s.includes(name)) {
                written.emit(name, s);
            }
        }
        return true;
    };
    return {
        out,
        err,
        screen,
        written,
        stdout: { write: write(out) },
        stderr: { write: write(err) },
        env: { ...process.env },
        isTTY: false,
        pulumi: () => undefined,
        ...over,
    };
}

export const MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

export async function createHarness(
    name = "ops_harness",
    over: { tools?: any[]; tags?: Record<string, string> } = {},
): Promise<{ arn: string; id: string }> {
    const sdk = await import("@aws-sdk/client-bedrock-agentcore-control");
    const c = new sdk.BedrockAgentCoreControlClient({ maxAttempts: 1 });
    const h = await c.send(
        new sdk.CreateHarnessCommand({
            harnessName: name,
            executionRoleArn: roleArn("harness"),
            model: { bedrockModelConfig: { modelId: MODEL } },
            systemPrompt: [{ text: "p" }],
            tools: over.tools ?? [{ type: "remote_mcp", name: "zscaler", config: { remoteMcp: { url: "https://a.example.com/mcp" } } }],
            tags: over.tags,
        }),
    );
    return { arn: h.harness!.arn!, id: h.harness!.harnessId! };
}

const PROJECT = "zscaler-mcp-harness";

/** One key of `pulumi config --json`: a secret's value shows only with --show-secrets. */
export type Entry = { value?: string; secret?: boolean };

/** `pulumi config --json` of the sample ECS stack, with keys changed, added, or (undefined) removed. */
export function stackConfig(over: Record<string, Entry | undefined> = {}): Record<string, Entry> {
    const base: Record<string, Entry | undefined> = {
        "aws:region": { value: REGION, secret: false },
        [`${PROJECT}:zscalerClientId`]: { value: "client-id", secret: false },
        [`${PROJECT}:zscalerClientSecret`]: { secret: true },
        [`${PROJECT}:zscalerCustomerId`]: { value: "42", secret: false },
        [`${PROJECT}:zscalerVanityDomain`]: { value: "acme", secret: false },
        ...over,
    };
    return Object.fromEntries(Object.entries(base).filter(([, v]) => v !== undefined)) as Record<string, Entry>;
}

/**
 * A stand-in for the Pulumi CLI of stack "dev": its outputs, its configuration (secret values only
 * with --show-secrets, from `revealed`), and every call it was asked for.
 */
export function stackIo(config: Record<string, Entry>, outputs: Record<string, string> = {}, revealed: Record<string, string> = {}) {
    const pulumiCalls: string[][] = [];
    const io = captureIo({
        pulumi: (args) => {
            pulumiCalls.push(args);
            if (args[0] === "config") {
                const show = args.includes("--show-secrets");
                return JSON.stringify(
                    Object.fromEntries(
                        Object.entries(config).map(([k, e]) => [
                            k,
                            show && e.secret && revealed[k] !== undefined ? { ...e, value: revealed[k] } : e,
                        ]),
                    ),
                );
            }
            if (args[0] === "stack" && args[1] === "--show-name") {
                return "dev\n";
            }
            return JSON.stringify(outputs);
        },
    });
    return Object.assign(io, { pulumiCalls });
}
