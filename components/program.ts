/**
 * The whole program: validated settings in, one topology component built, stack outputs out.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { EcsTopology } from "./ecsTopology";
import { GatewayTopology } from "./gatewayTopology";
import type { Settings } from "./settings";

export type StackOutputs = Record<string, pulumi.Input<string | undefined>>;

export function consoleUrl(region: string, harnessId: string): string {
    return `https://${region}.console.aws.amazon.com/bedrock-agentcore/home?region=${region}#/harnesses/${harnessId}`;
}

export function deployStack(s: Settings): StackOutputs {
    for (const w of s.warnings) {
        pulumi.log.warn(w);
    }
    // One explicit provider, so the AWS resources land in the region the dynamic resources use.
    const provider = new aws.Provider("aws", { region: s.region as aws.Region });
    const accountId = aws.getCallerIdentityOutput({}, { provider }).accountId;
    const name = `zscaler-mcp`;
    const opts = { providers: { aws: provider } };
    const common = (t: EcsTopology | GatewayTopology): StackOutputs => ({
        topology: s.topology,
        region: s.region,
        harnessName: t.agent.harness.harnessName,
        harnessId: t.agent.harness.harnessId,
        harnessArn: t.agent.harness.arn,
        harnessRuntimeId: t.agent.harness.runtimeId,
        executionRoleArn: t.agent.executionRoleArn,
        modelId: s.model.modelId,
        consoleUrl: t.agent.harness.harnessId.apply((id) => consoleUrl(s.region, id)),
    });
    if (s.topology === "gateway") {
        const g = new GatewayTopology(name, { settings: s, accountId }, opts);
        return {
            ...common(g),
            credentialProviderArn: g.oauthProvider.credentialProviderArn,
            imageUri: s.imageUri,
            secretArn: g.secretArn,
            gatewayId: g.gateway.gatewayId,
            gatewayArn: g.gateway.gatewayArn,
            gatewayUrl: g.gateway.gatewayUrl,
            runtimeArn: g.runtime.agentRuntimeArn,
            runtimeId: g.runtime.agentRuntimeId,
            targetId: g.target.targetId,
            cognitoUserPoolId: g.userPool.id,
            cognitoTokenEndpoint: g.tokenEndpoint,
            oauthProviderArn: g.oauthProvider.credentialProviderArn,
        };
    }
    const e = new EcsTopology(name, { settings: s, accountId }, opts);
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
                  imageUri: s.imageUri,
                  secretArn: e.secretArn,
              }
            : {}),
    };
}
