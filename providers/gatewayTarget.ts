/**
 * A gateway target that forwards MCP calls to the runtime's invocation URL with an OAuth token
 * from the Token Vault. Its id is the pair `<gatewayId>/<targetId>`. A target left FAILED is
 * replaced on the next `pulumi up`.
 */
import * as pulumi from "@pulumi/pulumi";
import { inProject, ProjectResource } from "./projectProvider";
import type { ArgsOf } from "./args";
import type {
    CredentialProviderConfiguration,
    GetGatewayTargetResponse,
    TargetConfiguration,
} from "@aws-sdk/client-bedrock-agentcore-control";
import {
    Adoption,
    checkFields,
    createOrAdopt,
    compact,
    deleteAndWait,
    DiffSpec,
    diffWithStatus,
    errorName,
    findInPages,
    findOrUndefined,
    IAM_PROPAGATION,
    initFailed,
    readyOrInitFailed,
    inputsOf,
    newClientToken,
    refreshInputs,
    waitForStatus,
    withRetries,
} from "./lifecycle";
import { controlClient } from "./controlPlane";
import { NAME_RULES } from "../aws/names";

export interface GatewayTargetInputs {
    region: string;
    gatewayId: string;
    name: string;
    description?: string;
    targetConfiguration: TargetConfiguration;
    credentialProviderConfigurations: CredentialProviderConfiguration[];
}

export interface GatewayTargetOutputs extends GatewayTargetInputs {
    targetId: string;
    status: string;
    statusReasons?: string[];
}

export const GATEWAY_TARGET_DIFF: DiffSpec = {
    createOnly: ["region", "gatewayId"],
    updatable: ["name", "description", "targetConfiguration", "credentialProviderConfigurations"],
};
const STATUS = { pending: ["CREATING", "UPDATING", "SYNCHRONIZING"], ready: ["READY"], replaceWhen: ["FAILED", "CREATE_PENDING_AUTH"] };
const TIMEOUT_MS = 30 * 60_000;
const PENDING_AUTH_HINT =
    "the target waits for a user to authorize an OAuth grant, which never happens for client credentials; " +
    "check that the credential provider uses grantType CLIENT_CREDENTIALS";

function label(i: { name: string; gatewayId: string }, targetId?: string): string {
    return `gateway target "${i.name}" of gateway ${i.gatewayId}` + (targetId ? ` (${targetId})` : "");
}

export function splitTargetId(id: string): { gatewayId: string; targetId: string } {
    const slash = id.lastIndexOf("/");
    return { gatewayId: id.slice(0, slash), targetId: id.slice(slash + 1) };
}

async function getTarget(region: string, gatewayId: string, targetId: string): Promise<GetGatewayTargetResponse | undefined> {
    const { sdk, client } = await controlClient(region);
    return findOrUndefined(`read target ${targetId}`, () =>
        client.send(new sdk.GetGatewayTargetCommand({ gatewayIdentifier: gatewayId, targetId })),
    );
}

function waitReady(i: GatewayTargetInputs, targetId: string) {
    return waitForStatus<GetGatewayTargetResponse>({
        resource: label(i, targetId),
        read: () => getTarget(i.region, i.gatewayId, targetId),
        status: (t) => t.status!,
        reasons: (t) =>
            [...(t.statusReasons ?? []), ...(t.status?.endsWith("PENDING_AUTH") ? [PENDING_AUTH_HINT] : [])].join("; ") || undefined,
        pending: STATUS.pending,
        target: STATUS.ready,
        timeoutMs: TIMEOUT_MS,
    });
}

function outputsOf(t: { targetId?: string; status?: string; statusReasons?: string[] }) {
    return compact({ targetId: t.targetId!, status: t.status!, statusReasons: t.statusReasons });
}

/** The target of this name in the gateway, if any. */
async function findByName(i: GatewayTargetInputs): Promise<GetGatewayTargetResponse | undefined> {
    const { sdk, client } = await controlClient(i.region);
    return findInPages(
        `list the targets of gateway ${i.gatewayId}`,
        (nextToken) => client.send(new sdk.ListGatewayTargetsCommand({ gatewayIdentifier: i.gatewayId, nextToken })),
        (t) => t.name === i.name,
        (t) => getTarget(i.region, i.gatewayId, t.targetId!),
    );
}

/** Brings an existing target to `news` with UpdateGatewayTarget and waits for READY; a failure keeps it in state. */
async function applyInputs(news: GatewayTargetInputs, targetId: string): Promise<GatewayTargetOutputs> {
    const { sdk, client } = await controlClient(news.region);
    await withRetries(
        () =>
            client.send(
                new sdk.UpdateGatewayTargetCommand(
                    compact({
                        gatewayIdentifier: news.gatewayId,
                        targetId,
                        name: news.name,
                        description: news.description,
                        targetConfiguration: news.targetConfiguration,
                        credentialProviderConfigurations: news.credentialProviderConfigurations,
                    }),
                ),
            ),
        {
            what: `update ${label(news, targetId)}`,
            propagation: IAM_PROPAGATION.gatewayTarget,
            retryIf: (e) => errorName(e) === "ConflictException",
        },
    );
    try {
        const ready = (await waitReady(news, targetId))!;
        return { ...news, ...outputsOf(ready) };
    } catch (e) {
        throw initFailed(
            String((e as Error).message),
            `${news.gatewayId}/${targetId}`,
            { ...news, targetId, status: "UPDATE_UNSUCCESSFUL" },
            news as any,
        );
    }
}

/**
 * How a create meets a target of the same name (a create whose answer was lost, or one a killed
 * deploy never recorded): one left FAILED (or waiting for a user's OAuth grant) is deleted and
 * created again, any other brought to the inputs.
 */
function adoption(inputs: GatewayTargetInputs): Adoption<GetGatewayTargetResponse, { id: string; outs: GatewayTargetOutputs }> {
    return {
        what: label(inputs),
        wayOut: "Delete that target, then run pulumi up again.",
        find: () => findByName(inputs),
        // Targets take no tags, but they live in this stack's own gateway: a target of this name
        // there is this stack's, so it is looked for first and taken over rather than refused as a
        // duplicate.
        lookFirst: true,
        owner: { notOwnBecause: () => undefined },
        settling: {
            settle: (found) =>
                waitForStatus<GetGatewayTargetResponse>({
                    resource: label(inputs, found.targetId!),
                    read: () => getTarget(inputs.region, inputs.gatewayId, found.targetId!),
                    status: (t) => t.status!,
                    pending: STATUS.pending,
                    target: [
                        "READY",
                        "UPDATE_UNSUCCESSFUL",
                        "SYNCHRONIZE_UNSUCCESSFUL",
                        "FAILED",
                        "CREATE_PENDING_AUTH",
                        "UPDATE_PENDING_AUTH",
                        "SYNCHRONIZE_PENDING_AUTH",
                    ],
                    timeoutMs: TIMEOUT_MS,
                }),
            createFailed: (t) => t.status === "FAILED" || t.status === "CREATE_PENDING_AUTH",
            remove: (t) => gatewayTargetProvider.delete!(`${inputs.gatewayId}/${t.targetId}`, { ...inputs, ...outputsOf(t) }),
            recreate: () => gatewayTargetProvider.create!(inputs),
        },
        takeOver: async (found) => ({ id: `${inputs.gatewayId}/${found.targetId}`, outs: await applyInputs(inputs, found.targetId!) }),
    };
}

export const gatewayTargetProvider: pulumi.dynamic.ResourceProvider<GatewayTargetInputs, GatewayTargetOutputs> = {
    async check(_olds, news) {
        return {
            inputs: news,
            failures: checkFields(news as unknown as Record<string, unknown>, ["region", "gatewayId", "name", "targetConfiguration"], {
                name: NAME_RULES.gateway,
            }),
        };
    },

    async diff(_id, olds, news) {
        return diffWithStatus(olds as any, news as any, GATEWAY_TARGET_DIFF, STATUS);
    },

    async create(inputs) {
        const { sdk, client } = await controlClient(inputs.region);
        // One token for the whole create: a retry after a lost answer gets the same target back.
        const clientToken = newClientToken();
        return createOrAdopt({
            ...adoption(inputs),
            create: () =>
                withRetries(
                    () =>
                        client.send(
                            new sdk.CreateGatewayTargetCommand(
                                compact({
                                    gatewayIdentifier: inputs.gatewayId,
                                    name: inputs.name,
                                    description: inputs.description,
                                    clientToken,
                                    targetConfiguration: inputs.targetConfiguration,
                                    credentialProviderConfigurations: inputs.credentialProviderConfigurations,
                                }),
                            ),
                        ),
                    { what: `create ${label(inputs)}`, propagation: IAM_PROPAGATION.gatewayTarget },
                ),
            created: (res) =>
                readyOrInitFailed(
                    `${inputs.gatewayId}/${res.targetId}`,
                    inputs,
                    async () => outputsOf((await waitReady(inputs, res.targetId!))!),
                    {
                        ...outputsOf(res),
                        status: "FAILED",
                    },
                ),
        });
    },

    async read(id, props) {
        const { gatewayId, targetId } = splitTargetId(id);
        const t = await getTarget(props!.region, gatewayId, targetId);
        if (!t) {
            return {};
        }
        const fromAws = {
            name: t.name,
            description: t.description,
            targetConfiguration: t.targetConfiguration,
            credentialProviderConfigurations: t.credentialProviderConfigurations,
        };
        const read = { ...props!, ...refreshInputs(props as any, fromAws, Object.keys(fromAws)), ...outputsOf(t) };
        return { id, props: read, inputs: inputsOf(read, GATEWAY_TARGET_DIFF) };
    },

    async update(id, _olds, news) {
        return { outs: await applyInputs(news, splitTargetId(id).targetId) };
    },

    async delete(id, props) {
        const { sdk, client } = await controlClient(props.region);
        const { gatewayId, targetId } = splitTargetId(id);
        await deleteAndWait<GetGatewayTargetResponse>({
            what: `delete ${label(props, targetId)}`,
            call: () => client.send(new sdk.DeleteGatewayTargetCommand({ gatewayIdentifier: gatewayId, targetId })),
            wait: {
                resource: label(props, targetId),
                read: () => getTarget(props.region, gatewayId, targetId),
                status: (t) => t.status!,
                reasons: (t) => t.statusReasons?.join("; "),
                // A target whose delete failed goes to FAILED: report it at once, not after 30 minutes.
                pending: ["DELETING", "READY", "UPDATING", "CREATING", "SYNCHRONIZING"],
                timeoutMs: TIMEOUT_MS,
            },
        });
    },
};

/** The resource's arguments: its provider's inputs, each one a pulumi.Input. */
export type GatewayTargetArgs = ArgsOf<GatewayTargetInputs>;

export class GatewayTarget extends ProjectResource {
    declare readonly targetId: pulumi.Output<string>;
    declare readonly status: pulumi.Output<string>;

    constructor(name: string, args: GatewayTargetArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            inProject("gatewayTarget", "gatewayTargetProvider"),
            name,
            { ...args, targetId: undefined, status: undefined, statusReasons: undefined },
            opts,
            "agentcore",
            "GatewayTarget",
        );
    }
}
