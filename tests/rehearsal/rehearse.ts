/**
 * `npm run rehearse`: rehearses every stack configuration through Pulumi's dynamic-provider host
 * against the local AWS endpoint, and prints what happened to each resource and how long it took.
 * `npm run rehearse -- --stack <name>` rehearses that stack's own configuration instead (read with
 * `pulumi config --json`; secret values only in memory, never printed).
 */
import { spawnSync } from "child_process";
import { SettingsError } from "../../config/messages";
import { readStackConfig, readThroughPulumi, settingsOf, StackConfig } from "../../scripts/doctor/stackConfig";
import { ConfigEntries, readConfigEntries } from "../../scripts/identity";
import { EXIT, Io, OperatorError } from "../../scripts/io";
import { describeRun, existingCluster, externalSecret, rehearse, Scenario, SCENARIOS, startBench } from "./scenarios";

const USAGE = `usage: npm run rehearse [-- --stack <name>]

Rehearses pulumi up (twice), a change of prompt, model and image, a rename of the harness and
pulumi destroy through Pulumi's dynamic-provider host against a local AWS endpoint: for seven
built-in stack configurations, or with --stack for that stack's own configuration.
`;

/** The aws:* keys a rehearsal keeps; the others (profile, roles to assume, endpoints) would lead away from the local endpoint. */
const AWS_KEYS_KEPT = ["aws:region", "aws:defaultTags"];

/** The local endpoint runs no MCP server: the deploy's tool check is left to the end-to-end tier. */
const NO_TOOL_CHECK = { verifyTools: "false" };

/**
 * The rehearsal of a stack's own configuration: its keys (secret ones with the values `revealed`
 * holds), validated as `pulumi up` validates them first (a SettingsError lists every problem).
 */
export function stackScenario(io: Io, config: StackConfig, revealed: () => ConfigEntries): { scenario: Scenario; notes: string[] } {
    const settings = settingsOf(io, config, revealed);
    const prefix = `${config.project}:`;
    const anySecret = Object.values(config.entries).some((e) => e.secret);
    const entries = anySecret ? { ...config.entries, ...revealed() } : config.entries;
    const values: Record<string, string> = {};
    const secretKeys: string[] = [];
    const dropped: string[] = [];
    for (const [key, entry] of Object.entries(entries)) {
        const own = key.startsWith(prefix) ? key.slice(prefix.length) : undefined;
        if (own === undefined && !AWS_KEYS_KEPT.includes(key)) {
            dropped.push(key);
            continue;
        }
        if (entry.value === undefined) {
            continue;
        }
        values[own ?? key] = entry.value;
        if (entry.secret && own !== undefined) {
            secretKeys.push(own);
        }
    }
    const notes = [`verifyTools is false in the rehearsal: the local endpoint runs no MCP server to call.`];
    if (dropped.length > 0) {
        notes.push(`Not used, the rehearsal runs against the local endpoint: ${dropped.sort().join(", ")}.`);
    }
    return {
        scenario: {
            name: `stack ${config.stack}`,
            config: { ...values, ...NO_TOOL_CHECK },
            secretKeys,
            invokes: {
                ...(settings.secrets.mode === "external" ? externalSecret : {}),
                ...(settings.ecs.existingClusterName !== undefined ? existingCluster : {}),
            },
            topology: settings.topology,
            deploysServer: settings.deploysServer,
        },
        notes,
    };
}

/** The Pulumi CLI, as the operator commands run it: its output, or its error as an OperatorError. */
function runPulumi(args: string[]): string | undefined {
    const r = spawnSync("pulumi", args, { encoding: "utf8" });
    if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") {
        return undefined;
    }
    if (r.status !== 0) {
        throw new OperatorError(`pulumi ${args.join(" ")} failed: ${(r.stderr || "").trim() || `exit ${r.status ?? r.signal}`}`);
    }
    return r.stdout;
}

/** The scenarios to rehearse: the built-in ones, or the one of `--stack`; a number is the exit code of a refusal. */
function scenarios(argv: string[], io: Io): Scenario[] | number {
    const [flag, stack, ...rest] = argv;
    if (flag === undefined) {
        return SCENARIOS;
    }
    if (flag === "--help" || flag === "-h") {
        io.stdout.write(USAGE);
        return EXIT.ok;
    }
    if (flag !== "--stack" || !stack || stack.startsWith("-") || rest.length > 0) {
        io.stderr.write(
            `npm run rehearse: ${flag === "--stack" ? "--stack needs a stack name" : `unknown arguments ${argv.join(" ")}`}\n\n${USAGE}`,
        );
        return EXIT.usage;
    }
    try {
        const config = readStackConfig(io, stack, "npm run rehearse");
        let secrets: ConfigEntries | undefined;
        const revealed = () =>
            (secrets ??= readThroughPulumi(() => readConfigEntries(io, [...config.stackArgs, "--show-secrets"]), "npm run rehearse") ?? {});
        const { scenario, notes } = stackScenario(io, config, revealed);
        io.stdout.write(notes.map((n) => `${n}\n`).join(""));
        return [scenario];
    } catch (e) {
        if (e instanceof SettingsError) {
            io.stderr.write(
                `Stack ${stack}: pulumi up would refuse its configuration, so there is nothing to rehearse. ` +
                    `${e.problems.length} problem${e.problems.length === 1 ? "" : "s"}, each with its fix:\n` +
                    e.problems.map((p) => `  - ${p}\n`).join(""),
            );
            return EXIT.usage;
        }
        if (e instanceof OperatorError) {
            io.stderr.write(`${e.message}\n`);
            return e.exitCode;
        }
        throw e;
    }
}

export async function main(argv: string[], io: Io): Promise<number> {
    const chosen = scenarios(argv, io);
    if (typeof chosen === "number") {
        return chosen;
    }
    const scale = Number(io.env.REHEARSAL_TIME_SCALE ?? "0.002");
    const bench = await startBench(scale);
    let failures = 0;
    try {
        io.stdout.write(`Rehearsal (AWS time compressed ${Math.round(1 / scale)}x; times below are real)\n`);
        for (const scenario of chosen) {
            const report = await rehearse(bench, scenario);
            io.stdout.write(`\n${scenario.name}\n`);
            for (const { label, result } of report.runs) {
                io.stdout.write(`  ${label}\n${describeRun(result).join("\n")}\n`);
            }
            const problems = [...report.endChecks, ...report.orphans.map((o) => `orphan: ${o}`), ...report.leaks.map((l) => `leak: ${l}`)];
            const failedRuns = report.runs.filter((r) => !r.result.ok).map((r) => `${r.label} failed`);
            for (const p of [...failedRuns, ...problems]) {
                io.stdout.write(`  PROBLEM ${p}\n`);
            }
            failures += failedRuns.length + problems.length;
        }
    } finally {
        await bench.stop();
    }
    io.stdout.write(`\n${failures === 0 ? "All configurations converged, with no orphan and no leak." : `${failures} problem(s).`}\n`);
    return failures === 0 ? EXIT.ok : EXIT.failed;
}

if (require.main === module) {
    main(process.argv.slice(2), {
        stdout: process.stdout,
        stderr: process.stderr,
        env: process.env,
        isTTY: false,
        pulumi: runPulumi,
    }).then(
        (code) => process.exit(code),
        (e) => {
            console.error(e);
            process.exit(1);
        },
    );
}
