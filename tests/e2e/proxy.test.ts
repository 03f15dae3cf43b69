/**
 * A machine behind an inspecting proxy, as many of Zscaler's customers deploy from: no
 * AWS_ENDPOINT_URL, so the program and the commands call AWS's own https endpoints, which only the
 * proxy (mitmproxy, with its own CA) reaches. Without the CA setting every part fails with the
 * message that names the inspection and the setting; with it, both topologies deploy and every
 * operator command works, each request having gone through the proxy.
 */
import { expect } from "chai";
import { sectionCommands } from "./readme";
import { requireCli, sh, stepsInOrder } from "./steps";
import { Workspace } from "./workspace";

const SCALE = 0.01;
const INSPECTED =
    /the certificate for [a-z0-9.-]+\.amazonaws\.com was issued by mitmproxy, not by Amazon: your network inspects TLS(; |\. Fix: )point NODE_EXTRA_CA_CERTS and AWS_CA_BUNDLE at your organisation's CA bundle/;

async function must(ws: Workspace, command: string, code = 0) {
    const r = await sh(ws, command);
    expect(r.code, `${command}:\n${r.output}`).to.equal(code);
    return r;
}

describe("end to end behind a proxy that inspects TLS", function () {
    this.timeout(20 * 60_000);
    stepsInOrder();
    let ws: Workspace;

    before(async function () {
        ws = await Workspace.create(requireCli(this), SCALE);
        // IT put the organisation's CA in the system's store, which the aws provider (Go) reads and Node does not.
        ws.network = { awsThroughProxy: true, trustsProxy: false, systemTrustsProxy: true };
        // The configuration alone: doctor, preview and up are the tests below.
        const setup = sectionCommands("Deploy").filter((c) => c !== "npm ci" && !/^pulumi (preview|up)$/.test(c) && !/ doctor$/.test(c));
        for (const c of setup) {
            await must(ws, c);
        }
    });
    after(async () => {
        await ws?.dispose();
    });

    it("without the proxy's CA: doctor and up say the network inspects TLS and what to set", async () => {
        const doctor = await must(ws, "npm run doctor", 1);
        expect(doctor.stdout).to.match(new RegExp(`FAIL {2}connection {6}${INSPECTED.source}`));
        expect(doctor.stdout).to.match(/skip {2}credentials {5}needs a connection to AWS/);

        // Half a deploy, with the reason: the aws resources exist, the program's own stopped at the proxy.
        const up = await must(ws, "pulumi up", 1);
        expect(up.output).to.match(INSPECTED);
        expect(ws.cloud.live("aws:iam/role:Role").length).to.be.greaterThan(0);
        // The aws provider's own identity call went through (it trusts the system's store); nothing of the program's did.
        expect(ws.fake.calls.map((c) => c.op).filter((op) => op !== "GetCallerIdentity")).to.deep.equal([]);
    });

    it("with NODE_EXTRA_CA_CERTS and AWS_CA_BUNDLE naming the proxy's CA: an ECS stack deploys and every command works through the proxy", async () => {
        ws.network = { awsThroughProxy: true, trustsProxy: true, systemTrustsProxy: true };
        await must(ws, "pulumi up");
        const outputs = await ws.outputs();
        expect(outputs.toolCount).to.be.greaterThan(100);
        const doctor = await must(ws, "npm run doctor");
        expect(doctor.stdout, doctor.stdout).to.match(
            /ok {4}connection {6}sts\.us-east-1\.amazonaws\.com reached through the proxy http:\/\/127\.0\.0\.1:\d+; certificate issued by mitmproxy, trusted with NODE_EXTRA_CA_CERTS \S+ and AWS_CA_BUNDLE /,
        );
        expect((await must(ws, "npm run status")).stdout).to.match(/Status\s+READY/);
        expect((await must(ws, 'npm run invoke -- "list my zpa segment groups"')).stdout).to.contain("segment groups");
        await must(ws, "npm run logs");
        const reached = new Set(
            ws.hosting
                .requests()
                .filter((r) => r.action === "routed")
                .map((r) => r.host),
        );
        for (const host of [
            "sts.us-east-1.amazonaws.com",
            "bedrock-agentcore-control.us-east-1.amazonaws.com",
            "bedrock-agentcore.us-east-1.amazonaws.com",
            "ecs.us-east-1.amazonaws.com",
            "logs.us-east-1.amazonaws.com",
        ]) {
            expect([...reached], host).to.include(host);
        }
    });

    it("without the proxy's CA again: status, invoke and logs each say the same", async () => {
        ws.network = { awsThroughProxy: true, trustsProxy: false, systemTrustsProxy: true };
        for (const command of ["npm run status", 'npm run invoke -- "hello"', "npm run logs"]) {
            const r = await sh(ws, command);
            expect(r.code, `${command}:\n${r.output}`).to.not.equal(0);
            expect(r.output, command).to.match(INSPECTED);
        }
    });

    it("switches the same stack to the gateway topology through the proxy, then destroys it", async () => {
        ws.network = { awsThroughProxy: true, trustsProxy: true, systemTrustsProxy: true };
        await must(ws, "pulumi config set topology gateway");
        await must(ws, "pulumi up");
        expect((await ws.outputs()).toolCount).to.be.greaterThan(100);
        await must(ws, "pulumi destroy");
        expect(ws.fake.list("harness")).to.deep.equal([]);
    });
});
