import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { agentRuntimeProvider } from "../../providers/agentRuntime";
import { agentRuntimeReadyProvider } from "../../providers/agentRuntimeReady";
import { apiKeyCredentialProviderProvider } from "../../providers/apiKeyCredentialProvider";
import { expressGatewayServiceProvider } from "../../providers/expressGatewayService";
import { expressGatewayServiceRolloutProvider } from "../../providers/expressGatewayServiceRollout";
import { gatewayProvider } from "../../providers/gateway";
import { gatewayTargetProvider } from "../../providers/gatewayTarget";
import { harnessProvider } from "../../providers/harness";
import { oauth2CredentialProviderProvider } from "../../providers/oauth2CredentialProvider";
import { toolCheckProvider } from "../../providers/toolCheck";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { inProject, providerModule } from "../../providers/projectProvider";
import { rejection, useFakeAws } from "../support/fakeAwsHooks";
import { closeServers, mcpServer } from "../support/mcpServers";
import { runProgram } from "../support/mocks";

const ROOT = path.join(__dirname, "..", "..");
/** The file of providers/ each provider lives in. */
const FILES: Record<string, string> = {
    harnessProvider: "harness",
    apiKeyCredentialProviderProvider: "apiKeyCredentialProvider",
    expressGatewayServiceProvider: "expressGatewayService",
    expressGatewayServiceRolloutProvider: "expressGatewayServiceRollout",
    agentRuntimeProvider: "agentRuntime",
    agentRuntimeReadyProvider: "agentRuntimeReady",
    gatewayProvider: "gateway",
    gatewayTargetProvider: "gatewayTarget",
    oauth2CredentialProviderProvider: "oauth2CredentialProvider",
    toolCheckProvider: "toolCheck",
    stackIdentityProvider: "stackIdentity",
};
/** The provider each dynamic resource type is served by. */
const TYPES: Record<string, string> = {
    "pulumi-nodejs:dynamic/agentcore:Harness": "harnessProvider",
    "pulumi-nodejs:dynamic/agentcore:ApiKeyCredentialProvider": "apiKeyCredentialProviderProvider",
    "pulumi-nodejs:dynamic/ecs:ExpressGatewayService": "expressGatewayServiceProvider",
    "pulumi-nodejs:dynamic/ecs:ExpressGatewayServiceRollout": "expressGatewayServiceRolloutProvider",
    "pulumi-nodejs:dynamic/agentcore:AgentRuntime": "agentRuntimeProvider",
    "pulumi-nodejs:dynamic/agentcore:AgentRuntimeReady": "agentRuntimeReadyProvider",
    "pulumi-nodejs:dynamic/agentcore:Gateway": "gatewayProvider",
    "pulumi-nodejs:dynamic/agentcore:GatewayTarget": "gatewayTargetProvider",
    "pulumi-nodejs:dynamic/agentcore:Oauth2CredentialProvider": "oauth2CredentialProviderProvider",
    "pulumi-nodejs:dynamic/mcp:ToolCheck": "toolCheckProvider",
    "pulumi-nodejs:dynamic/stack:StackIdentity": "stackIdentityProvider",
};
const PROGRAM_CONFIG = {
    "aws:region": "us-east-1",
    zscalerClientId: "client",
    zscalerClientSecret: "secret-value",
    zscalerCustomerId: "cust",
    zscalerVanityDomain: "acme",
};

const requireFromString = require("require-from-string") as (code: string) => { handler(): pulumi.dynamic.ResourceProvider };

/** The `__provider` text of a resource, loaded as the dynamic-provider host loads it. */
function roundTrip(file: string, exported: string): { text: string; loaded: pulumi.dynamic.ResourceProvider } {
    const text = providerModule(inProject(file, exported));
    return { text, loaded: requireFromString(text).handler() };
}

describe("the __provider module each dynamic resource stores", () => {
    const ctx = useFakeAws();

    const all = {
        harnessProvider,
        apiKeyCredentialProviderProvider,
        expressGatewayServiceProvider,
        expressGatewayServiceRolloutProvider,
        agentRuntimeProvider,
        agentRuntimeReadyProvider,
        gatewayProvider,
        gatewayTargetProvider,
        oauth2CredentialProviderProvider,
        toolCheckProvider,
    };

    for (const [name, provider] of Object.entries(all)) {
        it(`stores ${name} as a loader of under 700 bytes that finds every method in providers/`, async () => {
            const file = FILES[name];
            expect(require(path.join(ROOT, "providers", file))[name], `providers/${file}.ts exports ${name}`).to.equal(provider);
            const { text, loaded } = roundTrip(file, name);
            for (const m of ["check", "diff", "create", "read", "update", "delete"] as const) {
                expect(provider[m], m).to.be.a("function");
                expect(loaded[m], m).to.be.a("function");
            }
            // The SDK and the lifecycle kit stay in providers/, never in the state.
            expect(text).to.not.match(/BedrockAgentCoreControlClient|waitForStatus/);
            expect(text.length).to.be.lessThan(700);
        });
    }

    it("every dynamic resource the program registers carries the loader of its own provider, not the provider's code", async () => {
        for (const config of [{}, { topology: "gateway" }] as Record<string, string>[]) {
            const r = await runProgram({ config: { ...PROGRAM_CONFIG, ...config }, secretKeys: ["zscalerClientSecret"] });
            const dynamic = r.resources.filter((x) => x.type.startsWith("pulumi-nodejs:dynamic/"));
            expect(dynamic.length).to.be.greaterThan(3);
            for (const d of dynamic) {
                const exported = TYPES[d.type];
                expect(exported, d.type).to.be.a("string");
                expect(d.inputs.__provider, d.name).to.equal(providerModule(inProject(FILES[exported], exported)));
            }
        }
    });

    it("says where it looked when the project's providers are not there", async () => {
        const { loaded } = roundTrip("noSuchProvider", "noSuchProviderProvider");
        const err = await rejection(loaded.check!({}, {}));
        const where = path.join(process.cwd(), "providers", "noSuchProvider");
        expect(err.message).to.equal(
            `The dynamic-provider host could not load providers/noSuchProvider.ts from ${process.cwd()} (Cannot find module '${where}'). ` +
                "Run pulumi from the project's directory, after npm ci.",
        );
    });

    it("says so when the host runs outside the project", () => {
        const text = providerModule(inProject("harness", "harnessProvider"));
        const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "no-project-"));
        const cwd = process.cwd();
        process.chdir(elsewhere);
        try {
            expect(() => requireFromString(text).handler()).to.throw(
                `The dynamic-provider host could not load providers/projectProvider.ts from ${elsewhere} (Cannot find module 'tsx/cjs'`,
            );
        } finally {
            process.chdir(cwd);
            fs.rmSync(elsewhere, { recursive: true });
        }
    });

    it("runs a deserialized Harness create and delete against the endpoint", async () => {
        const { loaded } = roundTrip("harness", "harnessProvider");
        const res = await loaded.create!({
            region: "us-east-1",
            harnessName: "serialized_harness",
            executionRoleArn: "arn:aws:iam::123456789012:role/x",
            model: { bedrockModelConfig: { modelId: "m" } },
            systemPrompt: [{ text: "p" }],
            tools: [{ type: "remote_mcp", name: "zscaler", config: { remoteMcp: { url: "https://a.example.com/mcp" } } }],
        });
        expect(res.outs.status).to.equal("READY");
        await loaded.delete!(res.id, res.outs);
        expect(ctx.fake.list("harness")).to.have.length(0);
    });

    it("runs a deserialized API-key provider create against the endpoint", async () => {
        const { text, loaded } = roundTrip("apiKeyCredentialProvider", "apiKeyCredentialProviderProvider");
        const res = await loaded.create!({ region: "us-east-1", name: "serialized", apiKey: "Basic c2VjcmV0" });
        expect(res.outs.credentialProviderArn).to.match(/apikeycredentialprovider\/serialized$/);
        expect(text).to.not.contain("c2VjcmV0");
    });

    it("runs a deserialized tool check against a local MCP server, and stores no credential", async () => {
        const { text, loaded } = roundTrip("toolCheck", "toolCheckProvider");
        const server = await mcpServer({ accepts: (a) => a === "Basic c2VjcmV0" });
        // The machine's proxy settings would send the loopback server's traffic elsewhere.
        const proxies = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"].map((k) => [k, process.env[k]] as const);
        proxies.forEach(([k]) => delete process.env[k]);
        try {
            const res = await loaded.create!({
                region: "us-east-1",
                kind: "remote_mcp",
                url: server.url,
                authorization: "Basic c2VjcmV0",
                revision: "r1",
            });
            expect(res.outs).to.include({ serverName: "zscaler-mcp", toolCount: 5 });
            expect(JSON.stringify(res.outs) + text).to.not.contain("c2VjcmV0");
        } finally {
            proxies.forEach(([k, v]) => (v === undefined ? delete process.env[k] : (process.env[k] = v)));
            await closeServers();
        }
    });

    it("runs a deserialized ECS Express create against the endpoint", async () => {
        const { loaded } = roundTrip("expressGatewayService", "expressGatewayServiceProvider");
        const { inputs } = await loaded.check!(
            {},
            {
                region: "us-east-1",
                serviceName: "svc",
                cluster: "c",
                executionRoleArn: "arn:aws:iam::123456789012:role/e",
                infrastructureRoleArn: "arn:aws:iam::123456789012:role/i",
                container: {
                    image: "public.ecr.aws/a/b:1",
                    containerPort: 8000,
                    logGroup: "/ecs/x",
                    logStreamPrefix: "mcp",
                    environment: {},
                    secrets: {},
                },
            },
        );
        const res = await loaded.create!(inputs);
        expect(res.outs.mcpUrl).to.match(/^https:\/\/.*\.on\.aws\/mcp$/);
    });
});
