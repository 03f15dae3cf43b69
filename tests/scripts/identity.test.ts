import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main } from "../../scripts/cli";
import { ACCOUNT, DEFAULT_ACCESS_KEY_ID, RecordedCall } from "../fakeaws/server";
import { useFakeAws } from "../support/fakeAwsHooks";
import { createHarness, Entry, stackConfig, stackIo } from "./support";

const PROFILE_KEY = "AKIAOPSPROFILEKEY001";
const STATIC_KEY = "AKIASTATICSTACKKEY01";
const STATIC_SECRET = "static-secret-that-must-never-show";
const ROLE = "arn:aws:iam::123456789012:role/operator";

const COMMANDS = [["status"], ["logs"], ["invoke", "list my zpa segment groups"], ["doctor"]];

describe("the operator commands act as the stack's AWS identity", () => {
    const ctx = useFakeAws();
    const savedEnv: Record<string, string | undefined> = {};
    let home: string;
    let outputs: Record<string, string>;

    beforeEach(async () => {
        // A home with one profile whose key is not the environment's.
        home = fs.mkdtempSync(path.join(os.tmpdir(), "operator-home-"));
        fs.mkdirSync(path.join(home, ".aws"));
        fs.writeFileSync(path.join(home, ".aws", "config"), "[profile ops]\nregion = us-east-1\n");
        fs.writeFileSync(
            path.join(home, ".aws", "credentials"),
            `[ops]\naws_access_key_id = ${PROFILE_KEY}\naws_secret_access_key = ops-profile-secret\n`,
        );
        for (const k of ["HOME", "AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"]) {
            savedEnv[k] = process.env[k];
            delete process.env[k];
        }
        process.env.HOME = home;
        ctx.fake.identities.set(PROFILE_KEY, {
            arn: `arn:aws:iam::${ACCOUNT}:user/operator`,
            userId: "AIDAOPERATOR00000001",
            account: ACCOUNT,
        });
        const { arn, id } = await createHarness();
        ctx.clock.advance(10_000);
        const runtimeId = ctx.fake.find("harness", id)!.data.runtimeId as string;
        ctx.fake.putLogEvents(`/aws/bedrock-agentcore/runtimes/${runtimeId}-DEFAULT`, [
            { timestamp: ctx.clock.now() - 1000, message: "tool zpa_list_segment_groups ok" },
        ]);
        outputs = { harnessArn: arn, region: "us-east-1", topology: "ecs" };
        // Only the commands' own calls count.
        ctx.fake.calls.length = 0;
    });

    afterEach(() => {
        for (const [k, v] of Object.entries(savedEnv)) {
            if (v === undefined) {
                delete process.env[k];
            } else {
                process.env[k] = v;
            }
        }
        fs.rmSync(home, { recursive: true, force: true });
    });

    /** Runs each command against the stack; returns the calls each one made. */
    async function runEach(
        config: Record<string, Entry>,
        revealed?: Record<string, string>,
    ): Promise<Map<string, { calls: RecordedCall[]; io: ReturnType<typeof stackIo> }>> {
        const made = new Map<string, { calls: RecordedCall[]; io: ReturnType<typeof stackIo> }>();
        for (const argv of COMMANDS) {
            const io = stackIo(config, outputs, revealed);
            const before = ctx.fake.calls.length;
            const code = await main(argv, io);
            expect(code, `npm run ${argv[0]}: ${io.screen.join("")}`).to.equal(0);
            made.set(argv[0], { calls: ctx.fake.calls.slice(before), io });
        }
        return made;
    }

    it("signs every call of status, logs, invoke and doctor with the key of the stack's aws:profile, not the environment's", async () => {
        const made = await runEach(stackConfig({ "aws:profile": { value: "ops", secret: false } }));
        for (const [command, { calls, io }] of made) {
            expect(calls.length, command).to.be.greaterThan(0);
            expect(
                calls.map((c) => `${c.op} ${c.accessKeyId}`),
                command,
            ).to.deep.equal(calls.map((c) => `${c.op} ${PROFILE_KEY}`));
            // No secret aws:* key: the configuration is read without --show-secrets.
            expect(
                io.pulumiCalls.filter((a) => a.includes("--show-secrets")),
                command,
            ).to.deep.equal([]);
        }
        expect(made.get("doctor")!.io.out.join("")).to.contain(
            `ok    credentials     account ${ACCOUNT} as arn:aws:iam::${ACCOUNT}:user/operator\n`,
        );
        expect(ctx.fake.callsTo("InvokeHarness")).to.have.length(1);
    });

    it("assumes the stack's aws:assumeRoles once per command, from the profile's key, and signs every other call with the role's temporary key", async () => {
        const roles = [{ roleArn: ROLE, sessionName: "ops-session", externalId: "ext-42", duration: "15m" }];
        const made = await runEach(
            stackConfig({
                "aws:profile": { value: "ops", secret: false },
                "aws:assumeRoles": { value: JSON.stringify(roles), secret: false },
            }),
        );
        for (const [command, { calls }] of made) {
            const [assume, ...rest] = calls;
            expect([assume.op, assume.accessKeyId], command).to.deep.equal(["AssumeRole", PROFILE_KEY]);
            expect(assume.input, command).to.deep.equal({
                RoleArn: ROLE,
                RoleSessionName: "ops-session",
                ExternalId: "ext-42",
                DurationSeconds: 900,
            });
            expect(rest.length, command).to.be.greaterThan(0);
            // The key AssumeRole answered with: the endpoint knows it as the role's session.
            const roleKey = rest[0].accessKeyId!;
            expect(roleKey, command).to.match(/^ASIA/);
            expect(ctx.fake.identities.get(roleKey)!.arn, command).to.equal("arn:aws:sts::123456789012:assumed-role/operator/ops-session");
            expect(
                rest.map((c) => `${c.op} ${c.accessKeyId}`),
                command,
            ).to.deep.equal(rest.map((c) => `${c.op} ${roleKey}`));
        }
        expect(made.get("doctor")!.io.out.join("")).to.contain(
            "account 123456789012 as arn:aws:sts::123456789012:assumed-role/operator/ops-session\n",
        );
    });

    it("doctor says so when the stack's identity may not assume the role", async () => {
        const roles = [{ roleArn: ROLE }];
        ctx.fake.denyNext(
            "AssumeRole",
            `User: arn:aws:iam::${ACCOUNT}:user/local-tester is not authorized to perform: sts:AssumeRole on resource: ${ROLE}`,
        );
        const io = stackIo(stackConfig({ "aws:assumeRoles": { value: JSON.stringify(roles), secret: false } }), outputs);
        expect(await main(["doctor"], io)).to.equal(1);
        expect(io.out.join("")).to.contain(
            `FAIL  credentials     the stack's identity may not assume the role in aws:assumeRoles (User: arn:aws:iam::${ACCOUNT}:user/local-tester is not authorized to perform: sts:AssumeRole on resource: ${ROLE}). ` +
                "Fix: allow it in the role's trust policy and in the identity's own policies, or correct aws:assumeRoles\n",
        );
        expect(ctx.fake.calls.map((c) => [c.op, c.error])).to.deep.equal([["AssumeRole", "AccessDenied"]]);
    });

    it("reads a secret aws:secretKey with --show-secrets, signs with it, and never shows it", async () => {
        const config = stackConfig({ "aws:accessKey": { value: STATIC_KEY, secret: false }, "aws:secretKey": { secret: true } });
        const made = await runEach(config, { "aws:secretKey": STATIC_SECRET });
        for (const [command, { calls, io }] of made) {
            expect(calls.length, command).to.be.greaterThan(0);
            expect(
                calls.every((c) => c.accessKeyId === STATIC_KEY),
                command,
            ).to.equal(true);
            expect(
                io.pulumiCalls.filter((a) => a[0] === "config"),
                command,
            ).to.deep.include(["config", "--json", "--show-secrets"]);
            expect(io.screen.join(""), command).to.not.contain(STATIC_SECRET);
        }
        // Doctor still validates the project's own secrets by their presence only.
        expect(made.get("doctor")!.io.out.join("")).to.contain("ok    configuration   valid\n");
    });

    it("refuses an account aws:allowedAccountIds excludes: doctor's credentials check fails, status and invoke stop before AgentCore", async () => {
        const config = stackConfig({ "aws:allowedAccountIds": { value: '["999999999999"]', secret: false } });
        const doctor = stackIo(config, outputs);
        expect(await main(["doctor"], doctor)).to.equal(1);
        const lines = doctor.out.join("").split("\n");
        expect(lines).to.include(
            "FAIL  credentials     account 123456789012 is not one the stack allows (aws:allowedAccountIds). " +
                "Fix: use credentials for the stack's account (pulumi config set aws:profile <profile>, or aws:assumeRoles), or change aws:allowedAccountIds",
        );
        // agentcore, model, network, image, iam, names, and the deployed stack's tools and traces.
        expect(lines.filter((l) => l.startsWith("skip")).map((l) => l.split(/\s+/)[1])).to.deep.equal([
            "agentcore",
            "model",
            "network",
            "image",
            "iam",
            "names",
            "tools",
            "traces",
        ]);
        expect(ctx.fake.calls.map((c) => c.op)).to.deep.equal(["GetCallerIdentity"]);

        for (const argv of [["status"], ["invoke", "hello"], ["logs"]]) {
            ctx.fake.calls.length = 0;
            const io = stackIo(config, outputs);
            expect(await main(argv, io), argv[0]).to.equal(1);
            expect(io.err.join(""), argv[0]).to.equal(
                "These credentials act in account 123456789012, which aws:allowedAccountIds (999999999999) does not allow. " +
                    "Use the stack's intended account (aws:profile, aws:assumeRoles), or change aws:allowedAccountIds.\n",
            );
            expect(
                ctx.fake.calls.map((c) => c.op),
                argv[0],
            ).to.deep.equal(["GetCallerIdentity"]);
        }
    });

    it("refuses an account aws:forbiddenAccountIds names", async () => {
        const config = stackConfig({ "aws:forbiddenAccountIds": { value: `["${ACCOUNT}"]`, secret: false } });
        const io = stackIo(config, outputs);
        expect(await main(["status"], io)).to.equal(1);
        expect(io.err.join("")).to.contain(`These credentials act in account ${ACCOUNT}, which aws:forbiddenAccountIds forbids.`);
        expect(ctx.fake.callsTo("GetHarness")).to.deep.equal([]);
    });

    it("sends each service's calls to the stack's aws:endpoints, and retries as aws:maxRetries says", async () => {
        const keys = ["bedrockagentcore", "ecs", "logs", "sts", "ec2", "ecr", "cognitoidp", "secretsmanager", "bedrock", "iam", "xray"];
        const endpoints = JSON.stringify(keys.map((k) => ({ [k]: ctx.fake.url })));
        // Nothing answers at the environment's endpoint: only the stack's endpoints lead to AWS.
        const saved = process.env.AWS_ENDPOINT_URL;
        process.env.AWS_ENDPOINT_URL = "http://127.0.0.1:1";
        try {
            const config = stackConfig({
                "aws:endpoints": { value: endpoints, secret: false },
                "aws:maxRetries": { value: "0", secret: false },
            });
            for (const argv of [["status"], ["logs"], ["doctor"]]) {
                const io = stackIo(config, outputs);
                expect(await main(argv, io), `${argv[0]}: ${io.screen.join("")}`).to.equal(0);
            }
            ctx.fake.throttle("GetHarness", 1);
            const io = stackIo(config, outputs);
            expect(await main(["status"], io)).to.equal(1);
            expect(io.err.join("")).to.match(/^ThrottlingException: /);
            expect(ctx.fake.callsTo("GetHarness").at(-1)!.error).to.equal("ThrottlingException");
        } finally {
            process.env.AWS_ENDPOINT_URL = saved;
        }
    });

    it("without the stack (--harness-arn) reads no configuration and uses the SDK's default chain", async () => {
        const io = stackIo(stackConfig({ "aws:profile": { value: "ops", secret: false } }), outputs);
        expect(await main(["status", "--harness-arn", outputs.harnessArn], io)).to.equal(0);
        expect(io.pulumiCalls).to.deep.equal([]);
        expect(ctx.fake.calls.map((c) => [c.op, c.accessKeyId])).to.deep.equal([["GetHarness", DEFAULT_ACCESS_KEY_ID]]);
    });

    it("gives the process's own aws:* settings back when a command ends", async () => {
        const awsIdentity = await import("../../providers/awsIdentity");
        awsIdentity.useAwsSettings({ maxRetries: 7 });
        try {
            await main(["status"], stackIo(stackConfig({ "aws:profile": { value: "ops", secret: false } }), outputs));
            expect(awsIdentity.currentAwsSettings()).to.deep.equal({ maxRetries: 7 });
        } finally {
            awsIdentity.useAwsSettings({});
        }
    });
});
