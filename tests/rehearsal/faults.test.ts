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

    it("covers 41 cells: both topologies, every resource, every fault that applies", () => {
        expect(cells).to.have.length(41);
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
