import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PassThrough } from "stream";
import { main } from "../../scripts/cli";
import { jsonText, sanitize, TerminalSanitizer } from "../../scripts/io";
import { useFakeAws } from "../support/fakeAwsHooks";
import { captureIo, createHarness } from "./support";

const SESSION = "s".repeat(40);

describe("invoke and chat: the message, the per-call overrides and the output", () => {
    const ctx = useFakeAws();
    let dir: string;
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "zscaler-mcp-prompt-"))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const ALL_OVERRIDES = [
        ["--model", "us.anthropic.claude-haiku-4-5-20251001-v1:0", "--temperature", "0.5", "--top-p", ".9"],
        ["--max-tokens", "2048", "--system-prompt", "Answer in one line.", "--max-iterations", "5", "--timeout", "600"],
        ["--actor-id", "alice", "--allowed-tool", "zscaler", "--allowed-tool", "zscaler/zpa_list_segment_groups", "--skill", "skills/zpa"],
    ].flat();
    const EXPECTED_OVERRIDES = {
        model: { bedrockModelConfig: { modelId: "us.anthropic.claude-haiku-4-5-20251001-v1:0", temperature: 0.5, topP: 0.9 } },
        maxTokens: 2048,
        systemPrompt: [{ text: "Answer in one line." }],
        maxIterations: 5,
        timeoutSeconds: 600,
        actorId: "alice",
        allowedTools: ["zscaler", "zscaler/zpa_list_segment_groups"],
        skills: [{ path: "skills/zpa" }],
    };
    const overridesOf = (input: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(input).filter(([k]) => !["harnessArn", "runtimeSessionId", "messages"].includes(k)));

    it("invoke sends every override InvokeHarness takes, and none without flags", async () => {
        const { arn } = await createHarness();
        const io = captureIo();
        expect(await main(["invoke", "hi", "--harness-arn", arn, ...ALL_OVERRIDES], io)).to.equal(0);
        expect(await main(["invoke", "hi", "--harness-arn", arn], captureIo())).to.equal(0);
        const [withFlags, without] = ctx.fake.callsTo("InvokeHarness").map((c) => overridesOf(c.input));
        expect(withFlags).to.deep.equal(EXPECTED_OVERRIDES);
        expect(without).to.deep.equal({});
    });

    it("chat sends them with every message, and --prompt-file is its first message", async () => {
        const { arn } = await createHarness();
        const file = path.join(dir, "first.txt");
        fs.writeFileSync(file, "  a long first question\nover two lines\n\n");
        const stdin = new PassThrough();
        const io = captureIo({ stdin });
        const done = main(["chat", "--harness-arn", arn, "--prompt-file", file, ...ALL_OVERRIDES], io);
        stdin.end("and then?\n");
        expect(await done).to.equal(0);
        const calls = ctx.fake.callsTo("InvokeHarness");
        expect(calls.map((c) => c.input.messages[0].content[0].text)).to.deep.equal(["a long first question\nover two lines", "and then?"]);
        expect(calls.map((c) => overridesOf(c.input))).to.deep.equal([EXPECTED_OVERRIDES, EXPECTED_OVERRIDES]);
    });

    it("invoke takes the message from --prompt-file or standard input, exactly one source", async () => {
        const { arn } = await createHarness();
        const file = path.join(dir, "q.txt");
        fs.writeFileSync(file, "from the file\n");
        expect(await main(["invoke", "--prompt-file", file, "--harness-arn", arn], captureIo())).to.equal(0);
        const stdin = new PassThrough();
        stdin.end("from stdin\n");
        expect(await main(["invoke", "--harness-arn", arn], captureIo({ stdin }))).to.equal(0);
        expect(ctx.fake.callsTo("InvokeHarness").map((c) => c.input.messages[0].content[0].text)).to.deep.equal([
            "from the file",
            "from stdin",
        ]);

        const cases: [string[], string][] = [
            [["both", "--prompt-file", file], "the message comes either as an argument or from --prompt-file, not both"],
            [["--prompt-file", path.join(dir, "none.txt")], `--prompt-file ${path.join(dir, "none.txt")} cannot be read (ENOENT)`],
            [["--json", "--raw", "hi"], "--json and --raw are two different outputs: choose one"],
        ];
        for (const [argv, problem] of cases) {
            const io = captureIo();
            expect(await main(["invoke", "--harness-arn", arn, ...argv], io), problem).to.equal(2);
            expect(io.err.join("").split("\n")[0]).to.equal(`npm run invoke: ${problem}`);
        }
        const empty = new PassThrough();
        empty.end("\n  \n");
        const io = captureIo({ stdin: empty });
        expect(await main(["invoke", "--harness-arn", arn], io)).to.equal(2);
        expect(io.err.join("").split("\n")[0]).to.equal(
            'npm run invoke: a message is needed: npm run invoke -- "your question", --prompt-file <path>, or the message on standard input',
        );
        expect(ctx.fake.callsTo("InvokeHarness")).to.have.length(2);
    });

    it("refuses an override out of the harness's ranges before anything is sent (exit 2)", async () => {
        const cases: [string[], string][] = [
            [["--max-iterations", "0"], '--max-iterations must be a whole number from 1 to 1000 (got "0")'],
            [["--max-iterations", "2.5"], '--max-iterations must be a whole number from 1 to 1000 (got "2.5")'],
            [["--timeout", "28801"], '--timeout must be a whole number from 1 to 28800 (got "28801")'],
            [["--max-tokens", "1e3"], '--max-tokens must be a whole number from 1 to 1000000 (got "1e3")'],
            [["--model", "m", "--temperature", "2.5"], '--temperature must be a number from 0 to 2 in decimal notation (got "2.5")'],
            [["--top-p", "0.5"], "--top-p needs --model: a call's model settings replace the harness's, model id included"],
            [["--system-prompt", " "], "--system-prompt needs 1 to 16000 characters"],
            [
                ["--allowed-tool", "a/b/c"],
                '--allowed-tool "a/b/c" is not a tool: use *, a tool\'s name, or <tool>/<mcp tool> (at most 64 characters)',
            ],
            [["--actor-id", ""], "--actor-id needs a value that is not empty"],
        ];
        for (const [argv, problem] of cases) {
            for (const command of [["invoke", "hi"], ["chat"]]) {
                const io = captureIo({ pulumi: () => JSON.stringify({ harnessArn: "unused" }) });
                expect(await main([...command, ...argv], io), problem).to.equal(2);
                expect(io.err.join("").split("\n")[0]).to.equal(`npm run ${command[0]}: ${problem}`);
            }
        }
        expect(ctx.fake.calls).to.deep.equal([]);
    });

    it("the local endpoint refuses out-of-range limits as AWS does, and --max-iterations cuts the agent loop short", async () => {
        const { arn } = await createHarness();
        const sdk = await import("@aws-sdk/client-bedrock-agentcore");
        const client = new sdk.BedrockAgentCoreClient({ maxAttempts: 1 });
        const send = (over: Record<string, unknown>) =>
            client.send(
                new sdk.InvokeHarnessCommand({
                    harnessArn: arn,
                    runtimeSessionId: SESSION,
                    messages: [{ role: "user", content: [{ text: "x" }] }],
                    ...over,
                }),
            );
        const refused = await send({ maxIterations: 0, timeoutSeconds: 28_801 }).then(
            () => undefined,
            (e: Error) => e,
        );
        expect(refused).to.include({
            name: "ValidationException",
            message:
                "2 validation errors detected: Value '0' at 'maxIterations' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
                "Value '28801' at 'timeoutSeconds' failed to satisfy constraint: Member must have value less than or equal to 28800",
        });
        const io = captureIo();
        expect(await main(["invoke", "hi", "--harness-arn", arn, "--max-iterations", "1", "--session", SESSION], io)).to.equal(0);
        expect(io.out.join("")).to.equal(
            "→ tool zpa_list_segment_groups\nStopped: max_iterations_exceeded\n" +
                "Hint: raise the limit with pulumi config set maxIterations 50, then pulumi up.\n" +
                `tokens in 1200, out 34, total 1234 · model latency 2150 ms · session ${SESSION}\n`,
        );
    });
});

describe("text from outside, on every path", () => {
    const ctx = useFakeAws();

    it("an unterminated sequence ends at the line break and keeps what follows; whole text too", () => {
        expect(sanitize("title\u001b]0;owned\nnext line\n")).to.equal("title\nnext line\n");
        expect(sanitize("a\u009dno end\nb\u001b[12\nc\u001b(\nd")).to.equal("a\nb\nc\nd");
        const s = new TerminalSanitizer();
        expect(["x\u001b]8;;http://e", "vil\n", "kept"].map((p) => s.push(p)).join("")).to.equal("x\nkept");
    });

    it("--json and --raw escape C1 controls (and DEL), which JSON.stringify leaves raw", () => {
        const text = jsonText({ t: "a\u009b31mb\u0085c\u007fd\u001be" });
        expect(text).to.equal('{"t":"a\\u009b31mb\\u0085c\\u007fd\\u001be"}');
        expect(JSON.parse(text)).to.deep.equal({ t: "a\u009b31mb\u0085c\u007fd\u001be" });
        expect(/[\u007f-\u009f]/.test(text)).to.equal(false);
    });

    it("invoke --raw and --json escape the model's C1 controls; an error's message is sanitised in every output", async () => {
        const { arn } = await createHarness();
        const events = [
            { contentBlockDelta: { contentBlockIndex: 0, delta: { text: "x\u009b2Jy" } } },
            { validationException: { message: "bad\u001b]0;owned\u0007 input\u009b31m" } },
        ];
        ctx.fake.invokeQueue.push(events, events, events);
        const raw = captureIo();
        expect(await main(["invoke", "hi", "--harness-arn", arn, "--raw"], raw)).to.equal(1);
        expect(raw.out.join("")).to.equal('{"contentBlockDelta":{"contentBlockIndex":0,"delta":{"text":"x\\u009b2Jy"}}}\n');
        expect(raw.err.join("")).to.equal("ValidationException: bad input\n");
        const json = captureIo();
        expect(await main(["invoke", "hi", "--harness-arn", arn, "--json"], json)).to.equal(1);
        expect(json.out.join("").split("\n")[1]).to.equal('{"error":{"name":"ValidationException","message":"bad input"}}');
        const text = captureIo();
        expect(await main(["invoke", "hi", "--harness-arn", arn], text)).to.equal(1);
        expect(text.screen.join("")).to.equal("xy\nValidationException: bad input\n");
    });

    it("status and logs print AWS's error messages and values without their control sequences", async () => {
        const { arn, id } = await createHarness();
        ctx.fake.denyNext(
            "DescribeLogGroups",
            "User: arn:aws:iam::123456789012:user/x\u001b]0;owned\u0007 is not authorized to perform: logs:DescribeLogGroups\u009b2J",
        );
        const logs = captureIo();
        expect(await main(["logs", "--harness-arn", arn], logs)).to.equal(1);
        expect(logs.err.join("")).to.match(
            /^AWS refused to read the log groups under \/aws\/bedrock-agentcore\/runtimes\/\S+: your AWS identity needs logs:DescribeLogGroups \(User: arn:aws:iam::123456789012:user\/x is not authorized to perform: logs:DescribeLogGroups\)\.\n$/,
        );

        ctx.fake.find("harness", id)!.data.model = { bedrockModelConfig: { modelId: "m\u009b31mx\u001b]0;t\u0007y" } };
        const text = captureIo();
        expect(await main(["status", "--harness-arn", arn], text)).to.equal(0);
        expect(text.out.join("")).to.contain("\nModel    mxy\n");
        const json = captureIo();
        expect(await main(["status", "--json", "--harness-arn", arn], json)).to.equal(0);
        expect(json.out.join("")).to.contain('"model": "m\\u009b31mx\\u001b]0;t\\u0007y"');
    });
});
