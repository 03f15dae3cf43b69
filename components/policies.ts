/**
 * IAM policy documents, one function per role. Pure: plain strings in, plain documents out, so
 * each can be read and tested (and evaluated by an IAM simulator) on its own.
 */
import { parseEcrImage } from "./settings";

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

/** Trust policy letting one AWS service assume the role. */
export function trustPolicy(service: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
    };
}

export const MANAGED_POLICIES = {
    ecsTaskExecution: "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
    ecsInfrastructureExpress: "arn:aws:iam::aws:policy/service-role/AmazonECSInfrastructureRoleforExpressGatewayServices",
};

function kmsViaSecretsManager(region: string): Statement {
    return {
        Sid: "DecryptSecretsViaSecretsManager",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: "*",
        Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${region}.amazonaws.com` } },
    };
}

/** Read access to exactly one secret (the ARN, and the ARN with Secrets Manager's random suffix). */
function readSecret(region: string, secretArn: string): Statement[] {
    return [
        { Sid: "ReadZscalerSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: [secretArn, `${secretArn}-*`] },
        kmsViaSecretsManager(region),
    ];
}

/** The harness execution role: every statement AgentCore checks, scoped to this harness's workload identity. */
export function harnessExecutionPolicy(p: { region: string; account: string; harnessName: string }): PolicyDocument {
    const { region: r, account: a, harnessName } = p;
    const ac = `arn:aws:bedrock-agentcore:${r}:${a}`;
    const directory = `${ac}:workload-identity-directory/default`;
    const workload = `${directory}/workload-identity/harness_${harnessName}-*`;
    const runtimeLogs = `arn:aws:logs:${r}:${a}:log-group:/aws/bedrock-agentcore/runtimes/*`;
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "InvokeModel",
                Effect: "Allow",
                Action: ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream", "bedrock:Converse", "bedrock:ConverseStream"],
                Resource: [
                    "arn:aws:bedrock:*::foundation-model/*",
                    `arn:aws:bedrock:${r}:${a}:*`,
                    `arn:aws:bedrock:${r}:${a}:inference-profile/*`,
                    `arn:aws:bedrock:${r}:${a}:application-inference-profile/*`,
                    "arn:aws:bedrock:*:*:inference-profile/*",
                ],
            },
            { Sid: "PullManagedRuntimeImage", Effect: "Allow", Action: ["ecr-public:GetAuthorizationToken", "sts:GetServiceBearerToken"], Resource: "*" },
            {
                Sid: "Tracing",
                Effect: "Allow",
                Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"],
                Resource: "*",
            },
            { Sid: "RuntimeLogGroups", Effect: "Allow", Action: ["logs:CreateLogGroup", "logs:DescribeLogStreams"], Resource: runtimeLogs },
            { Sid: "DescribeLogGroups", Effect: "Allow", Action: "logs:DescribeLogGroups", Resource: `arn:aws:logs:${r}:${a}:log-group:*` },
            { Sid: "RuntimeLogStreams", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${runtimeLogs}:log-stream:*` },
            {
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
                // AgentCore checks each of these five resources separately, and IAM matches ARNs
                // exactly: token-vault/default does not cover the providers beneath it.
                Sid: "TokenVault",
                Effect: "Allow",
                Action: ["bedrock-agentcore:GetResourceApiKey", "bedrock-agentcore:GetResourceOauth2Token"],
                Resource: [
                    directory,
                    workload,
                    `${ac}:token-vault/default`,
                    `${ac}:token-vault/default/apikeycredentialprovider/*`,
                    `${ac}:token-vault/default/oauth2credentialprovider/*`,
                ],
            },
            {
                Sid: "TokenVaultSecrets",
                Effect: "Allow",
                Action: "secretsmanager:GetSecretValue",
                Resource: `arn:aws:secretsmanager:${r}:${a}:secret:bedrock-agentcore-identity*`,
            },
            kmsViaSecretsManager(r),
        ],
    };
}

/**
 * The ECS task execution role's inline policy: pulls from the image's own registry and region
 * (not the deploy region), and reads exactly the Zscaler secret when one is used. Undefined when
 * neither applies (the managed policy then covers everything).
 */
export function taskExecutionPolicy(p: { region: string; imageUri: string; secretArn?: string }): PolicyDocument | undefined {
    const statements: Statement[] = [];
    const ecr = parseEcrImage(p.imageUri);
    if (ecr) {
        statements.push(
            { Sid: "EcrAuth", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
            {
                Sid: "PullImage",
                Effect: "Allow",
                Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage", "ecr:DescribeImages"],
                Resource: `arn:aws:ecr:${ecr.region}:${ecr.account}:repository/*`,
            },
        );
    }
    if (p.secretArn) {
        statements.push(...readSecret(p.region, p.secretArn));
    }
    return statements.length > 0 ? { Version: "2012-10-17", Statement: statements } : undefined;
}

/** The AgentCore Runtime role: image pull, runtime logs, model calls, and exactly this secret. */
export function runtimePolicy(p: { region: string; account: string; secretArn?: string }): PolicyDocument {
    const logs = `arn:aws:logs:${p.region}:${p.account}:log-group:/aws/bedrock-agentcore/runtimes/*`;
    const statements: Statement[] = [
        {
            Sid: "PullImage",
            Effect: "Allow",
            Action: [
                "ecr:GetAuthorizationToken",
                "ecr:BatchCheckLayerAvailability",
                "ecr:GetDownloadUrlForLayer",
                "ecr:BatchGetImage",
                "ecr-public:GetAuthorizationToken",
                "sts:GetServiceBearerToken",
            ],
            Resource: "*",
        },
        {
            Sid: "RuntimeLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"],
            Resource: [logs, `${logs}:log-stream:*`],
        },
        { Sid: "InvokeModel", Effect: "Allow", Action: ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"], Resource: "*" },
    ];
    if (p.secretArn) {
        statements.push(...readSecret(p.region, p.secretArn));
    }
    return { Version: "2012-10-17", Statement: statements };
}

/** The gateway role: invoke this runtime (and its versions and endpoints) and write logs. */
export function gatewayPolicy(p: { runtimeArn: string }): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "InvokeRuntime",
                Effect: "Allow",
                Action: "bedrock-agentcore:InvokeAgentRuntime",
                Resource: [p.runtimeArn, `${p.runtimeArn}/*`, `${p.runtimeArn}:*`],
            },
            { Sid: "Logs", Effect: "Allow", Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"], Resource: "*" },
        ],
    };
}
