/**
 * The stack configurations a rehearsal covers, and the rehearsal itself: up, a second up that
 * must change nothing, a change of settings, then destroy.
 */
import { scaledClock } from "../../providers/lifecycle";
import { Durations, FakeAws } from "../fakeaws/server";
import { arn, ecrImageUri, REGION, secretArn } from "../support/awsConstants";
import { COGNITO_CLIENT_SECRET } from "../support/mocks";
import { endpointIds, leaks, Operation, Rehearsal, RunResult } from "./engine";
import { ProviderHost } from "./host";

export const CLIENT_SECRET = "zs-rehearsal-client-secret-9f8e7d";
export const BASIC = "Basic " + Buffer.from(`rehearsal-client:${CLIENT_SECRET}`).toString("base64");
export const SECRET_NEEDLES = [CLIENT_SECRET, BASIC, COGNITO_CLIENT_SECRET];
const EXTERNAL_ARN = secretArn("team/zscaler-Xy12Ab");

/** The local endpoint runs no MCP server: the tool check runs against the real server in the end-to-end tier. */
const NO_TOOL_CHECK = { verifyTools: "false" };

const CREDENTIALS = {
    "aws:region": REGION,
    zscalerClientId: "rehearsal-client",
    zscalerClientSecret: CLIENT_SECRET,
    zscalerCustomerId: "cust-123",
    zscalerVanityDomain: "acme",
    ...NO_TOOL_CHECK,
};

export interface Scenario {
    name: string;
    config: Record<string, string>;
    invokes?: Record<string, (inputs: any) => Record<string, unknown>>;
    topology: "ecs" | "gateway";
    /** The stack deploys an MCP server (not a user URL). */
    deploysServer: boolean;
    /** The config keys set with --secret (by default the client secret, when set). */
    secretKeys?: string[];
}

/** What AWS answers a stack that names its own secret (secretsMode external) or cluster (ecsClusterName). */
export const externalSecret = { "aws:secretsmanager/getSecret:getSecret": (i: any) => ({ arn: EXTERNAL_ARN, name: i.name }) };
export const existingCluster = {
    "aws:ecs/getCluster:getCluster": (i: any) => ({ clusterName: i.clusterName, arn: arn("ecs", `cluster/${i.clusterName}`) }),
};

export const SCENARIOS: Scenario[] = [
    { name: "ecs default", config: { ...CREDENTIALS }, topology: "ecs", deploysServer: true },
    {
        name: "ecs, existing cluster",
        config: { ...CREDENTIALS, ecsClusterName: "shared-cluster" },
        invokes: existingCluster,
        topology: "ecs",
        deploysServer: true,
    },
    {
        name: "ecs, external secret",
        config: { ...CREDENTIALS, secretsMode: "external", zscalerSecretName: "team/zscaler" },
        invokes: externalSecret,
        topology: "ecs",
        deploysServer: true,
    },
    { name: "ecs, plaintext secret", config: { ...CREDENTIALS, secretsMode: "plaintext" }, topology: "ecs", deploysServer: true },
    {
        name: "ecs, user MCP URL",
        config: { ...CREDENTIALS, mcpUrl: "https://mcp.acme.example.com/" },
        topology: "ecs",
        deploysServer: false,
    },
    { name: "gateway, managed secret", config: { ...CREDENTIALS, topology: "gateway" }, topology: "gateway", deploysServer: true },
    {
        name: "gateway, external secret",
        config: {
            "aws:region": "us-east-1",
            topology: "gateway",
            secretsMode: "external",
            zscalerSecretName: "team/zscaler",
            ...NO_TOOL_CHECK,
        },
        invokes: externalSecret,
        topology: "gateway",
        deploysServer: true,
    },
];

export interface Bench {
    fake: FakeAws;
    host: ProviderHost;
    stop(): Promise<void>;
}

/** One local endpoint and one dynamic-provider host, with time compressed by `scale`. */
export async function startBench(scale: number, durations?: Partial<Durations>): Promise<Bench> {
    const anchor = Date.now();
    const fake = new FakeAws({ clock: scaledClock(scale, anchor), durations });
    await fake.start();
    const host = await ProviderHost.start({
        ...fake.env(),
        ZSCALER_MCP_TIME_SCALE: String(scale),
        ZSCALER_MCP_TIME_ANCHOR: String(anchor),
    });
    return {
        fake,
        host,
        stop: async () => {
            await host.stop();
            await fake.stop();
        },
    };
}

export interface RehearsalReport {
    scenario: string;
    runs: { label: string; result: RunResult }[];
    endChecks: string[];
    leaks: string[];
    orphans: string[];
}

function changesOf(result: RunResult): string[] {
    return result.operations.filter((o) => o.op !== "same").map((o) => `${o.op} ${o.name}`);
}

/** What the endpoint should hold after the first up; each string is a failed check. */
export function checkEndState(fake: FakeAws, scenario: Pick<Scenario, "topology" | "deploysServer">, basicHeader = BASIC): string[] {
    const problems: string[] = [];
    const [harness] = fake.list("harness");
    if (!harness || harness.status !== "READY") {
        return [`no READY harness (found ${harness?.status ?? "none"})`];
    }
    const tool = harness.data.tools?.[0];
    if (scenario.topology === "ecs") {
        const url: string = tool?.config?.remoteMcp?.url ?? "";
        if (tool?.type !== "remote_mcp" || !url.endsWith("/mcp") || url.endsWith("/")) {
            problems.push(`remote_mcp tool URL is ${url}`);
        }
        const [provider] = fake.list("apikey");
        if (tool?.config?.remoteMcp?.headers?.Authorization !== `\${${provider?.arn}}`) {
            problems.push("the Authorization header is not the Token Vault reference");
        }
        if (provider?.data.apiKey !== basicHeader) {
            problems.push("the Token Vault does not hold the Basic header");
        }
        if (scenario.deploysServer) {
            const [svc] = fake.list("ecs");
            const configs = svc?.data.configs ?? [];
            const env: { name: string; value: string }[] = configs[configs.length - 1]?.primaryContainer?.environment ?? [];
            const hosts = env.find((e) => e.name === "ZSCALER_MCP_ALLOWED_HOSTS")?.value.split(",") ?? [];
            if (!svc?.data.endpoint || hosts[0] !== svc.data.endpoint) {
                problems.push(`the allow-list ${hosts.join(",")} does not start with the service FQDN ${svc?.data.endpoint}`);
            }
            if (url !== `https://${svc?.data.endpoint}/mcp`) {
                problems.push(`the harness calls ${url}, not the service`);
            }
        } else if (fake.list("ecs").length > 0) {
            problems.push("an ECS service exists although the user brought the MCP URL");
        }
    } else {
        const oauth = tool?.config?.agentCoreGateway?.outboundAuth?.oauth;
        const [gw] = fake.list("gateway");
        const [provider] = fake.list("oauth2");
        if (tool?.type !== "agentcore_gateway" || tool?.config?.agentCoreGateway?.gatewayArn !== gw?.arn) {
            problems.push("the harness tool does not point at the gateway");
        }
        if (
            oauth?.providerArn !== provider?.arn ||
            JSON.stringify(oauth?.scopes) !== '["zscaler-mcp/invoke"]' ||
            oauth?.grantType !== "CLIENT_CREDENTIALS"
        ) {
            problems.push(`the gateway OAuth block is ${JSON.stringify(oauth)}`);
        }
        const [rt] = fake.list("runtime");
        const env: Record<string, string> = rt?.data.environmentVariables ?? {};
        if (!env.ZSCALER_SECRET_NAME) {
            problems.push("the runtime has no ZSCALER_SECRET_NAME");
        }
        for (const k of ["ZSCALER_CLIENT_ID", "ZSCALER_CLIENT_SECRET"]) {
            if (k in env) {
                problems.push(`the runtime environment carries ${k}`);
            }
        }
        const [target] = fake.list("target");
        if (
            target?.status !== "READY" ||
            !String(target?.data.targetConfiguration?.mcp?.mcpServer?.endpoint).includes(encodeURIComponent(rt?.arn ?? "?"))
        ) {
            problems.push("the gateway target does not reach the runtime");
        }
    }
    return problems;
}

/** Up, up again (no change), change settings, destroy; with the checks after each step. */
export async function rehearse(bench: Bench, scenario: Scenario): Promise<RehearsalReport> {
    bench.fake.reset();
    const r = new Rehearsal(bench.fake, bench.host, "rehearsal");
    const secretKeys = scenario.secretKeys ?? (scenario.config.zscalerClientSecret ? ["zscalerClientSecret"] : []);
    // The Basic header and the secrets no state or output may show in plaintext: this configuration's own.
    const { zscalerClientId: id, zscalerClientSecret: secret } = scenario.config;
    const basic = id !== undefined && secret !== undefined ? "Basic " + Buffer.from(`${id}:${secret}`).toString("base64") : BASIC;
    const needles = [
        ...new Set([...SECRET_NEEDLES, basic, ...secretKeys.map((k) => scenario.config[k]).filter((v) => v && v.length >= 4)]),
    ];
    const up = (config: Record<string, string>) => r.up({ config, secretKeys, invokes: scenario.invokes });
    const runs: RehearsalReport["runs"] = [];
    const orphans: string[] = [];
    const compare = (label: string) => {
        const s = r.dynamicIds();
        const e = endpointIds(bench.fake);
        if (JSON.stringify(s) !== JSON.stringify(e)) {
            orphans.push(`${label}: state ${JSON.stringify(s)} vs endpoint ${JSON.stringify(e)}`);
        }
    };
    const first = await up(scenario.config);
    runs.push({ label: "up", result: first });
    compare("after up");
    const endChecks = first.ok ? checkEndState(bench.fake, scenario, basic) : [`first up failed: ${first.error}`];
    runs.push({ label: "up again, unchanged", result: await up(scenario.config) });
    const changed: Record<string, string> = {
        ...scenario.config,
        systemPrompt: "You are a careful Zscaler assistant.",
        modelId: "us.amazon.nova-pro-v1:0",
        ...(scenario.deploysServer ? { imageUri: ecrImageUri("zscaler/zscaler-mcp-server:0.15.4") } : {}),
    };
    runs.push({ label: "change prompt, model, image", result: await up(changed) });
    runs.push({ label: "rename the harness", result: await up({ ...changed, harnessName: "zscaler_mcp_renamed" }) });
    compare("after changes");
    runs.push({ label: "destroy", result: await r.destroy() });
    compare("after destroy");
    return { scenario: scenario.name, runs, endChecks, leaks: leaks(r, needles), orphans };
}

export function describeRun(result: RunResult): string[] {
    const lines = result.operations.map((o: Operation) => {
        const ms = (o.endMs - o.startMs).toFixed(0).padStart(6);
        return `    ${o.op.padEnd(8)} ${o.name.padEnd(40)} ${ms} ms${o.ok ? "" : `  FAILED: ${o.error}`}`;
    });
    return [...lines, `    ${result.ok ? "ok" : `FAILED: ${result.error}`} in ${result.wallMs.toFixed(0)} ms`];
}

export { changesOf };

/** The scenario of that name (a typo fails the test that asks for it). */
export function scenario(name: string): Scenario {
    const found = SCENARIOS.find((s) => s.name === name);
    if (!found) {
        throw new Error(`no rehearsal scenario named "${name}"`);
    }
    return found;
}
