/**
 * ECS Express Mode service: Fargate, a managed ALB and an HTTPS endpoint from one API call.
 *
 * The MCP server's DNS-rebinding guard answers 421 to any Host header that is not in
 * ZSCALER_MCP_ALLOWED_HOSTS, and the service's own FQDN exists only after creation. So create
 * starts the container with the loopback entries and the user's hosts (the server refuses to bind
 * 0.0.0.0 with an empty list), waits for the public endpoint, then rolls the FQDN into the list.
 * One `pulumi up` ends with a working URL.
 */
import * as pulumi from "@pulumi/pulumi";
import { checkAccount } from "./awsIdentity";
import { inProject, ProjectResource } from "./projectProvider";
import type { ECSExpressGatewayService } from "@aws-sdk/client-ecs";
import {
    checkFields,
    compact,
    DiffSpec,
    diffWithStatus,
    errorName,
    findAdoptable,
    findOrUndefined,
    IAM_PROPAGATION,
    initFailed,
    inputsOf,
    isNameTaken,
    isNotFound,
    isUnknown,
    onlyTagsChanged,
    sdkClientConfig,
    tagChanges,
    waitForStatus,
    withRetries,
} from "./lifecycle";

export interface ExpressContainer {
    image: string;
    containerPort: number;
    logGroup: string;
    logStreamPrefix: string;
    /** Plain environment (secret in state when it carries credentials). */
    environment: Record<string, string>;
    /** Secrets Manager references: env name -> `<secret ARN>:<JSON key>::`. */
    secrets: Record<string, string>;
}

export interface ExpressGatewayServiceInputs {
    region: string;
    serviceName: string;
    cluster: string;
    executionRoleArn: string;
    infrastructureRoleArn: string;
    taskRoleArn?: string;
    healthCheckPath: string;
    cpu: string;
    memory: string;
    container: ExpressContainer;
    /** `auto`: the service's FQDN is merged into ZSCALER_MCP_ALLOWED_HOSTS; `disabled`: no Host check. */
    hostValidation: "auto" | "disabled";
    /** Hosts the user allows besides the service's own FQDN and loopback. */
    allowedHosts: string[];
    /**
     * Whether create waits for the allow-list rollout (about two minutes on AWS). With false, create
     * returns once the rollout has started and an ExpressGatewayServiceRollout waits for it, so the
     * harness can be created meanwhile (it calls the server only when invoked).
     */
    waitForAllowList?: boolean;
    tags?: Record<string, string>;
}

export interface ExpressGatewayServiceOutputs extends ExpressGatewayServiceInputs {
    serviceArn: string;
    /** The bare FQDN (`xxxx.ecs.<region>.on.aws`). */
    endpoint: string;
    url: string;
    /** `https://<fqdn>/mcp`, no trailing slash. */
    mcpUrl: string;
    status: string;
    /** The ZSCALER_MCP_ALLOWED_HOSTS value rolled out (empty when host validation is disabled). */
    allowedHostsValue: string;
}

export const EXPRESS_DIFF: DiffSpec = {
    createOnly: ["region", "serviceName", "cluster", "infrastructureRoleArn"],
    updatable: ["executionRoleArn", "taskRoleArn", "healthCheckPath", "cpu", "memory", "container", "hostValidation", "allowedHosts", "waitForAllowList", "tags"],
    nameField: "serviceName",
};

const CREATE_TIMEOUT_MS = 20 * 60_000;
const DELETE_TIMEOUT_MS = 20 * 60_000;
const DRAIN_TIMEOUT_MS = 5 * 60_000;
const LOOPBACK_HOSTS = ["127.0.0.1:*", "localhost:*"];

async function ecsClient(region: string) {
    await checkAccount(region);
    const sdk = await import("@aws-sdk/client-ecs");
    return { sdk, client: new sdk.ECSClient(sdkClientConfig(region, "ecs")) };
}

function label(i: { serviceName: string; cluster: string }): string {
    return `ECS Express service "${i.serviceName}" in cluster "${i.cluster}"`;
}

/**
 * The allow-list: the FQDN first (when known), then loopback, then the user's entries, without
 * duplicates.
 */
export function allowedHostsValue(fqdn: string | undefined, userHosts: readonly string[]): string {
    const all = [...(fqdn ? [fqdn] : []), ...LOOPBACK_HOSTS, ...userHosts];
    return [...new Set(all)].join(",");
}

/** The container environment AWS receives: the user's env plus the host-validation settings. */
export function containerEnvironment(i: ExpressGatewayServiceInputs, fqdn: string | undefined): { name: string; value: string }[] {
    const env: Record<string, string> = { ...i.container.environment };
    if (i.hostValidation === "disabled") {
        env.ZSCALER_MCP_DISABLE_HOST_VALIDATION = "true";
        delete env.ZSCALER_MCP_ALLOWED_HOSTS;
    } else {
        env.ZSCALER_MCP_ALLOWED_HOSTS = allowedHostsValue(fqdn, i.allowedHosts);
    }
    return Object.keys(env)
        .sort()
        .map((name) => ({ name, value: env[name] }));
}

function primaryContainer(i: ExpressGatewayServiceInputs, fqdn: string | undefined) {
    return {
        image: i.container.image,
        containerPort: i.container.containerPort,
        awsLogsConfiguration: { logGroup: i.container.logGroup, logStreamPrefix: i.container.logStreamPrefix },
        environment: containerEnvironment(i, fqdn),
        secrets: Object.keys(i.container.secrets)
            .sort()
            .map((name) => ({ name, valueFrom: i.container.secrets[name] })),
    };
}

function publicEndpoint(s: ECSExpressGatewayService): string | undefined {
    const configs = s.activeConfigurations ?? [];
    const last = configs[configs.length - 1];
    return last?.ingressPaths?.find((p) => p.accessType === "PUBLIC" && p.endpoint)?.endpoint;
}

async function describeService(region: string, serviceArn: string): Promise<ECSExpressGatewayService | undefined> {
    const { sdk, client } = await ecsClient(region);
    return (await findOrUndefined(`describe ${serviceArn}`, () => client.send(new sdk.DescribeExpressGatewayServiceCommand({ serviceArn }))))?.service;
}

/**
 * Waits for ACTIVE with a public endpoint and, when `expectAllowedHosts` is given, for the
 * rollout of that allow-list to finish.
 */
export function waitActive(
    i: { region: string; serviceName: string; cluster: string },
    serviceArn: string,
    expectAllowedHosts?: string,
): Promise<ECSExpressGatewayService | undefined> {
    return waitForStatus<ECSExpressGatewayService>({
        resource: label(i),
        read: () => describeService(i.region, serviceArn),
        status: (s) => s.status?.statusCode ?? "UNKNOWN",
        reasons: (s) => s.status?.statusReason,
        pending: [],
        target: ["ACTIVE"],
        ready: (s) => {
            if (!publicEndpoint(s)) {
                return false;
            }
            if (expectAllowedHosts === undefined) {
                return true;
            }
            // A rollout is done when only the new configuration is active.
            const configs = s.activeConfigurations ?? [];
            const env = configs[configs.length - 1]?.primaryContainer?.environment ?? [];
            return configs.length === 1 && env.some((e) => e.name === "ZSCALER_MCP_ALLOWED_HOSTS" && e.value === expectAllowedHosts);
        },
        notReady: (s) => (publicEndpoint(s) ? "the new configuration is still rolling out" : "no public endpoint yet"),
        timeoutMs: CREATE_TIMEOUT_MS,
    });
}

function outputsOf(s: ECSExpressGatewayService, serviceArn: string, i: ExpressGatewayServiceInputs) {
    const endpoint = publicEndpoint(s) ?? "";
    return {
        serviceArn,
        endpoint,
        url: endpoint ? `https://${endpoint}` : "",
        mcpUrl: endpoint ? `https://${endpoint}/mcp` : "",
        status: s.status?.statusCode ?? "UNKNOWN",
        allowedHostsValue: i.hostValidation === "auto" && endpoint ? allowedHostsValue(endpoint, i.allowedHosts) : "",
    };
}

function ecsTags(tags: Record<string, string> | undefined) {
    return tags ? Object.entries(tags).map(([key, value]) => ({ key, value })) : undefined;
}

/**
 * Looks for a service of this name in the cluster before creating one. Returns the ARN of this
 * stack's own service (a create whose answer was lost, or one a killed deploy never recorded: its
 * tags carry this stack's ownership tags), to be taken over. Fails clearly for anyone else's, and
 * for one still draining from an earlier delete.
 */
async function ownExisting(i: ExpressGatewayServiceInputs): Promise<string | undefined> {
    const { sdk, client } = await ecsClient(i.region);
    let found: { status?: string; serviceArn?: string } | undefined;
    try {
        const res = await withRetries(() => client.send(new sdk.DescribeServicesCommand({ cluster: i.cluster, services: [i.serviceName] })), {
            what: `look up ${label(i)}`,
        });
        found = res.services?.[0];
    } catch (e) {
        if (errorName(e) === "ClusterNotFoundException") {
            return undefined;
        }
        throw e;
    }
    if (found?.status === "DRAINING") {
        throw new Error(
            `${label(i)} is still draining from an earlier delete (this takes 1-3 minutes). Run pulumi up again in a few ` +
                `minutes, or choose another name with pulumi config set ecsServiceName <name>.`,
        );
    }
    if (found?.status !== "ACTIVE") {
        return undefined;
    }
    const { found: service } = await findAdoptable<ECSExpressGatewayService>(
        {
            what: label(i),
            find: () => describeService(i.region, found!.serviceArn!),
            tagsOf: async (svc) => Object.fromEntries((svc.tags ?? []).map((t) => [t.key!, t.value!])),
            desiredTags: i.tags,
            wayOut: "Choose another name with pulumi config set ecsServiceName <name>, or delete the existing service first.",
        },
        new Error(`${label(i)} already exists`),
    );
    return service.serviceArn!;
}

async function updateService(i: ExpressGatewayServiceInputs, serviceArn: string, fqdn: string | undefined): Promise<void> {
    const { sdk, client } = await ecsClient(i.region);
    await withRetries(
        () =>
            client.send(
                new sdk.UpdateExpressGatewayServiceCommand(
                    compact({
                        serviceArn,
                        executionRoleArn: i.executionRoleArn,
                        taskRoleArn: i.taskRoleArn,
                        healthCheckPath: i.healthCheckPath,
                        cpu: i.cpu,
                        memory: i.memory,
                        primaryContainer: primaryContainer(i, fqdn),
                    }),
                ),
            ),
        { what: `update ${label(i)}`, propagation: IAM_PROPAGATION.ecs, timeoutMs: 4 * 60_000 },
    );
}

/** After CreateExpressGatewayService: waits for ACTIVE and an endpoint, then rolls the endpoint into the allow-list. */
async function finishCreate(inputs: ExpressGatewayServiceInputs, serviceArn: string): Promise<{ id: string; outs: ExpressGatewayServiceOutputs }> {
    let outs: ExpressGatewayServiceOutputs = { ...inputs, serviceArn, endpoint: "", url: "", mcpUrl: "", status: "ACTIVE", allowedHostsValue: "" };
    try {
        let service = (await waitActive(inputs, serviceArn))!;
        outs = { ...inputs, ...outputsOf(service, serviceArn, inputs) };
        if (inputs.hostValidation === "auto") {
            await updateService(inputs, serviceArn, outs.endpoint);
            if (inputs.waitForAllowList !== false) {
                service = (await waitActive(inputs, serviceArn, outs.allowedHostsValue))!;
                outs = { ...inputs, ...outputsOf(service, serviceArn, inputs) };
            }
        }
        return { id: serviceArn, outs };
    } catch (e) {
        // Recorded as CREATE_FAILED so the next `pulumi up` replaces it.
        throw initFailed(String((e as Error).message), serviceArn, { ...outs, status: "CREATE_FAILED" }, inputs as any);
    }
}

/**
 * Takes over this stack's own service: once it is ACTIVE with an endpoint, sends the desired
 * configuration (its endpoint in the allow-list) and tags, and waits as an update does. A failure
 * keeps it in state as UPDATE_FAILED, so the next `pulumi up` updates it again.
 */
async function takeOver(inputs: ExpressGatewayServiceInputs, serviceArn: string): Promise<{ id: string; outs: ExpressGatewayServiceOutputs }> {
    let outs: ExpressGatewayServiceOutputs = { ...inputs, serviceArn, endpoint: "", url: "", mcpUrl: "", status: "ACTIVE", allowedHostsValue: "" };
    try {
        let service = (await waitActive(inputs, serviceArn))!;
        const fqdn = publicEndpoint(service);
        outs = { ...inputs, ...outputsOf(service, serviceArn, inputs) };
        await updateService(inputs, serviceArn, fqdn);
        await syncEcsTags(inputs.region, serviceArn, Object.fromEntries((service.tags ?? []).map((t) => [t.key!, t.value!])), inputs.tags);
        const expect = inputs.hostValidation === "auto" && fqdn ? allowedHostsValue(fqdn, inputs.allowedHosts) : undefined;
        service = (await waitActive(inputs, serviceArn, inputs.waitForAllowList === false ? undefined : expect))!;
        return { id: serviceArn, outs: { ...inputs, ...outputsOf(service, serviceArn, inputs) } };
    } catch (e) {
        throw initFailed(String((e as Error).message), serviceArn, { ...outs, status: "UPDATE_FAILED" }, inputs as any);
    }
}

export const expressGatewayServiceProvider: pulumi.dynamic.ResourceProvider<ExpressGatewayServiceInputs, ExpressGatewayServiceOutputs> = {
    async check(_olds, news) {
        const failures = checkFields(
            news as unknown as Record<string, unknown>,
            ["region", "serviceName", "cluster", "executionRoleArn", "infrastructureRoleArn", "container"],
            { serviceName: { re: /^[a-zA-Z][a-zA-Z0-9_-]{0,254}$/, rule: "a letter, then letters, digits, hyphens or underscores" } },
        );
        if (news.hostValidation !== undefined && !isUnknown(news.hostValidation) && news.hostValidation !== "auto" && news.hostValidation !== "disabled") {
            failures.push({ property: "hostValidation", reason: 'hostValidation must be "auto" or "disabled"' });
        }
        return {
            inputs: {
                ...news,
                healthCheckPath: news.healthCheckPath ?? "/health",
                cpu: news.cpu ?? "1024",
                memory: news.memory ?? "2048",
                hostValidation: news.hostValidation ?? "auto",
                allowedHosts: news.allowedHosts ?? [],
            },
            failures,
        };
    },

    async diff(_id, olds, news) {
        return diffWithStatus(olds as any, news as any, EXPRESS_DIFF, { ready: ["ACTIVE"], replaceWhen: ["INACTIVE", "DRAINING", "CREATE_FAILED"] });
    },

    async create(inputs) {
        const own = await ownExisting(inputs);
        if (own) {
            return takeOver(inputs, own);
        }
        const { sdk, client } = await ecsClient(inputs.region);
        let serviceArn: string;
        try {
            const res = await withRetries(
                () =>
                    client.send(
                        new sdk.CreateExpressGatewayServiceCommand(
                            compact({
                                serviceName: inputs.serviceName,
                                cluster: inputs.cluster,
                                executionRoleArn: inputs.executionRoleArn,
                                infrastructureRoleArn: inputs.infrastructureRoleArn,
                                taskRoleArn: inputs.taskRoleArn,
                                healthCheckPath: inputs.healthCheckPath,
                                cpu: inputs.cpu,
                                memory: inputs.memory,
                                primaryContainer: primaryContainer(inputs, undefined),
                                tags: ecsTags(inputs.tags),
                            }),
                        ),
                    ),
                { what: `create ${label(inputs)}`, propagation: IAM_PROPAGATION.ecs, timeoutMs: 4 * 60_000 },
            );
            serviceArn = res.service!.serviceArn!;
        } catch (e) {
            // This API takes no client token: a retry after a lost answer is told the create "was not
            // idempotent". The service it made is this stack's own, and is taken over.
            const raced = isNameTaken(e) ? await ownExisting(inputs) : undefined;
            if (!raced) {
                throw e;
            }
            return takeOver(inputs, raced);
        }
        return finishCreate(inputs, serviceArn);
    },

    async read(id, props) {
        const s = await describeService(props!.region, id);
        // A service found INACTIVE or DRAINING is gone for good: Express services cannot be restarted.
        if (!s || s.status?.statusCode === "INACTIVE" || s.status?.statusCode === "DRAINING") {
            return {};
        }
        const configs = s.activeConfigurations ?? [];
        const last = configs[configs.length - 1];
        const refreshed = { ...props! };
        if (last?.primaryContainer?.image) {
            refreshed.container = { ...props!.container, image: last.primaryContainer.image };
        }
        for (const k of ["cpu", "memory", "healthCheckPath", "executionRoleArn"] as const) {
            const v = last?.[k];
            if (typeof v === "string" && props![k] !== undefined) {
                refreshed[k] = v;
            }
        }
        const outs = outputsOf(s, id, props!);
        const read = { ...refreshed, ...outs, endpoint: outs.endpoint || props!.endpoint, allowedHostsValue: outs.allowedHostsValue || props!.allowedHostsValue };
        return { id, props: read, inputs: inputsOf(read, EXPRESS_DIFF) };
    },

    async update(id, olds, news) {
        const fqdn = olds.endpoint || undefined;
        // Tags have their own API, and waitForAllowList only changes how create waits.
        if (!onlyTagsChanged(olds as any, news as any, EXPRESS_DIFF, ["waitForAllowList"]) || olds.status !== "ACTIVE") {
            await updateService(news, id, fqdn);
        }
        await syncEcsTags(news.region, id, olds.tags, news.tags);
        try {
            const expect = news.hostValidation === "auto" && fqdn ? allowedHostsValue(fqdn, news.allowedHosts) : undefined;
            const service = (await waitActive(news, id, expect))!;
            return { outs: { ...news, ...outputsOf(service, id, news) } };
        } catch (e) {
            throw initFailed(String((e as Error).message), id, { ...olds, ...news, status: "UPDATE_FAILED" }, news as any);
        }
    },

    async delete(id, props) {
        const { sdk, client } = await ecsClient(props.region);
        try {
            await withRetries(() => client.send(new sdk.DeleteExpressGatewayServiceCommand({ serviceArn: id })), {
                what: `delete ${label(props)}`,
            });
        } catch (e) {
            if (!isNotFound(e)) {
                throw e;
            }
        }
        await waitForStatus<ECSExpressGatewayService>({
            resource: label(props),
            read: () => describeService(props.region, id),
            status: (s) => s.status?.statusCode ?? "UNKNOWN",
            pending: ["ACTIVE", "DRAINING"],
            target: ["INACTIVE"],
            goneIsTarget: true,
            timeoutMs: DELETE_TIMEOUT_MS,
        });
        await deleteTaskDefinitions(props);
        await waitUntilDrained(props);
    },
};

/** AWS leaves the service's task-definition revisions behind: deregister, then delete them. */
async function deleteTaskDefinitions(i: ExpressGatewayServiceInputs): Promise<void> {
    const { sdk, client } = await ecsClient(i.region);
    const family = `${i.cluster}-${i.serviceName}`;
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
        const page = await withRetries(
            () => client.send(new sdk.ListTaskDefinitionsCommand({ familyPrefix: family, status: "ACTIVE", nextToken })),
            { what: `list task definitions of ${family}` },
        );
        // familyPrefix matches by prefix: keep this family's revisions only.
        arns.push(...(page.taskDefinitionArns ?? []).filter((a) => new RegExp(`task-definition/${family}:\\d+$`).test(a)));
        nextToken = page.nextToken;
    } while (nextToken);
    for (const arn of arns) {
        await withRetries(() => client.send(new sdk.DeregisterTaskDefinitionCommand({ taskDefinition: arn })), {
            what: `deregister ${arn}`,
        });
    }
    for (let n = 0; n < arns.length; n += 10) {
        const batch = arns.slice(n, n + 10);
        await withRetries(() => client.send(new sdk.DeleteTaskDefinitionsCommand({ taskDefinitions: batch })), {
            what: `delete task definitions of ${family}`,
        });
    }
}

/**
 * The classic ECS service under an Express service keeps DRAINING for 1-3 minutes after the
 * Express service is INACTIVE; a cluster delete in that window fails. Wait it out.
 */
async function waitUntilDrained(i: ExpressGatewayServiceInputs): Promise<void> {
    const { sdk, client } = await ecsClient(i.region);
    await waitForStatus<{ status: string }>({
        resource: `${label(i)} (draining)`,
        read: async () => {
            try {
                const res = await client.send(new sdk.DescribeServicesCommand({ cluster: i.cluster, services: [i.serviceName] }));
                const status = res.services?.[0]?.status;
                return status ? { status } : undefined;
            } catch (e) {
                if (errorName(e) === "ClusterNotFoundException") {
                    return undefined;
                }
                throw e;
            }
        },
        status: (s) => s.status,
        pending: ["DRAINING", "ACTIVE"],
        target: ["INACTIVE"],
        goneIsTarget: true,
        timeoutMs: DRAIN_TIMEOUT_MS,
    });
}

async function syncEcsTags(
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
        await withRetries(() => client.send(new sdk.UntagResourceCommand({ resourceArn: arn, tagKeys: removed })), { what: `untag ${arn}` });
    }
}

export interface ExpressGatewayServiceArgs {
    region: pulumi.Input<string>;
    serviceName: pulumi.Input<string>;
    cluster: pulumi.Input<string>;
    executionRoleArn: pulumi.Input<string>;
    infrastructureRoleArn: pulumi.Input<string>;
    taskRoleArn?: pulumi.Input<string>;
    healthCheckPath?: pulumi.Input<string>;
    cpu?: pulumi.Input<string>;
    memory?: pulumi.Input<string>;
    container: pulumi.Input<ExpressContainer>;
    hostValidation?: pulumi.Input<"auto" | "disabled">;
    allowedHosts?: pulumi.Input<pulumi.Input<string>[]>;
    waitForAllowList?: pulumi.Input<boolean>;
    tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class ExpressGatewayService extends ProjectResource {
    declare readonly serviceArn: pulumi.Output<string>;
    declare readonly endpoint: pulumi.Output<string>;
    declare readonly url: pulumi.Output<string>;
    declare readonly mcpUrl: pulumi.Output<string>;
    declare readonly status: pulumi.Output<string>;
    declare readonly allowedHostsValue: pulumi.Output<string>;
    declare readonly serviceName: pulumi.Output<string>;
    declare readonly cluster: pulumi.Output<string>;

    constructor(name: string, args: ExpressGatewayServiceArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            inProject("expressGatewayService", "expressGatewayServiceProvider"),
            name,
            { ...args, serviceArn: undefined, endpoint: undefined, url: undefined, mcpUrl: undefined, status: undefined, allowedHostsValue: undefined },
            opts,
            "ecs",
            "ExpressGatewayService",
        );
    }
}
