/**
 * `npm run doctor`: checks, before any deploy, what the stack's configuration needs from the AWS
 * account and region, and prints one line per check: ok, or what fails and the fix. On a deployed
 * stack it also calls the MCP server as the harness does (the deploy's own tool check). Every call
 * is a read; nothing is created or changed.
 */
import * as fs from "fs";
import * as path from "path";
import { basicAuthHeader, credentialKeysIn, REQUIRED_CREDENTIAL_KEYS } from "../server/env";
import { OAUTH_SCOPE } from "../aws/names";
import { accountExcludedBy } from "../providers/awsIdentity";
import type { ToolTarget } from "../providers/toolCheck";
import { loadSettings, Settings } from "../config/settings";
import { parseEcrImage } from "../aws/images";
import { parseModelId } from "../aws/models";
import { SettingsError } from "../config/messages";
import { CommandSpec, HELP_OPTION, parseCommand, stringOption, usage } from "./args";
import { AwsAccess, clientConfig, ConfigEntries, readConfigEntries, requestSignal, stackAwsSettings, useStackIdentity } from "./identity";
import { awsErrorName, deniedAction, EXIT, Io, isAccessDenied, isNotFound, OperatorError, paint } from "./io";

export const DOCTOR_SPEC: CommandSpec = {
    name: "doctor",
    synopsis: "[-- options]",
    summary:
        "Checks the prerequisites of the current stack's configuration before a deploy: credentials and account,\n" +
        "AgentCore Harness in the region, access to the model, the default VPC (ecs), the image's registry and\n" +
        "architecture, the Cognito domain prefix (gateway), and names already taken by something else; on a\n" +
        "deployed stack, the MCP server's tools, called as the harness calls them. It only reads; nothing is\n" +
        "created or changed.",
    positionals: false,
    options: {
        json: { type: "boolean", description: "print the checks as one JSON object" },
        stack: { type: "string", value: "<name>", description: "check this stack's configuration instead of the current stack's" },
        ...HELP_OPTION,
    },
    examples: ["npm run doctor", "npm run doctor -- --stack prod --json"],
    notes: "Exit codes: 0 every check passed, 1 a check failed, 2 a usage error or no stack, 130 interrupted.",
};

export type CheckStatus = "ok" | "fail" | "skip";

export interface CheckResult {
    name: string;
    status: CheckStatus;
    detail: string;
    fix?: string;
}

/** The AWS Marketplace registry that serves the default image. */
const MARKETPLACE_REGISTRY = "709825985650";
const MANIFEST_TYPES = [
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
];

class CheckFailure extends Error {
    constructor(
        readonly detail: string,
        readonly fix?: string,
    ) {
        super(detail);
    }
}

const ok = (detail: string): CheckResult => ({ name: "", status: "ok", detail });
const fail = (detail: string, fix?: string): never => {
    throw new CheckFailure(detail, fix);
};

// ---------------------------------------------------------------------------------------------
// The stack's configuration, through the Pulumi CLI

interface StackConfig {
    project: string;
    stack: string;
    entries: ConfigEntries;
    /** `pulumi config` for this stack: the arguments that name it. */
    stackArgs: string[];
}

function projectName(): string {
    try {
        const text = fs.readFileSync(path.join(process.cwd(), "Pulumi.yaml"), "utf8");
        return /^name:\s*["']?([^"'\s#]+)/m.exec(text)?.[1] ?? "zscaler-mcp-harness";
    } catch {
        return "zscaler-mcp-harness";
    }
}

function readStackConfig(io: Io, stackFlag: string | undefined): StackConfig {
    const stackArgs = stackFlag ? ["--stack", stackFlag] : [];
    const entries = readConfigEntries(io, stackArgs);
    if (entries === undefined) {
        throw new OperatorError("npm run doctor reads the stack's configuration with the Pulumi CLI, which was not found. Install it, then run pulumi stack select <name>.");
    }
    const stack = stackFlag ?? (io.pulumi?.(["stack", "--show-name"]) ?? "").trim();
    if (!stack) {
        throw new OperatorError("No stack is selected: run pulumi stack select <name>, or pass --stack <name>.");
    }
    return { project: projectName(), stack, entries, stackArgs };
}

/**
 * Keys whose secret value the configuration check leaves unread: the credential, whose presence is
 * all it checks (the tool check of a deployed ECS stack reads it, for the header the harness sends).
 */
const UNREAD_SECRETS = ["zscalerClientSecret"];

/** The project keys stored with --secret whose values doctor reads to check them (all but the client secret). */
function checkedSecretKeys(c: StackConfig): string[] {
    const unread = UNREAD_SECRETS.map((k) => `${c.project}:${k}`);
    return Object.keys(c.entries).filter((k) => c.entries[k].secret && k.startsWith(`${c.project}:`) && !unread.includes(k));
}

/**
 * The settings the program would deploy with. A project key stored with --secret (other than the
 * client secret) is read (`revealed`, the stack's config with --show-secrets) to validate it as
 * pulumi up does; messages about a secret key never quote its value.
 */
function settingsOf(io: Io, c: StackConfig, revealed: () => ConfigEntries): Settings {
    const key = (k: string) => `${c.project}:${k}`;
    const secretKeys = checkedSecretKeys(c);
    const shown = secretKeys.length > 0 ? revealed() : {};
    const entry = (k: string) => (secretKeys.includes(key(k)) ? (shown[key(k)] ?? c.entries[key(k)]) : c.entries[key(k)]);
    const raw = {
        get: (k: string) => {
            const e = entry(k);
            return e === undefined ? undefined : (e.value ?? (e.secret ? "[secret]" : undefined));
        },
        isSecret: (k: string) => entry(k)?.secret === true,
        keys: () =>
            Object.keys(c.entries)
                .filter((k) => k.startsWith(`${c.project}:`))
                .map((k) => k.slice(c.project.length + 1)),
    };
    return loadSettings(raw, { project: c.project, stack: c.stack, region: c.entries["aws:region"]?.value ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION });
}

// ---------------------------------------------------------------------------------------------
// The checks

interface Context {
    settings: Settings;
    config: StackConfig;
    /** The stack's AWS identity (aws:profile, aws:assumeRoles, ...), as pulumi up signs with it. */
    aws: AwsAccess;
    signal?: AbortSignal;
    account?: string;
    /** The deployed stack's outputs (`pulumi stack output --json`); undefined before the first deploy. */
    outputs?: Record<string, unknown>;
    /** The value of a project key stored with --secret (read with --show-secrets, at most once). */
    secretValue: (key: string) => string | undefined;
    /** A value no line may show (a credential a check used). */
    hide: (value: string) => void;
}

function describeDenied(e: unknown, permission: string): string {
    return `AWS refused ${deniedAction(e) ?? permission} (${awsErrorName(e)})`;
}

async function checkCredentials(ctx: Context): Promise<CheckResult> {
    const sts = await import("@aws-sdk/client-sts");
    const client = new sts.STSClient(clientConfig(ctx.aws, "sts"));
    const { profile, assumeRoles } = ctx.aws.settings;
    let account: string | undefined;
    let arn: string | undefined;
    try {
        ({ Account: account, Arn: arn } = await client.send(new sts.GetCallerIdentityCommand({}), { abortSignal: ctx.signal }));
    } catch (e) {
        const name = awsErrorName(e);
        if (name === "CredentialsProviderError" && profile) {
            fail(`the profile ${profile} (aws:profile) gives no credentials: ${(e as Error).message}`, `aws sso login --profile ${profile}, or check the profile in ~/.aws/config and ~/.aws/credentials`);
        }
        if (name === "CredentialsProviderError") {
            fail("no AWS credentials found", "aws sso login, or set AWS_PROFILE (or pulumi config set aws:profile <profile>)");
        }
        if (assumeRoles?.length && deniedAction(e) === "sts:AssumeRole") {
            fail(
                `the stack's identity may not assume the role in aws:assumeRoles (${(e as Error).message})`,
                "allow it in the role's trust policy and in the identity's own policies, or correct aws:assumeRoles",
            );
        }
        if (/Expired/.test(name) || name === "RequestExpired") {
            fail(`the AWS credentials have expired (${name})`, "aws sso login, or renew the credentials in your environment");
        }
        if (["InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException", "AccessDenied"].includes(name)) {
            fail(`AWS does not accept these credentials (${name}: ${(e as Error).message})`, "check AWS_PROFILE or AWS_ACCESS_KEY_ID, or aws sso login");
        }
        throw e;
    }
    if (!account) {
        fail("STS answered without an account id");
    }
    // The same rule the stack's providers enforce.
    const excludedBy = accountExcludedBy(account!, ctx.aws.settings);
    if (excludedBy) {
        fail(
            `account ${account} is not one the stack allows (aws:${excludedBy})`,
            "use credentials for the stack's account (pulumi config set aws:profile <profile>, or aws:assumeRoles), or change aws:" + excludedBy,
        );
    }
    ctx.account = account;
    return ok(`account ${account} as ${arn}`);
}

async function checkAgentCore(ctx: Context): Promise<CheckResult> {
    const control = await import("@aws-sdk/client-bedrock-agentcore-control");
    const client = new control.BedrockAgentCoreControlClient(clientConfig(ctx.aws, "bedrockagentcore"));
    const region = ctx.settings.region;
    try {
        await client.send(new control.ListHarnessesCommand({ maxResults: 1 }), { abortSignal: ctx.signal });
    } catch (e) {
        if (isAccessDenied(e)) {
            fail(
                `${describeDenied(e, "bedrock-agentcore:ListHarnesses")} in ${region}`,
                "ask for AgentCore Harness preview access for this account, and permission for bedrock-agentcore:* (the deploy creates harnesses)",
            );
        }
        const code = (e as { code?: string }).code;
        if (["UnknownOperationException", "UnrecognizedClientException"].includes(awsErrorName(e)) || code === "ENOTFOUND") {
            fail(`AgentCore Harness does not answer in ${region} (${awsErrorName(e)})`, "deploy to a region that offers it: pulumi config set aws:region us-east-1");
        }
        throw e;
    }
    return ok(`AgentCore Harness answers in ${region}`);
}

async function checkModel(ctx: Context): Promise<CheckResult> {
    const { modelId } = ctx.settings.model;
    const region = ctx.settings.region;
    const setModel = "pulumi config set modelId <model or inference profile id>";
    const bedrock = await import("@aws-sdk/client-bedrock");
    const client = new bedrock.BedrockClient(clientConfig(ctx.aws, "bedrock"));
    const opts = { abortSignal: ctx.signal };
    let foundationModel = modelId;
    let kind = "model";
    const get = async <T>(call: () => Promise<T>, permission: string): Promise<T | undefined> => {
        try {
            return await call();
        } catch (e) {
            if (isNotFound(e)) {
                return undefined;
            }
            if (isAccessDenied(e)) {
                fail(describeDenied(e, permission), `grant your AWS identity ${permission}, or check the model id (${setModel})`);
            }
            throw e;
        }
    };
    // A system inference profile (us.*, eu.*, apac.*, global.*, ...) names the models behind it.
    if (parseModelId(modelId)?.kind === "inference-profile") {
        const profile = await get(
            () => client.send(new bedrock.GetInferenceProfileCommand({ inferenceProfileIdentifier: modelId }), opts),
            "bedrock:GetInferenceProfile",
        );
        if (!profile) {
            fail(`${modelId} is not an inference profile in ${region}`, setModel);
        }
        const arns = (profile!.models ?? []).map((m) => m.modelArn ?? "");
        const local = arns.find((a) => a.includes(`:${region}::`)) ?? arns[0];
        foundationModel = local?.split("/").pop() ?? modelId;
        kind = "inference profile";
    } else if (!(await get(() => client.send(new bedrock.GetFoundationModelCommand({ modelIdentifier: modelId }), opts), "bedrock:GetFoundationModel"))) {
        fail(`${modelId} is not a Bedrock model in ${region}`, setModel);
    }
    const a = await get(
        () => client.send(new bedrock.GetFoundationModelAvailabilityCommand({ modelId: foundationModel }), opts),
        "bedrock:GetFoundationModelAvailability",
    );
    if (!a) {
        fail(`Bedrock knows no model ${foundationModel} in ${region}`, setModel);
    }
    const console = `the Bedrock console in ${region}, Model access`;
    if (a!.regionAvailability === "NOT_AVAILABLE") {
        fail(`${foundationModel} is not offered in ${region}`, `choose a model offered there (${setModel}), or another region`);
    }
    if (a!.authorizationStatus === "NOT_AUTHORIZED") {
        fail(`your AWS identity is not authorized to use ${foundationModel}`, "allow bedrock:InvokeModel for it, and check no SCP denies the model");
    }
    if (a!.entitlementAvailability === "NOT_AVAILABLE") {
        fail(`model access to ${foundationModel} is not granted in this account`, `request access in ${console}`);
    }
    if (a!.agreementAvailability?.status && a!.agreementAvailability.status !== "AVAILABLE") {
        fail(
            `the model's agreement is ${a!.agreementAvailability.status}${a!.agreementAvailability.errorMessage ? ` (${a!.agreementAvailability.errorMessage})` : ""}`,
            `accept the model's offer in ${console}`,
        );
    }
    if (foundationModel.startsWith("anthropic.")) {
        try {
            await client.send(new bedrock.GetUseCaseForModelAccessCommand({}), opts);
        } catch (e) {
            if (isNotFound(e)) {
                fail("Anthropic models need the use-case form, and this account has not submitted it", `submit it once in ${console}`);
            }
            throw e;
        }
    }
    return ok(`${modelId} (${kind}${kind === "model" ? "" : ` for ${foundationModel}`}): access granted in ${region}`);
}

async function checkNetwork(ctx: Context): Promise<CheckResult> {
    const region = ctx.settings.region;
    const ec2 = await import("@aws-sdk/client-ec2");
    const client = new ec2.EC2Client(clientConfig(ctx.aws, "ec2"));
    const q = async <T>(action: string, call: () => Promise<T>): Promise<T> => {
        try {
            return await call();
        } catch (e) {
            if (isAccessDenied(e)) {
                fail(describeDenied(e, `ec2:${action}`), `grant your AWS identity ec2:${action} (the deploy uses the default VPC)`);
            }
            throw e;
        }
    };
    const opts = { abortSignal: ctx.signal };
    const { Vpcs: vpcs } = await q("DescribeVpcs", () => client.send(new ec2.DescribeVpcsCommand({ Filters: [{ Name: "is-default", Values: ["true"] }] }), opts));
    const vpcId = vpcs?.[0]?.VpcId;
    if (!vpcId) {
        fail(`no default VPC in ${region}; ECS Express Mode places the service there`, `aws ec2 create-default-vpc --region ${region}`);
    }
    const { Subnets: subnets = [] } = await q("DescribeSubnets", () =>
        client.send(new ec2.DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId!] }] }), opts),
    );
    const zones = new Set(subnets.map((s) => s.AvailabilityZone).filter(Boolean));
    if (zones.size < 2) {
        fail(
            `the default VPC ${vpcId} has subnets in ${zones.size} availability zone${zones.size === 1 ? "" : "s"}; the load balancer needs two`,
            `aws ec2 create-default-subnet --region ${region} --availability-zone <zone>`,
        );
    }
    return ok(`default VPC ${vpcId} with ${subnets.length} subnets in ${zones.size} availability zones`);
}

interface Platform {
    os?: string;
    architecture?: string;
}

/** The platforms an ECR image is built for: from its index, or from its config blob. */
async function ecrPlatforms(ctx: Context, image: { account: string; region: string }, repository: string, ref: { imageTag?: string; imageDigest?: string }): Promise<Platform[]> {
    const ecr = await import("@aws-sdk/client-ecr");
    // The image's own region: for topology ecs, the default image's registry is not the deploy region's.
    const client = new ecr.ECRClient(clientConfig(ctx.aws, "ecr", { region: image.region }));
    const opts = { abortSignal: ctx.signal };
    const answer = await client.send(
        new ecr.BatchGetImageCommand({ registryId: image.account, repositoryName: repository, imageIds: [ref], acceptedMediaTypes: MANIFEST_TYPES }),
        opts,
    );
    const manifestText = answer.images?.[0]?.imageManifest;
    if (!manifestText) {
        // BatchGetImage answers a missing image with a failure, not an error: name it as one.
        const f = answer.failures?.[0];
        throw Object.assign(new Error(f?.failureReason ?? "no such image"), { name: f?.failureCode ?? "ImageNotFound" });
    }
    const manifest = JSON.parse(manifestText) as { manifests?: { platform?: Platform }[]; config?: { digest?: string } };
    if (manifest.manifests) {
        return manifest.manifests.map((m) => m.platform ?? {}).filter((p) => p.architecture && p.architecture !== "unknown");
    }
    const digest = manifest.config?.digest;
    if (!digest) {
        return [];
    }
    const layer = await client.send(new ecr.GetDownloadUrlForLayerCommand({ registryId: image.account, repositoryName: repository, layerDigest: digest }), opts);
    // A presigned URL (S3 on AWS): the URL is the grant, nothing to sign.
    const blob = await fetch(layer.downloadUrl!, { signal: requestSignal(ctx.signal) });
    if (!blob.ok) {
        throw Object.assign(new Error(`the image's config ${digest} answered HTTP ${blob.status}`), { name: "ImageConfigUnreadable" });
    }
    const config = (await blob.json()) as Platform;
    return [{ os: config.os, architecture: config.architecture }];
}

async function checkImage(ctx: Context): Promise<CheckResult> {
    const s = ctx.settings;
    const uri = s.imageUri;
    const needed = s.topology === "gateway" ? "arm64" : "amd64";
    const runs = s.topology === "gateway" ? "AgentCore Runtime runs linux/arm64" : "Fargate runs linux/amd64";
    const ecr = parseEcrImage(uri);
    if (!ecr) {
        return { name: "", status: "skip", detail: `${uri} is outside Amazon ECR: its architecture is not checked (${runs})` };
    }
    const { repository, reference: ref } = ecr;
    let platforms: Platform[];
    try {
        platforms = await ecrPlatforms(ctx, ecr, repository, ref);
    } catch (e) {
        if (isAccessDenied(e) && ecr.account === MARKETPLACE_REGISTRY) {
            fail(
                `ECR refused the default image: this account is not subscribed to the Zscaler MCP Server in AWS Marketplace (${awsErrorName(e)})`,
                "subscribe to it in AWS Marketplace, or copy the image into your own ECR and pulumi config set imageUri <uri>",
            );
        }
        if (isAccessDenied(e)) {
            fail(`${describeDenied(e, "ecr:BatchGetImage")} on ${ecr.account}/${repository}`, "grant ecr:BatchGetImage on the repository, or use an image you can pull");
        }
        if (/NotFound/.test(awsErrorName(e)) || awsErrorName(e) === "ImageTagDoesNotMatchDigest") {
            fail(`${uri} does not exist in ECR (${awsErrorName(e)})`, "push the image, or pulumi config set imageUri <uri>");
        }
        throw e;
    }
    const archs = [...new Set(platforms.filter((p) => !p.os || p.os === "linux").map((p) => p.architecture!))];
    if (archs.length > 0 && !archs.includes(needed)) {
        fail(
            `${uri} is built for ${archs.map((a) => `linux/${a}`).join(", ")}; ${runs}`,
            `build it for linux/${needed} (docker buildx build --platform linux/amd64,linux/arm64 ...), push it, then pulumi config set imageUri <uri>`,
        );
    }
    const where = s.topology === "gateway" ? ` in ECR in ${s.region}` : "";
    return ok(`${uri}${where}: linux/${needed}${archs.length > 1 ? ` (of ${archs.join(", ")})` : ""}`);
}

function ownedBy(tags: Record<string, string> | undefined, ctx: Context): boolean {
    return tags?.["pulumi-project"] === ctx.settings.project && tags?.["pulumi-stack"] === ctx.settings.stack;
}

async function checkCognitoDomain(ctx: Context): Promise<CheckResult> {
    const s = ctx.settings;
    const prefix = s.names.cognitoDomainPrefix ?? `${s.names.cognitoDomainBase}-${ctx.account}`;
    const fix = "pulumi config set cognitoDomainPrefix <unique prefix>";
    const cognito = await import("@aws-sdk/client-cognito-identity-provider");
    const client = new cognito.CognitoIdentityProviderClient(clientConfig(ctx.aws, "cognitoidp"));
    const opts = { abortSignal: ctx.signal };
    const answer = await client.send(new cognito.DescribeUserPoolDomainCommand({ Domain: prefix }), opts).catch((e) => {
        if (isAccessDenied(e)) {
            fail(describeDenied(e, "cognito-idp:DescribeUserPoolDomain"), "grant your AWS identity cognito-idp:DescribeUserPoolDomain");
        }
        throw e;
    });
    const taken = answer.DomainDescription;
    if (!taken?.UserPoolId) {
        return ok(`domain prefix ${prefix} is free in ${s.region}`);
    }
    if (taken.AWSAccountId && taken.AWSAccountId !== ctx.account) {
        fail(`domain prefix ${prefix} is taken by another AWS account in ${s.region}`, fix);
    }
    const tags = await client.send(
        new cognito.ListTagsForResourceCommand({ ResourceArn: `arn:aws:cognito-idp:${s.region}:${ctx.account}:userpool/${taken.UserPoolId}` }),
        opts,
    );
    if (!ownedBy(tags.Tags, ctx)) {
        fail(`domain prefix ${prefix} belongs to user pool ${taken.UserPoolId} in this account, not to this stack`, fix);
    }
    return ok(`domain prefix ${prefix} is already this stack's (user pool ${taken.UserPoolId})`);
}

async function checkSecret(ctx: Context): Promise<CheckResult> {
    const name = ctx.settings.secrets.externalSecretName!;
    const secrets = await import("@aws-sdk/client-secrets-manager");
    const client = new secrets.SecretsManagerClient(clientConfig(ctx.aws, "secretsmanager"));
    try {
        const d = await client.send(new secrets.DescribeSecretCommand({ SecretId: name }), { abortSignal: ctx.signal });
        if (d.DeletedDate) {
            fail(`the secret ${name} is scheduled for deletion`, `aws secretsmanager restore-secret --secret-id ${name}`);
        }
        // pulumi up reads the value to check its keys; so does doctor (only the key names are shown).
        const value = await client.send(new secrets.GetSecretValueCommand({ SecretId: d.ARN ?? name }), { abortSignal: ctx.signal });
        const { keys, missing, problem } = credentialKeysIn(value.SecretString);
        if (problem || missing.length > 0) {
            fail(
                `the secret ${d.Name ?? name} ${problem ?? `holds no ${missing.join(", ")}`}`,
                `make its value a JSON object with ${REQUIRED_CREDENTIAL_KEYS.join(", ")} (ZSCALER_CLOUD optional)`,
            );
        }
        return ok(`the secret ${d.Name ?? name} holds ${keys.join(", ")}`);
    } catch (e) {
        if (e instanceof CheckFailure) {
            throw e;
        }
        if (isNotFound(e)) {
            fail(`no secret ${name} in ${ctx.settings.region}`, "create it (a JSON object with ZSCALER_CLIENT_ID, ZSCALER_CLIENT_SECRET, ...) or pulumi config set --plaintext zscalerSecretName <name or ARN>");
        }
        if (isAccessDenied(e)) {
            fail(
                describeDenied(e, "secretsmanager:DescribeSecret and secretsmanager:GetSecretValue"),
                "grant your AWS identity secretsmanager:DescribeSecret and secretsmanager:GetSecretValue on the secret, and kms:Decrypt on its key when it is a customer-managed one (pulumi up reads it)",
            );
        }
        throw e;
    }
}

interface NameProbe {
    what: string;
    name: string;
    /** How to choose another name. */
    fix: string;
    /** The tags of the resource of that name, `null` when there is none. */
    find: () => Promise<Record<string, string> | null>;
}

async function checkNames(ctx: Context): Promise<CheckResult> {
    const s = ctx.settings;
    const region = s.region;
    const control = await import("@aws-sdk/client-bedrock-agentcore-control");
    const agentcore = new control.BedrockAgentCoreControlClient(clientConfig(ctx.aws, "bedrockagentcore"));
    const opts = { abortSignal: ctx.signal };
    const agentcoreTags = async (arn: string) => (await agentcore.send(new control.ListTagsForResourceCommand({ resourceArn: arn }), opts)).tags ?? {};
    const arnPrefix = `arn:aws:bedrock-agentcore:${region}:${ctx.account}`;
    const probes: NameProbe[] = [
        {
            what: "harness",
            name: s.names.harness,
            fix: "pulumi config set harnessName <name>",
            find: async () => {
                for (let token: string | undefined, first = true; first || token; first = false) {
                    const page = await agentcore.send(new control.ListHarnessesCommand({ nextToken: token }), opts);
                    const hit = page.harnesses?.find((h) => h.harnessName === s.names.harness);
                    if (hit) {
                        return agentcoreTags(hit.arn!);
                    }
                    token = page.nextToken;
                }
                return null;
            },
        },
    ];
    const credentialProvider = (what: string, name: string, key: string, get: () => Promise<{ credentialProviderArn?: string }>): NameProbe => ({
        what,
        name,
        fix: `pulumi config set ${key} <name>`,
        find: async () => {
            try {
                return agentcoreTags((await get()).credentialProviderArn!);
            } catch (e) {
                if (isNotFound(e)) {
                    return null;
                }
                throw e;
            }
        },
    });
    if (s.topology === "ecs") {
        probes.push(
            credentialProvider("API-key credential provider", s.names.apiKeyProvider, "apiKeyProviderName", () =>
                agentcore.send(new control.GetApiKeyCredentialProviderCommand({ name: s.names.apiKeyProvider }), opts),
            ),
        );
        if (s.mcpUrl === undefined) {
            probes.push(...(await ecsProbes(ctx)));
        }
    } else {
        probes.push(
            credentialProvider("OAuth2 credential provider", s.names.oauthProvider, "oauthProviderName", () =>
                agentcore.send(new control.GetOauth2CredentialProviderCommand({ name: s.names.oauthProvider }), opts),
            ),
            {
                what: "runtime",
                name: s.names.runtime,
                fix: "pulumi config set runtimeName <name>",
                find: async () => {
                    const list = await agentcore.send(new control.ListAgentRuntimesCommand({}), opts);
                    const hit = list.agentRuntimes?.find((r) => r.agentRuntimeName === s.names.runtime);
                    return hit ? agentcoreTags(hit.agentRuntimeArn!) : null;
                },
            },
            {
                what: "gateway",
                name: s.names.gateway,
                fix: "pulumi config set gatewayName <name>",
                find: async () => {
                    const list = await agentcore.send(new control.ListGatewaysCommand({}), opts);
                    const hit = list.items?.find((g) => g.name === s.names.gateway);
                    return hit ? agentcoreTags(`${arnPrefix}:gateway/${hit.gatewayId}`) : null;
                },
            },
        );
    }
    const problems: string[] = [];
    const fixes: string[] = [];
    const own: string[] = [];
    for (const p of probes) {
        let tags: Record<string, string> | null;
        try {
            tags = await p.find();
        } catch (e) {
            if (e instanceof CheckFailure) {
                problems.push(e.detail);
                if (e.fix) {
                    fixes.push(e.fix);
                }
                continue;
            }
            if (isAccessDenied(e)) {
                problems.push(`could not look up the ${p.what} ${p.name}: ${describeDenied(e, "a read permission")}`);
                fixes.push("grant your AWS identity read access to it");
                continue;
            }
            throw e;
        }
        if (tags === null) {
            continue;
        }
        if (ownedBy(tags, ctx)) {
            own.push(p.what);
        } else {
            problems.push(`the ${p.what} ${p.name} already exists and is not this stack's`);
            fixes.push(`${p.fix}, or delete it`);
        }
    }
    if (problems.length > 0) {
        fail(problems.join("; "), [...new Set(fixes)].join("; "));
    }
    const names = probes.map((p) => p.what).join(", ");
    return ok(`${probes.length - own.length} of ${probes.length} names free (${names})${own.length ? `; ${own.join(", ")} already this stack's` : ""}`);
}

async function ecsProbes(ctx: Context): Promise<NameProbe[]> {
    const s = ctx.settings;
    const ecs = await import("@aws-sdk/client-ecs");
    const logs = await import("@aws-sdk/client-cloudwatch-logs");
    const ecsClient = new ecs.ECSClient(clientConfig(ctx.aws, "ecs"));
    const logsClient = new logs.CloudWatchLogsClient(clientConfig(ctx.aws, "logs"));
    const opts = { abortSignal: ctx.signal };
    const cluster = s.ecs.existingClusterName ?? s.names.cluster;
    const ecsTags = (list?: { key?: string; value?: string }[]) => Object.fromEntries((list ?? []).map((t) => [t.key ?? "", t.value ?? ""]));
    const probes: NameProbe[] = [];
    if (s.ecs.existingClusterName) {
        probes.push({
            what: "existing cluster",
            name: cluster,
            fix: "",
            find: async () => {
                const d = await ecsClient.send(new ecs.DescribeClustersCommand({ clusters: [cluster] }), opts);
                if (d.clusters?.[0]?.status !== "ACTIVE") {
                    fail(`the ECS cluster ${cluster} named in ecsClusterName does not exist in ${s.region}`, "create it, or pulumi config rm ecsClusterName");
                }
                return null;
            },
        });
    } else {
        probes.push({
            what: "ECS cluster",
            name: cluster,
            fix: "pulumi config set ecsClusterName <existing cluster> to use it",
            find: async () => {
                const d = await ecsClient.send(new ecs.DescribeClustersCommand({ clusters: [cluster], include: ["TAGS"] }), opts);
                const c = d.clusters?.find((x) => x.status === "ACTIVE");
                return c ? ecsTags(c.tags) : null;
            },
        });
    }
    probes.push(
        {
            what: "ECS service",
            name: s.names.service,
            fix: "pulumi config set ecsServiceName <name>",
            find: async () => {
                try {
                    const d = await ecsClient.send(new ecs.DescribeServicesCommand({ cluster, services: [s.names.service], include: ["TAGS"] }), opts);
                    const svc = d.services?.find((x) => x.status === "ACTIVE" || x.status === "DRAINING");
                    if (svc?.status === "DRAINING") {
                        fail(`the ECS service ${s.names.service} is still draining from an earlier delete`, "wait 1-3 minutes, or pulumi config set ecsServiceName <name>");
                    }
                    return svc ? ecsTags(svc.tags) : null;
                } catch (e) {
                    if (awsErrorName(e) === "ClusterNotFoundException") {
                        return null;
                    }
                    throw e;
                }
            },
        },
        {
            what: "log group",
            name: s.names.logGroup,
            fix: `aws logs delete-log-group --log-group-name ${s.names.logGroup} if nothing needs it`,
            find: async () => {
                const d = await logsClient.send(new logs.DescribeLogGroupsCommand({ logGroupNamePrefix: s.names.logGroup }), opts);
                const g = d.logGroups?.find((x) => x.logGroupName === s.names.logGroup);
                if (!g) {
                    return null;
                }
                const arn = (g.arn ?? "").replace(/:\*$/, "");
                return (await logsClient.send(new logs.ListTagsForResourceCommand({ resourceArn: arn }), opts)).tags ?? {};
            },
        },
    );
    return probes;
}

// ---------------------------------------------------------------------------------------------
// The deployed server's tools

/** How long doctor waits for a server that is still starting: on a deployed stack it should answer at once. */
const TOOLS_WAIT_MS = 30_000;

/**
 * The deploy's tool check (providers/toolCheck.ts) on the deployed stack: its URL from the stack's
 * outputs; for ecs the Basic header from the client id and secret in config, for gateway a token
 * for the app client, whose secret Cognito hands to the stack's identity.
 */
async function checkServerTools(ctx: Context): Promise<CheckResult> {
    const s = ctx.settings;
    const out = ctx.outputs ?? {};
    const str = (k: string) => (typeof out[k] === "string" && out[k] !== "" ? (out[k] as string) : undefined);
    const skip = (detail: string): CheckResult => ({ name: "", status: "skip", detail });
    if (!s.verifyTools) {
        return skip("verifyTools is false: the stack does not call its MCP server");
    }
    let target: ToolTarget;
    if ((str("topology") ?? s.topology) === "gateway") {
        const [url, tokenEndpoint, userPoolId, clientId] = [str("gatewayUrl"), str("cognitoTokenEndpoint"), str("cognitoUserPoolId"), str("cognitoClientId")];
        if (!url || !tokenEndpoint || !userPoolId || !clientId) {
            return skip("the stack's outputs name no gateway URL and Cognito app client yet: run pulumi up");
        }
        const cognito = await import("@aws-sdk/client-cognito-identity-provider");
        const client = new cognito.CognitoIdentityProviderClient(clientConfig(ctx.aws, "cognitoidp"));
        const answer = await client
            .send(new cognito.DescribeUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: clientId }), { abortSignal: ctx.signal })
            .catch((e) => {
                if (isAccessDenied(e)) {
                    fail(describeDenied(e, "cognito-idp:DescribeUserPoolClient"), "grant your AWS identity cognito-idp:DescribeUserPoolClient on the stack's user pool");
                }
                if (isNotFound(e)) {
                    fail(`the Cognito app client ${clientId} of user pool ${userPoolId} does not exist`, "pulumi up --refresh creates it again");
                }
                throw e;
            });
        const clientSecret = answer.UserPoolClient?.ClientSecret;
        if (!clientSecret) {
            fail(`the Cognito app client ${clientId} has no secret`, "pulumi up --refresh restores it");
        }
        ctx.hide(clientSecret!);
        target = { kind: "agentcore_gateway", url, tokenEndpoint, clientId, clientSecret: clientSecret!, scope: OAUTH_SCOPE.full };
    } else {
        const url = str("mcpUrl");
        if (!url) {
            return skip("the stack's outputs name no MCP URL yet: run pulumi up");
        }
        const clientId = s.zscaler.clientId;
        const clientSecret = ctx.secretValue("zscalerClientSecret");
        if (!clientId || !clientSecret) {
            fail(
                "the header the harness sends needs zscalerClientId and zscalerClientSecret, and the configuration lacks one",
                "pulumi config set zscalerClientId <client id>, and pulumi config set --secret zscalerClientSecret <client secret>",
            );
        }
        const authorization = basicAuthHeader(clientId!, clientSecret!);
        for (const v of [clientSecret!, authorization, authorization.slice("Basic ".length)]) {
            ctx.hide(v);
        }
        target = { kind: "remote_mcp", url, authorization };
    }
    // Loaded only when a deployed stack is checked (the MCP SDK is not small); require, as a
    // dynamic import of a .ts path goes through the ES module loader.
    const { checkTools, ToolCheckError } = require("../providers/toolCheck") as typeof import("../providers/toolCheck");
    try {
        const r = await checkTools(target, { waitMs: TOOLS_WAIT_MS, signal: ctx.signal });
        const server = [r.serverName, r.serverVersion].filter(Boolean).join(" ") || "the server";
        return ok(`${server}: ${r.toolCount} tools over MCP ${r.protocolVersion}`);
    } catch (e) {
        if (e instanceof ToolCheckError) {
            fail(e.problem, e.fix);
        }
        throw e;
    }
}

// ---------------------------------------------------------------------------------------------
// Running and printing

interface PlannedCheck {
    name: string;
    run: () => Promise<CheckResult>;
}

async function settle(check: PlannedCheck): Promise<CheckResult> {
    try {
        const r = await check.run();
        return { ...r, name: check.name };
    } catch (e) {
        if (e instanceof CheckFailure) {
            return { name: check.name, status: "fail", detail: e.detail, fix: e.fix };
        }
        if ((e as Error).name === "AbortError") {
            throw e;
        }
        if (awsErrorName(e) === "TimeoutError") {
            return {
                name: check.name,
                status: "fail",
                detail: `AWS did not answer in time (${(e as Error).message})`,
                fix: "check the network (proxy, VPN) and any endpoint set in aws:endpoints or AWS_ENDPOINT_URL, then run npm run doctor again",
            };
        }
        return { name: check.name, status: "fail", detail: `${awsErrorName(e)}: ${(e as Error).message}` };
    }
}

function plan(ctx: Context): PlannedCheck[] {
    const s = ctx.settings;
    const checks: PlannedCheck[] = [
        { name: "agentcore", run: () => checkAgentCore(ctx) },
        { name: "model", run: () => checkModel(ctx) },
    ];
    if (s.topology === "ecs" && s.deploysServer) {
        checks.push({ name: "network", run: () => checkNetwork(ctx) });
    }
    if (s.deploysServer) {
        checks.push({ name: "image", run: () => checkImage(ctx) });
    }
    if (s.topology === "gateway") {
        checks.push({ name: "cognito domain", run: () => checkCognitoDomain(ctx) });
    }
    if (s.deploysServer && s.secrets.mode === "external") {
        checks.push({ name: "secret", run: () => checkSecret(ctx) });
    }
    checks.push({ name: "names", run: () => checkNames(ctx) });
    if (typeof ctx.outputs?.harnessArn === "string") {
        checks.push({ name: "tools", run: () => checkServerTools(ctx) });
    }
    return checks;
}

/** The stack's outputs, when it has been deployed (`pulumi stack output --json`); undefined when they cannot be read. */
function stackOutputs(io: Io, c: StackConfig): Record<string, unknown> | undefined {
    try {
        const parsed: unknown = JSON.parse(io.pulumi?.(["stack", "output", "--json", ...c.stackArgs]) || "{}");
        return parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : undefined;
    } catch (e) {
        if (e instanceof OperatorError && e.exitCode === EXIT.interrupted) {
            throw e;
        }
        // A stack that cannot show its outputs has none to check.
        return undefined;
    }
}

function line(io: Io, r: CheckResult, width: number): string {
    const mark = r.status === "ok" ? paint(io, "green", "ok  ") : r.status === "fail" ? paint(io, "red", "FAIL") : paint(io, "yellow", "skip");
    return `${mark}  ${r.name.padEnd(width)}  ${r.detail}${r.fix ? `. Fix: ${r.fix}` : ""}\n`;
}

export async function runDoctor(argv: string[], io: Io): Promise<number> {
    const args = parseCommand(DOCTOR_SPEC, argv);
    if (args === "help") {
        io.stdout.write(usage(DOCTOR_SPEC));
        return EXIT.ok;
    }
    const json = args.values.json === true;
    const config = readStackConfig(io, stringOption(args, "stack"));
    // The stack's secret values, read at most once, and only when a key that needs them is secret.
    let secrets: ConfigEntries | undefined;
    const revealed = () => (secrets ??= readConfigEntries(io, [...config.stackArgs, "--show-secrets"]) ?? {});
    // A check names what it looked at (a model, an image, a secret's name): never a secret value.
    const used: string[] = [];
    const hidden = () =>
        [...checkedSecretKeys(config).map((k) => secrets?.[k]?.value), ...used].filter((v): v is string => typeof v === "string" && v.length >= 4);
    const hide = (text: string) => hidden().reduce((t, v) => t.split(v).join("(secret value not shown)"), text);
    const results: CheckResult[] = [];
    const width = "cognito domain".length;
    const emit = (found: CheckResult) => {
        const r = { ...found, detail: hide(found.detail), ...(found.fix !== undefined ? { fix: hide(found.fix) } : {}) };
        results.push(r);
        if (!json) {
            io.stdout.write(line(io, r, width));
        }
    };
    let settings: Settings | undefined;
    try {
        settings = settingsOf(io, config, revealed);
    } catch (e) {
        if (!(e instanceof SettingsError)) {
            throw e;
        }
        if (!json) {
            io.stdout.write(`Stack ${config.stack}\n`);
        }
        emit({ name: "configuration", status: "fail", detail: e.problems.join(" "), fix: "correct the keys named above with pulumi config set" });
    }
    if (settings) {
        if (!json) {
            io.stdout.write(`Stack ${config.stack} · topology ${settings.topology} · region ${settings.region}\n`);
        }
        emit({ name: "configuration", status: "ok", detail: settings.warnings.length ? `valid, with warnings: ${settings.warnings.join(" ")}` : "valid" });
        // The identity pulumi up signs with: the stack's aws:* settings (a secret one read with --show-secrets).
        const awsSettings = stackAwsSettings(config.entries, revealed);
        const aws = await useStackIdentity(awsSettings, settings.region, { signal: io.signal, attempts: 2 });
        const ctx: Context = {
            settings,
            config,
            aws,
            signal: io.signal,
            outputs: stackOutputs(io, config),
            secretValue: (k) => revealed()[`${config.project}:${k}`]?.value,
            hide: (v) => used.push(v),
        };
        const identity = await settle({ name: "credentials", run: () => checkCredentials(ctx) });
        emit(identity);
        const planned = plan(ctx);
        if (identity.status !== "ok") {
            for (const c of planned) {
                emit({ name: c.name, status: "skip", detail: "needs working credentials" });
            }
        } else {
            // The checks run side by side and print in a fixed order.
            const running = planned.map((c) => settle(c));
            // A Ctrl-C aborts them all, in any order: a later check's rejection must not go
            // unhandled while an earlier one is awaited (the first one is reported).
            for (const r of running) {
                r.catch(() => undefined);
            }
            for (const r of running) {
                emit(await r);
            }
        }
    }
    const failed = results.filter((r) => r.status === "fail").length;
    if (json) {
        io.stdout.write(
            JSON.stringify({ stack: config.stack, topology: settings?.topology, region: settings?.region, ok: failed === 0, checks: results }, null, 2) + "\n",
        );
    } else {
        io.stdout.write(
            failed === 0
                ? paint(io, "green", `All ${results.filter((r) => r.status === "ok").length} checks passed.`) + "\n"
                : paint(io, "red", `${failed} of ${results.length} checks failed.`) + "\n",
        );
    }
    return failed === 0 ? EXIT.ok : EXIT.failed;
}
