/**
 * A key set with `pulumi config set --secret` stays secret wherever its value goes: in every
 * resource's inputs (so state keeps it encrypted), in the stack's outputs, and in messages.
 */
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { readSettings } from "../../config/pulumi";
import { deployStack } from "../../program";
import {
    DEFAULT_INVOKES,
    isSecretWrapper,
    mockState,
    plaintextOccurrences,
    PROJECT,
    Registered,
    strictInvoke,
    unwrap,
} from "../support/mocks";

const BASE: Record<string, string> = {
    "aws:region": "us-east-1",
    zscalerClientId: "client-abc",
    zscalerClientSecret: "zs-client-secret-Kept-Secret-9",
    zscalerCustomerId: "cust-123",
    zscalerVanityDomain: "acme",
};

interface SecretRun {
    resources: Registered[];
    /** Each stack output: its value, and whether it is secret. */
    outputs: Record<string, { value: unknown; secret: boolean }>;
}

/** Runs the program under mocks and keeps each stack output's secretness, which the resolved values lose. */
async function run(config: Record<string, string>, secretKeys: string[]): Promise<SecretRun> {
    const resources: Registered[] = [];
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                resources.push({
                    type: args.type,
                    name: args.name,
                    inputs: args.inputs,
                    custom: true,
                    retainOnDelete: false,
                    dependencies: [],
                });
                return mockState(args.type, args.name, args.inputs, "us-east-1");
            },
            call: (args) => strictInvoke(DEFAULT_INVOKES, args.token, args.inputs),
        },
        PROJECT,
        "dev",
        false,
    );
    const full = Object.fromEntries(Object.entries({ ...BASE, ...config }).map(([k, v]) => [k.includes(":") ? k : `${PROJECT}:${k}`, v]));
    const secret = ["zscalerClientSecret", ...secretKeys].map((k) => `${PROJECT}:${k}`);
    pulumi.runtime.setAllConfig(full, secret);
    process.env.PULUMI_CONFIG_SECRET_KEYS = JSON.stringify(secret);
    const exported = await deployStack(readSettings());
    const outputs: SecretRun["outputs"] = {};
    for (const [k, v] of Object.entries(exported)) {
        // Both are internal to an Output, and the only way to see what an exported value resolves to.
        const out = pulumi.output(v) as unknown as { promise(): Promise<unknown>; isSecret: Promise<boolean> };
        outputs[k] = { value: await out.promise(), secret: await out.isSecret };
    }
    await (require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> }).waitForRPCs();
    return { resources, outputs };
}

/** Where `needle` appears in plain text: resource inputs outside a secret, and stack outputs that are not secret. */
function plaintext(r: SecretRun, needle: string): string[] {
    return [
        ...r.resources.flatMap((res) => plaintextOccurrences(res.inputs, needle, res.name)),
        ...Object.entries(r.outputs)
            .filter(([, o]) => !o.secret)
            .flatMap(([k, o]) => plaintextOccurrences(o.value, needle, `output ${k}`)),
    ];
}

function inputOf(r: SecretRun, type: string, key: string): unknown {
    const found = r.resources.filter((x) => x.type === type);
    expect(found, type).to.have.length(1);
    return found[0].inputs[key];
}

const HARNESS = "pulumi-nodejs:dynamic/agentcore:Harness";
const TOOL_CHECK = "pulumi-nodejs:dynamic/mcp:ToolCheck";

describe("keys set with --secret stay secret", () => {
    afterEach(() => {
        delete process.env.PULUMI_CONFIG_SECRET_KEYS;
    });

    it("keeps a secret systemPrompt secret in the harness's inputs", async () => {
        const prompt = "Internal runbook: escalate to the on-call at extension 4471.";
        const r = await run({ systemPrompt: prompt }, ["systemPrompt"]);
        const input = inputOf(r, HARNESS, "systemPrompt");
        expect(isSecretWrapper(input)).to.equal(true);
        expect(unwrap(input)).to.deep.equal([{ text: prompt }]);
        expect(plaintext(r, "extension 4471")).to.deep.equal([]);
    });

    it("leaves a systemPrompt set without --secret in plain text", async () => {
        const r = await run({ systemPrompt: "Answer briefly." }, []);
        expect(inputOf(r, HARNESS, "systemPrompt")).to.deep.equal([{ text: "Answer briefly." }]);
        expect(r.outputs.mcpUrl.secret).to.equal(false);
    });

    it("keeps a secret mcpUrl secret in the harness's tool, the tool check and the mcpUrl output", async () => {
        const url = "https://mcp-7f3a.private-zone.example.com/tenant-42";
        const r = await run({ mcpUrl: url }, ["mcpUrl"]);
        const tools = inputOf(r, HARNESS, "tools");
        expect(plaintextOccurrences(tools, "mcp-7f3a")).to.deep.equal([]);
        expect(unwrap(tools)[0].config.remoteMcp.url).to.equal(`${url}/mcp`);
        expect(isSecretWrapper(inputOf(r, TOOL_CHECK, "url"))).to.equal(true);
        expect(isSecretWrapper(inputOf(r, TOOL_CHECK, "revision"))).to.equal(true);
        expect(r.outputs.mcpUrl).to.deep.equal({ value: `${url}/mcp`, secret: true });
        expect(plaintext(r, "mcp-7f3a.private-zone")).to.deep.equal([]);
    });

    it("keeps a secret containerEnv secret in the ECS container's definition", async () => {
        const r = await run({ containerEnv: JSON.stringify(["ZSCALER_MCP_LOG_LEVEL=tenant-debug-8812"]) }, ["containerEnv"]);
        const container = inputOf(r, "pulumi-nodejs:dynamic/ecs:ExpressGatewayService", "container");
        expect(isSecretWrapper(container)).to.equal(true);
        expect(unwrap(container).environment.ZSCALER_MCP_LOG_LEVEL).to.equal("tenant-debug-8812");
        expect(plaintext(r, "tenant-debug-8812")).to.deep.equal([]);
    });

    it("keeps a secret containerEnv secret in the runtime's environment (topology gateway)", async () => {
        const r = await run(
            {
                topology: "gateway",
                imageUri: "709825985650.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server:0.15.4",
                containerEnv: JSON.stringify(["ZSCALER_MCP_LOG_LEVEL=tenant-debug-8812"]),
            },
            ["containerEnv"],
        );
        const environment = inputOf(r, "pulumi-nodejs:dynamic/agentcore:AgentRuntime", "environmentVariables");
        expect(isSecretWrapper(environment)).to.equal(true);
        expect(unwrap(environment).ZSCALER_MCP_LOG_LEVEL).to.equal("tenant-debug-8812");
        expect(plaintext(r, "tenant-debug-8812")).to.deep.equal([]);
    });

    it("makes the modelId and imageUri outputs secret when their keys are", async () => {
        const r = await run({ modelId: "anthropic.claude-sonnet-4-6" }, ["modelId", "imageUri"]);
        expect(r.outputs.modelId).to.deep.equal({ value: "anthropic.claude-sonnet-4-6", secret: true });
        expect(r.outputs.imageUri.secret).to.equal(false); // imageUri unset: the default is no secret
        const withImage = await run({ imageUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/mcp:0.15.4" }, ["imageUri"]);
        expect(withImage.outputs.imageUri).to.deep.equal({
            value: "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/mcp:0.15.4",
            secret: true,
        });
    });
});

describe("an external secret's name set with --secret", () => {
    async function failure(hidden: boolean, answer: "missing" | "lacking"): Promise<string> {
        await pulumi.runtime.setMocks(
            {
                newResource: (args) => ({ id: args.name, state: args.inputs }),
                call: (args) => {
                    if (answer === "missing") {
                        throw new Error("ResourceNotFoundException: Secrets Manager can't find team/zscaler-private");
                    }
                    return args.token === "aws:secretsmanager/getSecret:getSecret"
                        ? {
                              arn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:team/zscaler-private-Ab12Cd`,
                              name: args.inputs.name,
                          }
                        : { secretString: JSON.stringify({ ZSCALER_CLIENT_ID: "a" }), versionId: "v1" };
                },
            },
            PROJECT,
            "dev",
            false,
        );
        const { readExternalSecret } = await import("../../components/zscalerCredentials");
        return readExternalSecret("team/zscaler-private", "us-east-1", {}, hidden).then(
            () => "no error",
            (e: Error) => e.message,
        );
    }

    for (const answer of ["missing", "lacking"] as const) {
        it(`is not quoted when the secret is ${answer}, nor are AWS's words that name it`, async () => {
            const message = await failure(true, answer);
            expect(message).to.match(/^zscalerSecretName: the secret \(secret value not shown\) /);
            expect(message).to.not.contain("zscaler-private");
        });
    }

    it("is quoted when it was set in plain text", async () => {
        expect(await failure(false, "lacking")).to.match(/^zscalerSecretName: the secret team\/zscaler-private holds no /);
    });
});
