/**
 * The README, run as a user runs it, through the real Pulumi CLI: preview, up, the operator
 * commands, changes, refresh, a topology switch, a configuration error, interruptions, destroy.
 * The dynamic resources talk to the local AWS endpoint; the @pulumi/aws resources to the test-only
 * aws plugin. AWS's time is compressed (ZSCALER_MCP_TIME_SCALE), as in the rehearsal.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { basicAuthHeader } from "../../server/env";
import { ACCOUNT, CloudRecord } from "../awsplugin/cloud";
import { endpointIds } from "../rehearsal/engine";
import { checkEndState } from "../rehearsal/scenarios";
import { sectionCommands } from "./readme";
import {
    EXECUTED,
    localStacks,
    expectNoSecrets,
    ok,
    plannedSteps,
    readmeCommandsNotRun,
    requireCli,
    sh,
    STACK_FRAME,
    stepsInOrder,
    summary,
} from "./steps";
import { PLACEHOLDERS, Workspace, ZSCALER_ROTATED_SECRET } from "./workspace";

const SCALE = 0.01;
// The same release, copied into the account's own ECR: a new image reference.
const OWN_ECR_COPY = "123456789012.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server:0.15.4";
const CLIENT_SECRET = PLACEHOLDERS["<client secret>"];
const BASIC = basicAuthHeader(PLACEHOLDERS["<client id>"], CLIENT_SECRET);
/** The default Cognito domain prefix of a stack named gateway, taken by "another account" in one test. */
const COGNITO_DOMAIN_TAKEN = `zscaler-mcp-gateway-${ACCOUNT}`;

/** AWS calls that change something, for "nothing was touched" checks. */
const MUTATING = /^(Create|Update|Delete|Tag|Untag|Put)/;

/** The user's own Zscaler MCP server, at the URL the README's "Your own MCP server" commands name. */
function serveOwnServer(ws: Workspace): Promise<void> {
    return ws.hosting.serveOwnServer("mcp.example.com", {
        ZSCALER_MCP_TRANSPORT: "streamable-http",
        ZSCALER_MCP_HOST: "0.0.0.0",
        ZSCALER_MCP_AUTH_MODE: "zscaler",
        ZSCALER_MCP_ALLOW_HTTP: "true",
        ZSCALER_CLIENT_ID: PLACEHOLDERS["<client id>"],
        ZSCALER_CLIENT_SECRET: CLIENT_SECRET,
        ZSCALER_CUSTOMER_ID: PLACEHOLDERS["<customer id>"],
        ZSCALER_VANITY_DOMAIN: PLACEHOLDERS["<vanity domain>"],
    });
}

/** The command lines of the processes a killed CLI left running, besides those running before it (`running`). */
function leftBehind(ws: Workspace, running: number[]): string {
    return ws
        .strays()
        .filter((p) => !running.includes(p.pid))
        .map((p) => p.command)
        .join("\n");
}

describe("end to end through the real Pulumi CLI", function () {
    this.timeout(30 * 60_000);

    describe("ecs: deploy, operate, change, repair, switch topology, interrupt, destroy", function () {
        stepsInOrder();
        let ws: Workspace;
        let harnessId: string;

        before(async function () {
            ws = await Workspace.create(requireCli(this), SCALE);
        });
        after(async () => {
            await ws?.dispose();
        });

        it("previews, then deploys, with the README's commands", async () => {
            const commands = sectionCommands("Deploy").filter((c) => c !== "npm ci");
            const up = commands.pop()!;
            expect(up).to.equal("pulumi up");
            const preview = commands.pop()!;
            expect(preview).to.equal("pulumi preview");
            for (const c of commands) {
                await ok(ws, c);
            }
            const plan = await ok(ws, preview);
            expect(summary(plan.output)).to.deep.equal({ create: 22 });
            expect(plan.output).to.match(/\+ {2}pulumi-nodejs:dynamic\/agentcore:Harness zscaler-mcp-agent-harness create/);
            expect(ws.fake.calls.filter((c) => MUTATING.test(c.op))).to.deep.equal([]);
            const deployed = await ok(ws, up);
            expect(deployed.output).to.contain("Previewing update (dev)");
            expect(summary(deployed.output)).to.deep.equal({ create: 22 });
            // The deploy ended by listing the real server's tools as the harness will.
            const outputs = await ws.outputs();
            expect([outputs.serverName, outputs.serverVersion]).to.deep.equal(["zscaler-mcp", "0.15.4"]);
            expect(outputs.toolCount).to.be.greaterThan(100);
            expect(checkEndState(ws.fake, { topology: "ecs", deploysServer: true }, BASIC)).to.deep.equal([]);
            harnessId = ws.fake.list("harness")[0].id;
        });

        it("operates the deployment with the README's commands: invoke (argument and stdin), chat, status piped to jq, logs, traces", async () => {
            const outputs = JSON.parse((await ok(ws, "pulumi stack output --json")).stdout);
            expect(outputs.harnessId).to.equal(harnessId);
            expect(outputs.mcpUrl).to.equal(`https://${ws.fake.list("ecs")[0].data.endpoint}/mcp`);
            const [invoke, piped, chat, status, errors, server, traces] = sectionCommands("Operate");
            const asked = await ok(ws, invoke);
            expect(asked.stdout).to.contain("You have 2 segment groups: Finance and Engineering.");
            expect(ws.fake.callsTo("InvokeHarness")[0].input.harnessArn).to.equal(outputs.harnessArn);
            const session = /· session (\S+)$/m.exec(asked.stdout)![1];
            // The message from stdin reaches the harness as it was typed.
            const before = ws.fake.callsTo("InvokeHarness").length;
            await ok(ws, piped);
            const sent = ws.fake.callsTo("InvokeHarness").slice(before);
            expect(JSON.stringify(sent.map((c) => c.input.messages))).to.contain("which zia url categories are custom?");
            const talk = await ok(ws, `printf 'list my zpa segment groups\\n/exit\\n' | ${chat}`, { shownAs: chat });
            expect(talk.stdout).to.match(/^Chat with zscaler_mcp_harness_dev \(session zscaler-mcp-[0-9a-f-]{36}\)$/m);
            // jq parses and prints what status wrote: JSON and nothing else on stdout.
            const state = JSON.parse((await ok(ws, status)).stdout);
            expect(JSON.stringify(state)).to.contain("READY").and.contain(outputs.harnessArn);
            const now = ws.fake.clock.now();
            ws.fake.putLogEvents(`/aws/bedrock-agentcore/runtimes/${outputs.harnessRuntimeId}-DEFAULT`, [
                { timestamp: now, message: "INFO Starting MCP client for tool zscaler" },
                { timestamp: now + 1, message: "ERROR tool zpa_list_segment_groups failed: upstream 503" },
            ]);
            ws.fake.putLogEvents(outputs.ecsLogGroup, [{ timestamp: now, message: "INFO:     Uvicorn running on http://0.0.0.0:8000" }]);
            const failures = await ok(ws, errors);
            expect(failures.stdout).to.contain("tool zpa_list_segment_groups failed: upstream 503");
            expect(failures.stdout).to.not.contain("Starting MCP client");
            expect((await ok(ws, server)).stdout).to.contain("Uvicorn running on http://0.0.0.0:8000");
            // What AgentCore writes to aws/spans for the first invocation, with Transaction Search on.
            ws.fake.recordSessionSpans({
                sessionId: session,
                runtimeId: outputs.harnessRuntimeId,
                tools: [{ name: "zpa_list_segment_groups" }],
            });
            const spans = await ok(ws, traces);
            expect(spans.stdout).to.contain(session).and.contain("zpa_list_segment_groups");
            const follow = await ok(ws, "npm run logs -- --since 30m --follow", {
                interrupt: { signal: "SIGINT", when: (output) => output.includes("Starting MCP client") },
                exitCode: 130,
            });
            expect(follow.stdout).to.contain("Starting MCP client for tool zscaler");
            const noMessage = await ok(ws, "npm run invoke < /dev/null", { exitCode: 2 });
            expect(noMessage.stderr).to.contain("usage: npm run invoke");
        });

        it("changes nothing on a second preview and up", async () => {
            await ok(ws, "pulumi preview --expect-no-changes");
            const again = await ok(ws, "pulumi up --expect-no-changes");
            expect(summary(again.output)).to.deep.equal({ same: 22 });
        });

        it("updates the harness in place for a new system prompt", async () => {
            const [set, diff, up] = sectionCommands("Changing a deployment");
            await ok(ws, set);
            const plan = await ok(ws, diff);
            expect(plannedSteps(plan.output)).to.deep.equal({ "zscaler-mcp-agent-harness": "update" });
            await ok(ws, up);
            const [harness] = ws.fake.list("harness");
            expect(harness.id).to.equal(harnessId);
            expect(harness.data.systemPrompt).to.deep.equal([{ text: set.match(/"(.*)"/)![1] }]);
        });

        it("rolls a new image out to the service in place", async () => {
            await ok(ws, `pulumi config set imageUri ${OWN_ECR_COPY}`);
            const plan = await ok(ws, "pulumi preview --diff");
            // What uses the service's outputs previews as an update too (the README says why).
            expect(plannedSteps(plan.output)).to.deep.equal({
                // The task role may pull from the new image's repository, and only from it.
                "zscaler-mcp-task-exec-policy": "update",
                "zscaler-mcp-service": "update",
                "zscaler-mcp-allow-list": "update",
                "zscaler-mcp-agent-harness": "update",
                "zscaler-mcp-tool-check": "update",
            });
            const before = ws.fake.calls.length;
            const up = await ok(ws, "pulumi up");
            // The policy, the service, and the check of the server it now runs.
            expect(summary(up.output)).to.deep.equal({ update: 3, same: 19 });
            expect(
                ws.fake.calls
                    .slice(before)
                    .filter((c) => MUTATING.test(c.op))
                    .map((c) => c.op),
            ).to.deep.equal(["UpdateExpressGatewayService"]);
            const [svc] = ws.fake.list("ecs");
            expect(svc.data.configs[svc.data.configs.length - 1].primaryContainer.image).to.equal(OWN_ECR_COPY);
            await ok(ws, "pulumi preview --expect-no-changes");
        });

        it("notices resources deleted outside the stack on refresh, and recreates them on up", async () => {
            const apiKeyName = (await ws.outputs()).credentialProviderArn.split("/").pop();
            ws.fake.deleteBehindBack("apikey", apiKeyName);
            const policy = ws.cloud.live("aws:iam/rolePolicy:RolePolicy").find((r) => r.id.startsWith("zscaler-mcp-agent-exec-role"))!;
            ws.cloud.transact((s) =>
                s.resources.splice(
                    s.resources.findIndex((r) => r.id === policy.id),
                    1,
                ),
            );
            const refreshed = await ok(ws, "pulumi refresh");
            expect(summary(refreshed.output).delete).to.equal(2);
            const repaired = await ok(ws, "pulumi up");
            expect(summary(repaired.output).create).to.equal(2);
            expect(ws.fake.list("apikey").map((k) => k.data.apiKey)).to.deep.equal([BASIC]);
            expect(ws.cloud.live("aws:iam/rolePolicy:RolePolicy").some((r) => r.id.startsWith("zscaler-mcp-agent-exec-role"))).to.equal(
                true,
            );
            await ok(ws, "pulumi preview --expect-no-changes");
            // The same repair in one run.
            ws.fake.deleteBehindBack("apikey", apiKeyName);
            const oneRun = await ok(ws, "pulumi up --refresh");
            expect(summary(oneRun.output).create).to.equal(1);
            expect(ws.fake.list("apikey").map((k) => k.data.apiKey)).to.deep.equal([BASIC]);
            await ok(ws, "pulumi preview --expect-no-changes");
        });

        it("switches to the gateway topology and back, keeping the harness", async () => {
            await ok(ws, "pulumi config set topology gateway");
            await ok(ws, "pulumi up");
            expect(ws.fake.list("harness").map((h) => [h.id, h.data.tools[0].type])).to.deep.equal([[harnessId, "agentcore_gateway"]]);
            expect(ws.fake.list("ecs").filter((s) => s.status !== "INACTIVE")).to.deep.equal([]);
            expect(checkEndState(ws.fake, { topology: "gateway", deploysServer: true }, BASIC)).to.deep.equal([]);
            await ok(ws, "pulumi config set topology ecs");
            await ok(ws, "pulumi up");
            expect(ws.fake.list("harness").map((h) => [h.id, h.data.tools[0].type])).to.deep.equal([[harnessId, "remote_mcp"]]);
            expect(ws.fake.list("gateway")).to.deep.equal([]);
            expect(checkEndState(ws.fake, { topology: "ecs", deploysServer: true }, BASIC)).to.deep.equal([]);
        });

        it("refuses a plaintext client secret before anything changes, naming the key and the fix, without a stack trace", async () => {
            await ok(ws, "pulumi config set zscalerClientSecret not-a-secret-value");
            const before = ws.fake.calls.length;
            const failed = await sh(ws, "pulumi up");
            expect(failed.code).to.not.equal(0);
            expect(failed.output, failed.output).to.contain("zscalerClientSecret");
            expect(failed.output, failed.output).to.contain("pulumi config set --secret zscalerClientSecret <client secret>");
            expect(failed.output, failed.output).to.not.match(STACK_FRAME);
            expect(ws.fake.calls.slice(before).filter((c) => MUTATING.test(c.op))).to.deep.equal([]);
            await ok(ws, `pulumi config set --secret zscalerClientSecret ${CLIENT_SECRET}`);
            await ok(ws, "pulumi preview --expect-no-changes");
        });

        it("fails the up when the server refuses to start, naming the deployment's end and the log command; fixed, it converges", async () => {
            // A certificate without its key: the real server exits at start, so ECS rolls the service back.
            await ok(ws, "pulumi config set --path 'containerEnv[0]' ZSCALER_MCP_TLS_CERTFILE=/etc/zscaler/cert.pem");
            const failed = await sh(ws, "pulumi up");
            expect(failed.code, failed.output).to.not.equal(0);
            expect(failed.output).to.match(/deployment \S+ ended ROLLBACK_SUCCESSFUL/);
            expect(failed.output).to.contain("Essential container in task exited");
            expect(failed.output).to.contain("npm run logs -- --server");
            expect(failed.output).to.not.match(STACK_FRAME);
            const log = await ok(ws, "npm run logs -- --server");
            expect(log.stdout).to.contain("Incomplete TLS configuration");
            await ok(ws, "pulumi config rm containerEnv");
            await ok(ws, "pulumi up");
            await ok(ws, "pulumi preview --expect-no-changes");
            expect((await ws.outputs()).toolCount).to.be.greaterThan(100);
        });

        it("fails the up when Zscaler rejects the credentials, naming the keys to check and no secret", async () => {
            const rejected = "e2e-rejected-secret-0d1f";
            await ok(ws, `pulumi config set --secret zscalerClientSecret ${rejected}`);
            const failed = await sh(ws, "pulumi up");
            expect(failed.code, failed.output).to.not.equal(0);
            expect(failed.output).to.contain("answered 401: Zscaler rejected the credentials");
            expect(failed.output, failed.output).to.contain(
                "Check zscalerClientId, zscalerClientSecret, zscalerVanityDomain and zscalerCloud",
            );
            expect(failed.output).to.not.match(STACK_FRAME);
            expectNoSecrets(failed.output, [rejected, basicAuthHeader(PLACEHOLDERS["<client id>"], rejected)]);
            await ok(ws, `pulumi config set --secret zscalerClientSecret ${CLIENT_SECRET}`);
            await ok(ws, "pulumi up");
            await ok(ws, "pulumi preview --expect-no-changes");
        });

        it("keeps the client secret and the Basic header out of the exported state", async () => {
            const exported = await ok(ws, "pulumi stack export");
            expect(exported.stdout).to.contain('"type": "pulumi-nodejs:dynamic/agentcore:ApiKeyCredentialProvider"');
            expectNoSecrets(exported.stdout, [CLIENT_SECRET, BASIC]);
        });

        it("converges after a Ctrl-C in the middle of a create", async () => {
            ws.fake.durations.harness = 600_000;
            await ok(ws, "pulumi config set harnessName zscaler_mcp_interrupted");
            const creates = ws.fake.callsTo("CreateHarness").length;
            const stopped = await ws.run("pulumi up --yes", {
                interrupt: { signal: "SIGINT", when: () => ws.fake.callsTo("CreateHarness").length > creates },
            });
            expect(stopped.code).to.not.equal(0);
            expect(stopped.output).to.contain("^C received; cancelling");
            ws.fake.durations.harness = 3_000;
            await ok(ws, "pulumi up");
            expect(ws.fake.list("harness").map((h) => h.name)).to.deep.equal(["zscaler_mcp_interrupted"]);
            await ok(ws, "pulumi preview --expect-no-changes");
        });

        it("converges after the CLI is killed in the middle of a create, following the README", async () => {
            ws.fake.durations.harness = 600_000;
            await ok(ws, "pulumi config rm harnessName");
            const creates = ws.fake.callsTo("CreateHarness").length;
            const running = ws.strays().map((p) => p.pid);
            const killed = await ws.run("pulumi up --yes", {
                interrupt: { signal: "SIGKILL", when: () => ws.fake.callsTo("CreateHarness").length > creates },
            });
            expect(killed.signal ?? killed.code).to.be.oneOf(["SIGKILL", 137]);
            // What the killed CLI started goes on running while the README's steps run, as on a user's machine.
            expect(leftBehind(ws, running)).to.contain("cmd/dynamic-provider");
            ws.fake.durations.harness = 3_000;
            for (const c of sectionCommands("After an interrupted pulumi up")) {
                await ok(ws, c);
            }
            expect(ws.fake.list("harness").map((h) => h.name)).to.deep.equal(["zscaler_mcp_harness_dev"]);
            await ok(ws, "pulumi preview --expect-no-changes");
            expect(checkEndState(ws.fake, { topology: "ecs", deploysServer: true }, BASIC)).to.deep.equal([]);
        });

        it("destroys everything but the retained roles, and removes the stack", async () => {
            await ok(ws, "pulumi config set --path 'retain[0]' roles");
            await ok(ws, "pulumi up");
            const [destroy, rm] = sectionCommands("Removing a deployment");
            await ok(ws, destroy);
            expect(endpointIds(ws.fake)).to.deep.equal([]);
            // The harness, task execution and infrastructure roles, with their policies.
            expect(
                ws.cloud
                    .live()
                    .map((r) => r.type)
                    .sort(),
            ).to.deep.equal([
                "aws:iam/role:Role",
                "aws:iam/role:Role",
                "aws:iam/role:Role",
                "aws:iam/rolePolicy:RolePolicy",
                "aws:iam/rolePolicy:RolePolicy",
                "aws:iam/rolePolicy:RolePolicy",
                "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            ]);
            await ok(ws, rm);
            expect((await ok(ws, "pulumi stack ls")).stdout).to.not.contain("dev");
        });
    });

    describe("ecs with your own MCP server", function () {
        stepsInOrder();
        let ws: Workspace;
        before(async function () {
            ws = await Workspace.create(requireCli(this), SCALE);
            await ok(ws, "pulumi login --local");
            await serveOwnServer(ws);
        });
        after(async () => {
            await ws?.dispose();
        });

        it("deploys only the Token Vault entry, the role, the harness and the check of the user's server, and answers invoke", async () => {
            const commands = sectionCommands("Your own MCP server");
            for (const c of commands) {
                await ok(ws, c);
            }
            expect(ws.fake.list("ecs")).to.deep.equal([]);
            expect(checkEndState(ws.fake, { topology: "ecs", deploysServer: false }, BASIC)).to.deep.equal([]);
            expect(ws.fake.list("harness")[0].data.tools[0].config.remoteMcp.url).to.equal("https://mcp.example.com/mcp");
            const outputs = await ws.outputs();
            expect([outputs.serverName, outputs.serverVersion]).to.deep.equal(["zscaler-mcp", "0.15.4"]);
            expect(outputs.toolCount).to.be.greaterThan(100);
            const invoke = await ok(ws, 'npm run invoke -- "list my zpa segment groups"');
            expect(invoke.stdout).to.contain("Finance and Engineering.");
            await ok(ws, "pulumi preview --expect-no-changes");
            expectNoSecrets((await ok(ws, "pulumi stack export")).stdout, [CLIENT_SECRET, BASIC]);
        });

        it("calls the server again only when what it checks changes, and drops the check when turned off", async () => {
            // This machine can no longer reach the user's server: nothing about it changed, so nothing runs.
            await ws.hosting.stopOwnServer("mcp.example.com");
            await ok(ws, "pulumi up --expect-no-changes");
            await ok(ws, "pulumi config set verifyTools false");
            const up = await ok(ws, "pulumi up");
            expect(summary(up.output).delete).to.equal(1);
            expect(await ws.outputs()).to.not.have.property("toolCount");
        });

        it("puts the role under the account's boundary and path as the README shows: a new role, the harness moved to it", async () => {
            const [boundary, path, diff, up] = sectionCommands("Permissions boundaries");
            const roles = () => ws.cloud.live().filter((r) => r.type === "aws:iam/role:Role");
            const [before] = roles();
            await ok(ws, boundary);
            await ok(ws, path);
            const plan = await ok(ws, diff);
            expect(plannedSteps(plan.output)).to.deep.include({
                "zscaler-mcp-agent-exec-role": "replace",
                "zscaler-mcp-agent-exec-policy": "replace",
                "zscaler-mcp-agent-harness": "update",
            });
            await ok(ws, up);
            const after = roles();
            expect(after).to.have.length(1);
            expect(after[0].props.name).to.not.equal(before.props.name);
            expect(after[0].props).to.include({
                path: "/zscaler-mcp/",
                permissionsBoundary: `arn:aws:iam::${ACCOUNT}:policy/${PLACEHOLDERS["<boundary policy name>"]}`,
            });
            expect(after[0].props.arn).to.equal(`arn:aws:iam::${ACCOUNT}:role/zscaler-mcp/${after[0].props.name}`);
            expect(ws.fake.list("harness")[0].data.executionRoleArn).to.equal(after[0].props.arn);
            await ok(ws, "pulumi preview --expect-no-changes");
        });

        it("destroys what it deployed", async () => {
            await ok(ws, "pulumi destroy");
            expect(endpointIds(ws.fake)).to.deep.equal([]);
            expect(ws.cloud.live()).to.deep.equal([]);
        });
    });

    describe("ecs: the stack's AWS identity, rotating credentials, handing the secret over, an external secret", function () {
        stepsInOrder();
        let ws: Workspace;
        /** Where this scenario's AWS calls start, for "since then" checks. */
        let mark = 0;
        const ROTATED_SECRET = ZSCALER_ROTATED_SECRET;
        const PROFILE_KEY = "AKIAE2EPROFILEKEY001";
        const ROLE = PLACEHOLDERS["<role ARN>"];
        const EXTERNAL = PLACEHOLDERS["<name or ARN>"];
        const EXTERNAL_VALUES = {
            ZSCALER_CLIENT_ID: "e2e-external-client-id",
            ZSCALER_CLIENT_SECRET: "e2e-external-client-secret-91c4",
            ZSCALER_CUSTOMER_ID: "e2e-external-customer",
            ZSCALER_VANITY_DOMAIN: "e2e-external-vanity",
        };
        const secretsSection = "Where the Zscaler credentials live (`secretsMode`)";
        /** The stack's managed secret, once handed over; the external secret the README names. */
        let handedOver = "";
        let externalArn = "";
        /** What the destroy with retain=[ecs] left in the account (besides the secrets). */
        let retained: CloudRecord[] = [];
        /** A secret's name from its ARN (Secrets Manager appends a dash and six characters). */
        const nameOf = (arn: string) => arn.split(":secret:")[1].replace(/-[A-Za-z0-9]{6}$/, "");
        const since = () => ws.fake.calls.slice(mark);
        const lastConfig = () => {
            const [svc] = ws.fake.list("ecs");
            return svc.data.configs[svc.data.configs.length - 1].primaryContainer;
        };
        const versionEnv = () =>
            lastConfig().environment.find((e: { name: string }) => e.name === "ZSCALER_MCP_CREDENTIALS_VERSION")?.value;
        const currentVersion = (arn: string) =>
            ws.cloud
                .live("aws:secretsmanager/secretVersion:SecretVersion")
                .find((v) => v.props.arn === arn && v.props.versionStages.includes("AWSCURRENT"))!.props.versionId;

        before(async function () {
            ws = await Workspace.create(requireCli(this), SCALE);
            // The user's named profile, as `aws configure --profile` writes it.
            fs.mkdirSync(path.join(ws.home, ".aws"));
            fs.writeFileSync(
                path.join(ws.home, ".aws", "credentials"),
                `[${PLACEHOLDERS["<profile>"]}]\naws_access_key_id = ${PROFILE_KEY}\naws_secret_access_key = e2e-profile-secret-key\n`,
            );
            ws.fake.identities.set(PROFILE_KEY, {
                arn: `arn:aws:iam::${ACCOUNT}:user/e2e-operator`,
                userId: "AIDAE2EOPERATOR00001",
                account: ACCOUNT,
            });
        });
        after(async () => {
            await ws?.dispose();
        });

        it("checks the account with npm run doctor, deploys, and holds a chat", async () => {
            const commands = sectionCommands("Deploy").filter((c) => c !== "npm ci" && c !== "pulumi preview");
            const up = commands.pop()!;
            for (const c of commands) {
                await ok(ws, c);
            }
            const config = JSON.parse((await ok(ws, "pulumi config --json")).stdout);
            expect(config["zscaler-mcp-harness:zscalerClientSecret"]).to.deep.equal({ secret: true });
            const doctor = await ok(ws, "npm run doctor");
            expect(doctor.stdout).to.contain("Stack dev · topology ecs · region us-east-1");
            expect(doctor.stdout).to.match(/^ok {4}credentials {5}account 123456789012 as arn:aws:iam::123456789012:user\/local-tester$/m);
            // The way to AWS, and IAM's answer for the roles the deploy creates, among them.
            expect(doctor.stdout).to.match(/^ok {4}connection {6}127\.0\.0\.1:\d+ reached directly/m);
            expect(doctor.stdout).to.match(
                /^ok {4}iam {13}arn:aws:iam::123456789012:user\/local-tester may create, tag and pass the stack's 3 roles/m,
            );
            expect(doctor.stdout).to.contain("All 9 checks passed.");
            expect(ws.fake.calls.filter((c) => MUTATING.test(c.op))).to.deep.equal([]);
            await ok(ws, up);
            const help = await ok(ws, "npm run status -- --help");
            expect(help.stdout).to.match(/^usage: npm run status/m);
            const chat = await ok(ws, "printf 'list my zpa segment groups\\n/exit\\n' | npm run chat", { shownAs: "npm run chat" });
            expect(chat.stdout).to.match(/^Chat with zscaler_mcp_harness_dev \(session zscaler-mcp-[0-9a-f-]{36}\)$/m);
            expect(chat.stdout).to.contain("You have 2 segment groups: Finance and Engineering.");
            expect(ws.fake.callsTo("InvokeHarness")).to.have.length(1);
        });

        it("acts as the profile's assumed role, with no resource changed", async () => {
            mark = ws.fake.calls.length;
            for (const c of sectionCommands("Choosing the AWS identity")) {
                await ok(ws, c);
            }
            const plan = await ok(ws, "pulumi preview --diff");
            // Only the AWS provider's own settings change; every resource stays as it is.
            expect(plannedSteps(plan.output)).to.deep.equal({ aws: "update" });
            await ok(ws, "pulumi up");
            await ok(ws, "pulumi preview --expect-no-changes");
            const status = await ok(ws, "npm run status");
            expect(status.stdout).to.match(/Status\s+READY/);
            // Every call since is signed by the assumed role, but the AssumeRole calls by the profile.
            const signers = new Set(
                since()
                    .filter((c) => c.op !== "AssumeRole")
                    .map((c) => ws.fake.identities.get(c.accessKeyId ?? "")?.arn ?? c.accessKeyId),
            );
            expect([...signers].map((a) => String(a).replace(/[^/]+$/, "<session>"))).to.deep.equal([
                `arn:aws:sts::${ACCOUNT}:assumed-role/e2e-deployer/<session>`,
            ]);
            expect(
                new Set(
                    since()
                        .filter((c) => c.op === "AssumeRole")
                        .map((c) => c.accessKeyId),
                ),
            ).to.deep.equal(new Set([PROFILE_KEY]));
            expect(
                since()
                    .filter((c) => c.op === "AssumeRole")
                    .map((c) => c.input.RoleArn),
            ).to.include(ROLE);
        });

        it("refuses an account aws:allowedAccountIds leaves out before anything changes", async () => {
            mark = ws.fake.calls.length;
            await ok(ws, "pulumi config set --path 'aws:allowedAccountIds[0]' 999999999999");
            const account = JSON.stringify(ws.cloud.read());
            // The aws provider's wording is its own ("AWS account ID not allowed: ..."): what matters
            // is that preview and up fail, and that nothing in the account changed.
            for (const command of ["pulumi preview", "pulumi up"]) {
                const refused = await sh(ws, command);
                expect(refused.code, command).to.not.equal(0);
                expect(refused.output, command).to.not.match(STACK_FRAME);
            }
            expect(JSON.stringify(ws.cloud.read())).to.equal(account);
            const status = await sh(ws, "npm run status");
            expect(status.code).to.equal(1);
            expect(status.stderr).to.contain("aws:allowedAccountIds");
            expect(since().filter((c) => c.op !== "AssumeRole" && c.op !== "GetCallerIdentity")).to.deep.equal([]);
            await ok(ws, `pulumi config set --path 'aws:allowedAccountIds[0]' ${ACCOUNT}`);
            await ok(ws, "pulumi preview --expect-no-changes");
        });

        it("rolls new credentials out to the Token Vault and the service in one up", async () => {
            const { secretArn } = await ws.outputs();
            const before = versionEnv();
            expect(before).to.equal(currentVersion(secretArn));
            await ok(ws, `pulumi config set --secret zscalerClientSecret ${ROTATED_SECRET}`);
            const plan = await ok(ws, "pulumi preview --diff");
            expect(plannedSteps(plan.output)).to.deep.include({
                "zscaler-mcp-credentials-secret-value": "replace",
                "zscaler-mcp-api-key": "update",
                "zscaler-mcp-service": "update",
            });
            await ok(ws, "pulumi up");
            expect(ws.fake.list("apikey")[0].data.apiKey).to.equal(basicAuthHeader(PLACEHOLDERS["<client id>"], ROTATED_SECRET));
            expect(versionEnv()).to.equal(currentVersion(secretArn)).and.not.equal(before);
            expect(
                JSON.parse(
                    ws.cloud.live("aws:secretsmanager/secretVersion:SecretVersion").find((v) => v.props.arn === secretArn)!.props
                        .secretString.value,
                ).ZSCALER_CLIENT_SECRET,
            ).to.equal(ROTATED_SECRET);
            await ok(ws, "pulumi preview --expect-no-changes");
        });

        it("writes the Token Vault entry again for a new tokenVaultRevision, repairing a change made outside", async () => {
            ws.fake.list("apikey")[0].data.apiKey = "Basic changed-outside-the-stack";
            await ok(ws, "pulumi config set tokenVaultRevision 2");
            const plan = await ok(ws, "pulumi preview --diff");
            // The engine cannot ask a dynamic provider what an update returns: until it has run, the
            // entry's ARN counts as unknown, and so the harness and the policy naming it may change.
            expect(plannedSteps(plan.output)).to.deep.equal({
                "zscaler-mcp-api-key": "update",
                "zscaler-mcp-agent-harness": "update",
                "zscaler-mcp-agent-exec-policy": "update",
            });
            mark = ws.fake.calls.length;
            const up = await ok(ws, "pulumi up");
            // They did not: only the entry was written.
            expect(summary(up.output)).to.deep.equal({ update: 1, same: 21 });
            expect(
                since()
                    .filter((c) => MUTATING.test(c.op))
                    .map((c) => c.op),
            ).to.deep.equal(["UpdateApiKeyCredentialProvider"]);
            expect(ws.fake.list("apikey")[0].data.apiKey).to.equal(basicAuthHeader(PLACEHOLDERS["<client id>"], ROTATED_SECRET));
        });

        it("hands the managed secret over as the README shows: it stays, and the service keeps reading it", async () => {
            const { secretArn } = await ws.outputs();
            handedOver = secretArn;
            const commands = sectionCommands(secretsSection, { "<name or ARN>": secretArn });
            // The section's second block: retain, up, switch to external, name the secret, up.
            const handover = commands.slice(commands.indexOf("pulumi config set --path 'retain[0]' secret"));
            expect(handover).to.have.length(5);
            const configsBefore = ws.fake.list("ecs")[0].data.configs.length;
            mark = ws.fake.calls.length;
            for (const c of handover) {
                await ok(ws, c);
            }
            const [secret] = ws.cloud.live("aws:secretsmanager/secret:Secret");
            expect(secret.id).to.equal(secretArn);
            expect((await ws.outputs()).secretArn).to.equal(secretArn);
            // Same secret, same version: nothing for the service to roll out.
            expect(ws.fake.list("ecs")[0].data.configs).to.have.length(configsBefore);
            expect(versionEnv()).to.equal(currentVersion(secretArn));
            const exported = await ws.exported();
            expect(exported.deployment.resources.map((r: any) => r.type)).to.not.include("aws:secretsmanager/secret:Secret");
            await ok(ws, "pulumi preview --expect-no-changes");
        });

        it("redeploys when the external secret gets a new version", async () => {
            const { versionId } = ws.cloud.putSecretValue(nameOf(handedOver), JSON.stringify(EXTERNAL_VALUES));
            const plan = await ok(ws, "pulumi preview --diff");
            // The service's address counts as unknown until its update has run (see above).
            expect(plannedSteps(plan.output)).to.deep.equal({
                "zscaler-mcp-service": "update",
                "zscaler-mcp-allow-list": "update",
                "zscaler-mcp-agent-harness": "update",
                "zscaler-mcp-tool-check": "update",
            });
            mark = ws.fake.calls.length;
            const up = await ok(ws, "pulumi up");
            expect(summary(up.output)).to.deep.equal({ update: 2, same: 18 });
            expect(
                since()
                    .filter((c) => MUTATING.test(c.op))
                    .map((c) => c.op),
            ).to.deep.equal(["UpdateExpressGatewayService"]);
            expect(versionEnv()).to.equal(versionId);
        });

        it("names what an external secret lacks before anything changes, then deploys from it", async () => {
            const { ZSCALER_VANITY_DOMAIN: _, ...incomplete } = EXTERNAL_VALUES;
            const { arn } = ws.cloud.putSecretValue(EXTERNAL, JSON.stringify(incomplete));
            externalArn = arn;
            const [mode, name] = sectionCommands(secretsSection);
            expect([mode, name]).to.deep.equal([
                "pulumi config set secretsMode external",
                `pulumi config set --plaintext zscalerSecretName ${EXTERNAL}`,
            ]);
            await ok(ws, mode);
            await ok(ws, name);
            mark = ws.fake.calls.length;
            const refused = await sh(ws, "pulumi preview");
            expect(refused.code).to.not.equal(0);
            expect(refused.output).to.contain(`zscalerSecretName: the secret ${EXTERNAL} holds no ZSCALER_VANITY_DOMAIN`);
            expect(refused.output).to.not.match(STACK_FRAME);
            expect(since().filter((c) => MUTATING.test(c.op))).to.deep.equal([]);
            const { versionId } = ws.cloud.putSecretValue(EXTERNAL, JSON.stringify(EXTERNAL_VALUES));
            await ok(ws, "pulumi up");
            expect(lastConfig().secrets).to.deep.equal(
                Object.keys(EXTERNAL_VALUES)
                    .sort()
                    .map((k) => ({ name: k, valueFrom: `${arn}:${k}::` })),
            );
            expect(versionEnv()).to.equal(versionId);
            expect((await ws.outputs()).secretArn).to.equal(arn);
            // The task execution role now reads the named secret, and no longer the one handed over.
            const policies = ws.cloud.live("aws:iam/rolePolicy:RolePolicy").map((r) => `${r.id} ${JSON.stringify(r.props.policy)}`);
            const readers = policies.filter((p) => p.includes(arn));
            expect(readers).to.have.length(1);
            expect(readers[0]).to.match(/^\S*:zscaler-mcp-task-secret /);
            expect(policies.filter((p) => p.includes(handedOver))).to.deep.equal([]);
            const state = (await ok(ws, "pulumi stack export")).stdout;
            expectNoSecrets(state, [ROTATED_SECRET, ...Object.values(EXTERNAL_VALUES).filter((v) => v.includes("secret"))]);
        });

        it("keeps the ECS part with what it needs on destroy, and takes it over on the next up", async () => {
            const [service] = ws.fake.list("ecs");
            await ok(ws, "pulumi config set --path 'retain[0]' ecs");
            await ok(ws, "pulumi up");
            await ok(ws, "pulumi destroy");
            // The service, the cluster and log group it runs in, and its two roles with their policies.
            expect(ws.fake.list("ecs").map((x) => [x.id, x.status])).to.deep.equal([[service.id, "ACTIVE"]]);
            expect(endpointIds(ws.fake)).to.deep.equal([service.id]);
            retained = ws.cloud.live().filter((r) => !r.type.startsWith("aws:secretsmanager/"));
            expect(retained.map((r) => r.type).sort()).to.deep.equal([
                "aws:cloudwatch/logGroup:LogGroup",
                "aws:ecs/cluster:Cluster",
                "aws:iam/role:Role",
                "aws:iam/role:Role",
                "aws:iam/rolePolicy:RolePolicy",
                "aws:iam/rolePolicy:RolePolicy",
                "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            ]);
            // The same stack again: a destroy empties its state, so this up gives it a new identity,
            // and what it retained carries the old one, as another deployment's would: refused.
            const refused = await sh(ws, "pulumi up --yes");
            expect(refused.code).to.not.equal(0);
            expect(refused.output).to.not.match(STACK_FRAME);
            const identity = (await ws.exported()).deployment.resources.find(
                (r: any) => r.type === "pulumi-nodejs:dynamic/stack:StackIdentity",
            );
            const stackId: string = identity.outputs.stackId;
            expect(stackId).to.match(/^[0-9a-f]{32}$/);
            expect(refused.output).to.contain(
                `log group "/ecs/zscaler-mcp-dev" already exists and belongs to another deployment of the same project and stack name`,
            );
            expect(refused.output).to.contain(`this stack is pulumi-stack-id=${stackId}`);
            expect(ws.fake.list("ecs").map((x) => x.id)).to.deep.equal([service.id]);
            // Tagged with the new identity (aws ecs tag-resource, aws logs tag-resource), they are
            // this stack's again: the service and its log group are taken over.
            const svc = ws.fake.find("ecs", service.id)!;
            svc.data.tags = (svc.data.tags as { key: string; value: string }[]).map((t) =>
                t.key === "pulumi-stack-id" ? { key: t.key, value: stackId } : t,
            );
            ws.cloud.transact((state) => {
                for (const r of state.resources.filter((x) => x.type === "aws:cloudwatch/logGroup:LogGroup" && !x.deletionDate)) {
                    r.props.tags = { ...r.props.tags, "pulumi-stack-id": stackId };
                    r.props.tagsAll = { ...r.props.tagsAll, "pulumi-stack-id": stackId };
                }
            });
            const up = await ok(ws, "pulumi up");
            expect(up.output).to.match(/aws:cloudwatch:LogGroup zscaler-mcp-logs imported/);
            expect(
                ws.fake
                    .list("ecs")
                    .filter((x) => x.status !== "INACTIVE")
                    .map((x) => x.id),
            ).to.deep.equal([service.id]);
            expect(
                checkEndState(
                    ws.fake,
                    { topology: "ecs", deploysServer: true },
                    basicAuthHeader(PLACEHOLDERS["<client id>"], ROTATED_SECRET),
                ),
            ).to.deep.equal([]);
            await ok(ws, "pulumi preview --expect-no-changes");
            const invoke = await ok(ws, 'npm run invoke -- "list my zpa segment groups"');
            expect(invoke.stdout).to.contain("You have 2 segment groups: Finance and Engineering.");
        });

        it("destroys the stack's resources and leaves the secrets it never owned and the roles it was told to keep", async () => {
            await ok(ws, "pulumi config rm retain");
            await ok(ws, "pulumi up");
            await ok(ws, "pulumi destroy");
            expect(endpointIds(ws.fake)).to.deep.equal([]);
            // Each secret with its versions: the handed-over one (the rotated value, then the
            // version put outside the stack) and the named one (incomplete, then complete); and
            // the roles the first destroy kept (the stack made new ones when it took the service over).
            const left = ws.cloud.live().map((r) => `${r.type} ${r.props.name ?? r.props.arn ?? r.id}`);
            expect(left.sort()).to.deep.equal(
                [
                    `aws:secretsmanager/secret:Secret ${EXTERNAL}`,
                    `aws:secretsmanager/secret:Secret ${nameOf(handedOver)}`,
                    ...[handedOver, handedOver, externalArn, externalArn].map((a) => `aws:secretsmanager/secretVersion:SecretVersion ${a}`),
                    ...retained.filter((r) => r.type.startsWith("aws:iam/")).map((r) => `${r.type} ${r.props.name ?? r.props.arn ?? r.id}`),
                ].sort(),
            );
        });
    });

    describe("gateway: deploy after a taken Cognito domain, operate, destroy", function () {
        stepsInOrder();
        let ws: Workspace;
        before(async function () {
            ws = await Workspace.create(requireCli(this), SCALE);
            await ok(ws, "pulumi login --local");
        });
        after(async () => {
            await ws?.dispose();
        });

        it("fails clearly when the Cognito domain prefix is taken, then deploys with another one", async () => {
            ws.cloud.transact((s) => s.foreignDomains.push(COGNITO_DOMAIN_TAKEN));
            const commands = sectionCommands("The gateway topology");
            const up = commands.pop()!;
            for (const c of commands) {
                await ok(ws, c);
            }
            const failed = await sh(ws, up);
            expect(failed.code).to.not.equal(0);
            expect(failed.output).to.contain("Domain already associated with another user pool");
            await ok(
                ws,
                "pulumi config set cognitoDomainPrefix <unique prefix>".replace("<unique prefix>", PLACEHOLDERS["<unique prefix>"]),
            );
            await ok(ws, up);
            expect(checkEndState(ws.fake, { topology: "gateway", deploysServer: true }, BASIC)).to.deep.equal([]);
            // The deploy ended by listing, through the gateway and AgentCore Runtime, the tools of the
            // real server, which loaded its credentials from the secret and checked them with Zscaler.
            const outputs = await ws.outputs();
            expect(outputs.toolCount).to.be.greaterThan(100);
            const logins = ws.hosting.requests().filter((r) => r.action === "token");
            expect(logins.map((r) => [r.host, r.clientId, r.accepted])).to.deep.include([
                `${PLACEHOLDERS["<vanity domain>"]}.zslogin.net`,
                PLACEHOLDERS["<client id>"],
                true,
            ]);
        });

        it("answers status and invoke, changes nothing on a second up, and keeps the Cognito secret out of the state", async () => {
            const status = await ok(ws, "npm run status");
            expect(status.stdout).to.match(/Gateway\s+READY/);
            const invoke = await ok(ws, 'npm run invoke -- "list my zpa segment groups"');
            expect(invoke.stdout).to.contain("Finance and Engineering.");
            await ok(ws, "pulumi up --expect-no-changes");
            const cognitoSecret = ws.cloud.live("aws:cognito/userPoolClient:UserPoolClient")[0].props.clientSecret;
            expect(cognitoSecret).to.have.length(51);
            expect(ws.fake.list("oauth2")[0].data.config.customOauth2ProviderConfig.clientSecret).to.equal(cognitoSecret);
            expectNoSecrets((await ok(ws, "pulumi stack export")).stdout, [CLIENT_SECRET, cognitoSecret]);
        });

        it("replaces the Cognito domain for a new prefix, the old one deleted first (Cognito allows one per user pool)", async () => {
            const prefix = `${PLACEHOLDERS["<unique prefix>"]}-2`;
            await ok(ws, `pulumi config set cognitoDomainPrefix ${prefix}`);
            await ok(ws, "pulumi up");
            const [pool] = ws.cloud.live("aws:cognito/userPool:UserPool");
            const domains = ws.cloud.live("aws:cognito/userPoolDomain:UserPoolDomain");
            expect(domains.map((d) => [d.id, d.props.userPoolId])).to.deep.equal([[prefix, pool.id]]);
            const invoke = await ok(ws, 'npm run invoke -- "list my zpa segment groups"');
            expect(invoke.stdout).to.contain("Finance and Engineering.");
            await ok(ws, "pulumi up --expect-no-changes");
        });

        it("destroys everything and removes the stack", async () => {
            await ok(ws, "pulumi destroy");
            expect(endpointIds(ws.fake)).to.deep.equal([]);
            expect(ws.cloud.live()).to.deep.equal([]);
            await ok(ws, "pulumi stack rm gateway");
        });
    });

    describe("a killed pulumi up converges, whichever create it interrupts", function () {
        // The dynamic resources whose create is a request to AWS (the waits have none).
        // `emptiesMetadata`: the kill also lands while the local backend rewrites the metadata file
        // beside the state (it does so in place), which a real kill does now and then.
        const CREATES: { topology: "ecs" | "gateway"; op: string; kind: string; emptiesMetadata?: true }[] = [
            { topology: "ecs", op: "CreateApiKeyCredentialProvider", kind: "apikey", emptiesMetadata: true },
            { topology: "ecs", op: "CreateExpressGatewayService", kind: "ecs" },
            { topology: "ecs", op: "CreateHarness", kind: "harness" },
            { topology: "gateway", op: "CreateOauth2CredentialProvider", kind: "oauth2" },
            { topology: "gateway", op: "CreateAgentRuntime", kind: "runtime" },
            { topology: "gateway", op: "CreateGateway", kind: "gateway" },
            { topology: "gateway", op: "CreateGatewayTarget", kind: "target" },
            { topology: "gateway", op: "CreateHarness", kind: "harness" },
        ];
        let ws: Workspace;
        before(async function () {
            ws = await Workspace.create(requireCli(this), SCALE);
            await ok(ws, "pulumi login --local");
            for (const c of sectionCommands("Deploy").filter(
                (x) => x.startsWith("pulumi config set") || x.startsWith("pulumi stack init"),
            )) {
                await ok(ws, c);
            }
        });
        after(async () => {
            await ws?.dispose();
        });

        for (const { topology, op, kind, emptiesMetadata } of CREATES) {
            const cut = emptiesMetadata ? ", its state's metadata file left empty," : "";
            it(`${topology}: killed right after ${op} reached AWS${cut} then the README's steps: one of each, nothing pending, nothing to change`, async () => {
                await ok(ws, `pulumi config set topology ${topology}`);
                const before = ws.fake.callsTo(op).length;
                const running = ws.strays().map((p) => p.pid);
                const killed = await ws.run("pulumi up --yes", {
                    interrupt: { signal: "SIGKILL", when: () => ws.fake.callsTo(op).length > before },
                });
                expect(killed.signal ?? killed.code, killed.output).to.be.oneOf(["SIGKILL", 137]);
                // Left running while the README's steps run: the dynamic-provider host in the middle of the create, and the rest.
                expect(leftBehind(ws, running)).to.contain("cmd/dynamic-provider");
                if (emptiesMetadata) {
                    const attrs = path.join(localStacks(ws), "zscaler-mcp-harness", "dev.json.attrs");
                    expect(fs.statSync(attrs).size).to.be.greaterThan(0);
                    fs.truncateSync(attrs, 0);
                    const broken = await sh(ws, "pulumi cancel --yes");
                    expect(broken.code, broken.output).to.equal(1);
                    expect(broken.output).to.contain("failed to load checkpoint: EOF");
                }
                // The README: `pulumi stack export`, run before the refresh, shows what was being created.
                let pendingAws: { type: string; tags: Record<string, string> }[] = [];
                for (const c of sectionCommands("After an interrupted pulumi up")) {
                    if (c.startsWith("pulumi refresh")) {
                        const pending = JSON.parse((await ok(ws, "pulumi stack export")).stdout).deployment.pending_operations ?? [];
                        pendingAws = pending
                            .map((p: { resource: { type: string; inputs?: { tags?: Record<string, string> } } }) => p.resource)
                            .filter((r: { type: string }) => r.type.startsWith("aws:"))
                            .map((r: { type: string; inputs?: { tags?: Record<string, string> } }) => ({
                                type: r.type,
                                tags: r.inputs?.tags ?? {},
                            }));
                    }
                    await ok(ws, c);
                }
                expect(checkEndState(ws.fake, { topology, deploysServer: true }, BASIC)).to.deep.equal([]);
                expect(ws.fake.list(kind as any).filter((r) => r.status !== "INACTIVE")).to.have.length(1);
                const exported = JSON.parse((await ok(ws, "pulumi stack export")).stdout);
                expect(exported.deployment.pending_operations ?? []).to.deep.equal([]);
                await ok(ws, "pulumi preview --expect-no-changes");
                await ok(ws, "pulumi destroy");
                expect(endpointIds(ws.fake)).to.deep.equal([]);
                // Of the @pulumi/aws resources, only what the README says may stay: one the CLI was killed
                // in the middle of creating (a generated name, so never taken over), listed as pending
                // before the refresh and carrying the stack's tags, for the user to delete by them.
                const left = ws.cloud.live();
                for (const r of left) {
                    const pending = pendingAws.findIndex((p) => p.type === r.type);
                    expect(pending, `${r.type} ${r.id} was not pending when the CLI was killed`).to.be.greaterThan(-1);
                    expect(r.props.tags, `${r.type} ${r.id}`).to.include(pendingAws[pending].tags).and.include({ "pulumi-stack": "dev" });
                    pendingAws.splice(pending, 1);
                }
                ws.cloud.transact((state) => {
                    state.resources = state.resources.filter((r) => !left.some((l) => l.id === r.id));
                });
                expect(ws.cloud.live()).to.deep.equal([]);
            });
        }
    });

    describe("two deployments of one stack name, on two backends, in one account", function () {
        stepsInOrder();
        let ws: Workspace;
        /** The first deployment as the account holds it: the endpoint's resources and the plugin's. */
        let firstInAccount: string;
        const inAccount = () =>
            JSON.stringify({
                endpoint: ws.fake.list().map((r) => [r.kind, r.id, r.data]),
                plugin: ws.cloud.live().map((r) => [r.type, r.id, r.props]),
            });
        before(async function () {
            ws = await Workspace.create(requireCli(this), SCALE);
            await serveOwnServer(ws);
        });
        after(async () => {
            await ws?.dispose();
        });

        it("refuses the second stack's up before it touches anything of the first", async () => {
            const commands = sectionCommands("Your own MCP server");
            await ok(ws, "pulumi login --local");
            for (const c of commands) {
                await ok(ws, c);
            }
            const first = await ws.outputs();
            firstInAccount = inAccount();
            // Another backend (another Pulumi organization, CI beside a laptop): the same project,
            // stack name and configuration file, so the same names and project and stack tags.
            fs.mkdirSync(path.join(ws.dir, "backend-2"));
            await ok(ws, `pulumi login file://${path.join(ws.dir, "backend-2")}`);
            for (const c of commands.filter((c) => !c.startsWith("pulumi up"))) {
                await ok(ws, c);
            }
            const calls = ws.fake.calls.length;
            const refused = await sh(ws, "pulumi up --yes");
            expect(refused.code).to.not.equal(0);
            expect(refused.output).to.match(
                /API-key credential provider "[^"]+" already exists and belongs to another deployment of the same project and stack name \(another backend or Pulumi organization: it has pulumi-stack-id=[0-9a-f]{32}, this stack is pulumi-stack-id=[0-9a-f]{32}\)/,
            );
            expect(refused.output).to.contain(first.stackId);
            expect(refused.output).to.not.match(STACK_FRAME);
            // Looked at, never changed: the one change the endpoint saw is the refused create of the name.
            const changes = ws.fake.calls.slice(calls).filter((c) => MUTATING.test(c.op));
            expect(changes.map((c) => `${c.op} ${c.error ?? "ok"}`)).to.deep.equal(["CreateApiKeyCredentialProvider ConflictException"]);
            expect(JSON.stringify(ws.fake.list().map((r) => [r.kind, r.id, r.data]))).to.equal(
                JSON.stringify(JSON.parse(firstInAccount).endpoint),
            );
        });

        it("destroys the second without touching the first, which still has no changes to make", async () => {
            await ok(ws, "pulumi destroy");
            expect(inAccount()).to.equal(firstInAccount);
            await ok(ws, "pulumi login --local");
            await ok(ws, "pulumi preview --expect-no-changes");
        });

        it("destroys the first, and leaves the account empty", async () => {
            await ok(ws, "pulumi destroy");
            expect(endpointIds(ws.fake)).to.deep.equal([]);
            expect(ws.cloud.live()).to.deep.equal([]);
        });
    });

    describe("the README", () => {
        it("shows no command a user would type that this suite did not run", function () {
            if (EXECUTED.length === 0) {
                this.skip(); // the suites above were skipped (no CLI), and said so loudly
            }
            expect(readmeCommandsNotRun()).to.deep.equal([]);
        });
    });
});
