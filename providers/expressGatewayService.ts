/**
 * ECS Express Mode service: Fargate, a managed ALB and an HTTPS endpoint from one API call.
 *
 * The MCP server's DNS-rebinding guard answers 421 to any Host header that is not in
 * ZSCALER_MCP_ALLOWED_HOSTS, and the service's own FQDN exists only after creation. So create
 * starts the container with the loopback entries and the user's hosts (the server refuses to bind
 * 0.0.0.0 with an empty list), waits for the public endpoint, then rolls the FQDN into the list.
 * One `pulumi up` ends with a working URL.
 *
 * A failed or rolled-back deployment leaves an Express service ACTIVE (only INACTIVE means deleted)
 * while its tasks stop and restart, so every Create and Update also waits for the outcome of the
 * service deployment it started, and fails naming why the tasks stopped.
 *
 * The provider is here; its parts are in ecs/: client.ts (the client, the service as ECS describes
 * it, its tags), container.ts (what the container receives, the Host allow-list above all) and
 * deployments.ts (waiting for ACTIVE and for a deployment's outcome, and explaining a failed one).
 */
import * as pulumi from "@pulumi/pulumi";
import { inProject, ProjectResource } from "./projectProvider";
import type { ArgsOf, Defaulted } from "./args";
import type { ECSExpressGatewayService } from "@aws-sdk/client-ecs";
import {
    Adoption,
    checkFields,
    compact,
    createOrAdopt,
    currentClock,
    DiffSpec,
    diffWithStatus,
    errorName,
    IAM_PROPAGATION,
    initFailed,
    inputsOf,
    isEcsServiceGone,
    isUnknown,
    onlyTagsChanged,
    waitForStatus,
    withRetries,
} from "./lifecycle";
import { describeService, ecsClient, ecsTags, label, publicEndpoint, syncEcsTags, tagMap } from "./ecs/client";
import { allowedHostsValue, primaryContainer } from "./ecs/container";
import { DeploymentRef, deploymentFailed, newestDeployment, waitActive, waitForDeployment } from "./ecs/deployments";
import { deleteTaskDefinitions, serviceTaskDefinitions, waitUntilDrained } from "./ecs/teardown";
import { NAME_RULES } from "../aws/names";

// The module's own names before the split into ecs/: the rollout resource, the tests and the MCP
// server's tests import them from here.
export { allowedHostsValue, containerEnvironment } from "./ecs/container";
export { waitActive, waitForDeployment } from "./ecs/deployments";
export type { DeploymentRef } from "./ecs/deployments";

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
    /**
     * The allow-list rollout's deployment, when this resource started it and left the wait to an
     * ExpressGatewayServiceRollout (waitForAllowList false): the revision it deploys, when AWS named
     * it, and the clock just before the call.
     */
    allowListRevisionArn?: string;
    allowListStartedAt?: number;
}

export const EXPRESS_DIFF: DiffSpec = {
    createOnly: ["region", "serviceName", "cluster", "infrastructureRoleArn"],
    updatable: [
        "executionRoleArn",
        "taskRoleArn",
        "healthCheckPath",
        "cpu",
        "memory",
        "container",
        "hostValidation",
        "allowedHosts",
        "waitForAllowList",
        "tags",
    ],
    nameField: "serviceName",
};

const DELETE_TIMEOUT_MS = 20 * 60_000;

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

/**
 * The service of this name in the cluster, when one is ACTIVE (undefined when there is none, or
 * its cluster is gone). Fails clearly for one still draining from an earlier delete.
 */
async function findService(i: ExpressGatewayServiceInputs): Promise<ECSExpressGatewayService | undefined> {
    const { sdk, client } = await ecsClient(i.region);
    let found: { status?: string; serviceArn?: string } | undefined;
    try {
        const res = await withRetries(
            () => client.send(new sdk.DescribeServicesCommand({ cluster: i.cluster, services: [i.serviceName] })),
            {
                what: `look up ${label(i)}`,
            },
        );
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
    const service = await describeService(i.region, found.serviceArn!);
    if (!service) {
        // ECS lists it ACTIVE, yet Express does not describe it: the name is taken all the same.
        throw new Error(`${label(i)} already exists`);
    }
    return service;
}

/**
 * How a create meets this stack's own service of the same name (a create whose answer was lost, or
 * one a killed deploy never recorded: its tags carry this stack's ownership tags): it is taken over,
 * or replaced when it was made with another infrastructure role.
 * The service is looked for before creating one, since this API takes no client token; anyone
 * else's is refused.
 */
function adoption(
    inputs: ExpressGatewayServiceInputs,
): Adoption<ECSExpressGatewayService, { id: string; outs: ExpressGatewayServiceOutputs }> {
    return {
        what: label(inputs),
        wayOut: "Choose another name with pulumi config set ecsServiceName <name>, or delete the existing service first.",
        find: () => findService(inputs),
        lookFirst: true,
        owner: { tagsOf: async (svc) => tagMap(svc.tags), desiredTags: inputs.tags },
        // The infrastructure role is fixed at create (as in EXPRESS_DIFF): one made with another is
        // deleted and created again, as a change of it would replace the service.
        replacement: {
            differs: (svc) =>
                svc.infrastructureRoleArn !== undefined && svc.infrastructureRoleArn !== inputs.infrastructureRoleArn
                    ? `infrastructure role ${svc.infrastructureRoleArn}, not ${inputs.infrastructureRoleArn}`
                    : undefined,
            remove: (svc) => expressGatewayServiceProvider.delete!(svc.serviceArn!, { ...withoutEndpoint(inputs, svc.serviceArn!) }),
            recreate: () => expressGatewayServiceProvider.create(inputs),
        },
        takeOver: (found) => takeOver(inputs, found.serviceArn!),
    };
}

/** Sends the desired configuration; returns the deployment the update started. */
async function updateService(i: ExpressGatewayServiceInputs, serviceArn: string, fqdn: string | undefined): Promise<DeploymentRef> {
    const { sdk, client } = await ecsClient(i.region);
    const since = currentClock().now();
    const res = await withRetries(
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
    return { revisionArn: res.service?.targetConfiguration?.serviceRevisionArn, since };
}

/** What a failed deployment of this resource tells the user to do once the cause is fixed. */
const RUN_UP_AGAIN = "run pulumi up again";

/** The outputs that name the allow-list rollout's deployment for the ExpressGatewayServiceRollout that waits for it. */
function rolloutRef(ref: DeploymentRef): Pick<ExpressGatewayServiceOutputs, "allowListRevisionArn" | "allowListStartedAt"> {
    return { allowListRevisionArn: ref.revisionArn ?? "", allowListStartedAt: ref.since };
}

/** The outputs of a service whose endpoint is not known yet: what state keeps if a wait fails. */
function withoutEndpoint(inputs: ExpressGatewayServiceInputs, serviceArn: string): ExpressGatewayServiceOutputs {
    return { ...inputs, serviceArn, endpoint: "", url: "", mcpUrl: "", status: "ACTIVE", allowedHostsValue: "" };
}

/**
 * After CreateExpressGatewayService: waits for its deployment, ACTIVE and an endpoint, then rolls
 * the endpoint into the allow-list (and, unless waitForAllowList is false, waits for that too).
 */
async function finishCreate(
    inputs: ExpressGatewayServiceInputs,
    serviceArn: string,
    created: DeploymentRef,
): Promise<{ id: string; outs: ExpressGatewayServiceOutputs }> {
    let outs = withoutEndpoint(inputs, serviceArn);
    try {
        await waitForDeployment(inputs, serviceArn, created, { logGroup: inputs.container.logGroup, nextStep: RUN_UP_AGAIN });
        let service = (await waitActive(inputs, serviceArn))!;
        outs = { ...inputs, ...outputsOf(service, serviceArn, inputs) };
        if (inputs.hostValidation === "auto") {
            const rollout = await updateService(inputs, serviceArn, outs.endpoint);
            if (inputs.waitForAllowList !== false) {
                await waitForDeployment(inputs, serviceArn, rollout, { logGroup: inputs.container.logGroup, nextStep: RUN_UP_AGAIN });
                service = (await waitActive(inputs, serviceArn, outs.allowedHostsValue))!;
                outs = { ...inputs, ...outputsOf(service, serviceArn, inputs) };
            } else {
                outs = { ...outs, ...rolloutRef(rollout) };
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
async function takeOver(
    inputs: ExpressGatewayServiceInputs,
    serviceArn: string,
): Promise<{ id: string; outs: ExpressGatewayServiceOutputs }> {
    let outs = withoutEndpoint(inputs, serviceArn);
    try {
        let service = (await waitActive(inputs, serviceArn))!;
        const fqdn = publicEndpoint(service);
        outs = { ...inputs, ...outputsOf(service, serviceArn, inputs) };
        const deployed = await updateService(inputs, serviceArn, fqdn);
        await syncEcsTags(inputs.region, serviceArn, tagMap(service.tags), inputs.tags);
        const expect = inputs.hostValidation === "auto" && fqdn ? allowedHostsValue(fqdn, inputs.allowedHosts) : undefined;
        // With waitForAllowList false an ExpressGatewayServiceRollout waits for this deployment.
        const rolloutWaits = inputs.waitForAllowList === false && expect !== undefined;
        if (!rolloutWaits) {
            await waitForDeployment(inputs, serviceArn, deployed, { logGroup: inputs.container.logGroup, nextStep: RUN_UP_AGAIN });
        }
        service = (await waitActive(inputs, serviceArn, rolloutWaits ? undefined : expect))!;
        return {
            id: serviceArn,
            outs: { ...inputs, ...outputsOf(service, serviceArn, inputs), ...(rolloutWaits ? rolloutRef(deployed) : {}) },
        };
    } catch (e) {
        throw initFailed(String((e as Error).message), serviceArn, { ...outs, status: "UPDATE_FAILED" }, inputs as any);
    }
}

export const expressGatewayServiceProvider: pulumi.dynamic.ResourceProvider<ExpressGatewayServiceInputs, ExpressGatewayServiceOutputs> = {
    async check(_olds, news) {
        const failures = checkFields(
            news as unknown as Record<string, unknown>,
            ["region", "serviceName", "cluster", "executionRoleArn", "infrastructureRoleArn", "container"],
            { serviceName: NAME_RULES.ecsService },
        );
        if (
            news.hostValidation !== undefined &&
            !isUnknown(news.hostValidation) &&
            news.hostValidation !== "auto" &&
            news.hostValidation !== "disabled"
        ) {
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
        return diffWithStatus(olds as any, news as any, EXPRESS_DIFF, {
            ready: ["ACTIVE"],
            replaceWhen: ["INACTIVE", "DRAINING", "CREATE_FAILED"],
        });
    },

    async create(inputs) {
        const { sdk, client } = await ecsClient(inputs.region);
        // This API takes no client token: a retry after a lost answer is told the create "was not
        // idempotent". The service it made is this stack's own, and is taken over.
        return createOrAdopt({
            ...adoption(inputs),
            create: async () => {
                const since = currentClock().now();
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
                const configs = res.service!.activeConfigurations ?? [];
                return {
                    serviceArn: res.service!.serviceArn!,
                    deployment: { revisionArn: configs[configs.length - 1]?.serviceRevisionArn, since },
                };
            },
            created: ({ serviceArn, deployment }) => finishCreate(inputs, serviceArn, deployment),
        });
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
        // ACTIVE says nothing about the last deployment: one that failed (an allow-list rollout
        // whose wait failed, say) is recorded as a failed update, so the next `pulumi up` deploys again.
        if (deploymentFailed(await newestDeployment(props!, id))) {
            outs.status = props!.status === "CREATE_FAILED" ? "CREATE_FAILED" : "UPDATE_FAILED";
        }
        const read = {
            ...refreshed,
            ...outs,
            endpoint: outs.endpoint || props!.endpoint,
            allowedHostsValue: outs.allowedHostsValue || props!.allowedHostsValue,
        };
        return { id, props: read, inputs: inputsOf(read, EXPRESS_DIFF) };
    },

    async update(id, olds, news) {
        const fqdn = olds.endpoint || undefined;
        let deployed: DeploymentRef | undefined;
        // Tags have their own API, and waitForAllowList only changes how create waits.
        if (!onlyTagsChanged(olds as any, news as any, EXPRESS_DIFF, ["waitForAllowList"]) || olds.status !== "ACTIVE") {
            deployed = await updateService(news, id, fqdn);
        }
        await syncEcsTags(news.region, id, olds.tags, news.tags);
        try {
            if (deployed) {
                await waitForDeployment(news, id, deployed, { logGroup: news.container.logGroup, nextStep: RUN_UP_AGAIN });
            }
            const expect = news.hostValidation === "auto" && fqdn ? allowedHostsValue(fqdn, news.allowedHosts) : undefined;
            const service = (await waitActive(news, id, expect))!;
            // A repair (a service recorded failed, its allow-list rollout with it) hands the rollout
            // resource the deployment the service has just waited for, which it then finds done;
            // any other update leaves the rollout's deployment as it was, so nothing else changes.
            const rollout =
                deployed && olds.status !== "ACTIVE"
                    ? rolloutRef(deployed)
                    : { allowListRevisionArn: olds.allowListRevisionArn, allowListStartedAt: olds.allowListStartedAt };
            return { outs: { ...news, ...outputsOf(service, id, news), ...rollout } };
        } catch (e) {
            throw initFailed(String((e as Error).message), id, { ...olds, ...news, status: "UPDATE_FAILED" }, news as any);
        }
    },

    async delete(id, props) {
        const { sdk, client } = await ecsClient(props.region);
        // Read while ECS still reports the service's deployments.
        const taskDefinitions = await serviceTaskDefinitions(props, id);
        try {
            await withRetries(() => client.send(new sdk.DeleteExpressGatewayServiceCommand({ serviceArn: id })), {
                what: `delete ${label(props)}`,
            });
        } catch (e) {
            if (!isEcsServiceGone(e)) {
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
        await deleteTaskDefinitions(props, taskDefinitions);
        await waitUntilDrained(props);
    },
};

/**
 * The resource's arguments: its provider's inputs, each one a pulumi.Input. healthCheckPath, cpu,
 * memory, hostValidation and allowedHosts may be left out: check defaults them (/health, 1024,
 * 2048, auto, none).
 */
export type ExpressGatewayServiceArgs = ArgsOf<
    Defaulted<ExpressGatewayServiceInputs, "healthCheckPath" | "cpu" | "memory" | "hostValidation" | "allowedHosts">
>;

export class ExpressGatewayService extends ProjectResource {
    declare readonly serviceArn: pulumi.Output<string>;
    declare readonly endpoint: pulumi.Output<string>;
    declare readonly url: pulumi.Output<string>;
    declare readonly mcpUrl: pulumi.Output<string>;
    declare readonly status: pulumi.Output<string>;
    declare readonly allowedHostsValue: pulumi.Output<string>;
    declare readonly allowListRevisionArn: pulumi.Output<string | undefined>;
    declare readonly allowListStartedAt: pulumi.Output<number | undefined>;
    declare readonly serviceName: pulumi.Output<string>;
    declare readonly cluster: pulumi.Output<string>;

    constructor(name: string, args: ExpressGatewayServiceArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            inProject("expressGatewayService", "expressGatewayServiceProvider"),
            name,
            {
                ...args,
                serviceArn: undefined,
                endpoint: undefined,
                url: undefined,
                mcpUrl: undefined,
                status: undefined,
                allowedHostsValue: undefined,
                allowListRevisionArn: undefined,
                allowListStartedAt: undefined,
            },
            opts,
            "ecs",
            "ExpressGatewayService",
        );
    }
}
