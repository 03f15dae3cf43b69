/**
 * Waiting for what an Express service's Create or Update started: the service to be ACTIVE with
 * a public endpoint (and a new allow-list rolled out), and the service deployment to succeed.
 *
 * A failed or rolled-back deployment leaves an Express service ACTIVE (only INACTIVE means deleted)
 * while its tasks stop and restart, so a deployment that ends in anything but SUCCESSFUL fails,
 * naming why the tasks stopped and where the MCP server's log is.
 */
import type { ECSExpressGatewayService, ServiceDeployment, ServiceDeploymentBrief, Task } from "@aws-sdk/client-ecs";
import { allInPages, compact, errorMessage, findInPages, findOrUndefined, isNotFound, waitForStatus, withRetries } from "../lifecycle";
import { describeService, ecsClient, label, publicEndpoint, ServiceRef } from "./client";

/** How long a new service, or a deployment, may take. */
export const CREATE_TIMEOUT_MS = 20 * 60_000;
/** Statuses of a service deployment still under way, and those it ends in (ServiceDeploymentStatus). */
const DEPLOYMENT_UNDER_WAY = ["PENDING", "IN_PROGRESS", "STOP_REQUESTED", "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS"];
export const DEPLOYMENT_ENDED = ["SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"];
/** A deployment is listed a moment after the call that started it: misses tolerated meanwhile. */
const DEPLOYMENT_LISTING_TOLERANCE = 6;
/** How far AWS's clock may run ahead of ours when a deployment is matched by its creation time. */
const CLOCK_SKEW_MS = 5 * 60_000;
/** The operator command that prints the MCP server's own log (the ECS container's log group). */
const SERVER_LOG_COMMAND = "npm run logs -- --server";

/** The service deployment a Create or Update call started. */
export interface DeploymentRef {
    /** The service revision the call deployed (the deployment's targetServiceRevisionArn), when AWS's answer named it. */
    revisionArn?: string;
    /** The clock just before the call: without a revision, the deployment is the newest created since. */
    since: number;
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
        const arns = await allInPages(`list the stopped tasks of ${label(i)}`, async (nextToken) => {
            const page = await client.send(
                new sdk.ListTasksCommand({ cluster: i.cluster, serviceName: i.serviceName, desiredStatus: "STOPPED", nextToken }),
            );
            return { items: page.taskArns, nextToken: page.nextToken };
        });
        // DescribeTasks takes at most 100 tasks a call.
        const described: Task[] = [];
        for (let n = 0; n < arns.length; n += 100) {
            const batch = arns.slice(n, n + 100);
            const page = await withRetries(() => client.send(new sdk.DescribeTasksCommand({ cluster: i.cluster, tasks: batch })), {
                what: `describe the stopped tasks of ${label(i)}`,
            });
            described.push(...(page.tasks ?? []));
        }
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
        .map(
            (c) =>
                `container ${c.name ?? "(unnamed)"}${c.exitCode !== undefined ? ` exited with code ${c.exitCode}` : ""}${c.reason ? `: ${c.reason}` : ""}`,
        );
    return `${t.stoppedReason ?? t.stopCode ?? "stopped"}${containers.length > 0 ? ` (${containers.join(", ")})` : ""}`;
}

/** The container's log group, from the service's configuration (for callers that know only the service). */
function logGroupOf(s: ECSExpressGatewayService): string | undefined {
    return (s.activeConfigurations ?? []).map((c) => c.primaryContainer?.awsLogsConfiguration?.logGroup).find(Boolean);
}

export function deploymentFailed(d: ServiceDeploymentBrief | undefined): boolean {
    return d?.status !== undefined && DEPLOYMENT_ENDED.includes(d.status) && d.status !== "SUCCESSFUL";
}

/**
 * The deployment `ref` names: the newest whose target is the revision the call deployed, or, when
 * AWS's answer named none, the newest created since the call. Without `ref`, the service's newest.
 * ListServiceDeployments lists the newest first; a service that has gone lists nothing.
 */
async function findDeployment(
    i: ServiceRef,
    serviceArn: string,
    ref: DeploymentRef | undefined,
): Promise<ServiceDeploymentBrief | undefined> {
    const { sdk, client } = await ecsClient(i.region);
    const createdAt = ref && !ref.revisionArn ? { after: new Date(ref.since - CLOCK_SKEW_MS) } : undefined;
    try {
        return await findInPages(
            `list the deployments of ${label(i)}`,
            async (nextToken) => {
                const page = await client.send(
                    new sdk.ListServiceDeploymentsCommand(compact({ service: serviceArn, cluster: i.cluster, createdAt, nextToken })),
                );
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
export function newestDeployment(i: ServiceRef, serviceArn: string): Promise<ServiceDeploymentBrief | undefined> {
    return findDeployment(i, serviceArn, undefined);
}
