/**
 * Input that could redirect the credentials or hide in a terminal: the Zscaler cloud, the
 * server's secrets in containerEnv, C1 control characters, other AWS partitions, and the MCP URL's
 * host and port. What is accepted, what is refused (the refusals' full wording is in
 * hostileConfig.test.ts), and that an existing stack meets the refusal before anything changes.
 */
import { expect } from "chai";
import { loadSettings, Settings } from "../../config/settings";
import { hasControl, SettingsError, shown, withoutSecretValues } from "../../config/messages";
import { credentialValues, isSecretEnvName, ZSCALER_CLOUDS } from "../../server/env";
import { isSigV4RuntimeUrl } from "../../server/mcpUrl";
import { DEFAULT_INVOKES, executeProgram, mockState, strictInvoke } from "../support/mocks";

const GOOD: Record<string, string> = {
    zscalerClientId: "cid",
    zscalerClientSecret: "zs-secret-5d1e",
    zscalerCustomerId: "cust",
    zscalerVanityDomain: "acme",
};

function load(values: Record<string, string>, secretKeys: string[] = [], region?: string): Settings {
    const all = { ...GOOD, ...values };
    const secret = ["zscalerClientSecret", ...secretKeys];
    return loadSettings(
        { get: (k) => all[k], isSecret: (k) => secret.includes(k), keys: () => Object.keys(all) },
        { project: "zscaler-mcp-harness", stack: "dev", region },
    );
}

function problems(values: Record<string, string>, secretKeys: string[] = [], region?: string): string[] {
    try {
        load(values, secretKeys, region);
    } catch (e) {
        if (e instanceof SettingsError) {
            return e.problems;
        }
        throw e;
    }
    return [];
}

describe("zscalerCloud", () => {
    it("accepts each OneAPI cloud as written, and leaves ZSCALER_CLOUD out when unset (production)", () => {
        expect([...ZSCALER_CLOUDS]).to.deep.equal(["production", "beta", "alpha", "zscalertwo"]);
        for (const cloud of ZSCALER_CLOUDS) {
            const s = load({ zscalerCloud: cloud });
            expect(s.zscaler.cloud, cloud).to.equal(cloud);
            expect(credentialValues(s.zscaler).ZSCALER_CLOUD, cloud).to.equal(cloud);
        }
        const dflt = load({});
        expect(dflt.zscaler.cloud).to.equal(undefined);
        expect(Object.keys(credentialValues(dflt.zscaler))).to.deep.equal([
            "ZSCALER_CLIENT_ID",
            "ZSCALER_CLIENT_SECRET",
            "ZSCALER_CUSTOMER_ID",
            "ZSCALER_VANITY_DOMAIN",
        ]);
        expect(load({ zscalerCloud: "  " }).zscaler.cloud).to.equal(undefined);
    });

    it("refuses an existing stack's cloud that is no longer accepted before any resource is registered, suggesting the one meant", async () => {
        const registered: string[] = [];
        const result = await executeProgram({
            config: { "aws:region": "us-east-1", ...GOOD, zscalerCloud: "Beta" },
            secretKeys: ["zscalerClientSecret"],
            mocks: {
                newResource(args) {
                    registered.push(args.name);
                    return mockState(args.type, args.name, args.inputs, "us-east-1");
                },
                call: (args) => strictInvoke(DEFAULT_INVOKES, args.token, args.inputs),
            },
        });
        expect(registered).to.deep.equal([]);
        expect(result.error!.message).to.equal(
            "The stack configuration has 1 problem:\n" +
                '  - zscalerCloud: "Beta" is not a Zscaler OneAPI cloud (production, beta, alpha, zscalertwo, exactly so written); ' +
                "the server would send the client id and secret to <vanity>.zslogin<cloud>.net. Did you mean beta? Run: pulumi config set zscalerCloud beta",
        );
    });
});

describe("containerEnv and the server's secrets", () => {
    it("tells a secret's name from a file path or a setting that merely mentions tokens", () => {
        for (const name of [
            "ZSCALER_MCP_AUTH_API_KEY",
            "ZSCALER_MCP_TLS_KEYFILE_PASSWORD",
            "ZSCALER_MCP_REQUEST_STATE_KEYS",
            "OIDCPROXY_CLIENT_SECRET",
            "ZSCALER_SANDBOX_TOKEN",
            "ZSCALER_CLIENT_SECRET",
            "ZSCALER_PRIVATE_KEY",
            "MCP_X_TOKEN",
            "FASTMCP_X_PASSWORD",
            "ZSCALER_X_SECRET",
            "ZSCALER_X_API_KEY",
        ]) {
            expect(isSecretEnvName(name), name).to.equal(true);
        }
        for (const name of [
            "ZSCALER_MCP_TLS_KEYFILE",
            "ZSCALER_MCP_TLS_CERTFILE",
            "ZSCALER_MCP_REPORT_TOKENS",
            "ZSCALER_MCP_TOKEN_ENCODING",
            "ZSCALER_MCP_AUTH_MODE",
            "ZSCALER_SECRET_NAME",
        ]) {
            expect(isSecretEnvName(name), name).to.equal(false);
        }
    });

    it("accepts file paths and settings whose names are not secrets", () => {
        const s = load({
            containerEnv: JSON.stringify([
                "ZSCALER_MCP_TLS_KEYFILE=/certs/server.key",
                "ZSCALER_MCP_REPORT_TOKENS=true",
                "ZSCALER_MCP_TOKEN_ENCODING=toon",
            ]),
        });
        expect(s.ecs.containerEnv).to.deep.equal({
            ZSCALER_MCP_TLS_KEYFILE: "/certs/server.key",
            ZSCALER_MCP_REPORT_TOKENS: "true",
            ZSCALER_MCP_TOKEN_ENCODING: "toon",
        });
    });

    it("never quotes the refused secret's value", () => {
        const [p] = problems({ containerEnv: JSON.stringify(["ZSCALER_MCP_AUTH_API_KEY=k-very-private-3"]) });
        expect(p).to.match(/^containerEnv: ZSCALER_MCP_AUTH_API_KEY is a secret/);
        expect(p).to.not.contain("k-very-private-3");
    });
});

describe("C1 control characters", () => {
    it("counts U+0080-U+009F as control characters, and U+00A0 onwards not", () => {
        expect(hasControl("a\u0080b")).to.equal(true);
        expect(hasControl("a\u0085b")).to.equal(true);
        expect(hasControl("a\u009fb")).to.equal(true);
        expect(hasControl("a\u00a0b é ü")).to.equal(false);
        expect(hasControl("tab\tand\nbreak", "\t\n")).to.equal(false);
    });

    it("shows a refused value's C1 characters escaped, not raw", () => {
        expect(withoutSecretValues(`k: ${shown("a\u009b2Jb\u007f")}`, () => false)).to.equal('k: "a\\u009b2Jb\\u007f"');
    });

    it("keeps the prompt's letters beyond ASCII", () => {
        expect(load({ systemPrompt: "Réponds en français, s'il te plaît." }).harness.systemPrompt).to.equal(
            "Réponds en français, s'il te plaît.",
        );
    });
});

describe("AWS partitions", () => {
    it("deploys to regions of the aws partition", () => {
        for (const region of ["us-east-1", "eu-central-1", "ap-southeast-2"]) {
            expect(load({ modelId: "global.anthropic.claude-sonnet-4-5-20250929-v1:0" }, [], region).region).to.equal(region);
        }
    });

    it("refuses a region of another partition without also blaming the model for it", () => {
        expect(problems({}, [], "cn-north-1")).to.have.length(1);
        expect(problems({}, [], "cn-north-1")[0]).to.match(/^aws:region: "cn-north-1" is a region of AWS China/);
    });
});

describe("mcpUrl host and port", () => {
    it("warns about an internationalised host, showing its Unicode and punycode forms", () => {
        const warning =
            "mcpUrl: the host bücher.example is internationalised; the harness calls it as xn--bcher-kva.example. " +
            "Check that this is your server's name: a letter of another script that looks the same names another host.";
        const s = load({ mcpUrl: "https://bücher.example/mcp" });
        expect(s.mcpUrl).to.equal("https://xn--bcher-kva.example/mcp");
        expect(s.warnings).to.deep.equal([warning]);
        expect(load({ mcpUrl: "https://xn--bcher-kva.example" }).warnings).to.deep.equal([warning]);
        expect(load({ mcpUrl: "https://mcp.example.com" }).warnings).to.deep.equal([]);
    });

    it("names neither form of a secret mcpUrl's host in the warning", () => {
        const [w] = load({ mcpUrl: "https://bücher.example/mcp" }, ["mcpUrl"]).warnings;
        expect(w).to.equal(
            "mcpUrl: the host (secret value not shown) is internationalised; the harness calls it as (secret value not shown). " +
                "Check that this is your server's name: a letter of another script that looks the same names another host.",
        );
    });

    it("accepts explicit ports from 1 to 65535", () => {
        expect(load({ mcpUrl: "https://mcp.example.com:1" }).mcpUrl).to.equal("https://mcp.example.com:1/mcp");
        expect(load({ mcpUrl: "https://mcp.example.com:8443/x" }).mcpUrl).to.equal("https://mcp.example.com:8443/x/mcp");
        expect(load({ mcpUrl: "https://mcp.example.com:65535" }).mcpUrl).to.equal("https://mcp.example.com:65535/mcp");
    });

    it("recognises an AgentCore Runtime endpoint by its host and first path segment, not by words in the URL", () => {
        for (const url of [
            "https://bedrock-agentcore.us-east-1.amazonaws.com/runtimes/arn%3Aaws/invocations",
            "https://bedrock-agentcore.eu-west-1.amazonaws.com/%52untimes/x",
            "https://bedrock-agentcore-fips.us-gov-west-1.amazonaws.com/runtimes/x",
        ]) {
            expect(isSigV4RuntimeUrl(url), url).to.equal(true);
        }
        for (const url of [
            "https://mcp.example.com/bedrock-agentcore.x/runtimes/y",
            "https://bedrock-agentcore.example.com/runtimes/x",
            "https://bedrock-agentcore.us-east-1.amazonaws.com.evil.example/runtimes/x",
            "https://bedrock-agentcore.us-east-1.amazonaws.com/gateways/runtimes/x",
            "https://bedrock-agentcore-control.us-east-1.amazonaws.com/runtimes/x",
            "not a url",
        ]) {
            expect(isSigV4RuntimeUrl(url), url).to.equal(false);
        }
        // A server of one's own whose path mentions them is deployed as any other.
        expect(load({ mcpUrl: "https://mcp.example.com/bedrock-agentcore.x/runtimes/y" }).mcpUrl).to.equal(
            "https://mcp.example.com/bedrock-agentcore.x/runtimes/y/mcp",
        );
    });
});
