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
 */
import * as pulumi from "@pulumi/pulumi";
import { checkAccount } from "./awsIdentity";
import { inProject, ProjectResource } from "./projectProvider";
import type { ECSExpressGatewayService, ServiceDeployment, ServiceDeploymentBrief, Task } from "@aws-sdk/client-ecs";
import {
    checkFields,
    compact,
    currentClock,
    DiffSpec,
    diffWithStatus,
    errorMessage,
    errorName,
    findAdoptable,
    findInPages,
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
    updatable: ["executionRoleArn", "taskRoleArn", "healthCheckPath", "cpu", "memory", "container", "hostValidation", "allowedHosts", "waitForAllowList", "tags"],
    nameField: "serviceName",
};

const CREATE_TIMEOUT_MS = 20 * 60_000;
const DELETE_TIMEOUT_MS = 20 * 60_000;
const DRAIN_TIMEOUT_MS = 5 * 60_000;
const LOOPBACK_HOSTS = ["127.0.0.1:*", "localhost:*"];
/** Statuses of a service deployment still under way, and those it ends in (ServiceDeploymentStatus). */
const DEPLOYMENT_UNDER_WAY = ["PENDING", "IN_PROGRESS", "STOP_REQUESTED", "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS"];
const DEPLOYMENT_ENDED = ["SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"];
/** A deployment is listed a moment after the call that started it: misses tolerated meanwhile. */
const DEPLOYMENT_LISTING_TOLERANCE = 6;
/** How far AWS's clock may run ahead of ours when a deployment is matched by its creation time. */
const CLOCK_SKEW_MS = 5 * 60_000;
/** The operator command that prints the MCP server's own log (the ECS container's log group). */
const SERVER_LOG_COMMAND = "npm run logs -- --server";

async function ecsClient(region: string) {
    await checkAccount(region);
    const sdk = await import("@aws-sdk/client-ecs");
    return { sdk, client: new sdk.ECSClient(sdkClientConfig(region, "ecs")) };
}

/** What names a service for the waiters: the rollout resource knows no more than this. */
interface ServiceRef {
    region: string;
    serviceName: string;
    cluster: string;
}

/** The service deployment a Create or Update call started. */
export interface DeploymentRef {
    /** The service revision the call deployed (the deployment's targetServiceRevisionArn), when AWS's answer named it. */
    revisionArn?: string;
    /** The clock just before the call: without a revision, the deployment is the newest created since. */
    since: number;
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

/** What the deployment waiter reads each time: the service's own status, and the deployment once listed. */
interface DeploymentProgress {
    service: ECSExpressGatewayService;
    deployment?: ServiceDeployment;
}

/**
 * Waits for the outcome of a service deployment: the one `ref` names, or without it the service's
 * newest. Anything but SUCCESSFUL fails, naming the deployment's status and reason, why the
 * service's tasks stopped, and where the MCP server's log is. A service that becomes INACTIVE
 * meanwhile fails at once, with ECS's reason.
 */
export async function waitForDeployment(
    i: ServiceRef,
    serviceArn: string,
    ref: DeploymentRef | undefined,
    o: { logGroup?: string; nextStep: string },
): Promise<void> {
    const { sdk, client } = await ecsClient(i.region);
    let deploymentArn: string | undefined;
    const logGroup = o.logGroup;
    const waited = waitForStatus<DeploymentProgress>({
        resource: label(i),
        read: async () => {
            const service = await describeService(i.region, serviceArn);
            if (!service || service.status?.statusCode !== "ACTIVE") {
                return service && { service };
            }
            deploymentArn ??= (await findDeployment(i, serviceArn, ref))?.serviceDeploymentArn;
            if (!deploymentArn) {
                return undefined;
            }
            const arn = deploymentArn;
            const res = await findOrUndefined(`describe deployment ${arn}`, () =>
                client.send(new sdk.DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] })),
            );
            const deployment = res?.serviceDeployments?.[0];
            return deployment && { service, deployment };
        },
        status: (p) => (p.deployment ? (p.deployment.status ?? "UNKNOWN") : (p.service.status?.statusCode ?? "UNKNOWN")),
        reasons: (p) => (p.deployment ? p.deployment.statusReason : p.service.status?.statusReason),
        pending: DEPLOYMENT_UNDER_WAY,
        target: DEPLOYMENT_ENDED,
        final: true,
        notFoundTolerance: DEPLOYMENT_LISTING_TOLERANCE,
        timeoutMs: CREATE_TIMEOUT_MS,
        nextStep: `Read the MCP server's log with ${SERVER_LOG_COMMAND}${logGroup ? ` (log group ${logGroup})` : ""}, fix what it reports, then ${o.nextStep}.`,
    });
    let progress: DeploymentProgress;
    try {
        progress = (await waited)!;
    } catch (e) {
        // A deployment that never ends (tasks that keep restarting) or is never listed: why its tasks stopped.
        throw new Error(`${(e as Error).message} ${await stoppedTasks(i, undefined)}`);
    }
    const d = progress.deployment!;
    if (d.status !== "SUCCESSFUL") {
        throw new Error(await deploymentFailure(i, d, { logGroup: o.logGroup ?? logGroupOf(progress.service), nextStep: o.nextStep }));
    }
}

const DEPLOYMENT_OUTCOMES: Record<string, string> = {
    ROLLBACK_SUCCESSFUL: "ECS rolled the service back to its previous revision.",
    ROLLBACK_FAILED: "ECS could not roll the service back to its previous revision either.",
};

/** The error of a deployment that ended in anything but SUCCESSFUL. */
async function deploymentFailure(i: ServiceRef, d: ServiceDeployment, o: { logGroup?: string; nextStep: string }): Promise<string> {
    const id = d.serviceDeploymentArn?.split("/").pop() ?? "(unnamed)";
    const reason = d.statusReason?.trim().replace(/\.$/, "");
    return [
        `${label(i)}: deployment ${id} ended ${d.status}${reason ? `: ${reason}` : ""}.`,
        DEPLOYMENT_OUTCOMES[d.status ?? ""],
        await stoppedTasks(i, d.createdAt),
        `Read the MCP server's log with ${SERVER_LOG_COMMAND}${o.logGroup ? ` (log group ${o.logGroup})` : ""}, fix what it reports, then ${o.nextStep}.`,
    ]
        .filter(Boolean)
        .join(" ");
}

/** How many of the most recent stopped tasks an error describes. */
const STOPPED_TASKS_SHOWN = 3;

/**
 * Why the service's most recent tasks (those created since the deployment began) stopped, as ECS
 * reports it. Only an explanation: a failure to read them is said, not thrown.
 */
async function stoppedTasks(i: ServiceRef, since: Date | undefined): Promise<string> {
    const { sdk, client } = await ecsClient(i.region);
    try {
        const listed = await withRetries(
            () => client.send(new sdk.ListTasksCommand({ cluster: i.cluster, serviceName: i.serviceName, desiredStatus: "STOPPED" })),
            { what: `list the stopped tasks of ${label(i)}` },
        );
        const arns = (listed.taskArns ?? []).slice(0, 100);
        const described =
            arns.length === 0
                ? []
                : ((await withRetries(() => client.send(new sdk.DescribeTasksCommand({ cluster: i.cluster, tasks: arns })), { what: `describe the stopped tasks of ${label(i)}` }))
                      .tasks ?? []);
        const recent = described
            .filter((t) => !since || !t.createdAt || t.createdAt.getTime() >= since.getTime())
            .sort((a, b) => (b.stoppedAt?.getTime() ?? 0) - (a.stoppedAt?.getTime() ?? 0))
            .slice(0, STOPPED_TASKS_SHOWN);
        if (recent.length === 0) {
            return "ECS shows no task of this deployment that stopped (it keeps stopped tasks for about an hour).";
        }
        const why = [...new Set(recent.map(whyStopped))];
        return `${why.length === 1 ? "Its most recent stopped task" : "Its most recent stopped tasks"}: ${why.join("; ")}.`;
    } catch (e) {
        return `Its stopped tasks could not be read (${errorMessage(e)}).`;
    }
}

/** A stopped task as ECS explains it: the task's reason, then each container's exit code and reason. */
function whyStopped(t: Task): string {
    const containers = (t.containers ?? [])
        .filter((c) => c.exitCode !== undefined || c.reason)
        .map((c) => `container ${c.name ?? "(unnamed)"}${c.exitCode !== undefined ? ` exited with code ${c.exitCode}` : ""}${c.reason ? `: ${c.reason}` : ""}`);
    return `${t.stoppedReason ?? t.stopCode ?? "stopped"}${containers.length > 0 ? ` (${containers.join(", ")})` : ""}`;
}

/** The container's log group, from the service's configuration (for callers that know only the service). */
function logGroupOf(s: ECSExpressGatewayService): string | undefined {
    return (s.activeConfigurations ?? []).map((c) => c.primaryContainer?.awsLogsConfiguration?.logGroup).find(Boolean);
}

function deploymentFailed(d: ServiceDeploymentBrief | undefined): boolean {
    return d?.status !== undefined && DEPLOYMENT_ENDED.includes(d.status) && d.status !== "SUCCESSFUL";
}

/**
 * The deployment `ref` names: the newest whose target is the revision the call deployed, or, when
 * AWS's answer named none, the newest created since the call. Without `ref`, the service's newest.
 * ListServiceDeployments lists the newest first; a service that has gone lists nothing.
 */
async function findDeployment(i: ServiceRef, serviceArn: string, ref: DeploymentRef | undefined): Promise<ServiceDeploymentBrief | undefined> {
    const { sdk, client } = await ecsClient(i.region);
    const createdAt = ref && !ref.revisionArn ? { after: new Date(ref.since - CLOCK_SKEW_MS) } : undefined;
    try {
        return await findInPages(
            `list the deployments of ${label(i)}`,
            async (nextToken) => {
                const page = await client.send(new sdk.ListServiceDeploymentsCommand(compact({ service: serviceArn, cluster: i.cluster, createdAt, nextToken })));
                return { items: page.serviceDeployments, nextToken: page.nextToken };
            },
            (d) => !ref?.revisionArn || d.targetServiceRevisionArn === ref.revisionArn,
            async (d) => d,
        );
    } catch (e) {
        if (isNotFound(e)) {
            return undefined;
        }
        throw e;
    }
}

/** The service's newest deployment, for a refresh (undefined when it has none or has gone). */
function newestDeployment(i: ServiceRef, serviceArn: string): Promise<ServiceDeploymentBrief | undefined> {
    return findDeployment(i, serviceArn, undefined);
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

/**
 * After CreateExpressGatewayService: waits for its deployment, ACTIVE and an endpoint, then rolls
 * the endpoint into the allow-list (and, unless waitForAllowList is false, waits for that too).
 */
async function finishCreate(
    inputs: ExpressGatewayServiceInputs,
    serviceArn: string,
    created: DeploymentRef,
): Promise<{ id: string; outs: ExpressGatewayServiceOutputs }> {
    let outs: ExpressGatewayServiceOutputs = { ...inputs, serviceArn, endpoint: "", url: "", mcpUrl: "", status: "ACTIVE", allowedHostsValue: "" };
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
async function takeOver(inputs: ExpressGatewayServiceInputs, serviceArn: string): Promise<{ id: string; outs: ExpressGatewayServiceOutputs }> {
    let outs: ExpressGatewayServiceOutputs = { ...inputs, serviceArn, endpoint: "", url: "", mcpUrl: "", status: "ACTIVE", allowedHostsValue: "" };
    try {
        let service = (await waitActive(inputs, serviceArn))!;
        const fqdn = publicEndpoint(service);
        outs = { ...inputs, ...outputsOf(service, serviceArn, inputs) };
        const deployed = await updateService(inputs, serviceArn, fqdn);
        await syncEcsTags(inputs.region, serviceArn, Object.fromEntries((service.tags ?? []).map((t) => [t.key!, t.value!])), inputs.tags);
        const expect = inputs.hostValidation === "auto" && fqdn ? allowedHostsValue(fqdn, inputs.allowedHosts) : undefined;
        // With waitForAllowList false an ExpressGatewayServiceRollout waits for this deployment.
        const rolloutWaits = inputs.waitForAllowList === false && expect !== undefined;
        if (!rolloutWaits) {
            await waitForDeployment(inputs, serviceArn, deployed, { logGroup: inputs.container.logGroup, nextStep: RUN_UP_AGAIN });
        }
        service = (await waitActive(inputs, serviceArn, rolloutWaits ? undefined : expect))!;
        return { id: serviceArn, outs: { ...inputs, ...outputsOf(service, serviceArn, inputs), ...(rolloutWaits ? rolloutRef(deployed) : {}) } };
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
        let created: DeploymentRef;
        try {
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
            serviceArn = res.service!.serviceArn!;
            const configs = res.service!.activeConfigurations ?? [];
            created = { revisionArn: configs[configs.length - 1]?.serviceRevisionArn, since };
        } catch (e) {
            // This API takes no client token: a retry after a lost answer is told the create "was not
            // idempotent". The service it made is this stack's own, and is taken over.
            const raced = isNameTaken(e) ? await ownExisting(inputs) : undefined;
            if (!raced) {
                throw e;
            }
            return takeOver(inputs, raced);
        }
        return finishCreate(inputs, serviceArn, created);
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
        const read = { ...refreshed, ...outs, endpoint: outs.endpoint || props!.endpoint, allowedHostsValue: outs.allowedHostsValue || props!.allowedHostsValue };
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
