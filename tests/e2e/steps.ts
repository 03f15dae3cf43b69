/**
 * Helpers the end-to-end tests share: how a README command runs without a terminal, what the
 * suite ran, and the checks of the account after each step.
 */
import { expect } from "chai";
import * as os from "os";
import { fillPlaceholders, readmeCommands } from "./readme";
import { Cli, locateCli, RunOptions, RunResult, Workspace } from "./workspace";

/** Every command the suite ran, across workspaces, for the check that it ran every README command. */
export const EXECUTED: string[] = [];

const INTERACTIVE = /^pulumi (up|destroy|refresh|cancel|stack rm)\b/;

/**
 * The command as the suite runs it: Pulumi asks for confirmation on a terminal, and `--yes` is
 * the answer a script gives; and `pulumi login --local` (a backend in the user's home, which the
 * CLI finds in the user database, not in HOME) logs in to the workspace's own directory instead,
 * where a command that reads that backend's files (`~/.pulumi/stacks`) reads them too.
 */
export function asRun(ws: Workspace, command: string): string {
    if (command === "pulumi login --local") {
        return `pulumi login file://${ws.dir}/backend`;
    }
    command = command.split(LOCAL_STACKS).join(localStacks(ws));
    return INTERACTIVE.test(command) && !/\s--yes\b/.test(command) ? `${command} --yes` : command;
}

const LOCAL_STACKS = "~/.pulumi/stacks";

/** Where `pulumi login --local`, as the suite runs it, keeps the stacks' state files. */
export function localStacks(ws: Workspace): string {
    return `${ws.dir}/backend/.pulumi/stacks`;
}

/** The form a README command is compared in: no `--yes`. */
export function asShown(command: string): string {
    return command.replace(/\s--yes\b/, "");
}

/** Runs a command for a test that inspects whatever it did; the run counts for nothing in the README check. */
export function sh(ws: Workspace, command: string, opts: RunOptions = {}): Promise<RunResult> {
    return ws.run(asRun(ws, command), opts);
}

export interface Expectation extends RunOptions {
    /** The exit status the command must end with: 0 unless told (130 for a Ctrl-C, as a shell reports it). */
    exitCode?: number;
    /** The README's form of a command the suite runs otherwise (piped input, for one). */
    shownAs?: string;
}

/** Runs a command that must end as expected, and records it as run for the README check. */
export async function ok(ws: Workspace, command: string, expectation: Expectation = {}): Promise<RunResult> {
    const { exitCode = 0, shownAs, ...opts } = expectation;
    const r = await sh(ws, command, opts);
    const status = r.code ?? (r.signal ? 128 + os.constants.signals[r.signal] : undefined);
    if (status !== exitCode) {
        throw new Error(`\`${r.command}\` exited with ${r.code ?? r.signal}, not ${exitCode}:\n${r.output}`);
    }
    EXECUTED.push(shownAs ?? asShown(command));
    return r;
}

/** The README commands not yet run by the suite (placeholders filled in as the suite fills them). */
export function readmeCommandsNotRun(): string[] {
    const ran = new Set(EXECUTED);
    const commands = readmeCommands()
        .filter((c) => !c.developer)
        .map((c) => fillPlaceholders(c.command))
        .filter((c) => c !== "npm ci" && !SYNTAX.includes(c));
    const unfilled = commands.filter((c) => /<[^<>]+>/.test(c));
    if (unfilled.length > 0) {
        throw new Error(`README placeholders without a test value in PLACEHOLDERS (tests/e2e/workspace.ts): ${unfilled.join("; ")}`);
    }
    return commands.filter((c) => !ran.has(c));
}

/** README lines that show a command's syntax, not a command to run. */
const SYNTAX = ["pulumi config set <key> <value>"];

/** Resource changes in a preview's or update's summary: `{ create: 20 }`, `{ update: 2, same: 18 }`. */
export function summary(output: string): Record<string, number> {
    const out: Record<string, number> = {};
    const words: Record<string, string> = {
        "to create": "create",
        created: "create",
        "to update": "update",
        updated: "update",
        "to replace": "replace",
        replaced: "replace",
        "to delete": "delete",
        deleted: "delete",
        unchanged: "same",
    };
    const block = output.slice(output.lastIndexOf("Resources:"));
    for (const m of block.matchAll(
        /^\s+(?:[+~-]|\+-)?\s*(\d+) (to create|created|to update|updated|to replace|replaced|to delete|deleted|unchanged)/gm,
    )) {
        out[words[m[2]]] = (out[words[m[2]]] ?? 0) + Number(m[1]);
    }
    return out;
}

/** The steps `pulumi preview --diff` plans for each resource: `{ "zscaler-mcp-agent-harness": "update" }`. */
export function plannedSteps(output: string): Record<string, string> {
    const steps: Record<string, string> = {};
    const lines = output.split("\n");
    for (let i = 0; i < lines.length; i++) {
        const head =
            /^\s*(\+-|~|\+|-|\+\+|--)\s*[\w-]+:[\w/-]+:[\w]+: \((update|replace|create|delete|create-replacement|delete-replaced)\)/.exec(
                lines[i],
            );
        const urnOf = (line = "") => /\[urn=urn:pulumi:.*::([^:\]]+)\]/.exec(line);
        const urn = urnOf(lines[i + 1]) ?? urnOf(lines[i + 2]);
        if (head && urn) {
            steps[urn[1]] = head[2];
        }
    }
    return steps;
}

/** A stack trace line in printed output (an `at fn (file:line)` frame). */
export const STACK_FRAME = /^\s+at .+[(:]\d+/m;

/** The CLI, or a loud reason why the suite cannot run (an error in CI). */
export function requireCli(ctx: Mocha.Context): Cli {
    const cli = locateCli();
    if (!cli) {
        const line =
            "E2E SKIPPED: no Pulumi CLI found (not on PATH, not built with its Node.js plugins). Run tests/cli/ensure-pulumi.sh to build it, or install the Pulumi CLI.";
        if (process.env.ZSCALER_MCP_REQUIRE_CLI === "1") {
            throw new Error(line);
        }
        console.log(`\n  ${"!".repeat(8)} ${line}\n`);
        ctx.skip();
    }
    return cli!;
}

export function expectNoSecrets(text: string, secrets: string[]): void {
    for (const s of secrets) {
        expect(text.includes(s), `a secret appears in plaintext: ${s.slice(0, 6)}...`).to.equal(false);
    }
}

/**
 * The steps of a scenario build on each other: after one fails, the rest of that scenario is
 * skipped (and says why), while the other scenarios still run.
 */
export function stepsInOrder(): void {
    let failed: string | undefined;
    afterEach(function () {
        if (this.currentTest?.state === "failed" && !failed) {
            failed = this.currentTest.title;
        }
    });
    beforeEach(function () {
        if (failed) {
            console.log(`      (skipped: an earlier step of this scenario failed: "${failed}")`);
            this.skip();
        }
    });
}
