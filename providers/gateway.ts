/**
 * AgentCore Gateway: an MCP endpoint with a JWT authorizer in front of the runtime. A new name
 * replaces it; authorizer, role and description changes update it in place.
 */
import * as pulumi from "@pulumi/pulumi";
import { inProject, ProjectResource } from "./projectProvider";
import type { ArgsOf, Defaulted } from "./args";
import type { AuthorizerConfiguration, GetGatewayResponse } from "@aws-sdk/client-bedrock-agentcore-control";
import {
    Adoption,
    adoptionWarning,
    checkFields,
    createOrAdopt,
    compact,
    deleteAndWait,
    DiffSpec,
    diffWithStatus,
    errorName,
    findInPages,
    findOrUndefined,
    initFailed,
    readyOrInitFailed,
    inputsOf,
    newClientToken,
    onlyTagsChanged,
    refreshInputs,
    waitForStatus,
    withRetries,
} from "./lifecycle";
import { controlClient, listTags, syncTags } from "./controlPlane";
import { gatewayTargetProvider } from "./gatewayTarget";
import { NAME_RULES } from "../aws/names";

export interface GatewayInputs {
    region: string;
    name: string;
    description?: string;
    roleArn: string;
    protocolType: "MCP";
    authorizerType: "CUSTOM_JWT" | "AWS_IAM" | "NONE";
    authorizerConfiguration?: AuthorizerConfiguration;
    tags?: Record<string, string>;
    /**
     * The names of the targets the program declares for it. A gateway taken over (a create that met
     * this stack's own) loses every other target; unset, its targets are left as they are. Only
     * adoption reads it, so a change of it is no change of the gateway.
     */
    targetNames?: string[];
}

export interface GatewayOutputs extends GatewayInputs {
    gatewayId: string;
    gatewayArn: string;
    gatewayUrl: string;
    status: string;
    statusReasons?: string[];
}

export const GATEWAY_DIFF: DiffSpec = {
    createOnly: ["region", "name"],
    updatable: ["description", "roleArn", "protocolType", "authorizerType", "authorizerConfiguration", "tags"],
    nameField: "name",
};
const STATUS = { pending: ["CREATING", "UPDATING"], ready: ["READY"], replaceWhen: ["FAILED"] };
const TIMEOUT_MS = 30 * 60_000;

function label(i: { name: string }, id?: string): string {
    return `gateway "${i.name}"` + (id ? ` (${id})` : "");
}

async function getGateway(region: string, id: string): Promise<GetGatewayResponse | undefined> {
    const { sdk, client } = await controlClient(region);
    return findOrUndefined(`read gateway ${id}`, () => client.send(new sdk.GetGatewayCommand({ gatewayIdentifier: id })));
}

function outputsOf(g: { gatewayId?: string; gatewayArn?: string; gatewayUrl?: string; status?: string; statusReasons?: string[] }) {
    return compact({
        gatewayId: g.gatewayId!,
        gatewayArn: g.gatewayArn!,
        gatewayUrl: g.gatewayUrl ?? "",
        status: g.status!,
        statusReasons: g.statusReasons,
    });
}

function waitReady(i: GatewayInputs, id: string) {
    return waitForStatus<GetGatewayResponse>({
        resource: label(i, id),
        read: () => getGateway(i.region, id),
        status: (g) => g.status!,
        reasons: (g) => g.statusReasons?.join("; "),
        pending: STATUS.pending,
        target: STATUS.ready,
        timeoutMs: TIMEOUT_MS,
    });
}

function request(i: GatewayInputs) {
    return compact({
        name: i.name,
        description: i.description,
        roleArn: i.roleArn,
        protocolType: i.protocolType,
        authorizerType: i.authorizerType,
        authorizerConfiguration: i.authorizerConfiguration,
    });
}

/** The gateway holding a name, if any (ListGateways, then GetGateway). */
async function findByName(region: string, name: string): Promise<GetGatewayResponse | undefined> {
    const { sdk, client } = await controlClient(region);
    return findInPages(
        `list gateways to find "${name}"`,
        (nextToken) => client.send(new sdk.ListGatewaysCommand({ nextToken })),
        (g) => g.name === name,
        (g) => getGateway(region, g.gatewayId!),
    );
}

/** Brings an existing gateway to `news` (UpdateGateway takes the whole configuration), then its tags; waits for READY. */
async function applyInputs(
    id: string,
    arn: string,
    oldTags: Record<string, string> | undefined,
    news: GatewayInputs,
    recorded: Partial<GatewayOutputs>,
): Promise<GatewayOutputs> {
    const { sdk, client } = await controlClient(news.region);
    await withRetries(() => client.send(new sdk.UpdateGatewayCommand({ gatewayIdentifier: id, ...request(news) })), {
        what: `update ${label(news, id)}`,
        // A gateway still settling answers Conflict; it accepts the update once it is done.
        retryIf: (e) => errorName(e) === "ConflictException",
    });
    await syncTags(news.region, arn, oldTags, news.tags);
    try {
        const ready = (await waitReady(news, id))!;
        return { ...news, ...outputsOf(ready) };
    } catch (e) {
        throw initFailed(String((e as Error).message), id, { ...recorded, ...news, status: "UPDATE_UNSUCCESSFUL" }, news as any);
    }
}

/**
 * Deletes the targets of a gateway taken over that the program does not declare (`targetNames`),
 * each reported: a stack's gateway holds only its own targets. Unset, none is deleted.
 */
async function removeStrayTargets(inputs: GatewayInputs, gatewayId: string): Promise<void> {
    if (!inputs.targetNames) {
        return;
    }
    const { sdk, client } = await controlClient(inputs.region);
    const strays: { targetId: string; name: string }[] = [];
    let nextToken: string | undefined;
    do {
        const page = await withRetries(() => client.send(new sdk.ListGatewayTargetsCommand({ gatewayIdentifier: gatewayId, nextToken })), {
            what: `list the targets of ${label(inputs, gatewayId)}`,
        });
        for (const t of page.items ?? []) {
            if (!inputs.targetNames.includes(t.name!)) {
                strays.push({ targetId: t.targetId!, name: t.name! });
            }
        }
        nextToken = page.nextToken;
    } while (nextToken);
    for (const t of strays) {
        adoptionWarning(
            `${label(inputs, gatewayId)} was taken over with target "${t.name}" (${t.targetId}), which this stack does not declare: it is deleted.`,
        );
        await gatewayTargetProvider.delete!(`${gatewayId}/${t.targetId}`, { region: inputs.region, gatewayId, name: t.name } as any);
    }
}

/**
 * How a create meets this stack's own gateway of the same name (a lost answer, a killed deploy): it
 * is taken over and brought to the inputs, targets included (those the program does not declare are
 * deleted), or deleted and created again when it was left FAILED; anyone else's is refused.
 */
function adoption(inputs: GatewayInputs): Adoption<GetGatewayResponse, { id: string; outs: GatewayOutputs }> {
    return {
        what: label(inputs),
        wayOut: "Choose another name with pulumi config set gatewayName <name>, or delete that gateway.",
        find: () => findByName(inputs.region, inputs.name),
        owner: { tagsOf: (g) => listTags(inputs.region, g.gatewayArn!), desiredTags: inputs.tags },
        settling: {
            settle: (found) =>
                waitForStatus<GetGatewayResponse>({
                    resource: label(inputs, found.gatewayId!),
                    read: () => getGateway(inputs.region, found.gatewayId!),
                    status: (g) => g.status!,
                    pending: STATUS.pending,
                    target: ["READY", "UPDATE_UNSUCCESSFUL", "FAILED"],
                    timeoutMs: TIMEOUT_MS,
                }),
            createFailed: (g) => g.status === "FAILED",
            remove: (g) => gatewayProvider.delete!(g.gatewayId!, { ...inputs, ...outputsOf(g) }),
            recreate: () => gatewayProvider.create!(inputs),
        },
        takeOver: async (found, tags) => {
            await removeStrayTargets(inputs, found.gatewayId!);
            return {
                id: found.gatewayId!,
                outs: await applyInputs(found.gatewayId!, found.gatewayArn!, tags, inputs, outputsOf(found)),
            };
        },
    };
}

export const gatewayProvider: pulumi.dynamic.ResourceProvider<GatewayInputs, GatewayOutputs> = {
    async check(_olds, news) {
        const failures = checkFields(news as unknown as Record<string, unknown>, ["region", "name", "roleArn", "authorizerType"], {
            name: NAME_RULES.gateway,
        });
        if (news.authorizerType === "CUSTOM_JWT" && !news.authorizerConfiguration) {
            failures.push({
                property: "authorizerConfiguration",
                reason: "authorizerConfiguration (customJWTAuthorizer) is required when authorizerType is CUSTOM_JWT",
            });
        }
        return { inputs: { ...news, protocolType: news.protocolType ?? "MCP" }, failures };
    },

    async diff(_id, olds, news) {
        return diffWithStatus(olds as any, news as any, GATEWAY_DIFF, { ...STATUS, ready: ["READY"] });
    },

    async create(inputs) {
        const { sdk, client } = await controlClient(inputs.region);
        // One token for the whole create: a retry after a lost answer gets the same gateway back.
        const clientToken = newClientToken();
        return createOrAdopt({
            ...adoption(inputs),
            create: () =>
                withRetries(() => client.send(new sdk.CreateGatewayCommand({ ...request(inputs), clientToken, tags: inputs.tags })), {
                    what: `create ${label(inputs)}`,
                }),
            created: (res) =>
                readyOrInitFailed(res.gatewayId!, inputs, async () => outputsOf((await waitReady(inputs, res.gatewayId!))!), {
                    ...outputsOf(res),
                    status: "FAILED",
                }),
        });
    },

    async read(id, props) {
        const g = await getGateway(props!.region, id);
        if (!g) {
            return {};
        }
        const fromAws = {
            roleArn: g.roleArn,
            authorizerType: g.authorizerType,
            authorizerConfiguration: g.authorizerConfiguration,
            description: g.description,
        };
        const read = { ...props!, ...refreshInputs(props as any, fromAws, Object.keys(fromAws)), ...outputsOf(g) };
        return { id, props: read, inputs: inputsOf(read, GATEWAY_DIFF) };
    },

    async update(id, olds, news) {
        if (olds.status === "READY" && onlyTagsChanged(olds as any, news as any, GATEWAY_DIFF)) {
            // Tags have their own API: no UpdateGateway for a tag.
            await syncTags(news.region, olds.gatewayArn, olds.tags, news.tags);
            return { outs: { ...olds, ...news } };
        }
        return { outs: await applyInputs(id, olds.gatewayArn, olds.tags, news, olds) };
    },

    async delete(id, props) {
        const { sdk, client } = await controlClient(props.region);
        // A gateway that still has targets refuses deletion; the topology deletes targets first.
        await deleteAndWait<GetGatewayResponse>({
            what: `delete ${label(props, id)}`,
            call: () => client.send(new sdk.DeleteGatewayCommand({ gatewayIdentifier: id })),
            wait: {
                resource: label(props, id),
                read: () => getGateway(props.region, id),
                status: (g) => g.status!,
                reasons: (g) => g.statusReasons?.join("; "),
                pending: ["DELETING", "READY", "UPDATING", "CREATING"],
                timeoutMs: TIMEOUT_MS,
            },
        });
    },
};

/** The resource's arguments: its provider's inputs, each one a pulumi.Input; protocolType may be left out: check defaults it to MCP. */
export type GatewayArgs = ArgsOf<Defaulted<GatewayInputs, "protocolType">>;

export class Gateway extends ProjectResource {
    declare readonly gatewayId: pulumi.Output<string>;
    declare readonly gatewayArn: pulumi.Output<string>;
    declare readonly gatewayUrl: pulumi.Output<string>;
    declare readonly status: pulumi.Output<string>;

    constructor(name: string, args: GatewayArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            inProject("gateway", "gatewayProvider"),
            name,
            { ...args, gatewayId: undefined, gatewayArn: undefined, gatewayUrl: undefined, status: undefined, statusReasons: undefined },
            opts,
            "agentcore",
            "Gateway",
        );
    }
}
