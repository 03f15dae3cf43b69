import { expect } from "chai";
import { httpClient } from "../../providers/http";

describe("http: the proxy a request goes through", () => {
    const via = (env: NodeJS.ProcessEnv, url: string) => {
        const client = httpClient({ env });
        try {
            return client.proxyFor(url);
        } finally {
            void client.close();
        }
    };

    it("takes HTTPS_PROXY for https and HTTP_PROXY for http, the lower-case variable first, and HTTP_PROXY for https without HTTPS_PROXY", () => {
        expect(via({ HTTPS_PROXY: "http://upper:3128", https_proxy: "http://lower:3128" }, "https://a.example.com/mcp")).to.equal(
            "http://lower:3128",
        );
        expect(via({ HTTP_PROXY: "http://plain:8080", HTTPS_PROXY: "http://tls:3128" }, "http://a.example.com/mcp")).to.equal(
            "http://plain:8080",
        );
        expect(via({ HTTP_PROXY: "http://plain:8080" }, "https://a.example.com/mcp")).to.equal("http://plain:8080");
        // An empty lower-case variable means no proxy, as curl and undici read it.
        expect(via({ https_proxy: "", HTTPS_PROXY: "http://upper:3128" }, "https://a.example.com/mcp")).to.equal(undefined);
        expect(via({}, "https://a.example.com/mcp")).to.equal(undefined);
    });

    it("goes direct for hosts NO_PROXY names (the host, its subdomains, a port, or *)", () => {
        const env = (noProxy: string) => ({ HTTPS_PROXY: "http://proxy:3128", NO_PROXY: noProxy });
        expect(via(env("example.com"), "https://a.example.com/mcp")).to.equal(undefined);
        expect(via(env(".example.com"), "https://example.com/mcp")).to.equal(undefined);
        expect(via(env("*.example.com"), "https://a.example.com/mcp")).to.equal(undefined);
        expect(via(env("example.com:8443"), "https://a.example.com/mcp")).to.equal("http://proxy:3128");
        expect(via(env("example.com:443"), "https://a.example.com/mcp")).to.equal(undefined);
        expect(via(env("*"), "https://a.example.com/mcp")).to.equal(undefined);
        expect(via(env("badexample.com other.org"), "https://example.com/mcp")).to.equal("http://proxy:3128");
    });

    it("never shows the proxy's user name or password", () => {
        expect(via({ HTTPS_PROXY: "http://alice:s3cret@proxy.corp:3128" }, "https://a.example.com/mcp")).to.equal("http://proxy.corp:3128");
    });
});
