/**
 * AWS requests behind a proxy, as Zscaler's customers deploy: mitmproxy on 127.0.0.1 stands for
 * an inspecting corporate proxy. It ends TLS for every `*.amazonaws.com` name with its own CA and
 * hands the request to the local AWS endpoint, so the SDK calls AWS's own https endpoints (no
 * AWS_ENDPOINT_URL) the way it would on a user's machine.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { useAwsSettings } from "../../providers/awsIdentity";
import { withRetries } from "../../providers/kit/retries";
import { sdkClientConfig } from "../../providers/kit/sdk";
import { FakeAws } from "../fakeaws/server";
import { scaledClock } from "../../providers/clock";
import { ACCOUNT } from "../support/awsConstants";
import { InterceptingProxy, startInterceptingProxy } from "./proxy";

const ROOT = path.join(__dirname, "..", "..");
const NETWORK_VARIABLES = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
    "AWS_CA_BUNDLE",
    "AWS_ENDPOINT_URL",
];

/** Who STS says the caller is, through this process's SDK client settings (one attempt). */
async function callerAccount(): Promise<string> {
    const client = new STSClient(sdkClientConfig("us-east-1", "sts"));
    return (await client.send(new GetCallerIdentityCommand({}))).Account!;
}

describe("AWS requests through a proxy that inspects TLS", function () {
    this.timeout(120_000);
    let aws: FakeAws;
    let proxy: InterceptingProxy;
    let restore: () => void;
    const saved: Record<string, string | undefined> = {};

    before(async () => {
        aws = new FakeAws({ clock: scaledClock() });
        await aws.start();
        proxy = await startInterceptingProxy({ routes: { "\\.amazonaws\\.com$": aws.url, "^127\\.0\\.0\\.1$": aws.url } });
        for (const k of NETWORK_VARIABLES) {
            saved[k] = process.env[k];
        }
        restore = aws.applyEnv();
        useAwsSettings({});
    });
    beforeEach(() => {
        for (const k of NETWORK_VARIABLES) {
            delete process.env[k];
        }
    });
    after(async () => {
        restore();
        for (const [k, v] of Object.entries(saved)) {
            if (v === undefined) {
                delete process.env[k];
            } else {
                process.env[k] = v;
            }
        }
        await proxy?.stop();
        await aws?.stop();
    });

    it("names the inspection and the setting when the proxy's CA is not trusted, and sends nothing on", async () => {
        process.env.HTTPS_PROXY = proxy.url;
        const before = aws.calls.length;
        const err = await callerAccount().then(
            () => undefined,
            (e: Error) => e,
        );
        expect(err?.name).to.equal("NetworkError");
        expect(err?.message).to.equal(
            "the certificate for sts.us-east-1.amazonaws.com was issued by mitmproxy, not by Amazon: your network inspects TLS; " +
                "point NODE_EXTRA_CA_CERTS and AWS_CA_BUNDLE at your organisation's CA bundle (a PEM file; the aws provider reads " +
                "only AWS_CA_BUNDLE), then run the command again.",
        );
        expect(aws.calls.length).to.equal(before);
    });

    it("does not retry an untrusted certificate: the next attempt would meet the same one", async () => {
        process.env.HTTPS_PROXY = proxy.url;
        let attempts = 0;
        const err = await withRetries(
            () => {
                attempts++;
                return callerAccount();
            },
            { what: "read the caller", timeoutMs: 60_000 },
        ).catch((e: Error) => e);
        expect((err as Error).name).to.equal("NetworkError");
        expect(attempts).to.equal(1);
    });

    it("reaches AWS through the proxy with AWS_CA_BUNDLE naming the proxy's CA", async () => {
        process.env.HTTPS_PROXY = proxy.url;
        process.env.AWS_CA_BUNDLE = proxy.caFile;
        expect(await callerAccount()).to.equal(ACCOUNT);
        expect(
            proxy
                .log()
                .filter((e) => e.host === "sts.us-east-1.amazonaws.com")
                .map((e) => e.action),
        ).to.include("routed");
    });

    it("reaches AWS through the proxy with NODE_EXTRA_CA_CERTS, read when Node starts", async () => {
        const script = `require(${JSON.stringify(path.join(ROOT, "tests/mcpserver/network.child.ts"))})`;
        const env: NodeJS.ProcessEnv = { ...process.env, HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: proxy.caFile };
        delete env.AWS_CA_BUNDLE;
        const { stdout } = await promisify(execFile)(process.execPath, ["-r", "tsx/cjs", "-e", script], { cwd: ROOT, env });
        expect(stdout.trim()).to.equal(ACCOUNT);
    });

    it("uses a plain proxy for plain HTTP, and goes direct for the hosts NO_PROXY names", async () => {
        process.env.AWS_ENDPOINT_URL = aws.url;
        process.env.HTTP_PROXY = proxy.url;
        const proxied = proxy.log().length;
        expect(await callerAccount()).to.equal(ACCOUNT);
        expect(
            proxy
                .log()
                .slice(proxied)
                .map((e) => `${e.host} ${e.action}`),
        ).to.deep.equal(["127.0.0.1 routed"]);

        process.env.NO_PROXY = "127.0.0.1,localhost";
        const direct = proxy.log().length;
        expect(await callerAccount()).to.equal(ACCOUNT);
        expect(proxy.log().length).to.equal(direct);
    });

    it("says a proxy that refuses is the proxy, and a name that does not resolve fails at once", async () => {
        process.env.HTTPS_PROXY = "http://user:pass@127.0.0.1:9";
        const refused = await callerAccount().catch((e: Error) => e);
        expect((refused as Error).message).to.equal(
            "the proxy http://127.0.0.1:9 (from HTTPS_PROXY, HTTP_PROXY or their lower-case forms) refuses or drops the " +
                "connection (ECONNREFUSED), on the way to sts.us-east-1.amazonaws.com; check the proxy setting.",
        );

        delete process.env.HTTPS_PROXY;
        process.env.AWS_ENDPOINT_URL = "https://sts.no-such-name.invalid";
        let attempts = 0;
        const missing = await withRetries(
            () => {
                attempts++;
                return callerAccount();
            },
            { what: "read the caller", timeoutMs: 60_000 },
        ).catch((e: Error) => e);
        expect((missing as Error).message).to.equal(
            "sts.no-such-name.invalid does not resolve (DNS) and no proxy applies to it; check the network, or set HTTPS_PROXY " +
                "(and NO_PROXY) if this machine reaches AWS only through a proxy.",
        );
        expect(attempts).to.equal(1);
    });
});
