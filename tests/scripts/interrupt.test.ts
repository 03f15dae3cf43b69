import { expect } from "chai";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { useFakeAws } from "../support/fakeAwsHooks";
import { createHarness, stackConfig } from "./support";

const ROOT = path.join(__dirname, "..", "..");

interface Exit {
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
}

describe("the first Ctrl-C, as a terminal sends it", () => {
    const ctx = useFakeAws();
    let bin: string;

    before(() => {
        // A stand-in for the Pulumi CLI that doctor asks for the stack's configuration.
        bin = fs.mkdtempSync(path.join(os.tmpdir(), "zscaler-mcp-cli-"));
        const config = JSON.stringify(stackConfig());
        fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\nif [ "$1" = config ]; then echo '${config}'; else echo dev; fi\n`, {
            mode: 0o755,
        });
    });
    after(() => fs.rmSync(bin, { recursive: true, force: true }));

    /**
     * Starts a command in its own process group, sends SIGINT to the group once `op` reached the
     * endpoint (where it hangs), and waits for the command to end.
     */
    function interrupt(argv: string[], op: string, viaNpm = false): Promise<Exit> {
        const [file, args] = viaNpm
            ? ["npm", ["run", "--silent", argv[0], "--", ...argv.slice(1)]]
            : [process.execPath, ["-r", "tsx/cjs", "scripts/cli.ts", ...argv]];
        const child = spawn(file, args as string[], {
            cwd: ROOT,
            env: { ...process.env, ...ctx.fake.env(), PATH: `${bin}${path.delimiter}${process.env.PATH}` },
            detached: true,
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout!.on("data", (d) => (stdout += d));
        child.stderr!.on("data", (d) => (stderr += d));
        void ctx.fake.nextCall(op).then(() => process.kill(-child.pid!, "SIGINT"));
        return new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, stdout, stderr })));
    }

    it("stops status, invoke and doctor while AWS has not answered: Interrupted., exit 130", async function () {
        this.timeout(60_000);
        const { arn } = await createHarness();
        const cases: [string[], string][] = [
            [["status", "--harness-arn", arn], "GetHarness"],
            [["invoke", "hello", "--harness-arn", arn], "InvokeHarness"],
            [["doctor"], "GetCallerIdentity"],
        ];
        for (const [argv, op] of cases) {
            ctx.fake.hang(op, 1);
            const r = await interrupt(argv, op);
            expect({ command: argv[0], code: r.code, stderr: r.stderr }).to.deep.equal({
                command: argv[0],
                code: 130,
                stderr: "Interrupted.\n",
            });
        }
    });

    it("stops logs --follow between two polls", async function () {
        this.timeout(30_000);
        const { arn, id } = await createHarness();
        const group = `/aws/bedrock-agentcore/runtimes/${ctx.fake.find("harness", id)!.data.runtimeId}-DEFAULT`;
        ctx.fake.putLogEvents(group, [{ timestamp: Date.now(), message: "Starting MCP client for tool zscaler" }]);
        const r = await interrupt(["logs", "--follow", "--harness-arn", arn], "FilterLogEvents");
        expect(r.code).to.equal(130);
        expect(r.stderr).to.equal(`${group} (following; Ctrl-C to stop)\n`);
    });

    it("stops status under npm run, which forwards the same Ctrl-C a second time", async function () {
        this.timeout(60_000);
        const { arn } = await createHarness();
        ctx.fake.hang("GetHarness", 1);
        const r = await interrupt(["status", "--harness-arn", arn], "GetHarness", true);
        expect(r.stderr).to.equal("Interrupted.\n");
        // npm, once its script has ended, stops itself with the same signal (a shell shows 130).
        expect(r.code ?? r.signal, r.stderr).to.be.oneOf([130, "SIGINT"]);
    });
});

describe("output into a pipe", () => {
    const ctx = useFakeAws();

    it("reaches the reader whole, however much there is, before the command exits", async function () {
        this.timeout(60_000);
        const { arn } = await createHarness();
        const group = "/ecs/zscaler-mcp-pipe";
        // FilterLogEvents answers up to 1 MB a page on AWS: two pages here, not the endpoint's small ones.
        ctx.fake.pageSize = 5_000;
        // The command runs on the real clock, in its own process.
        const now = Date.now();
        const message = (i: number) => `line ${i} ${"x".repeat(200)}`;
        ctx.fake.putLogEvents(
            group,
            Array.from({ length: 8000 }, (_, i) => ({ timestamp: now - 60_000 + i, message: message(i) })),
        );
        const child = spawn(
            process.execPath,
            ["-r", "tsx/cjs", "scripts/cli.ts", "logs", "--harness-arn", arn, "--log-group", group, "--since", "1h"],
            {
                cwd: ROOT,
                env: { ...process.env, ...ctx.fake.env() },
                stdio: ["ignore", "pipe", "pipe"],
            },
        );
        let stdout = "";
        let stderr = "";
        child.stdout!.on("data", (d) => (stdout += d));
        child.stderr!.on("data", (d) => (stderr += d));
        const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
        expect(code, stderr).to.equal(0);
        const lines = stdout.trimEnd().split("\n");
        // About 1.8 MB: many times what a pipe holds at once.
        expect(stdout.length).to.be.greaterThan(1_500_000);
        expect(lines).to.have.length(8000);
        expect(lines[7999]).to.match(/ line 7999 x{200}$/);
    });
});
