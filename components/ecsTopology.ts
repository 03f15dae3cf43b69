/**
 * The ECS topology: the MCP server on ECS Express Mode (Fargate, managed ALB, HTTPS URL), reached
 * by the harness's `remote_mcp` tool with an `Authorization: Basic ...` header stored in the Token
 * Vault. With a user-supplied MCP URL, no ECS piece and no secret is created.
 */
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { ApiKeyCredentialProvider } from "../providers/apiKeyCredentialProvider";
import { ExpressGatewayService } from "../providers/expressGatewayService";
import { ExpressGatewayServiceRollout } from "../providers/expressGatewayServiceRollout";
import { stableStringify } from "../providers/lifecycle";
import { serverRevision, ToolCheck } from "../providers/toolCheck";
import { basicAuthHeader, CREDENTIALS_VERSION_ENV, credentialValues, ecsServerEnvironment } from "./env";
import { HarnessAgent, harnessAgentArgs, harnessAgentOptions, TOPOLOGY_TYPES } from "./harnessAgent";
import { ecsInfrastructureTrustPolicy, ecsTaskExecutionTrustPolicy, INLINE_POLICY_NAMES, MANAGED_POLICIES, taskExecutionPolicy, taskSecretPolicy } from "./policies";
import { DEFAULTS, Settings } from "./settings";
import { credentialsArgs, ExternalSecret, ZscalerCredentials } from "./zscalerCredentials";

export interface EcsTopologyArgs {
    /** Validated settings (see settings.ts); the topology is `ecs`. */
    readonly settings: Readonly<Settings>;
    readonly accountId: pulumi.Input<string>;
    /** For secretsMode external: the secret, already read and checked. */
    readonly externalSecret?: ExternalSecret;
    /** The log group is in the account with this stack's tags: take it over (see program.ts). */
    readonly adoptLogGroup?: boolean;
}

export class EcsTopology extends pulumi.ComponentResource {
    readonly agent: HarnessAgent;
    readonly credentialProvider: ApiKeyCredentialProvider;
    /** The URL the harness calls: `https://<fqdn>/mcp`, or the user's normalised URL. */
    readonly mcpUrl: pulumi.Output<string>;
    readonly service?: ExpressGatewayService;
    readonly allowListRollout?: ExpressGatewayServiceRollout;
    readonly clusterName?: pulumi.Output<string>;
    readonly logGroupName?: pulumi.Output<string>;
    readonly secretArn?: pulumi.Output<string>;
    readonly taskExecutionRoleArn?: pulumi.Output<string>;
    /** The call to the server as the harness makes it, after each change of the server (absent with verifyTools false). */
    readonly toolCheck?: ToolCheck;

    constructor(name: string, args: EcsTopologyArgs, opts?: pulumi.ComponentResourceOptions) {
        super(TOPOLOGY_TYPES.ecs, name, {}, opts);
        const s = args.settings;
        const z = s.zscaler;
        const tags = s.tags;

        // What identifies the server the harness calls: a change runs the tool check again.
        let revision: pulumi.Output<string>;
        if (s.mcpUrl !== undefined) {
            this.mcpUrl = pulumi.output(s.mcpUrl);
            revision = pulumi.output(serverRevision({ url: s.mcpUrl }));
        } else {
            // 5. Where the credentials live (first: the task role's policy names the secret).
            const credentials = new ZscalerCredentials(`${name}-credentials`, credentialsArgs(s, args.externalSecret), { parent: this });
            this.secretArn = credentials.secretArn;

            // 1. Task execution role: the image from its own repository, the service's log group, and
            // exactly the Zscaler secret (in place of the managed policy, which allows any of each).
            const taskRole = new aws.iam.Role(
                `${name}-task-exec-role`,
                {
                    description: "ECS task execution role of the Zscaler MCP server",
                    assumeRolePolicy: pulumi.output(args.accountId).apply((account) => JSON.stringify(ecsTaskExecutionTrustPolicy({ account }))),
                    tags,
                },
                { parent: this, retainOnDelete: s.keep.serviceRoles },
            );
            const taskPolicy = new aws.iam.RolePolicy(
                `${name}-task-exec-policy`,
                {
                    role: taskRole.id,
                    name: INLINE_POLICY_NAMES.taskExecution,
                    policy: pulumi
                        .output(args.accountId)
                        .apply((account) => JSON.stringify(taskExecutionPolicy({ region: s.region, account, imageUri: s.imageUri, logGroup: s.names.logGroup }))),
                },
                { parent: this, retainOnDelete: s.keep.serviceRoles },
            );
            const attached: pulumi.Output<string>[] = [taskPolicy.id];
            if (credentials.secretArn !== undefined) {
                const secretPolicy = new aws.iam.RolePolicy(
                    `${name}-task-exec-secret-policy`,
                    { role: taskRole.id, name: INLINE_POLICY_NAMES.taskSecret, policy: credentials.secretArn.apply((secretArn) => JSON.stringify(taskSecretPolicy({ region: s.region, secretArn }))) },
                    { parent: this, retainOnDelete: s.keep.serviceRoles },
                );
                attached.push(secretPolicy.id);
            }
            this.taskExecutionRoleArn = pulumi.all([taskRole.arn, ...attached]).apply(([arn]) => arn);

            // 2. Infrastructure role ECS uses to build the load balancer and scaling.
            const infraRole = new aws.iam.Role(
                `${name}-infra-role`,
                { description: "ECS Express infrastructure role of the Zscaler MCP server", assumeRolePolicy: JSON.stringify(ecsInfrastructureTrustPolicy()), tags },
                { parent: this, retainOnDelete: s.keep.serviceRoles },
            );
            const infraManaged = new aws.iam.RolePolicyAttachment(
                `${name}-infra-managed`,
                { role: infraRole.name, policyArn: MANAGED_POLICIES.ecsInfrastructureExpress },
                { parent: this, retainOnDelete: s.keep.serviceRoles },
            );
            const infraRoleArn = pulumi.all([infraRole.arn, infraManaged.id]).apply(([arn]) => arn);

            // 3. The cluster: the stack's own, or an existing one that destroy leaves alone.
            if (s.ecs.existingClusterName) {
                this.clusterName = aws.ecs.getClusterOutput({ clusterName: s.ecs.existingClusterName }, { parent: this }).clusterName;
            } else {
                const cluster = new aws.ecs.Cluster(`${name}-cluster`, { name: s.names.cluster, tags }, { parent: this, retainOnDelete: s.keep.ecs });
                this.clusterName = cluster.name;
            }

            // 4. The container's log group.
            const logGroup = new aws.cloudwatch.LogGroup(
                `${name}-logs`,
                { name: s.names.logGroup, retentionInDays: 30, tags },
                { parent: this, retainOnDelete: s.keep.ecs, ...(args.adoptLogGroup ? { import: s.names.logGroup } : {}) },
            );
            this.logGroupName = logGroup.name;

            // 6. The service. Credentials reach the container through secrets[] in the Secrets
            // Manager modes, and through a secret-marked environment in plaintext mode.
            // The secret's keys (those the stack writes, or those an external secret holds), and its
            // version: new credentials make a new version, and so a new deployment of the server.
            const plainEnv = ecsServerEnvironment(s, DEFAULTS.containerPort);
            const container = pulumi.all([credentials.secretArn, credentials.keys, credentials.versionId]).apply(([secretArn, keys, versionId]) => ({
                image: s.imageUri,
                containerPort: DEFAULTS.containerPort,
                logGroup: s.names.logGroup,
                logStreamPrefix: DEFAULTS.logStreamPrefix,
                environment:
                    s.secrets.mode === "plaintext"
                        ? { ...plainEnv, ...credentialValues(z) }
                        : { ...plainEnv, ...(versionId ? { [CREDENTIALS_VERSION_ENV]: versionId } : {}) },
                secrets: secretArn ? Object.fromEntries((keys ?? []).map((k) => [k, `${secretArn}:${k}::`])) : {},
            }));
            this.service = new ExpressGatewayService(
                `${name}-service`,
                {
                    region: s.region,
                    serviceName: s.names.service,
                    cluster: this.clusterName,
                    executionRoleArn: this.taskExecutionRoleArn,
                    infrastructureRoleArn: infraRoleArn,
                    healthCheckPath: DEFAULTS.healthCheckPath,
                    cpu: s.ecs.cpu,
                    memory: s.ecs.memory,
                    container: s.secrets.mode === "plaintext" ? pulumi.secret(container) : container,
                    hostValidation: s.ecs.hostValidation,
                    allowedHosts: s.ecs.allowedHosts,
                    // The URL is handed out once the allow-list rollout starts; the rollout below
                    // finishes while the harness is being created.
                    waitForAllowList: false,
                    tags,
                },
                { parent: this, dependsOn: [logGroup], retainOnDelete: s.keep.ecs },
            );
            this.allowListRollout = new ExpressGatewayServiceRollout(
                `${name}-allow-list`,
                {
                    region: s.region,
                    serviceArn: this.service.serviceArn,
                    serviceName: s.names.service,
                    cluster: this.clusterName,
                    allowedHostsValue: this.service.allowedHostsValue,
                    revisionArn: this.service.allowListRevisionArn,
                    startedAt: this.service.allowListStartedAt,
                },
                { parent: this },
            );
            this.mcpUrl = this.service.mcpUrl;
            // The service, its image, the secret's version, and the rest of what a deployment
            // changes (settings, size, allowed hosts; in plaintext mode the credentials other than
            // the id and secret, which the tool check's own header covers).
            const deployment = configDigest({
                environment: plainEnv,
                cpu: s.ecs.cpu,
                memory: s.ecs.memory,
                hostValidation: s.ecs.hostValidation,
                allowedHosts: s.ecs.allowedHosts,
                ...(s.secrets.mode === "plaintext" ? { customerId: z.customerId, vanityDomain: z.vanityDomain, cloud: z.cloud } : {}),
            });
            revision = pulumi
                .all([this.service.serviceArn, credentials.versionId])
                .apply(([serviceArn, versionId]) => serverRevision({ service: serviceArn, image: s.imageUri, credentials: versionId, config: deployment }));
        }

        // 7. The Token Vault holds the whole header value; the harness substitutes it per call.
        const authorization = pulumi.secret(basicAuthHeader(z.clientId!, z.clientSecret!));
        this.credentialProvider = new ApiKeyCredentialProvider(
            `${name}-api-key`,
            {
                region: s.region,
                name: s.names.apiKeyProvider,
                apiKey: authorization,
                revision: s.secrets.tokenVaultRevision,
                tags,
            },
            { parent: this },
        );

        // 8-9. The harness role and the harness with the remote_mcp tool.
        const tool = pulumi.all([this.mcpUrl, this.credentialProvider.credentialProviderArn]).apply(([url, providerArn]) => ({
            type: "remote_mcp" as const,
            name: DEFAULTS.toolName,
            config: { remoteMcp: { url, headers: { Authorization: `\${${providerArn}}` } } },
        }));
        const tokenVault = pulumi
            .all([this.credentialProvider.credentialProviderArn, this.credentialProvider.apiKeySecretArn])
            .apply(([providerArn, secretArn]) => [{ kind: "apiKey" as const, providerArn, secretArn }]);
        this.agent = new HarnessAgent(`${name}-agent`, harnessAgentArgs(s, args.accountId, tool, tokenVault), harnessAgentOptions(name, "gateway", this));

        // 10. The server answers as the harness will call it: once the harness exists and the
        // service's own address is in its Host allow-list.
        if (s.verifyTools) {
            this.toolCheck = new ToolCheck(
                `${name}-tool-check`,
                { region: s.region, kind: "remote_mcp", url: this.mcpUrl, authorization, revision },
                { parent: this, dependsOn: [this.agent.harness, ...(this.allowListRollout ? [this.allowListRollout] : [])] },
            );
        }
        this.registerOutputs({
            mcpUrl: this.mcpUrl,
            harnessArn: this.agent.harness.arn,
            credentialProviderArn: this.credentialProvider.credentialProviderArn,
            serviceArn: this.service?.serviceArn,
            clusterName: this.clusterName,
            logGroupName: this.logGroupName,
            secretArn: this.secretArn,
            toolCount: this.toolCheck?.toolCount,
        });
    }
}

/** A short digest of settings that make a new deployment when they change (for the tool check's revision). */
function configDigest(settings: Record<string, unknown>): string {
    return crypto.createHash("sha256").update(stableStringify(settings)).digest("hex").slice(0, 16);
}
