/**
 * The real Pulumi CLI's side of `npm run bench`: the wall time of `pulumi preview` on a new stack
 * and on an unchanged one (median of three), the size of the state the backend stores and of what
 * `pulumi stack export` prints, the share of it that is provider code (`__provider`, in inputs
 * and outputs), and the tool check's own time against the real MCP server.
 */
import * as fs from "fs";
import * as path from "path";
import { sectionCommands } from "../e2e/readme";
import { locateCli, Workspace } from "../e2e/workspace";

export interface CliFigures {
    topology: string;
    newStackPreviewMs: number[];
    unchangedPreviewMs: number[];
    /**
     * The tool check's own time against the real server (hosted on this machine): a targeted `up`
     * that replaces only the check, less a targeted `up` that changes nothing (the engine's share),
     * median of three pairs.
     */
    toolCheckMs: number[];
    /** The checkpoint the backend stores for the stack (what "state per stack" costs). */
    stateBytes: number;
    /** The same state as `pulumi stack export` prints it (indented). */
    exportBytes: number;
    providerCodeBytes: number;
    dynamicResources: number;
}

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
}

/** Bytes of `__provider` text in the exported state: the providers serialized into each dynamic resource. */
export function providerCodeBytes(exported: any): { bytes: number; resources: number } {
    let bytes = 0;
    let resources = 0;
    for (const r of exported.deployment?.resources ?? []) {
        if (!String(r.type).startsWith("pulumi-nodejs:dynamic")) {
            continue;
        }
        resources++;
        for (const bag of [r.inputs, r.outputs]) {
            const code = bag?.__provider;
            bytes += typeof code === "string" ? Buffer.byteLength(JSON.stringify(code)) : 0;
        }
    }
    return { bytes, resources };
}

async function measure(ws: Workspace, topology: "ecs" | "gateway"): Promise<CliFigures> {
    const ok = (c: string) => ws.expectOk(c);
    await ok(`pulumi stack init bench-${topology}`);
    // The README's configuration of a new stack, then the topology.
    for (const c of sectionCommands("Deploy").filter((x) => x.startsWith("pulumi config set"))) {
        await ok(c);
    }
    await ok(`pulumi config set topology ${topology}`);
    const newStackPreviewMs: number[] = [];
    for (let i = 0; i < 3; i++) {
        newStackPreviewMs.push((await ok("pulumi preview")).ms);
    }
    await ok("pulumi up --yes");
    const unchangedPreviewMs: number[] = [];
    for (let i = 0; i < 3; i++) {
        unchangedPreviewMs.push((await ok("pulumi preview --expect-no-changes")).ms);
    }
    const check = (JSON.parse((await ok("pulumi stack export")).stdout).deployment.resources as { urn: string; type: string }[]).find(
        (r) => r.type === "pulumi-nodejs:dynamic/mcp:ToolCheck",
    )!.urn;
    const toolCheckMs: number[] = [];
    for (let i = 0; i < 3; i++) {
        const rerun = (await ok(`pulumi up --yes --target '${check}' --replace '${check}'`)).ms;
        const idle = (await ok(`pulumi up --yes --target '${check}'`)).ms;
        toolCheckMs.push(rerun - idle);
    }
    const exported = (await ok("pulumi stack export")).stdout;
    const code = providerCodeBytes(JSON.parse(exported));
    const checkpoint = path.join(ws.dir, "backend", ".pulumi", "stacks", "zscaler-mcp-harness", `bench-${topology}.json`);
    const stateBytes = fs.statSync(checkpoint).size;
    await ok("pulumi destroy --yes");
    return {
        topology,
        newStackPreviewMs,
        unchangedPreviewMs,
        toolCheckMs,
        stateBytes,
        exportBytes: Buffer.byteLength(exported),
        providerCodeBytes: code.bytes,
        dynamicResources: code.resources,
    };
}

/** Runs both topologies through the CLI and prints the figures; says so when there is no CLI. */
export async function cliBench(out: NodeJS.WritableStream): Promise<CliFigures[] | undefined> {
    const cli = locateCli();
    if (!cli) {
        out.write("\nReal Pulumi CLI: none found (run tests/cli/ensure-pulumi.sh); skipped.\n");
        return undefined;
    }
    // As the end-to-end suite: the real MCP server starts in real seconds, which a stronger compression
    // would turn into hours of AWS time.
    const ws = await Workspace.create(cli, 0.005);
    const figures: CliFigures[] = [];
    try {
        await ws.run(`pulumi login file://${ws.dir}/backend`);
        out.write(`\nReal Pulumi CLI (${cli.pulumi}, ${cli.kind}), AWS time compressed 200x:\n`);
        for (const topology of ["ecs", "gateway"] as const) {
            const f = await measure(ws, topology);
            figures.push(f);
            const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;
            out.write(
                `  ${topology.padEnd(8)} preview, new stack ${(median(f.newStackPreviewMs) / 1000).toFixed(1)} s` +
                    `  preview, unchanged ${(median(f.unchangedPreviewMs) / 1000).toFixed(1)} s` +
                    `  tool check ${(median(f.toolCheckMs) / 1000).toFixed(2)} s (${f.toolCheckMs.map((ms) => (ms / 1000).toFixed(2)).join(", ")})` +
                    `  state ${kb(f.stateBytes)} stored (${kb(f.exportBytes)} exported), of which provider code ${kb(f.providerCodeBytes)} ` +
                    `(${((100 * f.providerCodeBytes) / f.stateBytes).toFixed(0)}%, ${f.dynamicResources} dynamic resources)\n`,
            );
        }
    } finally {
        await ws.dispose();
    }
    return figures;
}
