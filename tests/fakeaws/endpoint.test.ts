import { expect } from "chai";
import { AwsContext, jsonCall, queryCall, restGet, xmlList, xmlText } from "../../scripts/aws";
import { rejection, useFakeAws } from "../support/fakeAwsHooks";

const ROLE = "arn:aws:iam::123456789012:role/r";

async function control() {
    const sdk = await import("@aws-sdk/client-bedrock-agentcore-control");
    return { sdk, client: new sdk.BedrockAgentCoreControlClient({ maxAttempts: 1 }) };
}

describe("local AWS endpoint", () => {
    const ctx = useFakeAws();

    describe("refuses requests that break AWS's model, like AWS", () => {
        it("a missing required member", async () => {
            const { sdk, client } = await control();
            const err = await rejection(client.send(new sdk.CreateApiKeyCredentialProviderCommand({ name: "x" } as any)));
            expect(err.name).to.equal("ValidationException");
            expect(err.message).to.contain("Value at 'apiKey' failed to satisfy constraint: Member must not be null");
        });

        it("a value outside an enum", async () => {
            const { sdk, client } = await control();
            const err = await rejection(
                client.send(new sdk.CreateGatewayCommand({ name: "g", roleArn: ROLE, authorizerType: "MAGIC" as any, protocolType: "MCP" })),
            );
            expect(err.message).to.contain("Member must satisfy enum value set");
        });

        it("a pattern mismatch", async () => {
            const { sdk, client } = await control();
            const err = await rejection(client.send(new sdk.CreateHarnessCommand({ harnessName: "has-hyphen", executionRoleArn: ROLE })));
            expect(err.message).to.contain("Value at 'harnessName' failed to satisfy constraint: Member must satisfy regular expression pattern");
        });

        it("a string too short", async () => {
            const { sdk, client } = await control();
            const err = await rejection(client.send(new sdk.CreateHarnessCommand({ harnessName: "h", executionRoleArn: ROLE, clientToken: "short" })));
            expect(err.message).to.contain("Value at 'clientToken' failed to satisfy constraint: Member must have length greater than or equal to 33");
        });

        it("a list too long", async () => {
            const { sdk, client } = await control();
            const many = Array.from({ length: 2 }, () => ({ credentialProviderType: "GATEWAY_IAM_ROLE" as const }));
            const err = await rejection(
                client.send(
                    new sdk.CreateGatewayTargetCommand({
                        gatewayIdentifier: "g-0123456789",
                        name: "t",
                        targetConfiguration: { mcp: { mcpServer: { endpoint: "https://x" } } } as any,
                        credentialProviderConfigurations: many,
                    }),
                ),
            );
            expect(err.message).to.contain("Member must have length less than or equal to 1");
        });

        it("a number out of range", async () => {
            const { sdk, client } = await control();
            const err = await rejection(
                client.send(new sdk.CreateHarnessCommand({ harnessName: "h", executionRoleArn: ROLE, model: { bedrockModelConfig: { modelId: "m", temperature: 3 } } })),
            );
            expect(err.message).to.contain("Value '3' at 'model.bedrockModelConfig.temperature' failed to satisfy constraint: Member must have value less than or equal to 2");
        });

        it("a union with two members set", async () => {
            const { sdk, client } = await control();
            const err = await rejection(
                client.send(
                    new sdk.CreateHarnessCommand({
                        harnessName: "h",
                        executionRoleArn: ROLE,
                        systemPrompt: [{ text: "a" }],
                        model: { bedrockModelConfig: { modelId: "m" }, openAiModelConfig: { modelId: "m", apiKeyArn: "x" } } as any,
                    }),
                ),
            );
            expect(err.message).to.contain("Value at 'model' failed to satisfy constraint: exactly one member must be set, got 2");
        });

        it("an ECS request missing a required member (awsJson1_1)", async () => {
            const ecs = await import("@aws-sdk/client-ecs");
            const err = await rejection(
                new ecs.ECSClient({ maxAttempts: 1 }).send(new ecs.CreateExpressGatewayServiceCommand({ executionRoleArn: "a", infrastructureRoleArn: "b" } as any)),
            );
            expect(err.name).to.equal("ValidationException");
            expect(err.message).to.contain("Value at 'primaryContainer' failed to satisfy constraint: Member must not be null");
        });
    });

    it("keeps names unique and answers unknown ids with the service's not-found error", async () => {
        const { sdk, client } = await control();
        await client.send(new sdk.CreateApiKeyCredentialProviderCommand({ name: "dup", apiKey: "k" }));
        const conflict = await rejection(client.send(new sdk.CreateApiKeyCredentialProviderCommand({ name: "dup", apiKey: "k" })));
        expect(conflict.name).to.equal("ConflictException");
        const missing = await rejection(client.send(new sdk.GetGatewayCommand({ gatewayIdentifier: "nope-0123456789" })));
        expect(missing.name).to.equal("ResourceNotFoundException");
    });

    it("moves resources through their statuses on the test's clock", async () => {
        const { sdk, client } = await control();
        ctx.fake.durations.gateway = 30_000;
        const g = await client.send(new sdk.CreateGatewayCommand({ name: "g", roleArn: ROLE, authorizerType: "NONE", protocolType: "MCP" }));
        expect(g.status).to.equal("CREATING");
        ctx.clock.advance(29_999);
        expect((await client.send(new sdk.GetGatewayCommand({ gatewayIdentifier: g.gatewayId! }))).status).to.equal("CREATING");
        ctx.clock.advance(1);
        expect((await client.send(new sdk.GetGatewayCommand({ gatewayIdentifier: g.gatewayId! }))).status).to.equal("READY");
    });

    it("injects throttling and server errors for exactly the number of calls asked", async () => {
        const { sdk, client } = await control();
        ctx.fake.throttle("ListHarnesses", 1);
        ctx.fake.serverError("ListHarnesses", 1);
        expect((await rejection(client.send(new sdk.ListHarnessesCommand({})))).name).to.equal("ThrottlingException");
        expect((await rejection(client.send(new sdk.ListHarnessesCommand({})))).name).to.equal("InternalServerException");
        expect((await client.send(new sdk.ListHarnessesCommand({}))).harnesses).to.deep.equal([]);
    });

    describe("STS, EC2, ECR, Cognito, Secrets Manager and Bedrock", () => {
        const aws = (accessKeyId = "AKIAFAKEFAKEFAKEFAKE", secretAccessKey = "fake-secret-key-for-the-local-endpoint", sessionToken?: string): AwsContext => ({
            region: "us-east-1",
            env: ctx.fake.env(),
            credentials: async () => ({ accessKeyId, secretAccessKey, sessionToken }),
        });

        it("STS: AssumeRole through the SDK's own STS client, then GetCallerIdentity as the role, each call recorded with its signing key", async () => {
            const sts = await import("@aws-sdk/client-sts");
            const client = new sts.STSClient({ region: "us-east-1", maxAttempts: 1, credentials: { accessKeyId: "AKIAFAKEFAKEFAKEFAKE", secretAccessKey: "fake-secret-key-for-the-local-endpoint" } });
            const assumed = await client.send(new sts.AssumeRoleCommand({ RoleArn: "arn:aws:iam::123456789012:role/deployer", RoleSessionName: "pulumi" }));
            const creds = assumed.Credentials!;
            expect(creds.AccessKeyId).to.match(/^ASIA[A-Z2-7]{16}$/);
            expect(creds.Expiration).to.be.instanceOf(Date);
            expect(assumed.AssumedRoleUser!.Arn).to.equal("arn:aws:sts::123456789012:assumed-role/deployer/pulumi");
            const me = await queryCall(aws(creds.AccessKeyId!, creds.SecretAccessKey!, creds.SessionToken!), "sts", "GetCallerIdentity");
            expect(xmlText(me, "GetCallerIdentityResult/Arn")).to.equal("arn:aws:sts::123456789012:assumed-role/deployer/pulumi");
            expect(ctx.fake.calls.map((c) => [c.op, c.accessKeyId])).to.deep.equal([
                ["AssumeRole", "AKIAFAKEFAKEFAKEFAKE"],
                ["GetCallerIdentity", creds.AccessKeyId],
            ]);
        });

        it("STS: refuses what the model refuses, and a revoked key", async () => {
            const sts = await import("@aws-sdk/client-sts");
            const client = new sts.STSClient({ region: "us-east-1", maxAttempts: 1, credentials: { accessKeyId: "AKIAFAKEFAKEFAKEFAKE", secretAccessKey: "fake-secret-key-for-the-local-endpoint" } });
            const bad = await rejection(client.send(new sts.AssumeRoleCommand({ RoleArn: "arn:aws:iam::123456789012:role/r", RoleSessionName: "has spaces" })));
            expect(bad.message).to.contain("Value at 'RoleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern");
            ctx.fake.revokedKeys.set("AKIAFAKEFAKEFAKEFAKE", "InvalidClientTokenId");
            const revoked = await rejection(queryCall(aws(), "sts", "GetCallerIdentity"));
            expect(revoked.name).to.equal("InvalidClientTokenId");
        });

        it("EC2: filters by the model's list encoding, refuses unknown parameters and filters", async () => {
            const vpcs = await queryCall(aws(), "ec2", "DescribeVpcs", { "Filter.1.Name": "is-default", "Filter.1.Value.1": "true" });
            expect(xmlList(vpcs, "vpcSet").map((v) => xmlText(v, "vpcId"))).to.deep.equal(["vpc-0a1b2c3d4e5f60718"]);
            expect(ctx.fake.calls[0].input).to.deep.equal({ Filters: [{ Name: "is-default", Values: ["true"] }] });
            expect((await rejection(queryCall(aws(), "ec2", "DescribeVpcs", { "Filters.1.Name": "x" }))).name).to.equal("UnknownParameter");
            expect((await rejection(queryCall(aws(), "ec2", "DescribeVpcs", { "Filter.1.Name": "colour", "Filter.1.Value.1": "x" }))).name).to.equal("InvalidParameterValue");
        });

        it("ECR, Cognito, Secrets Manager and Bedrock answer by their models", async () => {
            const images = await jsonCall(aws(), "ecr", "BatchGetImage", {
                registryId: "709825985650",
                repositoryName: "zscaler/zscaler-mcp-server",
                imageIds: [{ imageTag: "0.10.4-bedrock" }],
            });
            expect(JSON.parse(images.images[0].imageManifest).manifests.map((m: any) => m.platform.architecture)).to.deep.equal(["amd64", "arm64"]);
            const short = await rejection(jsonCall(aws(), "ecr", "BatchGetImage", { repositoryName: "x", imageIds: [] }));
            expect(short.name).to.equal("ValidationException");
            expect(await jsonCall(aws(), "cognito", "DescribeUserPoolDomain", { Domain: "free-prefix" })).to.deep.equal({ DomainDescription: {} });
            expect((await rejection(jsonCall(aws(), "secretsmanager", "DescribeSecret", { SecretId: "nope" }))).name).to.equal("ResourceNotFoundException");
            const profile = await restGet(aws(), "bedrock", `/inference-profiles/${encodeURIComponent("us.amazon.nova-pro-v1:0")}`);
            expect(profile.models[0].modelArn).to.equal("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0");
            expect(ctx.fake.calls.map((c) => c.service)).to.deep.equal(["ecr", "ecr", "cognito-idp", "secretsmanager", "bedrock"]);
        });
    });
});
