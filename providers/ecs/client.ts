/**
 * The ECS side of an Express service that every part of its provider needs: the client, the
 * service's name as errors give it, what DescribeExpressGatewayService reports, and its tags.
 */
import type { ECSExpressGatewayService } from "@aws-sdk/client-ecs";
import { checkAccount } from "../awsIdentity";
import { findOrUndefined, isEcsServiceGone, sdkClientConfig, tagChanges, withRetries } from "../lifecycle";

/** An ECS client for the stack's identity; the SDK is loaded when first needed, and the account checked. */
export async function ecsClient(region: string) {
    await checkAccount(region);
    const sdk = await import("@aws-sdk/client-ecs");
    return { sdk, client: new sdk.ECSClient(sdkClientConfig(region, "ecs")) };
}

/** What names a service for the waiters: the rollout resource knows no more than this. */
export interface ServiceRef {
    region: string;
    serviceName: string;
    cluster: string;
}

export function label(i: { serviceName: string; cluster: string }): string {
    return `ECS Express service "${i.serviceName}" in cluster "${i.cluster}"`;
}

/** The service's public endpoint (its FQDN), once its newest configuration has one. */
export function publicEndpoint(s: ECSExpressGatewayService): string | undefined {
    const configs = s.activeConfigurations ?? [];
    const last = configs[configs.length - 1];
    return last?.ingressPaths?.find((p) => p.accessType === "PUBLIC" && p.endpoint)?.endpoint;
}

/** What DescribeExpressGatewayService reports of the service, or undefined once ECS has forgotten it. */
export async function describeService(region: string, serviceArn: string): Promise<ECSExpressGatewayService | undefined> {
    const { sdk, client } = await ecsClient(region);
    return (
        await findOrUndefined(
            `describe ${serviceArn}`,
            () => client.send(new sdk.DescribeExpressGatewayServiceCommand({ serviceArn })),
            isEcsServiceGone,
        )
    )?.service;
}

/** Tags as ECS takes them: a list of key and value pairs. */
export function ecsTags(tags: Record<string, string> | undefined) {
    return tags ? Object.entries(tags).map(([key, value]) => ({ key, value })) : undefined;
}

/** Tags as ECS reports them, as a map. */
export function tagMap(tags: { key?: string; value?: string }[] | undefined): Record<string, string> {
    return Object.fromEntries((tags ?? []).map((t) => [t.key!, t.value!]));
}

/** Applies tag changes with TagResource / UntagResource (UpdateExpressGatewayService carries no tags). */
export async function syncEcsTags(
    region: string,
    arn: string,
    olds: Record<string, string> | undefined,
    news: Record<string, string> | undefined,
): Promise<void> {
    const { set, remove: removed } = tagChanges(olds, news);
    const changed = Object.entries(set);
    if (changed.length === 0 && removed.length === 0) {
        return;
    }
    const { sdk, client } = await ecsClient(region);
    if (changed.length > 0) {
        await withRetries(
            () => client.send(new sdk.TagResourceCommand({ resourceArn: arn, tags: changed.map(([key, value]) => ({ key, value })) })),
            { what: `tag ${arn}` },
        );
    }
    if (removed.length > 0) {
        await withRetries(() => client.send(new sdk.UntagResourceCommand({ resourceArn: arn, tagKeys: removed })), {
            what: `untag ${arn}`,
        });
    }
}
