/**
 * `npm run rehearse`: rehearses every stack configuration through Pulumi's dynamic-provider host
 * against the local AWS endpoint, and prints what happened to each resource and how long it took.
 */
import { describeRun, rehearse, SCENARIOS, startBench } from "./scenarios";

async function main(): Promise<number> {
    const scale = Number(process.env.REHEARSAL_TIME_SCALE ?? "0.002");
    const bench = await startBench(scale);
    let failures = 0;
    try {
        process.stdout.write(`Rehearsal (AWS time compressed ${Math.round(1 / scale)}x; times below are real)\n`);
        for (const scenario of SCENARIOS) {
            const report = await rehearse(bench, scenario);
            process.stdout.write(`\n${scenario.name}\n`);
            for (const { label, result } of report.runs) {
                process.stdout.write(`  ${label}\n${describeRun(result).join("\n")}\n`);
            }
            const problems = [...report.endChecks, ...report.orphans.map((o) => `orphan: ${o}`), ...report.leaks.map((l) => `leak: ${l}`)];
            const failedRuns = report.runs.filter((r) => !r.result.ok).map((r) => `${r.label} failed`);
            for (const p of [...failedRuns, ...problems]) {
                process.stdout.write(`  PROBLEM ${p}\n`);
            }
            failures += failedRuns.length + problems.length;
        }
    } finally {
        await bench.stop();
    }
    process.stdout.write(`\n${failures === 0 ? "All configurations converged, with no orphan and no leak." : `${failures} problem(s).`}\n`);
    return failures === 0 ? 0 : 1;
}

main().then(
    (code) => process.exit(code),
    (e) => {
        console.error(e);
        process.exit(1);
    },
);
