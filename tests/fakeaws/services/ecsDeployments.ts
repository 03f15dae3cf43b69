/**
 * ECS service deployments and their Fargate tasks. A deployment's course is fixed when it starts
 * (its outcome decided by failNextDeployment or onDeployment); its status, like the tasks', is read
 * off the clock. A failed deployment stops its tasks with the container's exit code, writes what
 * the container printed to its log group, and rolls back to the revision before it, if any.
 */
import { arn } from "../../support/awsConstants";
import { Handler, ServiceHost } from "../core/endpoint";
import { rand } from "../core/ids";
import { AwsError, DeploymentFailure, Rec } from "../core/types";

/** An ECS service deployment of the endpoint: its course is fixed when it starts. */
export interface FakeDeployment {
    arn: string;
    createdAt: number;
    /** PENDING until then, IN_PROGRESS after. */
    startedAt: number;
    /** When it succeeds, or (failed) when the circuit breaker stops it. */
    endsAt: number;
    /** The revision serving before it, that a failed deployment rolls back to. */
    sourceRevisionArn?: string;
    targetRevisionArn: string;
    failure?: { statusReason: string };
    /** When the rollback has finished (a failed deployment with a revision to go back to). */
    rollbackUntil?: number;
    /** When a newer deployment stopped it. */
    supersededAt?: number;
}

/** A Fargate task of an ECS service. */
interface FakeTask {
    arn: string;
    deploymentArn: string;
    startedBy: string;
    taskDefinitionArn: string;
    image: string;
    cpu?: string;
    memory?: string;
    createdAt: number;
    runningAt: number;
    stoppedAt?: number;
    stopCode?: string;
    stoppedReason?: string;
    exitCode?: number;
    containerReason?: string;
}

/** The statuses a service deployment ends in. */
const ENDED = ["SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"];
/** The name ECS Express gives the primary container in the task definitions it writes. */
const CONTAINER_NAME = "Main";

/** The deployments and tasks of the endpoint's ECS services: what the service operations start, and the operations that read them. */
export function ecsDeployments(host: ServiceHost) {
    const { fake } = host;
    const ecsArn = (resource: string) => arn("ecs", resource, { region: fake.region });

    /** The service a ListServiceDeployments names (by name or ARN), in its cluster. */
    function ecsService(service: string, cluster: string | undefined): Rec {
        const name = ecsCluster(cluster);
        const rec = fake.list("ecs").find((r) => r.data.cluster === name && (r.arn === service || r.name === service));
        if (!rec) {
            throw new AwsError("ServiceNotFoundException", "Service not found.");
        }
        return rec;
    }

    /** A cluster's name from its name or ARN (default "default"); an unknown cluster is refused as ECS refuses it. */
    function ecsCluster(ref: string | undefined): string {
        const name = (ref ?? "default").replace(/^arn:aws:ecs:[^:]+:\d+:cluster\//, "");
        if (!fake.clusters.has(name) && !fake.list("ecs").some((r) => r.data.cluster === name)) {
            throw new AwsError("ClusterNotFoundException", "Cluster not found.");
        }
        return name;
    }

    /**
     * Starts the deployment of the service's newest configuration. Its outcome is decided here, or,
     * with onDeployment set, once the hook has answered (the deployment runs until then).
     */
    async function startDeployment(rec: Rec, durationMs: number): Promise<void> {
        const now = fake.clock.now();
        const deployments = rec.data.deployments as FakeDeployment[];
        const tasks = rec.data.tasks as FakeTask[];
        const config = (rec.data.configs as Record<string, any>[])[rec.data.configs.length - 1];
        const source = stableRevision(rec, now);
        // A deployment under way is stopped by a newer one, with the tasks it started.
        for (const old of deployments) {
            if (!ENDED.includes(deploymentStatus(old, now).status)) {
                old.supersededAt = now;
                tasks.splice(0, tasks.length, ...tasks.filter((t) => t.deploymentArn !== old.arn || t.createdAt <= now));
                tasks
                    .filter((t) => t.deploymentArn === old.arn && (t.stoppedAt ?? Infinity) > now)
                    .forEach((t) => stopTask(t, now, "ServiceSchedulerInitiated", "Deployment superseded by a newer deployment"));
            }
        }
        const d: FakeDeployment = {
            arn: ecsArn(
                `service-deployment/${rec.data.cluster}/${rec.name}/${rand(21, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")}`,
            ),
            createdAt: now,
            startedAt: now + Math.min(1_000, durationMs / 5),
            endsAt: now + durationMs,
            sourceRevisionArn: source,
            targetRevisionArn: config.serviceRevisionArn,
        };
        deployments.push(d);
        const queued = host.takeDeploymentFailure();
        if (queued || !fake.onDeployment) {
            settleDeployment(rec, d, config, source, queued);
            return;
        }
        // The container's fate takes real time (a real server starting): the deployment runs until
        // it is known, and the call that started it is answered at once, as ECS answers it.
        const plannedEnd = d.endsAt;
        d.endsAt = Infinity;
        void containerFailure(config).then(
            (failure) => {
                d.endsAt = Math.max(plannedEnd, fake.clock.now());
                settleDeployment(rec, d, config, source, failure);
            },
            (e: Error) => {
                d.endsAt = Math.max(plannedEnd, fake.clock.now());
                settleDeployment(rec, d, config, source, { exitCode: 1, log: String(e.stack ?? e) });
            },
        );
    }

    /** Fixes a deployment's course once its container's fate is known: its tasks, and its failure if any. */
    function settleDeployment(
        rec: Rec,
        d: FakeDeployment,
        config: Record<string, any>,
        source: string | undefined,
        failure: DeploymentFailure | undefined,
    ): void {
        const tasks = rec.data.tasks as FakeTask[];
        // The task definition ECS Express registered for the revision deployed.
        const taskDefinitionArn: string = rec.data.revisionTaskDefinitions[config.serviceRevisionArn];
        const task = (createdAt: number, runningAt: number): FakeTask => ({
            arn: ecsArn(`task/${rec.data.cluster}/${rand(32, "0123456789abcdef")}`),
            deploymentArn: d.arn,
            startedBy: `ecs-svc/${rand(19, "0123456789")}`,
            taskDefinitionArn,
            image: config.primaryContainer?.image ?? "",
            cpu: config.cpu,
            memory: config.memory,
            createdAt,
            runningAt,
        });
        if (!failure) {
            tasks.push(task(d.startedAt, d.startedAt + (d.endsAt - d.startedAt) / 2));
            // The tasks of the revisions it replaces stop once it has finished.
            tasks
                .filter((t) => t.deploymentArn !== d.arn && (t.stoppedAt ?? Infinity) > d.endsAt)
                .forEach((t) =>
                    stopTask(
                        t,
                        d.endsAt,
                        "ServiceSchedulerInitiated",
                        `Scaling activity initiated by (deployment ${d.arn.split("/").pop()})`,
                    ),
                );
            return;
        }
        // Two tasks start and exit; then the circuit breaker stops the deployment.
        const span = d.endsAt - d.startedAt;
        const attempts = [task(d.startedAt, d.startedAt + span / 4), task(d.startedAt + span / 2, d.startedAt + (3 * span) / 4)];
        attempts[0].stoppedAt = d.startedAt + span / 2;
        attempts[1].stoppedAt = d.endsAt;
        for (const t of attempts) {
            stopTask(t, t.stoppedAt!, "EssentialContainerExited", failure.stoppedReason ?? "Essential container in task exited");
            t.exitCode = failure.exitCode;
            t.containerReason = failure.containerReason;
            tasks.push(t);
            const logs = config.primaryContainer?.awsLogsConfiguration;
            if (failure.log && logs?.logGroup) {
                const stream = `${logs.logStreamPrefix ?? "ecs"}/${CONTAINER_NAME}/${t.arn.split("/").pop()}`;
                fake.putLogEvents(
                    logs.logGroup,
                    failure.log
                        .split("\n")
                        .filter(Boolean)
                        .map((message, i) => ({ timestamp: t.runningAt + i, message, logStreamName: stream })),
                );
            }
        }
        d.failure = { statusReason: "ECS deployment circuit breaker: tasks failed to start." };
        if (source) {
            d.rollbackUntil = d.endsAt + fake.durations.ecsUpdate;
        }
    }

    /** What onDeployment makes of the container deployed (nothing when no hook is set). */
    async function containerFailure(config: Record<string, any>): Promise<DeploymentFailure | undefined> {
        if (!fake.onDeployment) {
            return undefined;
        }
        const c = config.primaryContainer ?? {};
        const outcome = await fake.onDeployment({
            image: c.image,
            environment: Object.fromEntries(
                ((c.environment as { name: string; value: string }[] | undefined) ?? []).map((e) => [e.name, e.value]),
            ),
            secrets: Object.fromEntries(
                ((c.secrets as { name: string; valueFrom: string }[] | undefined) ?? []).map((e) => [e.name, e.valueFrom]),
            ),
        });
        return outcome.ok ? undefined : { exitCode: outcome.exitCode, log: outcome.log, stoppedReason: outcome.stoppedReason };
    }

    function stopTask(t: FakeTask, at: number, stopCode: string, stoppedReason: string): void {
        t.stoppedAt = at;
        t.stopCode = stopCode;
        t.stoppedReason = stoppedReason;
    }

    /** A deployment's status at `now`, with its reason and when it finished. */
    function deploymentStatus(d: FakeDeployment, now: number): { status: string; statusReason?: string; finishedAt?: number } {
        if (d.supersededAt !== undefined && now >= d.supersededAt) {
            return { status: "STOPPED", statusReason: "The deployment was stopped by a newer deployment.", finishedAt: d.supersededAt };
        }
        if (now < d.startedAt) {
            return { status: "PENDING" };
        }
        if (now < d.endsAt) {
            return { status: "IN_PROGRESS" };
        }
        if (!d.failure) {
            return { status: "SUCCESSFUL", finishedAt: d.endsAt };
        }
        if (d.rollbackUntil === undefined) {
            return { status: "STOPPED", statusReason: d.failure.statusReason, finishedAt: d.endsAt };
        }
        if (now < d.rollbackUntil) {
            return { status: "ROLLBACK_IN_PROGRESS", statusReason: d.failure.statusReason };
        }
        return { status: "ROLLBACK_SUCCESSFUL", statusReason: d.failure.statusReason, finishedAt: d.rollbackUntil };
    }

    /** The revision serving at `now`: the target of the last deployment that succeeded (a rollback keeps it). */
    function stableRevision(rec: Rec, now: number): string | undefined {
        let stable: string | undefined;
        for (const d of (rec.data.deployments as FakeDeployment[] | undefined) ?? []) {
            if (deploymentStatus(d, now).status === "SUCCESSFUL") {
                stable = d.targetRevisionArn;
            }
        }
        return stable;
    }

    /** The revisions whose configuration is active at `now`: both while a deployment runs or rolls back. */
    function activeRevisions(rec: Rec, now: number): string[] {
        const deployments = (rec.data.deployments as FakeDeployment[] | undefined) ?? [];
        const latest = deployments[deployments.length - 1];
        if (!latest) {
            return (rec.data.configs as { serviceRevisionArn: string }[]).slice(-1).map((c) => c.serviceRevisionArn);
        }
        const status = deploymentStatus(latest, now).status;
        if (status === "ROLLBACK_SUCCESSFUL") {
            return [latest.sourceRevisionArn!];
        }
        if (status === "SUCCESSFUL" || status === "STOPPED" || !latest.sourceRevisionArn) {
            return [latest.targetRevisionArn];
        }
        return [latest.sourceRevisionArn, latest.targetRevisionArn];
    }

    /** A deployment as DescribeServiceDeployments answers it (ListServiceDeployments answers a part). */
    function deploymentView(rec: Rec, d: FakeDeployment, now: number) {
        const { status, statusReason, finishedAt } = deploymentStatus(d, now);
        const running = (revisionArn: string) => {
            const by = deploymentOf(rec, revisionArn)?.arn;
            return (rec.data.tasks as FakeTask[]).filter((t) => t.deploymentArn === by && taskView(rec, t, now).lastStatus === "RUNNING")
                .length;
        };
        const revision = (arn: string, requested: number) => ({
            arn,
            requestedTaskCount: requested,
            runningTaskCount: running(arn),
            pendingTaskCount: 0,
        });
        const tripped = d.failure !== undefined && now >= d.endsAt;
        return {
            serviceDeploymentArn: d.arn,
            serviceArn: rec.arn,
            clusterArn: ecsArn(`cluster/${rec.data.cluster}`),
            createdAt: d.createdAt,
            startedAt: now >= d.startedAt ? d.startedAt : undefined,
            finishedAt,
            stoppedAt: status === "STOPPED" ? finishedAt : undefined,
            updatedAt: Math.min(now, finishedAt ?? now),
            sourceServiceRevisions: d.sourceRevisionArn ? [revision(d.sourceRevisionArn, ENDED.includes(status) ? 0 : 1)] : [],
            targetServiceRevision: revision(d.targetRevisionArn, 1),
            status,
            statusReason,
            deploymentCircuitBreaker: {
                status: tripped ? "TRIGGERED" : ENDED.includes(status) ? "MONITORING_COMPLETE" : "MONITORING",
                failureCount: tripped ? 2 : 0,
                threshold: 2,
            },
            rollback:
                tripped && d.rollbackUntil !== undefined
                    ? {
                          reason: "ECS deployment circuit breaker: rolling back to the previous service revision.",
                          startedAt: d.endsAt,
                          serviceRevisionArn: d.sourceRevisionArn,
                      }
                    : undefined,
        };
    }

    /** The deployment that last brought a revision up (the one whose target it is). */
    function deploymentOf(rec: Rec, revisionArn: string | undefined): FakeDeployment | undefined {
        return [...(rec.data.deployments as FakeDeployment[])].reverse().find((d) => d.targetRevisionArn === revisionArn);
    }

    /** A task as DescribeTasks answers it, at `now`. */
    function taskView(rec: Rec, t: FakeTask, now: number) {
        const stopped = t.stoppedAt !== undefined && now >= t.stoppedAt;
        const lastStatus = stopped ? "STOPPED" : now >= t.runningAt ? "RUNNING" : "PENDING";
        const taskArn = t.arn;
        return {
            taskArn,
            clusterArn: ecsArn(`cluster/${rec.data.cluster}`),
            taskDefinitionArn: t.taskDefinitionArn,
            group: `service:${rec.name}`,
            startedBy: t.startedBy,
            launchType: "FARGATE",
            platformFamily: "Linux",
            platformVersion: "1.4.0",
            cpu: t.cpu,
            memory: t.memory,
            availabilityZone: `${fake.region}a`,
            createdAt: t.createdAt,
            startedAt: now >= t.runningAt ? t.runningAt : undefined,
            stoppingAt: stopped ? t.stoppedAt : undefined,
            executionStoppedAt: stopped ? t.stoppedAt : undefined,
            stoppedAt: stopped ? t.stoppedAt : undefined,
            stopCode: stopped ? t.stopCode : undefined,
            stoppedReason: stopped ? t.stoppedReason : undefined,
            lastStatus,
            desiredStatus: stopped ? "STOPPED" : "RUNNING",
            containers: [
                {
                    containerArn: ecsArn(`container/${rec.data.cluster}/${taskArn.split("/").pop()}/${CONTAINER_NAME.toLowerCase()}`),
                    taskArn,
                    name: CONTAINER_NAME,
                    image: t.image,
                    lastStatus,
                    exitCode: stopped ? (t.exitCode ?? 0) : undefined,
                    reason: stopped ? t.containerReason : undefined,
                },
            ],
        };
    }

    function taskDefArn(family: string, revision: number): string {
        return ecsArn(`task-definition/${family}:${revision}`);
    }

    const handlers: Record<string, Handler> = {
        ListServiceDeployments: (input) => {
            const rec = ecsService(input.service, input.cluster);
            const now = fake.clock.now();
            const after = input.createdAt?.after === undefined ? -Infinity : Number(input.createdAt.after) * 1000;
            const before = input.createdAt?.before === undefined ? Infinity : Number(input.createdAt.before) * 1000;
            const briefs = (rec.data.deployments as FakeDeployment[])
                .filter((d) => d.createdAt >= after && d.createdAt <= before)
                .map((d) => deploymentView(rec, d, now))
                .filter((d) => !input.status || (input.status as string[]).includes(d.status))
                // Newest first, as AWS lists them.
                .reverse()
                .map((d) => ({
                    serviceDeploymentArn: d.serviceDeploymentArn,
                    serviceArn: d.serviceArn,
                    clusterArn: d.clusterArn,
                    startedAt: d.startedAt,
                    createdAt: d.createdAt,
                    finishedAt: d.finishedAt,
                    targetServiceRevisionArn: d.targetServiceRevision.arn,
                    status: d.status,
                    statusReason: d.statusReason,
                }));
            return { serviceDeployments: briefs };
        },
        DescribeServiceDeployments: (input) => {
            const now = fake.clock.now();
            const serviceDeployments: unknown[] = [];
            const failures: unknown[] = [];
            for (const arn of input.serviceDeploymentArns as string[]) {
                const rec = fake.list("ecs").find((r) => (r.data.deployments as FakeDeployment[] | undefined)?.some((d) => d.arn === arn));
                const d = rec && (rec.data.deployments as FakeDeployment[]).find((x) => x.arn === arn)!;
                if (!rec || !d) {
                    failures.push({ arn, reason: "MISSING" });
                    continue;
                }
                serviceDeployments.push(deploymentView(rec, d, now));
            }
            return { serviceDeployments, failures };
        },
        ListTasks: (input) => {
            const cluster = ecsCluster(input.cluster);
            if (
                input.startedBy !== undefined &&
                ["containerInstance", "family", "serviceName", "desiredStatus", "launchType"].some((k) => input[k] !== undefined)
            ) {
                throw new AwsError("InvalidParameterException", "startedBy must be the only filter when it is specified.");
            }
            let services = fake.list("ecs").filter((r) => r.data.cluster === cluster);
            if (input.serviceName !== undefined) {
                services = services.filter((r) => r.name === input.serviceName || r.arn === input.serviceName);
                if (services.length === 0) {
                    throw new AwsError("ServiceNotFoundException", "Service not found.");
                }
            }
            const now = fake.clock.now();
            const wanted = input.desiredStatus ?? "RUNNING";
            const tasks = services
                .flatMap((r) => (r.data.tasks as FakeTask[]).map((t) => ({ rec: r, t })))
                .filter(({ t }) => t.createdAt <= now && (input.startedBy === undefined || input.startedBy === t.startedBy))
                .map(({ rec, t }) => taskView(rec, t, now))
                .filter((t) => t.desiredStatus === wanted)
                .sort((a, b) => b.createdAt - a.createdAt)
                .map((t) => t.taskArn);
            return { taskArns: tasks };
        },
        DescribeTasks: (input) => {
            const cluster = ecsCluster(input.cluster);
            const now = fake.clock.now();
            const tasks: unknown[] = [];
            const failures: unknown[] = [];
            const all = fake
                .list("ecs")
                .filter((r) => r.data.cluster === cluster)
                .flatMap((r) => (r.data.tasks as FakeTask[]).map((t) => ({ rec: r, t })));
            for (const ref of input.tasks as string[]) {
                const hit = all.find(({ t }) => t.createdAt <= now && (t.arn === ref || t.arn.endsWith(`/${ref}`)));
                if (!hit) {
                    failures.push({ arn: ref, reason: "MISSING" });
                    continue;
                }
                tasks.push(taskView(hit.rec, hit.t, now));
            }
            return { tasks, failures };
        },
    };

    return { handlers, startDeployment, activeRevisions, taskDefArn };
}
