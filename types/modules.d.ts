// Declarations for packages whose own types the project's module resolution cannot reach (they
// publish them through package.json "exports" only, or not at all). Only what the project uses.

declare module "proxy-agent" {
    import { Agent } from "http";
    /** An agent that sends each request through the proxy the environment names for its URL, or directly. */
    export class ProxyAgent extends Agent {
        constructor(opts?: {
            keepAlive?: boolean;
            ca?: string[];
            rejectUnauthorized?: boolean;
            /** The proxy for a URL ("" for none); by default the standard variables, as proxy-from-env reads them. */
            getProxyForUrl?: (url: string) => string;
        });
    }
}
