/**
 * The operations guide (docs/operations.md) shows each command's output. This test runs every
 * command shown there (each ```text block that starts with `$ `) against the local endpoint, on a
 * deployment and a clock that are the same in every run, and compares what it prints, stdout and
 * stderr as a terminal shows them, with the guide. In a chat transcript, the lines after `you> `
 * are what the user types.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { PassThrough } from "stream";
import { main } from "../../scripts/cli";
import { installClock } from "../../providers/lifecycle";
import { FakeAws, fakeClock } from "../fakeaws/server";
import { captureIo } from "./support";

const ROOT = path.join(__dirname, "..", "..");
/** 2026-11-26T07:04:25Z: the deploy's start on the endpoint's clock. */
const T0 = Date.UTC(2026, 10, 26, 7, 4, 25);
const PROJECT = "zscaler-mcp-harness";
const TAGS = { "managed-by": "zscaler-mcp-harness", integration: "harness", "pulumi-project": PROJECT, "pulumi-stack": "dev" };

interface Transcript {
    command: string;
    /** What the user types (chat). */
    input: string[];
    output: string;
}

/** The transcripts of the operations guide. */
function transcripts(markdown = fs.readFileSync(path.join(ROOT, "docs", "operations.md"), "utf8")): Transcript[] {
    return [...markdown.matchAll(/```text\n\$ ([^\n]*)\n([\s\S]*?)```/g)].map((m) => {
        const lines = m[2].split("\n").slice(0, -1);
        return {
            command: m[1],
            input: lines.filter((l) => l.startsWith("you> ")).map((l) => l.slice(5)),
            output: lines
                .filter((l) => !l.startsWith("you> "))
                .map((l) => `${l}\n`)
                .join(""),
        };
    });
}

/** `npm run status -- --json` -> ["status", "--json"], with double quotes as a shell reads them. */
function argv(command: string): string[] {
    const words = [...command.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
    expect(words.slice(0, 2), command).to.deep.equal(["npm", "run"]);
    return [words[2], ...words.slice(words[3] === "--" ? 4 : 3)];
}

/** The stack `dev` of the README, deployed on the endpoint: ECS topology, one invocation made. */
async function deploy(fake: FakeAws, clock: ReturnType<typeof fakeClock>): Promise<Record<string, string>> {
    const control = await import("@aws-sdk/client-bedrock-agentcore-control");
    const ecs = await import("@aws-sdk/client-ecs");
    const c = new control.BedrockAgentCoreControlClient({ maxAttempts: 1 });
    const svc = await new ecs.ECSClient({ maxAttempts: 1 }).send(
        new ecs.CreateExpressGatewayServiceCommand({
            serviceName: "zscaler-mcp-server-dev",
            cluster: "zscaler-mcp-dev",
            executionRoleArn: "arn:aws:iam::123456789012:role/zscaler-mcp-task-exec-role-5d6e7f8",
            infrastructureRoleArn: "arn:aws:iam::123456789012:role/zscaler-mcp-infra-role-9a0b1c2",
            primaryContainer: {
                image: `709825985650.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server:0.15.4-bedrock`,
                containerPort: 8000,
            },
            tags: Object.entries(TAGS).map(([key, value]) => ({ key, value })),
        }),
    );
    clock.advance(270_000);
    const endpoint = (
        await new ecs.ECSClient({ maxAttempts: 1 }).send(
            new ecs.DescribeExpressGatewayServiceCommand({ serviceArn: svc.service!.serviceArn! }),
        )
    ).service!.activeConfigurations!.at(-1)!.ingressPaths![0].endpoint!;
    const h = await c.send(
        new control.CreateHarnessCommand({
            harnessName: "zscaler_mcp_harness_dev",
            executionRoleArn: "arn:aws:iam::123456789012:role/zscaler-mcp-agent-exec-role-1a2b3c4",
            model: { bedrockModelConfig: { modelId: "us.anthropic.claude-sonnet-4-5-20250929-v1:0", maxTokens: 8192, temperature: 0.2 } },
            systemPrompt: [{ text: "You help administrators run their Zscaler Zero Trust Exchange tenant." }],
            tools: [{ type: "remote_mcp", name: "zscaler", config: { remoteMcp: { url: `https://${endpoint}/mcp` } } }],
            tags: TAGS,
        }),
    );
    clock.advance(60_000);
    const harnessId = h.harness!.harnessId!;
    const runtimeId = fake.find("harness", harnessId)!.data.runtimeId as string;
    fake.putLogEvents(`/aws/bedrock-agentcore/runtimes/${runtimeId}-DEFAULT`, [
        { timestamp: clock.now() + 120_000, message: "Starting MCP client for tool zscaler" },
        { timestamp: clock.now() + 121_000, message: "tool zpa_list_segment_groups ok" },
    ]);
    fake.putLogEvents("/ecs/zscaler-mcp-dev", [
        { timestamp: T0 + 250_000, message: "INFO:     Started server process [1]" },
        { timestamp: T0 + 251_000, message: "INFO:     Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)" },
    ]);
    clock.advance(122_000);
    return {
        topology: "ecs",
        region: "us-east-1",
        harnessName: "zscaler_mcp_harness_dev",
        harnessId,
        harnessArn: h.harness!.arn!,
        harnessRuntimeId: runtimeId,
        mcpUrl: `https://${endpoint}/mcp`,
        ecsServiceArn: svc.service!.serviceArn!,
        ecsEndpoint: endpoint,
        ecsClusterName: "zscaler-mcp-dev",
        ecsLogGroup: "/ecs/zscaler-mcp-dev",
        imageUri: "709825985650.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server:0.15.4-bedrock",
    };
}

/** The configuration of the README's Deploy section, as `pulumi config --json` prints it. */
const STACK_CONFIG = {
    "aws:region": { value: "us-east-1", secret: false },
    [`${PROJECT}:zscalerClientId`]: { value: "zs-client-0123", secret: false },
    [`${PROJECT}:zscalerClientSecret`]: { secret: true },
    [`${PROJECT}:zscalerCustomerId`]: { value: "40123", secret: false },
    [`${PROJECT}:zscalerVanityDomain`]: { value: "acme", secret: false },
};

/** Runs one README command and returns what a terminal would show. */
async function run(
    t: Transcript,
    outputs: Record<string, string>,
    before: FakeAws,
    after: FakeAws,
    clock: ReturnType<typeof fakeClock>,
): Promise<string> {
    const args = argv(t.command);
    // doctor runs before the first deploy: against an account without the stack, and a stack without outputs.
    const fake = args[0] === "doctor" ? before : after;
    const shown = args[0] === "doctor" ? {} : outputs;
    const restore = fake.applyEnv();
    const controller = new AbortController();
    const sleep = clock.sleep;
    // logs --follow: the reader presses Ctrl-C once the lines are on the screen.
    clock.sleep = async () => controller.abort();
    const stdin = new PassThrough();
    stdin.end(t.input.map((l) => `${l}\n`).join(""));
    const io = captureIo({
        env: { ...process.env, ...fake.env() },
        stdin,
        signal: controller.signal,
        pulumi: (a) =>
            a[0] === "config" ? JSON.stringify(STACK_CONFIG) : a[0] === "stack" && a[1] === "--show-name" ? "dev\n" : JSON.stringify(shown),
    });
    try {
        await main(args, io);
    } finally {
        clock.sleep = sleep;
        restore();
    }
    return io.screen.join("");
}

/**
 * doctor's connection line as a user sees it: the tests reach the local endpoint over plain HTTP,
 * a user reaches AWS's STS endpoint over TLS (its Amazon certificate cannot be had here; the
 * end-to-end suite checks the line's form through a proxy). Nothing else of the output is changed.
 */
function asOnAws(screen: string): string {
    return screen.replace(
        /^ok {4}connection {6}127\.0\.0\.1:\d+ reached directly \(an endpoint override over plain HTTP: no certificate to check\)$/m,
        "ok    connection      sts.us-east-1.amazonaws.com reached directly; certificate issued by Amazon RSA 2048 M02, Amazon",
    );
}

describe("docs/operations.md: the transcripts", () => {
    const list = transcripts();
    const results = new Map<string, string>();
    // The module object itself (an import would give a read-only namespace).
    const crypto = require("crypto") as { randomUUID: () => string };
    let randomUUID: () => string;

    before(async () => {
        // Session ids: the same in every run.
        randomUUID = crypto.randomUUID;
        let n = 0;
        crypto.randomUUID = () => `5f0c2b1e-8d4a-4c6e-9b7f-1a2b3c4d5e${String(++n).padStart(2, "0")}`;
        const clock = fakeClock(T0);
        installClock(clock);
        const before = new FakeAws({ clock, seed: 11 });
        const after = new FakeAws({ clock, seed: 7 });
        await before.start();
        await after.start();
        try {
            const restore = after.applyEnv();
            const outputs = await deploy(after, clock).finally(restore);
            for (const t of list) {
                results.set(t.command + t.input.join("|"), await run(t, outputs, before, after, clock));
            }
        } finally {
            installClock(undefined);
            await before.stop();
            await after.stop();
        }
    });

    after(() => {
        crypto.randomUUID = randomUUID;
    });

    it("shows a transcript of each command", () => {
        const commands = list.map((t) => argv(t.command)[0]);
        expect([...new Set(commands)].sort()).to.deep.equal(["chat", "doctor", "invoke", "logs", "status"]);
    });

    it("shows a failed doctor check exactly as doctor prints it", async () => {
        const clock = fakeClock(T0);
        const fake = new FakeAws({ clock, seed: 11 });
        await fake.start();
        fake.vpcs[0].isDefault = false;
        const restore = fake.applyEnv();
        try {
            const screen = await run({ command: "npm run doctor", input: [], output: "" }, {}, fake, fake, clock);
            const failed = screen.split("\n").find((l) => l.startsWith("FAIL"));
            expect(failed).to.match(/^FAIL {2}network {9}no default VPC/);
            expect(fs.readFileSync(path.join(ROOT, "docs", "operations.md"), "utf8")).to.contain(`\n${failed}\n`);
        } finally {
            restore();
            await fake.stop();
        }
    });

    for (const t of transcripts()) {
        it(`shows exactly what \`${t.command}\` prints`, () => {
            const actual = asOnAws(results.get(t.command + t.input.join("|")) ?? "");
            expect(actual, `docs/operations.md shows, for ${t.command}:\n${t.output}\nthe command prints:\n${actual}`).to.equal(t.output);
        });
    }
});
