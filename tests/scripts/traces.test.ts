import { expect } from "chai";
import { main } from "../../scripts/cli";
import { useFakeAws } from "../support/fakeAwsHooks";
import { captureIo, createHarness, MODEL, stackConfig, stackIo } from "./support";

const SESSION = "zscaler-mcp-5f0c9a7e-3b1d-4d8e-9a51-0e6c2f4b7d13";
const OLDER = "zscaler-mcp-00000000-1111-2222-3333-444444444444";

describe("npm run traces: a harness session's spans from aws/spans", () => {
    const ctx = useFakeAws();

    /** A deployed harness, and the runtime AWS runs it on (the spans name it). */
    async function deployed(): Promise<{ arn: string; id: string; runtimeId: string; io: () => ReturnType<typeof captureIo> }> {
        const { arn, id } = await createHarness();
        const runtimeId = ctx.fake.find("harness", id)!.data.runtimeId as string;
        return { arn, id, runtimeId, io: () => captureIo({ pulumi: () => JSON.stringify({ harnessArn: arn }) }) };
    }

    const utc = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

    it("prints the latest session's spans as a table: start offset, duration, kind, model, tokens, tool, status", async () => {
        const h = await deployed();
        const start = ctx.clock.now() - 60_000;
        const spans = ctx.fake.recordSessionSpans({
            sessionId: SESSION,
            runtimeId: h.runtimeId,
            start,
            tools: [{ name: "zpa_list_segment_groups", ms: 400 }],
        });
        const io = h.io();
        expect(await main(["traces"], io)).to.equal(0);
        expect(io.err).to.deep.equal([]);
        const name = "invoke_agent harness_ops_harness";
        expect(io.out.join("")).to.equal(
            [
                `Session  ${SESSION}`,
                "Spans    4 in 1 trace: 2 model calls, 1 tool call, 0 errors",
                "Tokens   3000 in, 240 out",
                "",
                `Trace ${spans[0].traceId} (started ${utc(start)})`,
                `START    DURATION  ${"SPAN".padEnd(36)}  KIND      MODEL${" ".repeat(MODEL.length - 5)}    IN  OUT  TOOL                     STATUS`,
                `+0.000s    2.870s  ${name.padEnd(36)}  SERVER    -${" ".repeat(MODEL.length - 1)}     -    -  -                        OK`,
                `+0.050s    1.200s  ${"chat".padEnd(36)}  CLIENT    ${MODEL}  1500  120  -                        OK`,
                `+1.250s    0.400s  ${"execute_tool zpa_list_segment_groups".padEnd(36)}  INTERNAL  -${" ".repeat(MODEL.length - 1)}     -    -  zpa_list_segment_groups  OK`,
                `+1.650s    1.200s  ${"chat".padEnd(36)}  CLIENT    ${MODEL}  1500  120  -                        OK`,
                "",
            ].join("\n"),
        );
        // Without --session: the harness's runtime names the spans; then the session's own.
        expect(ctx.fake.callsTo("FilterLogEvents").map((c) => c.input.filterPattern)).to.include.members([
            `"${h.runtimeId}"`,
            `"${SESSION}"`,
        ]);
    });

    it("--json: the session's spans as one JSON object", async () => {
        const h = await deployed();
        const start = ctx.clock.now() - 30_000;
        const spans = ctx.fake.recordSessionSpans({
            sessionId: SESSION,
            runtimeId: h.runtimeId,
            start,
            tools: [{ name: "zia_list_users", ms: 250, error: "HTTP 403 from ZIA" }],
            inputTokens: 900,
            outputTokens: 40,
        });
        const io = h.io();
        expect(await main(["traces", "--session", SESSION, "--json"], io)).to.equal(0);
        const out = JSON.parse(io.out.join(""));
        expect(out).to.deep.include({ session: SESSION, harnessArn: h.arn, region: "us-east-1", truncated: false });
        expect(out.spans).to.deep.equal([
            {
                traceId: spans[0].traceId,
                spanId: spans[0].spanId,
                name: "invoke_agent harness_ops_harness",
                kind: "SERVER",
                startMs: start,
                start: new Date(start).toISOString(),
                durationMs: 2720,
                status: "OK",
            },
            {
                traceId: spans[0].traceId,
                spanId: spans[1].spanId,
                parentSpanId: spans[0].spanId,
                name: "chat",
                kind: "CLIENT",
                startMs: start + 50,
                start: new Date(start + 50).toISOString(),
                durationMs: 1200,
                model: MODEL,
                inputTokens: 900,
                outputTokens: 40,
                status: "OK",
            },
            {
                traceId: spans[0].traceId,
                spanId: spans[2].spanId,
                parentSpanId: spans[0].spanId,
                name: "execute_tool zia_list_users",
                kind: "INTERNAL",
                startMs: start + 1250,
                start: new Date(start + 1250).toISOString(),
                durationMs: 250,
                tool: "zia_list_users",
                status: "ERROR",
                statusMessage: "HTTP 403 from ZIA",
            },
            {
                traceId: spans[0].traceId,
                spanId: spans[3].spanId,
                parentSpanId: spans[0].spanId,
                name: "chat",
                kind: "CLIENT",
                startMs: start + 1500,
                start: new Date(start + 1500).toISOString(),
                durationMs: 1200,
                model: MODEL,
                inputTokens: 900,
                outputTokens: 40,
                status: "OK",
            },
        ]);
        const table = h.io();
        expect(await main(["traces", "--session", SESSION], table)).to.equal(0);
        expect(table.out.join("")).to.contain("Spans    4 in 1 trace: 2 model calls, 1 tool call, 1 error\n");
        expect(table.out.join("")).to.match(/\n\nERROR execute_tool zia_list_users: HTTP 403 from ZIA\n$/);
    });

    it("finds the latest session on a later page, past an older session and another runtime's newer one", async () => {
        const h = await deployed();
        const now = ctx.clock.now();
        ctx.fake.recordSessionSpans({
            sessionId: OLDER,
            runtimeId: h.runtimeId,
            start: now - 600_000,
            tools: [{ name: "a" }, { name: "b" }],
        });
        ctx.fake.recordSessionSpans({
            sessionId: SESSION,
            runtimeId: h.runtimeId,
            start: now - 300_000,
            tools: [{ name: "zia_list_users" }],
        });
        ctx.fake.recordSessionSpans({
            sessionId: "someone-elses-session-0000000000000000000",
            runtimeId: "harness_other-AbCdEfGhIj",
            start: now - 100_000,
        });
        const io = h.io();
        expect(await main(["traces"], io)).to.equal(0);
        expect(io.out.join("").split("\n")[0]).to.equal(`Session  ${SESSION}`);
        expect(io.out.join("")).to.contain("Spans    4 in 1 trace: 2 model calls, 1 tool call, 0 errors\n");
        // The endpoint pages by two: the runtime's seven spans (older session first) took four pages.
        const byRuntime = ctx.fake.callsTo("FilterLogEvents").filter((c) => c.input.filterPattern === `"${h.runtimeId}"`);
        expect(byRuntime).to.have.length(5);
        expect(byRuntime.slice(1).every((c) => typeof c.input.nextToken === "string")).to.equal(true);
    });

    it("a session of two invocations prints a block per trace, and --limit keeps the earliest spans and says so", async () => {
        const h = await deployed();
        const now = ctx.clock.now();
        ctx.fake.recordSessionSpans({ sessionId: SESSION, runtimeId: h.runtimeId, start: now - 120_000, seed: 1 });
        ctx.fake.recordSessionSpans({ sessionId: SESSION, runtimeId: h.runtimeId, start: now - 60_000, seed: 2 });
        const io = h.io();
        expect(await main(["traces", "--session", SESSION], io)).to.equal(0);
        const text = io.out.join("");
        expect(text).to.contain("Spans    4 in 2 traces: 2 model calls, 0 tool calls, 0 errors\n");
        expect(text.match(/^Trace [0-9a-f]{32} \(started /gm)).to.have.length(2);
        expect(text).to.contain(`(started ${utc(now - 120_000)})`);
        expect(text).to.contain(`(started ${utc(now - 60_000)})`);

        const limited = h.io();
        expect(await main(["traces", "--session", SESSION, "--limit", "3"], limited)).to.equal(0);
        expect(limited.out.join("")).to.contain("Spans    3 in 2 traces");
        expect(limited.out.join("")).to.match(/\n\nShowing the first 3 spans: raise --limit to see more\.\n$/);
    });

    it("says so when the harness has no session yet, on stderr with --json", async () => {
        const h = await deployed();
        const message =
            `No spans of the harness ${h.id} in aws/spans since ${utc(ctx.clock.now() - 3_600_000)}: it has no session in that time yet, ` +
            'or its spans have not arrived (they take a few minutes). Try npm run invoke -- "hello", then npm run traces again, ' +
            "or look further back with --since 1d.\n";
        // aws/spans exists (another runtime's spans), but none of this harness's.
        ctx.fake.recordSessionSpans({ sessionId: OLDER, runtimeId: "harness_other-AbCdEfGhIj" });
        const io = h.io();
        expect(await main(["traces"], io)).to.equal(0);
        expect(io.out.join("")).to.equal(message);
        const json = h.io();
        expect(await main(["traces", "--json"], json)).to.equal(0);
        expect(json.out).to.deep.equal([]);
        expect(json.err.join("")).to.equal(message);

        const unknown = h.io();
        expect(await main(["traces", "--session", SESSION, "--since", "2h"], unknown)).to.equal(0);
        expect(unknown.out.join("")).to.equal(
            `No spans of the session ${SESSION} in aws/spans since ${utc(ctx.clock.now() - 7_200_000)}: check the session id, ` +
                "look further back with --since 1d, or wait a few minutes for the spans of a recent invocation.\n",
        );
    });

    it("with Transaction Search off there is no aws/spans: says so and points at doctor", async () => {
        const h = await deployed();
        const xray = await import("@aws-sdk/client-xray");
        await new xray.XRayClient({}).send(new xray.UpdateTraceSegmentDestinationCommand({ Destination: "XRay" }));
        ctx.clock.advance(11 * 60_000);
        expect(ctx.fake.recordSessionSpans({ sessionId: SESSION, runtimeId: h.runtimeId })).to.deep.equal([]);
        const io = h.io();
        expect(await main(["traces"], io)).to.equal(1);
        expect(io.err.join("")).to.equal(
            "There is no aws/spans log group in us-east-1: CloudWatch Transaction Search is off, so AgentCore's spans are not kept " +
                "where they can be read. npm run doctor says how to turn it on; spans of invocations after that appear here.\n",
        );
    });

    it("names the permission when AWS refuses to read aws/spans", async () => {
        const h = await deployed();
        ctx.fake.recordSessionSpans({ sessionId: SESSION, runtimeId: h.runtimeId });
        ctx.fake.denyNext(
            "FilterLogEvents",
            "User: u is not authorized to perform: logs:FilterLogEvents on resource: arn:aws:logs:us-east-1:123456789012:log-group:aws/spans",
        );
        const io = h.io();
        expect(await main(["traces", "--session", SESSION], io)).to.equal(1);
        expect(io.err.join("")).to.match(/^AWS refused to read the log group aws\/spans: your AWS identity needs logs:FilterLogEvents \(/);
    });

    it("strips terminal control sequences from what the spans say", async () => {
        const h = await deployed();
        const spans = ctx.fake.recordSessionSpans({
            sessionId: SESSION,
            runtimeId: h.runtimeId,
            tools: [{ name: "evil\u001b]8;;http://x\u0007tool\u009b2J", error: "bad\u001b[31m red" }],
        });
        expect(spans).to.have.length(4);
        const io = h.io();
        expect(await main(["traces", "--session", SESSION], io)).to.equal(0);
        const text = io.out.join("");
        expect(text).to.contain("execute_tool eviltool");
        expect(text).to.contain("\nERROR execute_tool eviltool: bad red\n");
        expect([...text].filter((c) => ["\u001b", "\u0007", "\u009b"].includes(c))).to.deep.equal([]);
    });

    it("refuses a --limit, --session or --since it cannot use, before reading anything", async () => {
        const cases: [string[], string][] = [
            [["--limit", "0"], 'npm run traces: --limit "0" is not a number of spans from 1 to 10000'],
            [["--limit", "many"], 'npm run traces: --limit "many" is not a number of spans from 1 to 10000'],
            [["--session", "short"], 'npm run traces: --session "short" is not a session id: 33 to 100 letters, digits, - or _'],
            [
                ["--since", "last week"],
                '--since "last week" is neither a duration nor a time: use a number and s, m, h or d (10m: ten minutes ago), or a UTC time such as 2026-11-26T07:00:00Z.',
            ],
        ];
        for (const [flags, first] of cases) {
            const pulumiCalls: string[][] = [];
            const io = captureIo({ pulumi: (a) => (pulumiCalls.push(a), "{}") });
            expect(await main(["traces", ...flags], io), flags.join(" ")).to.equal(2);
            expect(io.err.join("").split("\n")[0]).to.equal(first);
            expect(pulumiCalls).to.deep.equal([]);
        }
        const help = captureIo();
        expect(await main(["traces", "--help"], help)).to.equal(0);
        expect(help.out.join("")).to.match(/^usage: npm run traces \[-- options\]\n/);
        expect(help.out.join("")).to.contain("\nexamples:\n  npm run traces\n");
        expect(ctx.fake.calls).to.deep.equal([]);
    });
});

describe("npm run doctor: CloudWatch Transaction Search on a deployed stack", () => {
    const ctx = useFakeAws();
    const HARNESS_ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:harness/zscaler_mcp_harness_dev-AbCdEfGhIj";

    async function tracesCheck(): Promise<{ code: number; check: { name: string; status: string; detail: string; fix?: string } }> {
        const io = stackIo(stackConfig(), { harnessArn: HARNESS_ARN, topology: "ecs", region: "us-east-1" });
        const code = await main(["doctor", "--json"], io);
        const report = JSON.parse(io.out.join("")) as { checks: { name: string; status: string; detail: string; fix?: string }[] };
        return { code, check: report.checks.find((c) => c.name === "traces")! };
    }

    async function setDestination(destination: "XRay" | "CloudWatchLogs") {
        const xray = await import("@aws-sdk/client-xray");
        return new xray.XRayClient({}).send(new xray.UpdateTraceSegmentDestinationCommand({ Destination: destination }));
    }

    it("ok when X-Ray's destination is CloudWatchLogs and ACTIVE", async () => {
        const { check } = await tracesCheck();
        expect(check).to.deep.equal({
            name: "traces",
            status: "ok",
            detail: "CloudWatch Transaction Search is on in us-east-1: the harness's spans go to the log group aws/spans (npm run traces)",
        });
        expect(ctx.fake.callsTo("GetTraceSegmentDestination")).to.have.length(1);
    });

    it("off: fails with how to turn it on (resource policy, destination, 1% indexing) and what it costs", async () => {
        await setDestination("XRay");
        ctx.clock.advance(11 * 60_000);
        const { code, check } = await tracesCheck();
        expect(code).to.equal(1);
        expect(check.status).to.equal("fail");
        expect(check.detail).to.equal(
            "CloudWatch Transaction Search is off in us-east-1: X-Ray sends spans to XRay (status ACTIVE), not to the log group aws/spans, " +
                "so npm run traces has no spans to show (the deploy does not need it)",
        );
        const policy =
            '{"Version":"2012-10-17","Statement":[{"Sid":"TransactionSearchXRayAccess","Effect":"Allow","Principal":{"Service":"xray.amazonaws.com"},' +
            '"Action":"logs:PutLogEvents","Resource":["arn:aws:logs:us-east-1:123456789012:log-group:aws/spans:*",' +
            '"arn:aws:logs:us-east-1:123456789012:log-group:/aws/application-signals/data:*"],' +
            '"Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:xray:us-east-1:123456789012:*"},"StringEquals":{"aws:SourceAccount":"123456789012"}}}]}';
        expect(check.fix).to.equal(
            "let X-Ray write spans to CloudWatch Logs (aws logs put-resource-policy --region us-east-1 --policy-name TransactionSearchXRayAccess " +
                `--policy-document '${policy}'), then send them there (aws xray update-trace-segment-destination --region us-east-1 ` +
                "--destination CloudWatchLogs), keeping X-Ray's trace summaries at the 1% that is free " +
                `(aws xray update-indexing-rule --region us-east-1 --name Default --rule '{"Probabilistic":{"DesiredSamplingPercentage":1}}'); ` +
                "the CloudWatch console's Transaction Search page does the same. Spans are then billed as CloudWatch span ingestion, by the GB " +
                "(https://aws.amazon.com/cloudwatch/pricing/), and spans reach aws/spans within about ten minutes",
        );
        // The line a terminal shows carries the fix after the detail.
        const io = stackIo(stackConfig(), { harnessArn: HARNESS_ARN, topology: "ecs", region: "us-east-1" });
        await main(["doctor"], io);
        expect(io.out.join("")).to.match(
            /\nFAIL {2}traces {10}CloudWatch Transaction Search is off in us-east-1: .+\. Fix: let X-Ray write spans to CloudWatch Logs .+ within about ten minutes\n/,
        );
    });

    it("being turned on: fails until X-Ray reports the destination ACTIVE", async () => {
        await setDestination("XRay");
        ctx.clock.advance(11 * 60_000);
        await setDestination("CloudWatchLogs");
        const pending = await tracesCheck();
        expect(pending.check).to.deep.equal({
            name: "traces",
            status: "fail",
            detail: "CloudWatch Transaction Search is being turned on in us-east-1 (X-Ray's destination CloudWatchLogs is PENDING)",
            fix: "wait a few minutes (up to ten), then run npm run doctor again",
        });
        ctx.clock.advance(10 * 60_000);
        expect((await tracesCheck()).check.status).to.equal("ok");
    });

    it("names the permission when AWS refuses to tell", async () => {
        ctx.fake.denyNext(
            "GetTraceSegmentDestination",
            "User: arn:aws:iam::123456789012:user/u is not authorized to perform: xray:GetTraceSegmentDestination",
        );
        const { check } = await tracesCheck();
        expect(check).to.deep.equal({
            name: "traces",
            status: "fail",
            detail: "AWS refused xray:GetTraceSegmentDestination (AccessDeniedException)",
            fix: "grant your AWS identity xray:GetTraceSegmentDestination to check it (npm run traces needs Transaction Search; the deploy does not)",
        });
    });

    it("is not among the checks before the first deploy", async () => {
        const io = stackIo(stackConfig());
        await main(["doctor", "--json"], io);
        expect((JSON.parse(io.out.join("")) as { checks: { name: string }[] }).checks.map((c) => c.name)).to.not.include("traces");
        expect(ctx.fake.callsTo("GetTraceSegmentDestination")).to.deep.equal([]);
    });
});
