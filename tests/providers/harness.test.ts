import { expect } from "chai";
import { harnessProvider, HarnessInputs, HarnessOutputs } from "../../providers/harness";

type Created = { id: string; outs: HarnessOutputs };
import { installClock, UNKNOWN } from "../../providers/lifecycle";
import { rejection, useFakeAws } from "../support/fakeAwsHooks";

const PROVIDER_ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/apikeycredentialprovider/zscaler-mcp-creds-dev";

function inputs(over: Partial<HarnessInputs> = {}): HarnessInputs {
    return {
        region: "us-east-1",
        harnessName: "zscaler_mcp_harness_dev",
        executionRoleArn: "arn:aws:iam::123456789012:role/harness-exec",
        model: { bedrockModelConfig: { modelId: "us.anthropic.claude-sonnet-4-5-20250929-v1:0", maxTokens: 8192, temperature: 0.2 } },
        systemPrompt: [{ text: "You are a Zscaler admin assistant." }],
        tools: [
            {
                type: "remote_mcp",
                name: "zscaler",
                config: { remoteMcp: { url: "https://abc.ecs.us-east-1.on.aws/mcp", headers: { Authorization: `\${${PROVIDER_ARN}}` } } },
            },
        ],
        maxIterations: 40,
        tags: { "managed-by": "zscaler-mcp-harness" },
        ...over,
    };
}

describe("Harness provider", () => {
    const ctx = useFakeAws();

    it("creates the harness with a client token and waits until it is READY", async () => {
        const res = await harnessProvider.create!(inputs());
        expect(res.id).to.match(/^zscaler_mcp_harness_dev-[a-zA-Z0-9]{10}$/);
        expect(res.outs!.status).to.equal("READY");
        expect(res.outs!.arn).to.equal(`arn:aws:bedrock-agentcore:us-east-1:123456789012:harness/${res.id}`);
        expect(res.outs!.runtimeId).to.match(/^harness_zscaler_mcp_harness_dev/);
        const [call] = ctx.fake.callsTo("CreateHarness");
        expect(call.input.clientToken).to.be.a("string").with.length.greaterThanOrEqual(33);
        // The Token Vault reference reaches AWS exactly as written.
        expect((call.input.tools as any)[0].config.remoteMcp.headers.Authorization).to.equal(`\${${PROVIDER_ARN}}`);
        expect(call.input.maxIterations).to.equal(40);
        expect(ctx.fake.callsTo("GetHarness").length).to.be.greaterThanOrEqual(2);
    });

    it("reads back without drift and returns nothing once the harness is gone", async () => {
        const { id, outs } = (await harnessProvider.create!(inputs())) as Created;
        const read = await harnessProvider.read!(id, outs);
        expect(read.id).to.equal(id);
        const d = await harnessProvider.diff!(id, read.props!, inputs());
        expect(d.changes).to.equal(false);
        ctx.fake.deleteBehindBack("harness", id);
        expect(await harnessProvider.read!(id, outs)).to.deep.equal({});
    });

    it("changes the system prompt, model and tools in place with UpdateHarness", async () => {
        const { id, outs } = (await harnessProvider.create!(inputs())) as Created;
        const news = inputs({
            systemPrompt: [{ text: "New prompt" }],
            model: { bedrockModelConfig: { modelId: "us.amazon.nova-pro-v1:0", maxTokens: 4096, temperature: 0.1 } },
            tags: { "managed-by": "zscaler-mcp-harness", team: "secops" },
        });
        const d = await harnessProvider.diff!(id, outs, news);
        expect(d).to.include({ changes: true, deleteBeforeReplace: false });
        expect(d.replaces).to.deep.equal([]);
        const up = await harnessProvider.update!(id, outs, news);
        expect(up.outs!.status).to.equal("READY");
        expect(up.outs!.harnessId).to.equal(id);
        const rec = ctx.fake.find("harness", id)!;
        expect(rec.data.systemPrompt).to.deep.equal([{ text: "New prompt" }]);
        expect(rec.data.model.bedrockModelConfig.modelId).to.equal("us.amazon.nova-pro-v1:0");
        expect(rec.data.tags).to.deep.equal({ "managed-by": "zscaler-mcp-harness", team: "secops" });
        expect(ctx.fake.callsTo("CreateHarness")).to.have.length(1);
    });

    it("classifies every input: the name and region replace, the rest update", async () => {
        const base = { ...inputs(), harnessId: "x-0123456789", arn: "arn", status: "READY" };
        const cases: [keyof HarnessInputs, unknown, "update" | "replace"][] = [
            ["harnessName", "other_name", "replace"],
            ["region", "us-west-2", "replace"],
            ["executionRoleArn", "arn:aws:iam::123456789012:role/other", "update"],
            ["model", { bedrockModelConfig: { modelId: "m2" } }, "update"],
            ["systemPrompt", [{ text: "p" }], "update"],
            ["tools", [], "update"],
            ["maxIterations", 10, "update"],
            ["maxTokens", 10, "update"],
            ["timeoutSeconds", 10, "update"],
            ["memory", { agentCoreMemoryConfiguration: { arn: "a" } }, "update"],
            ["tags", { a: "b" }, "update"],
        ];
        for (const [field, value, kind] of cases) {
            const d = await harnessProvider.diff!("x", base, { ...inputs(), [field]: value });
            expect(d.changes, field).to.equal(true);
            expect(d.replaces, field).to.deep.equal(kind === "replace" ? [field] : []);
        }
        const renamed = await harnessProvider.diff!("x", base, inputs({ harnessName: "other_name" }));
        expect(renamed.deleteBeforeReplace).to.equal(false);
        const moved = await harnessProvider.diff!("x", base, inputs({ region: "us-west-2" }));
        expect(moved.deleteBeforeReplace).to.equal(true);
    });

    it("treats an unknown preview value as a change and key order as no change", async () => {
        const base = { ...inputs(), harnessId: "x", arn: "arn", status: "READY" };
        const unknown = await harnessProvider.diff!("x", base, inputs({ executionRoleArn: UNKNOWN }));
        expect(unknown.changes).to.equal(true);
        const reordered = inputs({
            model: { bedrockModelConfig: { temperature: 0.2, maxTokens: 8192, modelId: "us.anthropic.claude-sonnet-4-5-20250929-v1:0" } },
        });
        expect((await harnessProvider.diff!("x", base, reordered)).changes).to.equal(false);
    });

    it("replaces a harness whose create failed on the next up", async () => {
        const base = { ...inputs(), harnessId: "x", arn: "arn", status: "CREATE_FAILED" };
        const d = await harnessProvider.diff!("x", base, inputs());
        expect(d).to.include({ changes: true, deleteBeforeReplace: true });
        expect(d.replaces).to.deep.equal(["status"]);
    });

    it("rejects bad input offline in check", async () => {
        const { failures } = await harnessProvider.check!({} as HarnessInputs, inputs({ harnessName: "has-hyphens" }));
        expect(failures).to.deep.equal([
            {
                property: "harnessName",
                reason: 'harnessName "has-hyphens" is not valid: a letter, then up to 39 letters, digits or underscores; no hyphens',
            },
        ]);
        const missing = await harnessProvider.check!({} as HarnessInputs, { region: "us-east-1" } as HarnessInputs);
        expect(missing.failures!.map((f) => f.property)).to.deep.equal(["harnessName", "executionRoleArn", "model", "tools"]);
    });

    it("accepts values that are unknown during preview", async () => {
        const { failures } = await harnessProvider.check!(
            {} as HarnessInputs,
            inputs({ executionRoleArn: UNKNOWN, tools: UNKNOWN as any }),
        );
        expect(failures).to.deep.equal([]);
    });

    it("retries throttling, server errors and IAM propagation on create", async () => {
        ctx.fake.throttle("CreateHarness", 2);
        ctx.fake.serverError("CreateHarness", 1);
        ctx.fake.iamPropagation("CreateHarness", 2);
        const res = await harnessProvider.create!(inputs());
        expect(res.outs!.status).to.equal("READY");
        const calls = ctx.fake.callsTo("CreateHarness");
        expect(calls.map((c) => c.error ?? "ok")).to.deep.equal([
            "ThrottlingException",
            "ThrottlingException",
            "InternalServerException",
            "ValidationException",
            "ValidationException",
            "ok",
        ]);
        // Every attempt reuses one client token, so AWS can tell retries from new requests.
        expect(new Set(calls.map((c) => c.input.clientToken)).size).to.equal(1);
    });

    it("retries AgentCore's quota error for a throttled service-linked role, and creates the harness", async () => {
        ctx.fake.serviceLinkedRoleThrottled("CreateHarness", 3);
        const res = await harnessProvider.create!(inputs());
        expect(res.outs!.status).to.equal("READY");
        expect(ctx.fake.callsTo("CreateHarness").map((c) => c.error ?? "ok")).to.deep.equal([
            "ServiceQuotaExceededException",
            "ServiceQuotaExceededException",
            "ServiceQuotaExceededException",
            "ok",
        ]);
    });

    it("names IAM's throttling of the service-linked role, not a quota, when it outlasts the retry window", async () => {
        ctx.fake.serviceLinkedRoleThrottled("CreateHarness", 10_000);
        const err = await rejection(harnessProvider.create!(inputs()));
        expect(err.message).to.contain('create harness "zscaler_mcp_harness_dev": still failing after');
        expect(err.message).to.contain(
            "IAM is throttling the creation of the service-linked role AgentCore makes on first use (AWSServiceRoleForBedrockAgentCoreRuntimeIdentity)",
        );
        expect(err.message).to.contain("ServiceQuotaExceededException (HTTP 402)");
        expect(err.message).to.contain("no quota of your account is exhausted. Wait a few minutes and run pulumi up again");
        expect(err.message).to.contain(
            "aws iam create-service-linked-role --aws-service-name runtime-identity.bedrock-agentcore.amazonaws.com",
        );
        const calls = ctx.fake.callsTo("CreateHarness");
        expect(calls.length).to.be.greaterThan(3);
        // Retried for the whole window (2 minutes of AWS time), then given up: no harness was made.
        expect(calls[calls.length - 1].at - calls[0].at).to.be.within(60_000, 120_000);
        expect(ctx.fake.list("harness")).to.have.length(0);
    });

    it("does not retry a validation error that is not IAM propagation", async () => {
        const err = await rejection(harnessProvider.create!(inputs({ executionRoleArn: "arn:aws:iam::123456789012:user/not-a-role" })));
        expect(err.name).to.equal("ValidationException");
        expect(ctx.fake.callsTo("CreateHarness")).to.have.length(1);
    });

    it("keeps the harness in state with its reasons when it lands in CREATE_FAILED", async () => {
        ctx.fake.failNext("harness", ["Model access denied for us.anthropic.claude"]);
        const err = await rejection(harnessProvider.create!(inputs()));
        expect(err.message).to.match(/harness "zscaler_mcp_harness_dev" \(.*\) reached status CREATE_FAILED: Model access denied/);
        expect(err.id).to.match(/^zscaler_mcp_harness_dev-/);
        expect(err.properties.status).to.equal("CREATE_FAILED");
        expect(err.properties.harnessName).to.equal("zscaler_mcp_harness_dev");
    });

    it("keeps waiting through throttling that outlasts one retry window, and records the harness READY", async () => {
        const created = harnessProvider.create!(inputs());
        // About five minutes of AWS time answering ThrottlingException to every read.
        ctx.fake.throttle("GetHarness", 40);
        const { outs } = (await created) as Created;
        expect(outs.status).to.equal("READY");
        const throttled = ctx.fake.callsTo("GetHarness").filter((c) => c.error === "ThrottlingException");
        expect(throttled).to.have.length(40);
        expect(throttled[throttled.length - 1].at - throttled[0].at).to.be.greaterThan(2 * 60_000);
    });

    it("gives up at the deadline naming the last status, and keeps the id", async () => {
        ctx.fake.neverReady("harness");
        const err = await rejection(harnessProvider.create!(inputs()));
        expect(err.message).to.match(/did not reach READY within 30 min; last status CREATING/);
        expect(err.id).to.be.a("string");
        // Polling backs off to one poll per 5 s: about 360 polls for 30 minutes, not 1800.
        expect(ctx.fake.callsTo("GetHarness").length).to.be.within(355, 370);
    });

    it("deletes, waits until the harness is gone, and treats not-found as done", async () => {
        const { id, outs } = (await harnessProvider.create!(inputs())) as Created;
        await harnessProvider.delete!(id, outs);
        expect(ctx.fake.list("harness")).to.have.length(0);
        await harnessProvider.delete!(id, outs);
        expect(ctx.fake.callsTo("DeleteHarness").map((c) => c.error ?? "ok")).to.deep.equal(["ok", "ResourceNotFoundException"]);
    });

    describe("a create that finds the name taken", () => {
        const OWN = {
            "managed-by": "zscaler-mcp-harness",
            "pulumi-project": "zscaler-mcp-harness",
            "pulumi-stack": "dev",
            "pulumi-stack-id": "5tack1d",
        };

        it("takes over this stack's own harness (a create recorded nowhere) and brings it to the inputs", async () => {
            const orphan = (await harnessProvider.create!(inputs({ tags: OWN, systemPrompt: [{ text: "old prompt" }] }))) as Created;
            const adopted = (await harnessProvider.create!(inputs({ tags: OWN }))) as Created;
            expect(adopted.id).to.equal(orphan.id);
            expect(adopted.outs.status).to.equal("READY");
            expect(ctx.fake.list("harness").map((h) => [h.id, h.data.systemPrompt[0].text])).to.deep.equal([
                [orphan.id, "You are a Zscaler admin assistant."],
            ]);
            expect(ctx.fake.callsTo("CreateHarness").map((c) => c.error ?? "ok")).to.deep.equal(["ok", "ConflictException"]);
            expect(ctx.fake.callsTo("UpdateHarness")).to.have.length(1);
        });

        it("waits for an own harness that is still being created before taking it over", async () => {
            const { sdk, client } = await import("../../providers/controlPlane").then((m) => m.controlClient("us-east-1"));
            const { harness } = await client.send(new sdk.CreateHarnessCommand({ ...inputs({ tags: OWN }), region: undefined } as any));
            const adopted = (await harnessProvider.create!(inputs({ tags: OWN }))) as Created;
            expect(adopted.id).to.equal(harness!.harnessId);
            expect(ctx.fake.callsTo("UpdateHarness").map((c) => c.error ?? "ok")).to.deep.equal(["ok"]);
        });

        it("refuses a harness of that name that is not this stack's, naming it and the way out", async () => {
            await harnessProvider.create!(inputs({ tags: { ...OWN, "pulumi-stack": "prod" } }));
            const err = await rejection(harnessProvider.create!(inputs({ tags: OWN })));
            expect(err.message).to.equal(
                'harness "zscaler_mcp_harness_dev" already exists and is not this stack\'s (it has pulumi-project=zscaler-mcp-harness, pulumi-stack=prod; ' +
                    "this stack is pulumi-project=zscaler-mcp-harness, pulumi-stack=dev), so it is left alone. " +
                    "Choose another name with pulumi config set harnessName <name>, or delete that harness.",
            );
            expect(ctx.fake.callsTo("UpdateHarness")).to.deep.equal([]);
        });

        it("refuses to take anything over when the inputs carry no ownership tags", async () => {
            await harnessProvider.create!(inputs());
            const err = await rejection(harnessProvider.create!(inputs()));
            expect(err.message).to.contain("already exists and is not this stack's");
        });

        it("changes only the tags, with TagResource and UntagResource, when only the tags change", async () => {
            const { id, outs } = (await harnessProvider.create!(inputs({ tags: OWN }))) as Created;
            const { "managed-by": _dropped, ...kept } = OWN;
            const { outs: after } = await harnessProvider.update!(id, outs, inputs({ tags: { ...kept, team: "secops" } }));
            expect(ctx.fake.callsTo("UpdateHarness")).to.deep.equal([]);
            expect(ctx.fake.callsTo("TagResource").map((c) => c.input.tags)).to.deep.equal([{ team: "secops" }]);
            expect(ctx.fake.callsTo("UntagResource").map((c) => c.input.tagKeys)).to.deep.equal([["managed-by"]]);
            expect(after!.harnessId).to.equal(id);
        });
    });
});

describe("Harness provider: requests that never answer", () => {
    const ctx = useFakeAws();

    it("abandons a request with no answer after its timeout and goes on", async () => {
        // A clock whose 30 s request timeout is 50 real milliseconds.
        installClock({ ...ctx.clock, realMs: () => 50 });
        ctx.fake.hang("GetHarness", 1);
        const { outs } = (await harnessProvider.create!(inputs())) as Created;
        expect(outs.status).to.equal("READY");
        expect(ctx.fake.callsTo("GetHarness").map((c) => c.error ?? "ok")[0]).to.equal("hung");
    });
});

describe("Harness provider: limits left unset again, and drift seen by a refresh", () => {
    const ctx = useFakeAws();

    it("sends AWS's default loop limit when maxIterations is no longer set, and records it", async () => {
        const { id, outs } = (await harnessProvider.create!(inputs({ maxIterations: 40 }))) as Created;
        expect(outs.serviceDefaults).to.deep.equal({ maxIterations: 25 });
        const { outs: after } = await harnessProvider.update!(id, outs, inputs({ maxIterations: undefined }));
        expect(ctx.fake.callsTo("UpdateHarness").map((c) => c.input.maxIterations)).to.deep.equal([25]);
        expect(ctx.fake.find("harness", id)!.data.maxIterations).to.equal(25);
        expect(after!.maxIterations).to.equal(undefined);
    });

    it("refuses to leave timeoutSeconds unset again when AWS never reported its default, saying what to set", async () => {
        const { id, outs } = (await harnessProvider.create!(inputs({ timeoutSeconds: 600 }))) as Created;
        const err = await rejection(harnessProvider.update!(id, outs, inputs({ timeoutSeconds: undefined })));
        expect(err.message).to.equal(
            `harness "zscaler_mcp_harness_dev" (${id}): timeoutSeconds cannot go back to AWS's default, which AWS never reported for this harness. ` +
                "Set timeoutSeconds to the value you want (pulumi config set timeoutSeconds <value>).",
        );
        expect(ctx.fake.callsTo("UpdateHarness")).to.deep.equal([]);
    });

    it("returns inputs from read, so a refresh records a limit changed outside the stack as that input's drift", async () => {
        const { id, outs } = (await harnessProvider.create!(inputs({ maxIterations: undefined }))) as Created;
        ctx.fake.find("harness", id)!.data.maxIterations = 60;
        const read = await harnessProvider.read!(id, outs);
        expect(read.inputs!.maxIterations).to.equal(60);
        expect(read.inputs!.harnessName).to.equal("zscaler_mcp_harness_dev");
        expect(read.inputs).to.not.have.property("harnessId");
        const d = await harnessProvider.diff!(id, read.props!, inputs({ maxIterations: undefined }));
        expect(d.changes).to.equal(true);
        await harnessProvider.update!(id, read.props!, inputs({ maxIterations: undefined }));
        expect(ctx.fake.find("harness", id)!.data.maxIterations).to.equal(25);
    });
});
