/**
 * IAM policy documents, one function per role. Pure: plain strings in, plain documents out, so
 * each can be read and tested (and evaluated by an IAM simulator) on its own.
 *
 * Every statement names what this stack knows: its own credential providers and their Token Vault
 * secrets, the configured model, its runtime, secret, log groups and image repository. A `*` stays
 * only where AWS offers no resource to name or names the resource at run time; each says which.
 */
import { parseEcrImage } from "./images";
import { INFERENCE_GEOGRAPHIES, parseModelId } from "./models";

export interface Statement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Action: string | string[];
    /** Absent only in trust policies. */
    Resource?: string | string[];
    Principal?: Record<string, string | string[]>;
    Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: Statement[];
}

export const SERVICE_PRINCIPALS = {
    agentCore: "bedrock-agentcore.amazonaws.com",
    ecsTasks: "ecs-tasks.amazonaws.com",
    ecs: "ecs.amazonaws.com",
} as const;

/** Trust policy letting one AWS service assume the role, under the given conditions. */
export function trustPolicy(service: string, condition?: Statement["Condition"]): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            { Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole", ...(condition ? { Condition: condition } : {}) },
        ],
    };
}

/**
 * AgentCore's resource ids are the resource's name, a hyphen and ten characters AgentCore chooses
 * at creation (HarnessId, AgentRuntimeId, GatewayId in its service model); Secrets Manager appends
 * a hyphen and six characters to a secret's name. Patterns end in exactly that many `?`, never
 * `*`: a `*` after `dev-` would also match the resources of a stack named `dev-prod`.
 */
const AGENTCORE_ID_SUFFIX = `-${"?".repeat(10)}`;
const SECRET_SUFFIX = `-${"?".repeat(6)}`;

/** The id of an AgentCore resource with this name, its suffix left open (a gateway's id is its lower-cased name). */
export function agentCoreIdPattern(name: string): string {
    return `${name}${AGENTCORE_ID_SUFFIX}`;
}

/** The ARN of this stack's harness, runtime or gateway of that name, before AgentCore has chosen its id. */
export function agentCoreArnPattern(p: { region: string; account: string }, kind: "harness" | "runtime" | "gateway", name: string): string {
    return `arn:aws:bedrock-agentcore:${p.region}:${p.account}:${kind}/${agentCoreIdPattern(kind === "gateway" ? name.toLowerCase() : name)}`;
}

/**
 * The resources AgentCore assumes a harness's role for: the harness, and the runtime AgentCore
 * manages for it (named `harness_<name>`).
 */
export function harnessSourceArns(p: { region: string; account: string }, harnessName: string): string[] {
    return [agentCoreArnPattern(p, "harness", harnessName), agentCoreArnPattern(p, "runtime", `harness_${harnessName}`)];
}

/**
 * Harness, runtime and gateway roles. AgentCore documents both confused-deputy keys for its
 * principal: the calling account, and the ARN of the resource the role is assumed for, which names
 * only this stack's own resources (the role exists before them, so their ids are patterns).
 */
export function agentCoreTrustPolicy(p: { account: string; sourceArns: readonly string[] }): PolicyDocument {
    if (p.sourceArns.length === 0) {
        throw new Error("an AgentCore trust policy needs the ARNs of the resources it is assumed for");
    }
    return trustPolicy(SERVICE_PRINCIPALS.agentCore, {
        StringEquals: { "aws:SourceAccount": p.account },
        ArnLike: { "aws:SourceArn": p.sourceArns.length === 1 ? p.sourceArns[0] : [...p.sourceArns] },
    });
}

/**
 * The ECS task execution role. ECS documents aws:SourceAccount for this principal; the source ARN
 * it would carry for the execution role is a task's, which AWS documents for task roles only.
 */
export function ecsTaskExecutionTrustPolicy(p: { account: string }): PolicyDocument {
    return trustPolicy(SERVICE_PRINCIPALS.ecsTasks, { StringEquals: { "aws:SourceAccount": p.account } });
}

/** The ECS infrastructure role: AWS documents no source condition for this principal's role. */
export function ecsInfrastructureTrustPolicy(): PolicyDocument {
    return trustPolicy(SERVICE_PRINCIPALS.ecs);
}

/**
 * Names of the inline policies, one per role and purpose. Fixed, not generated: PutRolePolicy
 * replaces a policy of the same name, so a `pulumi up` that repeats a create a killed run had
 * already made overwrites it instead of leaving a second policy on the role (which would also
 * block the role's delete).
 */
export const INLINE_POLICY_NAMES = {
    harness: "zscaler-mcp-harness",
    taskExecution: "zscaler-mcp-task-execution",
    taskSecret: "zscaler-mcp-task-secret",
    runtime: "zscaler-mcp-runtime",
    gateway: "zscaler-mcp-gateway",
} as const;

export const MANAGED_POLICIES = {
    // ECS Express creates the load balancer, certificate, security groups and scaling policies
    // itself, under names it picks at run time; its managed policy is the documented grant.
    ecsInfrastructureExpress: "arn:aws:iam::aws:policy/service-role/AmazonECSInfrastructureRoleforExpressGatewayServices",
};

/**
 * Decrypting the secrets' values: their key is the secret's (AWS-managed unless its owner chose
 * one), not known to the stack, so the resource is `*`; the conditions allow it only for Secrets
 * Manager calls in this region, for these secrets (Secrets Manager sends the secret's ARN as the
 * KMS encryption context SecretARN).
 */
function kmsViaSecretsManager(region: string, secretArns: readonly string[]): Statement {
    return {
        Sid: "DecryptSecretsViaSecretsManager",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: "*",
        Condition: {
            StringEquals: { "kms:ViaService": `secretsmanager.${region}.amazonaws.com` },
            // StringLike: an ARN Secrets Manager has not reported yet is a pattern (secret names have no `*` or `?`).
            StringLike: { "kms:EncryptionContext:SecretARN": secretArns.length === 1 ? secretArns[0] : [...secretArns] },
        },
    };
}

/** Read access to exactly one secret, by its full ARN. */
function readSecret(region: string, secretArn: string): Statement[] {
    return [
        { Sid: "ReadZscalerSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secretArn },
        kmsViaSecretsManager(region, [secretArn]),
    ];
}

/**
 * Pull from the image's own repository (in the image's registry and region). The authorization
 * token has no resource to name: AWS authorizes ecr:GetAuthorizationToken on `*` only.
 */
function pullImage(imageUri: string): Statement[] {
    const ecr = parseEcrImage(imageUri);
    if (!ecr) {
        return [];
    }
    return [
        { Sid: "EcrAuth", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        {
            Sid: "PullImage",
            Effect: "Allow",
            Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage", "ecr:DescribeImages"],
            Resource: `arn:aws:ecr:${ecr.region}:${ecr.account}:repository/${ecr.repository}`,
        },
    ];
}

const MODEL_ACTIONS = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream", "bedrock:Converse", "bedrock:ConverseStream"];

/**
 * The configured model: a foundation model in this region, or a system inference profile here and
 * the foundation model behind it in the regions the profile routes to, only through this profile.
 */
function invokeModel(region: string, account: string, modelId: string): Statement[] {
    const model = parseModelId(modelId);
    if (!model) {
        throw new Error(`modelId ${JSON.stringify(modelId)} is neither a foundation model id nor an inference profile id`);
    }
    if (model.kind === "foundation-model") {
        return [
            {
                Sid: "InvokeModel",
                Effect: "Allow",
                Action: MODEL_ACTIONS,
                Resource: `arn:aws:bedrock:${region}::foundation-model/${model.modelId}`,
            },
        ];
    }
    const profileArn = `arn:aws:bedrock:${region}:${account}:inference-profile/${model.profileId}`;
    return [
        { Sid: "InvokeInferenceProfile", Effect: "Allow", Action: MODEL_ACTIONS, Resource: profileArn },
        {
            // AWS picks the destination region per call, among the profile's geography (a global
            // profile may use any commercial region, named without a region in its model ARN);
            // the condition admits the foundation model only through this stack's profile.
            Sid: "InvokeModelThroughProfile",
            Effect: "Allow",
            Action: MODEL_ACTIONS,
            Resource: INFERENCE_GEOGRAPHIES[model.geography].destinations.map(
                (r) => `arn:aws:bedrock:${r}::foundation-model/${model.modelId}`,
            ),
            Condition: { StringEquals: { "bedrock:InferenceProfileArn": profileArn } },
        },
    ];
}

/** A Token Vault credential provider the harness reads, as the provider resource reports it. */
export interface TokenVaultCredential {
    readonly kind: "apiKey" | "oauth2";
    /** `...:token-vault/default/apikeycredentialprovider/<name>` or `.../oauth2credentialprovider/<name>`. */
    readonly providerArn: string;
    /** The Secrets Manager secret behind it (apiKeySecretArn or clientSecretArn); empty when AWS reported none. */
    readonly secretArn?: string;
}

/** The Token Vault secret of a provider: the ARN AWS reported, else the name AgentCore gives it. */
function tokenVaultSecret(region: string, account: string, c: TokenVaultCredential): string {
    if (c.secretArn) {
        return c.secretArn;
    }
    const name = c.providerArn.split("/").pop();
    return `arn:aws:secretsmanager:${region}:${account}:secret:bedrock-agentcore-identity!default/${c.kind === "apiKey" ? "apikey" : "oauth2"}/${name}${SECRET_SUFFIX}`;
}

/**
 * The harness execution role: every statement AgentCore checks, scoped to this harness's workload
 * identity, its model, its own credential providers and their Token Vault secrets.
 */
export function harnessExecutionPolicy(p: {
    region: string;
    account: string;
    harnessName: string;
    modelId: string;
    credentials: readonly TokenVaultCredential[];
}): PolicyDocument {
    const { region: r, account: a, harnessName } = p;
    const ac = `arn:aws:bedrock-agentcore:${r}:${a}`;
    const directory = `${ac}:workload-identity-directory/default`;
    // AgentCore names the harness's workload identity after its managed runtime, `harness_<name>-<id>`,
    // the id chosen at creation; the runtime's log groups are `<runtime id>-<endpoint>`.
    const runtimeId = agentCoreIdPattern(`harness_${harnessName}`);
    const workload = `${directory}/workload-identity/${runtimeId}`;
    const runtimeLogs = `arn:aws:logs:${r}:${a}:log-group:/aws/bedrock-agentcore/runtimes/${runtimeId}-*`;
    const vaultSecrets = p.credentials.map((c) => tokenVaultSecret(r, a, c));
    const tokenActions = [
        ...(p.credentials.some((c) => c.kind === "apiKey") ? ["bedrock-agentcore:GetResourceApiKey"] : []),
        ...(p.credentials.some((c) => c.kind === "oauth2") ? ["bedrock-agentcore:GetResourceOauth2Token"] : []),
    ];
    return {
        Version: "2012-10-17",
        Statement: [
            ...invokeModel(r, a, p.modelId),
            {
                // The managed runtime's image is AWS's own in ECR Public; neither token call has a resource.
                Sid: "PullManagedRuntimeImage",
                Effect: "Allow",
                Action: ["ecr-public:GetAuthorizationToken", "sts:GetServiceBearerToken"],
                Resource: "*",
            },
            {
                // X-Ray authorizes these calls on `*` only.
                Sid: "Tracing",
                Effect: "Allow",
                Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"],
                Resource: "*",
            },
            { Sid: "RuntimeLogGroups", Effect: "Allow", Action: ["logs:CreateLogGroup", "logs:DescribeLogStreams"], Resource: runtimeLogs },
            // DescribeLogGroups lists names only and is authorized on the account's log-group:*.
            { Sid: "DescribeLogGroups", Effect: "Allow", Action: "logs:DescribeLogGroups", Resource: `arn:aws:logs:${r}:${a}:log-group:*` },
            {
                Sid: "RuntimeLogStreams",
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                Resource: `${runtimeLogs}:log-stream:*`,
            },
            {
                // Metrics have no resource; the condition keeps them in AgentCore's namespace.
                Sid: "Metrics",
                Effect: "Allow",
                Action: "cloudwatch:PutMetricData",
                Resource: "*",
                Condition: { StringEquals: { "cloudwatch:namespace": "bedrock-agentcore" } },
            },
            {
                Sid: "WorkloadIdentity",
                Effect: "Allow",
                Action: ["bedrock-agentcore:GetWorkloadAccessToken", "bedrock-agentcore:GetWorkloadAccessTokenForJWT"],
                Resource: [directory, workload],
            },
            {
                // AgentCore checks the directory, the workload identity, the vault and the provider
                // separately, and IAM matches ARNs exactly: token-vault/default does not cover the
                // providers beneath it. Only this stack's providers are named.
                Sid: "TokenVault",
                Effect: "Allow",
                Action: tokenActions,
                Resource: [directory, workload, `${ac}:token-vault/default`, ...p.credentials.map((c) => c.providerArn)],
            },
            {
                Sid: "TokenVaultSecrets",
                Effect: "Allow",
                Action: "secretsmanager:GetSecretValue",
                Resource: vaultSecrets,
            },
            kmsViaSecretsManager(r, vaultSecrets),
        ],
    };
}

/**
 * The ECS task execution role: pull the image from its own repository (in the image's region, not
 * the deploy region) and write to the service's own log group. This replaces the managed
 * AmazonECSTaskExecutionRolePolicy, which grants both on every resource.
 */
export function taskExecutionPolicy(p: { region: string; account: string; imageUri: string; logGroup: string }): PolicyDocument {
    const logGroup = `arn:aws:logs:${p.region}:${p.account}:log-group:${p.logGroup}`;
    return {
        Version: "2012-10-17",
        Statement: [
            ...pullImage(p.imageUri),
            {
                Sid: "ContainerLogs",
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                Resource: `${logGroup}:log-stream:*`,
            },
        ],
    };
}

/** The ECS task execution role's read access to exactly the Zscaler secret. */
export function taskSecretPolicy(p: { region: string; secretArn: string }): PolicyDocument {
    return { Version: "2012-10-17", Statement: readSecret(p.region, p.secretArn) };
}

/**
 * The AgentCore Runtime role: the image from its repository, the runtime's own log groups, and
 * exactly this secret. The MCP server calls no model, so the role may call none.
 */
export function runtimePolicy(p: {
    region: string;
    account: string;
    runtimeName: string;
    imageUri: string;
    secretArn?: string;
}): PolicyDocument {
    // The runtime's id (`<name>-<suffix>`), and so its log groups (`<id>-<endpoint>`), are chosen at creation.
    const logs = `arn:aws:logs:${p.region}:${p.account}:log-group:/aws/bedrock-agentcore/runtimes/${agentCoreIdPattern(p.runtimeName)}-*`;
    const statements: Statement[] = [
        ...pullImage(p.imageUri),
        // Images in ECR Public: neither token call has a resource.
        {
            Sid: "PullPublicImage",
            Effect: "Allow",
            Action: ["ecr-public:GetAuthorizationToken", "sts:GetServiceBearerToken"],
            Resource: "*",
        },
        { Sid: "RuntimeLogGroups", Effect: "Allow", Action: ["logs:CreateLogGroup", "logs:DescribeLogStreams"], Resource: logs },
        // DescribeLogGroups lists names only and is authorized on the account's log-group:*.
        {
            Sid: "DescribeLogGroups",
            Effect: "Allow",
            Action: "logs:DescribeLogGroups",
            Resource: `arn:aws:logs:${p.region}:${p.account}:log-group:*`,
        },
        {
            Sid: "RuntimeLogStreams",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: `${logs}:log-stream:*`,
        },
    ];
    if (p.secretArn) {
        statements.push(...readSecret(p.region, p.secretArn));
    }
    return { Version: "2012-10-17", Statement: statements };
}

/** The gateway role: invoke this runtime (and its versions and endpoints) and write the gateway's own logs. */
export function gatewayPolicy(p: { region: string; account: string; gatewayName: string; runtimeArn: string }): PolicyDocument {
    // The gateway's log group is named after its id: its lower-cased name and a suffix chosen at creation.
    const logs = `arn:aws:logs:${p.region}:${p.account}:log-group:/aws/bedrock-agentcore/gateways/${agentCoreIdPattern(p.gatewayName.toLowerCase())}`;
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "InvokeRuntime",
                Effect: "Allow",
                Action: "bedrock-agentcore:InvokeAgentRuntime",
                Resource: [p.runtimeArn, `${p.runtimeArn}/*`, `${p.runtimeArn}:*`],
            },
            {
                Sid: "Logs",
                Effect: "Allow",
                Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                Resource: [logs, `${logs}:log-stream:*`],
            },
        ],
    };
}
