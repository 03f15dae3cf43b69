/**
 * `npm run bench [-- --scale 0.05] [-- --part rehearsal|cli]`: rehearses each topology with AWS's
 * latencies (scaled down, 1/10 by default) and prints the deploy's wall time, its critical path,
 * the sum of all waits, API calls and polling rates, and the start-up time of `npm run invoke`;
 * then, with the real Pulumi CLI, the time of a preview, the size of the state and the tool
 * check's own time against the real MCP server (./cli.ts).
 *
 * `npm run bench -- --part leftovers [--limit <seconds>]`, run on its own: how long the processes
 * of a killed `pulumi up` live on (./leftovers.ts).
 */
import { spawn } from "child_process";
import * as os from "os";
import * as path from "path";
import { Durations } from "../fakeaws/server";
import { registrationOptions } from "../support/mocks";
import { Operation, Rehearsal } from "../rehearsal/engine";
import { SCENARIOS, startBench } from "../rehearsal/scenarios";
import { cliBench } from "./cli";
import { leftoversBench } from "./leftovers";

/** Seconds AWS typically takes, as observed on real deployments. */
const AWS_DURATIONS: Durations = {
    harness: 60_000,
    runtime: 60_000,
    gateway: 30_000,
    target: 30_000,
    oauth: 0,
    ecsCreate: 270_000,
    ecsUpdate: 120_000,
    ecsDelete: 60_000,
    ecsDrain: 90_000,
};

/** Seconds `@pulumi/aws` resources take (IAM, Cognito, Secrets Manager, ECS cluster, logs). */
function awsSeconds(type: string): number {
    if (type.startsWith("aws:iam/role:")) return 3;
    if (type.startsWith("aws:iam/")) return 1;
    if (type === "aws:cognito/userPoolDomain:UserPoolDomain") return 5;
    if (type.startsWith("aws:cognito/")) return 2;
    if (type === "aws:ecs/cluster:Cluster") return 3;
    return 1;
}

function arg(name: string, dflt: string): string {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : dflt;
}

/** The longest chain of operations the dependencies force, in ms, with its members. */
export function criticalPath(ops: Operation[]): { ms: number; chain: string[] } {
    const byName = new Map(ops.map((o) => [o.name, o]));
    const memo = new Map<string, { ms: number; chain: string[] }>();
    const walk = (name: string): { ms: number; chain: string[] } => {
        const hit = memo.get(name);
        if (hit) return hit;
        const op = byName.get(name)!;
        const deps = registrationOptions(op.type, op.name)
            .dependencies.map((u) => u.split("::").pop()!)
            .filter((d) => byName.has(d) && d !== name);
        let best = { ms: 0, chain: [] as string[] };
        for (const d of deps) {
            const c = walk(d);
            if (c.ms > best.ms) best = c;
        }
        const result = { ms: best.ms + (op.endMs - op.startMs), chain: [...best.chain, name] };
        memo.set(name, result);
        return result;
    };
    return ops.reduce(
        (best, o) => {
            const c = walk(o.name);
            return c.ms > best.ms ? c : best;
        },
        { ms: 0, chain: [] as string[] },
    );
}

/**
 * The order AWS itself forces on a deploy, as (step, AWS seconds, steps it needs): what a request
 * names must exist (an ARN, a client id), and what a service calls must be ready (the target calls
 * the runtime, the allow-list rollout needs the endpoint). Latencies are the ones injected above.
 */
const FORCED: Record<"ecs" | "gateway", [string, number, string[]][]> = {
    ecs: [
        ["secret", 1, []],
        ["secret value", 1, ["secret"]],
        ["task role", 3, []],
        ["task role policies", 1, ["task role", "secret value"]],
        ["infrastructure role", 3, []],
        ["infrastructure policy", 1, ["infrastructure role"]],
        ["cluster", 3, []],
        ["log group", 1, []],
        [
            "service (ACTIVE, endpoint)",
            AWS_DURATIONS.ecsCreate / 1000,
            ["task role policies", "infrastructure policy", "cluster", "log group"],
        ],
        ["allow-list rollout", AWS_DURATIONS.ecsUpdate / 1000, ["service (ACTIVE, endpoint)"]],
        ["API-key provider", AWS_DURATIONS.oauth / 1000, []],
        ["harness role", 3, []],
        ["harness policy", 1, ["harness role"]],
        ["harness", AWS_DURATIONS.harness / 1000, ["service (ACTIVE, endpoint)", "API-key provider", "harness policy"]],
    ],
    gateway: [
        ["user pool", 2, []],
        ["resource server", 2, ["user pool"]],
        ["client", 2, ["resource server"]],
        ["domain", 5, ["user pool"]],
        ["secret", 1, []],
        ["secret value", 1, ["secret"]],
        ["OAuth2 provider", AWS_DURATIONS.oauth / 1000, ["client", "domain"]],
        ["runtime role", 3, []],
        ["runtime policy", 1, ["runtime role", "secret value"]],
        ["runtime (accepted)", 0, ["runtime policy", "client"]],
        ["runtime (READY)", AWS_DURATIONS.runtime / 1000, ["runtime (accepted)"]],
        ["gateway role", 3, []],
        ["gateway policy", 1, ["gateway role", "runtime (accepted)"]],
        ["gateway", AWS_DURATIONS.gateway / 1000, ["gateway policy", "client"]],
        ["target", AWS_DURATIONS.target / 1000, ["gateway", "runtime (READY)", "OAuth2 provider"]],
        ["harness role", 3, []],
        ["harness policy", 1, ["harness role"]],
        ["harness", AWS_DURATIONS.harness / 1000, ["gateway", "OAuth2 provider", "harness policy"]],
    ],
};

/** The longest chain of the order AWS forces, in AWS ms, with its steps. */
export function forcedCriticalPath(topology: "ecs" | "gateway"): { ms: number; chain: string[] } {
    const steps = new Map(FORCED[topology].map(([name, seconds, needs]) => [name, { ms: seconds * 1000, needs }]));
    const memo = new Map<string, { ms: number; chain: string[] }>();
    const walk = (name: string): { ms: number; chain: string[] } => {
        const hit = memo.get(name);
        if (hit) return hit;
        const step = steps.get(name)!;
        const longest = step.needs.map(walk).reduce((a, b) => (b.ms > a.ms ? b : a), { ms: 0, chain: [] as string[] });
        const result = { ms: longest.ms + step.ms, chain: [...longest.chain, name] };
        memo.set(name, result);
        return result;
    };
    return [...steps.keys()].map(walk).reduce((a, b) => (b.ms > a.ms ? b : a));
}

/** Resources that only wait for another one, and the one they wait for. */
const WAITS_FOR: Record<string, string> = { ExpressGatewayServiceRollout: "ExpressGatewayService", AgentRuntimeReady: "AgentRuntime" };

const KIND_OF_OP: [RegExp, string][] = [
    [/Harness/, "Harness"],
    [/ApiKeyCredentialProvider/, "ApiKeyCredentialProvider"],
    [/Oauth2CredentialProvider/, "Oauth2CredentialProvider"],
    [/AgentRuntime/, "AgentRuntime"],
    [/GatewayTarget/, "GatewayTarget"],
    [/Gateway(?!Service)/, "Gateway"],
    // The allow-list rollout's polls are ECS calls too: they count for the service.
    [/ExpressGatewayService|Services|TaskDefinition/, "ExpressGatewayService"],
];

/**
 * The start-up of `npm run invoke`: from spawning the command to its InvokeHarness request, and to
 * its exit, in real time. One warm-up run (it fills tsx's and Node's compile caches, as a user's
 * first run does), then the median of five.
 */
async function invokeStartup(
    env: Record<string, string>,
    harnessArn: string,
    calls: () => { op: string; wallAt: number }[],
): Promise<{ firstRequestMs: number; totalMs: number }> {
    const once = async (): Promise<{ firstRequestMs: number; totalMs: number }> => {
        const before = calls().filter((c) => c.op === "InvokeHarness").length;
        const started = Date.now();
        await new Promise<void>((resolve, reject) => {
            const child = spawn(
                process.execPath,
                ["-r", "tsx/cjs", path.join("scripts", "cli.ts"), "invoke", "hello", "--harness-arn", harnessArn],
                {
                    cwd: path.join(__dirname, "..", ".."),
                    env: { ...process.env, ...env },
                    stdio: ["ignore", "ignore", "pipe"],
                },
            );
            let err = "";
            child.stderr.on("data", (d) => (err += d));
            child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`invoke exited ${code}: ${err}`))));
        });
        const totalMs = Date.now() - started;
        const first = calls().filter((c) => c.op === "InvokeHarness")[before];
        return { firstRequestMs: first ? first.wallAt - started : NaN, totalMs };
    };
    await once();
    const runs: { firstRequestMs: number; totalMs: number }[] = [];
    for (let i = 0; i < 5; i++) {
        runs.push(await once());
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    return { firstRequestMs: median(runs.map((r) => r.firstRequestMs)), totalMs: median(runs.map((r) => r.totalMs)) };
}

async function main(): Promise<void> {
    // --part rehearsal or --part cli runs one half (default: both); --part leftovers, only on its own.
    const part = arg("part", "all");
    if (part === "cli") {
        await cliBench(process.stdout);
        return;
    }
    if (part === "leftovers") {
        await leftoversBench(process.stdout, Number(arg("limit", "600")));
        return;
    }
    // At 1/10, the program's own CPU time (loading providers, the SDK) stays small next to AWS's
    // latencies; at stronger compression it would count as minutes of AWS time.
    const scale = Number(arg("scale", "0.1"));
    const bench = await startBench(scale, AWS_DURATIONS);
    const minutes = (realMs: number) => `${(realMs / scale / 60_000).toFixed(2)} min`;
    process.stdout.write(
        `Deploy benchmark: AWS latencies scaled by ${scale.toFixed(4)} (1/${Math.round(1 / scale)}); figures in AWS time.\n` +
            `Machine: ${os.cpus()[0]?.model ?? "?"} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}\n`,
    );
    try {
        for (const scenario of [SCENARIOS[0], SCENARIOS[5]]) {
            bench.fake.reset();
            const r = new Rehearsal(bench.fake, bench.host, "bench", (type) => awsSeconds(type) * 1000 * scale);
            const secretKeys = scenario.config.zscalerClientSecret ? ["zscalerClientSecret"] : [];
            const result = await r.up({ config: scenario.config, secretKeys, invokes: scenario.invokes });
            if (!result.ok) {
                throw new Error(`${scenario.name}: ${result.error}`);
            }
            const ops = result.operations;
            const crit = criticalPath(ops);
            const sum = ops.reduce((n, o) => n + (o.endMs - o.startMs), 0);
            // From the first operation to the last: loading the program is not part of AWS's time.
            const deployMs = Math.max(...ops.map((o) => o.endMs)) - Math.min(...ops.map((o) => o.startMs));
            process.stdout.write(`\n${scenario.name}\n`);
            process.stdout.write(`  deploy wall time        ${minutes(deployMs)}\n`);
            const forced = forcedCriticalPath(scenario.topology);
            process.stdout.write(`  critical path           ${minutes(crit.ms)}  (the program's order: ${crit.chain.join(" -> ")})\n`);
            process.stdout.write(`  wall / critical path    ${(deployMs / crit.ms).toFixed(3)}\n`);
            process.stdout.write(
                `  forced critical path    ${(forced.ms / 60_000).toFixed(2)} min  (the order AWS forces: ${forced.chain.join(" -> ")})\n`,
            );
            process.stdout.write(`  wall / forced path      ${(deployMs / scale / forced.ms).toFixed(3)}\n`);
            process.stdout.write(`  sum of all waits        ${minutes(sum)}  (one step at a time)\n`);
            const calls = bench.fake.calls;
            process.stdout.write("  API calls (polls) per resource, polls per minute of waiting, shortest gap after the 3rd poll:\n");
            // By AWS resource: a resource that only waits (the allow-list rollout, the runtime's
            // readiness) polls the same API as the one it waits for, and counts with it.
            const kindOf = (type: string) => WAITS_FOR[type.split(":").pop()!] ?? type.split(":").pop()!;
            const kinds = [...new Set(ops.filter((o) => o.type.startsWith("pulumi-nodejs:dynamic/")).map((o) => kindOf(o.type)))];
            for (const kind of kinds) {
                const mine = calls.filter((c) => KIND_OF_OP.find(([re]) => re.test(c.op))?.[1] === kind);
                const polls = mine.filter((c) => /^(Get|Describe)/.test(c.op));
                const waitMin =
                    ops
                        .filter((o) => o.type.startsWith("pulumi-nodejs:dynamic/") && kindOf(o.type) === kind)
                        .reduce((n, o) => n + (o.endMs - o.startMs), 0) /
                    scale /
                    60_000;
                // Each wait starts its backoff anew (after a create or update call): measure the
                // gaps inside each wait, after its first three polls.
                const gaps: number[] = [];
                let run: number[] = [];
                for (const c of mine) {
                    if (!/^(Get|Describe)/.test(c.op)) {
                        run = [];
                        continue;
                    }
                    run.push(c.at);
                    if (run.length > 3) {
                        gaps.push(run[run.length - 1] - run[run.length - 2]);
                    }
                }
                const minGap = gaps.length ? Math.min(...gaps) / 1000 : NaN;
                process.stdout.write(
                    `    ${kind.padEnd(28)} ${String(mine.length).padStart(4)} calls (${String(polls.length).padStart(3)} polls)  ` +
                        `${waitMin > 0 ? (polls.length / waitMin).toFixed(1) : "-"} polls/min  min gap ${Number.isNaN(minGap) ? "-" : `${minGap.toFixed(1)} s`}\n`,
                );
            }
        }
        const harness = bench.fake.list("harness")[0];
        const startup = await invokeStartup(bench.fake.env(), harness.arn, () => bench.fake.calls);
        process.stdout.write(
            `\nnpm run invoke: first request after ${startup.firstRequestMs} ms, done after ${startup.totalMs} ms (real time)\n`,
        );
    } finally {
        await bench.stop();
    }
    if (part !== "rehearsal") {
        await cliBench(process.stdout);
    }
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
