import { expect } from "chai";
import {
    apiKeyCredentialProviderProvider as provider,
    ApiKeyCredentialProviderInputs,
    ApiKeyCredentialProviderOutputs,
} from "../../providers/apiKeyCredentialProvider";
import { rejection, useFakeAws } from "../support/fakeAwsHooks";

type Created = { id: string; outs: ApiKeyCredentialProviderOutputs };
const KEY = "Basic " + Buffer.from("client-id:very-secret-value").toString("base64");

function inputs(over: Partial<ApiKeyCredentialProviderInputs> = {}): ApiKeyCredentialProviderInputs {
    return { region: "us-east-1", name: "zscaler-mcp-creds-dev", apiKey: KEY, tags: { "managed-by": "zscaler-mcp-harness" }, ...over };
}

describe("ApiKeyCredentialProvider provider", () => {
    const ctx = useFakeAws();

    it("stores the whole header value and returns the Token Vault ARNs", async () => {
        const { id, outs } = (await provider.create!(inputs())) as Created;
        expect(id).to.equal("zscaler-mcp-creds-dev");
        expect(outs.credentialProviderArn).to.equal(
            "arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/apikeycredentialprovider/zscaler-mcp-creds-dev",
        );
        expect(outs.apiKeySecretArn).to.match(/^arn:aws:secretsmanager:us-east-1:123456789012:secret:bedrock-agentcore-identity/);
        expect(ctx.fake.find("apikey", id)!.data.apiKey).to.equal(KEY);
    });

    it("keeps the key AWS never returns, so a refresh shows no drift", async () => {
        const { id, outs } = (await provider.create!(inputs())) as Created;
        const read = await provider.read!(id, outs);
        expect(read.props!.apiKey).to.equal(KEY);
        expect((await provider.diff!(id, read.props!, inputs())).changes).to.equal(false);
    });

    it("rotates a changed key in place and replaces on a new name", async () => {
        const { id, outs } = (await provider.create!(inputs())) as Created;
        const rotated = inputs({ apiKey: "Basic bmV3OmtleQ==" });
        const d = await provider.diff!(id, outs, rotated);
        expect(d).to.include({ changes: true });
        expect(d.replaces).to.deep.equal([]);
        await provider.update!(id, outs, rotated);
        expect(ctx.fake.find("apikey", id)!.data.apiKey).to.equal("Basic bmV3OmtleQ==");
        expect(ctx.fake.callsTo("UpdateApiKeyCredentialProvider")).to.have.length(1);
        const renamed = await provider.diff!(id, outs, inputs({ name: "other" }));
        expect(renamed.replaces).to.deep.equal(["name"]);
        expect(renamed.deleteBeforeReplace).to.equal(false);
    });

    it("retries throttling and 500s, and refuses a provider of that name that is not this stack's", async () => {
        ctx.fake.throttle("CreateApiKeyCredentialProvider", 1);
        ctx.fake.serverError("CreateApiKeyCredentialProvider", 1);
        await provider.create!(inputs());
        const err = await rejection(provider.create!(inputs()));
        expect(err.message).to.equal(
            'API-key credential provider "zscaler-mcp-creds-dev" already exists and is not this stack\'s (it has pulumi-project=(none), pulumi-stack=(none); ' +
                "this stack is pulumi-project=(none), pulumi-stack=(none)), so it is left alone. " +
                "Choose another name with pulumi config set apiKeyProviderName <name>, or delete that credential provider.",
        );
        expect(ctx.fake.callsTo("CreateApiKeyCredentialProvider").map((c) => c.error ?? "ok")).to.deep.equal([
            "ThrottlingException",
            "InternalServerException",
            "ok",
            "ConflictException",
        ]);
        expect(ctx.fake.callsTo("UpdateApiKeyCredentialProvider")).to.deep.equal([]);
    });

    it("takes over this stack's own provider left by a lost answer, and gives it the new key", async () => {
        const own = {
            "managed-by": "zscaler-mcp-harness",
            "pulumi-project": "zscaler-mcp-harness",
            "pulumi-stack": "dev",
            "pulumi-stack-id": "5tack1d",
        };
        const first = (await provider.create!(inputs({ tags: own, apiKey: "Basic b2xkOm9sZA==" }))) as Created;
        const again = (await provider.create!(inputs({ tags: own }))) as Created;
        expect(again.id).to.equal(first.id);
        expect(again.outs.credentialProviderArn).to.equal(first.outs.credentialProviderArn);
        expect(again.outs.apiKeySecretArn).to.equal(first.outs.apiKeySecretArn);
        expect(ctx.fake.list("apikey").map((k) => k.data.apiKey)).to.deep.equal([KEY]);
    });

    it("checks the name offline", async () => {
        const { failures } = await provider.check!({} as ApiKeyCredentialProviderInputs, inputs({ name: "bad name!" }));
        expect(failures).to.deep.equal([
            { property: "name", reason: 'name "bad name!" is not valid: 1-128 letters, digits, hyphens or underscores' },
        ]);
    });

    it("treats a provider deleted behind our back as gone", async () => {
        const { id, outs } = (await provider.create!(inputs())) as Created;
        ctx.fake.deleteBehindBack("apikey", id);
        expect(await provider.read!(id, outs)).to.deep.equal({});
        await provider.delete!(id, outs);
        expect(ctx.fake.list("apikey")).to.have.length(0);
    });
});

describe("ApiKeyCredentialProvider provider: writing the key again on demand", () => {
    const ctx = useFakeAws();

    it("writes the same key again when the revision changes, and not otherwise", async () => {
        const { id, outs } = (await provider.create!(inputs())) as Created;
        // Someone replaced the key outside the stack: no read can see it.
        ctx.fake.find("apikey", id)!.data.apiKey = "Basic c29tZW9uZTplbHNl";
        expect((await provider.diff!(id, outs, inputs())).changes).to.equal(false);
        const same = await provider.update!(id, outs, inputs());
        expect(ctx.fake.callsTo("UpdateApiKeyCredentialProvider")).to.deep.equal([]);
        expect((await provider.diff!(id, same.outs!, inputs({ revision: "2" }))).changes).to.equal(true);
        await provider.update!(id, same.outs!, inputs({ revision: "2" }));
        expect(ctx.fake.callsTo("UpdateApiKeyCredentialProvider")).to.have.length(1);
        expect(ctx.fake.find("apikey", id)!.data.apiKey).to.equal(KEY);
    });
});
