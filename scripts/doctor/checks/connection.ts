/**
 * How this machine reaches AWS, checked first: the proxy a request takes (HTTPS_PROXY, NO_PROXY),
 * the CA bundles it trusts, and the certificate AWS's endpoint presents through them. Behind an
 * inspecting proxy every other check would fail with the same certificate error; this one says
 * which setting is missing.
 */
import * as http from "http";
import * as https from "https";
import type * as tls from "tls";
import {
    awsCaBundle,
    describeName,
    networkAgent,
    networkProblem,
    presentedIssuers,
    proxyFor,
    redactProxy,
} from "../../../providers/kit/network";
import { commandRequestMs } from "../../../providers/clock";
import { CheckResult, Context, fail, ok } from "../check";

/** The STS endpoint the credentials check calls: the stack's or the environment's override, or AWS's own. */
function stsUrl(ctx: Context): string {
    const override = ctx.aws.settings.endpoints?.sts ?? process.env.AWS_ENDPOINT_URL_STS ?? process.env.AWS_ENDPOINT_URL;
    return override ?? `https://sts.${ctx.settings.region}.amazonaws.com`;
}

/** Opens one request to `url` as the SDK would (same proxy, same trust), and reads who issued the certificate. */
function reach(url: string, bundle: string | undefined, timeoutMs: number, signal?: AbortSignal): Promise<string | undefined> {
    const target = new URL(url);
    const secure = target.protocol === "https:";
    return new Promise((resolve, reject) => {
        const req = (secure ? https : http).request(
            target,
            { method: "HEAD", agent: networkAgent(bundle) as never, timeout: timeoutMs, ...(signal ? { signal } : {}) },
            (res) => {
                const cert = secure ? (res.socket as tls.TLSSocket).getPeerCertificate() : undefined;
                res.resume();
                resolve(cert?.issuer ? describeName(cert.issuer) : undefined);
            },
        );
        req.on("timeout", () => {
            // Before the connection is made, nothing answered the connect; after, the answer is slow.
            const connecting = req.socket?.connecting !== false;
            req.destroy(
                Object.assign(
                    new Error(`no answer within ${timeoutMs} ms`),
                    connecting ? { code: "ETIMEDOUT", syscall: "connect" } : { name: "TimeoutError" },
                ),
            );
        });
        req.on("error", reject);
        req.end();
    });
}

export async function checkConnection(ctx: Context): Promise<CheckResult> {
    const url = stsUrl(ctx);
    const ref = { profile: ctx.aws.settings.profile, configFile: ctx.aws.settings.sharedConfigFiles?.[0] };
    const bundle = await awsCaBundle(ref);
    const proxy = proxyFor(url);
    const host = new URL(url).host;
    const route = proxy ? `through the proxy ${redactProxy(proxy)}` : "directly";
    const trust = [
        ...(process.env.NODE_EXTRA_CA_CERTS ? [`NODE_EXTRA_CA_CERTS ${process.env.NODE_EXTRA_CA_CERTS}`] : []),
        ...(bundle ? [`${process.env.AWS_CA_BUNDLE ? "AWS_CA_BUNDLE" : "the profile's ca_bundle"} ${bundle}`] : []),
    ];
    let issuer: string | undefined;
    try {
        issuer = await reach(url, bundle, commandRequestMs(10_000), ctx.signal);
    } catch (e) {
        if ((e as Error).name === "AbortError") {
            throw e;
        }
        const problem = await networkProblem(e, url, ref);
        if (problem) {
            fail(problem.what, problem.fix);
        }
        fail(
            `${host} could not be reached ${route}: ${(e as Error).message}`,
            "check the network, the proxy settings and any endpoint override",
        );
    }
    if (!url.startsWith("https:")) {
        return ok(`${host} reached ${route} (an endpoint override over plain HTTP: no certificate to check)`);
    }
    // A chain through a proxy that the process trusts (an organisation's CA) is fine; say whose it is.
    const chain = issuer ?? (await presentedIssuers(url, bundle).catch(() => []))[0];
    return ok(
        `${host} reached ${route}; certificate issued by ${chain ?? "an issuer this process trusts"}` +
            (trust.length ? `, trusted with ${trust.join(" and ")}` : ""),
    );
}
