/**
 * What a deleted Express service leaves behind, and the wait before its cluster can go: its
 * task-definition revisions, and the classic service under it, which drains for a while.
 */
import { errorName, waitForStatus, withRetries } from "../lifecycle";
import { ecsClient, label, ServiceRef } from "./client";

const DRAIN_TIMEOUT_MS = 5 * 60_000;

/** AWS leaves the service's task-definition revisions behind: deregister, then delete them. */
export async function deleteTaskDefinitions(i: ServiceRef): Promise<void> {
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
