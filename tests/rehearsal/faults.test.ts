import { expect } from "chai";
import { Cell, faultMatrix, renderMatrix } from "./faults";
import { Bench, startBench } from "./scenarios";

describe("fault matrix: every dynamic resource against every injected fault", function () {
    this.timeout(600_000);
    let bench: Bench;
    let cells: Cell[];
    before(async () => {
        bench = await startBench(0.002);
        cells = await faultMatrix(bench);
        console.log(renderMatrix(cells));
    });
    after(async () => {
        await bench.stop();
    });

    it("covers 131 cells: both topologies, every resource, every fault that applies, before and after AWS executed the request", () => {
        expect(cells).to.have.length(131);
        expect(cells.filter((c) => / on (create|update|delete)$/.test(c.fault))).to.have.length(84);
        expect(cells.filter((c) => c.fault === "throttled 5 min in a wait").map((c) => c.resource)).to.deep.equal([
            "zscaler-mcp-service",
            "zscaler-mcp-agent-harness",
            "zscaler-mcp-runtime",
            "zscaler-mcp-gateway",
            "zscaler-mcp-target",
            "zscaler-mcp-agent-harness",
        ]);
    });

    it("converges at once when AWS did the work and the answer went wrong: no second copy, no conflict", () => {
        const after = cells.filter((c) => / on (create|update|delete)$/.test(c.fault));
        expect(after.filter((c) => c.outcome !== "converged").map((c) => `${c.resource} ${c.fault}: ${c.firstError}`)).to.deep.equal([]);
    });

    it("keeps waiting through five minutes of throttling, and records the resource as what it is", () => {
        const long = cells.filter((c) => c.fault === "throttled 5 min in a wait");
        expect(
            long
                .filter((c) => c.outcome !== "converged" || c.orphans.length > 0)
                .map((c) => `${c.resource}: ${c.firstError ?? c.orphans.join("; ")}`),
        ).to.deep.equal([]);
    });

    it("ends every cell converged, directly or after a clear error", () => {
        const bad = cells.filter((c) => c.outcome !== "converged" && c.outcome !== "failed clearly, then converged");
        expect(bad.map((c) => `${c.topology} ${c.resource} ${c.fault}: ${c.outcome} (${c.firstError})`)).to.deep.equal([]);
    });

    it("retries throttling, server errors and IAM propagation without failing the run", () => {
        const transient = cells.filter((c) => ["throttle", "server error", "IAM propagation"].includes(c.fault));
        expect(transient.filter((c) => c.outcome !== "converged").map((c) => `${c.resource} ${c.fault}`)).to.deep.equal([]);
    });

    it("fails a failed or never-ready resource clearly, then converges on the next up", () => {
        const hard = cells.filter((c) => c.fault === "failed status" || c.fault === "never ready");
        expect(hard.length).to.equal(12);
        expect(hard.filter((c) => c.outcome !== "failed clearly, then converged").map((c) => `${c.resource} ${c.fault}`)).to.deep.equal([]);
    });

    it("leaves no orphan and no leak anywhere", () => {
        expect(cells.flatMap((c) => c.orphans)).to.deep.equal([]);
        expect(cells.flatMap((c) => c.leaks)).to.deep.equal([]);
    });
});
