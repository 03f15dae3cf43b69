/**
 * The real Zscaler MCP server (from PyPI, at the default image's release and at the newest), started
 * with exactly the environment the program gives its container, and called by a real MCP client
 * the way AWS calls it: the harness through the ECS load balancer with the Token Vault's Basic
 * header, and AgentCore Gateway through AgentCore Runtime. Zscaler's token endpoint is answered by
 * the intercepting proxy; Secrets Manager by the local AWS endpoint.
 */
import { expect } from "chai";
import {
    basicAuthHeader,
    credentialValues,
    ecsServerEnvironment,
    RUNTIME_HEADER_ALLOWLIST,
    runtimeServerEnvironment,
    SERVER_LISTEN,
} from "../../server/env";
import { serverImageProblem, TESTED_SERVER_VERSIONS } from "../../server/releases";
import { DEFAULTS } from "../../config/keys";
import { loadSettings, type Settings } from "../../config/settings";
import { containerEnvironment, type ExpressGatewayServiceInputs } from "../../providers/expressGatewayService";
import { scaledClock } from "../../providers/clock";
import { FakeAws } from "../fakeaws/server";
import { RUNTIME_PROTOCOL_VERSION, startRuntimeFront, type RuntimeFront } from "./agentcoreRuntime";
import { listOverEcs, listThroughRuntime, runToolCheck } from "./clients";
import { freePort, startInterceptingProxy, toolDir, type InterceptingProxy } from "./proxy";
import { expectRefusal, startZscalerMcp, type RunningServer } from "./zscalerMcp";

const GOOD = { id: "mcp-test-client", secret: "mcp-test-secret-7Yh2" };
const WRONG = { id: "mcp-test-client", secret: "not-the-secret" };
const FQDN = "zscaler-mcp-dev-a1b2c3d4.ecs.us-east-1.on.aws";
const IMAGE = (version: string) => `709825985650.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server:${version}-bedrock`;

/** The stack's settings, read by the program's own validator from a plain configuration. */
function settings(config: Record<string, string>, credentials = GOOD): Settings {
    const values: Record<string, string> = {
        zscalerClientId: credentials.id,
        zscalerClientSecret: credentials.secret,
        zscalerCustomerId: "1234567",
        zscalerVanityDomain: "acme",
        ...config,
    };
    return loadSettings(
        { get: (k) => values[k], isSecret: (k) => k === "zscalerClientSecret", keys: () => Object.keys(values) },
        { project: "zscaler-mcp-harness", stack: "dev" },
    );
}

/**
 * The ECS container's environment as the task sees it: the service's environment after the
 * allow-list rollout (or before it, without `fqdn`), and the secret's keys that ECS injects from
 * secrets[].
 */
function ecsTaskEnvironment(s: Settings, port: number, fqdn: string | undefined): Record<string, string> {
    const inputs = {
        container: { environment: ecsServerEnvironment(s.ecs.containerEnv, port) },
        hostValidation: s.ecs.hostValidation,
        allowedHosts: s.ecs.allowedHosts,
    };
    const environment = Object.fromEntries(
        containerEnvironment(inputs as unknown as ExpressGatewayServiceInputs, fqdn).map((e) => [e.name, e.value]),
    );
    return { ...environment, ...(credentialValues(s.zscaler) as Record<string, string>) };
}

async function statusOf(url: string, init: RequestInit = {}): Promise<number> {
    return (await fetch(url, init)).status;
}

describe("the real Zscaler MCP server with the program's environment", function () {
    this.timeout(180_000);
    let proxy: InterceptingProxy;
    // Only Secrets Manager is asked, and nothing waits on its clock.
    const aws = new FakeAws({ clock: scaledClock() });

    before(async function () {
        this.timeout(900_000); // a cold cache installs the servers and mitmproxy from PyPI
        await toolDir("mitmproxy");
        await aws.start();
    });
    after(async () => {
        await aws.stop();
    });

    /** A proxy that accepts GOOD and routes the service's name (and a stranger's) to `port`. */
    async function proxyTo(port: number): Promise<InterceptingProxy> {
        return startInterceptingProxy({
            accept: [`${GOOD.id}:${GOOD.secret}`],
            routes: {
                [`^${FQDN.replace(/\./g, "\\.")}$`]: `http://127.0.0.1:${port}`,
                "^stranger\\.example\\.com$": `http://127.0.0.1:${port}`,
            },
        });
    }

    for (const version of TESTED_SERVER_VERSIONS) {
        describe(`zscaler-mcp ${version}, ECS topology`, () => {
            const refusal = serverImageProblem(IMAGE(version), "ecs", DEFAULTS.imageUri);

            if (refusal) {
                it("is refused by the program before anything is created, naming imageUri and a release that works", () => {
                    expect(() => settings({ imageUri: IMAGE(version) })).to.throw(
                        /imageUri: the tag 0\.10\.4 is read as a release of the Zscaler MCP server, and the server 0\.10\.4 answers the load balancer's health check/,
                    );
                    expect(refusal).to.contain(
                        "pulumi config set imageUri 709825985650.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server:0.15.4-bedrock",
                    );
                });

                it("really answers the load balancer's health check with 404 (why the program refuses it)", async () => {
                    const port = await freePort();
                    const s = settings({});
                    const server = await startZscalerMcp(version, { env: ecsTaskEnvironment(s, port, undefined) });
                    try {
                        expect(await statusOf(`${server.base}${SERVER_LISTEN.healthCheckPath}`)).to.equal(404);
                    } finally {
                        await server.stop();
                    }
                });
                return;
            }

            let server: RunningServer;
            before(async () => {
                const port = await freePort();
                proxy = await proxyTo(port);
                // After the allow-list rollout: the service's own name first in the list.
                server = await startZscalerMcp(version, { env: ecsTaskEnvironment(settings({}), port, FQDN), proxy });
            });
            after(async () => {
                await server?.stop();
                await proxy?.stop();
            });

            it("passes the load balancer's health check", async () => {
                expect(await statusOf(`${server.base}${SERVER_LISTEN.healthCheckPath}`)).to.equal(200);
            });

            it("lists its read-only tools to the harness's call with the Token Vault's Basic header, and no write tool", async () => {
                const listed = await listOverEcs(proxy, FQDN, basicAuthHeader(GOOD.id, GOOD.secret));
                expect(listed.serverName).to.equal("zscaler-mcp");
                expect(listed.serverVersion).to.equal(version);
                expect(listed.tools.length).to.be.greaterThan(100);
                expect(listed.tools.filter((t) => !t.readOnly).map((t) => t.name)).to.deep.equal([]);
                expect(listed.tools.map((t) => t.name)).to.include.members(["zia_list_locations", "zpa_list_application_segments"]);
                const logins = proxy.log().filter((e) => e.action === "token");
                expect(logins.at(-1)).to.deep.equal({
                    host: "acme.zslogin.net",
                    path: "/oauth2/v1/token",
                    action: "token",
                    clientId: GOOD.id,
                    accepted: true,
                });
            });

            it("answers 401 when Zscaler rejects the credentials in the header", async () => {
                const err = await listOverEcs(proxy, FQDN, basicAuthHeader(WRONG.id, WRONG.secret)).then(
                    () => undefined,
                    (e: Error & { code?: number }) => e,
                );
                expect(err?.code).to.equal(401);
                expect(err?.message).to.contain("Invalid OneAPI credentials");
            });

            it("answers 401 to a call without credentials: the public endpoint never trusts the platform", async () => {
                const err = await listOverEcs(proxy, FQDN, undefined).then(
                    () => undefined,
                    (e: Error & { code?: number }) => e,
                );
                expect(err?.code).to.equal(401);
            });

            it("passes the deploy's tool check, made through the user's proxy, with its name, version and tool count", async () => {
                const report = await runToolCheck(
                    { kind: "remote_mcp", url: `https://${FQDN}/mcp`, authorization: basicAuthHeader(GOOD.id, GOOD.secret) },
                    { HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: proxy.caFile },
                );
                const listed = await listOverEcs(proxy, FQDN, basicAuthHeader(GOOD.id, GOOD.secret));
                expect(report).to.deep.equal({
                    serverName: "zscaler-mcp",
                    serverVersion: version,
                    protocolVersion: "2025-11-25",
                    toolCount: listed.tools.length,
                });
            });

            it("fails the deploy's tool check with Zscaler's refusal, a Host outside the allow-list and an untrusted CA, each named", async () => {
                const proxied = { HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: proxy.caFile };
                const wrong = await runToolCheck(
                    { kind: "remote_mcp", url: `https://${FQDN}/mcp`, authorization: basicAuthHeader(WRONG.id, WRONG.secret) },
                    proxied,
                );
                expect(wrong)
                    .to.have.property("error")
                    .that.matches(
                        /^Tool check: the MCP server at https:\/\/\S+ answered 401: Zscaler rejected the credentials \(.*Invalid OneAPI credentials/,
                    );
                const stranger = await runToolCheck(
                    { kind: "remote_mcp", url: "https://stranger.example.com/mcp", authorization: basicAuthHeader(GOOD.id, GOOD.secret) },
                    proxied,
                );
                expect(stranger)
                    .to.have.property("error")
                    .that.contains("answered 421 Misdirected Request: its Host allow-list does not include stranger.example.com");
                const untrusted = await runToolCheck(
                    { kind: "remote_mcp", url: `https://${FQDN}/mcp`, authorization: basicAuthHeader(GOOD.id, GOOD.secret) },
                    { HTTPS_PROXY: proxy.url },
                );
                expect(untrusted)
                    .to.have.property("error")
                    .that.matches(/presented a TLS certificate this machine does not trust .*issued by CN=mitmproxy/);
            });

            it("answers 421 to a Host that is not in its allow-list", async () => {
                const err = await listOverEcs(proxy, "stranger.example.com", basicAuthHeader(GOOD.id, GOOD.secret)).then(
                    () => undefined,
                    (e: Error & { code?: number }) => e,
                );
                expect(err?.code).to.equal(421);
            });
        });

        describe(`zscaler-mcp ${version}, ECS variants`, () => {
            if (serverImageProblem(IMAGE(version), "ecs", DEFAULTS.imageUri)) {
                return; // refused above
            }

            it("starts before the allow-list rollout, with only loopback and the user's hosts in the list", async () => {
                const port = await freePort();
                const env = ecsTaskEnvironment(settings({ allowedHosts: '["mcp.acme.com"]' }), port, undefined);
                expect(env.ZSCALER_MCP_ALLOWED_HOSTS).to.equal("127.0.0.1:*,localhost:*,mcp.acme.com");
                const server = await startZscalerMcp(version, { env });
                try {
                    expect(await statusOf(`${server.base}${SERVER_LISTEN.healthCheckPath}`)).to.equal(200);
                } finally {
                    await server.stop();
                }
            });

            it("serves any Host with host validation disabled, and still checks the credentials", async () => {
                const port = await freePort();
                const local = await proxyTo(port);
                const env = ecsTaskEnvironment(settings({ hostValidation: "disabled", acknowledgeRisks: '["any-host"]' }), port, FQDN);
                expect(env.ZSCALER_MCP_DISABLE_HOST_VALIDATION).to.equal("true");
                expect(env).to.not.have.property("ZSCALER_MCP_ALLOWED_HOSTS");
                const server = await startZscalerMcp(version, { env, proxy: local });
                try {
                    const listed = await listOverEcs(local, "stranger.example.com", basicAuthHeader(GOOD.id, GOOD.secret));
                    expect(listed.tools.length).to.be.greaterThan(100);
                    const err = await listOverEcs(local, "stranger.example.com", basicAuthHeader(WRONG.id, WRONG.secret)).then(
                        () => undefined,
                        (e: Error & { code?: number }) => e,
                    );
                    expect(err?.code).to.equal(401);
                } finally {
                    await server.stop();
                    await local.stop();
                }
            });

            it("applies the user's containerEnv: ZSCALER_MCP_SERVICES=zia leaves only ZIA tools", async () => {
                const port = await freePort();
                const local = await proxyTo(port);
                const env = ecsTaskEnvironment(
                    settings({ containerEnv: '["ZSCALER_MCP_SERVICES=zia", "ZSCALER_MCP_LOG_LEVEL=DEBUG"]' }),
                    port,
                    FQDN,
                );
                const server = await startZscalerMcp(version, { env, proxy: local });
                try {
                    const listed = await listOverEcs(local, FQDN, basicAuthHeader(GOOD.id, GOOD.secret));
                    expect(listed.tools.length).to.be.greaterThan(20);
                    // ZIA tools are named zia_* and, for a few, get_zia_*.
                    expect(listed.tools.filter((t) => !/^(get_)?zia_/.test(t.name)).map((t) => t.name)).to.deep.equal([]);
                } finally {
                    await server.stop();
                    await local.stop();
                }
            });

            it("refuses to start on a containerEnv it cannot serve, with its reason in its log", async () => {
                const port = await freePort();
                // A certificate without its key: the program cannot see the container's files.
                const env = ecsTaskEnvironment(
                    settings({ containerEnv: '["ZSCALER_MCP_TLS_CERTFILE=/etc/zscaler/cert.pem"]' }),
                    port,
                    FQDN,
                );
                const exit = await expectRefusal(version, { env });
                expect(exit.code).to.not.equal(0);
                expect(exit.output).to.contain("Incomplete TLS configuration");
            });
        });

        describe(`zscaler-mcp ${version}, gateway topology (AgentCore Runtime)`, () => {
            const refusal = serverImageProblem(IMAGE(version), "gateway", DEFAULTS.imageUri);
            const secretName = `zscaler-mcp-harness/dev/credentials-${version.replace(/\./g, "")}`;

            async function startRuntimeServer(credentials: { id: string; secret: string }): Promise<RunningServer> {
                const s = settings({ topology: "gateway" }, credentials);
                const port = await freePort();
                // The container's credentials are in Secrets Manager, read at boot with the runtime role.
                const name = `${secretName}-${credentials === GOOD ? "good" : "wrong"}`;
                aws.putSecret(name, { value: JSON.stringify(credentialValues(s.zscaler)) });
                proxy = await startInterceptingProxy({ accept: [`${GOOD.id}:${GOOD.secret}`] });
                return startZscalerMcp(version, { env: runtimeServerEnvironment(s.ecs.containerEnv, name, port), proxy, aws: aws.env() });
            }

            /** Runs `check` against the runtime's server behind AgentCore Runtime's forwarding, then stops both. */
            async function throughRuntime(
                credentials: { id: string; secret: string },
                allowlist: readonly string[],
                check: (server: RunningServer, front: RuntimeFront) => Promise<void>,
            ): Promise<void> {
                const server = await startRuntimeServer(credentials);
                const front = await startRuntimeFront({ server: server.base, allowlist, jwtAuthorizer: true });
                try {
                    await check(server, front);
                } finally {
                    await front.stop();
                    await server.stop();
                    await proxy.stop();
                }
            }

            if (refusal) {
                it("is refused by the program before anything is created, naming imageUri and a release that works", () => {
                    expect(() => settings({ topology: "gateway", imageUri: IMAGE(version) })).to.throw(
                        /Topology gateway needs 0\.15\.0 or newer; 0\.15\.4 is tested/,
                    );
                });

                it("really cannot serve the calls AgentCore forwards (why the program refuses it)", async () => {
                    // It either refuses to start with the runtime's environment, or refuses the calls.
                    const started = await startRuntimeServer(GOOD).then(
                        (server) => ({ server }),
                        (e: Error) => ({ error: e.message }),
                    );
                    if ("error" in started) {
                        expect(started.error).to.match(/exited with 1 before it listened/);
                        expect(started.error).to.contain("ZSCALER_VANITY_DOMAIN is required");
                        await proxy.stop();
                        return;
                    }
                    const front = await startRuntimeFront({
                        server: started.server.base,
                        allowlist: RUNTIME_HEADER_ALLOWLIST,
                        jwtAuthorizer: true,
                    });
                    try {
                        const listed = await listThroughRuntime(front.url, "cognito-access-token");
                        expect(listed.tools).to.deep.equal([]);
                        expect(front.answered).to.include(401);
                    } finally {
                        await front.stop();
                        await started.server.stop();
                        await proxy.stop();
                    }
                });
                return;
            }

            it("loads its credentials from Secrets Manager and lists its tools to a call AgentCore Runtime forwards", async () => {
                await throughRuntime(GOOD, RUNTIME_HEADER_ALLOWLIST, async (server, front) => {
                    const listed = await listThroughRuntime(front.url, "cognito-access-token");
                    expect(listed.error).to.equal(undefined);
                    expect(listed.protocolVersion).to.equal(RUNTIME_PROTOCOL_VERSION);
                    expect(listed.serverName).to.equal("zscaler-mcp");
                    expect(listed.serverVersion).to.equal(version);
                    expect(listed.tools.length).to.be.greaterThan(100);
                    expect(listed.tools.filter((t) => !t.readOnly)).to.deep.equal([]);
                    // The stateless revision reached the server: its routing headers passed the allow-list.
                    expect(
                        front.delivered.every(
                            (h) => h["mcp-protocol-version"] === RUNTIME_PROTOCOL_VERSION && h["mcp-method"] !== undefined,
                        ),
                    ).to.equal(true);
                    expect(front.delivered.length).to.be.greaterThan(0);
                    // The server checked its own credentials with Zscaler, read from the secret.
                    expect(
                        proxy
                            .log()
                            .filter((e) => e.action === "token")
                            .map((e) => [e.clientId, e.accepted]),
                    ).to.deep.include([GOOD.id, true]);
                    expect(server.output()).to.contain("Loaded");
                });
            });

            it("refuses forwarded calls with 401 when Zscaler rejects the credentials in the secret", async () => {
                await throughRuntime(WRONG, RUNTIME_HEADER_ALLOWLIST, async (_server, front) => {
                    const listed = await listThroughRuntime(front.url, "cognito-access-token");
                    expect(listed.tools).to.deep.equal([]);
                    expect(front.answered).to.include(401);
                    expect(
                        proxy
                            .log()
                            .filter((e) => e.action === "token")
                            .map((e) => e.accepted),
                    ).to.include(false);
                });
            });

            it("cannot be reached by the stateless revision when the routing headers are not allow-listed", async () => {
                await throughRuntime(GOOD, ["Authorization"], async (_server, front) => {
                    const listed = await listThroughRuntime(front.url, "cognito-access-token");
                    // Without its headers the call falls back to the handshake, and the session the
                    // platform hands the server is one the server never issued.
                    expect(listed.tools).to.deep.equal([]);
                    expect(listed.error).to.contain("Session not found");
                    expect(front.answered).to.include(404);
                });
            });
        });
    }
});
