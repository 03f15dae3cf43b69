/**
 * The whole program: validated settings in, one topology component built, stack outputs out.
 * This is the one place that maps the settings to the components' typed arguments: the components
 * know nothing of the configuration.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { EcsServerArgs, EcsTopology } from "./components/ecsTopology";
import { GatewayTopology } from "./components/gatewayTopology";
import type { HarnessSpec, TopologyArgs } from "./components/harnessAgent";
import { ExternalSecret, readExternalSecret, ZscalerCredentialsArgs } from "./components/zscalerCredentials";
import { secretConfigKeys } from "./config/pulumi";
import type { ConfigKey } from "./config/keys";
import type { Settings } from "./config/settings";
import { isOwnedBy, isSameNameOtherDeployment, OTHER_DEPLOYMENT_WAY_OUT } from "./providers/lifecycle";
import { STACK_ID_TAG, StackIdentity } from "./providers/stackIdentity";
import { basicAuthHeader, credentialValues } from "./server/env";

export type StackOutputs = Record<string, pulumi.Input<string | number | undefined>>;

export function consoleUrl(region: string, harnessId: string): string {
    return `https://${region}.console.aws.amazon.com/bedrock-agentcore/home?region=${region}#/harnesses/${harnessId}`;
}

/** The stack's credentials in aws:* settings: secret in the provider's inputs whether or not set with --secret. */
const AWS_CREDENTIAL_SETTINGS = ["accessKey", "secretKey", "token"];

/** A setting as the provider takes it: lists, objects, booleans and numbers are stored as JSON. */
function parsedSetting(raw: string): unknown {
    try {
        return JSON.parse(raw);
    } catch {
        return raw;
    }
}

/**
 * Every aws:* setting of the stack, as the AWS provider's arguments: an explicit provider reads
 * nothing from config by itself, and without them aws:profile, aws:assumeRoles, aws:defaultTags
 * and the rest would be silently ignored. The dynamic providers read the same settings (see
 * providers/awsIdentity.ts), so every resource is made by one identity in one account. A setting
 * set with --secret (a role's external id, say) stays secret in the provider's inputs in state.
 */
function awsProviderArgs(region: string): aws.ProviderArgs {
    const config = new pulumi.Config("aws");
    const secret = secretConfigKeys();
    const args: Record<string, unknown> = {};
    for (const key of Object.keys(pulumi.runtime.allConfig()).filter((k) => k.startsWith("aws:"))) {
        const name = key.slice("aws:".length);
        if (AWS_CREDENTIAL_SETTINGS.includes(name)) {
            args[name] = config.requireSecret(name);
        } else {
            args[name] = secret.has(key) ? config.requireSecret(name).apply(parsedSetting) : parsedSetting(config.require(name));
        }
    }
    return { ...args, region: region as aws.Region };
}

/**
 * The value of `o` once it is known; undefined when it is not (a new stack's identity during its
 * first preview). The SDK's own `isKnown` says which, so a preview never waits for a value that
 * will not come.
 */
function knownValue<T>(o: pulumi.Output<T>): Promise<T | undefined> {
    const isKnown = (o as unknown as { isKnown: Promise<boolean> }).isKnown;
    return new Promise((resolve) => {
        void isKnown.then((known) => (known ? o.apply((v) => resolve(v)) : resolve(undefined)));
    });
}

/**
 * Whether the ECS log group (a fixed name) is already in the account with this stack's tags, its
 * identity among them: created by a run that was killed before Pulumi recorded it. The stack then
 * takes it over (Pulumi's import) instead of failing on "already exists"; when the state already
 * holds it, Pulumi ignores the import. One with the stack's project and stack names but another
 * identity is refused before anything is registered: another deployment's of the same project and
 * stack name, or this stack's own from before a destroy that retained it. One with no identity is
 * left to Pulumi: it may be in the state of a stack deployed before stacks had an identity.
 */
async function leftByThisStack(s: Settings, stackId: pulumi.Output<string>, opts: pulumi.InvokeOptions): Promise<boolean> {
    const id = await knownValue(stackId);
    if (id === undefined) {
        return false; // a new stack's preview: nothing in the account can be its own yet
    }
    let tags: Record<string, string> | undefined;
    try {
        tags = (await aws.cloudwatch.getLogGroup({ name: s.names.logGroup }, opts)).tags;
    } catch {
        return false; // not there (or not readable): created as usual
    }
    const ours = { ...s.tags, [STACK_ID_TAG]: id };
    if (isSameNameOtherDeployment(ours, tags) && tags?.[STACK_ID_TAG] !== undefined) {
        throw new pulumi.RunError(
            `log group "${s.names.logGroup}" already exists and belongs to another deployment of the same project and stack ` +
                `name (another backend or Pulumi organization: it has ${STACK_ID_TAG}=${tags[STACK_ID_TAG]}, this stack is ` +
                `${STACK_ID_TAG}=${id}), so it is left alone. ${OTHER_DEPLOYMENT_WAY_OUT}`,
        );
    }
    return isOwnedBy(ours, tags);
}

/** A setting's value as the resources and outputs take it: a secret Output when its key was set with --secret. */
export function secretIf(s: Settings, key: ConfigKey, value: string): pulumi.Input<string> {
    return s.secretKeys.includes(key) ? pulumi.secret(value) : value;
}

/** The harness as the settings describe it. */
function harnessSpec(s: Settings): HarnessSpec {
    return {
        harnessName: s.names.harness,
        modelId: s.model.modelId,
        modelMaxTokens: s.model.maxTokens,
        temperature: s.model.temperature,
        systemPrompt: secretIf(s, "systemPrompt", s.harness.systemPrompt),
        maxIterations: s.harness.maxIterations,
        timeoutSeconds: s.harness.timeoutSeconds,
        retainRole: s.keep.harnessRole,
    };
}

/** Where the settings put the server's credentials (`external`: the secret readExternalSecret found). */
function credentialsArgs(s: Settings, tags: ZscalerCredentialsArgs["tags"], external?: ExternalSecret): ZscalerCredentialsArgs {
    return {
        mode: s.secrets.mode,
        values: pulumi.secret(credentialValues(s.zscaler) as Record<string, string>),
        secretNamePrefix: s.names.secretPrefix,
        external,
        recoveryWindowDays: s.secrets.recoveryWindowDays,
        retainOnDelete: s.keep.secret,
        tags,
    };
}

/** The ECS service as the settings describe it. */
function ecsServerArgs(
    s: Settings,
    tags: ZscalerCredentialsArgs["tags"],
    external: ExternalSecret | undefined,
    adoptLogGroup: boolean,
): EcsServerArgs {
    return {
        imageUri: s.imageUri,
        serviceName: s.names.service,
        cluster: s.ecs.existingClusterName ? { existing: s.ecs.existingClusterName } : { create: s.names.cluster },
        logGroupName: s.names.logGroup,
        adoptLogGroup,
        cpu: s.ecs.cpu,
        memory: s.ecs.memory,
        hostValidation: s.ecs.hostValidation,
        allowedHosts: s.ecs.allowedHosts,
        containerEnv: s.ecs.containerEnv,
        secretEnvironment: s.secretKeys.includes("containerEnv"),
        credentials: credentialsArgs(s, tags, external),
        retainRoles: s.keep.serviceRoles,
        retainService: s.keep.ecs,
    };
}

export async function deployStack(s: Settings): Promise<StackOutputs> {
    for (const w of s.warnings) {
        pulumi.log.warn(w);
    }
    // One explicit provider with all the stack's aws:* settings, in the region the dynamic resources use.
    const provider = new aws.Provider("aws", awsProviderArgs(s.region));
    const accountId = aws.getCallerIdentityOutput({}, { provider }).accountId;
    // The stack's identity, made on its first up and kept in its state: the ownership tag only this
    // deployment's resources carry (another backend's stack of the same name has another).
    const identity = new StackIdentity("stack-identity");
    const tags = { ...s.tags, [STACK_ID_TAG]: identity.stackId };
    const name = `zscaler-mcp`;
    const opts = { providers: { aws: provider } };
    // An external secret is read, and its keys checked, before any resource is registered.
    const externalSecret =
        s.secrets.mode === "external" && s.deploysServer
            ? await readExternalSecret(s.secrets.externalSecretName!, s.region, { provider }, s.secretKeys.includes("zscalerSecretName"))
            : undefined;
    const ownsLogGroup = s.topology === "ecs" && s.deploysServer ? await leftByThisStack(s, identity.stackId, { provider }) : false;
    const topology: TopologyArgs = {
        region: s.region,
        accountId,
        tags,
        harness: harnessSpec(s),
        verifyTools: s.verifyTools,
        tokenVaultRevision: s.secrets.tokenVaultRevision,
        // IAM's default path "/" is left to IAM: a stack that never set one keeps its roles' inputs as they were.
        roleGuardrails: { permissionsBoundary: s.iam.permissionsBoundary, path: s.iam.rolePath === "/" ? undefined : s.iam.rolePath },
    };
    const common = (t: EcsTopology | GatewayTopology): StackOutputs => ({
        topology: s.topology,
        region: s.region,
        stackId: identity.stackId,
        harnessName: t.agent.harness.harnessName,
        harnessId: t.agent.harness.harnessId,
        harnessArn: t.agent.harness.arn,
        harnessRuntimeId: t.agent.harness.runtimeId,
        executionRoleArn: t.agent.executionRoleArn,
        modelId: secretIf(s, "modelId", s.model.modelId),
        consoleUrl: t.agent.harness.harnessId.apply((id) => consoleUrl(s.region, id)),
        // What the server said about itself when the tool check last called it.
        ...(t.toolCheck
            ? { serverName: t.toolCheck.serverName, serverVersion: t.toolCheck.serverVersion, toolCount: t.toolCheck.toolCount }
            : {}),
    });
    if (s.topology === "gateway") {
        const g = new GatewayTopology(
            name,
            {
                ...topology,
                imageUri: s.imageUri,
                containerEnv: s.ecs.containerEnv,
                secretEnvironment: s.secretKeys.includes("containerEnv"),
                credentials: credentialsArgs(s, tags, externalSecret),
                names: s.names,
                keep: s.keep,
            },
            opts,
        );
        return {
            ...common(g),
            credentialProviderArn: g.oauthProvider.credentialProviderArn,
            imageUri: secretIf(s, "imageUri", s.imageUri),
            secretArn: g.secretArn,
            gatewayId: g.gateway.gatewayId,
            gatewayArn: g.gateway.gatewayArn,
            gatewayUrl: g.gateway.gatewayUrl,
            runtimeArn: g.runtime.agentRuntimeArn,
            runtimeId: g.runtime.agentRuntimeId,
            targetId: g.target.targetId,
            cognitoUserPoolId: g.userPool.id,
            cognitoTokenEndpoint: g.tokenEndpoint,
            cognitoClientId: g.appClientId,
            oauthProviderArn: g.oauthProvider.credentialProviderArn,
        };
    }
    const e = new EcsTopology(
        name,
        {
            ...topology,
            apiKeyProviderName: s.names.apiKeyProvider,
            // Required for ecs by the settings; the Token Vault holds the whole header value.
            authorization: pulumi.secret(basicAuthHeader(s.zscaler.clientId!, s.zscaler.clientSecret!)),
            server:
                s.mcpUrl !== undefined ? { url: secretIf(s, "mcpUrl", s.mcpUrl) } : ecsServerArgs(s, tags, externalSecret, ownsLogGroup),
        },
        opts,
    );
    return {
        ...common(e),
        mcpUrl: e.mcpUrl,
        credentialProviderArn: e.credentialProvider.credentialProviderArn,
        ...(e.service
            ? {
                  ecsServiceArn: e.service.serviceArn,
                  ecsEndpoint: e.service.endpoint,
                  ecsClusterName: e.clusterName,
                  ecsLogGroup: e.logGroupName,
                  imageUri: secretIf(s, "imageUri", s.imageUri),
                  secretArn: e.secretArn,
              }
            : {}),
    };
}
