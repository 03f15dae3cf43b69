/**
 * `npm run bench -- --part leftovers [--limit <seconds>]`: how long the processes of a `pulumi up`
 * live on after the CLI is killed (`kill -9`, as a closed laptop or a stopped runner ends it). The
 * engine starts each plugin in its own process group, so the kill reaches the CLI alone; what it
 * started (the language host and the program it runs, the dynamic-provider host, the providers)
 * is left to notice on its own that the engine has gone. The up is killed right after its harness
 * create reached AWS, as in the end-to-end suite; then each leftover process is watched, once a
 * second, until it has ended or `--limit` (600 s by default) has passed.
 */
import { sectionCommands } from "../e2e/readme";
import { locateCli, Workspace } from "../e2e/workspace";

export interface Leftover {
    /** What the process is, as its command line shows it. */
    name: string;
    command: string;
    /** Seconds from the kill until it had ended; undefined when it still ran at the limit. */
    livedS?: number;
}

/** A short name for a process a `pulumi up` starts, from its command line. */
export function nameOf(command: string): string {
    if (command.includes("pulumi-language-nodejs")) return "language host (pulumi-language-nodejs)";
    if (command.includes("@pulumi/pulumi/cmd/run")) return "the program (node, @pulumi/pulumi/cmd/run)";
    if (command.includes("cmd/dynamic-provider")) return "dynamic-provider host (node)";
    if (command.includes("pulumi-resource-pulumi-nodejs")) return "dynamic-provider launcher (sh)";
    if (command.includes("awsplugin")) return "test-only aws plugin (node)";
    return command.split(" ")[0];
}

export async function leftoversBench(out: NodeJS.WritableStream, limitS: number): Promise<Leftover[] | undefined> {
    const cli = locateCli();
    if (!cli) {
        out.write("\nLeftover processes: no Pulumi CLI found (run tests/cli/ensure-pulumi.sh); skipped.\n");
        return undefined;
    }
    const ws = await Workspace.create(cli, 0.005);
    try {
        // The README's `pulumi login --local`, in the workspace's own directory (as the end-to-end suite does).
        await ws.expectOk(`pulumi login file://${ws.dir}/backend`);
        for (const c of sectionCommands("Deploy").filter((x) => x.startsWith("pulumi config set") || x.startsWith("pulumi stack init"))) {
            await ws.expectOk(c);
        }
        const before = ws.fake.callsTo("CreateHarness").length;
        const killed = await ws.run("pulumi up --yes", {
            interrupt: { signal: "SIGKILL", when: () => ws.fake.callsTo("CreateHarness").length > before },
        });
        const killedAt = Date.now();
        if (killed.signal !== "SIGKILL" && killed.code !== 137) {
            throw new Error(`pulumi up was not killed (exit ${killed.code ?? killed.signal}):\n${killed.output}`);
        }
        const alive = new Map<number, Leftover>();
        for (const p of ws.strays()) {
            alive.set(p.pid, { name: nameOf(p.command), command: p.command });
        }
        const ended: Leftover[] = [];
        while (alive.size > 0 && Date.now() - killedAt < limitS * 1000) {
            await new Promise((r) => setTimeout(r, 1000));
            const now = new Set(ws.strays().map((p) => p.pid));
            for (const [pid, p] of alive) {
                if (!now.has(pid)) {
                    ended.push({ ...p, livedS: Math.round((Date.now() - killedAt) / 1000) });
                    alive.delete(pid);
                }
            }
        }
        const all = [...ended, ...alive.values()];
        out.write(`\nAfter kill -9 of pulumi up (${cli.pulumi}, ${cli.kind}), right after CreateHarness reached AWS:\n`);
        const program = nameOf("@pulumi/pulumi/cmd/run");
        if (!all.some((p) => p.name === program)) {
            // The program's calls go to the engine, which is gone: it ends before the first look.
            out.write(`  ${program.padEnd(44)} ended with the CLI\n`);
        }
        for (const p of all) {
            out.write(
                `  ${p.name.padEnd(44)} ${p.livedS === undefined ? `still running after ${limitS} s` : `ended after ${p.livedS} s`}\n`,
            );
        }
        return all;
    } finally {
        await ws.dispose();
    }
}
