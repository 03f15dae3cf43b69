/**
 * What AWS does with the server the program deploys, done on this machine with the real Zscaler
 * MCP server, for the end-to-end tests:
 *
 * - ECS Express: each service deployment starts the deployed container (its image's server
 *   release, its environment, its secrets[] resolved from the test account's Secrets Manager; the
 *   container's port mapped to a free one here). A container that exits fails the deployment, as
 *   ECS's circuit breaker does; one that listens takes the load balancer's traffic, which reaches it
 *   at the service's public name (`*.ecs.<region>.on.aws`) with TLS ended and the Host kept.
 * - Cognito: the hosted domain's token endpoint grants client credentials to the test account's
 *   app clients.
 * - AgentCore Gateway: `https://<id>.gateway.bedrock-agentcore.<region>.amazonaws.com/mcp` checks
 *   the bearer token against the gateway's authorizer (allowed clients and scopes) and serves MCP,
 *   listing each target's tools as `<target>___<tool>`; it lists them from the target's runtime
 *   with MCP 2026-07-28 through AgentCore Runtime (`agentcoreRuntime.ts`), which starts the
 *   runtime's container, its credentials read from Secrets Manager at boot, on the first call.
 *
 * - A user's own MCP server: `serveOwnServer(host)` runs the server there as an ECS deployment
 *   would, behind the same load balancer.
 *
 * Public names reach this machine through the intercepting proxy, which the program's Node
 * processes use through HTTPS_PROXY and NODE_EXTRA_CA_CERTS (see env()); the AWS APIs stay on the
 * local endpoint. Zscaler's token endpoint accepts the credentials named at construction.
 */
import { randomBytes } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { ListToolsRequestSchema, type Tool } from "@modelcontextprotocol/sdk/types.js";
import { RUNTIME_HEADER_ALLOWLIST, SERVER_LISTEN } from "../../server/env";
import { serverImageVersion, TESTED_SERVER_VERSIONS } from "../../server/releases";
import type { Cloud } from "../awsplugin/cloud";
import type { ContainerOutcome, DeployedContainer, FakeAws, Rec } from "../fakeaws/server";
import { startRuntimeFront, type RuntimeFront } from "./agentcoreRuntime";
import { listThroughRuntime } from "./clients";
import { freePort, startInterceptingProxy, type InterceptingProxy } from "./proxy";
import { ServerExited, startZscalerMcp, type RunningServer } from "./zscalerMcp";

/** The last lines a refused container printed that go to its log group. */
const EXIT_LOG_LINES = 40;

async function listen(server: http.Server): Promise<number> {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return (server.address() as AddressInfo).port;
}

function close(server: http.Server): Promise<void> {
    return new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
    });
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
}

function readBody(req: http.IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
        let body = "";
        req.on("data", (d) => (body += d));
        req.on("end", () => resolve(body));
        req.on("error", reject);
    });
}

/** The server release an image runs here: the one its tag names, when the tests install it. */
function releaseOf(image: string): string | undefined {
    const version = serverImageVersion(image);
    return version && (TESTED_SERVER_VERSIONS as readonly string[]).includes(version) ? version : undefined;
}

export class ServerHosting {
    private proxy?: InterceptingProxy;
    private readonly servers: http.Server[] = [];
    /** The ECS task the load balancer sends traffic to. */
    private ecsTask?: RunningServer;
    /** Users' own servers by host name. */
    private readonly ownServers = new Map<string, RunningServer>();
    /** Runtime containers by runtime id and version, each behind AgentCore Runtime's forwarding. */
    private readonly runtimes = new Map<string, Promise<{ server: RunningServer; front: RuntimeFront }>>();
    /** Access tokens the Cognito token endpoint issued: the app client and its scopes. */
    private readonly tokens = new Map<string, { clientId: string; scopes: string[] }>();

    constructor(
        private readonly fake: FakeAws,
        private readonly cloud: Cloud,
        /** Zscaler client credentials (`id:secret`) the token endpoint accepts. */
        private readonly zscalerAccepts: string[],
    ) {}

    async start(): Promise<void> {
        const alb = http.createServer((req, res) => this.loadBalance(req, res));
        const cognito = http.createServer((req, res) => void this.cognitoToken(req, res));
        const gateway = http.createServer((req, res) => void this.gateway(req, res));
        const [albPort, cognitoPort, gatewayPort] = [await listen(alb), await listen(cognito), await listen(gateway)];
        this.servers.push(alb, cognito, gateway);
        this.proxy = await startInterceptingProxy({
            accept: this.zscalerAccepts,
            routes: {
                "\\.ecs\\.[a-z0-9-]+\\.on\\.aws$": `http://127.0.0.1:${albPort}`,
                "^mcp\\.example\\.com$": `http://127.0.0.1:${albPort}`,
                "\\.auth\\.[a-z0-9-]+\\.amazoncognito\\.com$": `http://127.0.0.1:${cognitoPort}`,
                "\\.gateway\\.bedrock-agentcore\\.[a-z0-9-]+\\.amazonaws\\.com$": `http://127.0.0.1:${gatewayPort}`,
                // AWS's APIs, for a machine that reaches them only through this proxy (its own https endpoints).
                "\\.amazonaws\\.com$": this.fake.url,
            },
        });
        this.fake.onDeployment = (container) => this.deploy(container);
    }

    /** For the program's processes: public names through the proxy, whose CA they trust; loopback direct. */
    env(): Record<string, string> {
        return { HTTPS_PROXY: this.proxy!.url, NO_PROXY: "127.0.0.1,localhost", NODE_EXTRA_CA_CERTS: this.proxy!.caFile };
    }

    /** What the proxy was asked for (the Zscaler token requests among them), oldest first. */
    requests() {
        return this.proxy?.log() ?? [];
    }

    /** Runs a user's own server at `https://<host>/mcp`: the default release, credentials and allow-list as an ECS task has them. */
    async serveOwnServer(host: string, env: Record<string, string>): Promise<void> {
        const version = TESTED_SERVER_VERSIONS[TESTED_SERVER_VERSIONS.length - 1];
        const server = await startZscalerMcp(version, {
            env: { ...env, ZSCALER_MCP_ALLOWED_HOSTS: host, ZSCALER_MCP_PORT: String(await freePort()) },
            proxy: this.proxy,
        });
        await this.ownServers.get(host)?.stop();
        this.ownServers.set(host, server);
    }

    /** Stops a user's own server: its name then reaches nothing. */
    async stopOwnServer(host: string): Promise<void> {
        await this.ownServers.get(host)?.stop();
        this.ownServers.delete(host);
    }

    async stop(): Promise<void> {
        this.fake.onDeployment = undefined;
        await this.ecsTask?.stop();
        for (const host of [...this.ownServers.keys()]) {
            await this.stopOwnServer(host);
        }
        for (const r of this.runtimes.values()) {
            await r.then(
                async ({ server, front }) => {
                    await front.stop();
                    await server.stop();
                },
                () => undefined,
            );
        }
        for (const s of this.servers) {
            await close(s);
        }
        await this.proxy?.stop();
    }

    // ECS Express

    private async deploy(container: DeployedContainer): Promise<ContainerOutcome> {
        const version = releaseOf(container.image);
        if (!version) {
            return { ok: false, exitCode: 125, log: `the tests run no server release for the image ${container.image}` };
        }
        const env: Record<string, string> = { ...container.environment };
        for (const [name, ref] of Object.entries(container.secrets)) {
            // <secret ARN>:<JSON key>:: as ECS resolves it when the task starts.
            const m = /^(arn:aws:secretsmanager:[^:]+:\d{12}:secret:[^:]+):([^:]+)::$/.exec(ref);
            const value = m ? this.cloud.currentSecretString(m[1]) : undefined;
            const key = value !== undefined ? (JSON.parse(value) as Record<string, string>)[m![2]] : undefined;
            if (key === undefined) {
                return { ok: false, exitCode: 1, log: `ResourceInitializationError: unable to retrieve secret ${ref} for ${name}` };
            }
            env[name] = key;
        }
        // The container listens on its port; here that port is mapped to a free one.
        env.ZSCALER_MCP_PORT = String(await freePort());
        try {
            const task = await startZscalerMcp(version, { env, proxy: this.proxy });
            // The load balancer's health check: a task that fails it is stopped by ECS.
            const health = await fetch(`${task.base}${SERVER_LISTEN.healthCheckPath}`).then(
                (r) => r.status,
                () => 0,
            );
            if (health !== 200) {
                await task.stop();
                return {
                    ok: false,
                    exitCode: 143,
                    stoppedReason: `Task failed ELB health checks (${SERVER_LISTEN.healthCheckPath} answered ${health})`,
                    log: task.output().split("\n").slice(-EXIT_LOG_LINES).join("\n"),
                };
            }
            const old = this.ecsTask;
            this.ecsTask = task;
            await old?.stop();
            return { ok: true };
        } catch (e) {
            if (e instanceof ServerExited) {
                return { ok: false, exitCode: e.code ?? 1, log: e.output.split("\n").slice(-EXIT_LOG_LINES).join("\n") };
            }
            throw e;
        }
    }

    private loadBalance(req: http.IncomingMessage, res: http.ServerResponse): void {
        const host = (req.headers.host ?? "").replace(/:\d+$/, "");
        const task = host.endsWith(".on.aws") ? this.ecsTask : this.ownServers.get(host);
        if (!task) {
            json(res, 503, { message: "no healthy target" });
            return;
        }
        const upstream = http.request(
            { host: "127.0.0.1", port: task.port, method: req.method, path: req.url, headers: req.headers },
            (answer) => {
                res.writeHead(answer.statusCode ?? 502, answer.headers);
                answer.pipe(res);
            },
        );
        upstream.on("error", () => json(res, 502, { message: "the target closed the connection" }));
        req.pipe(upstream);
    }

    // Cognito

    private async cognitoToken(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
        const form = new URLSearchParams(await readBody(req));
        const basic = /^Basic (\S+)$/.exec(req.headers.authorization ?? "");
        const [clientId, clientSecret] = basic
            ? Buffer.from(basic[1], "base64").toString("utf8").split(":")
            : [form.get("client_id") ?? "", form.get("client_secret") ?? ""];
        const client = this.cloud.userPoolClient(clientId);
        if (req.method !== "POST" || req.url?.split("?")[0] !== "/oauth2/token" || !client || client.clientSecret !== clientSecret) {
            json(res, 400, { error: "invalid_client" });
            return;
        }
        if (form.get("grant_type") !== "client_credentials") {
            json(res, 400, { error: "unsupported_grant_type" });
            return;
        }
        const asked = (form.get("scope") ?? "").split(" ").filter(Boolean);
        const scopes = asked.length > 0 ? asked : client.scopes;
        if (scopes.some((s) => !client.scopes.includes(s))) {
            json(res, 400, { error: "invalid_scope" });
            return;
        }
        json(res, 200, { access_token: this.issue(clientId, scopes), expires_in: 3600, token_type: "Bearer" });
    }

    /** A Cognito access token for an app client and scopes. */
    private issue(clientId: string, scopes: string[]): string {
        const token = `cognito-${randomBytes(16).toString("hex")}`;
        this.tokens.set(token, { clientId, scopes });
        return token;
    }

    /** Whether a custom JWT authorizer admits a token: issued here, for an allowed client, with every required scope. */
    private admits(authorizer: { allowedClients?: string[]; allowedScopes?: string[] } | undefined, bearer: string): boolean {
        const token = this.tokens.get(bearer);
        return (
            token !== undefined &&
            (authorizer?.allowedClients ?? []).includes(token.clientId) &&
            (authorizer?.allowedScopes ?? []).every((s) => token.scopes.includes(s))
        );
    }

    /**
     * The token the Token Vault gets for a target's OAuth credential provider: from Cognito, with
     * the client id and secret the provider holds and the scopes the target asks for.
     */
    private outboundToken(target: Rec): string {
        const oauth = target.data.credentialProviderConfigurations?.[0]?.credentialProvider?.oauthCredentialProvider;
        const provider = this.fake.list("oauth2").find((p) => p.arn === oauth?.providerArn);
        const config = provider?.data.config?.customOauth2ProviderConfig;
        const client = config ? this.cloud.userPoolClient(config.clientId) : undefined;
        const scopes: string[] = oauth?.scopes ?? [];
        if (!client || client.clientSecret !== config.clientSecret || scopes.some((s) => !client.scopes.includes(s))) {
            throw new Error(
                `target ${target.name}: the Token Vault could not get a token from Cognito with ${oauth?.providerArn ?? "no OAuth credential provider"}`,
            );
        }
        return this.issue(config.clientId, scopes);
    }

    // AgentCore Gateway and Runtime

    private async gateway(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
        const id = (req.headers.host ?? "").split(".")[0];
        const gw = this.fake.list("gateway").find((g) => g.id === id);
        if (!gw || req.url?.split("?")[0] !== "/mcp") {
            json(res, 404, { message: "Not found" });
            return;
        }
        const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "";
        if (!this.admits(gw.data.authorizerConfiguration?.customJWTAuthorizer, bearer)) {
            json(
                res,
                401,
                { jsonrpc: "2.0", id: null, error: { code: -32001, message: "Invalid Bearer token" } },
                { "www-authenticate": "Bearer" },
            );
            return;
        }
        const body = JSON.parse((await readBody(req)) || "null");
        // A stateless MCP server per request, as the gateway answers each call on its own.
        const server = new Server({ name: gw.name, version: "1.0.0" }, { capabilities: { tools: {} } });
        server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: await this.gatewayTools(gw) }));
        const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
        await server.connect(transport);
        res.on("close", () => void server.close());
        await transport.handleRequest(req, res, body);
    }

    private async gatewayTools(gw: Rec): Promise<Tool[]> {
        const tools: Tool[] = [];
        for (const target of this.fake.list("target").filter((t) => t.data.gatewayId === gw.id)) {
            const endpoint: string = target.data.targetConfiguration?.mcp?.mcpServer?.endpoint ?? "";
            const arn = decodeURIComponent(/\/runtimes\/([^/]+)\/invocations/.exec(endpoint)?.[1] ?? "");
            const runtime = this.fake.list("runtime").find((r) => r.arn === arn);
            if (!runtime) {
                throw new Error(`target ${target.name}: no runtime at ${endpoint}`);
            }
            const outbound = this.outboundToken(target);
            const { front } = await this.runtimeContainer(runtime);
            const listed = await listThroughRuntime(front.url, outbound);
            if (listed.error) {
                throw new Error(`target ${target.name}: ${listed.error}`);
            }
            tools.push(
                ...listed.tools.map((t) => ({
                    name: `${target.name}___${t.name}`,
                    description: t.description,
                    inputSchema: (t.inputSchema ?? { type: "object" }) as Tool["inputSchema"],
                    annotations: { readOnlyHint: t.readOnly },
                })),
            );
        }
        return tools;
    }

    /** The runtime's container for its current version, started on first use. */
    private runtimeContainer(runtime: Rec): Promise<{ server: RunningServer; front: RuntimeFront }> {
        const key = `${runtime.id}:${runtime.data.version}`;
        let started = this.runtimes.get(key);
        if (!started) {
            started = (async () => {
                const image: string = runtime.data.agentRuntimeArtifact?.containerConfiguration?.containerUri ?? "";
                const version = releaseOf(image);
                if (!version) {
                    throw new Error(`the tests run no server release for the image ${image}`);
                }
                const env: Record<string, string> = { ...runtime.data.environmentVariables };
                // Secrets Manager answers the container's boto3 from the test account's secret.
                const secretName = env.ZSCALER_SECRET_NAME;
                const value = secretName ? this.cloud.currentSecretString(secretName) : undefined;
                if (secretName && value !== undefined) {
                    this.fake.putSecret(secretName, { value });
                }
                env.ZSCALER_MCP_PORT = String(await freePort());
                const server = await startZscalerMcp(version, { env, proxy: this.proxy, aws: this.fake.env() });
                const front = await startRuntimeFront({
                    server: server.base,
                    allowlist: runtime.data.requestHeaderConfiguration?.requestHeaderAllowlist ?? RUNTIME_HEADER_ALLOWLIST,
                    jwtAuthorizer: runtime.data.authorizerConfiguration?.customJWTAuthorizer !== undefined,
                    acceptsToken: (bearer) => this.admits(runtime.data.authorizerConfiguration?.customJWTAuthorizer, bearer),
                });
                return { server, front };
            })();
            this.runtimes.set(key, started);
        }
        return started;
    }
}
