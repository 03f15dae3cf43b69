/**
 * What a deleted Express service leaves behind, and the wait before its cluster can go: its
 * task-definition revisions, and the classic service under it, which drains for a while.
 */
import { allInPages, errorName, findOrUndefined, isNotFound, waitForStatus, withRetries } from "../lifecycle";
import { describeService, ecsClient, label, ServiceRef } from "./client";

const DRAIN_TIMEOUT_MS = 5 * 60_000;

/** DescribeServiceRevisions takes at most 20 revisions a call; DeleteTaskDefinitions at most 10. */
const REVISIONS_PER_CALL = 20;
const DELETES_PER_CALL = 10;

/**
 * The task definitions the service itself ran, as ECS reports them: the revision each of its
 * deployments deployed (ListServiceDeployments) and the revisions of its active configurations
 * (DescribeExpressGatewayService), each revision's task definition (DescribeServiceRevisions).
 * Never a family name: ECS Express names the family `<cluster>-<service>`, which another
 * cluster and service can compose too. Empty once ECS has forgotten the service.
 */
export async function serviceTaskDefinitions(i: ServiceRef, serviceArn: string): Promise<string[]> {
    const { sdk, client } = await ecsClient(i.region);
    const revisions = new Set<string>();
    try {
        const deployments = await allInPages(`list the deployments of ${label(i)}`, async (nextToken) => {
            const page = await client.send(new sdk.ListServiceDeploymentsCommand({ service: serviceArn, cluster: i.cluster, nextToken }));
            return { items: page.serviceDeployments, nextToken: page.nextToken };
        });
        deployments.forEach((d) => d.targetServiceRevisionArn && revisions.add(d.targetServiceRevisionArn));
    } catch (e) {
        if (!isNotFound(e)) {
            throw e;
        }
    }
    const service = await describeService(i.region, serviceArn);
    (service?.activeConfigurations ?? []).forEach((c) => c.serviceRevisionArn && revisions.add(c.serviceRevisionArn));
    const all = [...revisions];
    const taskDefinitions = new Set<string>();
    for (let n = 0; n < all.length; n += REVISIONS_PER_CALL) {
        const batch = all.slice(n, n + REVISIONS_PER_CALL);
        const res = await findOrUndefined(`describe the service revisions of ${label(i)}`, () =>
            client.send(new sdk.DescribeServiceRevisionsCommand({ serviceRevisionArns: batch })),
        );
        // A revision ECS no longer holds is among the failures: nothing of it is left to delete.
        (res?.serviceRevisions ?? []).forEach((r) => r.taskDefinition && taskDefinitions.add(r.taskDefinition));
    }
    return [...taskDefinitions];
}

/** A task definition's family, from its ARN (`...:task-definition/<family>:<revision>`). */
function familyOf(arn: string): string | undefined {
    return /:task-definition\/([^:]+):\d+$/.exec(arn)?.[1];
}

/**
 * AWS leaves the service's task-definition revisions behind: deregister those still ACTIVE, then
 * delete them and any a stopped run had deregistered. Only the revisions in `taskDefinitions`
 * (serviceTaskDefinitions, read before the service was deleted) are touched, whatever else their
 * family holds.
 */
export async function deleteTaskDefinitions(i: ServiceRef, taskDefinitions: readonly string[]): Promise<void> {
    if (taskDefinitions.length === 0) {
        return;
    }
    const { sdk, client } = await ecsClient(i.region);
    const wanted = new Set(taskDefinitions);
    const listed = async (family: string, status: "ACTIVE" | "INACTIVE") =>
        (
            await allInPages(`list the ${status} task definitions of family ${family}`, async (nextToken) => {
                const page = await client.send(new sdk.ListTaskDefinitionsCommand({ familyPrefix: family, status, nextToken }));
                return { items: page.taskDefinitionArns, nextToken: page.nextToken };
            })
        ).filter((arn) => wanted.has(arn));
    const active: string[] = [];
    const inactive: string[] = [];
    for (const family of new Set(taskDefinitions.map(familyOf).filter((f): f is string => f !== undefined))) {
        active.push(...(await listed(family, "ACTIVE")));
        inactive.push(...(await listed(family, "INACTIVE")));
    }
    for (const arn of active) {
        await withRetries(() => client.send(new sdk.DeregisterTaskDefinitionCommand({ taskDefinition: arn })), {
            what: `deregister ${arn}`,
        });
    }
    const deletable = [...active, ...inactive];
    for (let n = 0; n < deletable.length; n += DELETES_PER_CALL) {
        const batch = deletable.slice(n, n + DELETES_PER_CALL);
        await withRetries(() => client.send(new sdk.DeleteTaskDefinitionsCommand({ taskDefinitions: batch })), {
            what: `delete the task definitions of ${label(i)}`,
        });
    }
}

/**
 * The classic ECS service under an Express service keeps DRAINING for 1-3 minutes after the
 * Express service is INACTIVE; a cluster delete in that window fails. Wait it out.
 */
export async function waitUntilDrained(i: ServiceRef): Promise<void> {
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
