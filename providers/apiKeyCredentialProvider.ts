/**
 * Token Vault API-key credential provider: holds the whole `Authorization` header value the
 * harness sends to the MCP server. AWS never returns the key, so state keeps it (as a secret) and
 * a refresh never reports it as drift. A new key is rotated in place; a new name replaces.
 */
import * as pulumi from "@pulumi/pulumi";
import { inProject, ProjectResource } from "./projectProvider";
import type { ArgsOf } from "./args";
import { checkFields, createOrAdopt, deleteAndWait, diffInputs, DiffSpec, findOrUndefined, inputsOf, withRetries } from "./lifecycle";
import { controlClient, listTags, syncTags } from "./controlPlane";
import { NAME_RULES } from "../aws/names";

export interface ApiKeyCredentialProviderInputs {
    region: string;
    name: string;
    /** Secret. */
    apiKey: string;
    /** Changing it writes the key again, whether or not it changed (AWS never returns it, so drift cannot be seen). */
    revision?: string;
    tags?: Record<string, string>;
}

export interface ApiKeyCredentialProviderOutputs extends ApiKeyCredentialProviderInputs {
    credentialProviderArn: string;
    apiKeySecretArn: string;
}

export const API_KEY_PROVIDER_DIFF: DiffSpec = {
    createOnly: ["region", "name"],
    updatable: ["apiKey", "revision", "tags"],
    nameField: "name",
};

export const apiKeyCredentialProviderProvider: pulumi.dynamic.ResourceProvider<
    ApiKeyCredentialProviderInputs,
    ApiKeyCredentialProviderOutputs
> = {
    async check(_olds, news) {
        return {
            inputs: news,
            failures: checkFields(news as unknown as Record<string, unknown>, ["region", "name", "apiKey"], {
                name: NAME_RULES.credentialProvider,
            }),
        };
    },

    async diff(_id, olds, news) {
        return diffInputs(olds as any, news as any, API_KEY_PROVIDER_DIFF);
    },

    async create(inputs) {
        const { sdk, client } = await controlClient(inputs.region);
        const what = `API-key credential provider "${inputs.name}"`;
        // This API takes no client token: a create whose answer was lost, or one a killed deploy
        // never recorded, meets its own provider. That one is taken over and given this key.
        return createOrAdopt({
            what,
            wayOut: "Choose another name with pulumi config set apiKeyProviderName <name>, or delete that credential provider.",
            create: () =>
                withRetries(
                    () =>
                        client.send(
                            new sdk.CreateApiKeyCredentialProviderCommand({ name: inputs.name, apiKey: inputs.apiKey, tags: inputs.tags }),
                        ),
                    {
                        what: `create ${what}`,
                    },
                ),
            created: async (res) => ({
                id: inputs.name,
                outs: {
                    ...inputs,
                    credentialProviderArn: res.credentialProviderArn!,
                    apiKeySecretArn: res.apiKeySecretArn?.secretArn ?? "",
                },
            }),
            find: () =>
                findOrUndefined(`read ${what}`, () => client.send(new sdk.GetApiKeyCredentialProviderCommand({ name: inputs.name }))),
            owner: { tagsOf: (f) => listTags(inputs.region, f.credentialProviderArn!), desiredTags: inputs.tags },
            takeOver: async (found, tags) => {
                await withRetries(
                    () => client.send(new sdk.UpdateApiKeyCredentialProviderCommand({ name: inputs.name, apiKey: inputs.apiKey })),
                    {
                        what: `set the key of ${what}`,
                    },
                );
                await syncTags(inputs.region, found.credentialProviderArn!, tags, inputs.tags);
                return {
                    id: inputs.name,
                    outs: {
                        ...inputs,
                        credentialProviderArn: found.credentialProviderArn!,
                        apiKeySecretArn: found.apiKeySecretArn?.secretArn ?? "",
                    },
                };
            },
        });
    },

    async read(id, props) {
        const { sdk, client } = await controlClient(props!.region);
        const res = await findOrUndefined(`read API-key credential provider "${id}"`, () =>
            client.send(new sdk.GetApiKeyCredentialProviderCommand({ name: id })),
        );
        if (!res) {
            return {};
        }
        // The key itself is never returned: keep the one in state.
        const read = {
            ...props!,
            name: res.name!,
            credentialProviderArn: res.credentialProviderArn!,
            apiKeySecretArn: res.apiKeySecretArn?.secretArn ?? "",
        };
        return { id, props: read, inputs: inputsOf(read, API_KEY_PROVIDER_DIFF) };
    },

    async update(id, olds, news) {
        const { sdk, client } = await controlClient(news.region);
        if (olds.apiKey !== news.apiKey || olds.revision !== news.revision) {
            await withRetries(() => client.send(new sdk.UpdateApiKeyCredentialProviderCommand({ name: id, apiKey: news.apiKey })), {
                what: `rotate the key of API-key credential provider "${id}"`,
            });
        }
        await syncTags(news.region, olds.credentialProviderArn, olds.tags, news.tags);
        return { outs: { ...news, credentialProviderArn: olds.credentialProviderArn, apiKeySecretArn: olds.apiKeySecretArn } };
    },

    async delete(id, props) {
        const { sdk, client } = await controlClient(props.region);
        // Deletion is immediate: no status to wait for.
        await deleteAndWait({
            what: `delete API-key credential provider "${id}"`,
            call: () => client.send(new sdk.DeleteApiKeyCredentialProviderCommand({ name: id })),
        });
    },
};

/** The resource's arguments: its provider's inputs, each one a pulumi.Input. */
export type ApiKeyCredentialProviderArgs = ArgsOf<ApiKeyCredentialProviderInputs>;

export class ApiKeyCredentialProvider extends ProjectResource {
    declare readonly credentialProviderArn: pulumi.Output<string>;
    declare readonly apiKeySecretArn: pulumi.Output<string>;
    declare readonly name: pulumi.Output<string>;

    constructor(name: string, args: ApiKeyCredentialProviderArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            inProject("apiKeyCredentialProvider", "apiKeyCredentialProviderProvider"),
            name,
            { ...args, apiKey: pulumi.secret(args.apiKey), credentialProviderArn: undefined, apiKeySecretArn: undefined },
            // The key is secret in every output too, whatever the caller passed.
            pulumi.mergeOptions(opts, { additionalSecretOutputs: ["apiKey"] }),
            "agentcore",
            "ApiKeyCredentialProvider",
        );
    }
}
