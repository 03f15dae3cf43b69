/**
 * Token Vault OAuth2 credential provider (a custom OAuth2 vendor, here Cognito's client
 * credentials). AWS never returns the client secret: state keeps it, as a secret. Name and vendor
 * replace; client id, secret and discovery URL update in place.
 */
import * as pulumi from "@pulumi/pulumi";
import { inProject, ProjectResource } from "./projectProvider";
import type { ArgsOf, Defaulted } from "./args";
import { checkFields, createOrAdopt, deleteAndWait, diffInputs, DiffSpec, findOrUndefined, inputsOf, withRetries } from "./lifecycle";
import { controlClient } from "./controlPlane";
import { NAME_RULES } from "../aws/names";

export interface Oauth2CredentialProviderInputs {
    region: string;
    name: string;
    vendor: "CustomOauth2";
    discoveryUrl: string;
    clientId: string;
    /** Secret. */
    clientSecret: string;
    /** Changing it writes the client again, whether or not it changed (AWS never returns the secret). */
    revision?: string;
    tags?: Record<string, string>;
}

export interface Oauth2CredentialProviderOutputs extends Oauth2CredentialProviderInputs {
    credentialProviderArn: string;
    callbackUrl?: string;
    /** The Token Vault's own secret holding the client secret (the harness role may read exactly it). */
    clientSecretArn?: string;
}

// Tags are given at create only: AWS's TagResource and ListTagsForResource do not accept an OAuth2
// credential provider's ARN (their pattern allows no digit in "oauth2credentialprovider").
export const OAUTH2_PROVIDER_DIFF: DiffSpec = {
    createOnly: ["region", "name", "vendor"],
    updatable: ["discoveryUrl", "clientId", "clientSecret", "revision"],
    nameField: "name",
};

function config(i: Oauth2CredentialProviderInputs) {
    return {
        customOauth2ProviderConfig: {
            oauthDiscovery: { discoveryUrl: i.discoveryUrl },
            clientId: i.clientId,
            clientSecret: i.clientSecret,
        },
    };
}

export const oauth2CredentialProviderProvider: pulumi.dynamic.ResourceProvider<
    Oauth2CredentialProviderInputs,
    Oauth2CredentialProviderOutputs
> = {
    async check(_olds, news) {
        return {
            inputs: { ...news, vendor: news.vendor ?? "CustomOauth2" },
            failures: checkFields(
                news as unknown as Record<string, unknown>,
                ["region", "name", "discoveryUrl", "clientId", "clientSecret"],
                {
                    name: NAME_RULES.credentialProvider,
                    discoveryUrl: {
                        re: /^https:\/\/.+\/\.well-known\/openid-configuration$/,
                        rule: "an https URL ending in /.well-known/openid-configuration",
                    },
                },
            ),
        };
    },

    async diff(_id, olds, news) {
        return diffInputs(olds as any, news as any, OAUTH2_PROVIDER_DIFF);
    },

    async create(inputs) {
        const { sdk, client } = await controlClient(inputs.region);
        const what = `OAuth2 credential provider "${inputs.name}"`;
        // No client token in this API: this stack's own provider, left by a lost answer or a
        // killed deploy, is taken over and given this client; anyone else's is refused.
        return createOrAdopt({
            what,
            wayOut: "Choose another name with pulumi config set oauthProviderName <name>, or delete that credential provider.",
            create: () =>
                withRetries(
                    () =>
                        client.send(
                            new sdk.CreateOauth2CredentialProviderCommand({
                                name: inputs.name,
                                credentialProviderVendor: inputs.vendor,
                                oauth2ProviderConfigInput: config(inputs),
                                tags: inputs.tags,
                            }),
                        ),
                    { what: `create ${what}` },
                ),
            created: async (res) => ({
                id: inputs.name,
                outs: {
                    ...inputs,
                    credentialProviderArn: res.credentialProviderArn!,
                    callbackUrl: res.callbackUrl,
                    clientSecretArn: res.clientSecretArn?.secretArn,
                },
            }),
            find: () =>
                findOrUndefined(`read ${what}`, () => client.send(new sdk.GetOauth2CredentialProviderCommand({ name: inputs.name }))),
            // AWS's tagging API does not accept this kind of ARN, so ownership is proven by what
            // only this stack's provider holds: this stack's Cognito client and discovery URL.
            owner: {
                notOwnBecause: (found) => {
                    const held = found.oauth2ProviderConfigOutput?.customOauth2ProviderConfig;
                    return held?.clientId !== inputs.clientId || held?.oauthDiscovery?.discoveryUrl !== inputs.discoveryUrl
                        ? `for another OAuth client (${held?.clientId ?? "unknown"})`
                        : undefined;
                },
            },
            takeOver: async (found) => {
                if (found.credentialProviderVendor !== inputs.vendor) {
                    throw new Error(
                        `${what} exists with vendor ${found.credentialProviderVendor}, not ${inputs.vendor}; delete it, then run pulumi up again.`,
                    );
                }
                await withRetries(
                    () =>
                        client.send(
                            new sdk.UpdateOauth2CredentialProviderCommand({
                                name: inputs.name,
                                credentialProviderVendor: inputs.vendor,
                                oauth2ProviderConfigInput: config(inputs),
                            }),
                        ),
                    { what: `update ${what}` },
                );
                return {
                    id: inputs.name,
                    outs: {
                        ...inputs,
                        credentialProviderArn: found.credentialProviderArn!,
                        callbackUrl: found.callbackUrl,
                        clientSecretArn: found.clientSecretArn?.secretArn,
                    },
                };
            },
        });
    },

    async read(id, props) {
        const { sdk, client } = await controlClient(props!.region);
        const res = await findOrUndefined(`read OAuth2 credential provider "${id}"`, () =>
            client.send(new sdk.GetOauth2CredentialProviderCommand({ name: id })),
        );
        if (!res) {
            return {};
        }
        // AWS returns the client id and discovery URL, never the secret: keep the one in state.
        const custom = res.oauth2ProviderConfigOutput?.customOauth2ProviderConfig;
        const read = {
            ...props!,
            clientId: custom?.clientId ?? props!.clientId,
            discoveryUrl: custom?.oauthDiscovery?.discoveryUrl ?? props!.discoveryUrl,
            credentialProviderArn: res.credentialProviderArn!,
            callbackUrl: res.callbackUrl,
            clientSecretArn: res.clientSecretArn?.secretArn ?? props!.clientSecretArn,
        };
        return { id, props: read, inputs: inputsOf(read, OAUTH2_PROVIDER_DIFF, ["tags"]) };
    },

    async update(id, olds, news) {
        const { sdk, client } = await controlClient(news.region);
        if (
            olds.clientId !== news.clientId ||
            olds.clientSecret !== news.clientSecret ||
            olds.discoveryUrl !== news.discoveryUrl ||
            olds.revision !== news.revision
        ) {
            await withRetries(
                () =>
                    client.send(
                        new sdk.UpdateOauth2CredentialProviderCommand({
                            name: id,
                            credentialProviderVendor: news.vendor,
                            oauth2ProviderConfigInput: config(news),
                        }),
                    ),
                { what: `update OAuth2 credential provider "${id}"` },
            );
        }
        return {
            outs: {
                ...news,
                credentialProviderArn: olds.credentialProviderArn,
                callbackUrl: olds.callbackUrl,
                clientSecretArn: olds.clientSecretArn,
            },
        };
    },

    async delete(id, props) {
        const { sdk, client } = await controlClient(props.region);
        // Deletion is immediate: no status to wait for.
        await deleteAndWait({
            what: `delete OAuth2 credential provider "${id}"`,
            call: () => client.send(new sdk.DeleteOauth2CredentialProviderCommand({ name: id })),
        });
    },
};

/** The resource's arguments: its provider's inputs, each one a pulumi.Input; vendor may be left out: check defaults it to CustomOauth2. */
export type Oauth2CredentialProviderArgs = ArgsOf<Defaulted<Oauth2CredentialProviderInputs, "vendor">>;

export class Oauth2CredentialProvider extends ProjectResource {
    declare readonly credentialProviderArn: pulumi.Output<string>;
    declare readonly callbackUrl: pulumi.Output<string | undefined>;
    declare readonly clientSecretArn: pulumi.Output<string | undefined>;

    constructor(name: string, args: Oauth2CredentialProviderArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            inProject("oauth2CredentialProvider", "oauth2CredentialProviderProvider"),
            name,
            {
                ...args,
                clientSecret: pulumi.secret(args.clientSecret),
                credentialProviderArn: undefined,
                callbackUrl: undefined,
                clientSecretArn: undefined,
            },
            pulumi.mergeOptions(opts, { additionalSecretOutputs: ["clientSecret"] }),
            "agentcore",
            "Oauth2CredentialProvider",
        );
    }
}
