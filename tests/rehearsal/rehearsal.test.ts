import { expect } from "chai";
import { ACCOUNT } from "../support/mocks";
import { endpointIds, leaks, Rehearsal } from "./engine";
import { Bench, changesOf, CLIENT_SECRET, rehearse, scenario, SCENARIOS, SECRET_NEEDLES, startBench } from "./scenarios";

// Real time compressed 500 times: a 10 s poll interval takes 20 ms.
const SCALE = 0.002;

describe("rehearsal: the real program through Pulumi's dynamic-provider host", function () {
    this.timeout(120_000);
    let bench: Bench;
    before(async () => {
        bench = await startBench(SCALE);
    });
    after(async () => {
        await bench.stop();
    });

    for (const scenario of SCENARIOS) {
        it(`${scenario.name}: converges, is a no-op when unchanged, updates in place, replaces on rename, destroys cleanly`, async () => {
            const report = await rehearse(bench, scenario);
            const [up, again, change, rename, destroy] = report.runs.map((r) => r.result);
            expect(up.ok, up.error).to.equal(true);
            expect(report.endChecks).to.deep.equal([]);
            expect(again.ok).to.equal(true);
            expect(changesOf(again)).to.deep.equal([]);
            expect(again.operations.every((o) => o.op === "same")).to.equal(true);
            const server =
                scenario.topology === "gateway"
                    ? ["update zscaler-mcp-runtime"]
                    : scenario.deploysServer
                      ? ["update zscaler-mcp-service"]
                      : [];
            expect(changesOf(change).sort()).to.deep.equal([...server, "update zscaler-mcp-agent-harness"].sort());
            expect(changesOf(rename)).to.deep.equal(["replace zscaler-mcp-agent-harness", "delete zscaler-mcp-agent-harness"]);
            expect(destroy.ok, destroy.error).to.equal(true);
            expect(endpointIds(bench.fake)).to.deep.equal([]);
            expect(report.orphans).to.deep.equal([]);
            expect(report.leaks).to.deep.equal([]);
        });
    }

    it("deletes before it replaces when a create-only field changes and the name is kept", async () => {
        bench.fake.reset();
        const r = new Rehearsal(bench.fake, bench.host);
        const config = scenario("ecs default").config;
        const invokes = {
            "aws:ecs/getCluster:getCluster": (i: any) => ({
                clusterName: i.clusterName,
                arn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/${i.clusterName}`,
            }),
        };
        expect((await r.up({ config, secretKeys: ["zscalerClientSecret"], invokes })).ok).to.equal(true);
        const moved = await r.up({ config: { ...config, ecsClusterName: "shared-cluster" }, secretKeys: ["zscalerClientSecret"], invokes });
        expect(moved.ok, moved.error).to.equal(true);
        expect(changesOf(moved)).to.include("replace zscaler-mcp-service");
        const ops = bench.fake.calls
            .filter((c) => c.op === "DeleteExpressGatewayService" || c.op === "CreateExpressGatewayService")
            .map((c) => c.op);
        expect(ops).to.deep.equal(["CreateExpressGatewayService", "DeleteExpressGatewayService", "CreateExpressGatewayService"]);
        // The harness follows the new service URL in place.
        expect(changesOf(moved)).to.include("update zscaler-mcp-agent-harness");
        await r.destroy();
        expect(endpointIds(bench.fake)).to.deep.equal([]);
    });

    it("switches a stack from ecs to gateway, updating the harness in place and removing the ECS pieces", async () => {
        bench.fake.reset();
        const r = new Rehearsal(bench.fake, bench.host);
        const ecs = scenario("ecs default").config;
        expect((await r.up({ config: ecs, secretKeys: ["zscalerClientSecret"] })).ok).to.equal(true);
        const harnessId = bench.fake.list("harness")[0].id;
        const switched = await r.up({ config: { ...ecs, topology: "gateway" }, secretKeys: ["zscalerClientSecret"] });
        expect(switched.ok, switched.error).to.equal(true);
        const dynamicChanges = switched.operations
            .filter((o) => o.type.startsWith("pulumi-nodejs:") && o.op !== "same")
            .map((o) => `${o.op} ${o.name}`);
        expect(dynamicChanges).to.include.members([
            "update zscaler-mcp-agent-harness",
            "delete zscaler-mcp-service",
            "delete zscaler-mcp-api-key",
            "create zscaler-mcp-gateway",
        ]);
        const [harness] = bench.fake.list("harness");
        expect(harness.id).to.equal(harnessId);
        expect(harness.data.tools[0].type).to.equal("agentcore_gateway");
        expect(bench.fake.list("ecs").filter((x) => x.status !== "INACTIVE")).to.deep.equal([]);
        expect(bench.fake.list("apikey")).to.deep.equal([]);
        expect(r.dynamicIds()).to.deep.equal(endpointIds(bench.fake));
        await r.destroy();
        expect(endpointIds(bench.fake)).to.deep.equal([]);
    });

    it("updates a resource left with initialization errors although its Diff reports no change, as the engine does", async () => {
        bench.fake.reset();
        const r = new Rehearsal(bench.fake, bench.host);
        const up = { config: scenario("ecs default").config, secretKeys: ["zscalerClientSecret"] };
        expect((await r.up(up)).ok).to.equal(true);
        // What a provider's initialization failure leaves in the state (the resource exists; its operation failed).
        r.state.get("zscaler-mcp-agent-harness")!.initErrors = ["the harness did not become READY"];
        const preview = await r.up({ ...up, preview: true });
        expect(changesOf(preview)).to.deep.equal(["update zscaler-mcp-agent-harness"]);
        const repaired = await r.up(up);
        expect(repaired.ok, repaired.error).to.equal(true);
        expect(changesOf(repaired)).to.deep.equal(["update zscaler-mcp-agent-harness"]);
        // A successful update clears them: the next up changes nothing.
        expect(r.state.get("zscaler-mcp-agent-harness")!.initErrors).to.equal(undefined);
        expect(changesOf(await r.up(up))).to.deep.equal([]);
        await r.destroy();
    });

    it("leaves a retained part in the account on destroy, as the engine does with retainOnDelete", async () => {
        bench.fake.reset();
        const r = new Rehearsal(bench.fake, bench.host);
        expect(
            (
                await r.up({
                    config: { ...scenario("gateway, managed secret").config, retain: '["runtime"]' },
                    secretKeys: ["zscalerClientSecret"],
                })
            ).ok,
        ).to.equal(true);
        const runtimeId = bench.fake.list("runtime")[0].id;
        const destroyed = await r.destroy();
        expect(destroyed.ok, destroyed.error).to.equal(true);
        expect(r.state.size).to.equal(0);
        expect(endpointIds(bench.fake)).to.deep.equal([runtimeId]);
    });

    it("finds no secret outside what Pulumi keeps secret, including the serialized providers", async () => {
        bench.fake.reset();
        const r = new Rehearsal(bench.fake, bench.host);
        await r.up({ config: scenario("ecs, plaintext secret").config, secretKeys: ["zscalerClientSecret"] });
        // The scan is real: the plaintext secret is in the state, only under secret keys.
        expect(r.observed.some((o) => o.secret && JSON.stringify(o.value).includes(CLIENT_SECRET))).to.equal(true);
        expect(r.observed.some((o) => o.where.endsWith(".inputs.__provider"))).to.equal(true);
        expect(leaks(r, SECRET_NEEDLES)).to.deep.equal([]);
        expect(leaks(r, SECRET_NEEDLES, [`debug ${CLIENT_SECRET}`])).to.deep.equal(["printed line 1"]);
        await r.destroy();
    });
});
