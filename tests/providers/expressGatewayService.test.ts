import { expect } from "chai";
import {
    allowedHostsValue,
    expressGatewayServiceProvider as provider,
    ExpressGatewayServiceInputs,
    ExpressGatewayServiceOutputs,
} from "../../providers/expressGatewayService";
import { expressGatewayServiceRolloutProvider as rolloutProvider } from "../../providers/expressGatewayServiceRollout";
import { captureAdoptionWarnings } from "../../providers/lifecycle";
import { rejection, useFakeAws } from "../support/fakeAwsHooks";

type Created = { id: string; outs: ExpressGatewayServiceOutputs };
const SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:zscaler-mcp-harness/dev/credentials-abc123";

function inputs(over: Partial<ExpressGatewayServiceInputs> = {}): ExpressGatewayServiceInputs {
    return {
        region: "us-east-1",
        serviceName: "zscaler-mcp-server-dev",
        cluster: "zscaler-mcp-dev",
        executionRoleArn: "arn:aws:iam::123456789012:role/task-exec",
        infrastructureRoleArn: "arn:aws:iam::123456789012:role/infra",
        healthCheckPath: "/health",
        cpu: "1024",
        memory: "2048",
        container: {
            image: "709825985650.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server:0.10.4-bedrock",
            containerPort: 8000,
            logGroup: "/ecs/zscaler-mcp-dev",
            logStreamPrefix: "mcp",
            environment: { ZSCALER_MCP_TRANSPORT: "streamable-http", ZSCALER_MCP_AUTH_MODE: "zscaler" },
            secrets: { ZSCALER_CLIENT_SECRET: `${SECRET_ARN}:ZSCALER_CLIENT_SECRET::` },
        },
        hostValidation: "auto",
        allowedHosts: ["mcp.example.com"],
        tags: { "managed-by": "zscaler-mcp-harness" },
        ...over,
    };
}

const OWN = {
    "managed-by": "zscaler-mcp-harness",
    "pulumi-project": "zscaler-mcp-harness",
    "pulumi-stack": "dev",
    "pulumi-stack-id": "5tack1d",
};

function envOf(call: { input: Record<string, any> }): Record<string, string> {
    return Object.fromEntries((call.input.primaryContainer.environment as { name: string; value: string }[]).map((e) => [e.name, e.value]));
}

describe("ExpressGatewayService provider", () => {
    const ctx = useFakeAws();

    it("boots with a loopback allow-list, then rolls the service's FQDN into it", async () => {
        const { id, outs } = (await provider.create!(inputs())) as Created;
        expect(id).to.equal("arn:aws:ecs:us-east-1:123456789012:service/zscaler-mcp-dev/zscaler-mcp-server-dev");
        expect(outs.endpoint).to.match(/\.ecs\.us-east-1\.on\.aws$/);
        expect(outs.url).to.equal(`https://${outs.endpoint}`);
        expect(outs.mcpUrl).to.equal(`https://${outs.endpoint}/mcp`);
        const [create] = ctx.fake.callsTo("CreateExpressGatewayService");
        expect(envOf(create).ZSCALER_MCP_ALLOWED_HOSTS).to.equal("127.0.0.1:*,localhost:*,mcp.example.com");
        expect(create.input.primaryContainer.secrets).to.deep.equal([
            { name: "ZSCALER_CLIENT_SECRET", valueFrom: `${SECRET_ARN}:ZSCALER_CLIENT_SECRET::` },
        ]);
        expect(create.input.tags).to.deep.equal([{ key: "managed-by", value: "zscaler-mcp-harness" }]);
        const [update] = ctx.fake.callsTo("UpdateExpressGatewayService");
        expect(envOf(update).ZSCALER_MCP_ALLOWED_HOSTS).to.equal(`${outs.endpoint},127.0.0.1:*,localhost:*,mcp.example.com`);
        // The create returned only after the rollout: a single active configuration remains.
        const svc = ctx.fake.find("ecs", id)!;
        expect(svc.data.configs).to.have.length(2);
    });

    it("hands out the URL once the rollout starts when asked, and the rollout resource waits for it", async () => {
        const { id, outs } = (await provider.create!(inputs({ waitForAllowList: false }))) as Created;
        const svc = ctx.fake.find("ecs", id)!;
        // Returned while the new configuration is still rolling out.
        expect(svc.data.rolloutUntil).to.be.greaterThan(ctx.clock.now());
        expect(outs.allowedHostsValue).to.equal(`${outs.endpoint},127.0.0.1:*,localhost:*,mcp.example.com`);
        const before = ctx.clock.now();
        const rollout = await rolloutProvider.create!({
            region: "us-east-1",
            serviceArn: id,
            serviceName: outs.serviceName,
            cluster: outs.cluster,
            allowedHostsValue: outs.allowedHostsValue,
        });
        expect(rollout.outs!.status).to.equal("ACTIVE");
        expect(ctx.clock.now()).to.be.at.least(svc.data.rolloutUntil);
        expect(ctx.clock.now()).to.be.greaterThan(before);
        expect(ctx.fake.calls.filter((c) => c.op.startsWith("Update"))).to.have.length(1);
    });

    it("merges the allow-list without duplicates, FQDN first", () => {
        expect(allowedHostsValue("a.ecs.us-east-1.on.aws", ["localhost:*", "x.example.com", "a.ecs.us-east-1.on.aws"])).to.equal(
            "a.ecs.us-east-1.on.aws,127.0.0.1:*,localhost:*,x.example.com",
        );
    });

    it("skips the allow-list when host validation is disabled", async () => {
        await provider.create!(inputs({ hostValidation: "disabled" }));
        const [create] = ctx.fake.callsTo("CreateExpressGatewayService");
        expect(envOf(create).ZSCALER_MCP_DISABLE_HOST_VALIDATION).to.equal("true");
        expect(envOf(create)).to.not.have.property("ZSCALER_MCP_ALLOWED_HOSTS");
        expect(ctx.fake.callsTo("UpdateExpressGatewayService")).to.have.length(0);
    });

    it("refuses a service of the same name that is not this stack's, naming it and the way out", async () => {
        await provider.create!(inputs({ tags: { ...OWN, "pulumi-stack": "prod" } }));
        const err = await rejection(provider.create!(inputs({ tags: OWN })));
        expect(err.message).to.equal(
            'ECS Express service "zscaler-mcp-server-dev" in cluster "zscaler-mcp-dev" already exists and is not this stack\'s ' +
                "(it has pulumi-project=zscaler-mcp-harness, pulumi-stack=prod; this stack is pulumi-project=zscaler-mcp-harness, pulumi-stack=dev), " +
                "so it is left alone. Choose another name with pulumi config set ecsServiceName <name>, or delete the existing service first.",
        );
        expect(ctx.fake.callsTo("CreateExpressGatewayService")).to.have.length(1);
    });

    it("refuses a service of another deployment of the same project and stack name, and changes nothing of it", async () => {
        const theirs = (await provider.create!(inputs({ tags: { ...OWN, "pulumi-stack-id": "an0ther" } }))) as Created;
        const before = ctx.fake.calls.length;
        const err = await rejection(provider.create!(inputs({ tags: OWN })));
        expect(err.message).to.equal(
            'ECS Express service "zscaler-mcp-server-dev" in cluster "zscaler-mcp-dev" already exists and belongs to another ' +
                "deployment of the same project and stack name (another backend or Pulumi organization: it has " +
                "pulumi-stack-id=an0ther, this stack is pulumi-stack-id=5tack1d), so it is left alone. If that deployment is " +
                "still in use, give this one another stack name (pulumi stack init <other name>) or other resource names (the name " +
                "config keys); if it is not, delete the resource (or destroy that deployment) and run pulumi up again. If it is " +
                "this stack's own from before a destroy that retained it, tag it with this stack's identity and run pulumi up " +
                "again. Choose " +
                "another name with pulumi config set ecsServiceName <name>, or delete the existing service first.",
        );
        // Looked at, not touched.
        expect(ctx.fake.calls.slice(before).filter((c) => /^(Create|Update|Delete|Tag|Untag)/.test(c.op))).to.deep.equal([]);
        expect(ctx.fake.find("ecs", theirs.id)!.data.tags).to.deep.include({ key: "pulumi-stack-id", value: "an0ther" });
    });

    it("replaces this stack's own service made with another infrastructure role, with a warning", async () => {
        const warnings: string[] = [];
        const restore = captureAdoptionWarnings((m) => warnings.push(m));
        try {
            const first = (await provider.create!(inputs({ tags: OWN }))) as Created;
            const role = "arn:aws:iam::123456789012:role/infra-2";
            const again = (await provider.create!(inputs({ tags: OWN, infrastructureRoleArn: role }))) as Created;
            expect(warnings).to.deep.equal([
                'ECS Express service "zscaler-mcp-server-dev" in cluster "zscaler-mcp-dev" was this stack\'s own but was created ' +
                    "with infrastructure role arn:aws:iam::123456789012:role/infra, not arn:aws:iam::123456789012:role/infra-2, " +
                    "which cannot change in place: it is replaced.",
            ]);
            expect(ctx.fake.callsTo("DeleteExpressGatewayService").map((c) => c.input.serviceArn)).to.deep.equal([first.id]);
            const creates = ctx.fake.callsTo("CreateExpressGatewayService").filter((c) => !c.error);
            expect(creates.map((c) => c.input.infrastructureRoleArn)).to.deep.equal([inputs().infrastructureRoleArn, role]);
            expect(again.outs.status).to.equal("ACTIVE");
            expect(again.outs.infrastructureRoleArn).to.equal(role);
            // The same role: taken over, no replacement.
            const third = (await provider.create!(inputs({ tags: OWN, infrastructureRoleArn: role }))) as Created;
            expect(third.id).to.equal(again.id);
            expect(ctx.fake.callsTo("DeleteExpressGatewayService")).to.have.length(1);
            expect(warnings).to.have.length(1);
        } finally {
            restore();
        }
    });

    it("takes over this stack's own service (a create recorded nowhere) and brings it to the inputs", async () => {
        const first = (await provider.create!(inputs({ tags: OWN }))) as Created;
        const image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server:0.15.4";
        const again = (await provider.create!(inputs({ tags: OWN, container: { ...inputs().container, image } }))) as Created;
        expect(again.id).to.equal(first.id);
        expect(again.outs.mcpUrl).to.equal(first.outs.mcpUrl);
        expect(ctx.fake.callsTo("CreateExpressGatewayService")).to.have.length(1);
        const last = ctx.fake.callsTo("UpdateExpressGatewayService").pop()!;
        expect(last.input.primaryContainer.image).to.equal(image);
        expect(envOf(last).ZSCALER_MCP_ALLOWED_HOSTS).to.equal(allowedHostsValue(first.outs.endpoint, ["mcp.example.com"]));
    });

    it("takes over its own service when the create's answer is lost and the retry is told it was not idempotent", async () => {
        ctx.fake.loseResponse("CreateExpressGatewayService", 1);
        const { id, outs } = (await provider.create!(inputs({ tags: OWN }))) as Created;
        expect(ctx.fake.list("ecs").map((s) => s.id)).to.deep.equal([id]);
        expect(outs.status).to.equal("ACTIVE");
        expect(ctx.fake.callsTo("CreateExpressGatewayService").map((c) => c.error ?? "ok")).to.deep.equal([
            "lost",
            "InvalidParameterException",
        ]);
    });

    it("rolls a new image out in place, keeping the FQDN in the allow-list", async () => {
        const { id, outs } = (await provider.create!(inputs())) as Created;
        const news = inputs({ container: { ...inputs().container, image: "public.ecr.aws/zscaler/zscaler-mcp-server:0.11.0" } });
        const d = await provider.diff!(id, outs, news);
        expect(d.changes).to.equal(true);
        expect(d.replaces).to.deep.equal([]);
        const up = await provider.update!(id, outs, news);
        expect(up.outs!.endpoint).to.equal(outs.endpoint);
        const last = ctx.fake.callsTo("UpdateExpressGatewayService").slice(-1)[0];
        expect(last.input.primaryContainer.image).to.equal("public.ecr.aws/zscaler/zscaler-mcp-server:0.11.0");
        expect(envOf(last).ZSCALER_MCP_ALLOWED_HOSTS.split(",")[0]).to.equal(outs.endpoint);
    });

    it("changes only the tags through the tagging API, whatever order the state keeps the container's fields in", async () => {
        const { id, outs } = (await provider.create!(inputs())) as Created;
        // The state gives nested objects back with their keys sorted.
        const sorted = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
        const recorded = {
            ...outs,
            container: sorted({ ...outs.container, environment: sorted(outs.container.environment) }),
        } as unknown as ExpressGatewayServiceOutputs;
        const news = inputs({ tags: { "managed-by": "zscaler-mcp-harness", team: "secops" } });
        // The create itself rolled the service's address into its allow-list with one update.
        const updates = ctx.fake.callsTo("UpdateExpressGatewayService").length;
        await provider.update!(id, recorded, news);
        expect(ctx.fake.callsTo("UpdateExpressGatewayService")).to.have.length(updates);
        expect(ctx.fake.callsTo("TagResource").map((c) => c.input.tags)).to.deep.equal([[{ key: "team", value: "secops" }]]);
    });

    it("classifies inputs: name, cluster, infrastructure role and region replace", async () => {
        const base = {
            ...inputs(),
            serviceArn: "arn",
            endpoint: "e",
            url: "u",
            mcpUrl: "m",
            status: "ACTIVE",
            allowedHostsValue: "e,127.0.0.1:*,localhost:*",
        };
        for (const f of ["serviceName", "cluster", "infrastructureRoleArn", "region"] as const) {
            const d = await provider.diff!("arn", base, { ...inputs(), [f]: "changed" });
            expect(d.replaces, f).to.deep.equal([f]);
        }
        for (const f of ["executionRoleArn", "healthCheckPath", "cpu", "memory", "hostValidation"] as const) {
            const d = await provider.diff!("arn", base, { ...inputs(), [f]: "changed" });
            expect(d.changes, f).to.equal(true);
            expect(d.replaces, f).to.deep.equal([]);
        }
        expect((await provider.diff!("arn", base, inputs())).changes).to.equal(false);
    });

    it("retries role propagation, and keeps the service in state when it never gets an endpoint", async () => {
        ctx.fake.iamPropagation("CreateExpressGatewayService", 2);
        ctx.fake.neverReady("ecs");
        const err = await rejection(provider.create!(inputs()));
        expect(ctx.fake.callsTo("CreateExpressGatewayService").map((c) => c.error ?? "ok")).to.deep.equal([
            "AccessDeniedException",
            "AccessDeniedException",
            "ok",
        ]);
        expect(err.message).to.match(
            /did not reach ACTIVE within 20 min; last status ACTIVE \(no public endpoint yet\)\. It stays in the stack: run pulumi up again to repair it\.$/,
        );
        expect(err.id).to.equal("arn:aws:ecs:us-east-1:123456789012:service/zscaler-mcp-dev/zscaler-mcp-server-dev");
    });

    it("reports a service that fails to start with ECS's reason", async () => {
        ctx.fake.failNext("ecs", ["Task failed ELB health checks"]);
        const err = await rejection(provider.create!(inputs()));
        expect(err.message).to.contain("reached status INACTIVE: Task failed ELB health checks");
        expect(err.id).to.be.a("string");
    });

    describe("waits for the outcome of every deployment it starts", () => {
        const LOGS = "Read the MCP server's log with npm run logs -- --server (log group /ecs/zscaler-mcp-dev), fix what it reports";
        const deploymentIds = (id: string): string[] =>
            (ctx.fake.find("ecs", id)!.data.deployments as { arn: string }[]).map((d) => d.arn.split("/").pop()!);

        it("fails a create whose deployment the circuit breaker stops, naming why the task stopped and the logs command, and keeps the service in state", async () => {
            ctx.fake.failNextDeployment({ exitCode: 1 });
            const err = await rejection(provider.create!(inputs()));
            const id = "arn:aws:ecs:us-east-1:123456789012:service/zscaler-mcp-dev/zscaler-mcp-server-dev";
            const [deployment] = deploymentIds(id);
            expect(err.message).to.equal(
                `ECS Express service "zscaler-mcp-server-dev" in cluster "zscaler-mcp-dev": deployment ${deployment} ended STOPPED: ` +
                    "ECS deployment circuit breaker: tasks failed to start. " +
                    "Its most recent stopped task: Essential container in task exited (container Main exited with code 1). " +
                    `${LOGS}, then run pulumi up again.`,
            );
            expect(err.id).to.equal(id);
            expect(err.properties.status).to.equal("CREATE_FAILED");
            // On AWS the service stays ACTIVE; the allow-list rollout never started.
            expect(ctx.fake.find("ecs", id)!.status).to.equal("ACTIVE");
            expect(ctx.fake.callsTo("UpdateExpressGatewayService")).to.have.length(0);
            // The next up replaces it.
            expect((await provider.diff!(id, err.properties, inputs())).replaces).to.deep.equal(["status"]);
        });

        it("reads every page of the stopped tasks, and describes them all", async () => {
            ctx.fake.pageSize = 1;
            ctx.fake.failNextDeployment({ exitCode: 1 });
            await rejection(provider.create!(inputs()));
            const listed = ctx.fake.callsTo("ListTasks");
            const described = ctx.fake.callsTo("DescribeTasks").flatMap((c) => c.input.tasks as string[]);
            expect(listed.length).to.be.greaterThan(1);
            expect(listed.slice(1).every((c) => typeof c.input.nextToken === "string")).to.equal(true);
            expect(described).to.have.length(listed.length);
        });

        it("fails an update whose deployment rolls back, with the container's exit code and reason, and the next update deploys again", async () => {
            const { id, outs } = (await provider.create!(inputs())) as Created;
            const news = inputs({ container: { ...inputs().container, image: "public.ecr.aws/zscaler/zscaler-mcp-server:0.11.0" } });
            ctx.fake.failNextDeployment({ exitCode: 137, containerReason: "OutOfMemoryError: Container killed due to memory usage" });
            const err = await rejection(provider.update!(id, outs, news));
            const deployment = deploymentIds(id).pop();
            expect(err.message).to.equal(
                `ECS Express service "zscaler-mcp-server-dev" in cluster "zscaler-mcp-dev": deployment ${deployment} ended ROLLBACK_SUCCESSFUL: ` +
                    "ECS deployment circuit breaker: tasks failed to start. ECS rolled the service back to its previous revision. " +
                    "Its most recent stopped task: Essential container in task exited " +
                    "(container Main exited with code 137: OutOfMemoryError: Container killed due to memory usage). " +
                    `${LOGS}, then run pulumi up again.`,
            );
            expect(err.id).to.equal(id);
            expect(err.properties.status).to.equal("UPDATE_FAILED");
            expect(err.properties.mcpUrl).to.equal(outs.mcpUrl);
            const d = await provider.diff!(id, err.properties, news);
            expect([d.changes, d.replaces]).to.deep.equal([true, []]);
            const again = await provider.update!(id, err.properties, news);
            expect(again.outs!.status).to.equal("ACTIVE");
            expect(ctx.fake.callsTo("UpdateExpressGatewayService").slice(-1)[0].input.primaryContainer.image).to.equal(
                "public.ecr.aws/zscaler/zscaler-mcp-server:0.11.0",
            );
        });

        it("fails the allow-list rollout resource when the rollout's deployment fails; a refresh then records a failed update that the next up repairs", async () => {
            // The server refuses to start once its own FQDN is in the allow-list.
            let refuse = true;
            ctx.fake.onDeployment = async (c) =>
                refuse && c.environment.ZSCALER_MCP_ALLOWED_HOSTS.includes(".on.aws")
                    ? { ok: false, exitCode: 2, log: "ERROR: invalid host in ZSCALER_MCP_ALLOWED_HOSTS\n" }
                    : { ok: true };
            const { id, outs } = (await provider.create!(inputs({ waitForAllowList: false }))) as Created;
            // The service names the deployment it started for the rollout, which the rollout waits for.
            const [, rolledOut] = ctx.fake.list("ecs")[0].data.configs as { serviceRevisionArn: string }[];
            expect(outs.allowListRevisionArn).to.equal(rolledOut.serviceRevisionArn);
            expect(outs.allowListStartedAt).to.be.a("number");
            const rollout = {
                region: "us-east-1",
                serviceArn: id,
                serviceName: outs.serviceName,
                cluster: outs.cluster,
                allowedHostsValue: outs.allowedHostsValue,
                revisionArn: outs.allowListRevisionArn,
                startedAt: outs.allowListStartedAt,
            };
            const err = await rejection(rolloutProvider.create!(rollout));
            const deployment = deploymentIds(id).pop();
            expect(err.message).to.equal(
                `ECS Express service "zscaler-mcp-server-dev" in cluster "zscaler-mcp-dev": deployment ${deployment} ended ROLLBACK_SUCCESSFUL: ` +
                    "ECS deployment circuit breaker: tasks failed to start. ECS rolled the service back to its previous revision. " +
                    "Its most recent stopped task: Essential container in task exited (container Main exited with code 2). " +
                    `${LOGS}, then run pulumi up --refresh (it redeploys the service).`,
            );
            expect(ctx.fake.logGroups.get("/ecs/zscaler-mcp-dev")!.events.map((e) => e.message)).to.deep.equal([
                "ERROR: invalid host in ZSCALER_MCP_ALLOWED_HOSTS",
                "ERROR: invalid host in ZSCALER_MCP_ALLOWED_HOSTS",
            ]);
            const read = await provider.read!(id, outs);
            expect(read.props!.status).to.equal("UPDATE_FAILED");
            refuse = false;
            expect((await provider.diff!(id, read.props!, inputs({ waitForAllowList: false }))).changes).to.equal(true);
            const repaired = await provider.update!(id, read.props!, inputs({ waitForAllowList: false }));
            expect(repaired.outs!.status).to.equal("ACTIVE");
            // The repair's deployment, which the service waited for, is the rollout's to find done.
            expect(repaired.outs!.allowListRevisionArn).to.not.equal(outs.allowListRevisionArn);
            const again = { ...rollout, revisionArn: repaired.outs!.allowListRevisionArn, startedAt: repaired.outs!.allowListStartedAt };
            expect((await rolloutProvider.update!(id, { ...rollout, status: "ACTIVE" }, again)).outs!.status).to.equal("ACTIVE");
        });

        it("adds no wait to a successful deployment: the polls that would have seen the service ready see the deployment done", async () => {
            const { id, outs } = (await provider.create!(inputs({ waitForAllowList: false }))) as Created;
            // 5 s until the first deployment succeeds and the endpoint is up, then one confirmation.
            expect(ctx.clock.slept).to.deep.equal([1_000, 2_000, 4_000, 1_000]);
            ctx.clock.slept.length = 0;
            await rolloutProvider.create!({
                region: "us-east-1",
                serviceArn: id,
                serviceName: outs.serviceName,
                cluster: outs.cluster,
                allowedHostsValue: outs.allowedHostsValue,
            });
            // 3 s of rollout, then one confirmation that only the new configuration is active.
            expect(ctx.clock.slept).to.deep.equal([1_000, 2_000, 1_000]);
            expect(ctx.fake.callsTo("ListServiceDeployments").map((c) => c.input)).to.deep.equal([
                { service: id, cluster: "zscaler-mcp-dev" },
                { service: id, cluster: "zscaler-mcp-dev" },
            ]);
        });

        it("fails a deployment that never ends at its deadline, naming the log command and why its tasks stopped", async () => {
            // Tasks that start and stop again without the circuit breaker deciding: the container's fate never comes.
            ctx.fake.onDeployment = () => new Promise(() => undefined);
            const err = await rejection(provider.create!(inputs())).finally(() => (ctx.fake.onDeployment = undefined));
            expect(err.message).to.match(
                /^ECS Express service "zscaler-mcp-server-dev" in cluster "zscaler-mcp-dev" did not reach SUCCESSFUL or STOPPED or ROLLBACK_SUCCESSFUL or ROLLBACK_FAILED within 20 min; last status IN_PROGRESS\. /,
            );
            expect(err.message).to.contain(`${LOGS}, then run pulumi up again.`);
            expect(err.message).to.match(
                /ECS shows no task of this deployment that stopped \(it keeps stopped tasks for about an hour\)\.$/,
            );
        });

        it("still names the deployment's outcome when the stopped tasks cannot be read", async () => {
            ctx.fake.failNextDeployment({ exitCode: 1 });
            ctx.fake.denyNext("ListTasks", "User: arn:aws:iam::123456789012:user/deployer is not authorized to perform: ecs:ListTasks");
            const err = await rejection(provider.create!(inputs()));
            expect(err.message).to.contain(
                "ended STOPPED: ECS deployment circuit breaker: tasks failed to start. Its stopped tasks could not be read " +
                    "(User: arn:aws:iam::123456789012:user/deployer is not authorized to perform: ecs:ListTasks). Read the MCP server's log",
            );
        });
    });

    /** The fake's task definitions of a family, as `<revision> <status>`. */
    const revisionsOf = (family: string) =>
        ctx.fake.taskDefinitions.filter((t) => t.family === family).map((t) => `${t.revision} ${t.status}`);
    const FAMILY = "zscaler-mcp-dev-zscaler-mcp-server-dev";

    it("deletes the task definitions of every revision the service ran, in batches, and waits out the drain", async () => {
        const { id, outs } = (await provider.create!(inputs())) as Created;
        // Twenty more rollouts: 22 revisions, each with its task definition.
        const { ECSClient, DescribeServicesCommand, UpdateExpressGatewayServiceCommand } = await import("@aws-sdk/client-ecs");
        const ecs = new ECSClient({ maxAttempts: 1 });
        for (let n = 0; n < 20; n++) {
            await ecs.send(new UpdateExpressGatewayServiceCommand({ serviceArn: id, cpu: n % 2 ? "1024" : "2048" }));
        }
        // Another family that begins with the service's.
        ctx.fake.taskDefinitions.push({ family: `${FAMILY}-other`, revision: 1, status: "ACTIVE" });
        const listedBefore = ctx.fake.callsTo("ListServiceDeployments").length;
        await provider.delete!(id, outs);
        // Every deployment, page by page (two a page here), then the revisions, twenty a call.
        expect(ctx.fake.callsTo("ListServiceDeployments").slice(listedBefore)).to.have.length(11);
        expect(ctx.fake.callsTo("DescribeServiceRevisions").map((c) => (c.input.serviceRevisionArns as string[]).length)).to.deep.equal([
            20, 2,
        ]);
        expect(ctx.fake.callsTo("DeregisterTaskDefinition")).to.have.length(22);
        const deletes = ctx.fake.callsTo("DeleteTaskDefinitions");
        expect(deletes.map((c) => (c.input.taskDefinitions as string[]).length)).to.deep.equal([10, 10, 2]);
        expect(revisionsOf(FAMILY)).to.deep.equal(Array.from({ length: 22 }, (_, n) => `${n + 1} DELETE_IN_PROGRESS`));
        expect(revisionsOf(`${FAMILY}-other`)).to.deep.equal(["1 ACTIVE"]);
        const describe = ctx.fake.callsTo("DescribeServices").slice(-1)[0];
        expect(describe.input.services).to.deep.equal(["zscaler-mcp-server-dev"]);
        // By the time delete returns, the classic service has finished draining.
        const after = await ecs.send(new DescribeServicesCommand({ cluster: "zscaler-mcp-dev", services: ["zscaler-mcp-server-dev"] }));
        expect(after.services?.[0]?.status).to.equal("INACTIVE");
    });

    it("leaves the task definitions of another service whose cluster and name compose the same family", async () => {
        // Cluster "zscaler-mcp" and service "dev-zscaler-mcp-server-dev": ECS Express names its family as ours.
        const ours = (await provider.create!(inputs())) as Created;
        const theirs = (await provider.create!(inputs({ cluster: "zscaler-mcp", serviceName: "dev-zscaler-mcp-server-dev" }))) as Created;
        // Each service rolled out two revisions (its create and its allow-list), one after the other.
        expect(revisionsOf(FAMILY)).to.deep.equal(["1 ACTIVE", "2 ACTIVE", "3 ACTIVE", "4 ACTIVE"]);
        await provider.delete!(ours.id, ours.outs);
        expect(revisionsOf(FAMILY)).to.deep.equal(["1 DELETE_IN_PROGRESS", "2 DELETE_IN_PROGRESS", "3 ACTIVE", "4 ACTIVE"]);
        expect(ctx.fake.callsTo("DeregisterTaskDefinition").map((c) => c.input.taskDefinition)).to.deep.equal([
            `arn:aws:ecs:us-east-1:123456789012:task-definition/${FAMILY}:1`,
            `arn:aws:ecs:us-east-1:123456789012:task-definition/${FAMILY}:2`,
        ]);
        // The other service still runs its own revision, and then deletes only its own.
        expect(ctx.fake.find("ecs", theirs.id)!.status).to.equal("ACTIVE");
        await provider.delete!(theirs.id, theirs.outs);
        expect(revisionsOf(FAMILY)).to.deep.equal(Array.from({ length: 4 }, (_, n) => `${n + 1} DELETE_IN_PROGRESS`));
    });

    it("deletes the task definitions a stopped destroy had only deregistered", async () => {
        const { id, outs } = (await provider.create!(inputs())) as Created;
        // A destroy killed between the deregistrations and the delete.
        ctx.fake.taskDefinitions.filter((t) => t.family === FAMILY).forEach((t) => (t.status = "INACTIVE"));
        await provider.delete!(id, outs);
        expect(ctx.fake.callsTo("DeregisterTaskDefinition")).to.have.length(0);
        expect(ctx.fake.callsTo("DeleteTaskDefinitions").map((c) => c.input.taskDefinitions)).to.deep.equal([
            [1, 2].map((n) => `arn:aws:ecs:us-east-1:123456789012:task-definition/${FAMILY}:${n}`),
        ]);
        expect(revisionsOf(FAMILY)).to.deep.equal(["1 DELETE_IN_PROGRESS", "2 DELETE_IN_PROGRESS"]);
    });

    it("treats a service deleted behind our back as gone on read and on delete", async () => {
        const { id, outs } = (await provider.create!(inputs())) as Created;
        ctx.fake.deleteBehindBack("ecs", id);
        const listedBefore = ctx.fake.callsTo("ListServiceDeployments").length;
        expect(await provider.read!(id, outs)).to.deep.equal({});
        // DescribeExpressGatewayService lists no not-found error: ECS answers InvalidParameterException "Resource not found".
        const [describe] = ctx.fake.callsTo("DescribeExpressGatewayService").slice(-1);
        expect(describe.error).to.equal("InvalidParameterException");
        await provider.delete!(id, outs);
        expect(ctx.fake.callsTo("DeleteExpressGatewayService").map((c) => c.error)).to.deep.equal(["ServiceNotFoundException"]);
        // Nothing tells which task definitions the forgotten service ran: none is touched.
        // (its cluster held only this service, so ECS no longer knows the cluster either).
        expect(
            ctx.fake
                .callsTo("ListServiceDeployments")
                .slice(listedBefore)
                .map((c) => c.error),
        ).to.deep.equal(["ClusterNotFoundException"]);
        expect(ctx.fake.callsTo("DeregisterTaskDefinition")).to.have.length(0);
        expect(revisionsOf(FAMILY)).to.deep.equal(["1 ACTIVE", "2 ACTIVE"]);
    });

    it("reads the service back without drift", async () => {
        const { id, outs } = (await provider.create!(inputs())) as Created;
        const read = await provider.read!(id, outs);
        expect(read.props!.endpoint).to.equal(outs.endpoint);
        expect((await provider.diff!(id, read.props!, inputs())).changes).to.equal(false);
    });
});
