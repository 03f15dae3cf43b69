/**
 * The gateway topology: the MCP server on AgentCore Runtime behind an AgentCore Gateway, Cognito
 * (client credentials) as identity provider, and one OAuth2 credential provider in the Token Vault
 * serving both the harness-to-gateway and the gateway-to-runtime legs.
 *
 * Dependencies (and so destroy order, reversed) are the ones AWS forces, no more: the runtime
 * hands out its ARN as soon as AWS accepts it, so the gateway role and the gateway are created while
 * the runtime starts; only the target, which calls the runtime, waits for it to be READY; and the
 * harness needs the gateway and the OAuth2 provider, not the target (it lists the gateway's tools
 * when a session starts, not when it is created). The tool check comes last: it lists the tools
 * as a session would, so it waits for the harness, the target and the ready runtime.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { AgentRuntime } from "../providers/agentRuntime";
import { AgentRuntimeReady } from "../providers/agentRuntimeReady";
import { Gateway } from "../providers/gateway";
import { GatewayTarget } from "../providers/gatewayTarget";
import { Oauth2CredentialProvider } from "../providers/oauth2CredentialProvider";
import { serverRevision, ToolCheck } from "../providers/toolCheck";
import { imageRegionProblem } from "../aws/images";
import { HARNESS_TOOL_NAME, OAUTH_SCOPE } from "../aws/names";
import { agentCoreArnPattern, agentCoreTrustPolicy, gatewayPolicy, INLINE_POLICY_NAMES, runtimePolicy } from "../aws/policies";
import { CREDENTIALS_VERSION_ENV, RUNTIME_HEADER_ALLOWLIST, runtimeServerEnvironment } from "../server/env";
import { HarnessAgent, topologyAgent, TopologyArgs, TOPOLOGY_TYPES } from "./harnessAgent";
import { ServiceRole } from "./role";
import { ZscalerCredentials, ZscalerCredentialsArgs } from "./zscalerCredentials";

export interface GatewayTopologyArgs extends TopologyArgs {
    readonly imageUri: string;
    /** The user's extra environment for the server (validated: nothing that weakens it unacknowledged). */
    readonly containerEnv: Readonly<Record<string, string>>;
    /** The extra environment is a secret (set with --secret): the runtime's environment is secret in state. */
    readonly secretEnvironment?: boolean;
    /** Where the server's Zscaler credentials live. */
    readonly credentials: ZscalerCredentialsArgs;
    readonly names: {
        readonly runtime: string;
        readonly gateway: string;
        readonly target: string;
        readonly oauthProvider: string;
        readonly cognitoPool: string;
        readonly cognitoClient: string;
        /** The whole Cognito domain prefix, when the user chose one; otherwise the base and the account id. */
        readonly cognitoDomainPrefix?: string;
        readonly cognitoDomainBase: string;
    };
    /** What destroy keeps. */
    readonly keep: { readonly cognito: boolean; readonly runtime: boolean; readonly runtimeRole: boolean; readonly gatewayRole: boolean };
}

export class GatewayTopology extends pulumi.ComponentResource {
    readonly agent: HarnessAgent;
    readonly runtime: AgentRuntime;
    readonly runtimeReady: AgentRuntimeReady;
    readonly gateway: Gateway;
    readonly target: GatewayTarget;
    readonly oauthProvider: Oauth2CredentialProvider;
    readonly userPool: aws.cognito.UserPool;
    readonly discoveryUrl: pulumi.Output<string>;
    readonly tokenEndpoint: pulumi.Output<string>;
    /** The Cognito app client the harness, the gateway and the tool check take tokens as. */
    readonly appClientId: pulumi.Output<string>;
    readonly secretArn?: pulumi.Output<string>;
    /** The call to the server through the gateway, as the harness makes it (absent with verifyTools false). */
    readonly toolCheck?: ToolCheck;

    constructor(name: string, args: GatewayTopologyArgs, opts?: pulumi.ComponentResourceOptions) {
        super(TOPOLOGY_TYPES.gateway, name, {}, opts);
        const { region, names, keep } = args;
        // AgentCore Runtime only pulls images from ECR in its own region: stop before anything exists.
        const regionProblem = imageRegionProblem(args.imageUri, region);
        if (regionProblem) {
            throw new pulumi.RunError(regionProblem);
        }
        const tags = { ...args.tags };
        const scope = OAUTH_SCOPE.full;

        // 1. Cognito: machine-to-machine tokens only; nobody signs up.
        this.userPool = new aws.cognito.UserPool(
            `${name}-users`,
            { name: names.cognitoPool, adminCreateUserConfig: { allowAdminCreateUserOnly: true }, tags },
            { parent: this, retainOnDelete: keep.cognito },
        );
        const resourceServer = new aws.cognito.ResourceServer(
            `${name}-resource-server`,
            {
                userPoolId: this.userPool.id,
                identifier: OAUTH_SCOPE.resourceServer,
                name: "Zscaler MCP",
                scopes: [{ scopeName: OAUTH_SCOPE.scope, scopeDescription: "Call the Zscaler MCP server" }],
            },
            { parent: this, retainOnDelete: keep.cognito },
        );
        const client = new aws.cognito.UserPoolClient(
            `${name}-client`,
            {
                name: names.cognitoClient,
                userPoolId: this.userPool.id,
                generateSecret: true,
                allowedOauthFlows: ["client_credentials"],
                allowedOauthFlowsUserPoolClient: true,
                allowedOauthScopes: [scope],
                supportedIdentityProviders: ["COGNITO"],
            },
            { parent: this, dependsOn: [resourceServer], retainOnDelete: keep.cognito },
        );
        this.appClientId = client.id;
        // Domain prefixes are unique per region across all accounts: the account id keeps ours apart.
        const domainPrefix = names.cognitoDomainPrefix
            ? pulumi.output(names.cognitoDomainPrefix)
            : pulumi.output(args.accountId).apply((a) => `${names.cognitoDomainBase}-${a}`);
        const domain = new aws.cognito.UserPoolDomain(
            `${name}-domain`,
            { domain: domainPrefix, userPoolId: this.userPool.id },
            // Cognito allows one domain per user pool: a new prefix's domain can only be created
            // once the old one is gone.
            { parent: this, retainOnDelete: keep.cognito, deleteBeforeReplace: true },
        );
        this.discoveryUrl = pulumi.interpolate`https://cognito-idp.${region}.amazonaws.com/${this.userPool.id}/.well-known/openid-configuration`;
        this.tokenEndpoint = pulumi.interpolate`https://${domain.domain}.auth.${region}.amazoncognito.com/oauth2/token`;
        const authorizer = pulumi.all([this.discoveryUrl, client.id]).apply(([discoveryUrl, clientId]) => ({
            // No allowedAudience: Cognito's client-credentials tokens carry no aud claim.
            customJWTAuthorizer: { discoveryUrl, allowedClients: [clientId], allowedScopes: [scope] },
        }));

        // 2. The Zscaler credentials.
        const credentials = new ZscalerCredentials(`${name}-credentials`, args.credentials, { parent: this });
        this.secretArn = credentials.secretArn;

        // 3. The OAuth2 credential provider (the Cognito app client), secret in state.
        this.oauthProvider = new Oauth2CredentialProvider(
            `${name}-oauth`,
            {
                region: region,
                name: names.oauthProvider,
                discoveryUrl: this.discoveryUrl,
                clientId: client.id,
                clientSecret: pulumi.secret(client.clientSecret),
                revision: args.tokenVaultRevision,
                tags,
            },
            { parent: this, dependsOn: [domain] },
        );

        // 4. The runtime role and the runtime. AgentCore assumes each role only for this stack's own
        // runtime or gateway (by name: the role comes before the resource's id).
        const agentCoreTrust = (kind: "runtime" | "gateway", resourceName: string) =>
            pulumi
                .output(args.accountId)
                .apply((account) =>
                    JSON.stringify(
                        agentCoreTrustPolicy({ account, sourceArns: [agentCoreArnPattern({ region, account }, kind, resourceName)] }),
                    ),
                );
        const runtimeRole = new ServiceRole(
            `${name}-runtime-role`,
            `${name}-runtime`,
            {
                description: "AgentCore Runtime role of the Zscaler MCP server",
                assumeRolePolicy: agentCoreTrust("runtime", names.runtime),
                inlinePolicies: [
                    {
                        suffix: "policy",
                        name: INLINE_POLICY_NAMES.runtime,
                        policy: pulumi
                            .all([args.accountId, credentials.secretArn])
                            .apply(([account, secretArn]) =>
                                JSON.stringify(
                                    runtimePolicy({ region, account, runtimeName: names.runtime, imageUri: args.imageUri, secretArn }),
                                ),
                            ),
                    },
                ],
                ...args.roleGuardrails,
                retain: keep.runtimeRole,
                tags,
            },
            this,
        );
        const runtimeRoleArn = runtimeRole.arn;
        // The secret's version: new credentials make a new runtime version, which reads them at start.
        const plainEnv = pulumi.all([credentials.secretName, credentials.versionId]).apply(([secretName, versionId]) => ({
            ...runtimeServerEnvironment(args.containerEnv, secretName),
            ...(versionId ? { [CREDENTIALS_VERSION_ENV]: versionId } : {}),
        }));
        // In plaintext mode the credentials ride in the environment, which is then secret in state.
        const environmentVariables =
            args.credentials.mode === "plaintext"
                ? pulumi.secret(pulumi.all([plainEnv, args.credentials.values]).apply(([env, values]) => ({ ...env, ...values })))
                : args.secretEnvironment
                  ? pulumi.secret(plainEnv)
                  : plainEnv;
        this.runtime = new AgentRuntime(
            `${name}-runtime`,
            {
                region: region,
                agentRuntimeName: names.runtime,
                agentRuntimeArtifact: { containerConfiguration: { containerUri: args.imageUri } },
                roleArn: runtimeRoleArn,
                networkConfiguration: { networkMode: "PUBLIC" },
                protocolConfiguration: { serverProtocol: "MCP" },
                environmentVariables,
                authorizerConfiguration: authorizer,
                requestHeaderConfiguration: { requestHeaderAllowlist: [...RUNTIME_HEADER_ALLOWLIST] },
                // The ARN is handed out at once; runtimeReady below waits for READY.
                waitForReady: false,
                tags,
            },
            { parent: this, retainOnDelete: keep.runtime },
        );
        this.runtimeReady = new AgentRuntimeReady(
            `${name}-runtime-ready`,
            {
                region: region,
                agentRuntimeId: this.runtime.agentRuntimeId,
                agentRuntimeName: names.runtime,
                invocationUrl: this.runtime.invocationUrl,
            },
            { parent: this },
        );

        // 5. The gateway role (invoke exactly this runtime) and the gateway.
        const gatewayRole = new ServiceRole(
            `${name}-gateway-role`,
            `${name}-gateway`,
            {
                description: "AgentCore Gateway role of the Zscaler MCP server",
                assumeRolePolicy: agentCoreTrust("gateway", names.gateway),
                inlinePolicies: [
                    {
                        suffix: "policy",
                        name: INLINE_POLICY_NAMES.gateway,
                        policy: pulumi
                            .all([args.accountId, this.runtime.agentRuntimeArn])
                            .apply(([account, runtimeArn]) =>
                                JSON.stringify(gatewayPolicy({ region, account, gatewayName: names.gateway, runtimeArn })),
                            ),
                    },
                ],
                ...args.roleGuardrails,
                retain: keep.gatewayRole,
                tags,
            },
            this,
        );
        this.gateway = new Gateway(
            `${name}-gateway`,
            {
                region: region,
                name: names.gateway,
                description: "Zscaler MCP server on AgentCore Runtime",
                roleArn: gatewayRole.arn,
                protocolType: "MCP",
                authorizerType: "CUSTOM_JWT",
                authorizerConfiguration: authorizer,
                tags,
                // A gateway taken over keeps only this target.
                targetNames: [names.target],
            },
            { parent: this },
        );

        // 6. The target: the runtime's invocation URL, with a Cognito token from the Token Vault.
        const oauth = pulumi.output(this.oauthProvider.credentialProviderArn).apply((providerArn) => ({
            providerArn,
            // Without the scope the runtime's authorizer answers 401.
            scopes: [scope],
            grantType: "CLIENT_CREDENTIALS" as const,
        }));
        this.target = new GatewayTarget(
            `${name}-target`,
            {
                region: region,
                // The gateway's resource id (its gatewayId): known in a preview that updates the
                // gateway in place, so such a preview plans no replacement of the target.
                gatewayId: this.gateway.id,
                name: names.target,
                description: "Zscaler MCP server",
                // The ready runtime's URL: the target calls the runtime as soon as it exists.
                targetConfiguration: this.runtimeReady.invocationUrl.apply(
                    (endpoint) => ({ mcp: { mcpServer: { endpoint, listingMode: "DEFAULT" } } }) as any,
                ),
                credentialProviderConfigurations: [
                    oauth.apply((o) => ({ credentialProviderType: "OAUTH" as const, credentialProvider: { oauthCredentialProvider: o } })),
                ],
            },
            { parent: this },
        );

        // 7. The harness with the agentcore_gateway tool: it needs the gateway and the OAuth2
        // provider, not the target (neither AWS's documentation nor its service model ask for one).
        const tool = pulumi.all([this.gateway.gatewayArn, oauth]).apply(([gatewayArn, o]) => ({
            type: "agentcore_gateway" as const,
            name: HARNESS_TOOL_NAME,
            config: { agentCoreGateway: { gatewayArn, outboundAuth: { oauth: o } } },
        }));
        const tokenVault = pulumi
            .all([this.oauthProvider.credentialProviderArn, this.oauthProvider.clientSecretArn])
            .apply(([providerArn, secretArn]) => [{ kind: "oauth2" as const, providerArn, secretArn }]);
        this.agent = topologyAgent(name, args, tool, tokenVault, this, "ecs");

        // 8. The gateway lists the runtime's tools as the harness will ask for them: once the
        // harness, the target and the ready runtime exist. The runtime's version changes with
        // everything that starts a new server (image, settings, the secret's version).
        if (args.verifyTools) {
            const revision = pulumi
                .all([this.runtime.agentRuntimeArn, this.runtimeReady.agentRuntimeVersion, credentials.versionId, this.target.targetId])
                .apply(([runtimeArn, version, versionId, targetId]) =>
                    serverRevision({ runtime: runtimeArn, version, image: args.imageUri, credentials: versionId, target: targetId }),
                );
            this.toolCheck = new ToolCheck(
                `${name}-tool-check`,
                {
                    region: region,
                    kind: "agentcore_gateway",
                    url: this.gateway.gatewayUrl,
                    tokenEndpoint: this.tokenEndpoint,
                    clientId: client.id,
                    clientSecret: pulumi.secret(client.clientSecret),
                    scope,
                    revision,
                },
                { parent: this, dependsOn: [this.agent.harness, this.target, this.runtimeReady] },
            );
        }
        this.registerOutputs({
            harnessArn: this.agent.harness.arn,
            gatewayArn: this.gateway.gatewayArn,
            runtimeArn: this.runtime.agentRuntimeArn,
            oauthProviderArn: this.oauthProvider.credentialProviderArn,
            tokenEndpoint: this.tokenEndpoint,
            appClientId: this.appClientId,
            toolCount: this.toolCheck?.toolCount,
        });
    }
}
