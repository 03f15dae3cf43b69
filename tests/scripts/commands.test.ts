import { expect } from "chai";
import { main } from "../../scripts/cli";
import type { Deployment } from "../../scripts/deployment";
import { hintFor } from "../../scripts/invoke";
import { sanitize, TerminalSanitizer } from "../../scripts/io";
import { installClock } from "../../providers/lifecycle";
import { defaultConversation } from "../fakeaws/server";
import { useFakeAws } from "../support/fakeAwsHooks";
import { captureIo, createHarness, stackConfig } from "./support";

const ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:harness/h_x-0123456789";
const COMMANDS = ["invoke", "chat", "status", "logs", "doctor"];

describe("operator command lines", () => {
    const ctx = useFakeAws();

    describe("--help", () => {
        for (const command of COMMANDS) {
            for (const flag of ["--help", "-h"]) {
                it(`npm run ${command} -- ${flag} prints the usage with examples and exits 0`, async () => {
                    const io = captureIo();
                    expect(await main([command, flag], io)).to.equal(0);
                    const text = io.out.join("");
                    expect(text).to.match(new RegExp(`^usage: npm run ${command} `));
                    expect(text).to.contain("\noptions:\n");
                    expect(text).to.contain("  -h, --help");
                    expect(text).to.match(new RegExp(`\nexamples:\n  npm run ${command}`));
                    expect(io.err).to.deep.equal([]);
                    expect(ctx.fake.calls).to.deep.equal([]);
                });
            }
        }

        it("wins over other mistakes on the same line", async () => {
            const io = captureIo();
            expect(await main(["status", "--jsno", "--help"], io)).to.equal(0);
            expect(io.out.join("")).to.match(/^usage: npm run status/);
        });

        it("npm run without a known command lists the commands", async () => {
            const io = captureIo();
            expect(await main(["bogus"], io)).to.equal(2);
            expect(io.err.join("")).to.match(/^Unknown command "bogus"\.\n\nusage: npm run <command>/);
            const help = captureIo();
            expect(await main(["--help"], help)).to.equal(0);
            expect(help.out.join("")).to.contain("  doctor   check the prerequisites");
        });
    });

    describe("strict arguments: the mistake is named, the usage follows, exit 2", () => {
        const cases: [string, string[], string][] = [
            [
                "a misspelled flag, with a suggestion",
                ["status", "--jsno", "--harness-arn", ARN],
                "unknown option --jsno (did you mean --json?)",
            ],
            ["an unknown flag", ["logs", "--tail"], "unknown option --tail"],
            ["an unknown short flag", ["invoke", "hi", "-x"], "unknown option -x"],
            ["a flag without its value at the end", ["invoke", "hi", "--session"], "--session needs a value: --session <id>"],
            [
                "a flag followed by another flag instead of its value",
                ["logs", "--since", "--follow"],
                "--since needs a value, but --follow follows it (write --since=--follow if that is the value)",
            ],
            ["a value for a flag that takes none", ["status", "--json=yes"], '--json takes no value (got "yes")'],
            ["an argument a command does not take", ["status", "now"], 'unexpected argument "now" (npm run status takes options only)'],
            [
                "no message for invoke",
                ["invoke", "--harness-arn", ARN],
                'a message is needed: npm run invoke -- "your question", --prompt-file <path>, or the message on standard input',
            ],
        ];
        for (const [what, argv, problem] of cases) {
            it(what, async () => {
                const io = captureIo({ pulumi: () => JSON.stringify({ harnessArn: ARN }) });
                expect(await main(argv, io)).to.equal(2);
                const text = io.err.join("");
                expect(text.split("\n")[0]).to.equal(`npm run ${argv[0]}: ${problem}`);
                expect(text).to.contain(`\n\nusage: npm run ${argv[0]} `);
                expect(ctx.fake.calls).to.deep.equal([]);
            });
        }

        it("a malformed --session, for invoke and chat, before the stack is read", async () => {
            for (const argv of [
                ["invoke", "hi", "--session", "short"],
                ["chat", "--session", "no spaces allowed in a session id at all"],
            ]) {
                const pulumiCalls: string[][] = [];
                const io = captureIo({ pulumi: (args) => (pulumiCalls.push(args), JSON.stringify({ harnessArn: ARN })) });
                expect(await main(argv, io), argv[0]).to.equal(2);
                expect(io.err.join("")).to.equal(
                    "--session must be 33 to 100 letters, digits, - or _ (as printed by an earlier invoke or chat).\n",
                );
                expect(pulumiCalls).to.deep.equal([]);
            }
            expect(ctx.fake.calls).to.deep.equal([]);
        });

        it("keeps the usage line the end-to-end suite looks for", async () => {
            const io = captureIo();
            expect(await main(["invoke"], io)).to.equal(2);
            expect(io.err.join("")).to.contain('usage: npm run invoke -- "message"');
        });
    });

    describe("the first Ctrl-C stops each command cleanly", () => {
        it("status, while AWS has not answered", async () => {
            const { arn } = await createHarness();
            ctx.fake.hang("GetHarness", 1);
            const controller = new AbortController();
            void ctx.fake.nextCall("GetHarness").then(() => controller.abort());
            const io = captureIo({ signal: controller.signal, pulumi: () => JSON.stringify({ harnessArn: arn }) });
            expect(await main(["status"], io)).to.equal(130);
            expect(io.err.join("")).to.equal("Interrupted.\n");
        });

        it("logs --follow, in the middle of a wait between polls", async () => {
            const { arn } = await createHarness();
            const controller = new AbortController();
            // A wait that would never end on its own: only the interrupt can end it.
            ctx.clock.sleep = () => {
                controller.abort();
                return new Promise<void>(() => undefined);
            };
            const io = captureIo({ signal: controller.signal, pulumi: () => JSON.stringify({ harnessArn: arn, ecsLogGroup: "/ecs/x" }) });
            ctx.fake.putLogEvents("/ecs/x", [{ timestamp: ctx.clock.now() - 1000, message: "up" }]);
            expect(await main(["logs", "--server", "--follow"], io)).to.equal(0);
            expect(io.out.join("")).to.match(/ up\n$/);
        });

        it("doctor, while a check waits for AWS", async () => {
            ctx.fake.hang("GetCallerIdentity", 1);
            const controller = new AbortController();
            void ctx.fake.nextCall("GetCallerIdentity").then(() => controller.abort());
            const io = captureIo({
                signal: controller.signal,
                pulumi: (args) => (args[0] === "config" ? JSON.stringify(stackConfig()) : "dev"),
            });
            expect(await main(["doctor"], io)).to.equal(130);
            expect(io.err.join("")).to.equal("Interrupted.\n");
        });
    });

    describe("a request AWS never answers fails the command instead of hanging it", () => {
        const DOCTOR_CONFIG = JSON.stringify(stackConfig());
        const HINT =
            "Hint: AWS did not answer in time. Check the network (proxy, VPN) and any endpoint set in aws:endpoints or AWS_ENDPOINT_URL, then try again.\n";

        // A clock on which every timeout of the commands (30 s for a request, 15 min of silence in
        // an answer, ...) is 200 real milliseconds.
        beforeEach(() => installClock({ ...ctx.clock, realMs: () => 200 }));

        it("status: each attempt at GetHarness is abandoned after the request timeout, then the command fails with a hint", async () => {
            const { arn } = await createHarness();
            ctx.fake.hang("GetHarness", 3);
            const io = captureIo({ pulumi: () => JSON.stringify({ harnessArn: arn }) });
            expect(await main(["status"], io)).to.equal(1);
            expect(io.err.join("")).to.match(/^TimeoutError: .*200 ms requestTimeout/);
            expect(io.err.join("")).to.contain(HINT);
            expect(ctx.fake.callsTo("GetHarness").map((c) => c.error)).to.deep.equal(["hung", "hung", "hung"]);
        });

        it("status goes on when only one attempt hangs", async () => {
            const { arn } = await createHarness();
            ctx.fake.hang("GetHarness", 1);
            const io = captureIo({ pulumi: () => JSON.stringify({ harnessArn: arn }) });
            expect(await main(["status"], io)).to.equal(0);
            expect(ctx.fake.callsTo("GetHarness").map((c) => c.error ?? "ok")).to.deep.equal(["hung", "ok"]);
        });

        it("logs: FilterLogEvents abandoned on every attempt", async () => {
            const { arn } = await createHarness();
            ctx.fake.putLogEvents("/ecs/x", [{ timestamp: ctx.clock.now() - 1000, message: "up" }]);
            ctx.fake.hang("FilterLogEvents", 3);
            const io = captureIo({ pulumi: () => JSON.stringify({ harnessArn: arn, ecsLogGroup: "/ecs/x" }) });
            expect(await main(["logs", "--server"], io)).to.equal(1);
            expect(io.err.join("")).to.contain("TimeoutError: ");
        });

        it("doctor: the credentials check fails with what happened and the fix; the others are skipped", async () => {
            ctx.fake.hang("GetCallerIdentity", 2);
            const io = captureIo({ pulumi: (args) => (args[0] === "config" ? DOCTOR_CONFIG : "dev") });
            expect(await main(["doctor"], io)).to.equal(1);
            const lines = io.out.join("").split("\n");
            expect(lines.find((l) => l.includes("credentials"))).to.match(
                /^FAIL {2}credentials {5}AWS did not answer in time \(.*requestTimeout\.\)\. Fix: check the network \(proxy, VPN\) and any endpoint/,
            );
            expect(lines.filter((l) => l.startsWith("skip")).map((l) => l.split(/\s+/)[1])).to.deep.equal([
                "agentcore",
                "model",
                "network",
                "image",
                "iam",
                "names",
            ]);
        });

        it("invoke: an answer that stops streaming ends after the longest silence allowed between two events", async () => {
            const { arn } = await createHarness();
            ctx.fake.invokeQueue.push([
                { messageStart: { role: "assistant" } },
                { contentBlockDelta: { contentBlockIndex: 0, delta: { text: "Let me look" } } },
                { $hold: true },
                ...defaultConversation().slice(1),
            ]);
            const io = captureIo();
            expect(await main(["invoke", "hello", "--harness-arn", arn], io)).to.equal(1);
            expect(io.out.join("")).to.equal("Let me look");
            expect(io.err.join("")).to.match(/^\nTimeoutError: .*timed out after 200 ms of inactivity/);
        });

        it("invoke: an answer that never starts", async () => {
            const { arn } = await createHarness();
            ctx.fake.hang("InvokeHarness", 3);
            const io = captureIo();
            expect(await main(["invoke", "hello", "--harness-arn", arn], io)).to.equal(1);
            expect(io.err.join("")).to.match(/^TimeoutError: /);
        });

        it("a role to assume whose AssumeRole never answers, and an account check that never answers", async () => {
            const { arn } = await createHarness();
            const stack = (aws: Record<string, string>) =>
                captureIo({
                    pulumi: (args) =>
                        args[0] === "config"
                            ? JSON.stringify(Object.fromEntries(Object.entries(aws).map(([k, value]) => [k, { value, secret: false }])))
                            : JSON.stringify({ harnessArn: arn }),
                });
            ctx.fake.hang("AssumeRole", 1);
            let io = stack({ "aws:assumeRoles": JSON.stringify([{ roleArn: "arn:aws:iam::123456789012:role/operator" }]) });
            expect(await main(["status"], io)).to.equal(1);
            expect(io.err.join("")).to.match(/^TimeoutError: Resolving the AWS credentials took longer than 200 ms\.\n/);
            expect(ctx.fake.callsTo("GetHarness")).to.deep.equal([]);

            ctx.fake.hang("GetCallerIdentity", 3);
            io = stack({ "aws:allowedAccountIds": '["123456789012"]' });
            expect(await main(["status"], io)).to.equal(1);
            expect(io.err.join("")).to.match(/^TimeoutError: Checking the account with STS GetCallerIdentity took longer than 200 ms\.\n/);
            expect(ctx.fake.callsTo("GetHarness")).to.deep.equal([]);
        });
    });

    describe("terminal safety", () => {
        it("invoke strips control sequences from the model's and the tools' text, split or whole, and keeps its own colours", async () => {
            const { arn } = await createHarness();
            ctx.fake.invokeScript = [
                { contentBlockDelta: { contentBlockIndex: 0, delta: { text: "Hello \u001b[2J\u001b]0;owned\u0007wor" } } },
                { contentBlockDelta: { contentBlockIndex: 0, delta: { text: "ld \u001b[3" } } },
                { contentBlockDelta: { contentBlockIndex: 0, delta: { text: "1mred\u001b[0m\r\u0008!" } } },
                {
                    contentBlockStart: {
                        contentBlockIndex: 1,
                        start: { toolUse: { toolUseId: "t", name: "zpa_list\u001b[8m_x", type: "mcp_tool_use" } },
                    },
                },
                { messageStop: { stopReason: "end_turn" } },
                { metadata: { usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 }, metrics: { latencyMs: 5 } } },
            ];
            const io = captureIo({ isTTY: true });
            expect(await main(["invoke", "hi", "--harness-arn", arn, "--session", "s".repeat(40)], io)).to.equal(0);
            expect(io.out.join("")).to.equal(
                "Hello world red!\n\u001b[2m→ tool zpa_list_x\u001b[0m\n\u001b[2mtokens in 1, out 2, total 3 · model latency 5 ms · session " +
                    "s".repeat(40) +
                    "\u001b[0m\n",
            );
        });

        it("the sanitizer drops 7- and 8-bit sequences, strings and control characters, and keeps tabs, newlines and text", () => {
            expect(sanitize("a\tb\nc\u0007d\u009b31me\u009d0;t\u009cf\u001bPq\u001b\\g\u001b(Bh\u007fi")).to.equal("a\tb\ncdefghi");
            const s = new TerminalSanitizer();
            expect(["x\u001b", "]8;;http://e", "vil\u001b", "\\link"].map((p) => s.push(p)).join("")).to.equal("xlink");
            expect(sanitize("Grüße — ✓")).to.equal("Grüße — ✓");
        });

        it("logs strip control sequences from log lines", async () => {
            const { arn } = await createHarness();
            ctx.fake.putLogEvents("/ecs/x", [{ timestamp: ctx.clock.now() - 1000, message: "\u001b[32mINFO\u001b[0m ready" }]);
            const io = captureIo({ pulumi: () => JSON.stringify({ harnessArn: arn, ecsLogGroup: "/ecs/x" }) });
            expect(await main(["logs", "--server"], io)).to.equal(0);
            expect(io.out.join("")).to.match(/Z INFO ready\n$/);
        });
    });

    describe("status tells missing from access denied", () => {
        const denial = (action: string) =>
            `User: arn:aws:iam::123456789012:user/reader is not authorized to perform: ${action} on resource: x because no identity-based policy allows the ${action} action`;

        it("names the permission the caller lacks for the harness", async () => {
            const { arn } = await createHarness();
            ctx.fake.denyNext("GetHarness", denial("bedrock-agentcore:GetHarness"));
            const io = captureIo({ pulumi: () => JSON.stringify({ harnessArn: arn }) });
            expect(await main(["status"], io)).to.equal(1);
            const text = io.out.join("");
            expect(text).to.contain("Status   ACCESS DENIED\n");
            expect(text).to.contain(
                "Note     access denied, not missing: your AWS identity needs bedrock-agentcore:GetHarness to read the harness\n",
            );
            expect(text).to.not.contain("deleted outside");
            ctx.fake.denyNext("GetHarness", denial("bedrock-agentcore:GetHarness"));
            const json = captureIo({ pulumi: () => JSON.stringify({ harnessArn: arn }) });
            await main(["status", "--json"], json);
            expect(JSON.parse(json.out.join("")).harness).to.deep.include({
                status: "ACCESS_DENIED",
                permission: "bedrock-agentcore:GetHarness",
            });
        });

        it("names the permission for the ECS service", async () => {
            const { arn } = await createHarness();
            ctx.fake.denyNext("DescribeExpressGatewayService", denial("ecs:DescribeExpressGatewayService"));
            const io = captureIo({
                pulumi: () => JSON.stringify({ harnessArn: arn, ecsServiceArn: "arn:aws:ecs:us-east-1:123456789012:service/c/s" }),
            });
            expect(await main(["status"], io)).to.equal(1);
            expect(io.out.join("")).to.contain("ECS service  ACCESS DENIED\n");
            expect(io.out.join("")).to.contain("needs ecs:DescribeExpressGatewayService to read the ECS service");
        });

        it("asks the runtime list when AgentCore answers access denied for a runtime id", async () => {
            const { arn } = await createHarness();
            const sdk = await import("@aws-sdk/client-bedrock-agentcore-control");
            const c = new sdk.BedrockAgentCoreControlClient({ maxAttempts: 1 });
            // Two runtimes before it: the stack's runtime is on the list's second page.
            for (const name of ["other_a", "other_b"]) {
                await c.send(
                    new sdk.CreateAgentRuntimeCommand({
                        agentRuntimeName: name,
                        agentRuntimeArtifact: {
                            containerConfiguration: { containerUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1" },
                        },
                        roleArn: "arn:aws:iam::123456789012:role/r",
                        networkConfiguration: { networkMode: "PUBLIC" },
                    }),
                );
            }
            const rt = await c.send(
                new sdk.CreateAgentRuntimeCommand({
                    agentRuntimeName: "rt",
                    agentRuntimeArtifact: { containerConfiguration: { containerUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1" } },
                    roleArn: "arn:aws:iam::123456789012:role/r",
                    networkConfiguration: { networkMode: "PUBLIC" },
                }),
            );
            const outputs = (runtimeId: string) => JSON.stringify({ harnessArn: arn, topology: "gateway", runtimeId });
            ctx.fake.denyNext("GetAgentRuntime", denial("bedrock-agentcore:GetAgentRuntime"));
            let io = captureIo({ pulumi: () => outputs(rt.agentRuntimeId!) });
            await main(["status", "--json"], io);
            expect(JSON.parse(io.out.join("")).gateway).to.deep.include({
                runtimeStatus: "ACCESS_DENIED",
                runtimeStatusPermission: "bedrock-agentcore:GetAgentRuntime",
            });
            ctx.fake.denyNext("GetAgentRuntime", denial("bedrock-agentcore:GetAgentRuntime"));
            io = captureIo({ pulumi: () => outputs("gone_runtime-0123456789") });
            await main(["status", "--json"], io);
            expect(JSON.parse(io.out.join("")).gateway).to.deep.include({ runtimeStatus: "MISSING" });
        });
    });

    describe("logs --server: the MCP server's own logs in both topologies", () => {
        it("reads the ECS container's log group (--container is the same)", async () => {
            const { arn } = await createHarness();
            ctx.fake.putLogEvents("/ecs/zscaler-mcp-dev", [{ timestamp: ctx.clock.now() - 1000, message: "Uvicorn running" }]);
            for (const flag of ["--server", "--container"]) {
                const io = captureIo({
                    pulumi: () => JSON.stringify({ harnessArn: arn, topology: "ecs", ecsLogGroup: "/ecs/zscaler-mcp-dev" }),
                });
                expect(await main(["logs", flag], io)).to.equal(0);
                expect(io.err.join("")).to.equal("/ecs/zscaler-mcp-dev\n");
                expect(io.out.join("")).to.contain("Uvicorn running");
            }
        });

        it("reads the AgentCore Runtime's log group for the gateway topology, and says when it has none yet", async () => {
            const { arn } = await createHarness();
            const outputs = JSON.stringify({ harnessArn: arn, topology: "gateway", runtimeId: "zscaler_mcp_runtime_dev-AbCdEf1234" });
            let io = captureIo({ pulumi: () => outputs });
            expect(await main(["logs", "--server"], io)).to.equal(0);
            expect(io.out.join("")).to.contain("No log group for the MCP server's runtime zscaler_mcp_runtime_dev-AbCdEf1234 yet");
            ctx.fake.putLogEvents("/aws/bedrock-agentcore/runtimes/zscaler_mcp_runtime_dev-AbCdEf1234-DEFAULT", [
                { timestamp: ctx.clock.now() - 1000, message: "MCP server listening" },
            ]);
            io = captureIo({ pulumi: () => outputs });
            expect(await main(["logs", "--server"], io)).to.equal(0);
            expect(io.err.join("")).to.equal("/aws/bedrock-agentcore/runtimes/zscaler_mcp_runtime_dev-AbCdEf1234-DEFAULT\n");
            expect(io.out.join("")).to.contain("MCP server listening");
        });

        it("says where the logs are for your own MCP server, and without the stack's outputs", async () => {
            const { arn } = await createHarness();
            let io = captureIo({
                pulumi: () => JSON.stringify({ harnessArn: arn, topology: "ecs", mcpUrl: "https://mcp.example.com/mcp" }),
            });
            expect(await main(["logs", "--server"], io)).to.equal(2);
            expect(io.err.join("")).to.contain(
                "This stack calls your own MCP server (https://mcp.example.com/mcp): its logs are wherever it runs.",
            );
            io = captureIo();
            expect(await main(["logs", "--server", "--harness-arn", arn], io)).to.equal(2);
            expect(io.err.join("")).to.contain("use --stack <name>, or pass --log-group <name>");
        });

        it("names the permission when AWS refuses to read the logs", async () => {
            const { arn } = await createHarness();
            ctx.fake.putLogEvents("/ecs/x", [{ timestamp: ctx.clock.now(), message: "m" }]);
            ctx.fake.denyNext(
                "FilterLogEvents",
                "User: u is not authorized to perform: logs:FilterLogEvents on resource: arn:aws:logs:us-east-1:123456789012:log-group:/ecs/x",
            );
            const io = captureIo({ pulumi: () => JSON.stringify({ harnessArn: arn, ecsLogGroup: "/ecs/x" }) });
            expect(await main(["logs", "--server"], io)).to.equal(1);
            expect(io.err.join("")).to.match(
                /^\/ecs\/x\nAWS refused to read the log group \/ecs\/x: your AWS identity needs logs:FilterLogEvents/,
            );
        });
    });

    describe("hints name commands that exist for the stack's topology", () => {
        const base = { region: "us-east-1", harnessArn: ARN, harnessId: "h_x-0123456789" };
        const taskGroup = "Failed to start MCP client: unhandled errors in a TaskGroup";
        it("ECS: the server's logs with --server", () => {
            expect(hintFor("RuntimeClientError", taskGroup, { ...base, topology: "ecs", ecsLogGroup: "/ecs/x" } as Deployment)).to.contain(
                "npm run logs -- --server",
            );
        });
        it("gateway: the target's status and the runtime's logs", () => {
            const hint = hintFor("RuntimeClientError", taskGroup, {
                ...base,
                topology: "gateway",
                runtimeId: "r-0123456789",
            } as Deployment)!;
            expect(hint).to.contain("npm run status");
            expect(hint).to.contain("npm run logs -- --server");
        });
        it("your own server: no command of this project, its own logs", () => {
            const hint = hintFor("RuntimeClientError", taskGroup, {
                ...base,
                topology: "ecs",
                mcpUrl: "https://mcp.example.com/mcp",
            } as Deployment)!;
            expect(hint).to.contain("your own MCP server at https://mcp.example.com/mcp");
            expect(hint).to.not.contain("npm run logs");
        });
        it("never the old --container flag", () => {
            for (const d of [
                undefined,
                { ...base, topology: "gateway", runtimeId: "r" },
                { ...base, topology: "ecs", ecsLogGroup: "/x" },
            ]) {
                expect(hintFor("RuntimeClientError", taskGroup, d as Deployment)).to.not.contain("--container");
            }
        });
        it("a caller who may not invoke the harness is told so, not about the harness role", () => {
            expect(
                hintFor("AccessDeniedException", "User: u is not authorized to perform: bedrock-agentcore:InvokeHarness on resource: h"),
            ).to.contain("Your AWS identity may not invoke this harness");
        });
    });
});
