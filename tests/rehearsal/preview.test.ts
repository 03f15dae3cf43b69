import { expect } from "chai";
import { harnessProvider } from "../../providers/harness";
import { UNKNOWN } from "../../providers/lifecycle";
import { Rehearsal, RunResult } from "./engine";
import { DEFAULTS } from "../../config/keys";
import { Bench, scenario, SCENARIOS, startBench } from "./scenarios";

const SCALE = 0.002;
// The same release, copied into the account's own ECR: a new image reference.
const OWN_ECR_COPY = "123456789012.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server:0.15.4";

function dynamicOps(r: RunResult): string[] {
    return r.operations.filter((o) => o.type.startsWith("pulumi-nodejs:")).map((o) => `${o.op} ${o.name}`);
}

function unknownsOf(r: RunResult, name: string): string[] | undefined {
    return r.operations.find((o) => o.name === name)?.unknownInputs;
}

describe("preview: the program as `pulumi preview` runs it, every dynamic Check through the dynamic-provider host", function () {
    this.timeout(120_000);
    let bench: Bench;
    before(async () => {
        bench = await startBench(SCALE);
    });
    after(async () => {
        await bench.stop();
    });

    for (const scenario of SCENARIOS) {
        it(`${scenario.name}: a new stack previews, with the harness's tool still unknown, and creates nothing`, async () => {
            bench.fake.reset();
            const r = new Rehearsal(bench.fake, bench.host);
            const secretKeys = scenario.config.zscalerClientSecret ? ["zscalerClientSecret"] : [];
            const plan = await r.up({ config: scenario.config, secretKeys, invokes: scenario.invokes, preview: true });
            expect(plan.ok, plan.error).to.equal(true);
            const ops = dynamicOps(plan);
            const expected =
                // The stack's identity is made on its first up: unknown until then.
                ["stack-identity"].concat(
                    scenario.topology === "gateway"
                        ? [
                              "zscaler-mcp-oauth",
                              "zscaler-mcp-runtime",
                              "zscaler-mcp-runtime-ready",
                              "zscaler-mcp-gateway",
                              "zscaler-mcp-target",
                              "zscaler-mcp-agent-harness",
                          ]
                        : [
                              ...(scenario.deploysServer ? ["zscaler-mcp-service", "zscaler-mcp-allow-list"] : []),
                              "zscaler-mcp-api-key",
                              "zscaler-mcp-agent-harness",
                          ],
                );
            expect(ops.sort()).to.deep.equal(expected.map((n) => `create ${n}`).sort());
            // The case that used to fail: the one tool is an unknown element of the list.
            expect(unknownsOf(plan, "zscaler-mcp-agent-harness")).to.include.members(["tools", "executionRoleArn", "tags"]);
            expect(bench.fake.list()).to.deep.equal([]);
            expect(r.state.size).to.equal(0);
        });
    }

    it("previews the tool check of a new stack with what AWS has not made yet unknown, through the host's Check", async () => {
        for (const [name, unknown] of [
            ["ecs default", ["revision", "url"]],
            ["gateway, managed secret", ["clientId", "clientSecret", "revision", "url"]],
        ] as const) {
            bench.fake.reset();
            const r = new Rehearsal(bench.fake, bench.host);
            // The check itself is never called in a preview: no server needs to answer.
            const plan = await r.up({
                config: { ...scenario(name).config, verifyTools: "true" },
                secretKeys: ["zscalerClientSecret"],
                preview: true,
            });
            expect(plan.ok, plan.error).to.equal(true);
            expect(dynamicOps(plan), name).to.include("create zscaler-mcp-tool-check");
            expect(unknownsOf(plan, "zscaler-mcp-tool-check")?.sort(), name).to.deep.equal([...unknown]);
            expect(r.state.size).to.equal(0);
        }
    });

    it("previews an image change on a deployed ECS stack as updates, with the service's outputs unknown", async () => {
        bench.fake.reset();
        const r = new Rehearsal(bench.fake, bench.host);
        const config = scenario("ecs default").config;
        expect((await r.up({ config, secretKeys: ["zscalerClientSecret"] })).ok).to.equal(true);
        const unchanged = await r.up({ config, secretKeys: ["zscalerClientSecret"], preview: true });
        expect(unchanged.ok, unchanged.error).to.equal(true);
        expect(unchanged.operations.filter((o) => o.op !== "same").map((o) => o.name)).to.deep.equal([]);
        const plan = await r.up({ config: { ...config, imageUri: OWN_ECR_COPY }, secretKeys: ["zscalerClientSecret"], preview: true });
        expect(plan.ok, plan.error).to.equal(true);
        expect(
            dynamicOps(plan)
                .filter((o) => !o.startsWith("same"))
                .sort(),
        ).to.deep.equal(["update zscaler-mcp-service", "update zscaler-mcp-allow-list", "update zscaler-mcp-agent-harness"].sort());
        expect(unknownsOf(plan, "zscaler-mcp-agent-harness")).to.deep.equal(["tools"]);
        // Nothing happened: the service still runs the old image.
        const [svc] = bench.fake.list("ecs");
        expect(svc.data.configs[svc.data.configs.length - 1].primaryContainer.image).to.equal(DEFAULTS.imageUri);
        await r.destroy();
    });

    it("previews an image change on a deployed gateway stack as updates of the runtime and what follows it", async () => {
        bench.fake.reset();
        const r = new Rehearsal(bench.fake, bench.host);
        const config = scenario("gateway, managed secret").config;
        expect((await r.up({ config, secretKeys: ["zscalerClientSecret"] })).ok).to.equal(true);
        const plan = await r.up({ config: { ...config, imageUri: OWN_ECR_COPY }, secretKeys: ["zscalerClientSecret"], preview: true });
        expect(plan.ok, plan.error).to.equal(true);
        expect(dynamicOps(plan)).to.include("update zscaler-mcp-runtime");
        expect(dynamicOps(plan).filter((o) => o.startsWith("create") || o.startsWith("replace") || o.startsWith("delete"))).to.deep.equal(
            [],
        );
        await r.destroy();
    });

    it("previews a topology switch: the harness is updated with an unknown gateway tool, the ECS pieces are deleted", async () => {
        bench.fake.reset();
        const r = new Rehearsal(bench.fake, bench.host);
        const config = scenario("ecs default").config;
        expect((await r.up({ config, secretKeys: ["zscalerClientSecret"] })).ok).to.equal(true);
        const plan = await r.up({ config: { ...config, topology: "gateway" }, secretKeys: ["zscalerClientSecret"], preview: true });
        expect(plan.ok, plan.error).to.equal(true);
        const ops = dynamicOps(plan);
        expect(ops).to.include.members([
            "update zscaler-mcp-agent-harness",
            "create zscaler-mcp-gateway",
            "delete zscaler-mcp-service",
            "delete zscaler-mcp-api-key",
        ]);
        expect(unknownsOf(plan, "zscaler-mcp-agent-harness")).to.include("tools");
        await r.destroy();
    });
});

describe("harness check: unknown values during a preview", () => {
    const base = {
        region: "us-east-1",
        harnessName: "zscaler_mcp_harness_dev",
        executionRoleArn: "arn:aws:iam::123456789012:role/r",
        model: { bedrockModelConfig: { modelId: "m" } },
        systemPrompt: [{ text: "hi" }],
    };
    const check = async (tools: unknown) => (await harnessProvider.check!({} as any, { ...base, tools } as any)).failures;

    it("accepts an unknown tool list, an unknown tool and a tool with unknown fields", async () => {
        expect(await check(UNKNOWN)).to.deep.equal([]);
        expect(await check([UNKNOWN])).to.deep.equal([]);
        expect(await check([{ type: UNKNOWN, name: UNKNOWN, config: UNKNOWN }])).to.deep.equal([]);
        expect(
            await check([
                { type: "remote_mcp", name: "zscaler", config: { remoteMcp: { url: UNKNOWN, headers: { Authorization: UNKNOWN } } } },
            ]),
        ).to.deep.equal([]);
    });

    it("still rejects what is known to be wrong", async () => {
        const reason = { property: "tools", reason: "tools[1] needs a type and a name of 1-64 letters, digits, _ or -" };
        expect(await check([UNKNOWN, { type: "remote_mcp", name: "has space" }])).to.deep.equal([reason]);
        expect(await check([UNKNOWN, { name: "zscaler" }])).to.deep.equal([reason]);
        expect(await check([UNKNOWN, "not a tool"])).to.deep.equal([reason]);
    });
});
