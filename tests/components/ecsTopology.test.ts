import { expect } from "chai";
import {
    byType,
    one,
    plaintextOccurrences,
    ProgramRun,
    registrationOptions,
    runProgram,
    unwrap,
    isSecretWrapper,
    ACCOUNT,
    EXTERNAL_SECRET_VALUE,
    EXTERNAL_SECRET_VERSION,
    MOCK_STACK_ID,
} from "../support/mocks";

const CLIENT_SECRET = "zs-client-secret-Very-Private-42";
const BASIC = "Basic " + Buffer.from(`client-abc:${CLIENT_SECRET}`).toString("base64");
const BASE: Record<string, string> = {
    "aws:region": "us-east-1",
    zscalerClientId: "client-abc",
    zscalerClientSecret: CLIENT_SECRET,
    zscalerCustomerId: "cust-123",
    zscalerVanityDomain: "acme",
};
const SECRET_ARN = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:zscaler-mcp-harness/dev/credentials-a1b2c3d4e5-AbCdEf`;
const PROVIDER_ARN = `arn:aws:bedrock-agentcore:us-east-1:${ACCOUNT}:token-vault/default/apikeycredentialprovider/zscaler-mcp-creds-dev`;

function run(config: Record<string, string> = {}, invokes = {}): Promise<ProgramRun> {
    return runProgram({ config: { ...BASE, ...config }, secretKeys: ["zscalerClientSecret"], invokes });
}

function names(r: ProgramRun): string[] {
    return r.resources.map((x) => `${x.type} ${x.name}`).sort();
}

function policyOf(r: ProgramRun, name: string): any {
    return JSON.parse(unwrap(one(r, "aws:iam/rolePolicy:RolePolicy", name).inputs.policy));
}

const TOOL_CHECK = "pulumi-nodejs:dynamic/mcp:ToolCheck";

/** The resources `name` depends on, by name. */
function dependencyNames(r: ProgramRun, name: string): string[] {
    return r.resources
        .find((x) => x.name === name)!
        .dependencies.map((u) => u.split("::").pop()!)
        .sort();
}

function dynamicInputs(r: ProgramRun, type: string): Record<string, any> {
    const { __provider: _p, ...rest } = unwrap(one(r, type).inputs);
    return rest;
}

describe("ECS topology (strict mocks)", () => {
    it("registers exactly the resources of the default stack", async () => {
        const r = await run();
        expect(names(r)).to.deep.equal([
            "aws:cloudwatch/logGroup:LogGroup zscaler-mcp-logs",
            "aws:ecs/cluster:Cluster zscaler-mcp-cluster",
            "aws:iam/role:Role zscaler-mcp-agent-exec-role",
            "aws:iam/role:Role zscaler-mcp-infra-role",
            "aws:iam/role:Role zscaler-mcp-task-exec-role",
            "aws:iam/rolePolicy:RolePolicy zscaler-mcp-agent-exec-policy",
            "aws:iam/rolePolicy:RolePolicy zscaler-mcp-task-exec-policy",
            "aws:iam/rolePolicy:RolePolicy zscaler-mcp-task-exec-secret-policy",
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment zscaler-mcp-infra-managed",
            "aws:secretsmanager/secret:Secret zscaler-mcp-credentials-secret",
            "aws:secretsmanager/secretVersion:SecretVersion zscaler-mcp-credentials-secret-value",
            "pulumi-nodejs:dynamic/agentcore:ApiKeyCredentialProvider zscaler-mcp-api-key",
            "pulumi-nodejs:dynamic/agentcore:Harness zscaler-mcp-agent-harness",
            "pulumi-nodejs:dynamic/ecs:ExpressGatewayService zscaler-mcp-service",
            "pulumi-nodejs:dynamic/ecs:ExpressGatewayServiceRollout zscaler-mcp-allow-list",
            "pulumi-nodejs:dynamic/mcp:ToolCheck zscaler-mcp-tool-check",
            "pulumi-nodejs:dynamic/stack:StackIdentity stack-identity",
            "pulumi:providers:aws aws",
            "zscaler-mcp:credentials:ZscalerCredentials zscaler-mcp-credentials",
            "zscaler-mcp:harness:HarnessAgent zscaler-mcp-agent",
            "zscaler-mcp:topology:Ecs zscaler-mcp",
        ]);
        expect(r.invokes.map((i) => i.token).sort()).to.deep.equal([
            "aws:cloudwatch/getLogGroup:getLogGroup",
            "aws:index/getCallerIdentity:getCallerIdentity",
        ]);
        expect(registrationOptions("aws:cloudwatch/logGroup:LogGroup", "zscaler-mcp-logs").importId).to.equal("");
        expect(unwrap(one(r, "pulumi:providers:aws").inputs).region).to.equal("us-east-1");
    });

    it("hands every aws:* setting to the AWS provider, keeping one set with --secret secret", async () => {
        const roles = [{ roleArn: "arn:aws:iam::123456789012:role/deployer", externalId: "ext-7d1f" }];
        const r = await runProgram({
            config: { ...BASE, "aws:profile": "ops", "aws:assumeRoles": JSON.stringify(roles), "aws:maxRetries": "5" },
            secretKeys: ["zscalerClientSecret", "aws:assumeRoles"],
        });
        const inputs = one(r, "pulumi:providers:aws").inputs;
        expect(inputs.profile).to.equal("ops");
        // The engine hands a provider its settings as strings, lists and numbers as JSON.
        expect(inputs.maxRetries).to.equal("5");
        expect(isSecretWrapper(inputs.assumeRoles)).to.equal(true);
        expect(JSON.parse(unwrap(inputs.assumeRoles))).to.deep.equal(roles);
    });

    it("wires the harness to the service's /mcp URL with the Token Vault reference as header", async () => {
        const r = await run();
        const h = dynamicInputs(r, "pulumi-nodejs:dynamic/agentcore:Harness");
        expect(h.tools).to.deep.equal([
            {
                type: "remote_mcp",
                name: "zscaler",
                config: {
                    remoteMcp: { url: "https://zs-ab12cd34.ecs.us-east-1.on.aws/mcp", headers: { Authorization: `\${${PROVIDER_ARN}}` } },
                },
            },
        ]);
        expect(h.harnessName).to.equal("zscaler_mcp_harness_dev");
        expect(h.model).to.deep.equal({
            bedrockModelConfig: { modelId: "us.anthropic.claude-sonnet-4-5-20250929-v1:0", maxTokens: 8192, temperature: 0.2 },
        });
        expect(h.executionRoleArn).to.equal(`arn:aws:iam::${ACCOUNT}:role/zscaler-mcp-agent-exec-role-a1b2c3d4e5`);
        expect(r.outputs.consoleUrl).to.equal(
            "https://us-east-1.console.aws.amazon.com/bedrock-agentcore/home?region=us-east-1#/harnesses/zscaler_mcp_harness_dev-AbCdE12345",
        );
    });

    it("checks the server's tools with the Token Vault's header, once the harness and the allow-list rollout exist", async () => {
        const r = await run();
        const serviceArn = `arn:aws:ecs:us-east-1:${ACCOUNT}:service/zscaler-mcp-dev/zscaler-mcp-server-dev`;
        const check = dynamicInputs(r, TOOL_CHECK);
        expect(check).to.deep.include({
            region: "us-east-1",
            kind: "remote_mcp",
            url: "https://zs-ab12cd34.ecs.us-east-1.on.aws/mcp",
            authorization: BASIC,
        });
        expect(Object.keys(check).sort()).to.deep.equal(["authorization", "kind", "region", "revision", "url"]);
        expect(check.revision).to.match(
            new RegExp(
                `^service=${serviceArn} image=709825985650\\.dkr\\.ecr\\.us-east-1\\.amazonaws\\.com/zscaler/zscaler-mcp-server:0\\.15\\.4-bedrock ` +
                    "credentials=1c2d3e4f-0000-4a5b-8c9d-0123456789ab config=[0-9a-f]{16}$",
            ),
        );
        // The header is the one the Token Vault holds, and stays secret; so does what the state keeps of it.
        const inputs = one(r, TOOL_CHECK).inputs;
        expect(isSecretWrapper(inputs.authorization)).to.equal(true);
        expect(registrationOptions(TOOL_CHECK, "zscaler-mcp-tool-check").additionalSecretOutputs).to.deep.equal(["credentialsDigest"]);
        expect(unwrap(one(r, "pulumi-nodejs:dynamic/agentcore:ApiKeyCredentialProvider").inputs.apiKey)).to.equal(
            unwrap(inputs.authorization),
        );
        expect(dependencyNames(r, "zscaler-mcp-tool-check")).to.include.members(["zscaler-mcp-agent-harness", "zscaler-mcp-allow-list"]);
        expect(r.outputs).to.include({ serverName: "zscaler-mcp", serverVersion: "0.15.4", toolCount: 42 });
    });

    it("gives the tool check a new revision exactly when a deployment of the server changes", async () => {
        const revision = async (config: Record<string, string>) => dynamicInputs(await run(config), TOOL_CHECK).revision as string;
        const base = await revision({});
        // The harness's own settings leave the server alone.
        expect(await revision({ systemPrompt: "Be brief.", modelId: "amazon.nova-pro-v1:0", maxIterations: "5" })).to.equal(base);
        const changes: Record<string, string>[] = [
            { imageUri: "709825985650.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server:0.15.5-bedrock" },
            { containerEnv: '["ZSCALER_MCP_LOG_LEVEL=DEBUG"]' },
            { ecsCpu: "2048", ecsMemory: "4096" },
            { allowedHosts: '["mcp.acme.com"]' },
        ];
        for (const change of changes) {
            expect(await revision(change), JSON.stringify(change)).to.not.equal(base);
        }
    });

    it("registers no tool check, and no outputs of it, with verifyTools false", async () => {
        const r = await run({ verifyTools: "false" });
        expect(byType(r, TOOL_CHECK)).to.deep.equal([]);
        expect(r.outputs).to.not.have.any.keys("serverName", "serverVersion", "toolCount");
    });

    it("aliases the harness to its place under the gateway topology, so a topology switch updates it", async () => {
        await run();
        expect(registrationOptions("zscaler-mcp:harness:HarnessAgent", "zscaler-mcp-agent").aliasParents).to.deep.equal([
            "urn:pulumi:dev::zscaler-mcp-harness::zscaler-mcp:topology:Gateway::zscaler-mcp",
        ]);
    });

    it("hands roles to their users only after the policies are attached", async () => {
        const r = await run();
        const dependsOn = (name: string, on: string) =>
            r.resources.find((x) => x.name === name)!.dependencies.some((u) => u.endsWith(`::${on}`));
        expect(dependsOn("zscaler-mcp-agent-harness", "zscaler-mcp-agent-exec-policy")).to.equal(true);
        expect(dependsOn("zscaler-mcp-service", "zscaler-mcp-task-exec-policy")).to.equal(true);
        expect(dependsOn("zscaler-mcp-service", "zscaler-mcp-task-exec-secret-policy")).to.equal(true);
        expect(dependsOn("zscaler-mcp-service", "zscaler-mcp-infra-managed")).to.equal(true);
        expect(dependsOn("zscaler-mcp-service", "zscaler-mcp-credentials-secret-value")).to.equal(true);
        const order = r.resources.map((x) => x.name);
        expect(order.indexOf("zscaler-mcp-agent-harness")).to.be.greaterThan(order.indexOf("zscaler-mcp-agent-exec-policy"));
        expect(order.indexOf("zscaler-mcp-service")).to.be.greaterThan(order.indexOf("zscaler-mcp-task-exec-policy"));
        expect(order.indexOf("zscaler-mcp-service")).to.be.greaterThan(order.indexOf("zscaler-mcp-task-exec-secret-policy"));
        expect(order.indexOf("zscaler-mcp-service")).to.be.greaterThan(order.indexOf("zscaler-mcp-infra-managed"));
        expect(order.indexOf("zscaler-mcp-service")).to.be.greaterThan(order.indexOf("zscaler-mcp-credentials-secret-value"));
    });

    it("gives the container its settings in environment and its credentials through secrets[]", async () => {
        const r = await run({ containerEnv: '["ZSCALER_MCP_LOG_LEVEL=DEBUG"]', allowedHosts: '["mcp.acme.com"]' });
        const svc = dynamicInputs(r, "pulumi-nodejs:dynamic/ecs:ExpressGatewayService");
        expect(svc.container).to.deep.equal({
            image: "709825985650.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server:0.15.4-bedrock",
            containerPort: 8000,
            logGroup: "/ecs/zscaler-mcp-dev",
            logStreamPrefix: "mcp",
            environment: {
                ZSCALER_MCP_TRANSPORT: "streamable-http",
                ZSCALER_MCP_HOST: "0.0.0.0",
                ZSCALER_MCP_PORT: "8000",
                ZSCALER_MCP_AUTH_MODE: "zscaler",
                ZSCALER_MCP_LOG_LEVEL: "DEBUG",
                // TLS ends at the load balancer: the server must accept plain HTTP behind it.
                ZSCALER_MCP_ALLOW_HTTP: "true",
                // The secret's version: new credentials, a new deployment that reads them.
                ZSCALER_MCP_CREDENTIALS_VERSION: "1c2d3e4f-0000-4a5b-8c9d-0123456789ab",
            },
            secrets: {
                ZSCALER_CLIENT_ID: `${SECRET_ARN}:ZSCALER_CLIENT_ID::`,
                ZSCALER_CLIENT_SECRET: `${SECRET_ARN}:ZSCALER_CLIENT_SECRET::`,
                ZSCALER_CUSTOMER_ID: `${SECRET_ARN}:ZSCALER_CUSTOMER_ID::`,
                ZSCALER_VANITY_DOMAIN: `${SECRET_ARN}:ZSCALER_VANITY_DOMAIN::`,
            },
        });
        expect(svc).to.include({
            serviceName: "zscaler-mcp-server-dev",
            cluster: "zscaler-mcp-dev",
            healthCheckPath: "/health",
            cpu: "1024",
            memory: "2048",
            hostValidation: "auto",
            waitForAllowList: false,
        });
        expect(svc.allowedHosts).to.deep.equal(["mcp.acme.com"]);
        // The rollout is awaited by its own resource, in parallel with the harness.
        expect(dynamicInputs(r, "pulumi-nodejs:dynamic/ecs:ExpressGatewayServiceRollout")).to.deep.equal({
            region: "us-east-1",
            serviceArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:service/zscaler-mcp-dev/zscaler-mcp-server-dev`,
            serviceName: "zscaler-mcp-server-dev",
            cluster: "zscaler-mcp-dev",
            allowedHostsValue: "zs-ab12cd34.ecs.us-east-1.on.aws,127.0.0.1:*,localhost:*,mcp.acme.com",
        });
        const deps = r.resources.find((x) => x.name === "zscaler-mcp-agent-harness")!.dependencies.map((u) => u.split("::").pop());
        expect(deps).to.not.include("zscaler-mcp-allow-list");
        const secret = unwrap(one(r, "aws:secretsmanager/secret:Secret").inputs);
        expect(secret).to.include({ namePrefix: "zscaler-mcp-harness/dev/credentials-", recoveryWindowInDays: 7 });
        const version = one(r, "aws:secretsmanager/secretVersion:SecretVersion").inputs;
        expect(isSecretWrapper(version.secretString)).to.equal(true);
        expect(JSON.parse(unwrap(version.secretString))).to.deep.equal({
            ZSCALER_CLIENT_ID: "client-abc",
            ZSCALER_CLIENT_SECRET: CLIENT_SECRET,
            ZSCALER_CUSTOMER_ID: "cust-123",
            ZSCALER_VANITY_DOMAIN: "acme",
        });
    });

    it("scopes the task role to the image's own repository, the service's log group and this secret, with no managed policy", async () => {
        const r = await run({ imageUri: "111122223333.dkr.ecr.eu-west-1.amazonaws.com/mirror/zscaler-mcp:1.0", "aws:region": "us-west-2" });
        const secretArn = `arn:aws:secretsmanager:us-west-2:${ACCOUNT}:secret:zscaler-mcp-harness/dev/credentials-a1b2c3d4e5-AbCdEf`;
        expect(policyOf(r, "task-exec-policy")).to.deep.equal({
            Version: "2012-10-17",
            Statement: [
                { Sid: "EcrAuth", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
                {
                    Sid: "PullImage",
                    Effect: "Allow",
                    Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage", "ecr:DescribeImages"],
                    Resource: "arn:aws:ecr:eu-west-1:111122223333:repository/mirror/zscaler-mcp",
                },
                {
                    Sid: "ContainerLogs",
                    Effect: "Allow",
                    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                    Resource: `arn:aws:logs:us-west-2:${ACCOUNT}:log-group:/ecs/zscaler-mcp-dev:log-stream:*`,
                },
            ],
        });
        expect(policyOf(r, "task-exec-secret-policy")).to.deep.equal({
            Version: "2012-10-17",
            Statement: [
                { Sid: "ReadZscalerSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secretArn },
                {
                    Sid: "DecryptSecretsViaSecretsManager",
                    Effect: "Allow",
                    Action: "kms:Decrypt",
                    Resource: "*",
                    Condition: {
                        StringEquals: { "kms:ViaService": "secretsmanager.us-west-2.amazonaws.com" },
                        StringLike: { "kms:EncryptionContext:SecretARN": secretArn },
                    },
                },
            ],
        });
        expect(byType(r, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => unwrap(a.inputs).policyArn)).to.deep.equal([
            "arn:aws:iam::aws:policy/service-role/AmazonECSInfrastructureRoleforExpressGatewayServices",
        ]);
        const trust = (name: string) => JSON.parse(unwrap(one(r, "aws:iam/role:Role", name).inputs).assumeRolePolicy);
        expect(trust("task-exec-role")).to.deep.equal({
            Version: "2012-10-17",
            Statement: [
                {
                    Effect: "Allow",
                    Principal: { Service: "ecs-tasks.amazonaws.com" },
                    Action: "sts:AssumeRole",
                    Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
                },
            ],
        });
        expect(trust("infra-role")).to.deep.equal({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "ecs.amazonaws.com" }, Action: "sts:AssumeRole" }],
        });
        expect(trust("agent-exec-role").Statement[0]).to.deep.equal({
            Effect: "Allow",
            Principal: { Service: "bedrock-agentcore.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: {
                StringEquals: { "aws:SourceAccount": ACCOUNT },
                ArnLike: {
                    "aws:SourceArn": [
                        `arn:aws:bedrock-agentcore:us-west-2:${ACCOUNT}:harness/zscaler_mcp_harness_dev-??????????`,
                        `arn:aws:bedrock-agentcore:us-west-2:${ACCOUNT}:runtime/harness_zscaler_mcp_harness_dev-??????????`,
                    ],
                },
            },
        });
    });

    it("lets the harness role read only this stack's API key, its Token Vault secret and the configured model", async () => {
        const r = await run();
        const statements = Object.fromEntries(policyOf(r, "agent-exec-policy").Statement.map((s: any) => [s.Sid, s]));
        const ac = `arn:aws:bedrock-agentcore:us-east-1:${ACCOUNT}`;
        expect(statements.TokenVault).to.deep.equal({
            Sid: "TokenVault",
            Effect: "Allow",
            Action: ["bedrock-agentcore:GetResourceApiKey"],
            Resource: [
                `${ac}:workload-identity-directory/default`,
                `${ac}:workload-identity-directory/default/workload-identity/harness_zscaler_mcp_harness_dev-??????????`,
                `${ac}:token-vault/default`,
                PROVIDER_ARN,
            ],
        });
        // The secret the provider resource reported (apiKeySecretArn).
        expect(statements.TokenVaultSecrets.Resource).to.deep.equal([
            `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:bedrock-agentcore-identity!default/apikey/zscaler-mcp-creds-dev`,
        ]);
        const profile = `arn:aws:bedrock:us-east-1:${ACCOUNT}:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0`;
        expect(statements.InvokeInferenceProfile.Resource).to.equal(profile);
        expect(statements.InvokeModelThroughProfile).to.deep.include({
            Resource: ["arn:aws:bedrock:us-*::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0"],
            Condition: { StringEquals: { "bedrock:InferenceProfileArn": profile } },
        });
        const other = await run({ modelId: "amazon.nova-pro-v1:0" });
        const invoke = policyOf(other, "agent-exec-policy").Statement.filter((s: any) => s.Sid.startsWith("Invoke"));
        expect(invoke.map((s: any) => s.Resource)).to.deep.equal(["arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0"]);
    });

    it("uses an existing cluster without creating or owning it", async () => {
        const r = await run(
            { ecsClusterName: "shared" },
            {
                "aws:ecs/getCluster:getCluster": (i: any) => ({
                    clusterName: i.clusterName,
                    arn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/${i.clusterName}`,
                    status: "ACTIVE",
                }),
            },
        );
        expect(byType(r, "aws:ecs/cluster:Cluster")).to.have.length(0);
        expect(r.invokes.map((i) => i.token)).to.include("aws:ecs/getCluster:getCluster");
        expect(dynamicInputs(r, "pulumi-nodejs:dynamic/ecs:ExpressGatewayService").cluster).to.equal("shared");
        expect(r.outputs.ecsClusterName).to.equal("shared");
    });

    it("reads an external secret without writing it, and scopes IAM to its ARN", async () => {
        const external = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:team/zscaler-Xy12Ab`;
        const r = await run(
            { secretsMode: "external", zscalerSecretName: "team/zscaler" },
            {
                "aws:secretsmanager/getSecret:getSecret": (i: any) => ({ arn: external, name: i.name }),
            },
        );
        expect(byType(r, "aws:secretsmanager/secret:Secret")).to.have.length(0);
        expect(byType(r, "aws:secretsmanager/secretVersion:SecretVersion")).to.have.length(0);
        expect(r.invokes.find((i) => i.token === "aws:secretsmanager/getSecret:getSecret")!.inputs).to.deep.equal({ name: "team/zscaler" });
        expect(policyOf(r, "task-exec-secret-policy").Statement[0]).to.deep.equal({
            Sid: "ReadZscalerSecret",
            Effect: "Allow",
            Action: "secretsmanager:GetSecretValue",
            Resource: external,
        });
        expect(dynamicInputs(r, "pulumi-nodejs:dynamic/ecs:ExpressGatewayService").container.secrets.ZSCALER_CLIENT_SECRET).to.equal(
            `${external}:ZSCALER_CLIENT_SECRET::`,
        );
    });

    it("puts credentials in a secret-marked environment in plaintext mode, with a warning", async () => {
        const r = await run({ secretsMode: "plaintext" });
        expect(byType(r, "aws:secretsmanager/secret:Secret")).to.have.length(0);
        const svc = one(r, "pulumi-nodejs:dynamic/ecs:ExpressGatewayService").inputs;
        expect(isSecretWrapper(svc.container)).to.equal(true);
        expect(unwrap(svc.container).environment.ZSCALER_CLIENT_SECRET).to.equal(CLIENT_SECRET);
        expect(unwrap(svc.container).secrets).to.deep.equal({});
        expect(r.warnings.some((w) => w.includes("plaintext"))).to.equal(true);
        expect(policyOf(r, "task-exec-policy").Statement.map((s: any) => s.Sid)).to.deep.equal(["EcrAuth", "PullImage", "ContainerLogs"]);
        expect(byType(r, "aws:iam/rolePolicy:RolePolicy").map((p) => p.name)).to.not.include("zscaler-mcp-task-exec-secret-policy");
    });

    it("points the harness at a user's MCP URL and deploys no server and no secret", async () => {
        const r = await run({ mcpUrl: "  https://mcp.acme.com/mcp/  " });
        expect(names(r)).to.deep.equal([
            "aws:iam/role:Role zscaler-mcp-agent-exec-role",
            "aws:iam/rolePolicy:RolePolicy zscaler-mcp-agent-exec-policy",
            "pulumi-nodejs:dynamic/agentcore:ApiKeyCredentialProvider zscaler-mcp-api-key",
            "pulumi-nodejs:dynamic/agentcore:Harness zscaler-mcp-agent-harness",
            "pulumi-nodejs:dynamic/mcp:ToolCheck zscaler-mcp-tool-check",
            "pulumi-nodejs:dynamic/stack:StackIdentity stack-identity",
            "pulumi:providers:aws aws",
            "zscaler-mcp:harness:HarnessAgent zscaler-mcp-agent",
            "zscaler-mcp:topology:Ecs zscaler-mcp",
        ]);
        expect(dynamicInputs(r, "pulumi-nodejs:dynamic/agentcore:Harness").tools[0].config.remoteMcp.url).to.equal(
            "https://mcp.acme.com/mcp",
        );
        // The user's server is checked too: its URL is all that identifies it.
        expect(dynamicInputs(r, TOOL_CHECK)).to.deep.equal({
            region: "us-east-1",
            kind: "remote_mcp",
            url: "https://mcp.acme.com/mcp",
            authorization: BASIC,
            revision: "url=https://mcp.acme.com/mcp",
        });
        expect(dependencyNames(r, "zscaler-mcp-tool-check")).to.deep.equal(["zscaler-mcp-agent-harness"]);
        expect(r.outputs.mcpUrl).to.equal("https://mcp.acme.com/mcp");
        expect(r.outputs).to.not.have.property("ecsServiceArn");
    });

    it("keeps exactly the parts named in retain, each with what it needs, when the stack is destroyed", async () => {
        const retained = (r: ProgramRun) =>
            r.resources
                .filter((x) => x.retainOnDelete)
                .map((x) => x.name)
                .sort();
        expect(retained(await run())).to.deep.equal([]);
        expect(retained(await run({ retain: '["roles","secret"]' }))).to.deep.equal([
            "zscaler-mcp-agent-exec-policy",
            "zscaler-mcp-agent-exec-role",
            "zscaler-mcp-credentials-secret",
            "zscaler-mcp-credentials-secret-value",
            "zscaler-mcp-infra-managed",
            "zscaler-mcp-infra-role",
            "zscaler-mcp-task-exec-policy",
            "zscaler-mcp-task-exec-role",
            "zscaler-mcp-task-exec-secret-policy",
        ]);
        // The service keeps its roles and its secret: without them it could neither start nor pull.
        expect(retained(await run({ retain: '["ecs"]' }))).to.deep.equal([
            "zscaler-mcp-cluster",
            "zscaler-mcp-credentials-secret",
            "zscaler-mcp-credentials-secret-value",
            "zscaler-mcp-infra-managed",
            "zscaler-mcp-infra-role",
            "zscaler-mcp-logs",
            "zscaler-mcp-service",
            "zscaler-mcp-task-exec-policy",
            "zscaler-mcp-task-exec-role",
            "zscaler-mcp-task-exec-secret-policy",
        ]);
    });

    it("takes over a log group this stack left behind (a killed run), and never another stack's or another deployment's", async () => {
        const logGroup = (tags: Record<string, string>) => ({
            "aws:cloudwatch/getLogGroup:getLogGroup": (i: any) => ({
                id: i.name,
                name: i.name,
                arn: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:${i.name}`,
                retentionInDays: 30,
                tags,
            }),
        });
        const ours = {
            "pulumi-project": "zscaler-mcp-harness",
            "pulumi-stack": "dev",
            "pulumi-stack-id": MOCK_STACK_ID,
            "managed-by": "zscaler-mcp-harness",
        };
        await run({}, logGroup(ours));
        expect(registrationOptions("aws:cloudwatch/logGroup:LogGroup", "zscaler-mcp-logs").importId).to.equal("/ecs/zscaler-mcp-dev");
        await run({}, logGroup({ ...ours, "pulumi-stack": "prod" }));
        expect(registrationOptions("aws:cloudwatch/logGroup:LogGroup", "zscaler-mcp-logs").importId).to.equal("");
        // Another deployment of the same project and stack name (another backend), or this stack's
        // own from before a destroy that retained it: refused before anything is registered.
        const refused = await run({}, logGroup({ ...ours, "pulumi-stack-id": "fedcba9876543210fedcba9876543210" })).then(
            () => undefined,
            (e: Error) => e,
        );
        expect(refused?.message).to.equal(
            'log group "/ecs/zscaler-mcp-dev" already exists and belongs to another deployment of the same project and stack name ' +
                "(another backend or Pulumi organization: it has pulumi-stack-id=fedcba9876543210fedcba9876543210, this stack is " +
                `pulumi-stack-id=${MOCK_STACK_ID}), so it is left alone. If that deployment is still in use, give this one another ` +
                "stack name (pulumi stack init <other name>) or other resource names (the name config keys); if it is not, delete the " +
                "resource (or destroy that deployment) and run pulumi up again. If it is this stack's own from before a destroy that " +
                "retained it, tag it with this stack's identity and run pulumi up again.",
        );
        // With no identity it is left to Pulumi (a stack deployed before stacks had one holds it in its state).
        const { "pulumi-stack-id": _id, ...withoutIdentity } = ours;
        await run({}, logGroup(withoutIdentity));
        expect(registrationOptions("aws:cloudwatch/logGroup:LogGroup", "zscaler-mcp-logs").importId).to.equal("");
        await run({}, logGroup({}));
        expect(registrationOptions("aws:cloudwatch/logGroup:LogGroup", "zscaler-mcp-logs").importId).to.equal("");
    });

    it("gives the container every credential key an external secret holds, whatever config holds, and redeploys on its new version", async () => {
        const external = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:team/zscaler-Ab12Cd`;
        const getSecret = { "aws:secretsmanager/getSecret:getSecret": (i: any) => ({ arn: external, name: i.name }) };
        const r = await run(
            { secretsMode: "external", zscalerSecretName: "team/zscaler", zscalerCustomerId: "", zscalerVanityDomain: "" },
            getSecret,
        );
        const svc = dynamicInputs(r, "pulumi-nodejs:dynamic/ecs:ExpressGatewayService");
        expect(svc.container.secrets).to.deep.equal({
            ZSCALER_CLIENT_ID: `${external}:ZSCALER_CLIENT_ID::`,
            ZSCALER_CLIENT_SECRET: `${external}:ZSCALER_CLIENT_SECRET::`,
            ZSCALER_CUSTOMER_ID: `${external}:ZSCALER_CUSTOMER_ID::`,
            ZSCALER_VANITY_DOMAIN: `${external}:ZSCALER_VANITY_DOMAIN::`,
        });
        expect(svc.container.environment.ZSCALER_MCP_CREDENTIALS_VERSION).to.equal(EXTERNAL_SECRET_VERSION);
        expect(r.invokes.find((i) => i.token === "aws:secretsmanager/getSecretVersion:getSecretVersion")!.inputs).to.deep.equal({
            secretId: external,
        });
        // Nothing of the secret's value reaches any resource.
        for (const res of r.resources) {
            expect(plaintextOccurrences(unwrap(res.inputs), EXTERNAL_SECRET_VALUE.ZSCALER_CLIENT_SECRET), res.name).to.deep.equal([]);
        }
    });

    it("fails before the service is registered when an external secret lacks a required key, naming the keys", async () => {
        const external = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:team/zscaler-Ab12Cd`;
        const err = await run(
            { secretsMode: "external", zscalerSecretName: "team/zscaler" },
            {
                "aws:secretsmanager/getSecret:getSecret": (i: any) => ({ arn: external, name: i.name }),
                "aws:secretsmanager/getSecretVersion:getSecretVersion": () => ({
                    secretString: JSON.stringify({ ZSCALER_CLIENT_ID: "a", ZSCALER_CLIENT_SECRET: "b" }),
                    versionId: "v1",
                }),
            },
        ).then(
            () => undefined,
            (e: Error) => e,
        );
        expect(err?.message).to.equal(
            "zscalerSecretName: the secret team/zscaler holds no ZSCALER_CUSTOMER_ID, ZSCALER_VANITY_DOMAIN; the MCP server needs " +
                "ZSCALER_CLIENT_ID, ZSCALER_CLIENT_SECRET, ZSCALER_CUSTOMER_ID, ZSCALER_VANITY_DOMAIN (and reads ZSCALER_CLOUD when present). Add them to the secret, then run pulumi up again.",
        );
    });

    it("keeps the client secret and the Basic header secret in every input and out of every output", async () => {
        for (const mode of ["managed", "external", "plaintext"]) {
            const r = await run(
                { secretsMode: mode, zscalerSecretName: mode === "external" ? "team/zscaler" : "" },
                {
                    "aws:secretsmanager/getSecret:getSecret": (i: any) => ({
                        arn: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:x-Ab12Cd`,
                        name: i.name,
                    }),
                },
            );
            for (const res of r.resources) {
                expect(plaintextOccurrences(res.inputs, CLIENT_SECRET), `${mode} ${res.name}`).to.deep.equal([]);
                expect(plaintextOccurrences(res.inputs, BASIC), `${mode} ${res.name}`).to.deep.equal([]);
            }
            expect(JSON.stringify(r.outputs)).to.not.contain(CLIENT_SECRET);
            expect(JSON.stringify(r.outputs)).to.not.contain(BASIC);
            const key = one(r, "pulumi-nodejs:dynamic/agentcore:ApiKeyCredentialProvider").inputs.apiKey;
            expect(isSecretWrapper(key)).to.equal(true);
            expect(unwrap(key)).to.equal(BASIC);
        }
    });

    it("refuses bad configuration before registering anything", async () => {
        let err: Error | undefined;
        const r = await run({ harnessName: "zscaler-mcp", mcpUrl: "http://mcp.acme.com" }).catch((e: Error) => {
            err = e;
            return undefined;
        });
        expect(r).to.equal(undefined);
        expect(err!.message).to.contain('harnessName: "zscaler-mcp" is not a valid name');
        expect(err!.message).to.contain('mcpUrl: "http://mcp.acme.com" must be an https:// URL');
    });

    it("refuses a misspelled key in the stack's configuration instead of ignoring it", async () => {
        const err = await run({ modelID: "amazon.nova-pro-v1:0" }).then(
            () => undefined,
            (e: Error) => e,
        );
        expect(err!.message).to.contain('modelID: "amazon.nova-pro-v1:0" is not a setting of this program; did you mean modelId?');
    });

    it("runs an acknowledged weaker server as configured, and warns on every up", async () => {
        const config = { containerEnv: '["ZSCALER_MCP_AUTH_ENABLED=false"]', acknowledgeRisks: '["auth-off"]' };
        for (let up = 0; up < 2; up++) {
            const r = await run(config);
            expect(
                dynamicInputs(r, "pulumi-nodejs:dynamic/ecs:ExpressGatewayService").container.environment.ZSCALER_MCP_AUTH_ENABLED,
            ).to.equal("false");
            expect(r.warnings).to.include(
                'containerEnv "ZSCALER_MCP_AUTH_ENABLED=false": the MCP server\'s own authentication is off: anyone who reaches the endpoint can call it (acknowledged in acknowledgeRisks as auth-off).',
            );
        }
    });

    it("refuses a client secret stored as plaintext config", async () => {
        const err = await runProgram({ config: BASE, secretKeys: [] }).then(
            () => undefined,
            (e: Error) => e,
        );
        expect(err!.message).to.contain("zscalerClientSecret: stored as plaintext");
    });
});
