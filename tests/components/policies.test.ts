import { expect } from "chai";
import { defaultNames } from "../../aws/names";
import {
    agentCoreArnPattern,
    agentCoreTrustPolicy,
    ecsInfrastructureTrustPolicy,
    ecsTaskExecutionTrustPolicy,
    gatewayPolicy,
    INLINE_POLICY_NAMES,
    harnessExecutionPolicy,
    harnessSourceArns,
    PolicyDocument,
    runtimePolicy,
    taskExecutionPolicy,
    taskSecretPolicy,
    TokenVaultCredential,
} from "../../aws/policies";
import { ACCOUNT, allowed, assumable, OTHER_ACCOUNT } from "../support/iam";
import { byType, runProgram, unwrap } from "../support/mocks";

const R = "us-east-1";
const AC = `arn:aws:bedrock-agentcore:${R}:${ACCOUNT}`;
const SM = `arn:aws:secretsmanager:${R}:${ACCOUNT}:secret`;
const SECRET = `${SM}:zscaler-mcp-harness/dev/credentials-a1b2c3d4e5-AbCdEf`;
const OTHER_SECRET = `${SM}:payroll/db-Zz99Yy`;
const VIA_SM = { "kms:ViaService": `secretsmanager.${R}.amazonaws.com` };
/** What Secrets Manager's call to KMS carries when it decrypts `secretArn`. */
const decrypting = (secretArn: string) => ({ ...VIA_SM, "kms:EncryptionContext:SecretARN": secretArn });
const KEY = `arn:aws:kms:${R}:${ACCOUNT}:key/0a1b2c3d-0000-1111-2222-333344445555`;
const IMAGE = "709825985650.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server:0.10.4-bedrock";
const SONNET = "anthropic.claude-sonnet-4-5-20250929-v1:0";
const PROFILE = `us.${SONNET}`;
const PROFILE_ARN = `arn:aws:bedrock:${R}:${ACCOUNT}:inference-profile/${PROFILE}`;
const THROUGH_PROFILE = { "bedrock:InferenceProfileArn": PROFILE_ARN };
const model = (region: string, id = SONNET) => `arn:aws:bedrock:${region}::foundation-model/${id}`;

const API_KEY: TokenVaultCredential = {
    kind: "apiKey",
    providerArn: `${AC}:token-vault/default/apikeycredentialprovider/zscaler-mcp-creds-dev`,
    secretArn: `${SM}:bedrock-agentcore-identity!default/apikey/zscaler-mcp-creds-dev-Qw12Er`,
};
const OAUTH: TokenVaultCredential = {
    kind: "oauth2",
    providerArn: `${AC}:token-vault/default/oauth2credentialprovider/zscaler-mcp-cognito-oauth-dev`,
    secretArn: `${SM}:bedrock-agentcore-identity!default/oauth2/zscaler-mcp-cognito-oauth-dev-Gh5Jk7`,
};
// Another team's Token Vault entries in the same account.
const THEIR_API_KEY = `${AC}:token-vault/default/apikeycredentialprovider/payroll-api-key`;
const THEIR_OAUTH = `${AC}:token-vault/default/oauth2credentialprovider/payroll-oauth`;
const THEIR_VAULT_SECRETS = [
    `${SM}:bedrock-agentcore-identity!default/apikey/payroll-api-key-Zx98Cv`,
    `${SM}:bedrock-agentcore-identity!default/oauth2/payroll-oauth-Bn76Mm`,
];

const HARNESS = "zscaler_mcp_harness_dev";
const WORKLOAD = `${AC}:workload-identity-directory/default/workload-identity/harness_${HARNESS}-AbCdE12345`;
const HARNESS_LOGS = `arn:aws:logs:${R}:${ACCOUNT}:log-group:/aws/bedrock-agentcore/runtimes/harness_${HARNESS}-Zx12Cv34Bn-DEFAULT`;
const RUNTIME_ARN = `${AC}:runtime/zscaler_mcp_runtime_dev-k9j8h7g6f5`;
const INVOKE = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"];

function harness(credentials: TokenVaultCredential[], modelId = PROFILE, region = R): PolicyDocument {
    return harnessExecutionPolicy({ region, account: ACCOUNT, harnessName: HARNESS, modelId, credentials });
}

async function every(
    policy: PolicyDocument,
    actions: string[],
    resources: string[],
    context: Record<string, string> = {},
): Promise<string[]> {
    const decisions: string[] = [];
    for (const action of actions) {
        for (const resource of resources) {
            decisions.push(`${(await allowed(policy, action, resource, context)) ? "allow" : "deny"} ${action} ${resource}`);
        }
    }
    return decisions;
}

/** A wildcard for every resource, region, account, or every resource of a type. */
function isWide(arn: string): boolean {
    if (arn === "*") {
        return true;
    }
    const [, , , region, account, ...rest] = arn.split(":");
    return region.includes("*") || account.includes("*") || /^[a-z-]+[:/]\*$/.test(rest.join(":"));
}

const allAllowed = (d: string[]) => d.filter((x) => !x.startsWith("allow"));
const noneAllowed = (d: string[]) => d.filter((x) => !x.startsWith("deny"));

describe("IAM policies, evaluated by an IAM simulator, both ways", () => {
    describe("harness execution role (ECS: the API-key provider)", () => {
        const policy = harness([API_KEY]);

        it("may fetch its API key from each resource AgentCore checks", async () => {
            const resources = [`${AC}:workload-identity-directory/default`, WORKLOAD, `${AC}:token-vault/default`, API_KEY.providerArn];
            expect(allAllowed(await every(policy, ["bedrock-agentcore:GetResourceApiKey"], resources))).to.deep.equal([]);
            expect(
                allAllowed(
                    await every(
                        policy,
                        ["bedrock-agentcore:GetWorkloadAccessToken", "bedrock-agentcore:GetWorkloadAccessTokenForJWT"],
                        resources.slice(0, 2),
                    ),
                ),
            ).to.deep.equal([]);
            expect(await allowed(policy, "secretsmanager:GetSecretValue", API_KEY.secretArn!)).to.equal(true);
            expect(await allowed(policy, "kms:Decrypt", KEY, decrypting(API_KEY.secretArn!))).to.equal(true);
        });

        it("may not read another team's API key, OAuth token or Token Vault secret, nor another harness's identity", async () => {
            expect(
                noneAllowed(
                    await every(
                        policy,
                        ["bedrock-agentcore:GetResourceApiKey", "bedrock-agentcore:GetResourceOauth2Token"],
                        [THEIR_API_KEY, THEIR_OAUTH],
                    ),
                ),
            ).to.deep.equal([]);
            // The ECS harness reads an API key; it has no business with OAuth tokens, even its own vault's.
            expect(await allowed(policy, "bedrock-agentcore:GetResourceOauth2Token", `${AC}:token-vault/default`)).to.equal(false);
            expect(
                noneAllowed(await every(policy, ["secretsmanager:GetSecretValue"], [...THEIR_VAULT_SECRETS, OTHER_SECRET, SECRET])),
            ).to.deep.equal([]);
            const other = `${AC}:workload-identity-directory/default/workload-identity/harness_someone_else-AbCdE12345`;
            expect(
                noneAllowed(
                    await every(policy, ["bedrock-agentcore:GetWorkloadAccessToken", "bedrock-agentcore:GetResourceApiKey"], [other]),
                ),
            ).to.deep.equal([]);
            expect(
                await allowed(policy, "kms:Decrypt", KEY, { ...decrypting(API_KEY.secretArn!), "kms:ViaService": `s3.${R}.amazonaws.com` }),
            ).to.equal(false);
            // The key of another team's secret, or of the Zscaler secret, or a call without the encryption context.
            expect(noneAllowed(await every(policy, ["kms:Decrypt"], [KEY], decrypting(THEIR_VAULT_SECRETS[0])))).to.deep.equal([]);
            expect(await allowed(policy, "kms:Decrypt", KEY, decrypting(SECRET))).to.equal(false);
            expect(await allowed(policy, "kms:Decrypt", KEY, VIA_SM)).to.equal(false);
        });

        it("may call the configured inference profile and the model behind it in the profile's US regions", async () => {
            expect(allAllowed(await every(policy, INVOKE, [PROFILE_ARN]))).to.deep.equal([]);
            const destinations = ["us-east-1", "us-east-2", "us-west-1", "us-west-2"].map((r) => model(r));
            expect(allAllowed(await every(policy, INVOKE, destinations, THROUGH_PROFILE))).to.deep.equal([]);
        });

        it("may not call another model, another account's profile, or the model outside the profile", async () => {
            const otherProfiles = [
                `arn:aws:bedrock:${R}:${OTHER_ACCOUNT}:inference-profile/${PROFILE}`,
                `arn:aws:bedrock:${R}:${ACCOUNT}:inference-profile/us.anthropic.claude-opus-4-5-20250929-v1:0`,
                `arn:aws:bedrock:${R}:${ACCOUNT}:application-inference-profile/a1b2c3d4e5f6`,
                `arn:aws:bedrock:eu-west-1:${ACCOUNT}:inference-profile/eu.${SONNET}`,
            ];
            expect(noneAllowed(await every(policy, INVOKE, otherProfiles))).to.deep.equal([]);
            // Directly, or routed through someone else's profile, or to a region the US profile never uses.
            expect(noneAllowed(await every(policy, INVOKE, [model(R), model("us-west-2")]))).to.deep.equal([]);
            expect(noneAllowed(await every(policy, INVOKE, [model(R)], { "bedrock:InferenceProfileArn": otherProfiles[0] }))).to.deep.equal(
                [],
            );
            expect(noneAllowed(await every(policy, INVOKE, [model("eu-west-1"), model("ap-northeast-1")], THROUGH_PROFILE))).to.deep.equal(
                [],
            );
            expect(
                noneAllowed(
                    await every(
                        policy,
                        INVOKE,
                        [model(R, "anthropic.claude-opus-4-5-20250929-v1:0"), model(R, "amazon.nova-pro-v1:0")],
                        THROUGH_PROFILE,
                    ),
                ),
            ).to.deep.equal([]);
        });

        it("may write its own runtime's logs and AgentCore metrics, nothing else", async () => {
            expect(await allowed(policy, "logs:PutLogEvents", `${HARNESS_LOGS}:log-stream:abc`)).to.equal(true);
            expect(await allowed(policy, "logs:CreateLogGroup", HARNESS_LOGS)).to.equal(true);
            const theirs = [
                `arn:aws:logs:${R}:${ACCOUNT}:log-group:/aws/bedrock-agentcore/runtimes/harness_payroll-x1-DEFAULT:log-stream:abc`,
                `arn:aws:logs:${R}:${ACCOUNT}:log-group:/aws/bedrock-agentcore/runtimes/zscaler_mcp_runtime_dev-k9j8h7g6f5-DEFAULT:log-stream:abc`,
                `arn:aws:logs:${R}:${ACCOUNT}:log-group:/other:log-stream:abc`,
            ];
            expect(noneAllowed(await every(policy, ["logs:PutLogEvents", "logs:CreateLogStream"], theirs))).to.deep.equal([]);
            expect(await allowed(policy, "cloudwatch:PutMetricData", "*", { "cloudwatch:namespace": "bedrock-agentcore" })).to.equal(true);
            expect(await allowed(policy, "cloudwatch:PutMetricData", "*", { "cloudwatch:namespace": "Other" })).to.equal(false);
            expect(await allowed(policy, "ecr-public:GetAuthorizationToken", "*")).to.equal(true);
            expect(await allowed(policy, "sts:GetServiceBearerToken", "*")).to.equal(true);
        });

        it("falls back to the provider's own Token Vault secret name when AWS reports no ARN", async () => {
            const p = harness([{ ...API_KEY, secretArn: "" }]);
            expect(
                await allowed(
                    p,
                    "secretsmanager:GetSecretValue",
                    `${SM}:bedrock-agentcore-identity!default/apikey/zscaler-mcp-creds-dev-Ab12Cd`,
                ),
            ).to.equal(true);
            expect(
                await allowed(
                    p,
                    "kms:Decrypt",
                    KEY,
                    decrypting(`${SM}:bedrock-agentcore-identity!default/apikey/zscaler-mcp-creds-dev-Ab12Cd`),
                ),
            ).to.equal(true);
            // Secrets Manager's suffix is six characters: a name that goes on is another secret.
            const longer = [
                `${SM}:bedrock-agentcore-identity!default/apikey/zscaler-mcp-creds-dev-Ab12Cd7`,
                `${SM}:bedrock-agentcore-identity!default/apikey/zscaler-mcp-creds-dev-x-Ab12Cd`,
            ];
            expect(noneAllowed(await every(p, ["secretsmanager:GetSecretValue"], [...THEIR_VAULT_SECRETS, ...longer]))).to.deep.equal([]);
        });
    });

    describe("harness execution role (gateway: the OAuth2 provider)", () => {
        const policy = harness([OAUTH]);

        it("may fetch OAuth tokens from its own provider, and read that provider's secret", async () => {
            const resources = [`${AC}:workload-identity-directory/default`, WORKLOAD, `${AC}:token-vault/default`, OAUTH.providerArn];
            expect(allAllowed(await every(policy, ["bedrock-agentcore:GetResourceOauth2Token"], resources))).to.deep.equal([]);
            expect(await allowed(policy, "secretsmanager:GetSecretValue", OAUTH.secretArn!)).to.equal(true);
        });

        it("may not fetch API keys, another team's tokens, or their secrets", async () => {
            expect(
                noneAllowed(
                    await every(
                        policy,
                        ["bedrock-agentcore:GetResourceApiKey"],
                        [OAUTH.providerArn, `${AC}:token-vault/default`, THEIR_API_KEY],
                    ),
                ),
            ).to.deep.equal([]);
            expect(await allowed(policy, "bedrock-agentcore:GetResourceOauth2Token", THEIR_OAUTH)).to.equal(false);
            expect(
                noneAllowed(await every(policy, ["secretsmanager:GetSecretValue"], [...THEIR_VAULT_SECRETS, API_KEY.secretArn!])),
            ).to.deep.equal([]);
        });
    });

    describe("harness execution role, other models", () => {
        it("calls a foundation model id in the deploy region only", async () => {
            const p = harness([API_KEY], "amazon.nova-pro-v1:0");
            expect(allAllowed(await every(p, INVOKE, [model(R, "amazon.nova-pro-v1:0")]))).to.deep.equal([]);
            expect(noneAllowed(await every(p, INVOKE, [model("us-west-2", "amazon.nova-pro-v1:0"), model(R), PROFILE_ARN]))).to.deep.equal(
                [],
            );
        });

        it("follows a global profile to any region, and only through that profile", async () => {
            const globalArn = `arn:aws:bedrock:${R}:${ACCOUNT}:inference-profile/global.${SONNET}`;
            const p = harness([API_KEY], `global.${SONNET}`);
            expect(allAllowed(await every(p, INVOKE, [globalArn]))).to.deep.equal([]);
            expect(
                allAllowed(await every(p, INVOKE, [model("ap-south-1"), model("eu-west-3")], { "bedrock:InferenceProfileArn": globalArn })),
            ).to.deep.equal([]);
            expect(noneAllowed(await every(p, INVOKE, [model("ap-south-1")]))).to.deep.equal([]);
            expect(p.Statement.find((s) => s.Sid === "InvokeModelThroughProfile")!.Resource).to.include(
                `arn:aws:bedrock:::foundation-model/${SONNET}`,
            );
        });

        it("keeps a Japan profile in Tokyo and Osaka", async () => {
            const jpArn = `arn:aws:bedrock:ap-northeast-1:${ACCOUNT}:inference-profile/jp.${SONNET}`;
            const p = harness([API_KEY], `jp.${SONNET}`, "ap-northeast-1");
            const through = { "bedrock:InferenceProfileArn": jpArn };
            expect(allAllowed(await every(p, INVOKE, [model("ap-northeast-1"), model("ap-northeast-3")], through))).to.deep.equal([]);
            expect(noneAllowed(await every(p, INVOKE, [model("ap-northeast-2"), model("us-east-1")], through))).to.deep.equal([]);
        });
    });

    describe("ECS task execution role", () => {
        const policy = taskExecutionPolicy({ region: R, account: ACCOUNT, imageUri: IMAGE, logGroup: "/ecs/zscaler-mcp-dev" });
        const secret = taskSecretPolicy({ region: R, secretArn: SECRET });
        const logs = `arn:aws:logs:${R}:${ACCOUNT}:log-group:/ecs/zscaler-mcp-dev`;

        it("may pull the image from its own repository and write the service's log group", async () => {
            expect(
                allAllowed(
                    await every(
                        policy,
                        ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                        ["arn:aws:ecr:us-east-1:709825985650:repository/zscaler/zscaler-mcp-server"],
                    ),
                ),
            ).to.deep.equal([]);
            expect(await allowed(policy, "ecr:GetAuthorizationToken", "*")).to.equal(true);
            expect(await allowed(policy, "logs:PutLogEvents", `${logs}:log-stream:mcp/zscaler-mcp/abc`)).to.equal(true);
            expect(await allowed(policy, "logs:CreateLogStream", `${logs}:log-stream:mcp/zscaler-mcp/def`)).to.equal(true);
        });

        it("may not pull the vendor's other repositories, other accounts' images, or write other log groups", async () => {
            const repos = [
                "arn:aws:ecr:us-east-1:709825985650:repository/zscaler/other-product",
                "arn:aws:ecr:us-west-2:709825985650:repository/zscaler/zscaler-mcp-server",
                `arn:aws:ecr:us-east-1:${OTHER_ACCOUNT}:repository/x`,
            ];
            expect(noneAllowed(await every(policy, ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], repos))).to.deep.equal([]);
            expect(
                noneAllowed(
                    await every(policy, ["logs:PutLogEvents"], [`arn:aws:logs:${R}:${ACCOUNT}:log-group:/ecs/payroll:log-stream:x`]),
                ),
            ).to.deep.equal([]);
            expect(await allowed(policy, "secretsmanager:GetSecretValue", SECRET)).to.equal(false);
        });

        it("may read exactly the Zscaler secret", async () => {
            expect(await allowed(secret, "secretsmanager:GetSecretValue", SECRET)).to.equal(true);
            expect(await allowed(secret, "kms:Decrypt", KEY, decrypting(SECRET))).to.equal(true);
            expect(await allowed(secret, "kms:Decrypt", KEY, decrypting(OTHER_SECRET))).to.equal(false);
            expect(
                noneAllowed(
                    await every(secret, ["secretsmanager:GetSecretValue"], [OTHER_SECRET, `${SECRET}-Q1w2E3`, ...THEIR_VAULT_SECRETS]),
                ),
            ).to.deep.equal([]);
        });

        it("pulls from the image's own region and registry, not the deploy region", async () => {
            const p = taskExecutionPolicy({
                region: "us-west-2",
                account: ACCOUNT,
                imageUri: "111122223333.dkr.ecr.eu-west-1.amazonaws.com/mirror/zscaler-mcp@sha256:" + "a".repeat(64),
                logGroup: "/ecs/x",
            });
            expect(await allowed(p, "ecr:BatchGetImage", "arn:aws:ecr:eu-west-1:111122223333:repository/mirror/zscaler-mcp")).to.equal(
                true,
            );
            expect(await allowed(p, "ecr:BatchGetImage", "arn:aws:ecr:us-west-2:111122223333:repository/mirror/zscaler-mcp")).to.equal(
                false,
            );
        });

        it("grants no ECR access for an image outside ECR", () => {
            const p = taskExecutionPolicy({
                region: R,
                account: ACCOUNT,
                imageUri: "public.ecr.aws/zscaler/zscaler-mcp-server:1",
                logGroup: "/ecs/x",
            });
            expect(p.Statement.map((s) => s.Sid)).to.deep.equal(["ContainerLogs"]);
        });
    });

    describe("runtime and gateway roles", () => {
        const runtime = runtimePolicy({
            region: R,
            account: ACCOUNT,
            runtimeName: "zscaler_mcp_runtime_dev",
            imageUri: IMAGE,
            secretArn: SECRET,
        });
        const gateway = gatewayPolicy({ region: R, account: ACCOUNT, gatewayName: "zscaler-mcp-gateway-dev", runtimeArn: RUNTIME_ARN });
        const runtimeLogs = `arn:aws:logs:${R}:${ACCOUNT}:log-group:/aws/bedrock-agentcore/runtimes/zscaler_mcp_runtime_dev-k9j8h7g6f5-DEFAULT`;
        const gatewayLogs = `arn:aws:logs:${R}:${ACCOUNT}:log-group:/aws/bedrock-agentcore/gateways/zscaler-mcp-gateway-dev-q1w2e3r4t5`;

        it("lets the runtime pull its image, write its logs and read this secret", async () => {
            expect(
                await allowed(runtime, "ecr:BatchGetImage", "arn:aws:ecr:us-east-1:709825985650:repository/zscaler/zscaler-mcp-server"),
            ).to.equal(true);
            expect(await allowed(runtime, "logs:PutLogEvents", `${runtimeLogs}:log-stream:x`)).to.equal(true);
            expect(await allowed(runtime, "secretsmanager:GetSecretValue", SECRET)).to.equal(true);
            expect(await allowed(runtime, "kms:Decrypt", KEY, decrypting(SECRET))).to.equal(true);
            expect(await allowed(runtime, "kms:Decrypt", KEY, decrypting(THEIR_VAULT_SECRETS[0]))).to.equal(false);
        });

        it("denies the runtime any model, other repositories, other runtimes' logs and other secrets", async () => {
            expect(noneAllowed(await every(runtime, INVOKE, [model(R), PROFILE_ARN, "*"]))).to.deep.equal([]);
            expect(await allowed(runtime, "ecr:BatchGetImage", `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/payroll/app`)).to.equal(false);
            expect(
                await allowed(
                    runtime,
                    "logs:PutLogEvents",
                    `arn:aws:logs:${R}:${ACCOUNT}:log-group:/aws/bedrock-agentcore/runtimes/payroll_runtime-a1b2c3d4e5-DEFAULT:log-stream:x`,
                ),
            ).to.equal(false);
            expect(
                noneAllowed(await every(runtime, ["secretsmanager:GetSecretValue"], [OTHER_SECRET, ...THEIR_VAULT_SECRETS])),
            ).to.deep.equal([]);
        });

        it("lets the gateway invoke this runtime (and its endpoints) and write its own logs", async () => {
            expect(
                allAllowed(
                    await every(
                        gateway,
                        ["bedrock-agentcore:InvokeAgentRuntime"],
                        [RUNTIME_ARN, `${RUNTIME_ARN}/runtime-endpoint/DEFAULT`],
                    ),
                ),
            ).to.deep.equal([]);
            expect(await allowed(gateway, "logs:PutLogEvents", `${gatewayLogs}:log-stream:x`)).to.equal(true);
        });

        it("denies the gateway other runtimes and other log groups", async () => {
            expect(await allowed(gateway, "bedrock-agentcore:InvokeAgentRuntime", `${AC}:runtime/payroll_runtime-a1b2c3d4e5`)).to.equal(
                false,
            );
            const others = [
                `arn:aws:logs:${R}:${ACCOUNT}:log-group:/aws/lambda/payroll`,
                `arn:aws:logs:${R}:${ACCOUNT}:log-group:/aws/bedrock-agentcore/gateways/payroll-gw-a1b2c3d4e5`,
            ];
            expect(noneAllowed(await every(gateway, ["logs:CreateLogGroup"], others))).to.deep.equal([]);
            expect(
                noneAllowed(
                    await every(
                        gateway,
                        ["logs:CreateLogStream", "logs:PutLogEvents"],
                        others.map((g) => `${g}:log-stream:x`),
                    ),
                ),
            ).to.deep.equal([]);
        });
    });

    describe("trust policies", () => {
        const at = { region: R, account: ACCOUNT };
        const dev = defaultNames("dev");
        const devProd = defaultNames("dev-prod");
        const AGENTCORE = "bedrock-agentcore.amazonaws.com";
        const source = (arn: string, account = ACCOUNT) => ({ "aws:SourceAccount": account, "aws:SourceArn": arn });
        /** Whether AgentCore may assume the role for each of these resources. */
        const assumedFor = async (trust: PolicyDocument, arns: string[]) =>
            Promise.all(arns.map(async (a) => `${(await assumable(trust, AGENTCORE, source(a))) ? "allow" : "deny"} ${a}`));
        /** Every AgentCore resource of this stack's neighbour `dev-prod`, and of no stack at all. */
        const neighbours = [
            `${AC}:harness/${devProd.harness}-AbCdE12345`,
            `${AC}:runtime/harness_${devProd.harness}-AbCdE12345`,
            `${AC}:runtime/${devProd.runtime}-k9j8h7g6f5`,
            `${AC}:gateway/${devProd.gateway}-q1w2e3r4t5`,
            `${AC}:runtime/payroll_runtime-a1b2c3d4e5`,
        ];
        const own = {
            harness: `${AC}:harness/${dev.harness}-AbCdE12345`,
            harnessRuntime: `${AC}:runtime/harness_${dev.harness}-AbCdE12345`,
            runtime: `${AC}:runtime/${dev.runtime}-k9j8h7g6f5`,
            gateway: `${AC}:gateway/${dev.gateway}-q1w2e3r4t5`,
        };
        const harnessTrust = agentCoreTrustPolicy({ account: ACCOUNT, sourceArns: harnessSourceArns(at, dev.harness) });
        const runtimeTrust = agentCoreTrustPolicy({ account: ACCOUNT, sourceArns: [agentCoreArnPattern(at, "runtime", dev.runtime)] });
        const gatewayTrust = agentCoreTrustPolicy({ account: ACCOUNT, sourceArns: [agentCoreArnPattern(at, "gateway", dev.gateway)] });

        it("names the stack's own resources, their ids' suffixes ten characters long", () => {
            expect(harnessTrust.Statement[0].Condition).to.deep.equal({
                StringEquals: { "aws:SourceAccount": ACCOUNT },
                ArnLike: {
                    "aws:SourceArn": [
                        `${AC}:harness/zscaler_mcp_harness_dev-??????????`,
                        `${AC}:runtime/harness_zscaler_mcp_harness_dev-??????????`,
                    ],
                },
            });
            expect(runtimeTrust.Statement[0].Condition!.ArnLike).to.deep.equal({
                "aws:SourceArn": `${AC}:runtime/zscaler_mcp_runtime_dev-??????????`,
            });
            expect(gatewayTrust.Statement[0].Condition!.ArnLike).to.deep.equal({
                "aws:SourceArn": `${AC}:gateway/zscaler-mcp-gateway-dev-??????????`,
            });
            expect(agentCoreArnPattern(at, "gateway", "Zscaler-GW")).to.equal(`${AC}:gateway/zscaler-gw-??????????`);
            expect(() => agentCoreTrustPolicy({ account: ACCOUNT, sourceArns: [] })).to.throw(/needs the ARNs/);
        });

        it("lets AgentCore assume the harness role for this stack's harness and its managed runtime only", async () => {
            expect(allAllowed(await assumedFor(harnessTrust, [own.harness, own.harnessRuntime]))).to.deep.equal([]);
            expect(noneAllowed(await assumedFor(harnessTrust, [own.runtime, own.gateway, ...neighbours]))).to.deep.equal([]);
        });

        it("lets AgentCore assume the runtime role for this stack's runtime only", async () => {
            expect(await assumable(runtimeTrust, AGENTCORE, source(own.runtime))).to.equal(true);
            expect(
                noneAllowed(await assumedFor(runtimeTrust, [own.harness, own.harnessRuntime, own.gateway, ...neighbours])),
            ).to.deep.equal([]);
        });

        it("lets AgentCore assume the gateway role for this stack's gateway only", async () => {
            expect(await assumable(gatewayTrust, AGENTCORE, source(own.gateway))).to.equal(true);
            expect(
                noneAllowed(await assumedFor(gatewayTrust, [own.harness, own.harnessRuntime, own.runtime, ...neighbours])),
            ).to.deep.equal([]);
        });

        it("refuses the own resource's name with a longer or shorter suffix, in another region or account, or without the source keys", async () => {
            const variants = [
                `${AC}:gateway/${dev.gateway}-q1w2e3r4t5x`,
                `${AC}:gateway/${dev.gateway}-q1w2e3r4`,
                `${AC}:gateway/${dev.gateway}-x-q1w2e3r4t5`,
                `arn:aws:bedrock-agentcore:eu-west-1:${ACCOUNT}:gateway/${dev.gateway}-q1w2e3r4t5`,
                `arn:aws:bedrock-agentcore:${R}:${OTHER_ACCOUNT}:gateway/${dev.gateway}-q1w2e3r4t5`,
            ];
            expect(noneAllowed(await assumedFor(gatewayTrust, variants))).to.deep.equal([]);
            // The right resource, said to act for another account.
            expect(await assumable(gatewayTrust, AGENTCORE, source(own.gateway, OTHER_ACCOUNT))).to.equal(false);
            expect(await assumable(gatewayTrust, AGENTCORE, { "aws:SourceAccount": ACCOUNT })).to.equal(false);
            expect(await assumable(gatewayTrust, AGENTCORE, {})).to.equal(false);
            expect(await assumable(gatewayTrust, "lambda.amazonaws.com", source(own.gateway))).to.equal(false);
        });

        it("lets ECS tasks of this account assume the task execution role, and no other account's", async () => {
            const trust = ecsTaskExecutionTrustPolicy({ account: ACCOUNT });
            expect(await assumable(trust, "ecs-tasks.amazonaws.com", { "aws:SourceAccount": ACCOUNT })).to.equal(true);
            expect(await assumable(trust, "ecs-tasks.amazonaws.com", { "aws:SourceAccount": OTHER_ACCOUNT })).to.equal(false);
            expect(await assumable(trust, "ecs.amazonaws.com", { "aws:SourceAccount": ACCOUNT })).to.equal(false);
        });

        it("lets only ECS assume the infrastructure role", async () => {
            const trust = ecsInfrastructureTrustPolicy();
            expect(await assumable(trust, "ecs.amazonaws.com")).to.equal(true);
            expect(await assumable(trust, "ecs-tasks.amazonaws.com")).to.equal(false);
        });
    });

    it("never grants every action of a service, nor anything on IAM, and names every wildcard's reason", async () => {
        const all = [
            harness([API_KEY]),
            harness([OAUTH], `global.${SONNET}`),
            taskExecutionPolicy({ region: R, account: ACCOUNT, imageUri: IMAGE, logGroup: "/ecs/x" }),
            taskSecretPolicy({ region: R, secretArn: SECRET }),
            runtimePolicy({ region: R, account: ACCOUNT, runtimeName: "r", imageUri: IMAGE, secretArn: SECRET }),
            gatewayPolicy({ region: R, account: ACCOUNT, gatewayName: "g", runtimeArn: `${AC}:runtime/r-a1b2c3d4e5` }),
        ];
        // Statements whose resource AWS does not let a policy name (or names at run time), each
        // with a comment in policies.ts.
        const unscoped = [
            "EcrAuth",
            "PullManagedRuntimeImage",
            "PullPublicImage",
            "Tracing",
            "Metrics",
            "DecryptSecretsViaSecretsManager",
            "DescribeLogGroups",
            "InvokeModelThroughProfile",
        ];
        for (const p of all) {
            const actions = p.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
            expect(actions.filter((a) => a === "*" || a.endsWith(":*"))).to.deep.equal([]);
            for (const s of p.Statement) {
                const resources = Array.isArray(s.Resource) ? s.Resource : [s.Resource!];
                const wide = resources.filter(isWide);
                if (wide.length > 0) {
                    expect(unscoped, `${s.Sid}: ${wide.join(", ")}`).to.include(s.Sid);
                }
            }
            expect(await allowed(p, "iam:PassRole", `arn:aws:iam::${ACCOUNT}:role/admin`)).to.equal(false);
            expect(await allowed(p, "s3:DeleteBucket", "arn:aws:s3:::any-bucket")).to.equal(false);
        }
    });
});

describe("a permissions boundary, evaluated by the IAM simulator", () => {
    const policy = harness([API_KEY]);
    // An account's boundary that lets roles use AgentCore, Secrets Manager and KMS, but no Bedrock model.
    const NO_MODELS: PolicyDocument = {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "AgentCoreOnly",
                Effect: "Allow",
                Action: ["bedrock-agentcore:*", "secretsmanager:GetSecretValue", "kms:Decrypt", "logs:*"],
                Resource: "*",
            },
        ],
    };
    const MODELS_TOO: PolicyDocument = {
        Version: "2012-10-17",
        Statement: [...NO_MODELS.Statement, { Sid: "Models", Effect: "Allow", Action: "bedrock:InvokeModel*", Resource: "*" }],
    };

    it("without a boundary, the harness role may call its model", async () => {
        expect(await allowed(policy, "bedrock:InvokeModel", PROFILE_ARN)).to.equal(true);
        expect(await allowed(policy, "bedrock:InvokeModel", model(R), THROUGH_PROFILE)).to.equal(true);
    });

    it("a boundary that does not allow bedrock:InvokeModel denies the role's own grant, and keeps what both allow", async () => {
        for (const action of INVOKE) {
            expect(await allowed(policy, action, PROFILE_ARN, {}, NO_MODELS), action).to.equal(false);
            expect(await allowed(policy, action, model(R), THROUGH_PROFILE, NO_MODELS), action).to.equal(false);
        }
        expect(await allowed(policy, "bedrock-agentcore:GetResourceApiKey", API_KEY.providerArn, {}, NO_MODELS)).to.equal(true);
        expect(await allowed(policy, "secretsmanager:GetSecretValue", API_KEY.secretArn!, {}, NO_MODELS)).to.equal(true);
    });

    it("a boundary grants nothing itself: what it allows beyond the role's policy stays denied", async () => {
        expect(await allowed(policy, "bedrock:InvokeModel", PROFILE_ARN, {}, MODELS_TOO)).to.equal(true);
        // Another model, or another team's API key: the boundary allows them, the role's policy does not.
        expect(await allowed(policy, "bedrock:InvokeModel", model(R, "amazon.nova-pro-v1:0"), {}, MODELS_TOO)).to.equal(false);
        expect(await allowed(policy, "bedrock-agentcore:GetResourceApiKey", THEIR_API_KEY, {}, MODELS_TOO)).to.equal(false);
    });
});

/** A minimal stack configuration the real program deploys under mocks. */
const CONFIG = {
    "aws:region": R,
    zscalerClientId: "client",
    zscalerClientSecret: "secret-value",
    zscalerCustomerId: "cust",
    zscalerVanityDomain: "acme",
};

describe("inline policy names", () => {
    for (const [topology, expected] of [
        [
            "ecs",
            {
                "zscaler-mcp-agent-exec-policy": "zscaler-mcp-harness",
                "zscaler-mcp-task-exec-policy": "zscaler-mcp-task-execution",
                "zscaler-mcp-task-exec-secret-policy": "zscaler-mcp-task-secret",
            },
        ],
        [
            "gateway",
            {
                "zscaler-mcp-agent-exec-policy": "zscaler-mcp-harness",
                "zscaler-mcp-runtime-policy": "zscaler-mcp-runtime",
                "zscaler-mcp-gateway-policy": "zscaler-mcp-gateway",
            },
        ],
    ] as const) {
        it(`are fixed in the ${topology} topology, so a create repeated after a killed run overwrites instead of adding a second policy`, async () => {
            const r = await runProgram({ config: { ...CONFIG, topology }, secretKeys: ["zscalerClientSecret"] });
            const policies = r.resources.filter((x) => x.type === "aws:iam/rolePolicy:RolePolicy");
            expect(Object.fromEntries(policies.map((p) => [p.name, p.inputs.name]))).to.deep.equal(expected);
            expect(Object.values(INLINE_POLICY_NAMES)).to.include.members(policies.map((p) => p.inputs.name));
        });
    }
});

describe("a stack's roles and the resources of a stack whose name extends its own (dev and dev-prod)", () => {
    const dev = defaultNames("dev");
    const devProd = defaultNames("dev-prod");
    const LOGS = `arn:aws:logs:${R}:${ACCOUNT}:log-group:`;
    // AWS chooses these suffixes; both stacks' resources get the same ones here, so only the names differ.
    const ID = "AbCdE12345";
    const RUNTIME_ID = "k9j8h7g6f5";

    /** Each role the program creates: its trust policy and its inline policies, by the role's resource name. */
    async function rolesOf(topology: "ecs" | "gateway") {
        const run = await runProgram({ config: { ...CONFIG, topology }, secretKeys: ["zscalerClientSecret"] });
        const parse = (v: unknown) => JSON.parse(unwrap(v) as string) as PolicyDocument;
        return Object.fromEntries(
            byType(run, "aws:iam/role:Role").map((role) => [
                role.name,
                {
                    trust: parse(role.inputs.assumeRolePolicy),
                    policies: byType(run, "aws:iam/rolePolicy:RolePolicy")
                        .filter((p) => unwrap(p.inputs.role) === `${role.name}-a1b2c3d4e5`)
                        .map((p) => parse(p.inputs.policy)),
                },
            ]),
        );
    }

    interface Request {
        action: string;
        resource: string;
        context?: Record<string, string>;
    }

    /** A stack's AgentCore, log and secret resources, with the actions the roles of either topology take on each. */
    function resourcesOf(n: ReturnType<typeof defaultNames>, stack: string): Record<string, Request[]> {
        const workload = `${AC}:workload-identity-directory/default/workload-identity/harness_${n.harness}-${ID}`;
        const harnessLogs = `${LOGS}/aws/bedrock-agentcore/runtimes/harness_${n.harness}-${ID}-DEFAULT`;
        const runtime = `${AC}:runtime/${n.runtime}-${RUNTIME_ID}`;
        const runtimeLogs = `${LOGS}/aws/bedrock-agentcore/runtimes/${n.runtime}-${RUNTIME_ID}-DEFAULT`;
        const gatewayLogs = `${LOGS}/aws/bedrock-agentcore/gateways/${n.gateway}-${ID.toLowerCase()}`;
        const apiKeySecret = `${SM}:bedrock-agentcore-identity!default/apikey/${n.apiKeyProvider}`;
        const oauthSecret = `${SM}:bedrock-agentcore-identity!default/oauth2/${n.oauthProvider}-Gh5Jk7`;
        const zscalerSecret = `${SM}:zscaler-mcp-harness/${stack}/credentials-a1b2c3d4e5-AbCdEf`;
        // Runtime roles also list their streams; the gateway role only writes.
        const logs = (group: string, list = true): Request[] => [
            { action: "logs:CreateLogGroup", resource: group },
            ...(list ? [{ action: "logs:DescribeLogStreams", resource: group }] : []),
            { action: "logs:CreateLogStream", resource: `${group}:log-stream:s` },
            { action: "logs:PutLogEvents", resource: `${group}:log-stream:s` },
        ];
        const secret = (arn: string): Request[] => [
            { action: "secretsmanager:GetSecretValue", resource: arn },
            { action: "kms:Decrypt", resource: KEY, context: decrypting(arn) },
        ];
        const token = (action: string, provider: string): Request[] => [workload, provider].map((resource) => ({ action, resource }));
        return {
            harness: [
                ...["bedrock-agentcore:GetWorkloadAccessToken", "bedrock-agentcore:GetWorkloadAccessTokenForJWT"].map((action) => ({
                    action,
                    resource: workload,
                })),
                ...logs(harnessLogs),
            ],
            apiKey: [
                ...token("bedrock-agentcore:GetResourceApiKey", `${AC}:token-vault/default/apikeycredentialprovider/${n.apiKeyProvider}`),
                ...secret(apiKeySecret),
            ],
            oauth: [
                ...token(
                    "bedrock-agentcore:GetResourceOauth2Token",
                    `${AC}:token-vault/default/oauth2credentialprovider/${n.oauthProvider}`,
                ),
                ...secret(oauthSecret),
            ],
            ecsTask: [
                { action: "logs:CreateLogStream", resource: `${LOGS}${n.logGroup}:log-stream:mcp/Main/abc` },
                { action: "logs:PutLogEvents", resource: `${LOGS}${n.logGroup}:log-stream:mcp/Main/abc` },
            ],
            zscalerSecret: secret(zscalerSecret),
            runtime: logs(runtimeLogs),
            gateway: [
                { action: "bedrock-agentcore:InvokeAgentRuntime", resource: runtime },
                { action: "bedrock-agentcore:InvokeAgentRuntime", resource: `${runtime}/runtime-endpoint/DEFAULT` },
                ...logs(gatewayLogs, false),
            ],
        };
    }
    const own = resourcesOf(dev, "dev");
    const theirs = resourcesOf(devProd, "dev-prod");

    /** Each request as one line: what the role's policies (any of them) decide. */
    async function decisions(policies: PolicyDocument[], requests: Request[]): Promise<string[]> {
        const lines: string[] = [];
        for (const r of requests) {
            let allowedByAny = false;
            for (const p of policies) {
                allowedByAny ||= await allowed(p, r.action, r.resource, r.context);
            }
            lines.push(`${allowedByAny ? "allow" : "deny"} ${r.action} ${r.context?.["kms:EncryptionContext:SecretARN"] ?? r.resource}`);
        }
        return lines;
    }
    const everyRequest = (set: Record<string, Request[]>) => Object.values(set).flat();

    const ROLES: Record<"ecs" | "gateway", Record<string, Request[]>> = {
        ecs: {
            "zscaler-mcp-agent-exec-role": [...own.harness, ...own.apiKey],
            "zscaler-mcp-task-exec-role": [...own.ecsTask, ...own.zscalerSecret],
        },
        gateway: {
            "zscaler-mcp-agent-exec-role": [...own.harness, ...own.oauth],
            "zscaler-mcp-runtime-role": [...own.runtime, ...own.zscalerSecret],
            "zscaler-mcp-gateway-role": own.gateway,
        },
    };

    for (const topology of ["ecs", "gateway"] as const) {
        it(`${topology} topology: each role may take its actions on every resource of its own stack`, async () => {
            const roles = await rolesOf(topology);
            const denied: Record<string, string[]> = {};
            for (const [role, requests] of Object.entries(ROLES[topology])) {
                denied[role] = allAllowed(await decisions(roles[role]?.policies ?? [], requests));
            }
            expect(denied).to.deep.equal(Object.fromEntries(Object.keys(ROLES[topology]).map((role) => [role, []])));
        });

        it(`${topology} topology: no role may take any action on a resource of dev-prod`, async () => {
            const roles = await rolesOf(topology);
            const granted: Record<string, string[]> = {};
            for (const [role, { policies }] of Object.entries(roles)) {
                granted[role] = noneAllowed(await decisions(policies, everyRequest(theirs)));
            }
            expect(Object.keys(granted)).to.include.members(Object.keys(ROLES[topology]));
            expect(granted).to.deep.equal(Object.fromEntries(Object.keys(roles).map((role) => [role, []])));
        });
    }

    it("trust: AgentCore may assume each role for the stack's own harness, runtime or gateway, never for dev-prod's", async () => {
        const source = (resource: string) => ({ "aws:SourceAccount": ACCOUNT, "aws:SourceArn": resource });
        const arns = (n: ReturnType<typeof defaultNames>) => ({
            harness: [`${AC}:harness/${n.harness}-${ID}`, `${AC}:runtime/harness_${n.harness}-${ID}`],
            runtime: [`${AC}:runtime/${n.runtime}-${ID}`],
            gateway: [`${AC}:gateway/${n.gateway}-${ID.toLowerCase()}`],
        });
        const ours = arns(dev);
        const neighbour = Object.values(arns(devProd)).flat();
        const gateway = await rolesOf("gateway");
        const ecs = await rolesOf("ecs");
        const cases = [
            { trust: ecs["zscaler-mcp-agent-exec-role"].trust, ownArns: ours.harness },
            { trust: gateway["zscaler-mcp-agent-exec-role"].trust, ownArns: ours.harness },
            { trust: gateway["zscaler-mcp-runtime-role"].trust, ownArns: ours.runtime },
            { trust: gateway["zscaler-mcp-gateway-role"].trust, ownArns: ours.gateway },
        ];
        for (const c of cases) {
            const lines = async (resources: string[]) =>
                Promise.all(
                    resources.map(
                        async (r) => `${(await assumable(c.trust, "bedrock-agentcore.amazonaws.com", source(r))) ? "allow" : "deny"} ${r}`,
                    ),
                );
            const others = Object.values(ours)
                .flat()
                .filter((a) => !c.ownArns.includes(a));
            expect(allAllowed(await lines(c.ownArns))).to.deep.equal([]);
            expect(noneAllowed(await lines([...others, ...neighbour]))).to.deep.equal([]);
        }
    });
});
