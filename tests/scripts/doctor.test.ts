import { expect } from "chai";
import { spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { basicAuthHeader } from "../../server/env";
import { main } from "../../scripts/cli";
import { MARKETPLACE_REGISTRY } from "../fakeaws/server";
import { useFakeAws } from "../support/fakeAwsHooks";
import { closeServers, COGNITO, listen, mcpServer, tokenEndpoint } from "../support/mcpServers";
import { createHarness, Entry, stackConfig, stackIo } from "./support";
import { checkIamPermissions, Evaluation, IamApi, Simulation } from "../../scripts/doctor/checks/iam";
import type { Context } from "../../scripts/doctor/check";
import { loadSettings } from "../../config/settings";
import { FakeAws } from "../fakeaws/server";
import { ACCOUNT, roleArn, userArn } from "../support/awsConstants";
import { OperatorError } from "../../scripts/io";

const PROJECT = "zscaler-mcp-harness";
const DEFAULT_IMAGE = `${MARKETPLACE_REGISTRY}.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server:0.15.4-bedrock`;

const key = (k: string) => `${PROJECT}:${k}`;
const ROLE = "arn:aws:iam::123456789012:role/zscaler-mcp-dev";

/** A runtime's create request, as a deploy of the gateway topology makes it. */
function runtimeInput(name: string) {
    return {
        agentRuntimeName: name,
        roleArn: ROLE,
        agentRuntimeArtifact: { containerConfiguration: { containerUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/zscaler-mcp:1" } },
        networkConfiguration: { networkMode: "PUBLIC" as const },
    };
}

interface Report {
    ok: boolean;
    checks: { name: string; status: string; detail: string; fix?: string; items?: string[] }[];
}

async function doctor(entries?: Record<string, Entry>, args: string[] = []): Promise<{ code: number; report: Report; text: string }> {
    const io = stackIo(entries ?? stackConfig());
    const code = await main(["doctor", "--json", ...args], io);
    return { code, report: JSON.parse(io.out.join("")) as Report, text: io.err.join("") };
}

function check(report: Report, name: string) {
    const c = report.checks.find((x) => x.name === name);
    expect(c, `check ${name}`).to.not.equal(undefined);
    return c!;
}

describe("npm run doctor", () => {
    const ctx = useFakeAws();

    it("passes every check of an ECS stack in a ready account, one line each", async () => {
        const io = stackIo(stackConfig());
        expect(await main(["doctor"], io)).to.equal(0);
        const lines = io.out.join("").trimEnd().split("\n");
        expect(lines[0]).to.equal("Stack dev · topology ecs · region us-east-1");
        expect(lines.slice(1, -1).map((l) => l.split(/\s{2,}/).slice(0, 2))).to.deep.equal([
            ["ok", "configuration"],
            ["ok", "connection"],
            ["ok", "credentials"],
            ["ok", "agentcore"],
            ["ok", "model"],
            ["ok", "network"],
            ["ok", "image"],
            ["ok", "iam"],
            ["ok", "names"],
        ]);
        expect(lines[lines.length - 1]).to.equal("All 9 checks passed.");
        // Before the first deploy the stack has no outputs, so no server to call.
        expect(io.pulumiCalls).to.deep.equal([
            ["config", "--json"],
            ["stack", "--show-name"],
            ["stack", "output", "--json"],
        ]);
        // Only reads (each operation once here, whatever pages it took), each validated against AWS's model by the endpoint.
        expect([...new Set(ctx.fake.calls.map((c) => c.op))].sort()).to.deep.equal(
            [
                "BatchGetImage",
                "DescribeClusters",
                "DescribeLogGroups",
                "DescribeServices",
                "DescribeSubnets",
                "DescribeVpcs",
                "GetApiKeyCredentialProvider",
                "GetCallerIdentity",
                "GetFoundationModelAvailability",
                "GetRole",
                "GetInferenceProfile",
                "GetUseCaseForModelAccess",
                "ListHarnesses",
                "SimulatePrincipalPolicy",
            ].sort(),
        );
        expect(ctx.fake.calls.filter((c) => c.error)).to.deep.equal(
            ctx.fake.calls.filter((c) => c.op === "GetApiKeyCredentialProvider" || c.op === "GetRole"),
            "only the free name's lookup, and the service-linked role a fresh account has yet to get, answer not found",
        );
        expect(ctx.fake.calls.every((c) => c.accessKeyId === "AKIAFAKEFAKEFAKEFAKE")).to.equal(true);
    });

    it("passes every check of a gateway stack, including a free Cognito domain prefix", async () => {
        const { code, report } = await doctor(stackConfig({ [key("topology")]: { value: "gateway" } }));
        expect(report.checks.map((c) => [c.name, c.status])).to.deep.equal([
            ["configuration", "ok"],
            ["connection", "ok"],
            ["credentials", "ok"],
            ["agentcore", "ok"],
            ["model", "ok"],
            ["image", "ok"],
            ["cognito domain", "ok"],
            ["iam", "ok"],
            ["names", "ok"],
        ]);
        expect(code).to.equal(0);
        expect(check(report, "cognito domain").detail).to.equal("domain prefix zscaler-mcp-dev-123456789012 is free in us-east-1");
        expect(check(report, "image").detail).to.equal(`${DEFAULT_IMAGE} in ECR in us-east-1: linux/arm64 (of amd64, arm64)`);
        expect(ctx.fake.callsTo("DescribeUserPoolDomain")[0].input).to.deep.equal({ Domain: "zscaler-mcp-dev-123456789012" });
    });

    describe("each check fails with what is wrong and the fix", () => {
        it("configuration: the program's own validation, before any AWS call", async () => {
            const { code, report } = await doctor(stackConfig({ [key("zscalerClientSecret")]: { value: "plain", secret: false } }));
            expect(code).to.equal(1);
            expect(report.checks).to.have.length(1);
            expect(check(report, "configuration")).to.deep.include({
                status: "fail",
                detail: "1 problem, each below with its fix (the other checks run once they are fixed)",
            });
            expect(check(report, "configuration").items).to.have.length(1);
            expect(check(report, "configuration").items![0]).to.match(/^zscalerClientSecret: stored as plaintext/);
            expect(ctx.fake.calls).to.deep.equal([]);
        });

        it("configuration: a fresh stack's problems, one a line, each with its own fix", async () => {
            const fresh = stackConfig({
                [key("zscalerClientId")]: undefined,
                [key("zscalerClientSecret")]: undefined,
                [key("zscalerCustomerId")]: undefined,
                [key("zscalerVanityDomain")]: undefined,
                [key("hostvalidation")]: { value: "auto" },
            });
            const problems = [
                'hostvalidation: "auto" is not a setting of this program; did you mean hostValidation? Run: pulumi config rm hostvalidation, then pulumi config set hostValidation auto (the README\'s configuration reference lists every key).',
                "zscalerClientId: missing. Run: pulumi config set zscalerClientId <client id>",
                "zscalerClientSecret: missing. Run: pulumi config set --secret zscalerClientSecret <client secret>",
                "zscalerCustomerId: missing; the MCP server needs it. Run: pulumi config set zscalerCustomerId <id>",
                "zscalerVanityDomain: missing; the MCP server needs it. Run: pulumi config set zscalerVanityDomain <domain>",
            ];
            const io = stackIo(fresh);
            expect(await main(["doctor"], io)).to.equal(1);
            expect(io.out.join("")).to.equal(
                [
                    "Stack dev",
                    "FAIL  configuration   5 problems, each below with its fix (the other checks run once they are fixed)",
                    ...problems.map((p) => `      - ${p}`),
                    "1 of 1 checks failed.",
                    "",
                ].join("\n"),
            );
            const { report } = await doctor(fresh);
            expect(report.checks).to.deep.equal([
                {
                    name: "configuration",
                    status: "fail",
                    detail: "5 problems, each below with its fix (the other checks run once they are fixed)",
                    items: problems,
                },
            ]);
            expect(ctx.fake.calls).to.deep.equal([]);
        });

        it("configuration: a valid configuration's warnings, one a line below it", async () => {
            const io = stackIo(
                stackConfig({
                    [key("hostValidation")]: { value: "disabled" },
                    [key("allowedHosts")]: { value: '["a.example.com"]' },
                    [key("zscalerSecretName")]: { value: "team/zscaler" },
                }),
            );
            await main(["doctor"], io);
            expect(io.out.join("").split("\n").slice(0, 6)).to.deep.equal([
                "Stack dev · topology ecs · region us-east-1",
                "ok    configuration   valid, with 3 warnings below",
                "      - zscalerSecretName is ignored because secretsMode is managed.",
                "      - hostValidation disabled: the MCP server answers any Host header on its public endpoint, without its DNS-rebinding guard.",
                "      - allowedHosts is ignored because hostValidation is disabled.",
                `ok    connection      ${new URL(ctx.fake.url).host} reached directly (an endpoint override over plain HTTP: no certificate to check)`,
            ]);
        });

        it("configuration: a key stored with --secret is validated by its value, which no message quotes", async () => {
            const secretUrl = "https://user:hunter2@mcp.example.com";
            const entries = stackConfig({ [key("zscalerCustomerId")]: { secret: true }, [key("mcpUrl")]: { secret: true } });
            const io = stackIo(
                entries,
                {},
                { [key("zscalerCustomerId")]: "42", [key("mcpUrl")]: secretUrl, [key("zscalerClientSecret")]: "never-read" },
            );
            expect(await main(["doctor", "--json"], io)).to.equal(1);
            const report = JSON.parse(io.out.join("")) as Report;
            expect(report.checks.map((c) => [c.name, c.status])).to.deep.equal([["configuration", "fail"]]);
            expect(check(report, "configuration").items).to.have.length(1);
            expect(check(report, "configuration").items![0]).to.match(
                /^mcpUrl: \(secret value not shown\) carries a user name or password before "@"; /,
            );
            expect(io.out.join("") + io.err.join("")).to.not.match(/hunter2|never-read/);
            expect(io.pulumiCalls.filter((a) => a.includes("--show-secrets"))).to.have.length(1);
            // The customer id, stored as a secret, passed: only the URL is named.
            expect(check(report, "configuration").items!.join("\n")).to.not.contain("zscalerCustomerId");
        });

        it("credentials: AWS no longer accepts them, and the other checks are skipped", async () => {
            ctx.fake.revokedKeys.set("AKIAFAKEFAKEFAKEFAKE", "ExpiredToken");
            const { code, report } = await doctor();
            expect(code).to.equal(1);
            expect(check(report, "credentials")).to.deep.include({
                status: "fail",
                detail: "the AWS credentials have expired (ExpiredToken)",
                fix: "aws sso login, or renew the credentials in your environment",
            });
            expect(report.checks.map((c) => [c.name, c.status])).to.deep.equal([
                ["configuration", "ok"],
                ["connection", "ok"],
                ["credentials", "fail"],
                ["agentcore", "skip"],
                ["model", "skip"],
                ["network", "skip"],
                ["image", "skip"],
                ["iam", "skip"],
                ["names", "skip"],
            ]);
        });

        it("connection: names the endpoint, the route and the trust, and a failure skips every other check", async () => {
            const { report } = await doctor();
            expect(check(report, "connection").detail).to.equal(
                `${new URL(ctx.fake.url).host} reached directly (an endpoint override over plain HTTP: no certificate to check)`,
            );
            const saved = process.env.AWS_ENDPOINT_URL;
            process.env.AWS_ENDPOINT_URL = "http://127.0.0.1:9";
            try {
                const failed = await doctor();
                expect(failed.code).to.equal(1);
                expect(check(failed.report, "connection")).to.deep.include({
                    status: "fail",
                    detail: "could not connect to 127.0.0.1 directly (no HTTPS_PROXY or HTTP_PROXY applies to it) (ECONNREFUSED)",
                    fix: "check the network, or set HTTPS_PROXY (and NO_PROXY) if this machine reaches AWS only through a proxy",
                });
                expect(failed.report.checks.map((c) => [c.name, c.status])).to.deep.equal([
                    ["configuration", "ok"],
                    ["connection", "fail"],
                    ["credentials", "skip"],
                    ["agentcore", "skip"],
                    ["model", "skip"],
                    ["network", "skip"],
                    ["image", "skip"],
                    ["iam", "skip"],
                    ["names", "skip"],
                ]);
                expect(check(failed.report, "agentcore").detail).to.equal("needs a connection to AWS");
            } finally {
                process.env.AWS_ENDPOINT_URL = saved;
            }
        });

        it("credentials: an account the stack does not allow", async () => {
            const { report } = await doctor(stackConfig({ "aws:allowedAccountIds": { value: '["999999999999"]' } }));
            expect(check(report, "credentials").detail).to.equal(
                "account 123456789012 is not one the stack allows (aws:allowedAccountIds)",
            );
        });

        it("agentcore: the region refuses the Harness control calls", async () => {
            ctx.fake.denyNext(
                "ListHarnesses",
                "User: arn:aws:iam::123456789012:user/local-tester is not authorized to perform: bedrock-agentcore:ListHarnesses",
            );
            const { report } = await doctor();
            expect(check(report, "agentcore")).to.deep.include({
                status: "fail",
                detail: "AWS refused bedrock-agentcore:ListHarnesses (AccessDeniedException) in us-east-1",
            });
            expect(check(report, "agentcore").fix).to.contain("allow bedrock-agentcore:* to this identity").and.not.contain("preview");
        });

        it("model: access not granted, the Anthropic use-case form missing, an unknown id", async () => {
            const model = "anthropic.claude-sonnet-4-5-20250929-v1:0";
            ctx.fake.models.get(model)!.entitlementAvailability = "NOT_AVAILABLE";
            let { report } = await doctor();
            expect(check(report, "model")).to.deep.include({
                status: "fail",
                detail: `model access to ${model} is not granted in this account`,
            });
            expect(check(report, "model").fix).to.equal("request access in the Bedrock console in us-east-1, Model access");

            ctx.fake.models.get(model)!.entitlementAvailability = "AVAILABLE";
            ctx.fake.useCaseSubmitted = false;
            ({ report } = await doctor());
            expect(check(report, "model").detail).to.equal(
                "Anthropic models need the use-case form, and this account has not submitted it",
            );

            ({ report } = await doctor(stackConfig({ [key("modelId")]: { value: "us.example.nonexistent-v1:0" } })));
            expect(check(report, "model")).to.deep.include({
                detail: "us.example.nonexistent-v1:0 is not an inference profile in us-east-1",
                fix: "pulumi config set modelId <model or inference profile id>",
            });
        });

        it("network: no default VPC, or subnets in one availability zone", async () => {
            const subnets = ctx.fake.subnets.splice(1);
            let { report } = await doctor();
            expect(check(report, "network")).to.deep.include({
                status: "fail",
                detail: "the default VPC vpc-0a1b2c3d4e5f60718 has subnets in 1 availability zone; the load balancer needs two",
            });
            ctx.fake.subnets.push(...subnets);
            ctx.fake.vpcs[0].isDefault = false;
            ({ report } = await doctor());
            expect(check(report, "network")).to.deep.include({
                detail: "no default VPC in us-east-1; ECS Express Mode places the service there",
                fix: "aws ec2 create-default-vpc --region us-east-1",
            });
            expect(ctx.fake.callsTo("DescribeVpcs").at(-1)!.input).to.deep.equal({ Filters: [{ Name: "is-default", Values: ["true"] }] });
        });

        it("network: reads every page of subnets (the second zone only on the second page passes)", async () => {
            // Pages of two: the first holds zone a twice, the second zone b.
            ctx.fake.subnets.splice(1, 0, { ...ctx.fake.subnets[0], subnetId: "subnet-0aa2b3c4d5e6f7a8b", cidrBlock: "172.31.64.0/20" });
            const { report } = await doctor();
            expect(check(report, "network")).to.deep.include({
                status: "ok",
                detail: "default VPC vpc-0a1b2c3d4e5f60718 with 4 subnets in 3 availability zones",
            });
            expect(ctx.fake.callsTo("DescribeSubnets")).to.have.length(2);
        });

        it("names: finds what holds a name on a later page of the List and Describe calls", async () => {
            const sdk = await import("@aws-sdk/client-bedrock-agentcore-control");
            const c = new sdk.BedrockAgentCoreControlClient({ maxAttempts: 1 });
            const other = { owner: "someone-else" };
            for (const n of ["a", "b"]) {
                await c.send(new sdk.CreateAgentRuntimeCommand(runtimeInput(`other_runtime_${n}`)));
                await c.send(
                    new sdk.CreateGatewayCommand({
                        name: `other-gateway-${n}`,
                        roleArn: ROLE,
                        authorizerType: "NONE",
                        protocolType: "MCP",
                    }),
                );
                ctx.fake.logGroups.set(`/ecs/zscaler-mcp-dev-${n}`, { createdAt: 0, events: [] });
            }
            await c.send(new sdk.CreateAgentRuntimeCommand({ ...runtimeInput("zscaler_mcp_runtime_dev"), tags: other }));
            await c.send(
                new sdk.CreateGatewayCommand({
                    name: "zscaler-mcp-gateway-dev",
                    roleArn: ROLE,
                    authorizerType: "NONE",
                    protocolType: "MCP",
                    tags: other,
                }),
            );
            ctx.fake.logGroups.set("/ecs/zscaler-mcp-dev", { createdAt: 0, events: [], tags: other });
            const ecsStack = await doctor();
            expect(check(ecsStack.report, "names").detail).to.contain(
                "the log group /ecs/zscaler-mcp-dev already exists and is not this stack's",
            );
            const gatewayStack = await doctor(stackConfig({ [key("topology")]: { value: "gateway" } }));
            expect(check(gatewayStack.report, "names").detail).to.contain(
                "the runtime zscaler_mcp_runtime_dev already exists and is not this stack's",
            );
            expect(check(gatewayStack.report, "names").detail).to.contain(
                "the gateway zscaler-mcp-gateway-dev already exists and is not this stack's",
            );
        });

        it("image: not subscribed to the Marketplace product of the default image", async () => {
            ctx.fake.deniedRegistries.add(MARKETPLACE_REGISTRY);
            const { report } = await doctor();
            expect(check(report, "image").detail).to.contain("not subscribed to the Zscaler MCP Server in AWS Marketplace");
            expect(check(report, "image").fix).to.contain("subscribe to it in AWS Marketplace");
        });

        it("image: built for arm64 only, which Fargate does not run (read from the image's config)", async () => {
            const uri = "123456789012.dkr.ecr.us-east-1.amazonaws.com/zscaler/mcp:arm";
            ctx.fake.putImage(uri, { platforms: [{ os: "linux", architecture: "arm64" }], single: true });
            const { report } = await doctor(stackConfig({ [key("imageUri")]: { value: uri } }));
            expect(check(report, "image")).to.deep.include({
                status: "fail",
                detail: `${uri} is built for linux/arm64; Fargate runs linux/amd64`,
            });
            expect(ctx.fake.callsTo("GetDownloadUrlForLayer")).to.have.length(1);
        });

        it("image: a secret image is checked by its value, which no line shows", async () => {
            const uri = "123456789012.dkr.ecr.us-east-1.amazonaws.com/private-team/mcp:arm";
            ctx.fake.putImage(uri, { platforms: [{ os: "linux", architecture: "arm64" }], single: true });
            const io = stackIo(stackConfig({ [key("imageUri")]: { secret: true } }), {}, { [key("imageUri")]: uri });
            expect(await main(["doctor"], io)).to.equal(1);
            const screen = io.screen.join("");
            expect(screen).to.contain("FAIL  image           (secret value not shown) is built for linux/arm64; Fargate runs linux/amd64");
            expect(screen).to.not.contain("private-team");
            expect(io.pulumiCalls.filter((a) => a.includes("--show-secrets"))).to.have.length(1);
        });

        it("image: for gateway, an amd64-only image in the deploy region, or one that does not exist", async () => {
            const uri = "123456789012.dkr.ecr.us-east-1.amazonaws.com/zscaler/mcp:amd";
            ctx.fake.putImage(uri, { platforms: [{ os: "linux", architecture: "amd64" }] });
            let { report } = await doctor(stackConfig({ [key("topology")]: { value: "gateway" }, [key("imageUri")]: { value: uri } }));
            expect(check(report, "image").detail).to.equal(`${uri} is built for linux/amd64; AgentCore Runtime runs linux/arm64`);
            ({ report } = await doctor(
                stackConfig({ [key("topology")]: { value: "gateway" }, [key("imageUri")]: { value: `${uri}-missing` } }),
            ));
            expect(check(report, "image")).to.deep.include({
                detail: `${uri}-missing does not exist in ECR (ImageNotFound)`,
                fix: "push the image, or pulumi config set imageUri <uri>",
            });
        });

        it("image: for gateway, an image in another region's ECR fails the configuration with the copy commands", async () => {
            const { report } = await doctor(stackConfig({ "aws:region": { value: "eu-west-1" }, [key("topology")]: { value: "gateway" } }));
            expect(check(report, "configuration").items![0]).to.contain("imageUri: the image is in ECR region us-east-1");
        });

        it("cognito domain: a prefix another account holds", async () => {
            ctx.fake.cognitoDomains.set("zscaler-mcp-dev-123456789012", { userPoolId: "us-east-1_Other1234", account: "999999999999" });
            const { report } = await doctor(stackConfig({ [key("topology")]: { value: "gateway" } }));
            expect(check(report, "cognito domain")).to.deep.include({
                status: "fail",
                detail: "domain prefix zscaler-mcp-dev-123456789012 is taken by another AWS account in us-east-1",
                fix: "pulumi config set cognitoDomainPrefix <unique prefix>",
            });
        });

        it("secret: the external secret does not exist, is scheduled for deletion, or lacks a credential key", async () => {
            const external = stackConfig({
                [key("secretsMode")]: { value: "external" },
                [key("zscalerSecretName")]: { value: "zscaler/creds" },
            });
            let { report } = await doctor(external);
            expect(check(report, "secret")).to.deep.include({ status: "fail", detail: "no secret zscaler/creds in us-east-1" });
            const complete = {
                ZSCALER_CLIENT_ID: "id",
                ZSCALER_CLIENT_SECRET: "s3cr3t-value",
                ZSCALER_CUSTOMER_ID: "42",
                ZSCALER_VANITY_DOMAIN: "acme",
            };
            const { ZSCALER_VANITY_DOMAIN: _, ...incomplete } = complete;
            ctx.fake.putSecret("zscaler/creds", { deletedAt: ctx.clock.now(), value: JSON.stringify(incomplete) });
            ({ report } = await doctor(external));
            expect(check(report, "secret").fix).to.equal("aws secretsmanager restore-secret --secret-id zscaler/creds");
            ctx.fake.secrets.get("zscaler/creds")!.deletedAt = undefined;
            ({ report } = await doctor(external));
            expect(check(report, "secret")).to.deep.include({
                status: "fail",
                detail: "the secret zscaler/creds holds no ZSCALER_VANITY_DOMAIN",
                fix: "make its value a JSON object with ZSCALER_CLIENT_ID, ZSCALER_CLIENT_SECRET, ZSCALER_CUSTOMER_ID, ZSCALER_VANITY_DOMAIN (ZSCALER_CLOUD optional)",
            });
            ctx.fake.secrets.get("zscaler/creds")!.value = JSON.stringify(complete);
            const last = await doctor(external);
            expect(check(last.report, "secret")).to.deep.include({
                status: "ok",
                detail: "the secret zscaler/creds holds ZSCALER_CLIENT_ID, ZSCALER_CLIENT_SECRET, ZSCALER_CUSTOMER_ID, ZSCALER_VANITY_DOMAIN",
            });
            expect(JSON.stringify(last.report) + last.text).to.not.contain("s3cr3t-value");
        });

        it("names: a harness of the stack's name that the stack does not own; its own one passes", async () => {
            await createHarness("zscaler_mcp_harness_dev", { tags: { owner: "someone-else" } });
            const { report } = await doctor();
            expect(check(report, "names")).to.deep.include({
                status: "fail",
                detail: "the harness zscaler_mcp_harness_dev already exists and is not this stack's",
                fix: "pulumi config set harnessName <name>, or delete it",
            });
            ctx.fake.reset();
            const own = { "pulumi-project": PROJECT, "pulumi-stack": "dev", "pulumi-stack-id": "5tack1d" };
            await createHarness("zscaler_mcp_harness_dev", { tags: own });
            ctx.fake.clusters.set("zscaler-mcp-dev", { status: "ACTIVE", tags: own });
            const deployed = stackIo(stackConfig(), { harnessArn: "arn:x", stackId: "5tack1d" });
            expect(await main(["doctor", "--json"], deployed)).to.equal(0);
            expect(check(JSON.parse(deployed.out.join("")) as Report, "names")).to.deep.include({
                status: "ok",
                detail: "3 of 5 names free (harness, API-key credential provider, ECS cluster, ECS service, log group); harness, ECS cluster already this stack's",
            });
            // The identity came from the outputs: the state was not read.
            expect(deployed.pulumiCalls.filter((c) => c[1] === "export")).to.deep.equal([]);
        });

        it("names: a resource with the stack's project and stack names but another identity, or none, is another deployment's", async () => {
            const names = { "pulumi-project": PROJECT, "pulumi-stack": "dev" };
            await createHarness("zscaler_mcp_harness_dev", { tags: { ...names, "pulumi-stack-id": "an0ther" } });
            ctx.fake.clusters.set("zscaler-mcp-dev", { status: "ACTIVE", tags: names });
            const namesCheck = async (outputs: Record<string, string>, state?: unknown) => {
                const io = stackIo(stackConfig(), outputs);
                const answer = io.pulumi!;
                const stateReads: string[][] = [];
                io.pulumi = (args) => (args[1] === "export" ? (stateReads.push(args), JSON.stringify(state ?? {})) : answer(args));
                await main(["doctor", "--json"], io);
                return {
                    line: check(JSON.parse(io.out.join("")) as Report, "names"),
                    exports: stateReads,
                };
            };
            const otherDeployment =
                "belongs to another deployment of the same project and stack name (another backend or Pulumi organization)";
            // Before the first up (no outputs, no state): neither is this stack's; the state was read once.
            const before = await namesCheck({});
            expect(before.line).to.deep.include({
                status: "fail",
                detail: `the harness zscaler_mcp_harness_dev already exists and ${otherDeployment}; the ECS cluster zscaler-mcp-dev already exists and ${otherDeployment}`,
                fix:
                    "pulumi config set harnessName <name>, deploy this one under another stack name (pulumi stack init <other name>), or delete it; " +
                    "pulumi config set ecsClusterName <existing cluster> to use it, deploy this one under another stack name (pulumi stack init <other name>), or delete it",
            });
            expect(before.exports).to.deep.equal([["stack", "export"]]);
            // An up stopped before it wrote the outputs: the identity is the StackIdentity in the state.
            const stopped = await namesCheck(
                {},
                { deployment: { resources: [{ type: "pulumi-nodejs:dynamic/stack:StackIdentity", outputs: { stackId: "an0ther" } }] } },
            );
            expect(stopped.line.detail).to.equal(`the ECS cluster zscaler-mcp-dev already exists and ${otherDeployment}`);
            // A stack deployed before stacks had an identity owns what carries none.
            const legacy = await namesCheck({ harnessArn: "arn:x" });
            expect(legacy.line.detail).to.equal(`the harness zscaler_mcp_harness_dev already exists and ${otherDeployment}`);
        });

        it("names: an existing cluster named in ecsClusterName must exist", async () => {
            const { report } = await doctor(stackConfig({ [key("ecsClusterName")]: { value: "shared" } }));
            expect(check(report, "names").detail).to.equal("the ECS cluster shared named in ecsClusterName does not exist in us-east-1");
        });
    });

    describe("tools: on a deployed stack, the deploy's own tool check", () => {
        const PROXY_VARIABLES = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"];
        const saved: Record<string, string | undefined> = {};
        const SECRET = "zs-doctor-client-secret-5a6b";
        const BASIC = basicAuthHeader("client-id", SECRET);
        const HARNESS_ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:harness/zscaler_mcp_harness_dev-AbCdE12345";
        const toolsLine = (screen: string) => screen.split("\n").find((l) => /^\S+\s+tools\s/.test(l));

        beforeEach(() => {
            // The machine's proxy settings would send the loopback servers' traffic elsewhere.
            for (const v of PROXY_VARIABLES) {
                saved[v] = process.env[v];
                delete process.env[v];
            }
        });
        afterEach(async () => {
            for (const v of PROXY_VARIABLES) {
                if (saved[v] !== undefined) {
                    process.env[v] = saved[v];
                }
            }
            await closeServers();
        });

        it("ecs: calls the stack's MCP URL with the Basic header from config, and shows neither", async () => {
            const server = await mcpServer({ accepts: (a) => a === BASIC });
            const outputs = { harnessArn: HARNESS_ARN, topology: "ecs", region: "us-east-1", mcpUrl: server.url };
            const io = stackIo(stackConfig(), outputs, { [key("zscalerClientSecret")]: SECRET });
            expect(await main(["doctor"], io)).to.equal(0);
            const screen = io.screen.join("");
            expect(toolsLine(screen)).to.equal("ok    tools           zscaler-mcp 0.15.4: 5 tools over MCP 2025-11-25");
            expect(screen.trimEnd().split("\n").at(-1)).to.equal("All 11 checks passed.");
            // The client secret is read once, for the header, and never shown.
            expect(io.pulumiCalls).to.deep.equal([
                ["config", "--json"],
                ["stack", "--show-name"],
                ["stack", "output", "--json"],
                ["config", "--json", "--show-secrets"],
            ]);
            expect(screen).to.not.contain(SECRET).and.not.contain(BASIC.slice("Basic ".length));
            expect(server.seen.every((x) => x.authorization === BASIC)).to.equal(true);
        });

        it("ecs: an mcpUrl set with --secret (an output shown as [secret]) is called from the configuration, and never shown", async () => {
            const io = stackIo(
                stackConfig({ [key("mcpUrl")]: { secret: true } }),
                { harnessArn: HARNESS_ARN, topology: "ecs", region: "us-east-1", mcpUrl: "[secret]" },
                { [key("zscalerClientSecret")]: SECRET, [key("mcpUrl")]: "https://mcp.invalid" },
            );
            expect(await main(["doctor"], io)).to.equal(1);
            const screen = io.screen.join("");
            // The configuration's URL was called (.invalid never resolves), not "[secret]", and the line hides it.
            expect(toolsLine(screen), screen).to.match(/^FAIL {2}tools {11}.*does not resolve/);
            expect(screen, screen).to.not.contain("mcp.invalid").and.not.contain("[secret]");
        });

        it("ecs: fails the line with the server's 401, the cause and the fix", async () => {
            const server = await mcpServer({ accepts: () => false, unauthorizedText: "invalid client credentials" });
            const io = stackIo(
                stackConfig(),
                { harnessArn: HARNESS_ARN, topology: "ecs", mcpUrl: server.url },
                { [key("zscalerClientSecret")]: SECRET },
            );
            expect(await main(["doctor"], io)).to.equal(1);
            expect(toolsLine(io.screen.join(""))).to.equal(
                `FAIL  tools           the MCP server at ${server.url} answered 401: Zscaler rejected the credentials ("invalid client credentials"). ` +
                    "Fix: check zscalerClientId, zscalerClientSecret, zscalerVanityDomain and zscalerCloud (pulumi config), then run pulumi up; " +
                    "if the Token Vault entry was changed outside the stack, pulumi config set tokenVaultRevision <new value> makes pulumi up write it again",
            );
        });

        it("gateway: reads the app client's secret from Cognito and calls the gateway with a token for it", async () => {
            const described: unknown[] = [];
            const cognitoApi = http.createServer((req, res) => {
                let body = "";
                req.on("data", (d) => (body += d));
                req.on("end", () => {
                    const op = String(req.headers["x-amz-target"]).split(".")[1];
                    const answer =
                        op === "DescribeUserPoolClient"
                            ? (described.push(JSON.parse(body)),
                              {
                                  UserPoolClient: {
                                      ClientId: COGNITO.clientId,
                                      ClientSecret: COGNITO.clientSecret,
                                      UserPoolId: "us-east-1_AbCdEf123",
                                  },
                              })
                            : { DomainDescription: {} };
                    res.writeHead(200, { "content-type": "application/x-amz-json-1.1" }).end(JSON.stringify(answer));
                });
            });
            // The local endpoint has no Cognito app clients: the stack's aws:endpoints point Cognito here.
            const cognitoUrl = `http://127.0.0.1:${await listen(cognitoApi)}`;
            const token = await tokenEndpoint();
            const gateway = await mcpServer({ accepts: (a) => token.issued.some((t) => a === `Bearer ${t}`) });
            const outputs = {
                harnessArn: HARNESS_ARN,
                topology: "gateway",
                gatewayUrl: gateway.url,
                cognitoTokenEndpoint: token.url,
                cognitoUserPoolId: "us-east-1_AbCdEf123",
                cognitoClientId: COGNITO.clientId,
            };
            const config = stackConfig({
                [key("topology")]: { value: "gateway" },
                "aws:endpoints": { value: JSON.stringify([{ cognitoidp: cognitoUrl }]) },
            });
            const io = stackIo(config, outputs);
            expect(await main(["doctor"], io)).to.equal(0);
            expect(toolsLine(io.screen.join(""))).to.equal("ok    tools           zscaler-mcp 0.15.4: 5 tools over MCP 2025-11-25");
            expect(described).to.deep.equal([{ UserPoolId: "us-east-1_AbCdEf123", ClientId: COGNITO.clientId }]);
            expect(token.requests.map((r) => r.form)).to.deep.equal([{ grant_type: "client_credentials", scope: "zscaler-mcp/invoke" }]);
            expect(io.screen.join("")).to.not.contain(COGNITO.clientSecret);
            expect(io.pulumiCalls.filter((a) => a.includes("--show-secrets"))).to.deep.equal([]);
        });

        it("skips the server of a stack that turned the check off", async () => {
            const io = stackIo(stackConfig({ [key("verifyTools")]: { value: "false" } }), {
                harnessArn: HARNESS_ARN,
                topology: "ecs",
                mcpUrl: "https://unreachable.example.com/mcp",
            });
            expect(await main(["doctor"], io)).to.equal(0);
            expect(toolsLine(io.screen.join(""))).to.equal(
                "skip  tools           verifyTools is false: the stack does not call its MCP server",
            );
        });
    });

    it("answers --help with its usage, and refuses an unknown option", async () => {
        const help = stackIo(stackConfig());
        expect(await main(["doctor", "--help"], help)).to.equal(0);
        expect(help.out.join("")).to.match(/^usage: npm run doctor \[-- options\]\n/);
        const bad = stackIo(stackConfig());
        expect(await main(["doctor", "--jsno"], bad)).to.equal(2);
        expect(bad.err.join("")).to.match(/^npm run doctor: unknown option --jsno \(did you mean --json\?\)\n\nusage: npm run doctor/);
        expect(bad.pulumiCalls).to.deep.equal([]);
    });
});

/**
 * IAM as the check asks it, over the query protocol, from the local endpoint: SimulatePrincipalPolicy
 * and GetRole, signed (in scope only: the endpoint reads the credential's service) by the test's key.
 */
function iamOf(fake: FakeAws): IamApi {
    const call = async (action: string, params: Record<string, string>): Promise<string> => {
        const body = new URLSearchParams({ Action: action, Version: "2010-05-08", ...params }).toString();
        const res = await fetch(fake.url, {
            method: "POST",
            headers: {
                "content-type": "application/x-www-form-urlencoded; charset=utf-8",
                authorization:
                    "AWS4-HMAC-SHA256 Credential=AKIAFAKEFAKEFAKEFAKE/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0",
            },
            body,
        });
        const text = await res.text();
        if (res.status !== 200) {
            throw Object.assign(new Error(/<Message>(.*?)<\/Message>/.exec(text)?.[1] ?? text), {
                name: /<Code>(.*?)<\/Code>/.exec(text)?.[1] ?? "Error",
            });
        }
        return text;
    };
    return {
        async simulatePrincipalPolicy(r: Simulation): Promise<Evaluation[]> {
            const params: Record<string, string> = { PolicySourceArn: r.PolicySourceArn };
            r.ActionNames.forEach((a, i) => (params[`ActionNames.member.${i + 1}`] = a));
            r.ResourceArns.forEach((a, i) => (params[`ResourceArns.member.${i + 1}`] = a));
            r.ContextEntries.forEach((e, i) => {
                const at = `ContextEntries.member.${i + 1}`;
                params[`${at}.ContextKeyName`] = e.ContextKeyName;
                params[`${at}.ContextKeyType`] = e.ContextKeyType;
                e.ContextKeyValues.forEach((v, j) => (params[`${at}.ContextKeyValues.member.${j + 1}`] = v));
            });
            const xml = await call("SimulatePrincipalPolicy", params);
            return [
                ...xml.matchAll(
                    /<EvalActionName>(.*?)<\/EvalActionName><EvalResourceName>(.*?)<\/EvalResourceName><EvalDecision>(.*?)<\/EvalDecision>/g,
                ),
            ].map(([, EvalActionName, EvalResourceName, EvalDecision]) => ({ EvalActionName, EvalResourceName, EvalDecision }));
        },
        async roleArn(roleName: string): Promise<string | undefined> {
            try {
                return /<Arn>(.*?)<\/Arn>/.exec(await call("GetRole", { RoleName: roleName }))?.[1];
            } catch (e) {
                if ((e as Error).name === "NoSuchEntity") {
                    return undefined;
                }
                throw e;
            }
        },
    };
}

/**
 * The Pulumi CLI's own errors (stderr and exit code), as v3.274.1 prints them without a terminal:
 * with a fresh PULUMI_HOME before any pulumi login, and logged in to a file:// backend with a stack
 * whose secrets a passphrase encrypts.
 */
const CLI_SAYS = {
    notLoggedIn: { stderr: "error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions\n", code: 3 },
    whoamiNotLoggedIn: { stderr: "error: this command requires logging in; try running `pulumi login` first\n", code: 3 },
    noSuchStack: { stderr: "error: no stack named 'prod' found\n", code: 6 },
    noStackSelected: {
        stderr: "error: no stack selected; please use `pulumi stack select` or `pulumi stack init` to choose one\n",
        code: 1,
    },
    noPassphrase: {
        stderr: "error: passphrase must be set with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE environment variables\n",
        code: 1,
    },
    wrongPassphrase: { stderr: "error: incorrect passphrase\n", code: 1 },
    unreadablePassphraseFile: {
        stderr: "error: unable to read PULUMI_CONFIG_PASSPHRASE_FILE: open /home/me/.pulumi-pass: no such file or directory\n",
        code: 1,
    },
};

const PASSPHRASE =
    "The passphrase encrypts the stack's secrets (the default secrets provider of a stack in a local or self-managed backend, " +
    "chosen at pulumi stack init); give it in PULUMI_CONFIG_PASSPHRASE, or PULUMI_CONFIG_PASSPHRASE_FILE naming a file that holds it " +
    "(pulumi up and preview ask for it at their prompt when neither is set; this command runs the Pulumi CLI without a terminal, so it cannot ask).";

const NOT_LOGGED_IN =
    "The Pulumi CLI is not logged in to a backend, so npm run doctor cannot read the stack's configuration. " +
    "Run pulumi login --local (stacks kept on this machine) or pulumi login <your backend> (s3://<bucket>, azblob://<container>, " +
    "gs://<bucket>, or Pulumi Cloud, which takes PULUMI_ACCESS_TOKEN where there is no terminal), then select the stack: pulumi stack select <name>.\n";

describe("npm run doctor: what the Pulumi CLI refuses, explained", () => {
    /** A stack whose customer id is stored with --secret (so doctor reads it with --show-secrets), and a CLI that refuses `refused` calls as the CLI's runner reports a failure. */
    function refusing(said: { stderr: string }, refused: (args: string[]) => boolean) {
        const io = stackIo(stackConfig({ [key("zscalerCustomerId")]: { secret: true } }), {}, { [key("zscalerCustomerId")]: "42" });
        const answer = io.pulumi!;
        io.pulumi = (args) => {
            if (refused(args)) {
                throw new OperatorError(`pulumi ${args.join(" ")} failed: ${said.stderr.trim()}`);
            }
            return answer(args);
        };
        return io;
    }
    const showSecrets = (args: string[]) => args.includes("--show-secrets");

    const cases: [string, { stderr: string }, (args: string[]) => boolean, string][] = [
        ["before pulumi login: the login to run, not Pulumi Cloud's token", CLI_SAYS.notLoggedIn, () => true, NOT_LOGGED_IN],
        ["whoami's way of saying the same", CLI_SAYS.whoamiNotLoggedIn, () => true, NOT_LOGGED_IN],
        [
            "no stack selected",
            CLI_SAYS.noStackSelected,
            () => true,
            "No stack is selected: run pulumi stack select <name>, or pass --stack <name>.\n",
        ],
        [
            "no passphrase for the stack's secrets",
            CLI_SAYS.noPassphrase,
            showSecrets,
            "The Pulumi CLI needs the stack's passphrase to read its secrets, and neither PULUMI_CONFIG_PASSPHRASE nor " +
                `PULUMI_CONFIG_PASSPHRASE_FILE is set. ${PASSPHRASE}\n`,
        ],
        [
            "a wrong passphrase fails decrypting",
            CLI_SAYS.wrongPassphrase,
            showSecrets,
            "The Pulumi CLI could not decrypt the stack's secrets: the passphrase in PULUMI_CONFIG_PASSPHRASE (or the file " +
                `PULUMI_CONFIG_PASSPHRASE_FILE names) is not the one the stack was created with. ${PASSPHRASE}\n`,
        ],
        [
            "a passphrase file that cannot be read",
            CLI_SAYS.unreadablePassphraseFile,
            showSecrets,
            "The Pulumi CLI cannot read the file PULUMI_CONFIG_PASSPHRASE_FILE names (open /home/me/.pulumi-pass: no such file or directory): " +
                `point it at the file that holds the stack's passphrase, or set PULUMI_CONFIG_PASSPHRASE instead. ${PASSPHRASE}\n`,
        ],
    ];
    for (const [name, said, refused, expected] of cases) {
        it(name, async () => {
            const io = refusing(said, refused);
            expect(await main(["doctor"], io)).to.equal(2);
            expect(io.err.join("")).to.equal(expected);
            expect(io.out.join("")).to.equal("");
        });
    }

    it("a stack the backend does not have, given with --stack", async () => {
        const io = refusing(CLI_SAYS.noSuchStack, (args) => args.includes("prod"));
        expect(await main(["doctor", "--stack", "prod"], io)).to.equal(2);
        expect(io.err.join("")).to.equal(
            "There is no stack named prod in the backend the Pulumi CLI is logged in to (pulumi whoami -v names it). " +
                "pulumi stack ls lists this project's stacks; pulumi stack init prod creates one.\n",
        );
    });

    it("any other failure of the CLI is shown as the CLI said it", async () => {
        const io = refusing({ stderr: "error: failed to load checkpoint: EOF\n" }, () => true);
        expect(await main(["doctor"], io)).to.equal(2);
        expect(io.err.join("")).to.equal("pulumi config --json failed: error: failed to load checkpoint: EOF\n");
    });

    it("through the command's own runner of the CLI: a stand-in pulumi on PATH that answers as v3.274.1 does before login, and without the passphrase", async function () {
        this.timeout(60_000);
        const bin = fs.mkdtempSync(path.join(os.tmpdir(), "zscaler-mcp-cli-"));
        try {
            const config = JSON.stringify(stackConfig({ [key("zscalerCustomerId")]: { secret: true } }));
            const refuse = (said: { stderr: string; code: number }) => `printf '%s' '${said.stderr}' >&2; exit ${said.code}`;
            fs.writeFileSync(
                path.join(bin, "pulumi"),
                [
                    "#!/bin/sh",
                    `if [ "$FAKE_PULUMI" = login ]; then ${refuse(CLI_SAYS.notLoggedIn)}; fi`,
                    `case "$*" in *--show-secrets*) ${refuse(CLI_SAYS.noPassphrase)};; config*) echo '${config}';; *) echo dev;; esac`,
                    "",
                ].join("\n"),
                { mode: 0o755 },
            );
            const run = (fake: string) =>
                new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
                    const child = spawn(process.execPath, ["-r", "tsx/cjs", "scripts/cli.ts", "doctor"], {
                        cwd: path.join(__dirname, "..", ".."),
                        env: { ...process.env, FAKE_PULUMI: fake, PATH: `${bin}${path.delimiter}${process.env.PATH}` },
                        stdio: ["ignore", "pipe", "pipe"],
                    });
                    let stdout = "";
                    let stderr = "";
                    child.stdout.on("data", (d) => (stdout += d));
                    child.stderr.on("data", (d) => (stderr += d));
                    child.on("close", (code) => resolve({ code, stdout, stderr }));
                });
            const [login, passphrase] = await Promise.all([run("login"), run("passphrase")]);
            expect(login).to.deep.equal({ code: 2, stdout: "", stderr: NOT_LOGGED_IN });
            expect(passphrase.code).to.equal(2);
            expect(passphrase.stderr).to.match(/^The Pulumi CLI needs the stack's passphrase to read its secrets/);
        } finally {
            fs.rmSync(bin, { recursive: true, force: true });
        }
    });
});

describe("npm run doctor: may the identity make the stack's roles (IAM's policy simulator)", () => {
    const ctx = useFakeAws();
    const BOUNDARY = `arn:aws:iam::${ACCOUNT}:policy/DeveloperBoundary`;
    const CALLER = userArn("local-tester");

    function context(config: Record<string, string> = {}, callerArn = CALLER): Context {
        const values: Record<string, string> = {
            zscalerClientId: "cid",
            zscalerClientSecret: "s",
            zscalerCustomerId: "c",
            zscalerVanityDomain: "v",
            ...config,
        };
        const settings = loadSettings(
            { get: (k) => values[k], isSecret: (k) => k === "zscalerClientSecret", keys: () => Object.keys(values) },
            { project: PROJECT, stack: "dev" },
        );
        return { settings, account: ACCOUNT, callerArn } as Context;
    }

    async function run(config: Record<string, string> = {}, callerArn = CALLER) {
        try {
            return await checkIamPermissions(context(config, callerArn), iamOf(ctx.fake));
        } catch (e) {
            const f = e as { detail: string; fix?: string };
            return { status: "fail", detail: f.detail, fix: f.fix };
        }
    }

    it("allowed: every role of an ECS stack, with the boundary and the path, and AgentCore's service-linked role", async () => {
        const r = await run({ iamPermissionsBoundary: BOUNDARY, iamRolePath: "/zscaler/" });
        expect(r).to.deep.include({
            status: "ok",
            detail: `${CALLER} may create, tag and pass the stack's 3 roles with the boundary ${BOUNDARY} and the path /zscaler/, and have AgentCore create AWSServiceRoleForBedrockAgentCoreRuntimeIdentity`,
        });
        const asked = ctx.fake.callsTo("SimulatePrincipalPolicy").map((c) => c.input);
        expect(asked).to.have.length(7);
        expect(asked[0]).to.deep.include({
            PolicySourceArn: CALLER,
            ActionNames: ["iam:CreateRole", "iam:PutRolePolicy", "iam:TagRole"],
            ResourceArns: [`arn:aws:iam::${ACCOUNT}:role/zscaler/zscaler-mcp-agent-exec-role-0a1b2c3`],
            ContextEntries: [{ ContextKeyName: "iam:PermissionsBoundary", ContextKeyValues: [BOUNDARY], ContextKeyType: "string" }],
        });
        expect(asked[1].ContextEntries).to.deep.equal([
            { ContextKeyName: "iam:PassedToService", ContextKeyValues: ["bedrock-agentcore.amazonaws.com"], ContextKeyType: "string" },
        ]);
        expect(asked[6]).to.deep.include({
            ActionNames: ["iam:CreateServiceLinkedRole"],
            ResourceArns: [
                `arn:aws:iam::${ACCOUNT}:role/aws-service-role/runtime-identity.bedrock-agentcore.amazonaws.com/AWSServiceRoleForBedrockAgentCoreRuntimeIdentity`,
            ],
        });
        expect(
            ctx.fake.calls.filter((c) => c.service === "iam").every((c) => c.op === "SimulatePrincipalPolicy" || c.op === "GetRole"),
        ).to.equal(true);
    });

    it("allowed: an assumed role is asked for under its own path, and an existing service-linked role is not asked for", async () => {
        const sso = "AWSReservedSSO_Deployer_0123456789abcdef";
        ctx.fake.iamRoles.set(sso, {
            name: sso,
            path: "/aws-reserved/sso.amazonaws.com/",
            arn: roleArn(`aws-reserved/sso.amazonaws.com/${sso}`),
        });
        const slr = "AWSServiceRoleForBedrockAgentCoreRuntimeIdentity";
        ctx.fake.iamRoles.set(slr, { name: slr, path: "/aws-service-role/runtime-identity.bedrock-agentcore.amazonaws.com/", arn: "x" });
        const r = await run({ topology: "gateway" }, `arn:aws:sts::${ACCOUNT}:assumed-role/${sso}/someone@example.com`);
        expect(r).to.deep.include({
            status: "ok",
            detail: `${roleArn(`aws-reserved/sso.amazonaws.com/${sso}`)} may create, tag and pass the stack's 3 roles`,
        });
        expect(ctx.fake.callsTo("SimulatePrincipalPolicy").flatMap((c) => c.input.ActionNames)).to.not.include(
            "iam:CreateServiceLinkedRole",
        );
    });

    it("denied: CreateRole only with another boundary, names the statement to add with the boundary condition", async () => {
        ctx.fake.withholdPermission("iam:CreateRole", {
            unless: { key: "iam:PermissionsBoundary", values: [`arn:aws:iam::${ACCOUNT}:policy/TeamBoundary`] },
        });
        const r = await run({ iamPermissionsBoundary: BOUNDARY, mcpUrl: "https://mcp.example.com" });
        expect(r.status).to.equal("fail");
        expect(r.detail).to.equal(
            `IAM's policy simulator denies ${CALLER} iam:CreateRole on arn:aws:iam::${ACCOUNT}:role/zscaler-mcp-agent-exec-role-0a1b2c3 (implicitDeny); asked with the boundary ${BOUNDARY}`,
        );
        const statements = JSON.parse(r.fix!.slice(r.fix!.indexOf("[")));
        expect(statements).to.deep.equal([
            {
                Sid: "CreateStackRoles",
                Effect: "Allow",
                Action: ["iam:CreateRole", "iam:PutRolePolicy"],
                Resource: `arn:aws:iam::${ACCOUNT}:role/zscaler-mcp-*`,
                Condition: { StringEquals: { "iam:PermissionsBoundary": BOUNDARY } },
            },
        ]);
        // With the boundary the account's policy asks for, the same identity may.
        const team = await run({
            iamPermissionsBoundary: `arn:aws:iam::${ACCOUNT}:policy/TeamBoundary`,
            mcpUrl: "https://mcp.example.com",
        });
        expect(team.status).to.equal("ok");
    });

    it("denied: PassRole and the service-linked role, with the statements that allow them; an explicit Deny is named as one", async () => {
        ctx.fake.withholdPermission("iam:PassRole");
        ctx.fake.withholdPermission("iam:CreateServiceLinkedRole", { explicit: true });
        const r = await run({ topology: "gateway" });
        expect(r.status).to.equal("fail");
        expect(r.detail).to.contain("iam:PassRole on arn:aws:iam::123456789012:role/zscaler-mcp-runtime-role-0a1b2c3 (implicitDeny)");
        expect(r.detail).to.contain("iam:CreateServiceLinkedRole on arn:aws:iam::123456789012:role/aws-service-role/");
        expect(r.detail).to.contain("(explicitDeny)");
        expect(r.fix).to.match(/^an explicit Deny .* refuses iam:CreateServiceLinkedRole: ask the account's administrator/);
        const statements = JSON.parse(r.fix!.slice(r.fix!.indexOf("[")));
        expect(statements.map((st: { Sid: string }) => st.Sid)).to.deep.equal(["PassStackRoles", "AgentCoreServiceLinkedRole"]);
        expect(statements[0].Condition).to.deep.equal({ StringEquals: { "iam:PassedToService": ["bedrock-agentcore.amazonaws.com"] } });
        expect(statements[1].Condition).to.deep.equal({
            StringEquals: { "iam:AWSServiceName": "runtime-identity.bedrock-agentcore.amazonaws.com" },
        });
    });

    it("the root user needs no simulation; a federated user cannot be simulated", async () => {
        expect(await run({}, `arn:aws:iam::${ACCOUNT}:root`)).to.deep.include({ status: "ok" });
        expect(await run({}, `arn:aws:sts::${ACCOUNT}:federated-user/bob`)).to.deep.include({ status: "skip" });
        expect(ctx.fake.callsTo("SimulatePrincipalPolicy")).to.have.length(0);
    });

    it("refuses to simulate for an identity IAM does not know, as IAM does", async () => {
        const err = await iamOf(ctx.fake)
            .simulatePrincipalPolicy({
                PolicySourceArn: userArn("nobody"),
                ActionNames: ["iam:CreateRole"],
                ResourceArns: ["*"],
                ContextEntries: [],
            })
            .catch((e: Error) => e);
        expect((err as Error).name).to.equal("NoSuchEntity");
    });
});
