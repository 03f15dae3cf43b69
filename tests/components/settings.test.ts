import { expect } from "chai";
import { normalizeMcpUrl, isSigV4RuntimeUrl } from "../../components/mcpUrl";
import { loadSettings, RawConfig, SettingsError, stackName } from "../../components/settings";

const GOOD: Record<string, string> = {
    zscalerClientId: "cid",
    zscalerClientSecret: "secret",
    zscalerCustomerId: "cust",
    zscalerVanityDomain: "acme",
};

function raw(values: Record<string, string>, secretKeys: string[] = ["zscalerClientSecret"]): RawConfig {
    return { get: (k) => values[k], isSecret: (k) => secretKeys.includes(k) };
}

function problems(values: Record<string, string>, secretKeys?: string[], region?: string): string[] {
    try {
        loadSettings(raw(values, secretKeys), { project: "zscaler-mcp-harness", stack: "dev", region });
    } catch (e) {
        if (e instanceof SettingsError) {
            return e.problems;
        }
        throw e;
    }
    return [];
}

describe("settings", () => {
    it("fills defaults and derives physical names from the stack", () => {
        const s = loadSettings(raw(GOOD), { project: "p", stack: "prod-eu", region: undefined });
        expect(s.region).to.equal("us-east-1");
        expect(s.topology).to.equal("ecs");
        expect(s.secrets).to.deep.equal({ mode: "managed", externalSecretName: undefined, recoveryWindowDays: 7 });
        expect(s.names).to.include({
            harness: "zscaler_mcp_harness_prod_eu",
            apiKeyProvider: "zscaler-mcp-creds-prod-eu",
            cluster: "zscaler-mcp-prod-eu",
            service: "zscaler-mcp-server-prod-eu",
            logGroup: "/ecs/zscaler-mcp-prod-eu",
            runtime: "zscaler_mcp_runtime_prod_eu",
            gateway: "zscaler-mcp-gateway-prod-eu",
            secretPrefix: "zscaler-mcp-harness/prod-eu/credentials-",
        });
        expect(s.model).to.deep.equal({ modelId: "us.anthropic.claude-sonnet-4-5-20250929-v1:0", maxTokens: 8192, temperature: 0.2 });
        expect(s.tags).to.deep.equal({ "managed-by": "zscaler-mcp-harness", integration: "harness", "pulumi-project": "p", "pulumi-stack": "prod-eu" });
        expect(s.harness.maxIterations).to.equal(undefined);
    });

    it("keeps names of long stacks within the AWS limits and apart from each other", () => {
        const a = stackName("zscaler_mcp_harness", "a-very-long-stack-name-for-team-one", "_", 40);
        const b = stackName("zscaler_mcp_harness", "a-very-long-stack-name-for-team-two", "_", 40);
        expect(a.length).to.be.at.most(40);
        expect(a).to.not.equal(b);
        expect(a).to.match(/^[a-zA-Z][a-zA-Z0-9_]{0,39}$/);
    });

    it("treats the typed config's empty defaults as unset", () => {
        const s = loadSettings(raw({ ...GOOD, mcpUrl: "", zscalerCloud: "", maxIterations: "0", allowedHosts: "[]", retain: "[]" }), {
            project: "p",
            stack: "dev",
        });
        expect(s.mcpUrl).to.equal(undefined);
        expect(s.zscaler.cloud).to.equal(undefined);
        expect(s.harness.maxIterations).to.equal(undefined);
        expect(s.ecs.allowedHosts).to.deep.equal([]);
    });

    it("reports every problem at once, each naming the key and the fix", () => {
        const found = problems({
            ...GOOD,
            topology: "lambda",
            harnessName: "zscaler-mcp",
            secretsMode: "vault",
            imageUri: "not a ref!",
            maxIterations: "-3",
            temperature: "9",
            hostValidation: "off",
            retain: '["everything"]',
        });
        expect(found).to.deep.equal([
            'topology: "lambda" is not one of ecs, gateway. Run: pulumi config set topology ecs',
            'harnessName: "zscaler-mcp" is not a valid name (a letter, then up to 39 letters, digits or underscores; no hyphens, e.g. zscaler_mcp_harness).',
            'secretsMode: "vault" is not one of managed, external, plaintext. Run: pulumi config set secretsMode managed',
            'imageUri: "not a ref!" is not a container image reference (registry/repository:tag or @sha256:digest).',
            'temperature: "9" must be a number from 0 to 2.',
            'maxIterations: "-3" must be a whole number from 1 to 1000.',
            'hostValidation: "off" is not one of auto, disabled. Run: pulumi config set hostValidation auto',
            'retain: "everything" is not one of roles, ecs, secret, cognito, runtime.',
        ]);
    });

    it("asks for missing credentials with the exact command", () => {
        expect(problems({})).to.deep.equal([
            "zscalerClientId: missing. Run: pulumi config set zscalerClientId <client id>",
            "zscalerClientSecret: missing. Run: pulumi config set --secret zscalerClientSecret <client secret>",
            "zscalerCustomerId: missing; the MCP server needs it. Run: pulumi config set zscalerCustomerId <id>",
            "zscalerVanityDomain: missing; the MCP server needs it. Run: pulumi config set zscalerVanityDomain <domain>",
        ]);
    });

    it("refuses a client secret stored as plaintext config", () => {
        expect(problems(GOOD, [])).to.deep.equal([
            "zscalerClientSecret: stored as plaintext in the stack file. Store it encrypted: pulumi config set --secret zscalerClientSecret <client secret>",
        ]);
    });

    it("needs no customer id or vanity domain when the user brings the MCP server", () => {
        expect(problems({ zscalerClientId: "c", zscalerClientSecret: "s", mcpUrl: "https://mcp.acme.com" })).to.deep.equal([]);
    });

    it("needs no credentials in config for the gateway topology with an external secret", () => {
        expect(problems({ topology: "gateway", secretsMode: "external", zscalerSecretName: "team/zs" })).to.deep.equal([]);
        expect(problems({ topology: "gateway", secretsMode: "external" })).to.deep.equal([
            "zscalerSecretName: secretsMode external needs the name or ARN of an existing Secrets Manager secret. Run: pulumi config set zscalerSecretName <name-or-arn>",
        ]);
    });

    it("refuses plain-HTTP and SigV4-only MCP URLs unless overridden", () => {
        expect(problems({ ...GOOD, mcpUrl: "http://mcp.acme.com" })).to.deep.equal([
            'mcpUrl: "http://mcp.acme.com" must be an https:// URL; Harness calls remote MCP servers over HTTPS only.',
        ]);
        const sigv4 = "https://bedrock-agentcore.us-east-1.amazonaws.com/runtimes/arn%3Aaws/invocations";
        const [p] = problems({ ...GOOD, mcpUrl: sigv4 });
        expect(p).to.match(/^mcpUrl: .* accepts only SigV4-signed calls.*set allowSigV4McpUrl true/);
        const s = loadSettings(raw({ ...GOOD, mcpUrl: sigv4, allowSigV4McpUrl: "true" }), { project: "p", stack: "dev" });
        expect(s.warnings[0]).to.contain("Deploying anyway because allowSigV4McpUrl is true");
        expect(problems({ ...GOOD, topology: "gateway", mcpUrl: "https://x.example.com" })[0]).to.contain(
            "mcpUrl: a user-supplied MCP URL applies to topology ecs only",
        );
    });

    it("refuses names that break the AWS model patterns", () => {
        expect(
            problems({ ...GOOD, runtimeName: "zscaler-runtime", gatewayName: "bad--name", apiKeyProviderName: "has space", cognitoDomainPrefix: "my-aws-domain" }),
        ).to.deep.equal([
            'apiKeyProviderName: "has space" is not a valid name (1-128 letters, digits, hyphens or underscores).',
            'runtimeName: "zscaler-runtime" is not a valid name (a letter, then up to 47 letters, digits or underscores; no hyphens).',
            'gatewayName: "bad--name" is not a valid name (letters and digits, single hyphens between them, at most 100 characters).',
            'cognitoDomainPrefix: "my-aws-domain" must be 1-63 lowercase letters, digits and hyphens, not start or end with a hyphen, and not contain "aws", "amazon" or "cognito".',
        ]);
    });

    it("keeps credentials out of containerEnv and checks host entries", () => {
        expect(problems({ ...GOOD, containerEnv: '["ZSCALER_CLIENT_SECRET=x","LOG=1","ZSCALER_MCP_DEBUG=1"]', allowedHosts: '["ok.example.com:*","bad host"]' })).to.deep.equal([
            'allowedHosts: "bad host" is not a host entry (host, host:port, host:* or *).',
            "containerEnv: ZSCALER_CLIENT_SECRET is a credential; set it with the zscaler* config keys so it is kept secret, not in containerEnv.",
            'containerEnv: "LOG" must be KEY=VALUE with a key starting ZSCALER_, FASTMCP_ or MCP_ (upper case).',
        ]);
    });

    it("refuses a gateway image outside ECR or in another region", () => {
        expect(problems({ ...GOOD, topology: "gateway", imageUri: "docker.io/zscaler/mcp:1" })[0]).to.contain("AgentCore Runtime runs images from Amazon ECR or public.ecr.aws only");
        const [p] = problems({ ...GOOD, topology: "gateway" }, undefined, "eu-central-1");
        expect(p).to.contain("imageUri: the image is in ECR region us-east-1, but AgentCore Runtime only runs images from the deploy region eu-central-1");
        expect(p).to.contain("pulumi config set aws:region us-east-1");
    });

    it("checks the secret recovery window", () => {
        expect(problems({ ...GOOD, secretRecoveryDays: "3" })).to.deep.equal(["secretRecoveryDays: must be 0 (delete at once) or from 7 to 30 days."]);
        expect(loadSettings(raw({ ...GOOD, secretRecoveryDays: "0" }), { project: "p", stack: "s" }).secrets.recoveryWindowDays).to.equal(0);
    });
});

describe("MCP URL rules", () => {
    it("normalises to /mcp without a trailing slash", () => {
        expect(normalizeMcpUrl(" https://a.example.com/ ")).to.equal("https://a.example.com/mcp");
        expect(normalizeMcpUrl("https://a.example.com/mcp/")).to.equal("https://a.example.com/mcp");
        expect(normalizeMcpUrl("https://a.example.com/mcp")).to.equal("https://a.example.com/mcp");
        expect(normalizeMcpUrl("https://a.example.com/base//")).to.equal("https://a.example.com/base/mcp");
    });

    it("recognises SigV4-only runtime URLs", () => {
        expect(isSigV4RuntimeUrl("https://bedrock-agentcore.us-east-1.amazonaws.com/runtimes/x/invocations")).to.equal(true);
        expect(isSigV4RuntimeUrl("https://x.ecs.us-east-1.on.aws/mcp")).to.equal(false);
    });
});
