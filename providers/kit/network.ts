/**
 * How the program and the operator commands reach the network: every AWS SDK client, the tool
 * check and the Cognito token request go through the proxy the standard variables name
 * (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`, upper or lower case) and trust the CA bundles users
 * already have for AWS (`NODE_EXTRA_CA_CERTS`, `AWS_CA_BUNDLE`, `ca_bundle` in the AWS profile).
 *
 * The AWS SDK for JavaScript uses neither a proxy from the environment nor `AWS_CA_BUNDLE` on its
 * own, while the Pulumi CLI and the `aws` provider (Go) do: without this module, a deploy behind a
 * proxy would create the `aws` resources and fail on the program's own. And when a failure is the
 * network's (a certificate from an inspecting proxy, a name that does not resolve, a proxy that
 * refuses), `networkProblem` says so, naming the host, the proxy and the setting to change.
 */
import * as fs from "fs";
import * as https from "https";
import * as tls from "tls";
import { ProxyAgent } from "proxy-agent";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { getProfileName, loadSharedConfigFiles } from "@smithy/core/config";

import { bypassesProxy, proxySettings, shownProxy } from "../http";

/**
 * The proxy a request to `url` goes through, or undefined when it goes direct: the standard
 * variables read the way the tool check's client reads them (http.ts: the lower-case one first,
 * HTTP_PROXY for https when HTTPS_PROXY is unset, NO_PROXY entries covering their subdomains), so
 * the AWS clients and the tool check take the same way out.
 */
export function proxyFor(url: string): string | undefined {
    const u = new URL(url);
    const settings = proxySettings(process.env);
    const proxy = u.protocol === "https:" ? settings.httpsProxy : settings.httpProxy;
    return proxy && !bypassesProxy(u, settings.noProxy) ? proxy : undefined;
}

/** Text with any `scheme://user:password@` taken out of the URLs in it (a proxy setting may carry credentials). */
export function withoutUrlCredentials(text: string): string {
    return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, "$1");
}

/** Where the AWS profile's settings are read from, when the stack names them (`aws:profile`, `aws:sharedConfigFiles`). */
export interface ProfileRef {
    readonly profile?: string;
    readonly configFile?: string;
}

/** The CA bundle for AWS requests besides Node's own trust: `AWS_CA_BUNDLE`, else the profile's `ca_bundle`. */
export async function awsCaBundle(ref: ProfileRef = {}): Promise<string | undefined> {
    if (process.env.AWS_CA_BUNDLE) {
        return process.env.AWS_CA_BUNDLE;
    }
    try {
        const { configFile } = await loadSharedConfigFiles(ref.configFile ? { configFilepath: ref.configFile } : {});
        return configFile[getProfileName({ profile: ref.profile })]?.ca_bundle || undefined;
    } catch {
        return undefined; // no config file: nothing to add
    }
}

/**
 * The certificates a connection trusts when a bundle is given: Node's own roots, the ones
 * `NODE_EXTRA_CA_CERTS` adds (Node adds them to its default store, which an explicit list
 * replaces) and the bundle's. Undefined without a bundle: Node's defaults, extra ones included.
 */
export function trustedCertificates(bundle: string | undefined): string[] | undefined {
    if (!bundle) {
        return undefined;
    }
    const read = (file: string, setting: string): string => {
        try {
            return fs.readFileSync(file, "utf8");
        } catch (e) {
            throw new Error(`${setting} names ${file}, which cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}).`);
        }
    };
    const extra = process.env.NODE_EXTRA_CA_CERTS ? [read(process.env.NODE_EXTRA_CA_CERTS, "NODE_EXTRA_CA_CERTS")] : [];
    return [...tls.rootCertificates, ...extra, read(bundle, process.env.AWS_CA_BUNDLE ? "AWS_CA_BUNDLE" : "ca_bundle in the AWS profile")];
}

const agents = new Map<string, ProxyAgent>();

/**
 * One connection pool per CA bundle: each request goes through the proxy the environment names
 * for its URL (or direct, by `NO_PROXY`), trusting Node's certificates and the bundle's.
 */
export function networkAgent(bundle?: string, o: { verify?: boolean } = {}): ProxyAgent {
    const key = `${bundle ?? ""}|${o.verify === false ? "no-verify" : ""}`;
    let agent = agents.get(key);
    if (!agent) {
        const ca = trustedCertificates(bundle);
        agent = new ProxyAgent({
            keepAlive: true,
            getProxyForUrl: (url: string) => proxyFor(url) ?? "",
            ...(ca ? { ca } : {}),
            ...(o.verify === false ? { rejectUnauthorized: false } : {}),
        });
        agents.set(key, agent);
    }
    return agent;
}

/** How long an AWS request may take: to connect, for the answer to start, between two parts of it. */
export interface RequestTimeouts {
    readonly connectionTimeout: number;
    readonly requestTimeout: number;
    readonly socketTimeout?: number;
}

/**
 * The request handler of every AWS SDK client: the proxy and CA bundle as above, and timeouts that
 * fail a request (the SDK only logs a warning unless told to throw). The profile's `ca_bundle` is
 * read when the first request is made.
 */
export function awsRequestHandler(timeouts: RequestTimeouts, ref: ProfileRef = {}): NodeHttpHandler {
    return new NetworkAwareHandler(async () => {
        const agent = networkAgent(await awsCaBundle(ref));
        return { ...timeouts, throwOnRequestTimeout: true, httpAgent: agent, httpsAgent: agent as unknown as https.Agent };
    }, ref);
}

/** An AWS request that failed for a reason of the network's: the message says which and what to set. */
export class NetworkError extends Error {
    override name = "NetworkError";
    constructor(
        message: string,
        readonly code: string,
        override readonly cause: unknown,
    ) {
        super(message);
    }
}

/** The SDK's handler, with a network failure replaced by what it means (`networkProblem`); the code stays for the retry rules. */
class NetworkAwareHandler extends NodeHttpHandler {
    constructor(
        options: ConstructorParameters<typeof NodeHttpHandler>[0],
        private readonly ref: ProfileRef,
    ) {
        super(options);
    }

    override async handle(...args: Parameters<NodeHttpHandler["handle"]>): ReturnType<NodeHttpHandler["handle"]> {
        try {
            return await super.handle(...args);
        } catch (e) {
            const request = args[0];
            const url = `${request.protocol}//${request.hostname}${request.port ? `:${request.port}` : ""}`;
            const problem = await networkProblem(e, url, this.ref);
            if (problem) {
                throw new NetworkError(describeProblem(problem), networkCode(e)!, e);
            }
            if (e instanceof Error) {
                // An agent's own error may quote the proxy setting, credentials and all.
                e.message = withoutUrlCredentials(e.message);
            }
            throw e;
        }
    }
}

/** TLS verification failures: the chain was not issued by a CA this process trusts. */
const UNTRUSTED_CHAIN = new Set([
    "SELF_SIGNED_CERT_IN_CHAIN",
    "DEPTH_ZERO_SELF_SIGNED_CERT",
    "UNABLE_TO_GET_ISSUER_CERT",
    "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
    "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    "CERT_UNTRUSTED",
]);
/** Failures to resolve a name: one that does not exist, and a resolver that could not answer now. */
const NAME_NOT_FOUND = "ENOTFOUND";
const NAME_TRY_AGAIN = "EAI_AGAIN";
/** Failures to connect (a refused, unreachable or silent address; ETIMEDOUT only while connecting, not a slow answer). */
const CONNECT_FAILED = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT"]);

/** The network error inside `e` (the SDK and undici wrap it in causes): its code, and the host it was about. */
function networkError(e: unknown): { code: string; hostname?: string; port?: number } | undefined {
    for (let c: unknown = e, depth = 0; c && depth < 5; c = (c as { cause?: unknown }).cause, depth++) {
        const { code, hostname, address, port, syscall, name } = c as {
            port?: unknown;
            code?: unknown;
            hostname?: unknown;
            address?: unknown;
            syscall?: unknown;
            name?: unknown;
        };
        if ((name === "TimeoutError" || name === "RequestTimeout") && /did not establish a connection/.test(String((c as Error).message))) {
            return { code: "ETIMEDOUT" }; // the SDK's connection timeout: nothing answered the connect
        }
        if (name === "TimeoutError" || name === "RequestTimeout") {
            return undefined; // the answer was slow: the request timeout's own message says so
        }
        const connecting = CONNECT_FAILED.has(String(code)) && (code !== "ETIMEDOUT" || syscall === "connect");
        if (typeof code === "string" && (UNTRUSTED_CHAIN.has(code) || connecting || code === NAME_NOT_FOUND || code === NAME_TRY_AGAIN)) {
            // A failed lookup names the host; a refused connection only the address.
            return {
                code,
                hostname: typeof hostname === "string" ? hostname : typeof address === "string" ? address : undefined,
                port: typeof port === "number" ? port : undefined,
            };
        }
    }
    return undefined;
}

/** The code of the network error inside `e`, if it is one. */
export function networkCode(e: unknown): string | undefined {
    return networkError(e)?.code;
}

/** True for a failure that may pass on its own: a resolver that could not answer now. */
export function isTemporaryNameFailure(e: unknown): boolean {
    return networkCode(e) === NAME_TRY_AGAIN;
}

/** Who issued each certificate of the chain `url`'s host presents through this process's proxy (read without trusting it). */
export async function presentedIssuers(url: string, bundle?: string, timeoutMs = 10_000): Promise<string[]> {
    const target = new URL(url);
    return new Promise<string[]>((resolve, reject) => {
        const req = https.request(
            {
                host: target.hostname,
                port: target.port || 443,
                method: "HEAD",
                path: "/",
                agent: networkAgent(bundle, { verify: false }) as never,
                timeout: timeoutMs,
            },
            (res) => {
                const socket = res.socket as tls.TLSSocket;
                const issuers: string[] = [];
                for (let cert = socket.getPeerCertificate(true), seen = 0; cert && Object.keys(cert).length > 0 && seen < 10; seen++) {
                    issuers.push(describeName(cert.issuer));
                    if (!cert.issuerCertificate || cert.issuerCertificate === cert) {
                        break;
                    }
                    cert = cert.issuerCertificate;
                }
                res.resume();
                resolve(issuers);
            },
        );
        req.on("timeout", () => req.destroy(new Error(`no answer from ${target.hostname} within ${timeoutMs} ms`)));
        req.on("error", reject);
        req.end();
    });
}

export function describeName(name: tls.Certificate | undefined): string {
    if (!name) {
        return "an unnamed issuer";
    }
    const parts = [name.CN, name.O].filter((p): p is string => typeof p === "string" && p !== "");
    return parts.length > 0 ? [...new Set(parts)].join(", ") : "an unnamed issuer";
}

/** Amazon's certificate authorities (Amazon Trust Services; older chains end at Starfield's root for Amazon). */
function isAmazonIssuer(issuer: string): boolean {
    return /\bAmazon\b|Starfield/i.test(issuer);
}

/** The host and the proxy a request to `url` used, as a message shows them. */
function route(url: string): string {
    const proxy = proxyFor(url);
    return proxy ? `through the proxy ${redactProxy(proxy)}` : "directly (no HTTPS_PROXY or HTTP_PROXY applies to it)";
}

function safeHostname(url: string): string | undefined {
    try {
        return new URL(url).hostname;
    } catch {
        return undefined;
    }
}

/** A proxy URL as a message shows it: scheme, host and port, never a user name or password. */
export function redactProxy(proxy: string): string {
    return shownProxy(proxy);
}

/** What went wrong on the way to AWS, and what to set or check. */
export interface NetworkProblem {
    readonly what: string;
    readonly fix: string;
}

/** A problem as one sentence: what went wrong; the fix. */
export function describeProblem(p: NetworkProblem): string {
    return `${p.what}; ${p.fix}.`;
}

/**
 * What a network failure of a request to `url` means and what to set, or undefined when the
 * failure is not the network's. A certificate the process does not trust is looked at once more,
 * without trusting it, to name who issued it: not Amazon means the network inspects TLS.
 */
export async function networkProblem(e: unknown, url: string, ref: ProfileRef = {}): Promise<NetworkProblem | undefined> {
    const failure = networkError(e);
    if (failure === undefined) {
        return undefined;
    }
    const { code } = failure;
    const host = new URL(url).hostname;
    const proxy = proxyFor(url);
    const proxyHost = proxy ? safeHostname(proxy) : undefined;
    if (UNTRUSTED_CHAIN.has(code)) {
        const bundle = await awsCaBundle(ref).catch(() => undefined);
        const issuers = await presentedIssuers(url, bundle).catch(() => []);
        // NODE_EXTRA_CA_CERTS is Node's (this program, the commands); AWS_CA_BUNDLE is also read by
        // the aws provider, which is Go and ignores NODE_EXTRA_CA_CERTS.
        const fix =
            "point NODE_EXTRA_CA_CERTS and AWS_CA_BUNDLE at your organisation's CA bundle (a PEM file; the aws provider reads " +
            "only AWS_CA_BUNDLE), then run the command again";
        if (issuers.length > 0 && !issuers.some(isAmazonIssuer)) {
            return {
                what: `the certificate for ${host} was issued by ${issuers[issuers.length - 1]}, not by Amazon: your network inspects TLS`,
                fix,
            };
        }
        return {
            what: `the certificate for ${host} is not trusted here (${code}, reached ${route(url)})`,
            fix: `if your network inspects TLS, ${fix}`,
        };
    }
    // The failure is the proxy's when it names the proxy's host, or its port (a refused connection names only the address).
    const proxyPort = proxy ? Number(new URL(proxy).port || (proxy.startsWith("https:") ? 443 : 80)) : undefined;
    if (
        proxy &&
        ((proxyHost !== undefined && failure.hostname === proxyHost) || (failure.port !== undefined && failure.port === proxyPort))
    ) {
        const how = code === NAME_NOT_FOUND || code === NAME_TRY_AGAIN ? "does not resolve" : `refuses or drops the connection (${code})`;
        return {
            what: `the proxy ${redactProxy(proxy)} (from HTTPS_PROXY, HTTP_PROXY or their lower-case forms) ${how}, on the way to ${host}`,
            fix: "check the proxy setting",
        };
    }
    const viaProxy = "set HTTPS_PROXY (and NO_PROXY) if this machine reaches AWS only through a proxy";
    if (code === NAME_NOT_FOUND) {
        return { what: `${host} does not resolve (DNS) and no proxy applies to it`, fix: `check the network, or ${viaProxy}` };
    }
    if (code === NAME_TRY_AGAIN) {
        return {
            what: `the name ${host} could not be resolved just now (the resolver did not answer), reached ${route(url)}`,
            fix: "try again in a moment; if it persists, check the network's DNS",
        };
    }
    return {
        what: `could not connect to ${host} ${route(url)} (${code})`,
        fix: proxy ? "check the network and the proxy" : `check the network, or ${viaProxy}`,
    };
}
