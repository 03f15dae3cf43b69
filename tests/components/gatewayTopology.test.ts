import { expect } from "chai";
import {
    ACCOUNT,
    COGNITO_CLIENT_SECRET,
    isSecretWrapper,
    one,
    plaintextOccurrences,
    ProgramRun,
    registrationOptions,
    runProgram,
    unwrap,
} from "../support/mocks";

const CLIENT_SECRET = "zs-client-secret-Gateway-77";
const BASE: Record<string, string> = {
    "aws:region": "us-east-1",
    topology: "gateway",
    zscalerClientId: "client-abc",
    zscalerClientSecret: CLIENT_SECRET,
    zscalerCustomerId: "cust-123",
    zscalerVanityDomain: "acme",
};
const RUNTIME_ARN = `arn:aws:bedrock-agentcore:us-east-1:${ACCOUNT}:runtime/zscaler_mcp_runtime_dev-k9j8h7g6f5`;
const OAUTH_ARN = `arn:aws:bedrock-agentcore:us-east-1:${ACCOUNT}:token-vault/default/oauth2credentialprovider/zscaler-mcp-cognito-oauth-dev`;
const DISCOVERY = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123/.well-known/openid-configuration";
const EXTERNAL_ARN = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:team/zscaler-Xy12Ab`;
const TOOL_CHECK = "pulumi-nodejs:dynamic/mcp:ToolCheck";

function run(config: Record<string, string> = {}): Promise<ProgramRun> {
    return runProgram({
        config: { ...BASE, ...config },
        secretKeys: config.zscalerClientSecret === "" ? [] : ["zscalerClientSecret"],
        invokes: { "aws:secretsmanager/getSecret:getSecret": (i: any) => ({ arn: EXTERNAL_ARN, name: i.name }) },
    });
}

function inputs(r: ProgramRun, type: string, suffix?: string): Record<string, any> {
    const { __provider: _p, ...rest } = unwrap(one(r, type, suffix).inputs);
    return rest;
}

describe("Gateway topology (strict mocks)", () => {
    it("registers Cognito, the secret, the OAuth provider, runtime, gateway, target and harness", async () => {
        const r = await run();
        expect(r.resources.map((x) => `${x.type} ${x.name}`).sort()).to.deep.equal([
            "aws:cognito/resourceServer:ResourceServer zscaler-mcp-resource-server",
            "aws:cognito/userPool:UserPool zscaler-mcp-users",
            "aws:cognito/userPoolClient:UserPoolClient zscaler-mcp-client",
            "aws:cognito/userPoolDomain:UserPoolDomain zscaler-mcp-domain",
            "aws:iam/role:Role zscaler-mcp-agent-exec-role",
            "aws:iam/role:Role zscaler-mcp-gateway-role",
            "aws:iam/role:Role zscaler-mcp-runtime-role",
            "aws:iam/rolePolicy:RolePolicy zscaler-mcp-agent-exec-policy",
            "aws:iam/rolePolicy:RolePolicy zscaler-mcp-gateway-policy",
            "aws:iam/rolePolicy:RolePolicy zscaler-mcp-runtime-policy",
            "aws:secretsmanager/secret:Secret zscaler-mcp-credentials-secret",
            "aws:secretsmanager/secretVersion:SecretVersion zscaler-mcp-credentials-secret-value",
            "pulumi-nodejs:dynamic/agentcore:AgentRuntime zscaler-mcp-runtime",
            "pulumi-nodejs:dynamic/agentcore:AgentRuntimeReady zscaler-mcp-runtime-ready",
            "pulumi-nodejs:dynamic/agentcore:Gateway zscaler-mcp-gateway",
            "pulumi-nodejs:dynamic/agentcore:GatewayTarget zscaler-mcp-target",
            "pulumi-nodejs:dynamic/agentcore:Harness zscaler-mcp-agent-harness",
            "pulumi-nodejs:dynamic/agentcore:Oauth2CredentialProvider zscaler-mcp-oauth",
            "pulumi-nodejs:dynamic/mcp:ToolCheck zscaler-mcp-tool-check",
            "pulumi-nodejs:dynamic/stack:StackIdentity stack-identity",
            "pulumi:providers:aws aws",
            "zscaler-mcp:credentials:ZscalerCredentials zscaler-mcp-credentials",
            "zscaler-mcp:harness:HarnessAgent zscaler-mcp-agent",
            "zscaler-mcp:topology:Gateway zscaler-mcp",
        ]);
        expect(r.outputs).to.include({
            topology: "gateway",
            gatewayId: "zscaler-mcp-gateway-dev-q1w2e3r4t5",
            runtimeArn: RUNTIME_ARN,
            cognitoUserPoolId: "us-east-1_AbCdEf123",
            cognitoTokenEndpoint: `https://zscaler-mcp-dev-${ACCOUNT}.auth.us-east-1.amazoncognito.com/oauth2/token`,
            oauthProviderArn: OAUTH_ARN,
            cognitoClientId: "3n4b5c6d7e8f9g0h1i2j3k4l5m",
            serverName: "zscaler-mcp",
            serverVersion: "0.15.4",
            toolCount: 42,
        });
    });

    it("checks the gateway's tools with a Cognito token for the app client, after the harness, the target and the ready runtime", async () => {
        const r = await run();
        expect(inputs(r, TOOL_CHECK)).to.deep.equal({
            region: "us-east-1",
            kind: "agentcore_gateway",
            url: "https://zscaler-mcp-gateway-dev-q1w2e3r4t5.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp",
            tokenEndpoint: `https://zscaler-mcp-dev-${ACCOUNT}.auth.us-east-1.amazoncognito.com/oauth2/token`,
            clientId: "3n4b5c6d7e8f9g0h1i2j3k4l5m",
            clientSecret: COGNITO_CLIENT_SECRET,
            scope: "zscaler-mcp/invoke",
            // The runtime and its version (a new one for each new image, setting or secret version), the target.
            revision:
                `runtime=${RUNTIME_ARN} version=1 image=709825985650.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server:0.15.4-bedrock ` +
                "credentials=1c2d3e4f-0000-4a5b-8c9d-0123456789ab target=TGT1234567",
        });
        expect(isSecretWrapper(one(r, TOOL_CHECK).inputs.clientSecret)).to.equal(true);
        expect(registrationOptions(TOOL_CHECK, "zscaler-mcp-tool-check").additionalSecretOutputs).to.deep.equal(["credentialsDigest"]);
        const deps = r.resources.find((x) => x.name === "zscaler-mcp-tool-check")!.dependencies.map((u) => u.split("::").pop());
        expect(deps).to.include.members([
            "zscaler-mcp-agent-harness",
            "zscaler-mcp-target",
            "zscaler-mcp-runtime-ready",
            "zscaler-mcp-gateway",
            "zscaler-mcp-client",
        ]);
        const off = await run({ verifyTools: "false" });
        expect(off.resources.filter((x) => x.type === TOOL_CHECK)).to.deep.equal([]);
        expect(off.outputs).to.not.have.any.keys("serverName", "serverVersion", "toolCount");
    });

    it("aliases the harness to its place under the ECS topology", async () => {
        await run();
        expect(registrationOptions("zscaler-mcp:harness:HarnessAgent", "zscaler-mcp-agent").aliasParents).to.deep.equal([
            "urn:pulumi:dev::zscaler-mcp-harness::zscaler-mcp:topology:Ecs::zscaler-mcp",
        ]);
    });

    it("configures Cognito for client credentials only", async () => {
        const r = await run();
        expect(inputs(r, "aws:cognito/userPool:UserPool").adminCreateUserConfig).to.deep.equal({ allowAdminCreateUserOnly: true });
        expect(inputs(r, "aws:cognito/resourceServer:ResourceServer")).to.deep.include({
            identifier: "zscaler-mcp",
            scopes: [{ scopeName: "invoke", scopeDescription: "Call the Zscaler MCP server" }],
        });
        expect(inputs(r, "aws:cognito/userPoolClient:UserPoolClient")).to.deep.include({
            generateSecret: true,
            allowedOauthFlows: ["client_credentials"],
            allowedOauthFlowsUserPoolClient: true,
            allowedOauthScopes: ["zscaler-mcp/invoke"],
        });
        expect(inputs(r, "aws:cognito/userPoolDomain:UserPoolDomain").domain).to.equal(`zscaler-mcp-dev-${ACCOUNT}`);
        const custom = await run({ cognitoDomainPrefix: "acme-zscaler-mcp" });
        expect(inputs(custom, "aws:cognito/userPoolDomain:UserPoolDomain").domain).to.equal("acme-zscaler-mcp");
        // Cognito allows one domain per user pool: a new prefix replaces the domain by deleting the old one first.
        expect(registrationOptions("aws:cognito/userPoolDomain:UserPoolDomain", "zscaler-mcp-domain").deleteBeforeReplace).to.equal(true);
    });

    it("runs the server on AgentCore Runtime with a JWT authorizer and no credential in its environment", async () => {
        const r = await run();
        const rt = inputs(r, "pulumi-nodejs:dynamic/agentcore:AgentRuntime");
        expect(rt).to.deep.include({
            agentRuntimeName: "zscaler_mcp_runtime_dev",
            agentRuntimeArtifact: {
                containerConfiguration: {
                    containerUri: "709825985650.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server:0.15.4-bedrock",
                },
            },
            networkConfiguration: { networkMode: "PUBLIC" },
            protocolConfiguration: { serverProtocol: "MCP" },
            authorizerConfiguration: {
                customJWTAuthorizer: {
                    discoveryUrl: DISCOVERY,
                    allowedClients: ["3n4b5c6d7e8f9g0h1i2j3k4l5m"],
                    allowedScopes: ["zscaler-mcp/invoke"],
                },
            },
            // The caller's JWT, and the headers that route MCP 2026-07-28 (AgentCore drops any other).
            requestHeaderConfiguration: {
                requestHeaderAllowlist: ["Authorization", "MCP-Protocol-Version", "Mcp-Method", "Mcp-Name", "Mcp-Session-Id"],
            },
        });
        expect(rt.environmentVariables).to.deep.equal({
            ZSCALER_MCP_TRANSPORT: "streamable-http",
            ZSCALER_MCP_HOST: "0.0.0.0",
            ZSCALER_MCP_PORT: "8000",
            ZSCALER_MCP_AUTH_MODE: "zscaler",
            ZSCALER_MCP_ALLOW_HTTP: "true",
            ZSCALER_MCP_DISABLE_HOST_VALIDATION: "true",
            // AgentCore authenticated the caller; the server checks its own credentials with Zscaler.
            ZSCALER_MCP_TRUST_PLATFORM_AUTH: "true",
            ZSCALER_SECRET_NAME: "zscaler-mcp-harness/dev/credentials-a1b2c3d4e5",
            // The secret's version: new credentials, a new runtime version that reads them.
            ZSCALER_MCP_CREDENTIALS_VERSION: "1c2d3e4f-0000-4a5b-8c9d-0123456789ab",
        });
    });

    it("puts the gateway in front of the runtime and the harness in front of the gateway, with the scope", async () => {
        const r = await run();
        const gw = inputs(r, "pulumi-nodejs:dynamic/agentcore:Gateway");
        expect(gw).to.deep.include({ name: "zscaler-mcp-gateway-dev", protocolType: "MCP", authorizerType: "CUSTOM_JWT" });
        expect(gw.authorizerConfiguration.customJWTAuthorizer.discoveryUrl).to.equal(DISCOVERY);
        const oauth = { providerArn: OAUTH_ARN, scopes: ["zscaler-mcp/invoke"], grantType: "CLIENT_CREDENTIALS" };
        const target = inputs(r, "pulumi-nodejs:dynamic/agentcore:GatewayTarget");
        expect(target.gatewayId).to.equal("zscaler-mcp-gateway-dev-q1w2e3r4t5");
        expect(target.targetConfiguration.mcp.mcpServer).to.deep.equal({
            endpoint: `https://bedrock-agentcore.us-east-1.amazonaws.com/runtimes/${encodeURIComponent(RUNTIME_ARN)}/invocations?qualifier=DEFAULT`,
            listingMode: "DEFAULT",
        });
        expect(target.credentialProviderConfigurations).to.deep.equal([
            { credentialProviderType: "OAUTH", credentialProvider: { oauthCredentialProvider: oauth } },
        ]);
        const harness = inputs(r, "pulumi-nodejs:dynamic/agentcore:Harness");
        expect(harness.tools).to.deep.equal([
            {
                type: "agentcore_gateway",
                name: "zscaler",
                config: {
                    agentCoreGateway: {
                        gatewayArn: `arn:aws:bedrock-agentcore:us-east-1:${ACCOUNT}:gateway/zscaler-mcp-gateway-dev-q1w2e3r4t5`,
                        outboundAuth: { oauth },
                    },
                },
            },
        ]);
        const oauthProvider = one(r, "pulumi-nodejs:dynamic/agentcore:Oauth2CredentialProvider").inputs;
        expect(unwrap(oauthProvider)).to.deep.include({
            name: "zscaler-mcp-cognito-oauth-dev",
            discoveryUrl: DISCOVERY,
            clientId: "3n4b5c6d7e8f9g0h1i2j3k4l5m",
        });
        expect(isSecretWrapper(oauthProvider.clientSecret)).to.equal(true);
    });

    it("imposes only the order AWS forces: the gateway needs the runtime's ARN, the target its readiness, the harness neither", async () => {
        const r = await run();
        const deps = (name: string) =>
            r.resources
                .find((x) => x.name === name)!
                .dependencies.map((u) => u.split("::").pop())
                .sort();
        expect(r.resources.find((x) => x.name === "zscaler-mcp-runtime")!.inputs.waitForReady).to.equal(false);
        expect(deps("zscaler-mcp-runtime-ready")).to.deep.equal(["zscaler-mcp-runtime"]);
        expect(deps("zscaler-mcp-gateway-policy")).to.deep.equal(["zscaler-mcp-gateway-role", "zscaler-mcp-runtime"]);
        expect(deps("zscaler-mcp-gateway")).to.include("zscaler-mcp-gateway-policy").and.not.include("zscaler-mcp-runtime-ready");
        expect(deps("zscaler-mcp-target")).to.include.members(["zscaler-mcp-gateway", "zscaler-mcp-runtime-ready", "zscaler-mcp-oauth"]);
        expect(deps("zscaler-mcp-agent-harness")).to.include.members([
            "zscaler-mcp-gateway",
            "zscaler-mcp-oauth",
            "zscaler-mcp-agent-exec-policy",
        ]);
        expect(deps("zscaler-mcp-agent-harness")).to.not.include.members(["zscaler-mcp-target"]);
        expect(deps("zscaler-mcp-agent-harness")).to.not.include("zscaler-mcp-runtime-ready");
        expect(deps("zscaler-mcp-runtime")).to.include.members(["zscaler-mcp-runtime-policy", "zscaler-mcp-client"]);
    });

    it("scopes the runtime, gateway and harness roles to this stack's runtime, image, logs, secret and OAuth2 provider", async () => {
        const r = await run();
        const policy = (name: string) => JSON.parse(unwrap(one(r, "aws:iam/rolePolicy:RolePolicy", name).inputs.policy));
        const secretArn = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:zscaler-mcp-harness/dev/credentials-a1b2c3d4e5-AbCdEf`;
        const runtimeLogs = `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/bedrock-agentcore/runtimes/zscaler_mcp_runtime_dev-??????????-*`;
        expect(policy("runtime-policy").Statement).to.deep.equal([
            { Sid: "EcrAuth", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
            {
                Sid: "PullImage",
                Effect: "Allow",
                Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage", "ecr:DescribeImages"],
                Resource: "arn:aws:ecr:us-east-1:709825985650:repository/zscaler/zscaler-mcp-server",
            },
            {
                Sid: "PullPublicImage",
                Effect: "Allow",
                Action: ["ecr-public:GetAuthorizationToken", "sts:GetServiceBearerToken"],
                Resource: "*",
            },
            { Sid: "RuntimeLogGroups", Effect: "Allow", Action: ["logs:CreateLogGroup", "logs:DescribeLogStreams"], Resource: runtimeLogs },
            {
                Sid: "DescribeLogGroups",
                Effect: "Allow",
                Action: "logs:DescribeLogGroups",
                Resource: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:*`,
            },
            {
                Sid: "RuntimeLogStreams",
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                Resource: `${runtimeLogs}:log-stream:*`,
            },
            { Sid: "ReadZscalerSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secretArn },
            {
                Sid: "DecryptSecretsViaSecretsManager",
                Effect: "Allow",
                Action: "kms:Decrypt",
                Resource: "*",
                Condition: {
                    StringEquals: { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com" },
                    StringLike: { "kms:EncryptionContext:SecretARN": secretArn },
                },
            },
        ]);
        const gatewayLogs = `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/bedrock-agentcore/gateways/zscaler-mcp-gateway-dev-??????????`;
        expect(policy("gateway-policy").Statement).to.deep.equal([
            {
                Sid: "InvokeRuntime",
                Effect: "Allow",
                Action: "bedrock-agentcore:InvokeAgentRuntime",
                Resource: [RUNTIME_ARN, `${RUNTIME_ARN}/*`, `${RUNTIME_ARN}:*`],
            },
            {
                Sid: "Logs",
                Effect: "Allow",
                Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                Resource: [gatewayLogs, `${gatewayLogs}:log-stream:*`],
            },
        ]);
        const harness = Object.fromEntries(policy("agent-exec-policy").Statement.map((s: any) => [s.Sid, s]));
        expect(harness.TokenVault.Action).to.deep.equal(["bedrock-agentcore:GetResourceOauth2Token"]);
        expect(harness.TokenVault.Resource[3]).to.equal(OAUTH_ARN);
        expect(harness.TokenVaultSecrets.Resource).to.deep.equal([
            `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:bedrock-agentcore-identity!default/oauth2/zscaler-mcp-cognito-oauth-dev-Gh5Jk7`,
        ]);
        // AgentCore may assume each role only for this stack's own resource (its id's ten-character suffix chosen at creation).
        const ac = `arn:aws:bedrock-agentcore:us-east-1:${ACCOUNT}`;
        const agentCoreTrust = (sourceArn: string | string[]) => ({
            Version: "2012-10-17",
            Statement: [
                {
                    Effect: "Allow",
                    Principal: { Service: "bedrock-agentcore.amazonaws.com" },
                    Action: "sts:AssumeRole",
                    Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT }, ArnLike: { "aws:SourceArn": sourceArn } },
                },
            ],
        });
        const trust = (role: string) => JSON.parse(unwrap(one(r, "aws:iam/role:Role", role).inputs).assumeRolePolicy);
        expect(trust("runtime-role")).to.deep.equal(agentCoreTrust(`${ac}:runtime/zscaler_mcp_runtime_dev-??????????`));
        expect(trust("gateway-role")).to.deep.equal(agentCoreTrust(`${ac}:gateway/zscaler-mcp-gateway-dev-??????????`));
        expect(trust("agent-exec-role")).to.deep.equal(
            agentCoreTrust([
                `${ac}:harness/zscaler_mcp_harness_dev-??????????`,
                `${ac}:runtime/harness_zscaler_mcp_harness_dev-??????????`,
            ]),
        );
    });

    it("keeps the runtime on destroy with its role, its secret and the Cognito pool its authorizer trusts", async () => {
        const retained = async (retain: string) =>
            (await run({ retain })).resources
                .filter((x) => x.retainOnDelete)
                .map((x) => x.name)
                .sort();
        const cognito = ["zscaler-mcp-client", "zscaler-mcp-domain", "zscaler-mcp-resource-server", "zscaler-mcp-users"];
        expect(await retained('["cognito"]')).to.deep.equal(cognito);
        expect(await retained('["runtime"]')).to.deep.equal(
            [
                ...cognito,
                "zscaler-mcp-credentials-secret",
                "zscaler-mcp-credentials-secret-value",
                "zscaler-mcp-runtime",
                "zscaler-mcp-runtime-policy",
                "zscaler-mcp-runtime-role",
            ].sort(),
        );
    });

    it("uses an external secret by name without writing it", async () => {
        const r = await run({
            secretsMode: "external",
            zscalerSecretName: "team/zscaler",
            zscalerClientId: "",
            zscalerClientSecret: "",
            zscalerCustomerId: "",
            zscalerVanityDomain: "",
        });
        expect(r.resources.filter((x) => x.type.startsWith("aws:secretsmanager"))).to.have.length(0);
        expect(inputs(r, "pulumi-nodejs:dynamic/agentcore:AgentRuntime").environmentVariables.ZSCALER_SECRET_NAME).to.equal("team/zscaler");
        const policy = JSON.parse(unwrap(one(r, "aws:iam/rolePolicy:RolePolicy", "runtime-policy").inputs.policy));
        expect(policy.Statement.find((s: any) => s.Sid === "ReadZscalerSecret").Resource).to.equal(EXTERNAL_ARN);
    });

    it("refuses an image in another region before registering anything, and says how to copy it", async () => {
        const err = await run({ "aws:region": "eu-west-1" }).then(
            () => undefined,
            (e: Error) => e,
        );
        expect(err!.message).to.contain("imageUri: the image is in ECR region us-east-1");
        expect(err!.message).to.contain(
            "docker push <your-account-id>.dkr.ecr.eu-west-1.amazonaws.com/zscaler/zscaler-mcp-server:0.15.4-bedrock",
        );
        expect(err!.message).to.contain("pulumi config set imageUri");
    });

    it("keeps the Zscaler and Cognito secrets out of plaintext inputs and outputs", async () => {
        for (const mode of ["managed", "plaintext"]) {
            const r = await run({ secretsMode: mode });
            for (const res of r.resources) {
                expect(plaintextOccurrences(res.inputs, CLIENT_SECRET), `${mode} ${res.name}`).to.deep.equal([]);
                expect(plaintextOccurrences(res.inputs, COGNITO_CLIENT_SECRET), `${mode} ${res.name}`).to.deep.equal([]);
            }
            expect(JSON.stringify(r.outputs)).to.not.contain(CLIENT_SECRET);
            expect(JSON.stringify(r.outputs)).to.not.contain(COGNITO_CLIENT_SECRET);
        }
        const plain = await run({ secretsMode: "plaintext" });
        const env = one(plain, "pulumi-nodejs:dynamic/agentcore:AgentRuntime").inputs.environmentVariables;
        expect(isSecretWrapper(env)).to.equal(true);
        expect(unwrap(env).ZSCALER_CLIENT_SECRET).to.equal(CLIENT_SECRET);
    });
});
