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
import { useFakeAws } from "../support/fakeAwsHooks";

const requireFromString = require("require-from-string") as (code: string) => { handler(): pulumi.dynamic.ResourceProvider };

/** Serializes a provider exactly as Pulumi does for `__provider`, and loads it back as the dynamic-provider host does. */
async function roundTrip(provider: pulumi.dynamic.ResourceProvider): Promise<{ text: string; loaded: pulumi.dynamic.ResourceProvider }> {
    const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    return { text: sf.text, loaded: requireFromString(sf.text).handler() };
}

describe("providers survive Pulumi's serialization", () => {
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
    };

    for (const [name, provider] of Object.entries(all)) {
        it(`serializes ${name} with every method and without an SDK client captured`, async () => {
            const { text, loaded } = await roundTrip(provider);
            for (const m of ["check", "diff", "create", "read", "update", "delete"] as const) {
                expect(loaded[m], m).to.be.a("function");
            }
            // The SDK is loaded inside the methods, never captured as an object.
            expect(text).to.not.match(/BedrockAgentCoreControlClient\s*\{/);
            expect(text.length).to.be.lessThan(400_000);
        });
    }

    it("runs a deserialized Harness create and delete against the endpoint", async () => {
        const { loaded } = await roundTrip(harnessProvider);
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
        const { text, loaded } = await roundTrip(apiKeyCredentialProviderProvider);
        const res = await loaded.create!({ region: "us-east-1", name: "serialized", apiKey: "Basic c2VjcmV0" });
        expect(res.outs.credentialProviderArn).to.match(/apikeycredentialprovider\/serialized$/);
        expect(text).to.not.contain("c2VjcmV0");
    });

    it("runs a deserialized ECS Express create against the endpoint", async () => {
        const { loaded } = await roundTrip(expressGatewayServiceProvider);
        const { inputs } = await loaded.check!({}, {
            region: "us-east-1",
            serviceName: "svc",
            cluster: "c",
            executionRoleArn: "arn:aws:iam::123456789012:role/e",
            infrastructureRoleArn: "arn:aws:iam::123456789012:role/i",
            container: { image: "public.ecr.aws/a/b:1", containerPort: 8000, logGroup: "/ecs/x", logStreamPrefix: "mcp", environment: {}, secrets: {} },
        });
        const res = await loaded.create!(inputs);
        expect(res.outs.mcpUrl).to.match(/^https:\/\/.*\.on\.aws\/mcp$/);
    });
});
