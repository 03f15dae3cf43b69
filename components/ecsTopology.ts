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
import { HARNESS_TOOL_NAME } from "../aws/names";
import {
    ecsInfrastructureTrustPolicy,
    ecsTaskExecutionTrustPolicy,
    INLINE_POLICY_NAMES,
    MANAGED_POLICIES,
    taskExecutionPolicy,
    taskSecretPolicy,
} from "../aws/policies";
import { CREDENTIALS_VERSION_ENV, ecsServerEnvironment, SERVER_LISTEN } from "../server/env";
import { HarnessAgent, topologyAgent, TopologyArgs, TOPOLOGY_TYPES } from "./harnessAgent";
import { ServiceRole } from "./role";
import { ZscalerCredentials, ZscalerCredentialsArgs } from "./zscalerCredentials";

/** The MCP server this stack runs on ECS Express Mode. */
export interface EcsServerArgs {
    readonly imageUri: string;
    readonly serviceName: string;
    /** The stack's own cluster (created), or an existing one (looked up, left alone by destroy). */
    readonly cluster: { readonly create: string } | { readonly existing: string };
    readonly logGroupName: string;
    /** The log group is in the account with this stack's tags: take it over (see program.ts). */
    readonly adoptLogGroup: boolean;
    readonly cpu: string;
    readonly memory: string;
    readonly hostValidation: "auto" | "disabled";
    readonly allowedHosts: readonly string[];
    /** The user's extra environment for the server (validated: nothing that weakens it unacknowledged). */
    readonly containerEnv: Readonly<Record<string, string>>;
    /** The extra environment is a secret (set with --secret): the container's definition is secret in state. */
    readonly secretEnvironment?: boolean;
    /** Where the server's Zscaler credentials live. */
    readonly credentials: ZscalerCredentialsArgs;
    /** Keep the task execution and infrastructure roles on destroy. */
    readonly retainRoles: boolean;
    /** Keep the cluster, the log group and the service on destroy. */
    readonly retainService: boolean;
}

export interface EcsTopologyArgs extends TopologyArgs {
    /** The Token Vault API-key credential provider's name. */
    readonly apiKeyProviderName: string;
    /** The header the harness sends, `Basic base64(id:secret)`: a secret Output. */
    readonly authorization: pulumi.Output<string>;
    /** The user's own server (its normalised URL, a secret Output when set with --secret), or the one this stack runs. */
    readonly server: { readonly url: pulumi.Input<string> } | EcsServerArgs;
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
        const tags = args.tags;
        const region = args.region;

        // What identifies the server the harness calls: a change runs the tool check again.
        let revision: pulumi.Output<string>;
        if ("url" in args.server) {
            this.mcpUrl = pulumi.output(args.server.url);
            // The revision names the URL: as secret as the URL is.
            revision = this.mcpUrl.apply((url) => serverRevision({ url }));
        } else {
            const server = args.server;
            // 1. Where the credentials live (first: the task role's policy names the secret).
            const credentials = new ZscalerCredentials(`${name}-credentials`, server.credentials, { parent: this });
            this.secretArn = credentials.secretArn;

            // 2. Task execution role: the image from its own repository, the service's log group, and
            // exactly the Zscaler secret (in place of the managed policy, which allows any of each).
            const taskRole = new ServiceRole(
                `${name}-task-exec-role`,
                `${name}-task-exec`,
                {
                    description: "ECS task execution role of the Zscaler MCP server",
                    assumeRolePolicy: pulumi
                        .output(args.accountId)
                        .apply((account) => JSON.stringify(ecsTaskExecutionTrustPolicy({ account }))),
                    inlinePolicies: [
                        {
                            suffix: "policy",
                            name: INLINE_POLICY_NAMES.taskExecution,
                            policy: pulumi
                                .output(args.accountId)
                                .apply((account) =>
                                    JSON.stringify(
                                        taskExecutionPolicy({ region, account, imageUri: server.imageUri, logGroup: server.logGroupName }),
                                    ),
                                ),
                        },
                        ...(credentials.secretArn !== undefined
                            ? [
                                  {
                                      suffix: "secret-policy",
                                      name: INLINE_POLICY_NAMES.taskSecret,
                                      policy: credentials.secretArn.apply((secretArn) =>
                                          JSON.stringify(taskSecretPolicy({ region, secretArn })),
                                      ),
                                  },
                              ]
                            : []),
                    ],
                    ...args.roleGuardrails,
                    retain: server.retainRoles,
                    tags,
                },
                this,
            );
            this.taskExecutionRoleArn = taskRole.arn;

            // 3. Infrastructure role ECS uses to build the load balancer and scaling.
            const infraRole = new ServiceRole(
                `${name}-infra-role`,
                `${name}-infra`,
                {
                    description: "ECS Express infrastructure role of the Zscaler MCP server",
                    assumeRolePolicy: JSON.stringify(ecsInfrastructureTrustPolicy()),
                    managedPolicies: [{ suffix: "managed", arn: MANAGED_POLICIES.ecsInfrastructureExpress }],
                    ...args.roleGuardrails,
                    retain: server.retainRoles,
                    tags,
                },
                this,
            );

            // 4. The cluster: the stack's own, or an existing one that destroy leaves alone.
            if ("existing" in server.cluster) {
                this.clusterName = aws.ecs.getClusterOutput({ clusterName: server.cluster.existing }, { parent: this }).clusterName;
            } else {
                const cluster = new aws.ecs.Cluster(
                    `${name}-cluster`,
                    { name: server.cluster.create, tags: { ...tags } },
                    { parent: this, retainOnDelete: server.retainService },
                );
                this.clusterName = cluster.name;
            }

            // 5. The container's log group.
            const logGroup = new aws.cloudwatch.LogGroup(
                `${name}-logs`,
                { name: server.logGroupName, retentionInDays: 30, tags: { ...tags } },
                { parent: this, retainOnDelete: server.retainService, ...(server.adoptLogGroup ? { import: server.logGroupName } : {}) },
            );
            this.logGroupName = logGroup.name;

            // 6. The service. Credentials reach the container through secrets[] in the Secrets
            // Manager modes, and through a secret-marked environment in plaintext mode.
            // The secret's keys (those the stack writes, or those an external secret holds), and its
            // version: new credentials make a new version, and so a new deployment of the server.
            const plaintext = server.credentials.mode === "plaintext";
            const plainEnv = ecsServerEnvironment(server.containerEnv);
            // Only in plaintext mode do the values join the container (which is then secret as a whole).
            const plainValues = plaintext ? pulumi.output(server.credentials.values) : pulumi.output({} as Record<string, string>);
            const container = pulumi
                .all([credentials.secretArn, credentials.keys, credentials.versionId, plainValues])
                .apply(([secretArn, keys, versionId, values]) => ({
                    image: server.imageUri,
                    containerPort: SERVER_LISTEN.port,
                    logGroup: server.logGroupName,
                    logStreamPrefix: LOG_STREAM_PREFIX,
                    environment: plaintext
                        ? { ...plainEnv, ...values }
                        : { ...plainEnv, ...(versionId ? { [CREDENTIALS_VERSION_ENV]: versionId } : {}) },
                    secrets: secretArn ? Object.fromEntries((keys ?? []).map((k) => [k, `${secretArn}:${k}::`])) : {},
                }));
            this.service = new ExpressGatewayService(
                `${name}-service`,
                {
                    region,
                    serviceName: server.serviceName,
                    cluster: this.clusterName,
                    executionRoleArn: this.taskExecutionRoleArn,
                    infrastructureRoleArn: infraRole.arn,
                    healthCheckPath: SERVER_LISTEN.healthCheckPath,
                    cpu: server.cpu,
                    memory: server.memory,
                    container: plaintext || server.secretEnvironment ? pulumi.secret(container) : container,
                    hostValidation: server.hostValidation,
                    allowedHosts: [...server.allowedHosts],
                    // The URL is handed out once the allow-list rollout starts; the rollout below
                    // finishes while the harness is being created.
                    waitForAllowList: false,
                    tags: { ...tags },
                },
                { parent: this, dependsOn: [logGroup], retainOnDelete: server.retainService },
            );
            this.allowListRollout = new ExpressGatewayServiceRollout(
                `${name}-allow-list`,
                {
                    region,
                    serviceArn: this.service.serviceArn,
                    serviceName: server.serviceName,
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
            // the id and secret, which the tool check's own header covers: not secret, so the
            // revision is not either).
            const deployment = pulumi.unsecret(
                pulumi.output(server.credentials.values).apply((v) =>
                    configDigest({
                        environment: plainEnv,
                        cpu: server.cpu,
                        memory: server.memory,
                        hostValidation: server.hostValidation,
                        allowedHosts: server.allowedHosts,
                        ...(plaintext
                            ? { customerId: v.ZSCALER_CUSTOMER_ID, vanityDomain: v.ZSCALER_VANITY_DOMAIN, cloud: v.ZSCALER_CLOUD }
                            : {}),
                    }),
                ),
            );
            revision = pulumi
                .all([this.service.serviceArn, credentials.versionId, deployment])
                .apply(([serviceArn, versionId, config]) =>
                    serverRevision({ service: serviceArn, image: server.imageUri, credentials: versionId, config }),
                );
        }

        // 7. The Token Vault holds the whole header value; the harness substitutes it per call.
        const authorization = args.authorization;
        this.credentialProvider = new ApiKeyCredentialProvider(
            `${name}-api-key`,
            {
                region,
                name: args.apiKeyProviderName,
                apiKey: authorization,
                revision: args.tokenVaultRevision,
                tags: { ...tags },
            },
            { parent: this },
        );

        // 8-9. The harness role and the harness with the remote_mcp tool.
        const tool = pulumi.all([this.mcpUrl, this.credentialProvider.credentialProviderArn]).apply(([url, providerArn]) => ({
            type: "remote_mcp" as const,
            name: HARNESS_TOOL_NAME,
            config: { remoteMcp: { url, headers: { Authorization: `\${${providerArn}}` } } },
        }));
        const tokenVault = pulumi
            .all([this.credentialProvider.credentialProviderArn, this.credentialProvider.apiKeySecretArn])
            .apply(([providerArn, secretArn]) => [{ kind: "apiKey" as const, providerArn, secretArn }]);
        this.agent = topologyAgent(name, args, tool, tokenVault, this, "gateway");

        // 10. The server answers as the harness will call it: once the harness exists and the
        // service's own address is in its Host allow-list.
        if (args.verifyTools) {
            this.toolCheck = new ToolCheck(
                `${name}-tool-check`,
                { region, kind: "remote_mcp", url: this.mcpUrl, authorization, revision },
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

/** The prefix of the server's log streams in its log group. */
const LOG_STREAM_PREFIX = "mcp";

/** A short digest of settings that make a new deployment when they change (for the tool check's revision). */
function configDigest(settings: Record<string, unknown>): string {
    return crypto.createHash("sha256").update(stableStringify(settings)).digest("hex").slice(0, 16);
}
