import { expect } from "chai";
import { gatewayPolicy, harnessExecutionPolicy, PolicyDocument, runtimePolicy, taskExecutionPolicy } from "../../components/policies";
import { ACCOUNT, allowed } from "../support/iam";

const R = "us-east-1";
const AC = `arn:aws:bedrock-agentcore:${R}:${ACCOUNT}`;
const SECRET = `arn:aws:secretsmanager:${R}:${ACCOUNT}:secret:zscaler-mcp-harness/dev/credentials-a1b2`;
const OTHER_SECRET = `arn:aws:secretsmanager:${R}:${ACCOUNT}:secret:payroll/db-Zz99Yy`;
const VIA_SM = { "kms:ViaService": `secretsmanager.${R}.amazonaws.com` };

function actions(p: PolicyDocument): string[] {
    return p.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
}

describe("IAM policies, evaluated by an IAM simulator", () => {
    describe("harness execution role", () => {
        const policy = harnessExecutionPolicy({ region: R, account: ACCOUNT, harnessName: "zscaler_mcp_harness_dev" });

        it("may fetch the API key and OAuth tokens from each of the five Token Vault resources", async () => {
            const resources = [
                `${AC}:workload-identity-directory/default`,
                `${AC}:workload-identity-directory/default/workload-identity/harness_zscaler_mcp_harness_dev-AbCdE12345`,
                `${AC}:token-vault/default`,
                `${AC}:token-vault/default/apikeycredentialprovider/zscaler-mcp-creds-dev`,
                `${AC}:token-vault/default/oauth2credentialprovider/zscaler-mcp-cognito-oauth-dev`,
            ];
            for (const resource of resources) {
                expect(await allowed(policy, "bedrock-agentcore:GetResourceApiKey", resource), resource).to.equal(true);
                expect(await allowed(policy, "bedrock-agentcore:GetResourceOauth2Token", resource), resource).to.equal(true);
            }
            expect(await allowed(policy, "bedrock-agentcore:GetWorkloadAccessToken", resources[1])).to.equal(true);
            expect(await allowed(policy, "bedrock-agentcore:GetWorkloadAccessTokenForJWT", resources[0])).to.equal(true);
        });

        it("may not use another harness's workload identity", async () => {
            const other = `${AC}:workload-identity-directory/default/workload-identity/harness_someone_else-AbCdE12345`;
            expect(await allowed(policy, "bedrock-agentcore:GetWorkloadAccessToken", other)).to.equal(false);
            expect(await allowed(policy, "bedrock-agentcore:GetResourceApiKey", other)).to.equal(false);
        });

        it("may call the model directly and through inference profiles", async () => {
            const model = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0";
            const profile = `arn:aws:bedrock:${R}:${ACCOUNT}:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0`;
            for (const action of ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]) {
                expect(await allowed(policy, action, model), `${action} model`).to.equal(true);
                expect(await allowed(policy, action, profile), `${action} profile`).to.equal(true);
                // Cross-region profiles route to foundation models in other regions.
                expect(await allowed(policy, action, "arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0")).to.equal(true);
            }
        });

        it("may pull the managed runtime image from ECR Public, and decrypt only through Secrets Manager", async () => {
            expect(await allowed(policy, "ecr-public:GetAuthorizationToken", "*")).to.equal(true);
            expect(await allowed(policy, "sts:GetServiceBearerToken", "*")).to.equal(true);
            const key = `arn:aws:kms:${R}:${ACCOUNT}:key/0a1b2c3d-0000-1111-2222-333344445555`;
            expect(await allowed(policy, "kms:Decrypt", key, VIA_SM)).to.equal(true);
            expect(await allowed(policy, "kms:Decrypt", key, { "kms:ViaService": `s3.${R}.amazonaws.com` })).to.equal(false);
            expect(await allowed(policy, "secretsmanager:GetSecretValue", `arn:aws:secretsmanager:${R}:${ACCOUNT}:secret:bedrock-agentcore-identity!default/apikey/x-Ab12Cd`)).to.equal(true);
            expect(await allowed(policy, "secretsmanager:GetSecretValue", OTHER_SECRET)).to.equal(false);
        });

        it("may write runtime logs and metrics only where AgentCore writes them", async () => {
            const stream = `arn:aws:logs:${R}:${ACCOUNT}:log-group:/aws/bedrock-agentcore/runtimes/harness_x-DEFAULT:log-stream:abc`;
            expect(await allowed(policy, "logs:PutLogEvents", stream)).to.equal(true);
            expect(await allowed(policy, "logs:PutLogEvents", `arn:aws:logs:${R}:${ACCOUNT}:log-group:/other:log-stream:abc`)).to.equal(false);
            expect(await allowed(policy, "cloudwatch:PutMetricData", "*", { "cloudwatch:namespace": "bedrock-agentcore" })).to.equal(true);
            expect(await allowed(policy, "cloudwatch:PutMetricData", "*", { "cloudwatch:namespace": "Other" })).to.equal(false);
        });
    });

    describe("ECS task execution role", () => {
        const policy = taskExecutionPolicy({ region: R, imageUri: "709825985650.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server:0.10.4-bedrock", secretArn: SECRET })!;

        it("may read this secret and not another", async () => {
            expect(await allowed(policy, "secretsmanager:GetSecretValue", SECRET)).to.equal(true);
            expect(await allowed(policy, "secretsmanager:GetSecretValue", `${SECRET}-Q1w2E3`)).to.equal(true);
            expect(await allowed(policy, "secretsmanager:GetSecretValue", OTHER_SECRET)).to.equal(false);
        });

        it("may pull from the image's registry and not from other accounts", async () => {
            expect(await allowed(policy, "ecr:BatchGetImage", "arn:aws:ecr:us-east-1:709825985650:repository/zscaler/zscaler-mcp-server")).to.equal(true);
            expect(await allowed(policy, "ecr:BatchGetImage", "arn:aws:ecr:us-east-1:999999999999:repository/x")).to.equal(false);
        });

        it("has no inline policy for a public image without a secret", () => {
            expect(taskExecutionPolicy({ region: R, imageUri: "public.ecr.aws/zscaler/zscaler-mcp-server:1" })).to.equal(undefined);
        });
    });

    describe("runtime and gateway roles", () => {
        const runtime = runtimePolicy({ region: R, account: ACCOUNT, secretArn: SECRET });
        const runtimeArn = `${AC}:runtime/zscaler_mcp_runtime_dev-k9j8h7g6f5`;
        const gateway = gatewayPolicy({ runtimeArn });

        it("lets the runtime read this secret and not another", async () => {
            expect(await allowed(runtime, "secretsmanager:GetSecretValue", SECRET)).to.equal(true);
            expect(await allowed(runtime, "secretsmanager:GetSecretValue", OTHER_SECRET)).to.equal(false);
            expect(await allowed(runtime, "kms:Decrypt", `arn:aws:kms:${R}:${ACCOUNT}:key/0a1b2c3d-0000-1111-2222-333344445555`, VIA_SM)).to.equal(true);
        });

        it("lets the gateway invoke this runtime (and its endpoints) and no other", async () => {
            expect(await allowed(gateway, "bedrock-agentcore:InvokeAgentRuntime", runtimeArn)).to.equal(true);
            expect(await allowed(gateway, "bedrock-agentcore:InvokeAgentRuntime", `${runtimeArn}/runtime-endpoint/DEFAULT`)).to.equal(true);
            expect(await allowed(gateway, "bedrock-agentcore:InvokeAgentRuntime", `${AC}:runtime/someone_else-a1b2c3d4e5`)).to.equal(false);
        });
    });

    it("never grants every action of a service, nor anything on IAM", async () => {
        const all = [
            harnessExecutionPolicy({ region: R, account: ACCOUNT, harnessName: "h" }),
            taskExecutionPolicy({ region: R, imageUri: "709825985650.dkr.ecr.us-east-1.amazonaws.com/a/b:1", secretArn: SECRET })!,
            runtimePolicy({ region: R, account: ACCOUNT, secretArn: SECRET }),
            gatewayPolicy({ runtimeArn: `${AC}:runtime/r-a1b2c3d4e5` }),
        ];
        for (const p of all) {
            expect(actions(p).filter((a) => a === "*" || a.endsWith(":*"))).to.deep.equal([]);
            expect(await allowed(p, "iam:PassRole", `arn:aws:iam::${ACCOUNT}:role/admin`)).to.equal(false);
            expect(await allowed(p, "s3:DeleteBucket", "arn:aws:s3:::any-bucket")).to.equal(false);
        }
    });
});
