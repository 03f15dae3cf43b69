import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { awsSettingsFromConfig, durationSeconds, useAwsSettings } from "../../providers/awsIdentity";
import { harnessProvider } from "../../providers/harness";
import { expressGatewayServiceProvider } from "../../providers/expressGatewayService";
import { rejection, useFakeAws } from "../support/fakeAwsHooks";

const HARNESS = {
    region: "us-east-1",
    harnessName: "identity_harness",
    executionRoleArn: "arn:aws:iam::123456789012:role/x",
    model: { bedrockModelConfig: { modelId: "m" } },
    systemPrompt: [{ text: "p" }],
    tools: [{ type: "remote_mcp", name: "zscaler", config: { remoteMcp: { url: "https://a.example.com/mcp" } } }],
} as any;
const SERVICE = {
    region: "us-east-1",
    serviceName: "identity-svc",
    cluster: "c",
    executionRoleArn: "arn:aws:iam::123456789012:role/e",
    infrastructureRoleArn: "arn:aws:iam::123456789012:role/i",
    healthCheckPath: "/health",
    cpu: "1024",
    memory: "2048",
    hostValidation: "auto",
    allowedHosts: [],
    container: {
        image: "public.ecr.aws/a/b:1",
        containerPort: 8000,
        logGroup: "/ecs/x",
        logStreamPrefix: "mcp",
        environment: {},
        secrets: {},
    },
} as any;

describe("the stack's aws:* settings decide who the dynamic providers act as", () => {
    const ctx = useFakeAws();
    let home: string;
    const saved = { HOME: process.env.HOME, AWS_PROFILE: process.env.AWS_PROFILE };
    beforeEach(() => {
        home = fs.mkdtempSync(path.join(os.tmpdir(), "aws-home-"));
        fs.mkdirSync(path.join(home, ".aws"));
        fs.writeFileSync(
            path.join(home, ".aws", "credentials"),
            "[team-profile]\naws_access_key_id = AKIAPROFILEKEY000001\naws_secret_access_key = profile-secret\n",
        );
        fs.writeFileSync(path.join(home, ".aws", "config"), "[profile team-profile]\nregion = us-east-1\n");
        process.env.HOME = home;
    });
    afterEach(() => {
        useAwsSettings({});
        process.env.HOME = saved.HOME;
        fs.rmSync(home, { recursive: true, force: true });
    });

    it("reads every aws:* setting the way the CLI stores it", () => {
        const config: Record<string, string> = {
            "aws:profile": "team-profile",
            "aws:assumeRoles": JSON.stringify([
                { roleArn: "arn:aws:iam::210987654321:role/deployer", sessionName: "ci", externalId: "x-1", duration: "1h30m" },
            ]),
            "aws:allowedAccountIds": JSON.stringify(["210987654321"]),
            "aws:endpoints": JSON.stringify([{ sts: "http://127.0.0.1:1" }, { bedrockagentcore: "http://127.0.0.1:2" }]),
            "aws:maxRetries": "5",
        };
        expect(awsSettingsFromConfig((k) => config[k])).to.deep.equal({
            profile: "team-profile",
            assumeRoles: [{ roleArn: "arn:aws:iam::210987654321:role/deployer", sessionName: "ci", externalId: "x-1", duration: "1h30m" }],
            allowedAccountIds: ["210987654321"],
            endpoints: { sts: "http://127.0.0.1:1", bedrockagentcore: "http://127.0.0.1:2" },
            maxRetries: 5,
        });
        expect(durationSeconds("1h30m")).to.equal(5400);
        expect(awsSettingsFromConfig(() => undefined)).to.deep.equal({});
    });

    it("signs every call of every resource kind with the profile's key, not the environment's", async () => {
        useAwsSettings({ profile: "team-profile" });
        await harnessProvider.create!(HARNESS);
        await expressGatewayServiceProvider.create!(SERVICE);
        const keys = new Set(ctx.fake.calls.map((c) => c.accessKeyId));
        expect([...keys]).to.deep.equal(["AKIAPROFILEKEY000001"]);
        expect(ctx.fake.calls.map((c) => c.service)).to.include.members(["bedrock-agentcore-control", "ecs"]);
    });

    it("assumes each role in turn and signs every call with the last one's temporary key", async () => {
        useAwsSettings({
            assumeRoles: [
                { roleArn: "arn:aws:iam::123456789012:role/hop", sessionName: "hop" },
                { roleArn: "arn:aws:iam::123456789012:role/deployer", sessionName: "deploy", externalId: "ext-42" },
            ],
        });
        await harnessProvider.create!(HARNESS);
        const assumed = ctx.fake.calls.filter((c) => c.op === "AssumeRole");
        expect(assumed.map((c) => [c.input.RoleArn, c.input.RoleSessionName, c.input.ExternalId])).to.deep.equal([
            ["arn:aws:iam::123456789012:role/hop", "hop", undefined],
            ["arn:aws:iam::123456789012:role/deployer", "deploy", "ext-42"],
        ]);
        // The second role was assumed with the first one's key.
        expect(assumed[0].accessKeyId).to.equal("AKIAFAKEFAKEFAKEFAKE");
        expect(assumed[1].accessKeyId).to.match(/^ASIA/);
        const others = ctx.fake.calls.filter((c) => c.op !== "AssumeRole");
        const keys = new Set(others.map((c) => c.accessKeyId));
        expect(keys.size).to.equal(1);
        expect([...keys][0])
            .to.match(/^ASIA/)
            .and.not.equal(assumed[1].accessKeyId);
        // One set of temporary credentials for the whole run, not one per call.
        const [created] = ctx.fake.list("harness");
        await harnessProvider.delete!(created.id, { ...HARNESS, harnessId: created.id, arn: created.data.arn, status: "READY" } as any);
        expect(ctx.fake.callsTo("DeleteHarness")).to.have.length(1);
        expect(ctx.fake.calls.filter((c) => c.op === "AssumeRole")).to.have.length(2);
    });

    it("refuses to touch an account aws:allowedAccountIds leaves out, before any AgentCore call", async () => {
        useAwsSettings({ allowedAccountIds: ["210987654321"] });
        const err = await rejection(harnessProvider.create!(HARNESS));
        expect(err.message).to.equal(
            "These credentials act in account 123456789012, which aws:allowedAccountIds (210987654321) does not allow. " +
                "Use the stack's intended account (aws:profile, aws:assumeRoles), or change aws:allowedAccountIds.",
        );
        expect(ctx.fake.calls.map((c) => c.op)).to.deep.equal(["GetCallerIdentity"]);
    });

    it("checks the account again after a check that could not be made, and once for every resource type the engine configures", async () => {
        useAwsSettings({ allowedAccountIds: ["123456789012"], maxRetries: 0 });
        ctx.fake.serverError("GetCallerIdentity", 1);
        const err = await rejection(harnessProvider.create!(HARNESS));
        expect(err.message).to.equal("An internal error has occurred.");
        expect(ctx.fake.list("harness")).to.deep.equal([]);
        // The engine configures each provider with the same settings before it uses it.
        useAwsSettings({ allowedAccountIds: ["123456789012"], maxRetries: 0 });
        await harnessProvider.create!(HARNESS);
        useAwsSettings({ allowedAccountIds: ["123456789012"], maxRetries: 0 });
        await expressGatewayServiceProvider.create!(SERVICE);
        expect(ctx.fake.callsTo("GetCallerIdentity")).to.have.length(2);
    });

    it("refuses an account aws:forbiddenAccountIds names", async () => {
        useAwsSettings({ forbiddenAccountIds: ["123456789012"] });
        const err = await rejection(expressGatewayServiceProvider.create!(SERVICE));
        expect(err.message).to.contain("which aws:forbiddenAccountIds forbids");
        expect(ctx.fake.calls.filter((c) => c.service === "ecs")).to.deep.equal([]);
    });
});
