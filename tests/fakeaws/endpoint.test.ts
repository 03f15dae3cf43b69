import { expect } from "chai";
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

    describe("STS, EC2, ECR, Cognito, Secrets Manager and Bedrock, through the SDK's own clients", () => {
        const KEY = { accessKeyId: "AKIAFAKEFAKEFAKEFAKE", secretAccessKey: "fake-secret-key-for-the-local-endpoint" };
        const config = (over: Record<string, unknown> = {}) => ({ region: "us-east-1", maxAttempts: 1, credentials: KEY, ...over });

        it("STS: AssumeRole, then GetCallerIdentity as the role, each call recorded with its signing key", async () => {
            const sts = await import("@aws-sdk/client-sts");
            const client = new sts.STSClient(config());
            const assumed = await client.send(new sts.AssumeRoleCommand({ RoleArn: "arn:aws:iam::123456789012:role/deployer", RoleSessionName: "pulumi", DurationSeconds: 900 }));
            const creds = assumed.Credentials!;
            expect(creds.AccessKeyId).to.match(/^ASIA[A-Z2-7]{16}$/);
            // Valid by the client's own clock, whatever the test's clock says.
            expect(creds.Expiration!.getTime() - Date.now()).to.be.within(890_000, 900_000);
            expect(assumed.AssumedRoleUser!.Arn).to.equal("arn:aws:sts::123456789012:assumed-role/deployer/pulumi");
            const asRole = new sts.STSClient(config({ credentials: { accessKeyId: creds.AccessKeyId!, secretAccessKey: creds.SecretAccessKey!, sessionToken: creds.SessionToken! } }));
            expect((await asRole.send(new sts.GetCallerIdentityCommand({}))).Arn).to.equal("arn:aws:sts::123456789012:assumed-role/deployer/pulumi");
            expect(ctx.fake.calls.map((c) => [c.op, c.accessKeyId])).to.deep.equal([
                ["AssumeRole", "AKIAFAKEFAKEFAKEFAKE"],
                ["GetCallerIdentity", creds.AccessKeyId],
            ]);
        });

        it("STS: refuses what the model refuses, a revoked key, and a missing permission as STS names it", async () => {
            const sts = await import("@aws-sdk/client-sts");
            const client = new sts.STSClient(config());
            const bad = await rejection(client.send(new sts.AssumeRoleCommand({ RoleArn: "arn:aws:iam::123456789012:role/r", RoleSessionName: "has spaces" })));
            expect(bad.name).to.equal("ValidationError");
            expect(bad.message).to.contain("Value at 'RoleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern");
            ctx.fake.denyNext("AssumeRole", "User: arn:aws:iam::123456789012:user/local-tester is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/r");
            const denied = await rejection(client.send(new sts.AssumeRoleCommand({ RoleArn: "arn:aws:iam::123456789012:role/r", RoleSessionName: "s1" })));
            expect([denied.name, denied.$metadata.httpStatusCode]).to.deep.equal(["AccessDenied", 403]);
            ctx.fake.revokedKeys.set("AKIAFAKEFAKEFAKEFAKE", "InvalidClientTokenId");
            const revoked = await rejection(client.send(new sts.GetCallerIdentityCommand({})));
            expect(revoked.name).to.equal("InvalidClientTokenId");
        });

        it("STS and EC2: a lost answer is an XML server error the SDK retries; a hung one ends only with the client's timeout", async () => {
            const sts = await import("@aws-sdk/client-sts");
            ctx.fake.loseResponse("GetCallerIdentity", 1);
            expect((await new sts.STSClient(config({ maxAttempts: 2 })).send(new sts.GetCallerIdentityCommand({}))).Account).to.equal("123456789012");
            expect(ctx.fake.callsTo("GetCallerIdentity").map((c) => c.error ?? "ok")).to.deep.equal(["lost", "ok"]);
            const ec2 = await import("@aws-sdk/client-ec2");
            ctx.fake.hang("DescribeVpcs", 1);
            const client = new ec2.EC2Client(config({ requestHandler: { requestTimeout: 100, throwOnRequestTimeout: true } }));
            expect((await rejection(client.send(new ec2.DescribeVpcsCommand({})))).name).to.equal("TimeoutError");
            expect(ctx.fake.callsTo("DescribeVpcs").map((c) => c.error)).to.deep.equal(["hung"]);
        });

        it("EC2: filters by the model's list encoding, refuses unknown filters, and names a missing permission UnauthorizedOperation", async () => {
            const ec2 = await import("@aws-sdk/client-ec2");
            const client = new ec2.EC2Client(config());
            const { Vpcs } = await client.send(new ec2.DescribeVpcsCommand({ Filters: [{ Name: "is-default", Values: ["true"] }] }));
            expect(Vpcs!.map((v) => [v.VpcId, v.IsDefault])).to.deep.equal([["vpc-0a1b2c3d4e5f60718", true]]);
            expect(ctx.fake.calls[0].input).to.deep.equal({ Filters: [{ Name: "is-default", Values: ["true"] }] });
            const { Subnets } = await client.send(new ec2.DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: ["vpc-0a1b2c3d4e5f60718"] }] }));
            expect(Subnets!.map((sn) => sn.AvailabilityZone)).to.deep.equal(["us-east-1a", "us-east-1b", "us-east-1c"]);
            expect((await rejection(client.send(new ec2.DescribeVpcsCommand({ Filters: [{ Name: "colour", Values: ["x"] }] })))).name).to.equal("InvalidParameterValue");
            ctx.fake.denyNext("DescribeSubnets", "You are not authorized to perform this operation. User: u is not authorized to perform: ec2:DescribeSubnets");
            const denied = await rejection(client.send(new ec2.DescribeSubnetsCommand({})));
            expect([denied.name, denied.$metadata.httpStatusCode]).to.deep.equal(["UnauthorizedOperation", 403]);
            ctx.fake.throttle("DescribeVpcs", 1);
            expect((await rejection(client.send(new ec2.DescribeVpcsCommand({})))).name).to.equal("RequestLimitExceeded");
        });

        it("ECR, Cognito, Secrets Manager and Bedrock answer by their models", async () => {
            const ecr = await import("@aws-sdk/client-ecr");
            const ecrClient = new ecr.ECRClient(config());
            const images = await ecrClient.send(
                new ecr.BatchGetImageCommand({ registryId: "709825985650", repositoryName: "zscaler/zscaler-mcp-server", imageIds: [{ imageTag: "0.10.4-bedrock" }] }),
            );
            expect(JSON.parse(images.images![0].imageManifest!).manifests.map((m: any) => m.platform.architecture)).to.deep.equal(["amd64", "arm64"]);
            const short = await rejection(ecrClient.send(new ecr.BatchGetImageCommand({ repositoryName: "x", imageIds: [] })));
            expect(short.name).to.equal("ValidationException");
            const cognito = await import("@aws-sdk/client-cognito-identity-provider");
            const domain = await new cognito.CognitoIdentityProviderClient(config()).send(new cognito.DescribeUserPoolDomainCommand({ Domain: "free-prefix" }));
            expect(domain.DomainDescription).to.deep.equal({});
            const secrets = await import("@aws-sdk/client-secrets-manager");
            const missing = await rejection(new secrets.SecretsManagerClient(config()).send(new secrets.DescribeSecretCommand({ SecretId: "nope" })));
            expect(missing.name).to.equal("ResourceNotFoundException");
            const bedrock = await import("@aws-sdk/client-bedrock");
            const profile = await new bedrock.BedrockClient(config()).send(new bedrock.GetInferenceProfileCommand({ inferenceProfileIdentifier: "us.amazon.nova-pro-v1:0" }));
            expect(profile.models![0].modelArn).to.equal("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0");
            expect(ctx.fake.calls.map((c) => c.service)).to.deep.equal(["ecr", "ecr", "cognito-idp", "secretsmanager", "bedrock"]);
        });
    });
});
