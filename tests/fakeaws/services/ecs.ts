/**
 * ECS (awsJson): Express gateway services (a service with its load balancer and public endpoint,
 * ACTIVE at once, reachable once the endpoint is up), their task definitions, the clusters a test
 * seeds, and tags. Each create or update starts a deployment (ecsDeployments.ts), which is what
 * fails when a test queued failNextDeployment or onDeployment refuses the container.
 */
import { arn } from "../../support/awsConstants";
import { Handler, ServiceDef, ServiceHost } from "../core/endpoint";
import { rand } from "../core/ids";
import { AwsError, Rec, ts } from "../core/types";
import { loadModel } from "../model";
import { ecsDeployments, FakeDeployment } from "./ecsDeployments";

export function ecs(host: ServiceHost): ServiceDef {
    const { fake } = host;
    const ecsArn = (resource: string) => arn("ecs", resource, { region: fake.region });
    const { handlers: deploymentHandlers, startDeployment, activeRevisions, taskDefArn } = ecsDeployments(host);

    function tagService(op: string, input: Record<string, any>): unknown {
        const rec = findEcs(input.resourceArn, "ResourceNotFoundException");
        let tags = [...((rec.data.tags as { key: string; value: string }[]) ?? [])];
        if (op === "TagResource") {
            for (const t of input.tags as { key: string; value: string }[]) {
                tags = tags.filter((x) => x.key !== t.key).concat([t]);
            }
        } else {
            tags = tags.filter((x) => !(input.tagKeys as string[]).includes(x.key));
        }
        rec.data.tags = tags;
        return {};
    }

    // Create and Update are asynchronous: they answer once the service's deployment has started.
    const handlers: Record<string, Handler> = {
        CreateExpressGatewayService: async (input) => {
            const cluster = input.cluster ?? "default";
            const name = input.serviceName ?? `svc-${rand(8)}`;
            if (fake.list("ecs").some((s) => s.name === name && s.data.cluster === cluster && s.status !== "INACTIVE")) {
                throw new AwsError("InvalidParameterException", `Creation of service was not idempotent: ${name} already exists`);
            }
            const arn = ecsArn(`service/${cluster}/${name}`);
            const rec = host.add("ecs", arn, name, arn, { ...input, cluster, endpoint: undefined, drainingUntil: undefined });
            const outcome = host.takeOutcome("ecs");
            rec.status = "ACTIVE";
            rec.data.readyAt = outcome?.kind === "never" ? Number.POSITIVE_INFINITY : fake.clock.now() + fake.durations.ecsCreate;
            rec.data.revisionTaskDefinitions = {};
            rec.data.configs = [ecsConfig(rec, input)];
            rec.data.deployments = [];
            rec.data.tasks = [];
            if (outcome?.kind === "fail") {
                rec.data.failAt = rec.data.readyAt;
                rec.data.failReason = outcome.reasons.join("; ");
            }
            // The first deployment runs while the load balancer is set up (an endpoint that never
            // comes does not hold it up).
            await startDeployment(rec, fake.durations.ecsCreate);
            return { service: ecsView(rec) };
        },
        DescribeExpressGatewayService: (input) => {
            const rec = findEcs(input.serviceArn, "InvalidParameterException");
            return { service: ecsView(rec) };
        },
        UpdateExpressGatewayService: async (input) => {
            const rec = findEcs(input.serviceArn);
            if (rec.status !== "ACTIVE") {
                throw new AwsError("ServiceNotActiveException", "Service is not active");
            }
            const { serviceArn: _s, ...rest } = input;
            Object.assign(rec.data, rest);
            const config = ecsConfig(rec, rec.data);
            rec.data.configs.push(config);
            rec.data.rolloutUntil = fake.clock.now() + fake.durations.ecsUpdate;
            rec.updatedAt = fake.clock.now();
            await startDeployment(rec, fake.durations.ecsUpdate);
            const view = ecsView(rec);
            return {
                service: {
                    serviceArn: rec.arn,
                    serviceName: rec.name,
                    cluster: rec.data.cluster,
                    status: view.status,
                    targetConfiguration: config,
                    createdAt: view.createdAt,
                    updatedAt: view.updatedAt,
                },
            };
        },
        DeleteExpressGatewayService: (input) => {
            const rec = findEcs(input.serviceArn);
            if (rec.status !== "ACTIVE") {
                throw new AwsError("ServiceNotActiveException", "Service is not active");
            }
            rec.status = "DRAINING";
            const inactiveAt = fake.clock.now() + fake.durations.ecsDelete;
            rec.transition = { until: inactiveAt, next: "INACTIVE" };
            rec.data.drainingUntil = inactiveAt + fake.durations.ecsDrain;
            return { service: ecsView(rec) };
        },
        DescribeServices: (input) => {
            const cluster = input.cluster ?? "default";
            const services: unknown[] = [];
            const failures: unknown[] = [];
            for (const s of input.services as string[]) {
                const rec = fake.list("ecs").find((x) => x.data.cluster === cluster && (x.name === s || x.arn === s));
                if (!rec) {
                    failures.push({ arn: s, reason: "MISSING" });
                    continue;
                }
                const status = rec.status === "INACTIVE" && fake.clock.now() < (rec.data.drainingUntil ?? 0) ? "DRAINING" : rec.status;
                services.push({
                    serviceArn: rec.arn,
                    serviceName: rec.name,
                    clusterArn: ecsArn(`cluster/${cluster}`),
                    status,
                    tags: (input.include as string[] | undefined)?.includes("TAGS") ? rec.data.tags : undefined,
                });
            }
            return { services, failures };
        },
        DescribeClusters: (input) => {
            const clusters: unknown[] = [];
            const failures: unknown[] = [];
            for (const name of (input.clusters as string[] | undefined) ?? ["default"]) {
                const c = fake.clusters.get(name.replace(/^arn:.*:cluster\//, ""));
                if (!c) {
                    failures.push({ arn: ecsArn(`cluster/${name}`), reason: "MISSING" });
                    continue;
                }
                clusters.push({
                    clusterArn: ecsArn(`cluster/${name}`),
                    clusterName: name,
                    status: c.status,
                    tags: (input.include as string[] | undefined)?.includes("TAGS")
                        ? Object.entries(c.tags ?? {}).map(([key, value]) => ({ key, value }))
                        : undefined,
                });
            }
            return { clusters, failures };
        },
        ListTagsForResource: (input) => {
            return { tags: findEcs(input.resourceArn, "InvalidParameterException").data.tags ?? [] };
        },
        TagResource: (input) => tagService("TagResource", input),
        UntagResource: (input) => tagService("UntagResource", input),
        ListTaskDefinitions: (input) => {
            const arns = fake.taskDefinitions
                .filter(
                    (t) => (input.familyPrefix ? t.family.startsWith(input.familyPrefix) : true) && t.status === (input.status ?? "ACTIVE"),
                )
                .map((t) => taskDefArn(t.family, t.revision));
            return { taskDefinitionArns: arns };
        },
        DescribeServiceRevisions: (input) => {
            const arns = input.serviceRevisionArns as string[];
            if (arns.length === 0 || arns.length > 20) {
                throw new AwsError("InvalidParameterException", "serviceRevisionArns must hold between 1 and 20 ARNs.");
            }
            const serviceRevisions: unknown[] = [];
            const failures: unknown[] = [];
            for (const revisionArn of arns) {
                const rec = fake.list("ecs").find((r) => r.data.revisionTaskDefinitions?.[revisionArn] !== undefined);
                const config = rec && (rec.data.configs as Record<string, any>[]).find((c) => c.serviceRevisionArn === revisionArn);
                if (!rec || !config) {
                    failures.push({ arn: revisionArn, reason: "MISSING" });
                    continue;
                }
                serviceRevisions.push({
                    serviceRevisionArn: revisionArn,
                    serviceArn: rec.arn,
                    clusterArn: ecsArn(`cluster/${rec.data.cluster}`),
                    taskDefinition: rec.data.revisionTaskDefinitions[revisionArn],
                    launchType: "FARGATE",
                    platformVersion: "1.4.0",
                    platformFamily: "Linux",
                    containerImages: [{ containerName: "Main", image: config.primaryContainer?.image }],
                    createdAt: ts(config.createdAt),
                });
            }
            return { serviceRevisions, failures };
        },
        DeregisterTaskDefinition: (input) => {
            const t = findTaskDef(input.taskDefinition);
            t.status = "INACTIVE";
            return {
                taskDefinition: {
                    taskDefinitionArn: taskDefArn(t.family, t.revision),
                    family: t.family,
                    revision: t.revision,
                    status: t.status,
                },
            };
        },
        DeleteTaskDefinitions: (input) => {
            const list = input.taskDefinitions as string[];
            if (list.length > 10) {
                throw new AwsError("ClientException", "DeleteTaskDefinitions accepts at most 10 task definitions");
            }
            const done: unknown[] = [];
            const failures: unknown[] = [];
            for (const arn of list) {
                const t = findTaskDef(arn);
                if (t.status === "ACTIVE") {
                    failures.push({ arn, reason: "The specified task definition is still in ACTIVE status" });
                    continue;
                }
                t.status = "DELETE_IN_PROGRESS";
                done.push({ taskDefinitionArn: arn, status: t.status });
            }
            return { taskDefinitions: done, failures };
        },
        ...deploymentHandlers,
    };

    /**
     * An Express service by ARN, or the error the operation's model lists for one ECS does not hold:
     * Update and Delete name it ServiceNotFoundException; Describe (and ListTagsForResource), whose
     * models list no such error, answer InvalidParameterException "Resource not found" (what
     * terraform-provider-aws takes for a service AWS has forgotten); the tag operations
     * ResourceNotFoundException.
     */
    function findEcs(
        arn: string,
        code: "ServiceNotFoundException" | "InvalidParameterException" | "ResourceNotFoundException" = "ServiceNotFoundException",
    ): Rec {
        const rec = fake.list("ecs").find((x) => x.arn === arn);
        if (!rec) {
            throw new AwsError(code, code === "ServiceNotFoundException" ? `Service not found: ${arn}` : `Resource not found: ${arn}`);
        }
        return rec;
    }

    /**
     * A new service revision of the service's configuration, with the task definition ECS Express
     * registers for it (kept apart: the configuration's model has no task definition).
     */
    function ecsConfig(rec: Rec, input: Record<string, any>): Record<string, unknown> {
        const serviceRevisionArn = ecsArn(`service-revision/${rec.data.cluster}/${rec.name}/${rand(19, "0123456789")}`);
        rec.data.revisionTaskDefinitions[serviceRevisionArn] = registerTaskDefinition(rec.data.cluster, rec.name);
        return {
            serviceRevisionArn,
            executionRoleArn: input.executionRoleArn,
            taskRoleArn: input.taskRoleArn,
            cpu: input.cpu,
            memory: input.memory,
            healthCheckPath: input.healthCheckPath,
            primaryContainer: input.primaryContainer,
            createdAt: fake.clock.now(),
        };
    }

    function ecsView(rec: Rec): Record<string, unknown> {
        const now = fake.clock.now();
        const d = rec.data;
        let status = rec.status;
        let statusReason: string | undefined;
        if (d.failAt !== undefined && now >= d.failAt && status === "ACTIVE") {
            status = "INACTIVE";
            statusReason = d.failReason;
        }
        const endpointReady = now >= d.readyAt;
        if (endpointReady && !d.endpoint) {
            d.endpoint = `${rec.name.slice(0, 20)}-${rand(8)}.ecs.${fake.region}.on.aws`;
        }
        const configs = activeRevisions(rec, now)
            .map((arn) => (d.configs as Record<string, unknown>[]).find((c) => c.serviceRevisionArn === arn)!)
            .map((c) => ({
                ...c,
                ingressPaths: d.endpoint && status === "ACTIVE" ? [{ accessType: "PUBLIC", endpoint: d.endpoint }] : [],
            }));
        const deployments = (d.deployments as FakeDeployment[] | undefined) ?? [];
        return {
            serviceArn: rec.arn,
            serviceName: rec.name,
            cluster: d.cluster,
            infrastructureRoleArn: d.infrastructureRoleArn,
            status: { statusCode: status, statusReason },
            currentDeployment: deployments[deployments.length - 1]?.arn,
            activeConfigurations: configs,
            tags: d.tags,
            createdAt: ts(rec.createdAt),
            updatedAt: ts(rec.updatedAt),
        };
    }

    /**
     * Registers the next revision of the family ECS Express writes for a service, `<cluster>-<service>`
     * (which another cluster and service can compose too), and returns its ARN.
     */
    function registerTaskDefinition(cluster: string, service: string): string {
        const family = `${cluster}-${service}`;
        const revision = fake.taskDefinitions.filter((t) => t.family === family).length + 1;
        fake.taskDefinitions.push({ family, revision, status: "ACTIVE" });
        return taskDefArn(family, revision);
    }

    function findTaskDef(ref: string): { family: string; revision: number; status: "ACTIVE" | "INACTIVE" | "DELETE_IN_PROGRESS" } {
        const m = /task-definition\/([^:]+):(\d+)$/.exec(ref) ?? /^([^:]+):(\d+)$/.exec(ref);
        const t = m && fake.taskDefinitions.find((x) => x.family === m[1] && x.revision === Number(m[2]));
        if (!t) {
            throw new AwsError("ClientException", `Unable to describe task definition ${ref}`);
        }
        return t;
    }

    return {
        name: "ecs",
        targetPrefix: "AmazonEC2ContainerServiceV20141113",
        model: loadModel("ecs.2014-11-13.json"),
        handlers,
        notImplemented: (op) => new AwsError("ClientException", `The local endpoint does not implement ECS ${op}`),
    };
}
