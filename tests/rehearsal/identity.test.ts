import { expect } from "chai";
import { Rehearsal, StateEntry } from "./engine";
import { Bench, changesOf, scenario, startBench } from "./scenarios";

const SCALE = 0.002;
const ID_TAG = "pulumi-stack-id";

/** Drops the identity tag from a tag map, or from ECS's list of {key, value}. */
function withoutIdentity(tags: any): any {
    if (Array.isArray(tags)) {
        return tags.filter((t) => t.key !== ID_TAG);
    }
    if (tags && typeof tags === "object") {
        const { [ID_TAG]: _id, ...rest } = tags;
        return rest;
    }
    return tags;
}

/** The identity tag's value in a tag map or an ECS tag list. */
function identityOf(tags: any): string | undefined {
    return Array.isArray(tags) ? tags.find((t) => t.key === ID_TAG)?.value : tags?.[ID_TAG];
}

/**
 * Turns a deployed stack into one deployed before stacks had an identity: no StackIdentity in its
 * state, and no identity tag on anything, in the state or in AWS.
 */
function asBeforeIdentity(r: Rehearsal, bench: Bench): void {
    r.state.delete("stack-identity");
    for (const e of r.state.values() as Iterable<StateEntry>) {
        for (const props of [e.inputs, e.outputs]) {
            if (props?.tags) {
                props.tags = withoutIdentity(props.tags);
            }
        }
    }
    for (const rec of bench.fake.list()) {
        if (rec.data?.tags) {
            rec.data.tags = withoutIdentity(rec.data.tags);
        }
    }
}

describe("rehearsal: a stack deployed before stacks had an identity", function () {
    this.timeout(120_000);
    let bench: Bench;
    before(async () => {
        bench = await startBench(SCALE);
    });
    after(async () => {
        await bench.stop();
    });

    for (const name of ["ecs default", "gateway, managed secret"]) {
        it(`${name}: gains the identity on its next up, every resource updated in place, nothing replaced`, async () => {
            bench.fake.reset();
            const r = new Rehearsal(bench.fake, bench.host);
            const s = scenario(name);
            const run = (preview = false) => r.up({ config: s.config, secretKeys: ["zscalerClientSecret"], invokes: s.invokes, preview });
            const first = await run();
            expect(first.ok, first.error).to.equal(true);
            const ids = bench.fake.list().map((x) => x.id);
            asBeforeIdentity(r, bench);

            const plan = await run(true);
            expect(plan.ok, plan.error).to.equal(true);
            const planned = changesOf(plan);
            expect(planned).to.include("create stack-identity");
            expect(planned.filter((c) => /^(create|replace|delete) /.test(c))).to.deep.equal(["create stack-identity"]);

            const up = await run();
            expect(up.ok, up.error).to.equal(true);
            const changes = changesOf(up);
            expect(changes.filter((c) => /^(create|replace|delete) /.test(c))).to.deep.equal(["create stack-identity"]);
            const tagged =
                s.topology === "gateway"
                    ? ["zscaler-mcp-agent-harness", "zscaler-mcp-gateway", "zscaler-mcp-runtime"]
                    : ["zscaler-mcp-agent-harness", "zscaler-mcp-api-key", "zscaler-mcp-service"];
            expect(changes.filter((c) => c.startsWith("update ") && tagged.includes(c.slice(7))).sort()).to.deep.equal(
                tagged.map((n) => `update ${n}`),
            );
            // The same resources in AWS, now carrying the identity the stack was given.
            const stackId = String(up.outputs.stackId);
            expect(stackId).to.match(/^[0-9a-f]{32}$/);
            expect(bench.fake.list().map((x) => x.id)).to.deep.equal(ids);
            // The OAuth2 credential provider takes tags only at create (AWS's tagging API refuses its
            // ARN): it is recognised by this stack's own Cognito client instead.
            const carriers = bench.fake.list().filter((x) => x.kind !== "oauth2" && x.data?.tags && Object.keys(x.data.tags).length > 0);
            expect(carriers.length).to.be.greaterThan(1);
            expect(carriers.map((x) => `${x.kind} ${identityOf(x.data.tags)}`)).to.deep.equal(carriers.map((x) => `${x.kind} ${stackId}`));
            // And it stays: the next up changes nothing.
            const again = await run();
            expect(changesOf(again)).to.deep.equal([]);
            await r.destroy();
        });
    }
});
