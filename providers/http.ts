/**
 * HTTP outside the AWS SDK (the MCP server, Cognito's token endpoint), as a machine behind a
 * corporate proxy needs it: undici's fetch through its EnvHttpProxyAgent, so HTTPS_PROXY,
 * HTTP_PROXY and NO_PROXY apply (lower case first, as curl reads them); certificates checked
 * against Node's CA store, which NODE_EXTRA_CA_CERTS extends with no code here; and a timeout on
 * every request, so a connection that never answers cannot hang a deploy.
 */
import * as http from "http";
import * as net from "net";
import { Readable } from "stream";
import * as tls from "tls";
import type * as Undici from "undici";

/** The fetch the MCP SDK's transport takes (its `fetch` option), and what the token request uses. */
export type Fetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

export interface HttpOptions {
    /**
     * One request, until its answer has arrived, in real milliseconds (default 30 s): what answers
     * here (an MCP server, Cognito) is a real process, whose pace a rehearsal's compressed clock
     * does not change.
     */
    timeoutMs?: number;
    /** Aborts every request (a Ctrl-C). */
    signal?: AbortSignal;
    /** Where the proxy settings come from (default: this process's environment). */
    env?: NodeJS.ProcessEnv;
    /** Certificates to trust instead of Node's own (when a CA bundle for AWS is set: see kit/network.ts). */
    ca?: string[];
}

export interface HttpClient {
    fetch: Fetch;
    /** One request's timeout, real milliseconds. */
    readonly timeoutMs: number;
    /** The proxy a request to `url` goes through, shown without any user name or password; undefined when it goes direct. */
    proxyFor(url: string | URL): string | undefined;
    /** Who issued the certificate `url` presents (through the same proxy), for an error about it; undefined when it cannot be read. */
    certificateIssuer(url: string | URL): Promise<string | undefined>;
    close(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const CONNECT_TIMEOUT_MS = 10_000;

export interface ProxySettings {
    httpProxy?: string;
    httpsProxy?: string;
    noProxy: string;
}

/** The proxy settings as undici reads them: the lower-case variable wins, an empty one means none. */
export function proxySettings(env: NodeJS.ProcessEnv): ProxySettings {
    const httpProxy = (env.http_proxy ?? env.HTTP_PROXY) || undefined;
    return {
        httpProxy,
        httpsProxy: (env.https_proxy ?? env.HTTPS_PROXY) || httpProxy,
        noProxy: env.no_proxy ?? env.NO_PROXY ?? "",
    };
}

/** Whether NO_PROXY sends a request to `url` direct: the same matching as undici's EnvHttpProxyAgent. */
export function bypassesProxy(url: URL, noProxy: string): boolean {
    const entries = noProxy
        .split(/[,\s]/)
        .filter(Boolean)
        .map((entry) => {
            const m = /^(.+):(\d+)$/.exec(entry);
            return { hostname: (m ? m[1] : entry).replace(/^\*?\./, "").toLowerCase(), port: m ? Number(m[2]) : 0 };
        });
    if (entries.length === 0) {
        return false;
    }
    if (noProxy === "*") {
        return true;
    }
    const hostname = url.host.replace(/:\d*$/, "").toLowerCase();
    const port = Number(url.port) || (url.protocol === "https:" ? 443 : 80);
    return entries.some((e) => (!e.port || e.port === port) && (hostname === e.hostname || hostname.endsWith(`.${e.hostname}`)));
}

/** A span for a message: "30 s", or "250 ms" below a second. */
export function duration(ms: number): string {
    return ms < 1_000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}

/** A proxy URL without its user name and password. */
export function shownProxy(proxy: string): string {
    try {
        const u = new URL(proxy);
        return `${u.protocol}//${u.host}`;
    } catch {
        return "(the proxy set in the environment)";
    }
}

/**
 * A fetch for this process's proxy settings, read once. The answer's status is the caller's
 * business; a request that takes longer than the timeout fails with a TimeoutError (code
 * ETIMEDOUT) naming the URL.
 */
export function httpClient(o: HttpOptions = {}): HttpClient {
    const settings = proxySettings(o.env ?? process.env);
    const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // Loaded when a request is to be made: the program itself (a preview) never needs it.
    const { EnvHttpProxyAgent } = require("undici") as typeof Undici;
    // The settings this module reads are the ones the agent uses, so proxyFor names the proxy undici picks.
    // (An empty string, not undefined, for "none": undici would read the environment again.)
    const agent = new EnvHttpProxyAgent({
        httpProxy: settings.httpProxy ?? "",
        httpsProxy: settings.httpsProxy ?? "",
        noProxy: settings.noProxy,
        connect: { timeout: Math.min(CONNECT_TIMEOUT_MS, timeoutMs), ...(o.ca ? { ca: o.ca } : {}) },
    });
    const proxyFor = (url: string | URL): string | undefined => {
        const u = new URL(url);
        const proxy = u.protocol === "https:" ? settings.httpsProxy : settings.httpProxy;
        return proxy && !bypassesProxy(u, settings.noProxy) ? shownProxy(proxy) : undefined;
    };
    const fetch: Fetch = async (url, init) => {
        const timeout = AbortSignal.timeout(timeoutMs);
        const signals = [timeout, o.signal, init?.signal ?? undefined].filter((s): s is AbortSignal => s !== undefined);
        try {
            return await requestAsFetch(agent)(url, { ...init, signal: AbortSignal.any(signals) });
        } catch (e) {
            if (timeout.aborted && !o.signal?.aborted && !init?.signal?.aborted) {
                throw Object.assign(new Error(`${String(url)} did not answer within ${duration(timeoutMs)}`), {
                    name: "TimeoutError",
                    code: "ETIMEDOUT",
                });
            }
            throw e;
        }
    };
    const certificateIssuer = (url: string | URL) => {
        const u = new URL(url);
        const proxy = u.protocol === "https:" && !bypassesProxy(u, settings.noProxy) ? settings.httpsProxy : undefined;
        return peerIssuer(u, proxy, Math.min(CONNECT_TIMEOUT_MS, timeoutMs)).catch(() => undefined);
    };
    return { fetch, timeoutMs, proxyFor, certificateIssuer, close: () => agent.close() };
}

/**
 * A fetch over undici's request(), through `dispatcher`. undici's own fetch, following the Fetch
 * standard, sends a request again on a new connection after a 421, and with a body already sent
 * that second request fails ("Request body length does not match content-length header"), so a
 * server's Host refusal would surface as a network error; request() hands over the first answer.
 * Errors are wrapped as fetch wraps them (a TypeError whose cause is the network error).
 */
export function requestAsFetch(dispatcher: Undici.Dispatcher): Fetch {
    const { request } = require("undici") as typeof Undici;
    return async (url, init = {}) => {
        let answer: Undici.Dispatcher.ResponseData;
        try {
            answer = await request(url, {
                method: (init.method ?? "GET") as Undici.Dispatcher.HttpMethod,
                headers: Object.fromEntries(new Headers(init.headers).entries()),
                body: init.body as string | Uint8Array | undefined,
                signal: init.signal ?? undefined,
                dispatcher,
            });
        } catch (e) {
            if ((e as Error).name === "AbortError") {
                throw e;
            }
            throw Object.assign(new TypeError("fetch failed"), { cause: e });
        }
        const headers = new Headers();
        for (const [name, value] of Object.entries(answer.headers)) {
            for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
                headers.append(name, v);
            }
        }
        const empty = answer.statusCode === 204 || answer.statusCode === 304 || init.method === "HEAD";
        return new Response(empty ? null : (Readable.toWeb(answer.body) as ReadableStream<Uint8Array>), {
            status: answer.statusCode,
            headers,
        });
    };
}

/**
 * Opens a TLS connection to `url` without checking the certificate, only to read its issuer:
 * after a failed check, the error can then name the CA (a TLS-inspecting proxy's, say). Through
 * an http:// proxy it tunnels as undici does (CONNECT); other proxies are not probed.
 */
async function peerIssuer(url: URL, proxy: string | undefined, timeoutMs: number): Promise<string | undefined> {
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const port = Number(url.port) || 443;
    let socket: net.Socket | undefined;
    if (proxy) {
        const p = new URL(proxy);
        if (p.protocol !== "http:") {
            return undefined;
        }
        const auth = p.username
            ? {
                  "Proxy-Authorization": `Basic ${Buffer.from(`${decodeURIComponent(p.username)}:${decodeURIComponent(p.password)}`).toString("base64")}`,
              }
            : {};
        socket = await new Promise<net.Socket | undefined>((resolve) => {
            const req = http.request({
                host: p.hostname,
                port: Number(p.port) || 80,
                method: "CONNECT",
                path: `${url.hostname}:${port}`,
                headers: auth,
                timeout: timeoutMs,
            });
            req.on("connect", (res, s) => (res.statusCode === 200 ? resolve(s) : (s.destroy(), resolve(undefined))));
            req.on("timeout", () => req.destroy());
            req.on("error", () => resolve(undefined));
            req.end();
        });
        if (!socket) {
            return undefined;
        }
    }
    return new Promise((resolve) => {
        const options: tls.ConnectionOptions = {
            ...(socket ? { socket } : { host, port }),
            // A name, not an address, goes into SNI.
            ...(net.isIP(host) ? {} : { servername: host }),
            rejectUnauthorized: false,
            timeout: timeoutMs,
        };
        const conn = tls.connect(options, () => {
            const issuer = conn.getPeerCertificate()?.issuer;
            conn.destroy();
            const parts = [issuer?.CN && `CN=${issuer.CN}`, issuer?.O && `O=${issuer.O}`].filter(Boolean);
            resolve(parts.length > 0 ? parts.join(", ") : undefined);
        });
        conn.on("timeout", () => (conn.destroy(), resolve(undefined)));
        conn.on("error", () => resolve(undefined));
    });
}
