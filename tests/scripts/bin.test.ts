import { RunError } from "@pulumi/pulumi";
import { expect } from "chai";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EXIT_CODES } from "../../scripts/io";
import { SUPPORTED_NODE, unsupportedNode } from "../../scripts/nodeVersion";
import { defaultConversation } from "../fakeaws/server";
import { useFakeAws } from "../support/fakeAwsHooks";
import { createHarness } from "./support";

const ROOT = path.join(__dirname, "..", "..");
const BIN = path.join(ROOT, "scripts", "zscaler-mcp-harness.cjs");

interface Exit {
    code: number | null;
    stdout: string;
    stderr: string;
}

/** Runs `file args` in the project with `input` on stdin, and its whole output once it ends. */
function runProcess(file: string, args: string[], env: Record<string, string | undefined>, input = "", onSpawn?: (pid: number) => void) {
    return new Promise<Exit>((resolve, reject) => {
        const child = spawn(file, args, { cwd: ROOT, env: env as NodeJS.ProcessEnv, stdio: ["pipe", "pipe", "pipe"], detached: true });
        let stdout = "";
        let stderr = "";
        child.stdout!.on("data", (d) => (stdout += d));
        child.stderr!.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout, stderr }));
        child.stdin!.end(input);
        onSpawn?.(child.pid!);
    });
}

describe("the zscaler-mcp-harness executable", () => {
    const ctx = useFakeAws();
    // Without the Pulumi CLI on PATH: the deployment comes from --harness-arn.
    const env = () => ({ ...process.env, ...ctx.fake.env(), PATH: path.dirname(process.execPath) });
    const bin = (args: string[], input = "", onSpawn?: (pid: number) => void) =>
        runProcess(process.execPath, [BIN, ...args], env(), input, onSpawn);

    it("package.json names it as the project's bin, and it is executable", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        expect(pkg.bin).to.deep.equal({ "zscaler-mcp-harness": "scripts/zscaler-mcp-harness.cjs" });
        expect(fs.statSync(BIN).mode & 0o111).to.not.equal(0);
        expect(fs.readFileSync(BIN, "utf8").split("\n")[0]).to.equal("#!/usr/bin/env node");
    });

    it("--help lists the commands and the exit codes; a command's --help prints that command's usage", async () => {
        const top = await bin(["--help"]);
        expect(top).to.include({ code: 0, stderr: "" });
        expect(top.stdout.split("\n").slice(0, 2)).to.deep.equal([
            "usage: npm run <command> [-- options]",
            "   or: npx zscaler-mcp-harness <command> [options]",
        ]);
        for (const e of EXIT_CODES) {
            expect(top.stdout).to.contain(`\n  ${String(e.code).padStart(3)}  ${e.meaning}\n`);
        }
        const invoke = await bin(["invoke", "--help"]);
        expect(invoke).to.include({ code: 0, stderr: "" });
        expect(invoke.stdout.split("\n").slice(0, 2)).to.deep.equal([
            'usage: npm run invoke -- "message" [options]',
            '   or: npx zscaler-mcp-harness invoke "message" [options]',
        ]);
        expect(invoke.stdout).to.contain("\n  --max-iterations <n>  ");
    });

    it("status --json prints only JSON on stdout (exit 0); each exit code of the table has its cause", async () => {
        const { arn } = await createHarness();
        const ok = await bin(["status", "--json", "--harness-arn", arn]);
        expect(ok.code).to.equal(0);
        expect(ok.stderr).to.equal("");
        expect(JSON.parse(ok.stdout)).to.include({ harnessArn: arn, healthy: true });

        const missing = await bin(["status", "--harness-arn", arn.replace(/-[a-zA-Z0-9]{10}$/, "-0000000000")]);
        expect(missing.code).to.equal(1);
        expect(missing.stdout).to.match(/^Harness {2}ops_harness-0000000000\nStatus {3}MISSING\n/);

        const badArn = await bin(["invoke", "hi", "--harness-arn", "foo"]);
        expect(badArn).to.deep.equal({
            code: 2,
            stdout: "",
            stderr:
                '"foo" is not a harness ARN: it looks like arn:aws:bedrock-agentcore:<region>:<account>:harness/<name>-<10 characters> ' +
                "(npm run status prints the stack's, and pulumi stack output harnessArn too).\n",
        });

        ctx.fake.invokeQueue.push([{ messageStart: { role: "assistant" } }, { $hold: true }]);
        const interrupted = await bin(["invoke", "hi", "--harness-arn", arn], "", (pid) => {
            void ctx.fake.nextCall("InvokeHarness").then(() => process.kill(-pid, "SIGINT"));
        });
        expect(interrupted).to.include({ code: 130, stdout: "" });
        expect(interrupted.stderr).to.equal("Interrupted.\n");
        expect(EXIT_CODES.map((e) => e.code)).to.deep.equal([0, 1, 2, 130]);
    });

    it("invoke reads the message from stdin, and --raw prints exactly the events as JSON lines", async () => {
        const { arn } = await createHarness();
        const r = await bin(["invoke", "--harness-arn", arn, "--raw"], "list my zpa segment groups\n");
        expect(r).to.include({ code: 0, stderr: "" });
        expect(
            r.stdout
                .trimEnd()
                .split("\n")
                .map((l) => JSON.parse(l)),
        ).to.deep.equal(defaultConversation());
        expect(ctx.fake.callsTo("InvokeHarness").map((c) => c.input.messages[0].content[0].text)).to.deep.equal([
            "list my zpa segment groups",
        ]);
    });

    it("refuses an unsupported Node.js with one line, before anything runs (exit 2)", async () => {
        const preload = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "zscaler-mcp-node-")), "node20.js");
        fs.writeFileSync(preload, 'Object.defineProperty(process, "versions", { value: { ...process.versions, node: "20.20.2" } });\n');
        const r = await runProcess(process.execPath, ["-r", preload, BIN, "status", "--json"], env());
        expect(r).to.deep.equal({ code: 2, stdout: "", stderr: `${unsupportedNode("20.20.2")}\n` });
        expect(ctx.fake.calls).to.deep.equal([]);
        const npmScript = await runProcess(process.execPath, ["-r", preload, "-r", "tsx/cjs", "scripts/cli.ts", "doctor"], env());
        expect(npmScript).to.deep.equal({ code: 2, stdout: "", stderr: `${unsupportedNode("20.20.2")}\n` });
        fs.rmSync(path.dirname(preload), { recursive: true, force: true });
    });

    it("npx runs the project's own bin from the clone without the registry, and pipes cleanly", async function () {
        this.timeout(120_000);
        const { arn } = await createHarness();
        const cache = fs.mkdtempSync(path.join(os.tmpdir(), "zscaler-mcp-npx-"));
        try {
            const r = await runProcess("npx", ["zscaler-mcp-harness", "status", "--json", "--harness-arn", arn], {
                ...env(),
                PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}`,
                npm_config_cache: cache,
                // Nothing listens there: a request to the registry would fail the command.
                npm_config_registry: "http://127.0.0.1:9/",
                npm_config_update_notifier: "false",
            });
            expect(r.code, r.stderr).to.equal(0);
            expect(JSON.parse(r.stdout)).to.include({ harnessArn: arn, healthy: true });
        } finally {
            fs.rmSync(cache, { recursive: true, force: true });
        }
    });
});

describe("the Node.js rule", () => {
    it("is package.json's engines field, and the one-line refusal names the version and the fix", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        expect(pkg.engines.node).to.equal(SUPPORTED_NODE);
        for (const v of ["22.13.0", "22.23.3", "24.0.0", "25.1.0"]) {
            expect(unsupportedNode(v), v).to.equal(undefined);
        }
        for (const v of ["18.20.0", "20.20.2", "22.12.0", "23.11.0"]) {
            expect(unsupportedNode(v), v).to.equal(
                `zscaler-mcp-harness needs Node.js 22 (22.13 or newer) or 24 and later; this is Node.js ${v}. ` +
                    "Install Node.js 22 or 24 (for example nvm install 22), then run npm ci again.",
            );
        }
    });

    it("the program refuses it before anything loads: a RunError, which Pulumi prints without a stack trace", () => {
        const saved = Object.getOwnPropertyDescriptor(process, "versions")!;
        const index = require.resolve("../../index");
        const program = require.resolve("../../program");
        const loaded = require.cache[program];
        delete require.cache[program];
        Object.defineProperty(process, "versions", { value: { ...process.versions, node: "20.20.2" }, configurable: true });
        try {
            delete require.cache[index];
            let thrown: unknown;
            try {
                require(index);
            } catch (e) {
                thrown = e;
            }
            expect(RunError.isInstance(thrown)).to.equal(true);
            expect((thrown as Error).message).to.equal(unsupportedNode("20.20.2"));
            expect(require.cache[program]).to.equal(undefined);
        } finally {
            Object.defineProperty(process, "versions", saved);
            delete require.cache[index];
            if (loaded) {
                require.cache[program] = loaded;
            }
        }
    });
});
