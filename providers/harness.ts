/**
 * AgentCore Harness: a managed agent (model, system prompt, tools). Only the name is create-only;
 * everything else is changed in place with UpdateHarness, so a new prompt or model never makes a
 * second harness.
 */
import * as pulumi from "@pulumi/pulumi";
import { inProject, ProjectResource } from "./projectProvider";
import type { ArgsOf } from "./args";
import type {
    HarnessMemoryConfiguration,
    HarnessModelConfiguration,
    HarnessSystemContentBlock,
    HarnessTool,
    Harness as AwsHarness,
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
    isUnknown,
    newClientToken,
    onlyTagsChanged,
    refreshInputs,
    waitForStatus,
    withRetries,
} from "./lifecycle";
import { controlClient, listTags, syncTags } from "./controlPlane";
import { NAME_RULES } from "../aws/names";

export interface HarnessInputs {
    region: string;
    harnessName: string;
    executionRoleArn: string;
    model: HarnessModelConfiguration;
    systemPrompt: HarnessSystemContentBlock[];
    /** Any tool the API accepts. Header values such as `${<credential provider ARN>}` pass through untouched. */
    tools: HarnessTool[];
    maxIterations?: number;
    maxTokens?: number;
    timeoutSeconds?: number;
    memory?: HarnessMemoryConfiguration;
    tags?: Record<string, string>;
}

export interface HarnessOutputs extends HarnessInputs {
    /**
     * What AWS holds for the limits the inputs left unset (as it reported them, or its documented
     * default): what leaving a limit unset again restores, and what a refresh compares against.
     */
    serviceDefaults?: { maxIterations?: number; timeoutSeconds?: number };
    harnessId: string;
    arn: string;
    status: string;
    /** The runtime AWS manages for the harness; its logs live under /aws/bedrock-agentcore/runtimes/. */
    runtimeId?: string;
    failureReason?: string;
}

const UPDATABLE = [
    "executionRoleArn",
    "model",
    "systemPrompt",
    "tools",
    "maxIterations",
    "maxTokens",
    "timeoutSeconds",
    "memory",
    "tags",
] as const;

export const HARNESS_DIFF: DiffSpec = {
    createOnly: ["region", "harnessName"],
    updatable: UPDATABLE,
    nameField: "harnessName",
};

const HARNESS_STATUS = {
    pending: ["CREATING", "UPDATING"],
    ready: ["READY"],
    replaceWhen: ["CREATE_FAILED"],
};
const CREATE_TIMEOUT_MS = 30 * 60_000;

function label(inputs: { harnessName: string }, id?: string): string {
    return `harness "${inputs.harnessName}"` + (id ? ` (${id})` : "");
}

/** AWS's agent-loop limit when none is set (the harness keeps it until told otherwise). */
const DEFAULT_MAX_ITERATIONS = 25;
const LIMITS = ["maxIterations", "timeoutSeconds"] as const;

/** The service defaults known for this harness: kept from before, or learned from a limit the inputs leave unset. */
function serviceDefaults(
    inputs: HarnessInputs,
    h: AwsHarness,
    known?: HarnessOutputs["serviceDefaults"],
): HarnessOutputs["serviceDefaults"] {
    return compact({
        maxIterations: known?.maxIterations ?? (inputs.maxIterations === undefined ? h.maxIterations : undefined) ?? DEFAULT_MAX_ITERATIONS,
        timeoutSeconds: known?.timeoutSeconds ?? (inputs.timeoutSeconds === undefined ? h.timeoutSeconds : undefined),
    });
}

/**
 * The limits UpdateHarness receives: each one set, or, when the inputs no longer set one the harness
 * had, AWS's default for it (an absent field would leave the old value in place).
 */
function limitsFor(
    news: HarnessInputs,
    recorded: Partial<HarnessOutputs>,
    id: string,
): Pick<HarnessInputs, "maxIterations" | "timeoutSeconds"> {
    const out: Pick<HarnessInputs, "maxIterations" | "timeoutSeconds"> = {};
    for (const k of LIMITS) {
        if (news[k] !== undefined || recorded[k] === undefined) {
            out[k] = news[k];
            continue;
        }
        const restored = recorded.serviceDefaults?.[k];
        if (restored === undefined) {
            throw new Error(
                `${label(news, id)}: ${k} cannot go back to AWS's default, which AWS never reported for this harness. ` +
                    `Set ${k} to the value you want (pulumi config set ${k} <value>).`,
            );
        }
        out[k] = restored;
    }
    return out;
}

function outputsOf(h: AwsHarness): Omit<HarnessOutputs, keyof HarnessInputs> {
    return compact({
        harnessId: h.harnessId!,
        arn: h.arn!,
        status: h.status!,
        runtimeId: h.environment?.agentCoreRuntimeEnvironment?.agentRuntimeId,
        failureReason: h.failureReason,
    });
}

async function getHarness(region: string, id: string): Promise<AwsHarness | undefined> {
    const { sdk, client } = await controlClient(region);
    return (await findOrUndefined(`read harness ${id}`, () => client.send(new sdk.GetHarnessCommand({ harnessId: id }))))?.harness;
}

function waitReady(inputs: HarnessInputs, id: string): Promise<AwsHarness | undefined> {
    return waitForStatus<AwsHarness>({
        resource: label(inputs, id),
        read: () => getHarness(inputs.region, id),
        status: (h) => h.status!,
        reasons: (h) => h.failureReason,
        pending: HARNESS_STATUS.pending,
        target: HARNESS_STATUS.ready,
        timeoutMs: CREATE_TIMEOUT_MS,
    });
}

/** The harness holding a name, if any (ListHarnesses, then GetHarness). */
async function findByName(region: string, harnessName: string): Promise<AwsHarness | undefined> {
    const { sdk, client } = await controlClient(region);
    return findInPages(
        `list harnesses to find "${harnessName}"`,
        async (nextToken) => {
            const page = await client.send(new sdk.ListHarnessesCommand({ nextToken }));
            return { items: page.harnesses, nextToken: page.nextToken };
        },
        (h) => h.harnessName === harnessName,
        (h) => getHarness(region, h.harnessId!),
    );
}

/**
 * Brings an existing harness to `news`: waits for it to settle, calls UpdateHarness (one client
 * token for every retry), applies tag changes, and waits for READY. A failure keeps it in state.
 */
async function applyInputs(id: string, news: HarnessInputs, recorded: Partial<HarnessOutputs> & { arn: string }): Promise<HarnessOutputs> {
    const { sdk, client } = await controlClient(news.region);
    const current = await waitForStatus<AwsHarness>({
        resource: label(news, id),
        read: () => getHarness(news.region, id),
        status: (h) => h.status!,
        pending: HARNESS_STATUS.pending,
        target: ["READY", "UPDATE_FAILED"],
        timeoutMs: CREATE_TIMEOUT_MS,
    });
    if (!current) {
        throw new Error(`${label(news, id)} no longer exists; run pulumi refresh, then pulumi up to create it again.`);
    }
    const limits = limitsFor(news, recorded, id);
    const clientToken = newClientToken();
    await withRetries(
        () =>
            client.send(
                new sdk.UpdateHarnessCommand(
                    compact({
                        harnessId: id,
                        clientToken,
                        executionRoleArn: news.executionRoleArn,
                        model: news.model,
                        systemPrompt: news.systemPrompt,
                        tools: news.tools,
                        maxIterations: limits.maxIterations,
                        maxTokens: news.maxTokens,
                        timeoutSeconds: limits.timeoutSeconds,
                        // Optional configurations travel in a wrapper: an empty one clears the value.
                        memory:
                            recorded.memory !== undefined || news.memory !== undefined
                                ? compact({ optionalValue: news.memory })
                                : undefined,
                    }),
                ),
            ),
        { what: `update ${label(news, id)}`, propagation: IAM_PROPAGATION.harness },
    );
    await syncTags(news.region, recorded.arn, recorded.tags, news.tags);
    try {
        const ready = (await waitReady(news, id))!;
        return { ...news, ...outputsOf(ready), serviceDefaults: serviceDefaults(news, ready, recorded.serviceDefaults) };
    } catch (e) {
        throw initFailed(
            String((e as Error).message),
            id,
            { harnessId: id, arn: recorded.arn, serviceDefaults: recorded.serviceDefaults, status: "UPDATE_FAILED" },
            news as any,
        );
    }
}

/**
 * How a create meets this stack's own harness of the same name (a create whose answer was lost, or
 * a deploy killed before Pulumi recorded it): it is taken over and brought to the desired inputs;
 * one left CREATE_FAILED is deleted and created again. Anyone else's is refused.
 */
function adoption(inputs: HarnessInputs): Adoption<AwsHarness, { id: string; outs: HarnessOutputs }> {
    return {
        what: label(inputs),
        wayOut: "Choose another name with pulumi config set harnessName <name>, or delete that harness.",
        find: () => findByName(inputs.region, inputs.harnessName),
        owner: { tagsOf: (h) => listTags(inputs.region, h.arn!), desiredTags: inputs.tags },
        settling: {
            settle: (found) =>
                waitForStatus<AwsHarness>({
                    resource: label(inputs, found.harnessId!),
                    read: () => getHarness(inputs.region, found.harnessId!),
                    status: (h) => h.status!,
                    pending: HARNESS_STATUS.pending,
                    target: ["READY", "UPDATE_FAILED", "CREATE_FAILED"],
                    timeoutMs: CREATE_TIMEOUT_MS,
                }),
            createFailed: (h) => h.status === "CREATE_FAILED",
            remove: (h) =>
                harnessProvider.delete!(h.harnessId!, { ...inputs, harnessId: h.harnessId!, arn: h.arn!, status: "CREATE_FAILED" }),
            recreate: () => harnessProvider.create!(inputs),
        },
        // What this harness held is unknown to the stack: send the memory wrapper and restore the
        // documented loop limit when the inputs leave it unset.
        takeOver: async (found, tags) => ({
            id: found.harnessId!,
            outs: await applyInputs(found.harnessId!, inputs, {
                arn: found.arn!,
                tags,
                memory: found.memory ?? ({} as HarnessOutputs["memory"]),
                maxIterations: found.maxIterations,
                serviceDefaults: { maxIterations: DEFAULT_MAX_ITERATIONS },
            }),
        }),
    };
}

export const harnessProvider: pulumi.dynamic.ResourceProvider<HarnessInputs, HarnessOutputs> = {
    async check(_olds, news) {
        const failures = checkFields(
            news as unknown as Record<string, unknown>,
            ["region", "harnessName", "executionRoleArn", "model", "tools"],
            {
                harnessName: NAME_RULES.harness,
                executionRoleArn: NAME_RULES.roleArn,
            },
        );
        if (Array.isArray(news.tools)) {
            news.tools.forEach((t, i) => {
                // During a preview a tool, or any field of it, may not be known yet: check only what is.
                if (isUnknown(t)) {
                    return;
                }
                const typeOk = isUnknown(t?.type) || typeof t?.type === "string";
                const nameOk = t?.name === undefined || isUnknown(t.name) || NAME_RULES.harnessTool.re.test(t.name);
                if (!t || typeof t !== "object" || !typeOk || !nameOk) {
                    failures.push({ property: "tools", reason: `tools[${i}] needs a type and a name of 1-64 letters, digits, _ or -` });
                }
            });
        }
        return { inputs: { ...news, systemPrompt: news.systemPrompt ?? [] }, failures };
    },

    async diff(_id, olds, news) {
        return diffWithStatus(olds as any, news as any, HARNESS_DIFF, HARNESS_STATUS);
    },

    async create(inputs) {
        const { sdk, client } = await controlClient(inputs.region);
        // One token for the whole create: a retry after a lost answer gets the same harness back.
        const clientToken = newClientToken();
        return createOrAdopt({
            ...adoption(inputs),
            create: async () =>
                (
                    await withRetries(
                        () =>
                            client.send(
                                new sdk.CreateHarnessCommand(
                                    compact({
                                        harnessName: inputs.harnessName,
                                        executionRoleArn: inputs.executionRoleArn,
                                        clientToken,
                                        model: inputs.model,
                                        systemPrompt: inputs.systemPrompt,
                                        tools: inputs.tools,
                                        maxIterations: inputs.maxIterations,
                                        maxTokens: inputs.maxTokens,
                                        timeoutSeconds: inputs.timeoutSeconds,
                                        memory: inputs.memory,
                                        tags: inputs.tags,
                                    }),
                                ),
                            ),
                        { what: `create ${label(inputs)}`, propagation: IAM_PROPAGATION.harness },
                    )
                ).harness!,
            created: async (created) => {
                return readyOrInitFailed(
                    created.harnessId!,
                    inputs,
                    async () => {
                        const ready = (await waitReady(inputs, created.harnessId!))!;
                        return { ...outputsOf(ready), serviceDefaults: serviceDefaults(inputs, ready) };
                    },
                    { ...outputsOf(created), status: "CREATE_FAILED" },
                );
            },
        });
    },

    async read(id, props) {
        const h = await getHarness(props!.region, id);
        if (!h) {
            return {};
        }
        const fromAws = {
            harnessName: h.harnessName,
            executionRoleArn: h.executionRoleArn,
            model: h.model,
            systemPrompt: h.systemPrompt,
            tools: h.tools,
            maxIterations: h.maxIterations,
            maxTokens: h.maxTokens,
            timeoutSeconds: h.timeoutSeconds,
            memory: h.memory,
        };
        const refreshed = refreshInputs(props as any, fromAws, Object.keys(fromAws));
        // A limit the stack leaves unset, held by AWS at something other than its default, has drifted.
        for (const k of LIMITS) {
            const known = props!.serviceDefaults?.[k];
            if (props![k] === undefined && fromAws[k] !== undefined && known !== undefined && fromAws[k] !== known) {
                refreshed[k] = fromAws[k];
            }
        }
        const merged = { ...props!, ...refreshed, ...outputsOf(h) };
        return { id, props: merged, inputs: inputsOf(merged, HARNESS_DIFF) };
    },

    async update(id, olds, news) {
        if (olds.status === "READY" && onlyTagsChanged(olds as any, news as any, HARNESS_DIFF)) {
            // Tags have their own API: no UpdateHarness, no new version, no wait.
            await syncTags(news.region, olds.arn, olds.tags, news.tags);
            return { outs: { ...olds, ...news } };
        }
        return { outs: await applyInputs(id, news, olds) };
    },

    async delete(id, props) {
        const { sdk, client } = await controlClient(props.region);
        // One token for every retry of this delete.
        const clientToken = newClientToken();
        await deleteAndWait<AwsHarness>({
            what: `delete ${label(props, id)}`,
            call: () => client.send(new sdk.DeleteHarnessCommand({ harnessId: id, clientToken })),
            retryIf: (e) => errorName(e) === "ConflictException",
            wait: {
                resource: label(props, id),
                read: () => getHarness(props.region, id),
                status: (h) => h.status!,
                reasons: (h) => h.failureReason,
                pending: ["DELETING", "READY", "CREATING", "UPDATING"],
                timeoutMs: CREATE_TIMEOUT_MS,
            },
        });
    },
};

/** The resource's arguments: its provider's inputs, each one a pulumi.Input. */
export type HarnessArgs = ArgsOf<HarnessInputs>;

export class Harness extends ProjectResource {
    declare readonly harnessId: pulumi.Output<string>;
    declare readonly arn: pulumi.Output<string>;
    declare readonly status: pulumi.Output<string>;
    declare readonly runtimeId: pulumi.Output<string | undefined>;
    declare readonly failureReason: pulumi.Output<string | undefined>;
    declare readonly harnessName: pulumi.Output<string>;

    constructor(name: string, args: HarnessArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            inProject("harness", "harnessProvider"),
            name,
            { ...args, harnessId: undefined, arn: undefined, status: undefined, runtimeId: undefined, failureReason: undefined },
            opts,
            "agentcore",
            "Harness",
        );
    }
}
