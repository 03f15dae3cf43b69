/**
 * Helpers for the AgentCore control-plane providers: the client (its SDK loaded inside the call,
 * so that the program, which imports the providers only to register resources, never loads it)
 * and tag synchronisation.
 */
import { checkAccount } from "./awsIdentity";
import { sdkClientConfig, tagChanges, withRetries } from "./lifecycle";

export async function controlClient(region: string) {
    await checkAccount(region);
    const sdk = await import("@aws-sdk/client-bedrock-agentcore-control");
    return { sdk, client: new sdk.BedrockAgentCoreControlClient(sdkClientConfig(region, "bedrockagentcore")) };
}

/** Applies tag changes with TagResource / UntagResource (the Update APIs carry no tags). */
export async function syncTags(
    region: string,
    arn: string,
    olds: Record<string, string> | undefined,
    news: Record<string, string> | undefined,
): Promise<void> {
    const { set: changed, remove: removed } = tagChanges(olds, news);
    if (removed.length === 0 && Object.keys(changed).length === 0) {
        return;
    }
    const { sdk, client } = await controlClient(region);
    if (Object.keys(changed).length > 0) {
        await withRetries(() => client.send(new sdk.TagResourceCommand({ resourceArn: arn, tags: changed })), { what: `tag ${arn}` });
    }
    if (removed.length > 0) {
        await withRetries(() => client.send(new sdk.UntagResourceCommand({ resourceArn: arn, tagKeys: removed })), {
            what: `untag ${arn}`,
        });
    }
}

/** A resource's tags (ListTagsForResource). */
export async function listTags(region: string, arn: string): Promise<Record<string, string>> {
    const { sdk, client } = await controlClient(region);
    const res = await withRetries(() => client.send(new sdk.ListTagsForResourceCommand({ resourceArn: arn })), {
        what: `list the tags of ${arn}`,
    });
    return res.tags ?? {};
}
