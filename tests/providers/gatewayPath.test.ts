import { expect } from "chai";
import { agentRuntimeProvider, AgentRuntimeInputs, AgentRuntimeOutputs, invocationUrl } from "../../providers/agentRuntime";
import { gatewayProvider, GatewayInputs, GatewayOutputs } from "../../providers/gateway";
import { gatewayTargetProvider, GatewayTargetInputs, GatewayTargetOutputs } from "../../providers/gatewayTarget";
import {
    oauth2CredentialProviderProvider as oauthProvider,
    Oauth2CredentialProviderInputs,
    Oauth2CredentialProviderOutputs,
} from "../../providers/oauth2CredentialProvider";
import { captureAdoptionWarnings } from "../../providers/lifecycle";
import { rejection, useFakeAws } from "../support/fakeAwsHooks";

const DISCOVERY = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123/.well-known/openid-configuration";
const AUTHORIZER = {
    customJWTAuthorizer: { discoveryUrl: DISCOVERY, allowedClients: ["client123"], allowedScopes: ["zscaler-mcp/invoke"] },
};

function runtimeInputs(over: Partial<AgentRuntimeInputs> = {}): AgentRuntimeInputs {
    return {
        region: "us-east-1",
        agentRuntimeName: "zscaler_mcp_runtime_dev",
        agentRuntimeArtifact: {
            containerConfiguration: {
                containerUri: "709825985650.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server:0.10.4-bedrock",
            },
        },
        roleArn: "arn:aws:iam::123456789012:role/runtime",
        networkConfiguration: { networkMode: "PUBLIC" },
        protocolConfiguration: { serverProtocol: "MCP" },
        environmentVariables: { ZSCALER_SECRET_NAME: "zscaler-mcp-harness/dev/credentials-abc", ZSCALER_MCP_TRANSPORT: "streamable-http" },
        authorizerConfiguration: AUTHORIZER,
        requestHeaderConfiguration: { requestHeaderAllowlist: ["Authorization"] },
        ...over,
    };
}

function gatewayInputs(over: Partial<GatewayInputs> = {}): GatewayInputs {
    return {
        region: "us-east-1",
        name: "zscaler-mcp-gateway-dev",
        description: "Zscaler MCP",
        roleArn: "arn:aws:iam::123456789012:role/gateway",
        protocolType: "MCP",
        authorizerType: "CUSTOM_JWT",
        authorizerConfiguration: AUTHORIZER,
        ...over,
    };
}

function targetInputs(gatewayId: string, over: Partial<GatewayTargetInputs> = {}): GatewayTargetInputs {
    return {
        region: "us-east-1",
        gatewayId,
        name: "zscaler-mcp-runtime",
        targetConfiguration: {
            mcp: {
                mcpServer: {
                    endpoint: "https://bedrock-agentcore.us-east-1.amazonaws.com/runtimes/x/invocations?qualifier=DEFAULT",
                    listingMode: "DEFAULT",
                },
            },
        } as any,
        credentialProviderConfigurations: [
            {
                credentialProviderType: "OAUTH",
                credentialProvider: {
                    oauthCredentialProvider: {
                        providerArn: "arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/oauth2credentialprovider/p",
                        scopes: ["zscaler-mcp/invoke"],
                        grantType: "CLIENT_CREDENTIALS",
                    },
                },
            },
        ],
        ...over,
    };
}

function oauthInputs(over: Partial<Oauth2CredentialProviderInputs> = {}): Oauth2CredentialProviderInputs {
    return {
        region: "us-east-1",
        name: "zscaler-mcp-cognito-oauth-dev",
        vendor: "CustomOauth2",
        discoveryUrl: DISCOVERY,
        clientId: "client123",
        clientSecret: "cognito-secret",
        ...over,
    };
}

describe("AgentRuntime provider", () => {
    const ctx = useFakeAws();

    it("creates the runtime, waits for READY and computes the invocation URL", async () => {
        const { id, outs } = (await agentRuntimeProvider.create!(runtimeInputs())) as { id: string; outs: AgentRuntimeOutputs };
        expect(outs.status).to.equal("READY");
        expect(outs.agentRuntimeArn).to.equal(`arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/${id}`);
        expect(outs.invocationUrl).to.equal(
            `https://bedrock-agentcore.us-east-1.amazonaws.com/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A123456789012%3Aruntime%2F${id}/invocations?qualifier=DEFAULT`,
        );
        const [call] = ctx.fake.callsTo("CreateAgentRuntime");
        expect(call.input.authorizerConfiguration.customJWTAuthorizer).to.not.have.property("allowedAudience");
    });

    it("retries the runtime's create while IAM throttles AgentCore's service-linked role, and says what it is if it lasts", async () => {
        ctx.fake.serviceLinkedRoleThrottled("CreateAgentRuntime", 2);
        const { outs } = (await agentRuntimeProvider.create!(runtimeInputs())) as { id: string; outs: AgentRuntimeOutputs };
        expect(outs.status).to.equal("READY");
        expect(ctx.fake.callsTo("CreateAgentRuntime").map((c) => c.error ?? "ok")).to.deep.equal([
            "ServiceQuotaExceededException",
            "ServiceQuotaExceededException",
            "ok",
        ]);
        ctx.fake.serviceLinkedRoleThrottled("CreateAgentRuntime", 10_000);
        const err = await rejection(agentRuntimeProvider.create!(runtimeInputs({ agentRuntimeName: "zscaler_mcp_runtime_other" })));
        expect(err.message).to.contain("IAM is throttling the creation of the service-linked role");
        expect(err.message).to.contain(
            "aws iam create-service-linked-role --aws-service-name runtime-identity.bedrock-agentcore.amazonaws.com",
        );
    });

    it("retries IAM propagation for the ECR check, and updates in place to a new version", async () => {
        ctx.fake.iamPropagation("CreateAgentRuntime", 3);
        const { id, outs } = (await agentRuntimeProvider.create!(runtimeInputs())) as { id: string; outs: AgentRuntimeOutputs };
        expect(ctx.fake.callsTo("CreateAgentRuntime")).to.have.length(4);
        const news = runtimeInputs({
            agentRuntimeArtifact: {
                containerConfiguration: { containerUri: "709825985650.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server:0.11.0" },
            },
        });
        const d = await agentRuntimeProvider.diff!(id, outs, news);
        expect(d.replaces).to.deep.equal([]);
        const up = await agentRuntimeProvider.update!(id, outs, news);
        expect(up.outs!.agentRuntimeVersion).to.equal("2");
        expect((await agentRuntimeProvider.diff!(id, outs, runtimeInputs({ agentRuntimeName: "other" }))).replaces).to.deep.equal([
            "agentRuntimeName",
        ]);
    });

    it("takes a tag-only change through the tagging API when the runtime recorded CREATING has become READY", async () => {
        const created = (await agentRuntimeProvider.create!(runtimeInputs({ waitForReady: false, tags: { team: "a" } }))) as {
            id: string;
            outs: AgentRuntimeOutputs;
        };
        expect(created.outs.status).to.equal("CREATING");
        ctx.clock.advance(ctx.fake.durations.runtime);
        const news = runtimeInputs({ waitForReady: false, tags: { team: "b" } });
        const d = await agentRuntimeProvider.diff!(created.id, created.outs, news);
        expect([d.changes, d.replaces]).to.deep.equal([true, []]);
        const updated = await agentRuntimeProvider.update!(created.id, created.outs, news);
        expect(updated.outs).to.deep.include({ status: "READY", tags: { team: "b" }, agentRuntimeVersion: "1" });
        expect(ctx.fake.callsTo("UpdateAgentRuntime")).to.deep.equal([]);
        expect(ctx.fake.callsTo("TagResource").map((c) => c.input.tags)).to.deep.equal([{ team: "b" }]);
    });

    it("keeps a runtime that lands in CREATE_FAILED in state, with the reason", async () => {
        ctx.fake.failNext("runtime", ["Image architecture is not arm64"]);
        const err = await rejection(agentRuntimeProvider.create!(runtimeInputs()));
        expect(err.message).to.contain("reached status CREATE_FAILED: Image architecture is not arm64");
        expect(err.id).to.match(/^zscaler_mcp_runtime_dev-/);
    });

    it("treats AccessDenied for a missing runtime as already deleted", async () => {
        const { id, outs } = (await agentRuntimeProvider.create!(runtimeInputs())) as { id: string; outs: AgentRuntimeOutputs };
        ctx.fake.deleteBehindBack("runtime", id);
        await agentRuntimeProvider.delete!(id, outs);
        expect(ctx.fake.callsTo("DeleteAgentRuntime")[0].error).to.equal("AccessDeniedException");
        expect(await agentRuntimeProvider.read!(id, outs)).to.deep.equal({});
    });

    it("encodes every colon and slash of the ARN", () => {
        expect(invocationUrl("eu-west-1", "arn:aws:x:eu-west-1:1:runtime/a")).to.equal(
            "https://bedrock-agentcore.eu-west-1.amazonaws.com/runtimes/arn%3Aaws%3Ax%3Aeu-west-1%3A1%3Aruntime%2Fa/invocations?qualifier=DEFAULT",
        );
    });
});

describe("Gateway and GatewayTarget providers", () => {
    const ctx = useFakeAws();

    it("creates a gateway and a target, and deletes them target first", async () => {
        const gw = (await gatewayProvider.create!(gatewayInputs())) as { id: string; outs: GatewayOutputs };
        expect(gw.outs.status).to.equal("READY");
        expect(gw.outs.gatewayUrl).to.match(/^https:\/\/.*\/mcp$/);
        ctx.fake.iamPropagation("CreateGatewayTarget", 2);
        const t = (await gatewayTargetProvider.create!(targetInputs(gw.id))) as { id: string; outs: GatewayTargetOutputs };
        expect(t.id).to.equal(`${gw.id}/${t.outs.targetId}`);
        expect(t.outs.status).to.equal("READY");
        // The service refuses to delete a gateway that still has a target.
        const err = await rejection(gatewayProvider.delete!(gw.id, gw.outs));
        expect(err.name).to.equal("ConflictException");
        await gatewayTargetProvider.delete!(t.id, t.outs);
        await gatewayProvider.delete!(gw.id, gw.outs);
        expect(ctx.fake.list("gateway")).to.have.length(0);
        expect(ctx.fake.list("target")).to.have.length(0);
    });

    it("requires an authorizer configuration for CUSTOM_JWT", async () => {
        const { failures } = await gatewayProvider.check!({} as GatewayInputs, gatewayInputs({ authorizerConfiguration: undefined }));
        expect(failures).to.deep.equal([
            {
                property: "authorizerConfiguration",
                reason: "authorizerConfiguration (customJWTAuthorizer) is required when authorizerType is CUSTOM_JWT",
            },
        ]);
    });

    it("updates the authorizer in place and replaces on a new name", async () => {
        const gw = (await gatewayProvider.create!(gatewayInputs())) as { id: string; outs: GatewayOutputs };
        const news = gatewayInputs({
            authorizerConfiguration: { customJWTAuthorizer: { ...AUTHORIZER.customJWTAuthorizer, allowedClients: ["c2"] } },
        });
        expect((await gatewayProvider.diff!(gw.id, gw.outs, news)).replaces).to.deep.equal([]);
        await gatewayProvider.update!(gw.id, gw.outs, news);
        expect(ctx.fake.find("gateway", gw.id)!.data.authorizerConfiguration.customJWTAuthorizer.allowedClients).to.deep.equal(["c2"]);
        const renamed = await gatewayProvider.diff!(gw.id, gw.outs, gatewayInputs({ name: "other" }));
        expect(renamed.replaces).to.deep.equal(["name"]);
    });

    it("reports a FAILED gateway with its reasons, and replaces a FAILED target on the next up", async () => {
        ctx.fake.failNext("gateway", ["Role cannot be assumed"]);
        const err = await rejection(gatewayProvider.create!(gatewayInputs()));
        expect(err.message).to.contain("reached status FAILED: Role cannot be assumed");
        expect(err.id).to.be.a("string");
        const d = await gatewayTargetProvider.diff!("g/t", { ...targetInputs("g"), targetId: "t", status: "FAILED" }, targetInputs("g"));
        expect(d.replaces).to.deep.equal(["status"]);
        expect(d.deleteBeforeReplace).to.equal(true);
    });

    it("names the cause when a target waits for OAuth authorization", async () => {
        const gw = (await gatewayProvider.create!(gatewayInputs())) as { id: string; outs: GatewayOutputs };
        ctx.fake.landNext("target", "CREATE_PENDING_AUTH", []);
        const rec = gatewayTargetProvider.create!(targetInputs(gw.id));
        const err = await rejection(rec);
        expect(err.message).to.contain("reached status CREATE_PENDING_AUTH");
        expect(err.message).to.contain("grantType CLIENT_CREDENTIALS");
    });
});

describe("Oauth2CredentialProvider provider", () => {
    const ctx = useFakeAws();

    it("creates, keeps the unreturned secret on read, and updates the client in place", async () => {
        const { id, outs } = (await oauthProvider.create!(oauthInputs())) as { id: string; outs: Oauth2CredentialProviderOutputs };
        expect(outs.credentialProviderArn).to.equal(
            "arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/oauth2credentialprovider/zscaler-mcp-cognito-oauth-dev",
        );
        expect(outs.callbackUrl).to.be.a("string");
        const read = await oauthProvider.read!(id, outs);
        expect(read.props!.clientSecret).to.equal("cognito-secret");
        expect((await oauthProvider.diff!(id, read.props!, oauthInputs())).changes).to.equal(false);
        const news = oauthInputs({ clientSecret: "rotated" });
        expect((await oauthProvider.diff!(id, outs, news)).replaces).to.deep.equal([]);
        await oauthProvider.update!(id, outs, news);
        expect(ctx.fake.find("oauth2", id)!.data.config.customOauth2ProviderConfig.clientSecret).to.equal("rotated");
        expect((await oauthProvider.diff!(id, outs, oauthInputs({ name: "n2" }))).replaces).to.deep.equal(["name"]);
        await oauthProvider.delete!(id, outs);
        await oauthProvider.delete!(id, outs);
        expect(ctx.fake.list("oauth2")).to.have.length(0);
    });

    it("checks the discovery URL offline", async () => {
        const { failures } = await oauthProvider.check!({} as Oauth2CredentialProviderInputs, oauthInputs({ discoveryUrl: "http://x" }));
        expect(failures!.map((f) => f.property)).to.deep.equal(["discoveryUrl"]);
    });
});

/** The tags of this stack's own resources (project, stack and identity). */
const OWN = {
    "managed-by": "zscaler-mcp-harness",
    "pulumi-project": "zscaler-mcp-harness",
    "pulumi-stack": "dev",
    "pulumi-stack-id": "5tack1d",
};

describe("gateway path: a create that finds its own resource already there", () => {
    const ctx = useFakeAws();
    const FOREIGN = { ...OWN, "pulumi-stack": "prod" };

    it("gets the same runtime back when the create's answer is lost: one client token for every retry", async () => {
        ctx.fake.loseResponse("CreateAgentRuntime", 1);
        const { id } = (await agentRuntimeProvider.create!(runtimeInputs({ tags: OWN }))) as { id: string };
        expect(ctx.fake.list("runtime").map((r) => r.id)).to.deep.equal([id]);
        const calls = ctx.fake.callsTo("CreateAgentRuntime");
        expect(calls.map((c) => c.error ?? "ok")).to.deep.equal(["lost", "ok"]);
        expect(calls[0].input.clientToken).to.equal(calls[1].input.clientToken);
    });

    it("takes over this stack's own runtime and brings it to the inputs; refuses anyone else's", async () => {
        const first = (await agentRuntimeProvider.create!(runtimeInputs({ tags: OWN }))) as { id: string; outs: AgentRuntimeOutputs };
        const env = { ZSCALER_SECRET_NAME: "other", ZSCALER_MCP_TRANSPORT: "streamable-http" };
        const again = (await agentRuntimeProvider.create!(runtimeInputs({ tags: OWN, environmentVariables: env }))) as {
            id: string;
            outs: AgentRuntimeOutputs;
        };
        expect(again.id).to.equal(first.id);
        expect(again.outs.agentRuntimeVersion).to.equal("2");
        expect(ctx.fake.find("runtime", first.id)!.data.environmentVariables).to.deep.equal(env);
        const err = await rejection(agentRuntimeProvider.create!(runtimeInputs({ tags: FOREIGN })));
        expect(err.message).to.contain('agent runtime "zscaler_mcp_runtime_dev" already exists and is not this stack\'s');
        expect(err.message).to.contain("pulumi config set runtimeName <name>");
    });

    it("takes over this stack's own gateway; refuses anyone else's", async () => {
        const first = (await gatewayProvider.create!(gatewayInputs({ tags: OWN }))) as { id: string; outs: GatewayOutputs };
        const again = (await gatewayProvider.create!(gatewayInputs({ tags: OWN, description: "taken over" }))) as {
            id: string;
            outs: GatewayOutputs;
        };
        expect(again.id).to.equal(first.id);
        expect(again.outs.gatewayUrl).to.equal(first.outs.gatewayUrl);
        expect(ctx.fake.find("gateway", first.id)!.data.description).to.equal("taken over");
        const err = await rejection(gatewayProvider.create!(gatewayInputs({ tags: FOREIGN })));
        expect(err.message).to.contain('gateway "zscaler-mcp-gateway-dev" already exists and is not this stack\'s');
    });

    it("takes over a target of its name in the stack's gateway instead of creating a second one", async () => {
        const { id: gatewayId } = (await gatewayProvider.create!(gatewayInputs({ tags: OWN }))) as { id: string };
        const first = (await gatewayTargetProvider.create!(targetInputs(gatewayId))) as { id: string; outs: GatewayTargetOutputs };
        const again = (await gatewayTargetProvider.create!(targetInputs(gatewayId, { description: "again" }))) as {
            id: string;
            outs: GatewayTargetOutputs;
        };
        expect(again.id).to.equal(first.id);
        expect(ctx.fake.list("target").map((t) => [t.id, t.data.description])).to.deep.equal([[first.outs.targetId, "again"]]);
        expect(ctx.fake.callsTo("CreateGatewayTarget")).to.have.length(1);
    });

    it("takes over this stack's own OAuth2 provider (its Cognito client) with the new secret; refuses another client's", async () => {
        await oauthProvider.create!(oauthInputs({ tags: OWN, clientSecret: "old-secret" }));
        const again = (await oauthProvider.create!(oauthInputs({ tags: OWN }))) as { id: string; outs: Oauth2CredentialProviderOutputs };
        expect(again.outs.credentialProviderArn).to.match(/oauth2credentialprovider\/zscaler-mcp-cognito-oauth-dev$/);
        expect(ctx.fake.list("oauth2").map((p) => p.data.config.customOauth2ProviderConfig.clientSecret)).to.deep.equal(["cognito-secret"]);
        const err = await rejection(oauthProvider.create!(oauthInputs({ tags: OWN, clientId: "someone-elses-client" })));
        expect(err.message).to.equal(
            'OAuth2 credential provider "zscaler-mcp-cognito-oauth-dev" already exists for another OAuth client (client123), so it is left alone. ' +
                "Choose another name with pulumi config set oauthProviderName <name>, or delete that credential provider.",
        );
    });
});

describe("gateway path: adoption requires this stack's identity, and brings the gateway fully to its inputs", () => {
    const ctx = useFakeAws();
    const ANOTHER_DEPLOYMENT = { ...OWN, "pulumi-stack-id": "an0ther" };
    const { "pulumi-stack-id": _id, ...WITHOUT_IDENTITY } = OWN;
    const MUTATING = /^(Create|Update|Delete|Tag|Untag)/;

    it("refuses a runtime and a gateway of another deployment of the same project and stack name, or of none, touching neither", async () => {
        const runtime = (await agentRuntimeProvider.create!(runtimeInputs({ tags: ANOTHER_DEPLOYMENT }))) as { id: string };
        const gateway = (await gatewayProvider.create!(gatewayInputs({ tags: WITHOUT_IDENTITY }))) as { id: string };
        const before = ctx.fake.calls.length;
        const runtimeErr = await rejection(agentRuntimeProvider.create!(runtimeInputs({ tags: OWN, description: "mine" })));
        expect(runtimeErr.message).to.contain(
            'agent runtime "zscaler_mcp_runtime_dev" already exists and belongs to another deployment of the same project and ' +
                "stack name (another backend or Pulumi organization: it has pulumi-stack-id=an0ther, this stack is pulumi-stack-id=5tack1d)",
        );
        expect(runtimeErr.message).to.contain("pulumi config set runtimeName <name>");
        const gatewayErr = await rejection(gatewayProvider.create!(gatewayInputs({ tags: OWN, targetNames: [] })));
        expect(gatewayErr.message).to.contain(
            'gateway "zscaler-mcp-gateway-dev" already exists and belongs to another deployment of the same project and stack ' +
                "name (another backend or Pulumi organization: it has no stack identity, this stack is pulumi-stack-id=5tack1d)",
        );
        expect(ctx.fake.calls.slice(before).filter((c) => MUTATING.test(c.op) && !c.error)).to.deep.equal([]);
        expect(ctx.fake.list("runtime").map((r) => r.id)).to.deep.equal([runtime.id]);
        expect(ctx.fake.list("gateway").map((g) => g.id)).to.deep.equal([gateway.id]);
    });

    it("deletes the targets of a gateway it takes over that the program does not declare, with a warning", async () => {
        const warnings: string[] = [];
        const restore = captureAdoptionWarnings((m) => warnings.push(m));
        try {
            const { id: gatewayId } = (await gatewayProvider.create!(gatewayInputs({ tags: OWN }))) as { id: string };
            const declared = (await gatewayTargetProvider.create!(targetInputs(gatewayId))) as { outs: GatewayTargetOutputs };
            const stray = (await gatewayTargetProvider.create!(targetInputs(gatewayId, { name: "left-over" }))) as {
                outs: GatewayTargetOutputs;
            };
            const again = (await gatewayProvider.create!(gatewayInputs({ tags: OWN, targetNames: ["zscaler-mcp-runtime"] }))) as {
                id: string;
            };
            expect(again.id).to.equal(gatewayId);
            expect(ctx.fake.list("target").map((t) => t.id)).to.deep.equal([declared.outs.targetId]);
            expect(ctx.fake.callsTo("DeleteGatewayTarget").map((c) => c.input.targetId)).to.deep.equal([stray.outs.targetId]);
            expect(warnings).to.deep.equal([
                `gateway "zscaler-mcp-gateway-dev" (${gatewayId}) was taken over with target "left-over" (${stray.outs.targetId}), ` +
                    "which this stack does not declare: it is deleted.",
            ]);
            // Without the list of declared targets, a gateway taken over keeps them all.
            await gatewayTargetProvider.create!(targetInputs(gatewayId, { name: "another" }));
            await gatewayProvider.create!(gatewayInputs({ tags: OWN }));
            expect(ctx.fake.list("target")).to.have.length(2);
            expect(warnings).to.have.length(1);
        } finally {
            restore();
        }
    });
});

describe("gateway path: deletes that AWS refuses", () => {
    const ctx = useFakeAws();

    it("counts AccessDenied on DeleteAgentRuntime as gone only when a read confirms the runtime is gone", async () => {
        const { id, outs } = (await agentRuntimeProvider.create!(runtimeInputs())) as { id: string; outs: AgentRuntimeOutputs };
        ctx.fake.deleteBehindBack("runtime", id);
        await agentRuntimeProvider.delete!(id, outs);
        expect(ctx.fake.callsTo("DeleteAgentRuntime").map((c) => c.error)).to.deep.equal(["AccessDeniedException"]);
        expect(
            ctx.fake
                .callsTo("GetAgentRuntime")
                .map((c) => c.error)
                .pop(),
        ).to.equal("ResourceNotFoundException");
    });

    it("fails a delete that is denied while the runtime still exists, naming the cause, and keeps it", async () => {
        const { id, outs } = (await agentRuntimeProvider.create!(runtimeInputs())) as { id: string; outs: AgentRuntimeOutputs };
        ctx.fake.denyNext(
            "DeleteAgentRuntime",
            "User: arn:aws:iam::123456789012:user/deployer is not authorized to perform: bedrock-agentcore:DeleteAgentRuntime",
        );
        const err = await rejection(agentRuntimeProvider.delete!(id, outs));
        expect(err.message).to.equal(
            `delete agent runtime "zscaler_mcp_runtime_dev" (${id}): AWS denied it and the resource still exists ` +
                "(User: arn:aws:iam::123456789012:user/deployer is not authorized to perform: bedrock-agentcore:DeleteAgentRuntime). " +
                "Give the deploying identity that permission, then run the same pulumi command again.",
        );
        expect(ctx.fake.find("runtime", id)!.status).to.equal("READY");
    });

    it("reports a target whose delete fails at once, with AWS's reasons", async () => {
        const { id: gatewayId } = (await gatewayProvider.create!(gatewayInputs())) as { id: string };
        const { id, outs } = (await gatewayTargetProvider.create!(targetInputs(gatewayId))) as { id: string; outs: GatewayTargetOutputs };
        ctx.fake.failNextDelete("target", ["Target is in use by a synchronization"]);
        const started = ctx.clock.now();
        const err = await rejection(gatewayTargetProvider.delete!(id, outs));
        expect(err.message).to.contain("reached status FAILED: Target is in use by a synchronization");
        expect(ctx.clock.now() - started).to.be.lessThan(60_000);
    });
});
