/**
 * AgentCore Runtime hosting the MCP server container (gateway topology). Only the name is
 * create-only: every other change is an UpdateAgentRuntime, which makes a new runtime version.
 */
import * as pulumi from "@pulumi/pulumi";
import { inProject, ProjectResource } from "./projectProvider";
import type { ArgsOf } from "./args";
import type {
    AgentRuntimeArtifact,
    AuthorizerConfiguration,
    GetAgentRuntimeResponse,
    NetworkConfiguration,
    ProtocolConfiguration,
    RequestHeaderConfiguration,
} from "@aws-sdk/client-bedrock-agentcore-control";
import {
    Adoption,
    checkFields,
    createOrAdopt,
    compact,
    currentClock,
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
    onlyTagsChanged,
    refreshInputs,
    waitForStatus,
    withRetries,
} from "./lifecycle";
import { controlClient, listTags, syncTags } from "./controlPlane";
import { NAME_RULES } from "../aws/names";

export interface AgentRuntimeInputs {
    region: string;
    agentRuntimeName: string;
    agentRuntimeArtifact: AgentRuntimeArtifact;
    roleArn: string;
    networkConfiguration: NetworkConfiguration;
    protocolConfiguration?: ProtocolConfiguration;
    /** Secret in state when any value came from a secret. */
    environmentVariables?: Record<string, string>;
    authorizerConfiguration?: AuthorizerConfiguration;
    requestHeaderConfiguration?: RequestHeaderConfiguration;
    description?: string;
    tags?: Record<string, string>;
    /**
     * Whether create waits for READY (the default). With false, create returns as soon as AWS
     * accepts the runtime, with its ARN and invocation URL, and an AgentRuntimeReady waits for it:
     * what needs only the ARN goes ahead meanwhile. Updates always wait.
     */
    waitForReady?: boolean;
}

export interface AgentRuntimeOutputs extends AgentRuntimeInputs {
    agentRuntimeId: string;
    agentRuntimeArn: string;
    agentRuntimeVersion: string;
    status: string;
    invocationUrl: string;
    failureReason?: string;
}

const UPDATABLE = [
    "agentRuntimeArtifact",
    "roleArn",
    "networkConfiguration",
    "protocolConfiguration",
    "environmentVariables",
    "authorizerConfiguration",
    "requestHeaderConfiguration",
    "description",
    "tags",
] as const;

export const AGENT_RUNTIME_DIFF: DiffSpec = {
    createOnly: ["region", "agentRuntimeName"],
    updatable: UPDATABLE,
    nameField: "agentRuntimeName",
};
const STATUS = { pending: ["CREATING", "UPDATING"], ready: ["READY"], replaceWhen: ["CREATE_FAILED"] };
const TIMEOUT_MS = 30 * 60_000;

/** `https://bedrock-agentcore.<region>.amazonaws.com/runtimes/<ARN, ":" and "/" encoded>/invocations?qualifier=DEFAULT` */
export function invocationUrl(region: string, arn: string): string {
    return `https://bedrock-agentcore.${region}.amazonaws.com/runtimes/${arn.replace(/:/g, "%3A").replace(/\//g, "%2F")}/invocations?qualifier=DEFAULT`;
}

function label(i: { agentRuntimeName: string }, id?: string): string {
    return `agent runtime "${i.agentRuntimeName}"` + (id ? ` (${id})` : "");
}

async function getRuntime(region: string, id: string): Promise<GetAgentRuntimeResponse | undefined> {
    const { sdk, client } = await controlClient(region);
    return findOrUndefined(`read runtime ${id}`, () => client.send(new sdk.GetAgentRuntimeCommand({ agentRuntimeId: id })));
}

function outputsOf(
    r: { agentRuntimeId?: string; agentRuntimeArn?: string; agentRuntimeVersion?: string; status?: string; failureReason?: string },
    region: string,
) {
    return compact({
        agentRuntimeId: r.agentRuntimeId!,
        agentRuntimeArn: r.agentRuntimeArn!,
        agentRuntimeVersion: r.agentRuntimeVersion!,
        status: r.status!,
        invocationUrl: invocationUrl(region, r.agentRuntimeArn!),
        failureReason: r.failureReason,
    });
}

export function waitReady(i: { region: string; agentRuntimeName: string }, id: string) {
    return waitForStatus<GetAgentRuntimeResponse>({
        resource: label(i, id),
        read: () => getRuntime(i.region, id),
        status: (r) => r.status!,
        reasons: (r) => r.failureReason,
        pending: STATUS.pending,
        target: STATUS.ready,
        timeoutMs: TIMEOUT_MS,
    });
}

function request(i: AgentRuntimeInputs) {
    return compact({
        agentRuntimeArtifact: i.agentRuntimeArtifact,
        roleArn: i.roleArn,
        networkConfiguration: i.networkConfiguration,
        protocolConfiguration: i.protocolConfiguration,
        environmentVariables: i.environmentVariables,
        authorizerConfiguration: i.authorizerConfiguration,
        requestHeaderConfiguration: i.requestHeaderConfiguration,
        description: i.description,
    });
}

/** The runtime holding a name, if any (ListAgentRuntimes, then GetAgentRuntime). */
async function findByName(region: string, name: string): Promise<GetAgentRuntimeResponse | undefined> {
    const { sdk, client } = await controlClient(region);
    return findInPages(
        `list agent runtimes to find "${name}"`,
        async (nextToken) => {
            const page = await client.send(new sdk.ListAgentRuntimesCommand({ nextToken }));
            return { items: page.agentRuntimes, nextToken: page.nextToken };
        },
        (r) => r.agentRuntimeName === name,
        (r) => getRuntime(region, r.agentRuntimeId!),
    );
}

/**
 * Brings an existing runtime to `news`: waits for it to settle, sends the whole configuration
 * (UpdateAgentRuntime replaces it; one client token for every retry), applies tag changes and waits
 * for READY. A failure keeps it in state, marked UPDATE_FAILED.
 */
async function applyInputs(
    id: string,
    arn: string,
    oldTags: Record<string, string> | undefined,
    news: AgentRuntimeInputs,
    recorded: Partial<AgentRuntimeOutputs>,
): Promise<AgentRuntimeOutputs> {
    const { sdk, client } = await controlClient(news.region);
    await waitForStatus<GetAgentRuntimeResponse>({
        resource: label(news, id),
        read: () => getRuntime(news.region, id),
        status: (r) => r.status!,
        pending: STATUS.pending,
        target: ["READY", "UPDATE_FAILED"],
        timeoutMs: TIMEOUT_MS,
    });
    const clientToken = newClientToken();
    await withRetries(() => client.send(new sdk.UpdateAgentRuntimeCommand({ agentRuntimeId: id, clientToken, ...request(news) })), {
        what: `update ${label(news, id)}`,
        propagation: IAM_PROPAGATION.runtime,
    });
    await syncTags(news.region, arn, oldTags, news.tags);
    try {
        const ready = (await waitReady(news, id))!;
        return { ...news, ...outputsOf(ready, news.region) };
    } catch (e) {
        throw initFailed(String((e as Error).message), id, { ...recorded, ...news, status: "UPDATE_FAILED" }, news as any);
    }
}

/**
 * How a create meets this stack's own runtime of the same name (a lost answer, a killed deploy): it
 * is taken over and brought to the inputs, or deleted and created again when it was left
 * CREATE_FAILED; anyone else's is refused.
 */
function adoption(inputs: AgentRuntimeInputs): Adoption<GetAgentRuntimeResponse, { id: string; outs: AgentRuntimeOutputs }> {
    return {
        what: label(inputs),
        wayOut: "Choose another name with pulumi config set runtimeName <name>, or delete that runtime.",
        find: () => findByName(inputs.region, inputs.agentRuntimeName),
        owner: { tagsOf: (r) => listTags(inputs.region, r.agentRuntimeArn!), desiredTags: inputs.tags },
        settling: {
            settle: (found) =>
                waitForStatus<GetAgentRuntimeResponse>({
                    resource: label(inputs, found.agentRuntimeId!),
                    read: () => getRuntime(inputs.region, found.agentRuntimeId!),
                    status: (r) => r.status!,
                    pending: STATUS.pending,
                    target: ["READY", "UPDATE_FAILED", "CREATE_FAILED"],
                    timeoutMs: TIMEOUT_MS,
                }),
            createFailed: (r) => r.status === "CREATE_FAILED",
            remove: (r) => agentRuntimeProvider.delete!(r.agentRuntimeId!, { ...inputs, ...outputsOf(r, inputs.region) }),
            recreate: () => agentRuntimeProvider.create!(inputs),
        },
        takeOver: async (found, tags) => ({
            id: found.agentRuntimeId!,
            outs: await applyInputs(found.agentRuntimeId!, found.agentRuntimeArn!, tags, inputs, outputsOf(found, inputs.region)),
        }),
    };
}

/**
 * The runtime's status (and, once read again, its outputs) as the next step should judge it. One
 * handed out before it was READY was last seen CREATING: what it became decides (CREATE_FAILED is
 * replaced, READY takes tag-only changes through the tagging API), so the next up repairs a
 * failure. One still CREATING past the create deadline will not get there, and counts as failed.
 */
async function lastSeen(
    id: string,
    olds: AgentRuntimeOutputs,
): Promise<Pick<AgentRuntimeOutputs, "status"> & Partial<AgentRuntimeOutputs>> {
    if (!STATUS.pending.includes(olds.status) || !olds.region) {
        return { status: olds.status };
    }
    const live = await getRuntime(olds.region, id);
    const stuck =
        live?.status === "CREATING" &&
        live.createdAt !== undefined &&
        currentClock().now() - new Date(live.createdAt).getTime() > TIMEOUT_MS;
    return !live || stuck ? { status: "CREATE_FAILED" } : outputsOf(live, olds.region);
}

export const agentRuntimeProvider: pulumi.dynamic.ResourceProvider<AgentRuntimeInputs, AgentRuntimeOutputs> = {
    async check(_olds, news) {
        return {
            inputs: news,
            failures: checkFields(
                news as unknown as Record<string, unknown>,
                ["region", "agentRuntimeName", "agentRuntimeArtifact", "roleArn", "networkConfiguration"],
                {
                    agentRuntimeName: NAME_RULES.runtime,
                    roleArn: NAME_RULES.roleArn,
                },
            ),
        };
    },

    async diff(id, olds, news) {
        return diffWithStatus({ ...olds, status: (await lastSeen(id, olds)).status } as any, news as any, AGENT_RUNTIME_DIFF, STATUS);
    },

    async create(inputs) {
        const { sdk, client } = await controlClient(inputs.region);
        // One token for the whole create: a retry after a lost answer gets the same runtime back.
        const clientToken = newClientToken();
        return createOrAdopt({
            ...adoption(inputs),
            create: () =>
                withRetries(
                    () =>
                        client.send(
                            new sdk.CreateAgentRuntimeCommand({
                                agentRuntimeName: inputs.agentRuntimeName,
                                clientToken,
                                tags: inputs.tags,
                                ...request(inputs),
                            }),
                        ),
                    { what: `create ${label(inputs)}`, propagation: IAM_PROPAGATION.runtime },
                ),
            created: async (res) => {
                const id = res.agentRuntimeId!;
                if (inputs.waitForReady === false) {
                    return { id, outs: { ...inputs, ...outputsOf(res, inputs.region) } };
                }
                return readyOrInitFailed(id, inputs, async () => outputsOf((await waitReady(inputs, id))!, inputs.region), {
                    ...outputsOf(res, inputs.region),
                    status: "CREATE_FAILED",
                });
            },
        });
    },

    async read(id, props) {
        const r = await getRuntime(props!.region, id);
        if (!r) {
            return {};
        }
        const fromAws = {
            agentRuntimeArtifact: r.agentRuntimeArtifact,
            roleArn: r.roleArn,
            networkConfiguration: r.networkConfiguration,
            protocolConfiguration: r.protocolConfiguration,
            environmentVariables: r.environmentVariables,
            authorizerConfiguration: r.authorizerConfiguration,
            requestHeaderConfiguration: r.requestHeaderConfiguration,
        };
        const read = { ...props!, ...refreshInputs(props as any, fromAws, Object.keys(fromAws)), ...outputsOf(r, props!.region) };
        return { id, props: read, inputs: inputsOf(read, AGENT_RUNTIME_DIFF, ["waitForReady"]) };
    },

    async update(id, olds, news) {
        const seen = onlyTagsChanged(olds as any, news as any, AGENT_RUNTIME_DIFF) ? await lastSeen(id, olds) : undefined;
        if (seen?.status === "READY") {
            // Tags have their own API: no UpdateAgentRuntime, so no new runtime version for a tag.
            // What the runtime became since it was recorded (READY, its version) is recorded now.
            await syncTags(news.region, olds.agentRuntimeArn, olds.tags, news.tags);
            return { outs: { ...olds, ...news, ...seen } };
        }
        return { outs: await applyInputs(id, olds.agentRuntimeArn, olds.tags, news, olds) };
    },

    async delete(id, props) {
        const { sdk, client } = await controlClient(props.region);
        // One token for every retry of this delete.
        const clientToken = newClientToken();
        await deleteAndWait<GetAgentRuntimeResponse>({
            what: `delete ${label(props, id)}`,
            call: () => client.send(new sdk.DeleteAgentRuntimeCommand({ agentRuntimeId: id, clientToken })),
            // AgentCore may answer a missing runtime id with AccessDenied: deleteAndWait reads it to tell.
            retryIf: (e) => errorName(e) === "ConflictException",
            wait: {
                resource: label(props, id),
                read: () => getRuntime(props.region, id),
                status: (r) => r.status!,
                reasons: (r) => r.failureReason,
                pending: ["DELETING", "READY", "CREATING", "UPDATING"],
                timeoutMs: TIMEOUT_MS,
            },
        });
    },
};

/** The resource's arguments: its provider's inputs, each one a pulumi.Input. */
export type AgentRuntimeArgs = ArgsOf<AgentRuntimeInputs>;

export class AgentRuntime extends ProjectResource {
    declare readonly agentRuntimeId: pulumi.Output<string>;
    declare readonly agentRuntimeArn: pulumi.Output<string>;
    declare readonly agentRuntimeVersion: pulumi.Output<string>;
    declare readonly status: pulumi.Output<string>;
    declare readonly invocationUrl: pulumi.Output<string>;

    constructor(name: string, args: AgentRuntimeArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            inProject("agentRuntime", "agentRuntimeProvider"),
            name,
            {
                ...args,
                agentRuntimeId: undefined,
                agentRuntimeArn: undefined,
                agentRuntimeVersion: undefined,
                status: undefined,
                invocationUrl: undefined,
                failureReason: undefined,
            },
            opts,
            "agentcore",
            "AgentRuntime",
        );
    }
}
