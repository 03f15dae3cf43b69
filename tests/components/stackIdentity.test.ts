import { expect } from "chai";
import { MOCK_STACK_ID, ProgramRun, runProgram, unwrap } from "../support/mocks";
import { newStackId, stackIdentityProvider } from "../../providers/stackIdentity";

const BASE: Record<string, string> = {
    "aws:region": "us-east-1",
    zscalerClientId: "client-abc",
    zscalerClientSecret: "zs-client-secret-Very-Private-42",
    zscalerCustomerId: "cust-123",
    zscalerVanityDomain: "acme",
};

function run(config: Record<string, string>): Promise<ProgramRun> {
    return runProgram({
        config: { ...BASE, ...config },
        secretKeys: ["zscalerClientSecret"],
        invokes: { "aws:secretsmanager/getSecret:getSecret": (i: any) => ({ arn: "arn:unused", name: i.name }) },
    });
}

/** Each registered resource that takes tags, with its pulumi-stack-id tag. */
function identityTags(r: ProgramRun): string[] {
    return r.resources
        .filter((x) => x.inputs && "tags" in x.inputs)
        .map((x) => `${x.name} ${unwrap(x.inputs.tags)?.["pulumi-stack-id"]}`)
        .sort();
}

describe("the stack's identity", () => {
    it("tags every resource of the ECS topology that takes tags with it, and is a stack output", async () => {
        const r = await run({});
        expect(identityTags(r)).to.deep.equal(
            [
                "zscaler-mcp-agent-exec-role",
                "zscaler-mcp-agent-harness",
                "zscaler-mcp-api-key",
                "zscaler-mcp-cluster",
                "zscaler-mcp-credentials-secret",
                "zscaler-mcp-infra-role",
                "zscaler-mcp-logs",
                "zscaler-mcp-service",
                "zscaler-mcp-task-exec-role",
            ].map((n) => `${n} ${MOCK_STACK_ID}`),
        );
        expect(r.outputs.stackId).to.equal(MOCK_STACK_ID);
    });

    it("tags every resource of the gateway topology that takes tags with it", async () => {
        const r = await run({ topology: "gateway" });
        // The gateway target takes no tags: it is recognised by this stack's own gateway.
        expect(identityTags(r)).to.deep.equal(
            [
                "zscaler-mcp-agent-exec-role",
                "zscaler-mcp-agent-harness",
                "zscaler-mcp-credentials-secret",
                "zscaler-mcp-gateway",
                "zscaler-mcp-gateway-role",
                "zscaler-mcp-oauth",
                "zscaler-mcp-runtime",
                "zscaler-mcp-runtime-role",
                "zscaler-mcp-users",
            ].map((n) => `${n} ${MOCK_STACK_ID}`),
        );
    });

    it("is made once: a new random id on create, no change on any later diff, and refresh reads back what state holds", async () => {
        const a = await stackIdentityProvider.create({});
        const b = await stackIdentityProvider.create({});
        expect(a.id).to.match(/^[0-9a-f]{32}$/);
        expect(a.outs).to.deep.equal({ stackId: a.id });
        expect(b.id).to.not.equal(a.id);
        expect(newStackId()).to.match(/^[0-9a-f]{32}$/);
        expect(await stackIdentityProvider.diff!(a.id, a.outs!, {})).to.deep.equal({ changes: false });
        expect(await stackIdentityProvider.read!(a.id, a.outs)).to.deep.equal({ id: a.id, props: { stackId: a.id } });
        // Outputs lost from state: the id still holds it.
        expect(await stackIdentityProvider.read!(a.id, {} as any)).to.deep.equal({ id: a.id, props: { stackId: a.id } });
    });
});
