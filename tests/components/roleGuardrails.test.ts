/**
 * The account's demands on IAM roles (iamPermissionsBoundary, iamRolePath) reach every role the
 * stack creates, in both topologies, and nothing of them appears when they are not set.
 */
import { expect } from "chai";
import { byType, executeProgram, ProgramRun, runProgram, unwrap, ACCOUNT } from "../support/mocks";

const BASE: Record<string, string> = {
    "aws:region": "us-east-1",
    zscalerClientId: "client-abc",
    zscalerClientSecret: "zs-client-secret-Guardrails-5",
    zscalerCustomerId: "cust-123",
    zscalerVanityDomain: "acme",
};
const BOUNDARY = `arn:aws:iam::${ACCOUNT}:policy/boundaries/DeveloperBoundary`;

/** The roles each configuration creates (a user's own MCP URL leaves only the harness role). */
const SHAPES: { name: string; config: Record<string, string>; roles: string[] }[] = [
    { name: "ecs", config: {}, roles: ["zscaler-mcp-agent-exec-role", "zscaler-mcp-infra-role", "zscaler-mcp-task-exec-role"] },
    { name: "ecs with the user's own server", config: { mcpUrl: "https://mcp.example.com" }, roles: ["zscaler-mcp-agent-exec-role"] },
    {
        name: "gateway",
        config: { topology: "gateway" },
        roles: ["zscaler-mcp-agent-exec-role", "zscaler-mcp-gateway-role", "zscaler-mcp-runtime-role"],
    },
];

function run(config: Record<string, string>): Promise<ProgramRun> {
    return runProgram({ config: { ...BASE, ...config }, secretKeys: ["zscalerClientSecret"], invokes: {} });
}

function roles(r: ProgramRun): { name: string; inputs: Record<string, any> }[] {
    return byType(r, "aws:iam/role:Role")
        .map((x) => ({ name: x.name, inputs: unwrap(x.inputs) as Record<string, any> }))
        .sort((a, b) => a.name.localeCompare(b.name));
}

describe("IAM guardrails on every role (strict mocks)", () => {
    for (const shape of SHAPES) {
        it(`${shape.name}: every role carries the permissions boundary and the path when they are set`, async () => {
            const r = await run({ ...shape.config, iamPermissionsBoundary: BOUNDARY, iamRolePath: "/zscaler/mcp/" });
            const found = roles(r);
            expect(found.map((x) => x.name)).to.deep.equal(shape.roles);
            for (const role of found) {
                expect(role.inputs.permissionsBoundary, role.name).to.equal(BOUNDARY);
                expect(role.inputs.path, role.name).to.equal("/zscaler/mcp/");
                // Pulumi names the role: a replacement (a new path) creates the new one before the old goes.
                expect(role.inputs, role.name).to.not.have.any.keys("name", "namePrefix");
            }
            // The harness is given the role under its path.
            const harness = unwrap(byType(r, "pulumi-nodejs:dynamic/agentcore:Harness")[0].inputs);
            expect(harness.executionRoleArn).to.match(new RegExp(`^arn:aws:iam::${ACCOUNT}:role/zscaler/mcp/zscaler-mcp-agent-exec-role-`));
        });

        it(`${shape.name}: no role carries a boundary or a path when neither is set, or the path is /`, async () => {
            for (const config of [shape.config, { ...shape.config, iamRolePath: "/" }]) {
                const found = roles(await run(config));
                expect(found.map((x) => x.name)).to.deep.equal(shape.roles);
                for (const role of found) {
                    expect(role.inputs, role.name).to.not.have.any.keys("permissionsBoundary", "path", "name", "namePrefix");
                }
            }
        });
    }

    it("a boundary alone leaves the path to IAM's default", async () => {
        for (const role of roles(await run({ iamPermissionsBoundary: "arn:aws:iam::aws:policy/PowerUserAccess" }))) {
            expect(role.inputs.permissionsBoundary, role.name).to.equal("arn:aws:iam::aws:policy/PowerUserAccess");
            expect(role.inputs, role.name).to.not.have.property("path");
        }
    });

    it("a bad value is refused before any resource is registered", async () => {
        const registered: string[] = [];
        const result = await executeProgram({
            config: { ...BASE, iamPermissionsBoundary: "arn:aws:iam::123456789012:role/NotAPolicy", iamRolePath: "/team//mcp/" },
            secretKeys: ["zscalerClientSecret"],
            mocks: {
                newResource(args) {
                    registered.push(args.name);
                    return { id: args.name, state: args.inputs };
                },
                call: () => ({}),
            },
        });
        expect(String(result.error)).to.contain("iamPermissionsBoundary:").and.contain("iamRolePath:");
        expect(registered).to.deep.equal([]);
    });
});
