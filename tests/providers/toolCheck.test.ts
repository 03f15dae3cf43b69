/**
 * The tool check against local MCP servers (tests/support/mcpServers.ts: the SDK's own McpServer
 * behind a wrapper that checks the Token Vault's Basic value or a bearer token from the local
 * Cognito-like token endpoint, and can answer 401, 421 or 503 first), a local proxy, and a server
 * whose certificate nobody vouches for. Time is the fake clock's: retries never sleep for real.
 */
import { expect } from "chai";
import { spawn } from "child_process";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import { installClock, UNKNOWN } from "../../providers/lifecycle";
import { checkTools, ToolCheckError, ToolCheckInputs, toolCheckProvider, ToolTarget } from "../../providers/toolCheck";
import { fakeClock } from "../fakeaws/server";
import { closeServers, COGNITO, listen, mcpServer, TEST_CERT, tokenEndpoint } from "../support/mcpServers";

const ROOT = path.join(__dirname, "..", "..");
const SECRET = "zs-tool-check-secret-8e1f";
const BASIC = "Basic " + Buffer.from(`tool-client:${SECRET}`).toString("base64");
const SKIP = "If the machine running pulumi cannot reach this endpoint, skip the check: pulumi config set verifyTools false.";
const PROXY_VARIABLES = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"];

/** A plain HTTP proxy: CONNECT tunnels and absolute-URI requests, each recorded. */
async function proxyServer(o: { refuse?: number } = {}): Promise<{ url: string; passed: string[] }> {
    const passed: string[] = [];
    const server = http.createServer((req, res) => {
        passed.push(`${req.method} ${req.url}`);
        const target = new URL(req.url!);
        const upstream = http.request(
            { host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers: req.headers },
            (up) => {
                res.writeHead(up.statusCode!, up.headers);
                up.pipe(res);
            },
        );
        req.pipe(upstream);
    });
    server.on("connect", (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
        passed.push(`CONNECT ${req.url}`);
        if (o.refuse) {
            socket.end(`HTTP/1.1 ${o.refuse} Forbidden\r\n\r\n`);
            return;
        }
        const [host, port] = req.url!.split(":");
        const upstream = net.connect(Number(port), host, () => {
            socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
            upstream.write(head);
            upstream.pipe(socket).pipe(upstream);
        });
        upstream.on("error", () => socket.destroy());
        socket.on("error", () => upstream.destroy());
    });
    const port = await listen(server);
    return { url: `http://127.0.0.1:${port}`, passed };
}

function remote(url: string, authorization = BASIC): ToolTarget {
    return { kind: "remote_mcp", url, authorization };
}

async function failure(p: Promise<unknown>): Promise<ToolCheckError> {
    const outcome = await p.then(
        () => undefined,
        (e: unknown) => e,
    );
    expect(outcome, "the check should fail").to.be.instanceOf(ToolCheckError);
    return outcome as ToolCheckError;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    return port;
}

describe("tool check", function () {
    this.timeout(20_000);
    let clock: ReturnType<typeof fakeClock>;
    const savedEnv: Record<string, string | undefined> = {};

    beforeEach(() => {
        clock = fakeClock();
        installClock(clock);
        // The machine's own proxy settings would send the loopback servers' traffic elsewhere.
        for (const v of PROXY_VARIABLES) {
            savedEnv[v] = process.env[v];
            delete process.env[v];
        }
    });

    afterEach(async () => {
        installClock(undefined);
        for (const v of PROXY_VARIABLES) {
            if (savedEnv[v] === undefined) {
                delete process.env[v];
            } else {
                process.env[v] = savedEnv[v];
            }
        }
        await closeServers();
    });

    describe("checkTools", () => {
        it("calls the server with the Token Vault's header and reports its name, version, protocol and every page of tools", async () => {
            const server = await mcpServer({ accepts: (a) => a === BASIC, pageSize: 2 });
            const report = await checkTools(remote(server.url));
            expect(report).to.deep.equal({
                serverName: "zscaler-mcp",
                serverVersion: "0.15.4",
                protocolVersion: "2025-11-25",
                toolCount: 5,
            });
            const posts = server.seen.filter((s) => s.method === "POST");
            // initialize, notifications/initialized, three pages of tools/list
            expect(posts).to.have.length(5);
            expect(posts.every((s) => s.authorization === BASIC && s.host === new URL(server.url).host)).to.equal(true);
            expect(clock.slept).to.deep.equal([]);
        });

        it("gets a client-credentials token from Cognito and calls the gateway with it as a bearer token", async () => {
            const cognito = await tokenEndpoint();
            const gateway = await mcpServer({ accepts: (a) => cognito.issued.some((t) => a === `Bearer ${t}`) });
            const report = await checkTools({ kind: "agentcore_gateway", url: gateway.url, tokenEndpoint: cognito.url, ...COGNITO });
            expect(report.toolCount).to.equal(5);
            expect(cognito.requests).to.deep.equal([
                {
                    authorization: "Basic " + Buffer.from(`${COGNITO.clientId}:${COGNITO.clientSecret}`).toString("base64"),
                    contentType: "application/x-www-form-urlencoded",
                    form: { grant_type: "client_credentials", scope: "zscaler-mcp/invoke" },
                },
            ]);
            expect(gateway.seen.every((s) => s.authorization === "Bearer eyJ.token-1")).to.equal(true);
        });

        it("waits out 503s and a 421 while the server starts, on the clock, then succeeds", async () => {
            const server = await mcpServer({ accepts: (a) => a === BASIC });
            // Each 421 is one answer: the check's fetch does not send the request again by itself.
            const misdirected = { status: 421, text: "Misdirected Request" };
            server.first.push({ status: 503, text: "starting" }, misdirected, { status: 503, text: "starting" });
            const started = Date.now();
            expect((await checkTools(remote(server.url))).toolCount).to.equal(5);
            expect(clock.slept).to.deep.equal([2_000, 4_000, 8_000]);
            expect(Date.now() - started).to.be.lessThan(5_000);
        });

        it("fails at once on a 401, with Zscaler's words cleaned and without the credentials", async () => {
            const echo = `{"error":"invalid_client","detail":"Zscaler rejected ${BASIC}\u001b[31m\nfor acme"}`;
            const server = await mcpServer({ accepts: () => false, unauthorizedText: echo });
            const e = await failure(checkTools(remote(server.url)));
            expect(e.message).to.equal(
                `Tool check: the MCP server at ${server.url} answered 401: Zscaler rejected the credentials ` +
                    '("{"error":"invalid_client","detail":"Zscaler rejected (not shown) [31m for acme"}"). ' +
                    "Check zscalerClientId, zscalerClientSecret, zscalerVanityDomain and zscalerCloud (pulumi config), then run pulumi up; " +
                    "if the Token Vault entry was changed outside the stack, pulumi config set tokenVaultRevision <new value> makes pulumi up write it again. " +
                    SKIP,
            );
            expect(server.seen.filter((s) => s.method === "POST")).to.have.length(1);
            expect(clock.slept).to.deep.equal([]);
            expect(e.message)
                .to.not.contain(SECRET)
                .and.not.contain(Buffer.from(`tool-client:${SECRET}`).toString("base64"));
        });

        it("keeps at most about 300 characters of what the server says", async () => {
            const server = await mcpServer({ accepts: () => false, unauthorizedText: "x".repeat(1000) });
            const e = await failure(checkTools(remote(server.url)));
            expect(e.problem).to.equal(
                `the MCP server at ${server.url} answered 401: Zscaler rejected the credentials ("${"x".repeat(299)}…")`,
            );
        });

        it("gives up on a 421 after about three minutes, naming the Host allow-list", async () => {
            const server = await mcpServer({ accepts: () => true });
            server.first.push(...Array.from({ length: 100 }, () => ({ status: 421, text: "Invalid Host header" })));
            const e = await failure(checkTools(remote(server.url)));
            const host = new URL(server.url).host;
            expect(e.message).to.equal(
                `Tool check: the MCP server at ${server.url} answered 421 Misdirected Request: its Host allow-list does not include ${host} (still so after 3 min). ` +
                    "Keep hostValidation auto, which adds the service's own address, and add any other name the harness calls with " +
                    "pulumi config set --path 'allowedHosts[0]' <host> (or pulumi config set hostValidation disabled). " +
                    SKIP,
            );
            expect(clock.slept.reduce((a, b) => a + b, 0)).to.be.at.most(180_000);
        });

        it("gives up on a server that keeps answering 503, naming the log command", async () => {
            const server = await mcpServer({ accepts: () => true });
            server.first.push(...Array.from({ length: 100 }, () => ({ status: 503, text: "no healthy upstream" })));
            const e = await failure(checkTools(remote(server.url)));
            expect(e.message).to.equal(
                `Tool check: the MCP server at ${server.url} answered 503: nothing serves there yet ("no healthy upstream") (still so after 3 min). ` +
                    "Read the server's log with npm run logs -- --server, then run pulumi up again. " +
                    SKIP,
            );
        });

        it("fails on a server that lists no tools", async () => {
            const server = await mcpServer({ accepts: () => true, tools: [] });
            const e = await failure(checkTools(remote(server.url)));
            expect(e.message).to.equal(
                `Tool check: the MCP server at ${server.url} answered as zscaler-mcp 0.15.4 over MCP 2025-11-25 but lists no tools. ` +
                    "The server started without tools: read the server's log with npm run logs -- --server to see why " +
                    "(credentials it could not use, entitlements, toolset filters in containerEnv). " +
                    SKIP,
            );
        });

        it("names the Cognito token or scope when the gateway answers 401 or 403, and Cognito's own refusals", async () => {
            const cognito = await tokenEndpoint();
            const gateway = await mcpServer({ accepts: () => false });
            const target = { kind: "agentcore_gateway" as const, url: gateway.url, tokenEndpoint: cognito.url, ...COGNITO };
            let e = await failure(checkTools(target));
            expect(e.message).to.equal(
                `Tool check: the AgentCore Gateway at ${gateway.url} answered 401: its authorizer did not accept the Cognito token ("{"error":"unauthorized"}"). ` +
                    "The gateway must trust this stack's Cognito user pool and app client: pulumi up --refresh restores an authorizer or app client changed outside the stack. " +
                    SKIP,
            );
            gateway.first.push({ status: 403, text: "insufficient_scope" });
            e = await failure(checkTools(target));
            expect(e.problem).to.equal(
                `the AgentCore Gateway at ${gateway.url} answered 403: the Cognito token lacks the scope zscaler-mcp/invoke the gateway requires ("insufficient_scope")`,
            );
            expect(e.fix).to.equal(
                "the app client must be allowed the scope zscaler-mcp/invoke: pulumi up --refresh restores an app client or resource server changed outside the stack",
            );
            // A gateway that echoes the token it refused: the message shows none.
            const echoing = await mcpServer({ accepts: () => false, unauthorizedText: (a) => `refused ${a}` });
            e = await failure(checkTools({ ...target, url: echoing.url }));
            expect(e.problem).to.equal(
                `the AgentCore Gateway at ${echoing.url} answered 401: its authorizer did not accept the Cognito token ("refused Bearer (not shown)")`,
            );
            e = await failure(checkTools({ ...target, clientSecret: "wrong-secret-1234" }));
            expect(e.message).to.equal(
                `Tool check: Cognito's token endpoint ${cognito.url} refused the app client's credentials (400 invalid_client). ` +
                    "Pulumi up --refresh restores an app client changed or deleted outside the stack, and its secret in the Token Vault. " +
                    SKIP,
            );
            e = await failure(checkTools({ ...target, scope: "zscaler-mcp/admin" }));
            expect(e.problem).to.equal(`Cognito's token endpoint ${cognito.url} refused the scope zscaler-mcp/admin (400 invalid_scope)`);
            expect(clock.slept).to.deep.equal([]);
        });

        it("names the issuer of a certificate this machine does not trust, and NODE_EXTRA_CA_CERTS", async () => {
            const server = await mcpServer({ accepts: () => true, tls: true });
            const e = await failure(checkTools(remote(server.url)));
            const host = new URL(server.url).host;
            expect(e.message).to.equal(
                `Tool check: ${host} presented a TLS certificate this machine does not trust for ${server.url} ` +
                    "(DEPTH_ZERO_SELF_SIGNED_CERT, issued by CN=Tool Check Test CA, O=zscaler-mcp-harness tests). " +
                    "If a proxy or TLS inspection re-signs HTTPS here, point NODE_EXTRA_CA_CERTS at its CA certificate (a PEM file) and run pulumi up again. " +
                    SKIP,
            );
            expect(clock.slept).to.deep.equal([]);
        });

        it("trusts that certificate in a process started with NODE_EXTRA_CA_CERTS naming it", async () => {
            const server = await mcpServer({ accepts: (a) => a === BASIC, tls: true });
            const script = `require("./providers/toolCheck").checkTools(${JSON.stringify(remote(server.url))}).then((r) => console.log(JSON.stringify(r)), (e) => { console.log(e.message); process.exit(1); })`;
            // Off the test's event loop, so the server above can answer while the child waits.
            const child = await new Promise<{ status: number | null; stdout: string }>((resolve) => {
                const p = spawn(process.execPath, ["-r", "tsx/cjs", "-e", script], {
                    cwd: ROOT,
                    env: { ...process.env, NODE_EXTRA_CA_CERTS: TEST_CERT },
                });
                let stdout = "";
                p.stdout.on("data", (d) => (stdout += d));
                p.on("close", (status) => resolve({ status, stdout }));
            });
            expect(child.stdout.trim(), child.stdout).to.equal(
                JSON.stringify({ serverName: "zscaler-mcp", serverVersion: "0.15.4", protocolVersion: "2025-11-25", toolCount: 5 }),
            );
            expect(child.status).to.equal(0);
        });

        it("retries a refused connection for about three minutes, then names the host", async () => {
            const url = `http://127.0.0.1:${await closedPort()}/mcp`;
            const e = await failure(checkTools(remote(url)));
            expect(e.message).to.equal(
                `Tool check: no connection to ${new URL(url).host} for ${url} (ECONNREFUSED) (still so after 3 min). ` +
                    `Check that this machine can reach ${new URL(url).host} (firewall, VPN, HTTPS_PROXY and NO_PROXY), then run pulumi up again. ` +
                    SKIP,
            );
        });

        it("names a host that does not resolve", async () => {
            const url = "https://tool-check.invalid/mcp";
            const e = await failure(checkTools(remote(url)));
            // ENOTFOUND, or EAI_AGAIN where the machine has no DNS server at all.
            expect(e.problem).to.match(
                /^tool-check\.invalid does not resolve \((ENOTFOUND|EAI_AGAIN)\) for https:\/\/tool-check\.invalid\/mcp \(still so after 3 min\)$/,
            );
            expect(e.fix).to.equal(
                "check the URL and this machine's DNS (VPN, proxy settings); a new endpoint can take a few minutes to resolve",
            );
        });

        it("gives every request a timeout in real time, which a compressed clock does not shorten", async () => {
            installClock({ ...clock, realMs: (ms: number) => ms / 1_000_000 });
            const port = await listen(http.createServer(() => undefined));
            const url = `http://127.0.0.1:${port}/mcp`;
            const started = Date.now();
            const e = await failure(checkTools(remote(url), { waitMs: 10_000, requestTimeoutMs: 300 }));
            expect(e.problem).to.equal(`127.0.0.1:${port} did not answer within 300 ms for ${url} (still so after 10 s)`);
            // Every attempt (three, the pauses on the fake clock) waited its 300 ms.
            expect(Date.now() - started).to.be.at.least(3 * 300);
        });

        it("goes through HTTP_PROXY when NO_PROXY does not name the host, and direct when it does", async () => {
            const server = await mcpServer({ accepts: (a) => a === BASIC });
            const proxy = await proxyServer();
            process.env.HTTP_PROXY = proxy.url;
            process.env.NO_PROXY = "example.com,.internal";
            expect((await checkTools(remote(server.url))).toolCount).to.equal(5);
            const host = new URL(server.url).host;
            expect(proxy.passed.length).to.be.greaterThan(0);
            expect(proxy.passed.every((p) => p === `CONNECT ${host}`)).to.equal(true, proxy.passed.join("\n"));
            const through = proxy.passed.length;
            process.env.no_proxy = "127.0.0.1";
            expect((await checkTools(remote(server.url))).toolCount).to.equal(5);
            expect(proxy.passed).to.have.length(through);
        });

        it("tunnels HTTPS through HTTPS_PROXY, and reads the untrusted certificate's issuer through it too", async () => {
            const server = await mcpServer({ accepts: () => true, tls: true });
            const proxy = await proxyServer();
            process.env.https_proxy = proxy.url;
            const e = await failure(checkTools(remote(server.url)));
            const host = new URL(server.url).host;
            expect(e.problem).to.equal(
                `${host} presented a TLS certificate this machine does not trust for ${server.url} ` +
                    `(DEPTH_ZERO_SELF_SIGNED_CERT, issued by CN=Tool Check Test CA, O=zscaler-mcp-harness tests) through the proxy ${proxy.url}`,
            );
            // The request, then the look at the certificate.
            expect(proxy.passed).to.deep.equal([`CONNECT ${host}`, `CONNECT ${host}`]);
        });

        it("names the proxy that refuses the tunnel, and one that does not answer", async () => {
            const server = await mcpServer({ accepts: () => true });
            const proxy = await proxyServer({ refuse: 403 });
            process.env.HTTP_PROXY = proxy.url.replace("http://", "http://user:pw-in-url@");
            let e = await failure(checkTools(remote(server.url)));
            const host = new URL(server.url).host;
            expect(e.message).to.equal(
                `Tool check: the proxy ${proxy.url} answered 403 when asked to connect to ${host} for ${server.url}. ` +
                    "Allow 127.0.0.1 on the proxy, or add it to NO_PROXY if this machine reaches it directly. " +
                    SKIP,
            );
            expect(e.message).to.not.contain("pw-in-url");
            const dead = `http://127.0.0.1:${await closedPort()}`;
            process.env.HTTP_PROXY = dead;
            e = await failure(checkTools(remote(server.url)));
            expect(e.problem).to.equal(`no connection to the proxy ${dead} for ${server.url} (ECONNREFUSED) (still so after 3 min)`);
        });
    });

    describe("the ToolCheck provider", () => {
        const inputs = async (over: Partial<ToolCheckInputs> = {}): Promise<ToolCheckInputs> => {
            const server = await mcpServer({ accepts: (a) => a === BASIC });
            return {
                region: "us-east-1",
                kind: "remote_mcp",
                url: server.url,
                authorization: BASIC,
                revision: "image=a credentials=1",
                ...over,
            };
        };

        it("records what the server reported and no credential, then diffs to nothing for the same inputs", async () => {
            const i = await inputs();
            const created = await toolCheckProvider.create(i);
            expect(created.id).to.equal(`remote_mcp:${i.url}`);
            const outs = created.outs!;
            expect(outs).to.include({
                serverName: "zscaler-mcp",
                serverVersion: "0.15.4",
                protocolVersion: "2025-11-25",
                toolCount: 5,
                revision: "image=a credentials=1",
            });
            expect(outs).to.not.have.property("authorization");
            expect(outs.credentialsDigest).to.match(/^[0-9a-f]{64}$/);
            expect(JSON.stringify(outs)).to.not.contain(SECRET).and.not.contain(BASIC.slice(6));
            const same = await toolCheckProvider.diff!(created.id, outs as any, i);
            expect(same.changes).to.equal(false);
        });

        it("updates in place, never replaces, when the revision, the URL or the credentials change, or are unknown", async () => {
            const i = await inputs();
            const { id, outs } = await toolCheckProvider.create(i);
            const other = "Basic " + Buffer.from("tool-client:another-secret").toString("base64");
            for (const [change, news] of [
                ["revision", { ...i, revision: "image=b credentials=1" }],
                ["url", { ...i, url: `${i.url}2` }],
                ["credentialsDigest", { ...i, authorization: other }],
                ["credentialsDigest", { ...i, authorization: UNKNOWN }],
                ["revision", { ...i, revision: UNKNOWN }],
            ] as const) {
                const d = await toolCheckProvider.diff!(id, outs as any, news);
                expect(d, change).to.deep.include({ changes: true, replaces: [], deleteBeforeReplace: false });
                expect((d as { changed: string[] }).changed, change).to.deep.equal([change]);
            }
        });

        it("runs the check again on update, and fails the update with the cause", async () => {
            const i = await inputs();
            const { id, outs } = await toolCheckProvider.create(i);
            const updated = await toolCheckProvider.update!(id, outs as any, { ...i, revision: "image=b" });
            expect(updated.outs).to.include({ toolCount: 5, revision: "image=b" });
            const e = await toolCheckProvider.update!(id, outs as any, { ...i, authorization: "Basic d3Jvbmc6d3Jvbmc=" }).then(
                () => undefined,
                (x: Error) => x,
            );
            expect(e?.message).to.match(/^Tool check: the MCP server at .* answered 401: Zscaler rejected the credentials/);
        });

        it("reads back the state as it is, without calling the server; delete does nothing", async () => {
            const server = await mcpServer({ accepts: (a) => a === BASIC });
            const i: ToolCheckInputs = { region: "us-east-1", kind: "remote_mcp", url: server.url, authorization: BASIC, revision: "r1" };
            const { id, outs } = await toolCheckProvider.create(i);
            const calls = server.seen.length;
            const read = await toolCheckProvider.read!(id, outs as any);
            expect(read.props).to.deep.equal(outs);
            expect(read.inputs).to.deep.equal({ region: "us-east-1", kind: "remote_mcp", url: server.url, revision: "r1" });
            await toolCheckProvider.delete!(id, outs as any);
            expect(server.seen).to.have.length(calls);
        });

        it("checks the inputs each kind needs, and never fails on an unknown", async () => {
            const failures = async (news: Record<string, unknown>) =>
                (await toolCheckProvider.check!({} as any, news as any)).failures!.map((f) => f.reason);
            expect(
                await failures({ region: "us-east-1", kind: "remote_mcp", url: "https://mcp.example.com/mcp", revision: "r" }),
            ).to.deep.equal(["authorization is required"]);
            expect(
                await failures({
                    region: "us-east-1",
                    kind: "agentcore_gateway",
                    url: "https://g.example.com/mcp",
                    revision: "r",
                    clientId: "c",
                }),
            ).to.deep.equal(["tokenEndpoint is required", "clientSecret is required", "scope is required"]);
            expect(await failures({ region: "us-east-1", kind: "sse", url: "ftp://x", revision: "r" })).to.deep.equal([
                'kind "sse" is not valid: remote_mcp or agentcore_gateway',
                'url "ftp://x" is not valid: an http(s) URL',
            ]);
            expect(
                await failures({ region: "us-east-1", kind: "remote_mcp", url: UNKNOWN, authorization: UNKNOWN, revision: UNKNOWN }),
            ).to.deep.equal([]);
        });
    });
});
