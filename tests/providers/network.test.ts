import { expect } from "chai";
import { describeProblem, networkProblem, proxyFor, redactProxy, withoutUrlCredentials } from "../../providers/kit/network";

const STS = "https://sts.us-east-1.amazonaws.com";
const VARIABLES = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"];

describe("the way to AWS (providers/kit/network.ts)", () => {
    const saved: Record<string, string | undefined> = {};
    beforeEach(() => {
        for (const k of VARIABLES) {
            saved[k] = process.env[k];
            delete process.env[k];
        }
    });
    afterEach(() => {
        for (const k of VARIABLES) {
            if (saved[k] === undefined) {
                delete process.env[k];
            } else {
                process.env[k] = saved[k];
            }
        }
    });

    it("picks the proxy as the tool check's client does: lower case first, HTTP_PROXY for https too, NO_PROXY by domain", () => {
        process.env.HTTP_PROXY = "http://proxy.example.com:3128";
        expect(proxyFor(STS)).to.equal("http://proxy.example.com:3128");
        process.env.https_proxy = "http://lower.example.com:8080";
        process.env.HTTPS_PROXY = "http://upper.example.com:8080";
        expect(proxyFor(STS)).to.equal("http://lower.example.com:8080");
        process.env.NO_PROXY = "amazonaws.com";
        expect(proxyFor(STS)).to.equal(undefined);
        expect(proxyFor("https://example.org")).to.equal("http://lower.example.com:8080");
    });

    it("never shows a proxy's user name or password", () => {
        expect(redactProxy("http://token@proxy.example.com:3128")).to.equal("http://proxy.example.com:3128");
        expect(redactProxy("http://user:secret@proxy.example.com:3128")).to.equal("http://proxy.example.com:3128");
        expect(withoutUrlCredentials("Unsupported protocol for proxy URL: htpp://user:secret@proxy:3128")).to.equal(
            "Unsupported protocol for proxy URL: htpp://proxy:3128",
        );
    });

    it("tells a connection nobody answered from an answer that is slow", async () => {
        const connect = Object.assign(
            new Error(
                "@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 100 ms.",
            ),
            { name: "TimeoutError" },
        );
        expect(describeProblem((await networkProblem(connect, STS))!)).to.equal(
            "could not connect to sts.us-east-1.amazonaws.com directly (no HTTPS_PROXY or HTTP_PROXY applies to it) (ETIMEDOUT); " +
                "check the network, or set HTTPS_PROXY (and NO_PROXY) if this machine reaches AWS only through a proxy.",
        );
        const slow = Object.assign(new Error("@smithy/node-http-handler - the request socket timed out after 100 ms of inactivity"), {
            name: "TimeoutError",
        });
        expect(await networkProblem(slow, STS)).to.equal(undefined);
    });

    it("names a proxy given by name that refuses as the proxy, by its port", async () => {
        process.env.HTTPS_PROXY = "http://token@proxy.example.com:3128";
        const refused = Object.assign(new Error("connect ECONNREFUSED 10.0.0.7:3128"), {
            code: "ECONNREFUSED",
            address: "10.0.0.7",
            port: 3128,
        });
        expect((await networkProblem(refused, STS))!.what).to.equal(
            "the proxy http://proxy.example.com:3128 (from HTTPS_PROXY, HTTP_PROXY or their lower-case forms) refuses or drops the connection " +
                "(ECONNREFUSED), on the way to sts.us-east-1.amazonaws.com",
        );
    });
});
