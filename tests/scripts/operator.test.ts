import { expect } from "chai";
import { main } from "../../scripts/cli";
import { hintFor } from "../../scripts/invoke";
import type { Io } from "../../scripts/io";
import { useFakeAws } from "../support/fakeAwsHooks";
import { captureIo, createHarness, MODEL } from "./support";

/** An Io with an empty environment: the deployment comes only from what each test passes. */
const io = (over: Partial<Io> = {}) => captureIo({ env: {}, ...over });

describe("operator commands", () => {
    const ctx = useFakeAws();

    describe("finding the deployment", () => {
        it("says to run pulumi up when the stack has no harness", async () => {
            const c = io({ pulumi: () => "{}" });
            expect(await main(["status"], c)).to.equal(2);
            expect(c.err.join("")).to.equal(
                "The stack has no harness yet: run pulumi up first (or choose the stack with --stack <name>).\n",
            );
        });

        it("asks for --harness-arn when the Pulumi CLI is missing", async () => {
            const c = io();
            expect(await main(["invoke", "hi"], c)).to.equal(2);
            expect(c.err.join("")).to.contain("the Pulumi CLI was not found. Pass --harness-arn <arn>");
        });

        it("reads the chosen stack's outputs, and its configuration for the AWS identity to act as", async () => {
            const { arn } = await createHarness();
            const calls: string[][] = [];
            const c = io({
                pulumi: (args) => {
                    calls.push(args);
                    return JSON.stringify({ harnessArn: arn, region: "us-east-1", topology: "ecs" });
                },
            });
            expect(await main(["status", "--stack", "prod"], c)).to.equal(0);
            expect(calls).to.deep.equal([
                ["stack", "output", "--json", "--stack", "prod"],
                ["config", "--json", "--stack", "prod"],
            ]);
        });
        it("acts on ZSCALER_MCP_HARNESS_ARN without asking Pulumi, unless --stack names a stack", async () => {
            const { arn } = await createHarness();
            const other = await createHarness("prod_harness");
            const calls: string[][] = [];
            const pulumi = (args: string[]) => {
                calls.push(args);
                return args[0] === "stack" ? JSON.stringify({ harnessArn: other.arn, topology: "ecs" }) : "{}";
            };
            const fromEnv = io({ env: { ZSCALER_MCP_HARNESS_ARN: arn }, pulumi });
            expect(await main(["status", "--json"], fromEnv)).to.equal(0);
            expect(JSON.parse(fromEnv.out.join("")).harness.name).to.equal("ops_harness");
            expect(calls).to.deep.equal([]);
            const byStack = io({ env: { ZSCALER_MCP_HARNESS_ARN: arn }, pulumi });
            expect(await main(["status", "--json", "--stack", "prod"], byStack)).to.equal(0);
            expect(JSON.parse(byStack.out.join("")).harness.name).to.equal("prod_harness");
            expect(calls[0]).to.deep.equal(["stack", "output", "--json", "--stack", "prod"]);
        });
    });

    describe("invoke", () => {
        it("streams text, shows tool calls, then the stop reason, usage and latency", async () => {
            const { arn } = await createHarness();
            ctx.fake.invokeScript = [
                { messageStart: { role: "assistant" } },
                { contentBlockDelta: { contentBlockIndex: 0, delta: { text: "Checking" } } },
                {
                    contentBlockStart: {
                        contentBlockIndex: 1,
                        start: { toolUse: { toolUseId: "t1", name: "zpa_list_segment_groups", type: "mcp_tool_use" } },
                    },
                },
                { contentBlockStop: { contentBlockIndex: 1 } },
                { contentBlockDelta: { contentBlockIndex: 2, delta: { text: "Two groups: " } } },
                { contentBlockDelta: { contentBlockIndex: 2, delta: { text: "Finance, Engineering." } } },
                { messageStop: { stopReason: "max_iterations_exceeded" } },
                { metadata: { usage: { inputTokens: 1200, outputTokens: 34, totalTokens: 1234 }, metrics: { latencyMs: 2150 } } },
            ];
            const c = io();
            expect(
                await main(["invoke", "list", "my", "segment", "groups", "--harness-arn", arn, "--session", "s".repeat(40)], c),
            ).to.equal(0);
            expect(c.out.join("")).to.equal(
                [
                    "Checking",
                    "→ tool zpa_list_segment_groups",
                    "Two groups: Finance, Engineering.",
                    "Stopped: max_iterations_exceeded",
                    "Hint: raise the limit with pulumi config set maxIterations 50, then pulumi up.",
                    `tokens in 1200, out 34, total 1234 · model latency 2150 ms · session ${"s".repeat(40)}`,
                    "",
                ].join("\n"),
            );
            const [call] = ctx.fake.callsTo("InvokeHarness");
            expect(call.input).to.deep.include({ harnessArn: arn, runtimeSessionId: "s".repeat(40) });
            expect(call.input.messages).to.deep.equal([{ role: "user", content: [{ text: "list my segment groups" }] }]);
        });

        it("generates a session id AWS accepts and prints it for the next turn", async () => {
            const { arn } = await createHarness();
            const c = io();
            expect(await main(["invoke", "hello", "--harness-arn", arn], c)).to.equal(0);
            const session = ctx.fake.callsTo("InvokeHarness")[0].input.runtimeSessionId as string;
            expect(session.length).to.be.at.least(33);
            expect(c.out.join("")).to.contain(`session ${session}`);
            // end_turn is not worth a line.
            expect(c.out.join("")).to.not.contain("Stopped");
        });

        it("prints one JSON object per event with --json", async () => {
            const { arn } = await createHarness();
            const c = io();
            expect(await main(["invoke", "hello", "--json", "--harness-arn", arn], c)).to.equal(0);
            const lines = c.out
                .join("")
                .trim()
                .split("\n")
                .map((l) => JSON.parse(l));
            expect(lines[0]).to.deep.equal({ messageStart: { role: "assistant" } });
            expect(lines.some((l) => l.contentBlockStart?.start?.toolUse?.name === "zpa_list_segment_groups")).to.equal(true);
            expect(lines[lines.length - 1]).to.deep.include({ stopReason: "end_turn", latencyMs: 2150 });
        });

        for (const [event, name] of [
            ["runtimeClientError", "RuntimeClientError"],
            ["internalServerException", "InternalServerException"],
            ["validationException", "ValidationException"],
        ] as const) {
            it(`reports a ${event} event with a hint and exit code 1`, async () => {
                const { arn } = await createHarness();
                ctx.fake.invokeScript = [
                    { messageStart: { role: "assistant" } },
                    { contentBlockDelta: { contentBlockIndex: 0, delta: { text: "Let me check" } } },
                    { [event]: { message: "Failed to start MCP client: unhandled errors in a TaskGroup (1 sub-exception)" } },
                ];
                const c = io();
                expect(await main(["invoke", "hello", "--harness-arn", arn], c)).to.equal(1);
                expect(c.out.join("")).to.equal("Let me check");
                expect(c.err.join("")).to.equal(
                    `\n${name}: Failed to start MCP client: unhandled errors in a TaskGroup (1 sub-exception)\n` +
                        `Hint: ${hintFor(name, "TaskGroup")}\n`,
                );
            });
        }

        it("maps the known causes to their hints", () => {
            expect(hintFor("RuntimeClientError", "MCP server answered 421 Misdirected Request")).to.contain("allowedHosts");
            expect(hintFor("RuntimeClientError", "HTTP 403 from https://bedrock-agentcore.us-east-1.amazonaws.com/runtimes/x")).to.contain(
                "SigV4",
            );
            expect(
                hintFor("AccessDeniedException", "not authorized to perform: bedrock-agentcore:GetResourceApiKey on resource"),
            ).to.contain("Token Vault permission");
            expect(hintFor("ValidationException", "something new")).to.equal(undefined);
        });

        it("says plainly when the harness was deleted outside the stack", async () => {
            const { arn, id } = await createHarness();
            ctx.fake.deleteBehindBack("harness", id);
            const c = io();
            expect(await main(["invoke", "hello", "--harness-arn", arn], c)).to.equal(1);
            expect(c.err.join("")).to.contain("deleted outside this stack");
        });

        it("stops cleanly when interrupted", async () => {
            const { arn } = await createHarness();
            const controller = new AbortController();
            controller.abort();
            const c = io({ signal: controller.signal });
            expect(await main(["invoke", "hello", "--harness-arn", arn], c)).to.equal(130);
            expect(c.err.join("")).to.equal("Interrupted.\n");
        });
    });

    describe("status", () => {
        it("shows the harness and the ECS service", async () => {
            const { arn, id } = await createHarness();
            ctx.clock.advance(10_000);
            const ecs = await import("@aws-sdk/client-ecs");
            const svc = await new ecs.ECSClient({ maxAttempts: 1 }).send(
                new ecs.CreateExpressGatewayServiceCommand({
                    serviceName: "svc",
                    cluster: "c",
                    executionRoleArn: "e",
                    infrastructureRoleArn: "i",
                    primaryContainer: { image: "public.ecr.aws/zscaler/mcp:1", containerPort: 8000 },
                }),
            );
            ctx.clock.advance(10_000);
            const c = io({ pulumi: () => JSON.stringify({ harnessArn: arn, topology: "ecs", ecsServiceArn: svc.service!.serviceArn }) });
            expect(await main(["status", "--json"], c)).to.equal(0);
            const report = JSON.parse(c.out.join(""));
            expect(report.healthy).to.equal(true);
            expect(report.harness).to.deep.include({
                harnessId: id,
                status: "READY",
                model: MODEL,
                tools: [{ type: "remote_mcp", name: "zscaler" }],
            });
            expect(report.ecs).to.deep.include({ status: "ACTIVE", image: "public.ecr.aws/zscaler/mcp:1" });
            expect(report.ecs.endpoint).to.match(/\.ecs\.us-east-1\.on\.aws$/);
            const plain = io({ pulumi: () => JSON.stringify({ harnessArn: arn, topology: "ecs" }) });
            await main(["status"], plain);
            const text = plain.out.join("");
            expect(text).to.match(/^Harness {2}ops_harness\n/);
            expect(text).to.contain("Status   READY\n");
            expect(text).to.contain("Tools    zscaler (remote_mcp)\n");
            expect(text).to.not.contain("\u001b[");
        });

        it("colours statuses on a terminal", async () => {
            const { arn } = await createHarness();
            const c = io({ isTTY: true, pulumi: () => JSON.stringify({ harnessArn: arn }) });
            await main(["status"], c);
            expect(c.out.join("")).to.contain("Status   \u001b[36mCREATING\u001b[0m");
        });

        it("shows the gateway topology's runtime, gateway, target and token URL", async () => {
            const { arn } = await createHarness();
            const sdk = await import("@aws-sdk/client-bedrock-agentcore-control");
            const c0 = new sdk.BedrockAgentCoreControlClient({ maxAttempts: 1 });
            const rt = await c0.send(
                new sdk.CreateAgentRuntimeCommand({
                    agentRuntimeName: "rt",
                    agentRuntimeArtifact: {
                        containerConfiguration: {
                            containerUri: "709825985650.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server:1",
                        },
                    },
                    roleArn: "arn:aws:iam::123456789012:role/r",
                    networkConfiguration: { networkMode: "PUBLIC" },
                }),
            );
            const gw = await c0.send(
                new sdk.CreateGatewayCommand({
                    name: "gw",
                    roleArn: "arn:aws:iam::123456789012:role/g",
                    authorizerType: "NONE",
                    protocolType: "MCP",
                }),
            );
            ctx.fake.failNext("target", ["Endpoint returned 401"]);
            const t = await c0.send(
                new sdk.CreateGatewayTargetCommand({
                    gatewayIdentifier: gw.gatewayId!,
                    name: "t",
                    targetConfiguration: { mcp: { mcpServer: { endpoint: "https://x" } } } as any,
                }),
            );
            ctx.clock.advance(10_000);
            const c = io({
                pulumi: () =>
                    JSON.stringify({
                        harnessArn: arn,
                        topology: "gateway",
                        runtimeId: rt.agentRuntimeId,
                        gatewayId: gw.gatewayId,
                        targetId: t.targetId,
                        cognitoTokenEndpoint: "https://zscaler-mcp-dev-123456789012.auth.us-east-1.amazoncognito.com/oauth2/token",
                    }),
            });
            expect(await main(["status", "--json"], c)).to.equal(1);
            const report = JSON.parse(c.out.join(""));
            expect(report.gateway).to.deep.equal({
                runtimeStatus: "READY",
                image: "709825985650.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server:1",
                gatewayStatus: "READY",
                gatewayUrl: gw.gatewayUrl,
                targetStatus: "FAILED",
                cognitoTokenEndpoint: "https://zscaler-mcp-dev-123456789012.auth.us-east-1.amazoncognito.com/oauth2/token",
            });
            expect(report.healthy).to.equal(false);
        });

        it("reports a harness deleted outside the stack and exits non-zero", async () => {
            const { arn, id } = await createHarness();
            ctx.fake.deleteBehindBack("harness", id);
            const c = io({ pulumi: () => JSON.stringify({ harnessArn: arn }) });
            expect(await main(["status"], c)).to.equal(1);
            expect(c.out.join("")).to.contain("Status   MISSING\n");
            expect(c.out.join("")).to.contain("the harness was deleted outside this stack: run pulumi refresh, then pulumi up");
        });
    });

    describe("logs", () => {
        it("finds the runtime's log group by the runtime id and prints recent lines in UTC", async () => {
            const { arn, id } = await createHarness();
            const runtimeId = ctx.fake.find("harness", id)!.data.runtimeId as string;
            const now = ctx.clock.now();
            ctx.fake.putLogEvents(`/aws/bedrock-agentcore/runtimes/${runtimeId}-DEFAULT`, [
                { timestamp: now - 20 * 60_000, message: "too old" },
                { timestamp: now - 60_000, message: "tool zpa_list_segment_groups ok\n" },
            ]);
            ctx.fake.putLogEvents("/aws/bedrock-agentcore/runtimes/other-DEFAULT", [{ timestamp: now, message: "not ours" }]);
            const c = io({ pulumi: () => JSON.stringify({ harnessArn: arn }) });
            expect(await main(["logs"], c)).to.equal(0);
            expect(c.out.join("")).to.equal(
                `${new Date(now - 60_000).toISOString().replace(/\.\d{3}Z$/, "Z")} tool zpa_list_segment_groups ok\n`,
            );
            expect(c.err.join("")).to.equal(`/aws/bedrock-agentcore/runtimes/${runtimeId}-DEFAULT\n`);
        });

        it("finds the harness's runtime log group by the harness's name on a later page of DescribeLogGroups", async () => {
            const { arn } = await createHarness();
            const now = ctx.clock.now();
            for (const other of ["aaa-DEFAULT", "bbb-DEFAULT", "ccc-DEFAULT"]) {
                ctx.fake.putLogEvents(`/aws/bedrock-agentcore/runtimes/${other}`, [{ timestamp: now, message: "not ours" }]);
            }
            const group = "/aws/bedrock-agentcore/runtimes/harness_ops_harness-Zz9Yy8Xx7W-DEFAULT";
            ctx.fake.putLogEvents(group, [{ timestamp: now - 60_000, message: "ours" }]);
            const c = io({ pulumi: () => JSON.stringify({ harnessArn: arn }) });
            expect(await main(["logs"], c)).to.equal(0);
            expect(c.err.join("")).to.equal(`${group}\n`);
            expect(c.out.join("")).to.contain("ours");
            expect(ctx.fake.callsTo("DescribeLogGroups").filter((x) => x.input.nextToken !== undefined)).to.have.length.greaterThan(0);
        });

        it("says the group appears on the first invocation when there is none", async () => {
            const { arn } = await createHarness();
            const c = io({ pulumi: () => JSON.stringify({ harnessArn: arn }) });
            expect(await main(["logs"], c)).to.equal(0);
            expect(c.out.join("")).to.contain("AgentCore creates it on the first invocation");
        });

        it("follows new events until interrupted", async () => {
            const { arn, id } = await createHarness();
            const runtimeId = ctx.fake.find("harness", id)!.data.runtimeId as string;
            const group = `/aws/bedrock-agentcore/runtimes/${runtimeId}-DEFAULT`;
            ctx.fake.putLogEvents(group, [{ timestamp: ctx.clock.now() - 1000, message: "first" }]);
            const controller = new AbortController();
            let polls = 0;
            const originalSleep = ctx.clock.sleep;
            ctx.clock.sleep = async (ms: number) => {
                polls++;
                if (polls === 1) {
                    ctx.fake.putLogEvents(group, [{ timestamp: ctx.clock.now() + 500, message: "second" }]);
                } else if (polls === 2) {
                    controller.abort();
                }
                await originalSleep(ms);
            };
            const c = io({ pulumi: () => JSON.stringify({ harnessArn: arn }), signal: controller.signal });
            expect(await main(["logs", "--follow"], c)).to.equal(0);
            expect(
                c.out
                    .join("")
                    .split("\n")
                    .filter(Boolean)
                    .map((l) => l.split(" ")[1]),
            ).to.deep.equal(["first", "second"]);
            expect(ctx.clock.slept).to.deep.equal([2000, 2000]);
        });

        it("tails the ECS container's group with --container", async () => {
            const { arn } = await createHarness();
            ctx.fake.putLogEvents("/ecs/zscaler-mcp-dev", [
                { timestamp: ctx.clock.now() - 1000, message: "Uvicorn running on http://0.0.0.0:8000" },
            ]);
            const c = io({ pulumi: () => JSON.stringify({ harnessArn: arn, ecsLogGroup: "/ecs/zscaler-mcp-dev" }) });
            expect(await main(["logs", "--container", "--since", "5m"], c)).to.equal(0);
            expect(c.out.join("")).to.contain("Uvicorn running on http://0.0.0.0:8000");
            const none = io({ pulumi: () => JSON.stringify({ harnessArn: arn }) });
            expect(await main(["logs", "--container"], none)).to.equal(2);
        });
    });
});

describe("operator commands without AWS credentials", () => {
    it("every command names the missing credentials and how to provide them, in the same words, exit 1", async () => {
        const saved = { ...process.env };
        for (const k of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_SESSION_TOKEN"]) {
            delete process.env[k];
        }
        process.env.AWS_SHARED_CREDENTIALS_FILE = "/nonexistent/credentials";
        process.env.AWS_CONFIG_FILE = "/nonexistent/config";
        process.env.AWS_EC2_METADATA_DISABLED = "true";
        process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
        const arn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:harness/h-0123456789";
        try {
            const seen: string[] = [];
            for (const argv of [["status"], ["logs"], ["invoke", "hi"], ["chat"]]) {
                const { PassThrough } = await import("stream");
                const stdin = new PassThrough();
                stdin.end("hello\n");
                const c = io({ stdin });
                expect(await main([...argv, "--harness-arn", arn], c), argv[0]).to.equal(1);
                // chat checks the credentials before its banner: nothing on stdout.
                expect(c.out.join(""), argv[0]).to.equal("");
                seen.push(c.err.join("").replace(/^CredentialsProviderError: [^\n]*\n/, "CredentialsProviderError: <message>\n"));
            }
            expect(seen[0]).to.equal(
                "CredentialsProviderError: <message>\n" +
                    "Hint: these commands use the same AWS credentials as pulumi up (the stack's aws:profile or aws:assumeRoles; " +
                    "otherwise AWS_PROFILE, aws sso login, environment variables).\n",
            );
            expect(new Set(seen).size).to.equal(1);
        } finally {
            process.env = saved;
        }
    });
});

describe("chat checks before it starts, and reports a failed answer in its exit code", () => {
    const ctx = useFakeAws();

    it("a harness deleted outside the stack: no banner, the cause and the fix, exit 1", async () => {
        const { arn, id } = await createHarness();
        ctx.fake.resources.delete([...ctx.fake.resources.entries()].find(([, r]) => r.id === id)![0]);
        const { PassThrough } = await import("stream");
        const stdin = new PassThrough();
        const c = io({ stdin });
        const done = main(["chat", "--harness-arn", arn], c);
        stdin.end("hello\n");
        expect(await done).to.equal(1);
        expect(c.out).to.deep.equal([]);
        expect(c.err.join("")).to.equal(
            `The harness ${id} does not exist: it was deleted outside this stack. Run pulumi refresh, then pulumi up.\n`,
        );
        expect(ctx.fake.callsTo("InvokeHarness")).to.deep.equal([]);
    });

    it("an answer that failed: the conversation goes on, and the end of input exits 1", async () => {
        const { arn } = await createHarness();
        ctx.fake.invokeQueue.push([{ validationException: { message: "model refused" } }]);
        const { PassThrough } = await import("stream");
        const stdin = new PassThrough();
        const c = io({ stdin });
        const done = main(["chat", "--harness-arn", arn], c);
        stdin.end("first\nsecond\n");
        expect(await done).to.equal(1);
        expect(c.err.join("")).to.equal("ValidationException: model refused\n");
        expect(c.out.join("")).to.contain("You have 2 segment groups: Finance and Engineering.\n");
        expect(ctx.fake.callsTo("InvokeHarness")).to.have.length(2);
    });
});

describe("the deployment's own mistakes come first", () => {
    it("a malformed --harness-arn is named, not the region it does not tell", async () => {
        const c = io();
        expect(await main(["invoke", "hi", "--harness-arn", "foo"], c)).to.equal(2);
        expect(c.err.join("")).to.equal(
            '"foo" is not a harness ARN: it looks like arn:aws:bedrock-agentcore:<region>:<account>:harness/<name>-<10 characters> ' +
                "(npm run status prints the stack's, and pulumi stack output harnessArn too).\n",
        );
    });

    it("after pulumi destroy the stack is empty, which is not the same as never deployed", async () => {
        const calls: string[][] = [];
        const history = (kind: string) => (args: string[]) => {
            calls.push(args);
            return args[1] === "history" ? JSON.stringify([{ kind, result: "succeeded", version: 3 }]) : "{}";
        };
        const destroyed = io({ pulumi: history("destroy") });
        expect(await main(["status", "--stack", "dev"], destroyed)).to.equal(2);
        expect(destroyed.err.join("")).to.equal(
            'The stack "dev" is empty: it has no deployed harness since pulumi destroy. ' +
                "Run pulumi up to deploy it again (or choose another stack with --stack <name>).\n",
        );
        expect(calls[1]).to.deep.equal(["stack", "history", "--json", "--page-size", "1", "--stack", "dev"]);
        const failedUp = io({ pulumi: history("update") });
        expect(await main(["status"], failedUp)).to.equal(2);
        expect(failedUp.err.join("")).to.equal(
            "The stack has no harness yet: run pulumi up first (or choose the stack with --stack <name>).\n",
        );
    });
});
