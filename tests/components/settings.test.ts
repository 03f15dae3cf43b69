import { expect } from "chai";
import { normalizeMcpUrl, isSigV4RuntimeUrl } from "../../server/mcpUrl";
import { CONFIG_KEYS } from "../../config/keys";
import { loadSettings, RawConfig } from "../../config/settings";
import { parseEcrImage } from "../../aws/images";
import { parseModelId } from "../../aws/models";
import { SettingsError } from "../../config/messages";
import { stackName } from "../../aws/names";

const GOOD: Record<string, string> = {
    zscalerClientId: "cid",
    zscalerClientSecret: "secret",
    zscalerCustomerId: "cust",
    zscalerVanityDomain: "acme",
};

function raw(values: Record<string, string>, secretKeys: string[] = ["zscalerClientSecret"]): RawConfig {
    return { get: (k) => values[k], isSecret: (k) => secretKeys.includes(k), keys: () => Object.keys(values) };
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
        expect(s.secrets).to.deep.equal({
            mode: "managed",
            externalSecretName: undefined,
            recoveryWindowDays: 7,
            tokenVaultRevision: undefined,
        });
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
        expect(s.tags).to.deep.equal({
            "managed-by": "zscaler-mcp-harness",
            integration: "harness",
            "pulumi-project": "p",
            "pulumi-stack": "prod-eu",
        });
        expect(s.harness.maxIterations).to.equal(undefined);
    });

    it("calls the server after each deploy unless verifyTools is false, and refuses another value", () => {
        expect(loadSettings(raw(GOOD), { project: "p", stack: "dev" }).verifyTools).to.equal(true);
        expect(loadSettings(raw({ ...GOOD, verifyTools: "false" }), { project: "p", stack: "dev" }).verifyTools).to.equal(false);
        expect(loadSettings(raw({ ...GOOD, verifyTools: "True" }), { project: "p", stack: "dev" }).verifyTools).to.equal(true);
        expect(problems({ ...GOOD, verifyTools: "no" })).to.deep.equal([
            'verifyTools: "no" must be true or false. Run: pulumi config set verifyTools true',
        ]);
    });

    it("gives the roles IAM's default path and no boundary unless told, and takes any managed policy and path IAM accepts", () => {
        expect(loadSettings(raw(GOOD), { project: "p", stack: "dev" }).iam).to.deep.equal({
            permissionsBoundary: undefined,
            rolePath: "/",
        });
        for (const [boundary, path] of [
            ["arn:aws:iam::123456789012:policy/DeveloperBoundary", "/"],
            ["arn:aws:iam::aws:policy/PowerUserAccess", "/zscaler/"],
            ["arn:aws:iam::123456789012:policy/boundaries/team-a/Boundary+v2", "/team-a/mcp.harness/"],
            ["arn:aws:iam::123456789012:policy/b", `/${"a".repeat(510)}/`],
            ["arn:aws:iam::123456789012:policy/b", "/!~#$%&'()*+,-.:;<=>?@[]^_`{|}/"],
        ]) {
            const s = loadSettings(raw({ ...GOOD, iamPermissionsBoundary: boundary, iamRolePath: path }), { project: "p", stack: "dev" });
            expect(s.iam).to.deep.equal({ permissionsBoundary: boundary, rolePath: path });
        }
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
            'imageUri: "not a ref!" is not a container image reference (registry/repository:tag or @sha256:digest, at most 1024 characters). Run: pulumi config set imageUri 709825985650.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server:0.15.4-bedrock',
            'temperature: "9" must be a number from 0 to 2 in decimal notation. Run: pulumi config set temperature 0.2',
            'maxIterations: "-3" must be 0 (the service default) or a whole number from 1 to 1000, in decimal digits. Run: pulumi config set maxIterations <number>',
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
            "zscalerSecretName: secretsMode external needs the name or ARN of an existing Secrets Manager secret. Run: pulumi config set --plaintext zscalerSecretName <name or ARN>",
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
            problems({
                ...GOOD,
                runtimeName: "zscaler-runtime",
                gatewayName: "bad--name",
                apiKeyProviderName: "has space",
                cognitoDomainPrefix: "my-aws-domain",
            }),
        ).to.deep.equal([
            'apiKeyProviderName: "has space" is not a valid name (1-128 letters, digits, hyphens or underscores).',
            'runtimeName: "zscaler-runtime" is not a valid name (a letter, then up to 47 letters, digits or underscores; no hyphens).',
            'gatewayName: "bad--name" is not a valid name (letters and digits, single hyphens between them, at most 100 characters).',
            'cognitoDomainPrefix: "my-aws-domain" must be 1-63 lowercase letters, digits and hyphens, not start or end with a hyphen, and not contain "aws", "amazon" or "cognito". Run: pulumi config set cognitoDomainPrefix <unique prefix>',
        ]);
    });

    it("keeps credentials out of containerEnv and checks host entries", () => {
        expect(
            problems({
                ...GOOD,
                containerEnv: '["ZSCALER_CLIENT_SECRET=x","LOG=1","ZSCALER_MCP_DEBUG=1"]',
                allowedHosts: '["ok.example.com:*","bad host"]',
            }),
        ).to.deep.equal([
            "allowedHosts: \"bad host\" is not a host entry (host, host:port, host:* or *; ports 1-65535). Run: pulumi config set --path 'allowedHosts[0]' <host>",
            "containerEnv: ZSCALER_CLIENT_SECRET is a credential; set it with the zscaler* config keys so it is kept secret, not in containerEnv.",
            "containerEnv: \"LOG\" must be KEY=VALUE with a key starting ZSCALER_, FASTMCP_ or MCP_ (upper case, at most 100 characters). Remove it: pulumi config rm --path 'containerEnv[<n>]'",
        ]);
    });

    it("refuses a gateway image outside ECR or in another region", () => {
        expect(problems({ ...GOOD, topology: "gateway", imageUri: "docker.io/zscaler/mcp:1" })[0]).to.contain(
            "AgentCore Runtime runs images from Amazon ECR or public.ecr.aws only",
        );
        const [p] = problems({ ...GOOD, topology: "gateway" }, undefined, "eu-central-1");
        expect(p).to.contain(
            "imageUri: the image is in ECR region us-east-1, but AgentCore Runtime only runs images from the deploy region eu-central-1",
        );
        expect(p).to.contain("pulumi config set aws:region us-east-1");
    });

    it("checks the secret recovery window", () => {
        expect(problems({ ...GOOD, secretRecoveryDays: "3" })).to.deep.equal([
            "secretRecoveryDays: 3 must be 0 (delete at once) or from 7 to 30 days. Run: pulumi config set secretRecoveryDays 7",
        ]);
        expect(loadSettings(raw({ ...GOOD, secretRecoveryDays: "0" }), { project: "p", stack: "s" }).secrets.recoveryWindowDays).to.equal(
            0,
        );
    });
});

describe("settings: strict values", () => {
    const load = (values: Record<string, string>, region?: string) =>
        loadSettings(raw({ ...GOOD, ...values }), { project: "p", stack: "dev", region });

    it("accepts every key Pulumi.yaml declares, and reports a misspelled one with the key it resembles", () => {
        const declared = Object.fromEntries(CONFIG_KEYS.map((k) => [k, ""]));
        expect(problems({ ...declared, ...GOOD })).to.deep.equal([]);
        expect(problems({ ...GOOD, hostvalidation: "auto" })).to.deep.equal([
            'hostvalidation: "auto" is not a setting of this program; did you mean hostValidation? Run: pulumi config rm hostvalidation, then pulumi config set hostValidation auto (the README\'s configuration reference lists every key).',
        ]);
    });

    it("parses the MCP URL with the WHATWG parser and normalises scheme, host and path", () => {
        expect(load({ mcpUrl: "HTTPS://MCP.Example.COM:8443/Base/" }).mcpUrl).to.equal("https://mcp.example.com:8443/Base/mcp");
        expect(load({ mcpUrl: "https://mcp.example.com/a/../mcp/" }).mcpUrl).to.equal("https://mcp.example.com/mcp");
        expect(load({ mcpUrl: "https://xn--mnchen-3ya.example/mcp" }).mcpUrl).to.equal("https://xn--mnchen-3ya.example/mcp");
    });

    it("recognises a SigV4-only runtime URL in any case, and deploys it only when told to, with a warning", () => {
        const s = load({ mcpUrl: "https://Bedrock-AgentCore.us-east-1.amazonaws.com/Runtimes/x/invocations", allowSigV4McpUrl: "true" });
        expect(s.warnings[0]).to.contain("Deploying anyway because allowSigV4McpUrl is true");
    });

    it("accepts the sizes Fargate offers", () => {
        for (const [cpu, memory] of [
            ["256", "512"],
            ["512", "4096"],
            ["2048", "16384"],
            ["4096", "30720"],
            ["8192", "61440"],
            ["16384", "122880"],
        ]) {
            expect(problems({ ...GOOD, ecsCpu: cpu, ecsMemory: memory }), `${cpu}/${memory}`).to.deep.equal([]);
        }
    });

    it("accepts model ids and inference profiles of the deploy region's geography", () => {
        expect(load({ modelId: "amazon.nova-pro-v1:0" }).model.modelId).to.equal("amazon.nova-pro-v1:0");
        expect(load({ modelId: "eu.anthropic.claude-sonnet-4-5-20250929-v1:0" }, "eu-west-1").model.modelId).to.equal(
            "eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
        );
        expect(load({ modelId: "jp.anthropic.claude-sonnet-4-5-20250929-v1:0" }, "ap-northeast-1").region).to.equal("ap-northeast-1");
        expect(load({ modelId: "global.anthropic.claude-sonnet-4-5-20250929-v1:0" }, "eu-west-1").region).to.equal("eu-west-1");
        expect(load({ modelId: "anthropic.claude-sonnet-4-6" }).model.modelId).to.equal("anthropic.claude-sonnet-4-6");
    });

    it("accepts ordinary values for every checked key", () => {
        const s = load({
            zscalerClientId: "0oa1b2C3d4+E5/f6=",
            zscalerCloud: "zscalertwo",
            zscalerVanityDomain: "acme-corp",
            systemPrompt: "Answer briefly.\n\tUse lists.",
            temperature: "1.5",
            maxIterations: "50",
            containerEnv: JSON.stringify([
                "ZSCALER_MCP_PORT=8000",
                "ZSCALER_MCP_HOST=0.0.0.0",
                "ZSCALER_MCP_AUTH_MODE=zscaler",
                "ZSCALER_MCP_WRITE_ENABLED=false",
                "ZSCALER_MCP_LOG_LEVEL=DEBUG",
            ]),
            allowedHosts: JSON.stringify(["mcp.acme.com", "mcp.acme.com:443", "internal.acme.com:*", "[::1]:8000"]),
        });
        expect(s.harness).to.deep.include({ systemPrompt: "Answer briefly.\n\tUse lists.", maxIterations: 50 });
        expect(s.model.temperature).to.equal(1.5);
        expect(s.ecs.allowedHosts).to.have.length(4);
        expect(s.warnings).to.deep.equal([]);
        expect(load({ topology: "gateway", containerEnv: '["ZSCALER_MCP_AUTH_MODE=jwt"]' }).ecs.containerEnv).to.deep.equal({
            ZSCALER_MCP_AUTH_MODE: "jwt",
        });
        expect(
            load({ secretsMode: "external", zscalerSecretName: "arn:aws:secretsmanager:us-east-1:123456789012:secret:team/zs-Ab12Cd" })
                .secrets.externalSecretName,
        ).to.equal("arn:aws:secretsmanager:us-east-1:123456789012:secret:team/zs-Ab12Cd");
    });

    it("deploys an acknowledged weaker server, and warns about it on every up", () => {
        const s = load({
            containerEnv: JSON.stringify([
                "ZSCALER_MCP_AUTH_ENABLED=false",
                "ZSCALER_MCP_WRITE_ENABLED=true",
                "ZSCALER_MCP_WRITE_TOOLS=zpa_*",
            ]),
            allowedHosts: '["*"]',
            acknowledgeRisks: '["auth-off","write-tools","any-host","listen-override"]',
        });
        expect(s.ecs.containerEnv).to.deep.equal({
            ZSCALER_MCP_AUTH_ENABLED: "false",
            ZSCALER_MCP_WRITE_ENABLED: "true",
            ZSCALER_MCP_WRITE_TOOLS: "zpa_*",
        });
        expect(s.acknowledgedRisks).to.deep.equal(["auth-off", "write-tools", "any-host", "listen-override"]);
        expect(s.warnings).to.deep.equal([
            'allowedHosts "*": the server answers any Host header, without its DNS-rebinding guard (acknowledged in acknowledgeRisks as any-host).',
            'containerEnv "ZSCALER_MCP_AUTH_ENABLED=false": the MCP server\'s own authentication is off: anyone who reaches the endpoint can call it (acknowledged in acknowledgeRisks as auth-off).',
            'containerEnv "ZSCALER_MCP_WRITE_ENABLED=true" and "ZSCALER_MCP_WRITE_TOOLS=zpa_*": the agent can create, change and delete Zscaler configuration (acknowledged in acknowledgeRisks as write-tools).',
            "acknowledgeRisks lists listen-override, but no setting needs it. Remove it so a later change cannot use it unnoticed.",
        ]);
    });

    it("warns that a disabled Host check leaves the public endpoint without its guard", () => {
        expect(load({ hostValidation: "disabled", allowedHosts: '["mcp.acme.com"]' }).warnings).to.deep.equal([
            "hostValidation disabled: the MCP server answers any Host header on its public endpoint, without its DNS-rebinding guard.",
            "allowedHosts is ignored because hostValidation is disabled.",
        ]);
    });

    it("parses model ids and ECR image references", () => {
        expect(parseModelId("us.anthropic.claude-sonnet-4-5-20250929-v1:0")).to.deep.equal({
            kind: "inference-profile",
            profileId: "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            geography: "us",
            modelId: "anthropic.claude-sonnet-4-5-20250929-v1:0",
        });
        expect(parseModelId("meta.llama3-3-70b-instruct-v1:0")).to.deep.equal({
            kind: "foundation-model",
            modelId: "meta.llama3-3-70b-instruct-v1:0",
        });
        expect(parseModelId("us.Anthropic.claude")).to.equal(undefined);
        expect(parseEcrImage("709825985650.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server:0.15.4-bedrock")).to.deep.equal({
            account: "709825985650",
            region: "us-east-1",
            repository: "zscaler/zscaler-mcp-server",
            reference: { imageTag: "0.15.4-bedrock" },
        });
        expect(parseEcrImage(`111122223333.dkr.ecr.eu-west-1.amazonaws.com/a/b@sha256:${"0".repeat(64)}`)).to.deep.include({
            repository: "a/b",
            reference: { imageDigest: `sha256:${"0".repeat(64)}` },
        });
        expect(parseEcrImage("111122223333.dkr.ecr.eu-west-1.amazonaws.com/a/b")!.reference).to.deep.equal({ imageTag: "latest" });
        expect(parseEcrImage("public.ecr.aws/zscaler/mcp:1")).to.equal(undefined);
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

    it("never quotes the value of a key set with --secret, in a problem or a warning", () => {
        const url = "https://user:hunter2@mcp.example.com";
        const env = ["ZSCALER_MCP_LOG_LEVEL=\u0007tok-9f2", "ZSCALER_MCP_ALLOWED_HOSTS=*"];
        const err = problems({ ...GOOD, mcpUrl: url, containerEnv: JSON.stringify(env) }, [
            "zscalerClientSecret",
            "mcpUrl",
            "containerEnv",
        ]);
        expect(err.join("\n")).to.not.match(/hunter2|tok-9f2/);
        expect(err[0]).to.match(/^mcpUrl: \(secret value not shown\) carries a user name or password before "@"/);
        expect(err.some((m) => m.startsWith("containerEnv: ZSCALER_MCP_LOG_LEVEL=(secret value not shown) must be one line"))).to.equal(
            true,
        );
        // The same values, not secret, are quoted as they are.
        const plain = problems({ ...GOOD, mcpUrl: url });
        expect(plain[0]).to.match(/^mcpUrl: "https:\/\/user:hunter2@mcp.example.com" carries/);
        const warned = loadSettings(
            raw(
                {
                    ...GOOD,
                    containerEnv: JSON.stringify(["ZSCALER_MCP_WRITE_ENABLED=true"]),
                    acknowledgeRisks: JSON.stringify(["write-tools"]),
                },
                ["zscalerClientSecret", "containerEnv"],
            ),
            { project: "p", stack: "s" },
        ).warnings;
        expect(warned).to.have.length(1);
        expect(warned[0]).to.match(/^containerEnv \(secret value not shown\): /);
    });

    it("keeps a secret image and model out of the copy commands and the profile advice too", () => {
        const image = "111122223333.dkr.ecr.us-east-1.amazonaws.com/private-team/mcp:7";
        const secret = ["zscalerClientSecret", "imageUri", "modelId"];
        const err = problems({ ...GOOD, topology: "gateway", imageUri: image, modelId: "eu.private.model-v1:0" }, secret, "us-west-2").join(
            "\n",
        );
        expect(err).to.not.match(/private|111122223333|[\uE000\uE001]/);
        expect(err).to.contain(
            "imageUri: the image is in ECR region (secret value not shown), but AgentCore Runtime only runs images from the deploy region us-west-2.",
        );
        expect(err).to.contain("docker pull (secret value not shown)");
        expect(err).to.contain(
            "modelId: (secret value not shown) is an inference profile of geography eu, which cannot be called from us-west-2. Use a profile of the deploy region's geography, or (secret value not shown): pulumi config set modelId (secret value not shown)",
        );
        // Not secret: the commands name the image.
        const plain = problems({ ...GOOD, topology: "gateway", imageUri: image }, ["zscalerClientSecret"], "us-west-2").join("\n");
        expect(plain).to.contain(`docker pull ${image}`);
    });

    it("escapes the marker characters a value may hold", () => {
        const err = problems({ ...GOOD, ecsCpu: "1\uE0012\uE000" });
        expect(err).to.deep.equal([
            `ecsCpu: "1\\uE0012\\uE000" must be one of 256, 512, 1024, 2048, 4096, 8192, 16384 (CPU units). Run: pulumi config set ecsCpu 1024`,
        ]);
    });
});
