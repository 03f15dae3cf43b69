import { expect } from "chai";
import { main } from "../../scripts/cli";
import { levelOf, parseWhen } from "../../scripts/logs";
import { useFakeAws } from "../support/fakeAwsHooks";
import { captureIo, createHarness } from "./support";

const ECS_GROUP = "/ecs/zscaler-mcp-dev";

/** What the MCP server writes: uvicorn's lines, Python logging's, and a traceback's continuation. */
const SERVER_LINES = [
    "INFO:     Started server process [1]",
    "2026-11-26 07:08:36,120 - zscaler_mcp - DEBUG - loading zia tools",
    "2026-11-26 07:08:37,001 - zscaler_mcp - WARNING - ZSCALER_MCP_ALLOWED_HOSTS is empty",
    "2026-11-26 07:08:38,500 - zscaler_mcp - ERROR - zpa_list_segment_groups failed",
    'Traceback (most recent call last):\n  File "server.py", line 1',
    'INFO:     127.0.0.1:5000 - "POST /mcp HTTP/1.1" 200 OK',
];

/** What the harness's runtime writes: OpenTelemetry log records, by severityText or severityNumber only. */
const HARNESS_LINES = [
    JSON.stringify({ severityText: "INFO", severityNumber: 9, body: "Starting MCP client for tool zscaler" }),
    JSON.stringify({ severityNumber: 17, body: "tool zscaler failed: TaskGroup" }),
    JSON.stringify({ severityText: "WARN", body: "retrying model call" }),
    JSON.stringify({ severityText: "DEBUG", body: "event loop cycle 2" }),
];

describe("npm run logs: --until, --level and --json", () => {
    const ctx = useFakeAws();

    async function serverStack(): Promise<ReturnType<typeof captureIo>> {
        const { arn } = await createHarness();
        const now = ctx.clock.now();
        ctx.fake.putLogEvents(
            ECS_GROUP,
            SERVER_LINES.map((message, i) => ({ timestamp: now - 60_000 + i * 1000, message, logStreamName: "ecs/server/1" })),
        );
        return captureIo({ pulumi: () => JSON.stringify({ harnessArn: arn, topology: "ecs", ecsLogGroup: ECS_GROUP }) });
    }

    const time = (offsetMs: number) => new Date(ctx.clock.now() + offsetMs).toISOString().replace(/\.\d{3}Z$/, "Z");

    it("--since and --until bound the lines read, as durations back or UTC times, and AWS is asked for that range", async () => {
        const io = await serverStack();
        expect(await main(["logs", "--server", "--since", "58s", "--until", "57s"], io)).to.equal(0);
        expect(io.out.join("")).to.equal(
            `${time(-58_000)} 2026-11-26 07:08:37,001 - zscaler_mcp - WARNING - ZSCALER_MCP_ALLOWED_HOSTS is empty\n` +
                `${time(-57_000)} 2026-11-26 07:08:38,500 - zscaler_mcp - ERROR - zpa_list_segment_groups failed\n`,
        );
        const call = ctx.fake.callsTo("FilterLogEvents")[0].input;
        expect(call).to.deep.include({ logGroupName: ECS_GROUP, startTime: ctx.clock.now() - 58_000, endTime: ctx.clock.now() - 57_000 });

        const byTime = captureIo({ pulumi: io.pulumi });
        expect(await main(["logs", "--server", "--since", time(-60_000), "--until", time(-59_000)], byTime)).to.equal(0);
        expect(byTime.out.join("")).to.equal(
            `${time(-60_000)} INFO:     Started server process [1]\n` +
                `${time(-59_000)} 2026-11-26 07:08:36,120 - zscaler_mcp - DEBUG - loading zia tools\n`,
        );
    });

    it("refuses --until values it cannot read, in the future, not after --since, or with --follow, before reading anything", async () => {
        const now = Date.UTC(2026, 10, 26, 8, 0, 0);
        ctx.clock.advance(now - ctx.clock.now());
        const cases: [string[], string][] = [
            [
                ["--until", "yesterday"],
                '--until "yesterday" is neither a duration nor a time: use a number and s, m, h or d (10m: ten minutes ago), or a UTC time such as 2026-11-26T07:00:00Z.\n',
            ],
            [
                ["--until", "2026-02-30T07:00:00Z"],
                '--until "2026-02-30T07:00:00Z" is neither a duration nor a time: use a number and s, m, h or d (10m: ten minutes ago), or a UTC time such as 2026-11-26T07:00:00Z.\n',
            ],
            [
                ["--until", "2026-11-26T07:00:00"],
                '--until "2026-11-26T07:00:00" is neither a duration nor a time: use a number and s, m, h or d (10m: ten minutes ago), or a UTC time such as 2026-11-26T07:00:00Z.\n',
            ],
            [
                ["--until=-5m"],
                '--until "-5m" is neither a duration nor a time: use a number and s, m, h or d (10m: ten minutes ago), or a UTC time such as 2026-11-26T07:00:00Z.\n',
            ],
            [
                ["--until", "2026-11-26T09:00:00+00:00"],
                "--until 2026-11-26T09:00:00+00:00 is in the future (now is 2026-11-26T08:00:00Z): leave it out to read up to now.\n",
            ],
            [
                ["--since", "5m", "--until", "10m"],
                "--until 10m (2026-11-26T07:50:00Z) is not after --since (2026-11-26T07:55:00Z): choose an --until later than --since.\n",
            ],
            [
                ["--since", "2026-11-26T07:30:00Z", "--until", "2026-11-26T09:30:00+02:00"],
                "--until 2026-11-26T09:30:00+02:00 (2026-11-26T07:30:00Z) is not after --since (2026-11-26T07:30:00Z): choose an --until later than --since.\n",
            ],
        ];
        for (const [flags, message] of cases) {
            const pulumiCalls: string[][] = [];
            const io = captureIo({ pulumi: (a) => (pulumiCalls.push(a), JSON.stringify({ harnessArn: "x" })) });
            expect(await main(["logs", ...flags], io), flags.join(" ")).to.equal(2);
            expect(io.err.join(""), flags.join(" ")).to.equal(message);
            expect(pulumiCalls).to.deep.equal([]);
        }
        const io = captureIo();
        expect(await main(["logs", "--follow", "--until", "5m"], io)).to.equal(2);
        expect(io.err.join("").split("\n")[0]).to.equal(
            "npm run logs: --until and --follow exclude each other: --follow keeps reading new lines, --until stops at a time",
        );
        expect(ctx.fake.calls).to.deep.equal([]);
    });

    it("--level keeps the server's lines of that severity and above; a traceback's next line keeps its error's level", async () => {
        const io = await serverStack();
        expect(await main(["logs", "--server", "--since", "2m", "--level", "WARN"], io)).to.equal(0);
        expect(io.out.join("")).to.equal(
            `${time(-58_000)} 2026-11-26 07:08:37,001 - zscaler_mcp - WARNING - ZSCALER_MCP_ALLOWED_HOSTS is empty\n` +
                `${time(-57_000)} 2026-11-26 07:08:38,500 - zscaler_mcp - ERROR - zpa_list_segment_groups failed\n` +
                `${time(-56_000)} Traceback (most recent call last):\n  File "server.py", line 1\n`,
        );
        const errors = captureIo({ pulumi: io.pulumi });
        expect(await main(["logs", "--server", "--since", "2m", "--level", "error"], errors)).to.equal(0);
        expect(errors.out.join("").split("\n")[0]).to.equal(
            `${time(-57_000)} 2026-11-26 07:08:38,500 - zscaler_mcp - ERROR - zpa_list_segment_groups failed`,
        );
        const all = captureIo({ pulumi: io.pulumi });
        expect(await main(["logs", "--server", "--since", "2m", "--level", "DEBUG"], all)).to.equal(0);
        expect(all.out.join("").match(/^\d{4}-/gm)).to.have.length(SERVER_LINES.length);
    });

    it("--level reads the harness's OpenTelemetry log records by severityText or severityNumber", async () => {
        const { arn, id } = await createHarness();
        const runtimeId = ctx.fake.find("harness", id)!.data.runtimeId as string;
        const group = `/aws/bedrock-agentcore/runtimes/${runtimeId}-DEFAULT`;
        ctx.fake.putLogEvents(
            group,
            HARNESS_LINES.map((message, i) => ({ timestamp: ctx.clock.now() - 10_000 + i * 1000, message, logStreamName: "otel-rt-logs" })),
        );
        const io = captureIo({ pulumi: () => JSON.stringify({ harnessArn: arn }) });
        expect(await main(["logs", "--level", "WARN", "--json"], io)).to.equal(0);
        expect(io.err.join("")).to.equal(`${group}\n`);
        expect(
            io.out
                .join("")
                .trimEnd()
                .split("\n")
                .map((l) => JSON.parse(l)),
        ).to.deep.equal([
            {
                time: new Date(ctx.clock.now() - 9_000).toISOString(),
                timestamp: ctx.clock.now() - 9_000,
                level: "ERROR",
                stream: "otel-rt-logs",
                message: HARNESS_LINES[1],
            },
            {
                time: new Date(ctx.clock.now() - 8_000).toISOString(),
                timestamp: ctx.clock.now() - 8_000,
                level: "WARN",
                stream: "otel-rt-logs",
                message: HARNESS_LINES[2],
            },
        ]);
    });

    it("--json prints one JSON object a line, each message without terminal control sequences", async () => {
        const io = await serverStack();
        ctx.fake.putLogEvents(ECS_GROUP, [
            { timestamp: ctx.clock.now() - 1000, message: "\u001b[31mERROR:\u001b[0m boom\u009b2J", logStreamName: "ecs/server/1" },
        ]);
        expect(await main(["logs", "--server", "--since", "2s", "--json"], io)).to.equal(0);
        expect(io.out).to.deep.equal([
            JSON.stringify({
                time: new Date(ctx.clock.now() - 1000).toISOString(),
                timestamp: ctx.clock.now() - 1000,
                level: "ERROR",
                stream: "ecs/server/1",
                message: "ERROR: boom",
            }) + "\n",
        ]);
        expect(io.err.join("")).to.equal(`${ECS_GROUP}\n`);
    });

    it("--json keeps stdout to JSON lines when there is no log group yet", async () => {
        const { arn } = await createHarness();
        const io = captureIo({ pulumi: () => JSON.stringify({ harnessArn: arn }) });
        expect(await main(["logs", "--json"], io)).to.equal(0);
        expect(io.out).to.deep.equal([]);
        expect(io.err.join("")).to.match(/^No runtime log group for harness .+ yet: AgentCore creates it on the first invocation\./);
    });

    it("refuses a --level it does not know, naming the levels", async () => {
        const io = captureIo();
        expect(await main(["logs", "--level", "LOUD"], io)).to.equal(2);
        expect(io.err.join("").split("\n")[0]).to.equal('npm run logs: --level "LOUD" is not a level: use ERROR, WARN, INFO or DEBUG');
        expect(ctx.fake.calls).to.deep.equal([]);
    });

    it("tells the levels of the forms both sides write, and none where a line states none", () => {
        const cases: [string, string | undefined][] = [
            ["INFO:     Uvicorn running on http://0.0.0.0:8000", "INFO"],
            ["WARNING:  Invalid HTTP request received.", "WARN"],
            ["2026-11-26 07:08:35,123 - zscaler_mcp - CRITICAL - down", "ERROR"],
            ["[ERROR] tool call failed", "ERROR"],
            ["2026-11-26T07:08:35Z DEBUG cycle", "DEBUG"],
            ['time=2026 level=warn msg="slow"', "WARN"],
            [JSON.stringify({ levelname: "ERROR", message: "x" }), "ERROR"],
            [JSON.stringify({ severityNumber: 5, body: "x" }), "DEBUG"],
            [JSON.stringify({ level: "info" }), "INFO"],
            ["Starting MCP client for tool zscaler", undefined],
            ["Error handling is described in the docs", undefined],
            ['  File "server.py", line 1', undefined],
        ];
        for (const [line, level] of cases) {
            expect(levelOf(line), line).to.equal(level);
        }
    });

    it("reads a time with its zone and fractions of a second", () => {
        expect(parseWhen("--since", "2026-11-26T09:00:00.5+02:00", 0)).to.equal(Date.UTC(2026, 10, 26, 7, 0, 0, 500));
        expect(parseWhen("--since", "2026-11-26T07:00Z", 0)).to.equal(Date.UTC(2026, 10, 26, 7, 0, 0));
        expect(parseWhen("--since", "2h", Date.UTC(2026, 10, 26, 7, 0, 0))).to.equal(Date.UTC(2026, 10, 26, 5, 0, 0));
    });
});
