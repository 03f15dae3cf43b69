import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Cloud } from "../awsplugin/cloud";
import { checkEndpointContract } from "../support/endpointContract";
import { rejection, useFakeAws } from "../support/fakeAwsHooks";
import { allowedErrors } from "./core/contract";
import type { ServiceDef } from "./core/endpoint";
import { loadModel } from "./model";
import { AwsError } from "./server";

const ROLE = "arn:aws:iam::123456789012:role/r";

async function control() {
    const sdk = await import("@aws-sdk/client-bedrock-agentcore-control");
    return { sdk, client: new sdk.BedrockAgentCoreControlClient({ maxAttempts: 1 }) };
}

describe("local AWS endpoint", () => {
    const ctx = useFakeAws();

    describe("refuses requests that break AWS's model, like AWS", () => {
        it("a missing required member", async () => {
            const { sdk, client } = await control();
            const err = await rejection(client.send(new sdk.CreateApiKeyCredentialProviderCommand({ name: "x" } as any)));
            expect(err.name).to.equal("ValidationException");
            expect(err.message).to.contain("Value at 'apiKey' failed to satisfy constraint: Member must not be null");
        });

        it("a value outside an enum", async () => {
            const { sdk, client } = await control();
            const err = await rejection(
                client.send(
                    new sdk.CreateGatewayCommand({ name: "g", roleArn: ROLE, authorizerType: "MAGIC" as any, protocolType: "MCP" }),
                ),
            );
            expect(err.message).to.contain("Member must satisfy enum value set");
        });

        it("a pattern mismatch", async () => {
            const { sdk, client } = await control();
            const err = await rejection(client.send(new sdk.CreateHarnessCommand({ harnessName: "has-hyphen", executionRoleArn: ROLE })));
            expect(err.message).to.contain(
                "Value at 'harnessName' failed to satisfy constraint: Member must satisfy regular expression pattern",
            );
        });

        it("a string too short", async () => {
            const { sdk, client } = await control();
            const err = await rejection(
                client.send(new sdk.CreateHarnessCommand({ harnessName: "h", executionRoleArn: ROLE, clientToken: "short" })),
            );
            expect(err.message).to.contain(
                "Value at 'clientToken' failed to satisfy constraint: Member must have length greater than or equal to 33",
            );
        });

        it("a list too long", async () => {
            const { sdk, client } = await control();
            const many = Array.from({ length: 2 }, () => ({ credentialProviderType: "GATEWAY_IAM_ROLE" as const }));
            const err = await rejection(
                client.send(
                    new sdk.CreateGatewayTargetCommand({
                        gatewayIdentifier: "g-0123456789",
                        name: "t",
                        targetConfiguration: { mcp: { mcpServer: { endpoint: "https://x" } } } as any,
                        credentialProviderConfigurations: many,
                    }),
                ),
            );
            expect(err.message).to.contain("Member must have length less than or equal to 1");
        });

        it("a number out of range", async () => {
            const { sdk, client } = await control();
            const err = await rejection(
                client.send(
                    new sdk.CreateHarnessCommand({
                        harnessName: "h",
                        executionRoleArn: ROLE,
                        model: { bedrockModelConfig: { modelId: "m", temperature: 3 } },
                    }),
                ),
            );
            expect(err.message).to.contain(
                "Value '3' at 'model.bedrockModelConfig.temperature' failed to satisfy constraint: Member must have value less than or equal to 2",
            );
        });

        it("a union with two members set", async () => {
            const { sdk, client } = await control();
            const err = await rejection(
                client.send(
                    new sdk.CreateHarnessCommand({
                        harnessName: "h",
                        executionRoleArn: ROLE,
                        systemPrompt: [{ text: "a" }],
                        model: { bedrockModelConfig: { modelId: "m" }, openAiModelConfig: { modelId: "m", apiKeyArn: "x" } } as any,
                    }),
                ),
            );
            expect(err.message).to.contain("Value at 'model' failed to satisfy constraint: exactly one member must be set, got 2");
        });

        it("an ECS request missing a required member (awsJson1_1), answered with the InvalidParameterException ECS's model lists", async () => {
            const ecs = await import("@aws-sdk/client-ecs");
            const err = await rejection(
                new ecs.ECSClient({ maxAttempts: 1 }).send(
                    new ecs.CreateExpressGatewayServiceCommand({ executionRoleArn: "a", infrastructureRoleArn: "b" } as any),
                ),
            );
            expect(err.name).to.equal("InvalidParameterException");
            expect(err.message).to.contain("Value at 'primaryContainer' failed to satisfy constraint: Member must not be null");
        });
    });

    it("keeps names unique and answers unknown ids with the service's not-found error", async () => {
        const { sdk, client } = await control();
        await client.send(new sdk.CreateApiKeyCredentialProviderCommand({ name: "dup", apiKey: "k" }));
        const conflict = await rejection(client.send(new sdk.CreateApiKeyCredentialProviderCommand({ name: "dup", apiKey: "k" })));
        expect(conflict.name).to.equal("ConflictException");
        const missing = await rejection(client.send(new sdk.GetGatewayCommand({ gatewayIdentifier: "nope-0123456789" })));
        expect(missing.name).to.equal("ResourceNotFoundException");
    });

    describe("answers only what AWS would answer", () => {
        /** Replaces one operation's handler (the services are the endpoint's own: a test reaches in). */
        const override = (service: string, op: string, handler: ServiceDef["handlers"][string]) => {
            (ctx.fake as unknown as { services: Map<string, ServiceDef> }).services.get(service)!.handlers[op] = handler;
        };

        it("records an error the operation's model does not list, and the test hook fails the test for it", async () => {
            const { sdk, client } = await control();
            override("bedrock-agentcore-control", "ListHarnesses", () => {
                throw new AwsError("ServiceNotFoundException", "no such thing", 404);
            });
            expect((await rejection(client.send(new sdk.ListHarnessesCommand({})))).name).to.equal("ServiceNotFoundException");
            expect(ctx.fake.violations).to.have.length(1);
            expect(ctx.fake.violations[0]).to.contain("ListHarnesses answered ServiceNotFoundException");
            expect(() => checkEndpointContract()).to.throw(/answered what AWS would not/);
            // The hook forgets what it reported: the next test starts clean.
            expect(ctx.fake.violations).to.deep.equal([]);
        });

        it("records a listed error answered with another HTTP status than AWS's", async () => {
            const { sdk, client } = await control();
            override("bedrock-agentcore-control", "GetGateway", () => {
                throw new AwsError("ResourceNotFoundException", "gone", 400);
            });
            await rejection(client.send(new sdk.GetGatewayCommand({ gatewayIdentifier: "nope-0123456789" })));
            expect(ctx.fake.violations).to.deep.equal([
                "bedrock-agentcore-control GetGateway answered ResourceNotFoundException with HTTP 400; AWS answers it with 404",
            ]);
            ctx.fake.violations.length = 0;
        });

        it("takes the model's errors and the protocol's common ones, with their statuses", () => {
            const ecs = allowedErrors(loadModel("ecs.2014-11-13.json"), "DescribeExpressGatewayService");
            expect(ecs.has("ServiceNotFoundException")).to.equal(false);
            expect([ecs.get("InvalidParameterException"), ecs.get("ServerException"), ecs.get("ThrottlingException")]).to.deep.equal([
                [400],
                [500],
                [400, 429],
            ]);
            const sts = allowedErrors(loadModel("sts.2011-06-15.json"), "AssumeRole");
            expect([sts.get("MalformedPolicyDocument"), sts.get("AccessDenied"), sts.has("AccessDeniedException")]).to.deep.equal([
                [400],
                [403],
                false,
            ]);
        });

        it("answers DescribeExpressGatewayService of a service ECS does not hold as ECS does: InvalidParameterException, resource not found", async () => {
            const sdk = await import("@aws-sdk/client-ecs");
            const client = new sdk.ECSClient({ maxAttempts: 1 });
            const err = await rejection(
                client.send(
                    new sdk.DescribeExpressGatewayServiceCommand({ serviceArn: "arn:aws:ecs:us-east-1:123456789012:service/c/gone" }),
                ),
            );
            expect([err.name, err.message]).to.deep.equal([
                "InvalidParameterException",
                "Resource not found: arn:aws:ecs:us-east-1:123456789012:service/c/gone",
            ]);
        });
    });

    describe("with the test aws plugin's account attached, refers only to what it holds", () => {
        const trust = (service: string, condition?: object) =>
            JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole", Condition: condition }],
            });
        const AGENTCORE = "arn:aws:iam::123456789012:role/agentcore";
        const TASKS = "arn:aws:iam::123456789012:role/tasks";
        const INFRA = "arn:aws:iam::123456789012:role/infra";
        const OTHER_REGION = "arn:aws:iam::123456789012:role/other-region";
        let dir: string;

        beforeEach(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "fakeaws-account-"));
            const cloud = new Cloud(path.join(dir, "aws-account.json"));
            cloud.transact((s) => {
                const role = (arn: string, assumeRolePolicy: string) =>
                    s.resources.push({
                        type: "aws:iam/role:Role",
                        id: arn.split("/")[1],
                        props: { arn, name: arn.split("/")[1], assumeRolePolicy },
                    });
                role(AGENTCORE, trust("bedrock-agentcore.amazonaws.com", { StringEquals: { "aws:SourceAccount": "123456789012" } }));
                role(TASKS, trust("ecs-tasks.amazonaws.com"));
                role(INFRA, trust("ecs.amazonaws.com"));
                role(
                    OTHER_REGION,
                    trust("bedrock-agentcore.amazonaws.com", {
                        ArnLike: { "aws:SourceArn": "arn:aws:bedrock-agentcore:eu-west-1:123456789012:*" },
                    }),
                );
                s.resources.push({ type: "aws:cognito/userPool:UserPool", id: "us-east-1_Pool12345", props: {} });
            });
            ctx.fake.account = cloud.accountView();
        });
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

        const gateway = async (roleArn: string, pool = "us-east-1_Pool12345") => {
            const { sdk, client } = await control();
            const command = new sdk.CreateGatewayCommand({
                name: `g${roleArn.length}${pool.length}`,
                roleArn,
                protocolType: "MCP",
                authorizerType: "CUSTOM_JWT",
                authorizerConfiguration: {
                    customJWTAuthorizer: {
                        discoveryUrl: `https://cognito-idp.us-east-1.amazonaws.com/${pool}/.well-known/openid-configuration`,
                        allowedClients: ["c"],
                    },
                },
            });
            return client.send(command);
        };

        it("AgentCore: an unknown role, or one whose trust policy does not admit AgentCore here, fails role validation", async () => {
            const refusals = [];
            for (const role of ["arn:aws:iam::123456789012:role/nope", TASKS, OTHER_REGION]) {
                refusals.push(await rejection(gateway(role)));
            }
            expect(refusals.map((e) => [e.name, e.message])).to.deep.equal([
                ["ValidationException", "Role validation failed for arn:aws:iam::123456789012:role/nope: the role does not exist."],
                [
                    "ValidationException",
                    `Role validation failed for ${TASKS}: its trust policy does not allow bedrock-agentcore.amazonaws.com to assume it.`,
                ],
                [
                    "ValidationException",
                    `Role validation failed for ${OTHER_REGION}: its trust policy does not allow bedrock-agentcore.amazonaws.com to assume it.`,
                ],
            ]);
            expect((await gateway(AGENTCORE)).status).to.equal("CREATING");
        });

        it("AgentCore: a discovery URL of a user pool the account does not hold", async () => {
            const err = await rejection(gateway(AGENTCORE, "us-east-1_Gone00000"));
            expect([err.name, err.message]).to.deep.equal([
                "ValidationException",
                "Unable to retrieve the OpenID configuration from the discovery URL https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Gone00000/.well-known/openid-configuration.",
            ]);
        });

        it("ECS: the infrastructure role must admit ecs.amazonaws.com, the execution role ecs-tasks.amazonaws.com", async () => {
            const sdk = await import("@aws-sdk/client-ecs");
            const client = new sdk.ECSClient({ maxAttempts: 1 });
            const create = (executionRoleArn: string, infrastructureRoleArn: string) =>
                client.send(
                    new sdk.CreateExpressGatewayServiceCommand({
                        serviceName: "svc",
                        cluster: "c",
                        executionRoleArn,
                        infrastructureRoleArn,
                        primaryContainer: { image: "public.ecr.aws/x/y:1", containerPort: 8000 },
                    }),
                );
            const swapped = await rejection(create(INFRA, TASKS));
            expect([swapped.name, swapped.message]).to.deep.equal([
                "InvalidParameterException",
                `Unable to assume role ${TASKS} (infrastructureRoleArn): its trust policy does not allow ecs.amazonaws.com to assume it.`,
            ]);
            const missing = await rejection(create("arn:aws:iam::123456789012:role/gone", INFRA));
            expect(missing.message).to.equal(
                "Unable to assume role arn:aws:iam::123456789012:role/gone (executionRoleArn): the role does not exist.",
            );
            expect((await create(TASKS, INFRA)).service!.serviceName).to.equal("svc");
        });
    });

    describe("pages every List and Describe operation with a next token", () => {
        it("pages by the endpoint's page size, a smaller maxResults, and opaque tokens; refuses a token it did not give", async () => {
            const { sdk, client } = await control();
            for (const name of ["a", "b", "c", "d", "e"]) {
                await client.send(new sdk.CreateGatewayCommand({ name, roleArn: ROLE, authorizerType: "NONE", protocolType: "MCP" }));
            }
            const names: string[][] = [];
            for await (const page of sdk.paginateListGateways({ client }, {})) {
                names.push((page.items ?? []).map((g) => g.name!));
            }
            expect(names).to.deep.equal([["a", "b"], ["c", "d"], ["e"]]);
            const one = await client.send(new sdk.ListGatewaysCommand({ maxResults: 1 }));
            expect([one.items!.length, typeof one.nextToken]).to.deep.equal([1, "string"]);
            ctx.fake.pageSize = 10;
            expect((await client.send(new sdk.ListGatewaysCommand({}))).items).to.have.length(5);
            const bad = await rejection(client.send(new sdk.ListGatewaysCommand({ nextToken: "bm90LWEtdG9rZW4=" })));
            expect(bad.name).to.equal("ValidationException");
            // A token names the operation it was given for.
            const other = await rejection(client.send(new sdk.ListHarnessesCommand({ nextToken: one.nextToken })));
            expect(other.name).to.equal("ValidationException");
        });

        it("pages the awsJson services too, refusing a bad token with the error the operation lists", async () => {
            const logs = await import("@aws-sdk/client-cloudwatch-logs");
            const client = new logs.CloudWatchLogsClient({ maxAttempts: 1 });
            for (const g of ["/x/1", "/x/2", "/x/3"]) {
                ctx.fake.logGroups.set(g, { createdAt: 0, events: [] });
            }
            const first = await client.send(new logs.DescribeLogGroupsCommand({ logGroupNamePrefix: "/x/" }));
            expect(first.logGroups!.map((g) => g.logGroupName)).to.deep.equal(["/x/1", "/x/2"]);
            const second = await client.send(new logs.DescribeLogGroupsCommand({ logGroupNamePrefix: "/x/", nextToken: first.nextToken }));
            expect([second.logGroups!.map((g) => g.logGroupName), second.nextToken]).to.deep.equal([["/x/3"], undefined]);
            const bad = await rejection(client.send(new logs.DescribeLogGroupsCommand({ nextToken: "garbage" })));
            expect(bad.name).to.equal("InvalidParameterException");
            // A token answers one request: the next page must be asked for with the same parameters.
            const changed = await rejection(
                client.send(new logs.DescribeLogGroupsCommand({ logGroupNamePrefix: "/x", nextToken: first.nextToken })),
            );
            expect(changed.name).to.equal("InvalidParameterException");
        });
    });

    it("moves resources through their statuses on the test's clock", async () => {
        const { sdk, client } = await control();
        ctx.fake.durations.gateway = 30_000;
        const g = await client.send(
            new sdk.CreateGatewayCommand({ name: "g", roleArn: ROLE, authorizerType: "NONE", protocolType: "MCP" }),
        );
        expect(g.status).to.equal("CREATING");
        ctx.clock.advance(29_999);
        expect((await client.send(new sdk.GetGatewayCommand({ gatewayIdentifier: g.gatewayId! }))).status).to.equal("CREATING");
        ctx.clock.advance(1);
        expect((await client.send(new sdk.GetGatewayCommand({ gatewayIdentifier: g.gatewayId! }))).status).to.equal("READY");
    });

    it("injects throttling and server errors for exactly the number of calls asked", async () => {
        const { sdk, client } = await control();
        ctx.fake.throttle("ListHarnesses", 1);
        ctx.fake.serverError("ListHarnesses", 1);
        expect((await rejection(client.send(new sdk.ListHarnessesCommand({})))).name).to.equal("ThrottlingException");
        expect((await rejection(client.send(new sdk.ListHarnessesCommand({})))).name).to.equal("InternalServerException");
        expect((await client.send(new sdk.ListHarnessesCommand({}))).harnesses).to.deep.equal([]);
    });

    describe("ECS service deployments and tasks, as AWS models them", () => {
        const ECS_MODEL = loadModel("ecs.2014-11-13.json");
        const CLUSTER = "zscaler-mcp-dev";
        const CONTAINER = {
            image: "709825985650.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server:0.10.4-bedrock",
            containerPort: 8000,
            awsLogsConfiguration: { logGroup: "/ecs/zscaler-mcp-dev", logStreamPrefix: "mcp" },
            environment: [{ name: "ZSCALER_MCP_TRANSPORT", value: "streamable-http" }],
            secrets: [
                {
                    name: "ZSCALER_CLIENT_SECRET",
                    valueFrom: "arn:aws:secretsmanager:us-east-1:123456789012:secret:creds-abc123:ZSCALER_CLIENT_SECRET::",
                },
            ],
        };

        async function ecs() {
            const sdk = await import("@aws-sdk/client-ecs");
            const client = new sdk.ECSClient({ maxAttempts: 1 });
            const created = await client.send(
                new sdk.CreateExpressGatewayServiceCommand({
                    serviceName: "svc",
                    cluster: CLUSTER,
                    executionRoleArn: ROLE,
                    infrastructureRoleArn: ROLE,
                    primaryContainer: CONTAINER,
                }),
            );
            const serviceArn = created.service!.serviceArn!;
            const deployments = async () =>
                (await client.send(new sdk.ListServiceDeploymentsCommand({ service: serviceArn, cluster: CLUSTER }))).serviceDeployments!;
            const describe = async (arn: string) =>
                (await client.send(new sdk.DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }))).serviceDeployments![0];
            const update = async (image: string) =>
                (await client.send(new sdk.UpdateExpressGatewayServiceCommand({ serviceArn, primaryContainer: { ...CONTAINER, image } })))
                    .service!.targetConfiguration!.serviceRevisionArn!;
            const stoppedTasks = async () => {
                const { taskArns } = await client.send(
                    new sdk.ListTasksCommand({ cluster: CLUSTER, serviceName: "svc", desiredStatus: "STOPPED" }),
                );
                return taskArns!.length === 0
                    ? []
                    : (await client.send(new sdk.DescribeTasksCommand({ cluster: CLUSTER, tasks: taskArns! }))).tasks!;
            };
            return { sdk, client, created, serviceArn, deployments, describe, update, stoppedTasks };
        }

        /** The errors an ECS operation may answer, by the model. */
        const errorsOf = (op: string) =>
            ((ECS_MODEL.operations[op] as unknown as { errors: { shape: string }[] }).errors ?? []).map((e) => e.shape);

        it("starts a deployment with every create and update: PENDING, IN_PROGRESS, then SUCCESSFUL on the clock, listed newest first", async () => {
            const { client, sdk, created, serviceArn, deployments, describe, update } = await ecs();
            const first = created.service!.activeConfigurations![0].serviceRevisionArn!;
            expect(first).to.match(/^arn:aws:ecs:us-east-1:123456789012:service-revision\/zscaler-mcp-dev\/svc\/\d{19}$/);
            const [d1] = await deployments();
            expect(d1.serviceDeploymentArn).to.match(
                /^arn:aws:ecs:us-east-1:123456789012:service-deployment\/zscaler-mcp-dev\/svc\/[A-Za-z0-9]{21}$/,
            );
            expect([d1.status, d1.targetServiceRevisionArn, d1.serviceArn]).to.deep.equal(["PENDING", first, serviceArn]);
            ctx.clock.advance(1_000);
            expect((await describe(d1.serviceDeploymentArn!)).status).to.equal("IN_PROGRESS");
            ctx.clock.advance(4_000);
            const done = await describe(d1.serviceDeploymentArn!);
            expect([
                done.status,
                done.finishedAt!.getTime() - done.createdAt!.getTime(),
                done.sourceServiceRevisions,
                done.targetServiceRevision,
            ]).to.deep.equal(["SUCCESSFUL", 5_000, [], { arn: first, requestedTaskCount: 1, runningTaskCount: 1, pendingTaskCount: 0 }]);
            const second = await update("public.ecr.aws/zscaler/zscaler-mcp-server:0.11.0");
            const listed = await deployments();
            expect(listed.map((d) => [d.targetServiceRevisionArn, d.status])).to.deep.equal([
                [second, "PENDING"],
                [first, "SUCCESSFUL"],
            ]);
            expect((await describe(listed[0].serviceDeploymentArn!)).sourceServiceRevisions!.map((r) => r.arn)).to.deep.equal([first]);
            const described = await client.send(new sdk.DescribeExpressGatewayServiceCommand({ serviceArn }));
            expect(described.service!.currentDeployment).to.equal(listed[0].serviceDeploymentArn);
            ctx.clock.advance(3_000);
            expect((await deployments())[0].status).to.equal("SUCCESSFUL");
            // The old revision's task stopped when the new one took over.
            const running = await client.send(new sdk.ListTasksCommand({ cluster: CLUSTER, serviceName: "svc" }));
            expect(running.taskArns).to.have.length(1);
            const filtered = await client.send(
                new sdk.ListServiceDeploymentsCommand({
                    service: "svc",
                    cluster: CLUSTER,
                    status: ["SUCCESSFUL"],
                    createdAt: { after: new Date(ctx.clock.now() - 3_000) },
                }),
            );
            expect(filtered.serviceDeployments!.map((d) => d.targetServiceRevisionArn)).to.deep.equal([second]);
            expect(ctx.fake.calls.filter((c) => c.error)).to.deep.equal([]);
        });

        it("fails a deployment as the circuit breaker does: tasks stop with the exit code and reason, the update rolls back, the service stays ACTIVE", async () => {
            const { client, sdk, created, serviceArn, deployments, describe, update, stoppedTasks } = await ecs();
            const first = created.service!.activeConfigurations![0].serviceRevisionArn!;
            ctx.clock.advance(5_000);
            ctx.fake.failNextDeployment({ exitCode: 1, containerReason: "CannotStartContainerError: exec format error" });
            const second = await update("public.ecr.aws/zscaler/zscaler-mcp-server:0.11.0");
            const arn = (await deployments())[0].serviceDeploymentArn!;
            const seen: string[] = [];
            for (let t = 0; t < 7; t++) {
                seen.push((await describe(arn)).status!);
                ctx.clock.advance(1_000);
            }
            expect(seen).to.deep.equal([
                "PENDING",
                "IN_PROGRESS",
                "IN_PROGRESS",
                "ROLLBACK_IN_PROGRESS",
                "ROLLBACK_IN_PROGRESS",
                "ROLLBACK_IN_PROGRESS",
                "ROLLBACK_SUCCESSFUL",
            ]);
            const d = await describe(arn);
            expect([d.statusReason, d.rollback!.serviceRevisionArn, d.rollback!.reason, d.deploymentCircuitBreaker]).to.deep.equal([
                "ECS deployment circuit breaker: tasks failed to start.",
                first,
                "ECS deployment circuit breaker: rolling back to the previous service revision.",
                { status: "TRIGGERED", failureCount: 2, threshold: 2 },
            ]);
            expect(d.targetServiceRevision!.arn).to.equal(second);
            const service = (await client.send(new sdk.DescribeExpressGatewayServiceCommand({ serviceArn }))).service!;
            expect(service.status!.statusCode).to.equal("ACTIVE");
            expect(service.activeConfigurations!.map((c) => c.serviceRevisionArn)).to.deep.equal([first]);
            const stopped = await stoppedTasks();
            expect(
                stopped.map((t) => [
                    t.lastStatus,
                    t.desiredStatus,
                    t.stopCode,
                    t.stoppedReason,
                    t.containers!.map((c) => [c.name, c.exitCode, c.reason, c.image]),
                ]),
            ).to.deep.equal(
                [1, 2].map(() => [
                    "STOPPED",
                    "STOPPED",
                    "EssentialContainerExited",
                    "Essential container in task exited",
                    [["Main", 1, "CannotStartContainerError: exec format error", "public.ecr.aws/zscaler/zscaler-mcp-server:0.11.0"]],
                ]),
            );
            // The first revision's task kept running through the failed deployment.
            expect((await client.send(new sdk.ListTasksCommand({ cluster: CLUSTER, serviceName: "svc" }))).taskArns).to.have.length(1);
        });

        it("ends a failed first deployment STOPPED: there is no earlier revision to roll back to", async () => {
            ctx.fake.failNextDeployment({ exitCode: 3, stoppedReason: "Task failed container health checks" });
            const { deployments, stoppedTasks } = await ecs();
            ctx.clock.advance(5_000);
            const [d] = await deployments();
            expect([d.status, d.statusReason]).to.deep.equal(["STOPPED", "ECS deployment circuit breaker: tasks failed to start."]);
            expect((await stoppedTasks()).map((t) => [t.stoppedReason, t.containers![0].exitCode])).to.deep.equal([
                ["Task failed container health checks", 3],
                ["Task failed container health checks", 3],
            ]);
        });

        it("lets onDeployment decide from the container deployed, and writes what it printed to the container's log group", async () => {
            const seen: unknown[] = [];
            ctx.fake.onDeployment = async (c) => {
                seen.push(c);
                return { ok: false, exitCode: 1, log: "HTTPS is required for non-localhost deployments\n" };
            };
            const { deployments, stoppedTasks } = await ecs();
            expect(seen).to.deep.equal([
                {
                    image: CONTAINER.image,
                    environment: { ZSCALER_MCP_TRANSPORT: "streamable-http" },
                    secrets: { ZSCALER_CLIENT_SECRET: CONTAINER.secrets[0].valueFrom },
                },
            ]);
            ctx.clock.advance(5_000);
            expect((await deployments())[0].status).to.equal("STOPPED");
            const taskIds = (await stoppedTasks()).map((t) => t.taskArn!.split("/").pop());
            const events = ctx.fake.logGroups.get("/ecs/zscaler-mcp-dev")!.events;
            expect(events.map((e) => [e.logStreamName, e.message]).sort()).to.deep.equal(
                taskIds.map((id) => [`mcp/Main/${id}`, "HTTPS is required for non-localhost deployments"]).sort(),
            );
        });

        it("refuses what the model refuses, with the errors the model lists for each operation", async () => {
            const { sdk, client, serviceArn } = await ecs();
            const noService = await rejection(client.send(new sdk.ListServiceDeploymentsCommand({ service: "nope", cluster: CLUSTER })));
            const noCluster = await rejection(client.send(new sdk.ListTasksCommand({ cluster: "nope" })));
            const noTaskService = await rejection(client.send(new sdk.ListTasksCommand({ cluster: CLUSTER, serviceName: "nope" })));
            const noClusterTasks = await rejection(client.send(new sdk.DescribeTasksCommand({ cluster: "nope", tasks: ["x"] })));
            const missing = await rejection(client.send(new sdk.ListServiceDeploymentsCommand({ cluster: CLUSTER } as any)));
            const badStatus = await rejection(
                client.send(new sdk.ListServiceDeploymentsCommand({ service: serviceArn, status: ["FAILED" as any] })),
            );
            expect([noService, noCluster, noTaskService, noClusterTasks, missing, badStatus].map((e) => e.name)).to.deep.equal([
                "ServiceNotFoundException",
                "ClusterNotFoundException",
                "ServiceNotFoundException",
                "ClusterNotFoundException",
                "InvalidParameterException",
                "InvalidParameterException",
            ]);
            expect(errorsOf("ListServiceDeployments")).to.include.members(["ServiceNotFoundException", "ClusterNotFoundException"]);
            expect(errorsOf("ListTasks")).to.include.members(["ServiceNotFoundException", "ClusterNotFoundException"]);
            expect(errorsOf("DescribeTasks")).to.include("ClusterNotFoundException");
            expect(errorsOf("ListServiceDeployments")).to.include("InvalidParameterException");
            const startedBy = await rejection(
                client.send(new sdk.ListTasksCommand({ cluster: CLUSTER, startedBy: "ecs-svc/1", desiredStatus: "STOPPED" })),
            );
            expect([startedBy.name, errorsOf("ListTasks").includes(startedBy.name)]).to.deep.equal(["InvalidParameterException", true]);
            expect(missing.message).to.contain("Value at 'service' failed to satisfy constraint: Member must not be null");
            expect(badStatus.message).to.contain(
                "Member must satisfy enum value set: [PENDING, SUCCESSFUL, STOPPED, STOP_REQUESTED, IN_PROGRESS, ROLLBACK_REQUESTED",
            );
            // Unknown ARNs are failures of the answer, not errors.
            const unknown = "arn:aws:ecs:us-east-1:123456789012:service-deployment/zscaler-mcp-dev/svc/AAAAAAAAAAAAAAAAAAAAA";
            const described = await client.send(new sdk.DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [unknown] }));
            expect([described.serviceDeployments, described.failures]).to.deep.equal([[], [{ arn: unknown, reason: "MISSING" }]]);
            const tasks = await client.send(
                new sdk.DescribeTasksCommand({ cluster: CLUSTER, tasks: ["0123456789abcdef0123456789abcdef"] }),
            );
            expect([tasks.tasks, tasks.failures]).to.deep.equal([[], [{ arn: "0123456789abcdef0123456789abcdef", reason: "MISSING" }]]);
        });

        it("describes each service revision with the task definition ECS registered for it; an unknown revision is a failure", async () => {
            const { sdk, client, created, update } = await ecs();
            const first = created.service!.activeConfigurations![0].serviceRevisionArn!;
            const second = await update("public.ecr.aws/zscaler/zscaler-mcp-server:2");
            const unknown = "arn:aws:ecs:us-east-1:123456789012:service-revision/zscaler-mcp-dev/svc/1234567890123456789";
            const res = await client.send(new sdk.DescribeServiceRevisionsCommand({ serviceRevisionArns: [first, second, unknown] }));
            expect(res.serviceRevisions!.map((r) => [r.serviceRevisionArn, r.taskDefinition, r.containerImages![0].image])).to.deep.equal([
                [first, "arn:aws:ecs:us-east-1:123456789012:task-definition/zscaler-mcp-dev-svc:1", CONTAINER.image],
                [
                    second,
                    "arn:aws:ecs:us-east-1:123456789012:task-definition/zscaler-mcp-dev-svc:2",
                    "public.ecr.aws/zscaler/zscaler-mcp-server:2",
                ],
            ]);
            expect(res.failures).to.deep.equal([{ arn: unknown, reason: "MISSING" }]);
            // At most 20 ARNs a call, as AWS documents.
            const tooMany = await rejection(
                client.send(new sdk.DescribeServiceRevisionsCommand({ serviceRevisionArns: Array.from({ length: 21 }, () => first) })),
            );
            expect([tooMany.name, errorsOf("DescribeServiceRevisions").includes(tooMany.name)]).to.deep.equal([
                "InvalidParameterException",
                true,
            ]);
        });

        it("pages ListTasks by maxResults and nextToken", async () => {
            ctx.fake.failNextDeployment({ exitCode: 1 });
            const { sdk, client } = await ecs();
            ctx.clock.advance(5_000);
            const first = await client.send(
                new sdk.ListTasksCommand({ cluster: CLUSTER, serviceName: "svc", desiredStatus: "STOPPED", maxResults: 1 }),
            );
            const second = await client.send(
                new sdk.ListTasksCommand({
                    cluster: CLUSTER,
                    serviceName: "svc",
                    desiredStatus: "STOPPED",
                    maxResults: 1,
                    nextToken: first.nextToken,
                }),
            );
            expect([first.taskArns!.length, second.taskArns!.length, second.nextToken]).to.deep.equal([1, 1, undefined]);
            expect(first.taskArns![0]).to.not.equal(second.taskArns![0]);
        });
    });

    describe("STS, EC2, ECR, Cognito, Secrets Manager and Bedrock, through the SDK's own clients", () => {
        const KEY = { accessKeyId: "AKIAFAKEFAKEFAKEFAKE", secretAccessKey: "fake-secret-key-for-the-local-endpoint" };
        const config = (over: Record<string, unknown> = {}) => ({ region: "us-east-1", maxAttempts: 1, credentials: KEY, ...over });

        it("STS: AssumeRole, then GetCallerIdentity as the role, each call recorded with its signing key", async () => {
            const sts = await import("@aws-sdk/client-sts");
            const client = new sts.STSClient(config());
            const assumed = await client.send(
                new sts.AssumeRoleCommand({
                    RoleArn: "arn:aws:iam::123456789012:role/deployer",
                    RoleSessionName: "pulumi",
                    DurationSeconds: 900,
                }),
            );
            const creds = assumed.Credentials!;
            expect(creds.AccessKeyId).to.match(/^ASIA[A-Z2-7]{16}$/);
            // Valid by the client's own clock, whatever the test's clock says.
            expect(creds.Expiration!.getTime() - Date.now()).to.be.within(890_000, 900_000);
            expect(assumed.AssumedRoleUser!.Arn).to.equal("arn:aws:sts::123456789012:assumed-role/deployer/pulumi");
            const asRole = new sts.STSClient(
                config({
                    credentials: {
                        accessKeyId: creds.AccessKeyId!,
                        secretAccessKey: creds.SecretAccessKey!,
                        sessionToken: creds.SessionToken!,
                    },
                }),
            );
            expect((await asRole.send(new sts.GetCallerIdentityCommand({}))).Arn).to.equal(
                "arn:aws:sts::123456789012:assumed-role/deployer/pulumi",
            );
            expect(ctx.fake.calls.map((c) => [c.op, c.accessKeyId])).to.deep.equal([
                ["AssumeRole", "AKIAFAKEFAKEFAKEFAKE"],
                ["GetCallerIdentity", creds.AccessKeyId],
            ]);
        });

        it("STS: refuses what the model refuses, a revoked key, and a missing permission as STS names it", async () => {
            const sts = await import("@aws-sdk/client-sts");
            const client = new sts.STSClient(config());
            const bad = await rejection(
                client.send(new sts.AssumeRoleCommand({ RoleArn: "arn:aws:iam::123456789012:role/r", RoleSessionName: "has spaces" })),
            );
            expect(bad.name).to.equal("ValidationError");
            expect(bad.message).to.contain(
                "Value at 'RoleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern",
            );
            ctx.fake.denyNext(
                "AssumeRole",
                "User: arn:aws:iam::123456789012:user/local-tester is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/r",
            );
            const denied = await rejection(
                client.send(new sts.AssumeRoleCommand({ RoleArn: "arn:aws:iam::123456789012:role/r", RoleSessionName: "s1" })),
            );
            expect([denied.name, denied.$metadata.httpStatusCode]).to.deep.equal(["AccessDenied", 403]);
            ctx.fake.revokedKeys.set("AKIAFAKEFAKEFAKEFAKE", "InvalidClientTokenId");
            const revoked = await rejection(client.send(new sts.GetCallerIdentityCommand({})));
            expect(revoked.name).to.equal("InvalidClientTokenId");
        });

        it("STS and EC2: a lost answer is an XML server error the SDK retries; a hung one ends only with the client's timeout", async () => {
            const sts = await import("@aws-sdk/client-sts");
            ctx.fake.loseResponse("GetCallerIdentity", 1);
            expect((await new sts.STSClient(config({ maxAttempts: 2 })).send(new sts.GetCallerIdentityCommand({}))).Account).to.equal(
                "123456789012",
            );
            expect(ctx.fake.callsTo("GetCallerIdentity").map((c) => c.error ?? "ok")).to.deep.equal(["lost", "ok"]);
            const ec2 = await import("@aws-sdk/client-ec2");
            ctx.fake.hang("DescribeVpcs", 1);
            const client = new ec2.EC2Client(config({ requestHandler: { requestTimeout: 100, throwOnRequestTimeout: true } }));
            expect((await rejection(client.send(new ec2.DescribeVpcsCommand({})))).name).to.equal("TimeoutError");
            expect(ctx.fake.callsTo("DescribeVpcs").map((c) => c.error)).to.deep.equal(["hung"]);
        });

        it("EC2: filters by the model's list encoding, refuses unknown filters, and names a missing permission UnauthorizedOperation", async () => {
            const ec2 = await import("@aws-sdk/client-ec2");
            const client = new ec2.EC2Client(config());
            const { Vpcs } = await client.send(new ec2.DescribeVpcsCommand({ Filters: [{ Name: "is-default", Values: ["true"] }] }));
            expect(Vpcs!.map((v) => [v.VpcId, v.IsDefault])).to.deep.equal([["vpc-0a1b2c3d4e5f60718", true]]);
            expect(ctx.fake.calls[0].input).to.deep.equal({ Filters: [{ Name: "is-default", Values: ["true"] }] });
            const Subnets = [];
            for await (const page of ec2.paginateDescribeSubnets(
                { client },
                { Filters: [{ Name: "vpc-id", Values: ["vpc-0a1b2c3d4e5f60718"] }] },
            )) {
                Subnets.push(...(page.Subnets ?? []));
            }
            expect(Subnets.map((sn) => sn.AvailabilityZone)).to.deep.equal(["us-east-1a", "us-east-1b", "us-east-1c"]);
            expect(
                (await rejection(client.send(new ec2.DescribeVpcsCommand({ Filters: [{ Name: "colour", Values: ["x"] }] })))).name,
            ).to.equal("InvalidParameterValue");
            ctx.fake.denyNext(
                "DescribeSubnets",
                "You are not authorized to perform this operation. User: u is not authorized to perform: ec2:DescribeSubnets",
            );
            const denied = await rejection(client.send(new ec2.DescribeSubnetsCommand({})));
            expect([denied.name, denied.$metadata.httpStatusCode]).to.deep.equal(["UnauthorizedOperation", 403]);
            ctx.fake.throttle("DescribeVpcs", 1);
            expect((await rejection(client.send(new ec2.DescribeVpcsCommand({})))).name).to.equal("RequestLimitExceeded");
        });

        it("ECR, Cognito, Secrets Manager and Bedrock answer by their models", async () => {
            const ecr = await import("@aws-sdk/client-ecr");
            const ecrClient = new ecr.ECRClient(config());
            const images = await ecrClient.send(
                new ecr.BatchGetImageCommand({
                    registryId: "709825985650",
                    repositoryName: "zscaler/zscaler-mcp-server",
                    imageIds: [{ imageTag: "0.10.4-bedrock" }],
                }),
            );
            expect(JSON.parse(images.images![0].imageManifest!).manifests.map((m: any) => m.platform.architecture)).to.deep.equal([
                "amd64",
                "arm64",
            ]);
            const short = await rejection(ecrClient.send(new ecr.BatchGetImageCommand({ repositoryName: "x", imageIds: [] })));
            expect(short.name).to.equal("ValidationException");
            const cognito = await import("@aws-sdk/client-cognito-identity-provider");
            const domain = await new cognito.CognitoIdentityProviderClient(config()).send(
                new cognito.DescribeUserPoolDomainCommand({ Domain: "free-prefix" }),
            );
            expect(domain.DomainDescription).to.deep.equal({});
            const secrets = await import("@aws-sdk/client-secrets-manager");
            const missing = await rejection(
                new secrets.SecretsManagerClient(config()).send(new secrets.DescribeSecretCommand({ SecretId: "nope" })),
            );
            expect(missing.name).to.equal("ResourceNotFoundException");
            const bedrock = await import("@aws-sdk/client-bedrock");
            const profile = await new bedrock.BedrockClient(config()).send(
                new bedrock.GetInferenceProfileCommand({ inferenceProfileIdentifier: "us.amazon.nova-pro-v1:0" }),
            );
            expect(profile.models![0].modelArn).to.equal("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0");
            expect(ctx.fake.calls.map((c) => c.service)).to.deep.equal(["ecr", "ecr", "cognito-idp", "secretsmanager", "bedrock"]);
        });
    });
});
