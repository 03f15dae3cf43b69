/**
 * A small AWS client for the read-only calls `npm run doctor` makes to services the project has
 * no SDK client for (STS, EC2, ECR, Cognito, Secrets Manager, Bedrock): SigV4 signing, the
 * query, EC2, JSON and REST-JSON protocols, and AWS's error codes. Credentials come from the AWS
 * SDK's own default chain (environment, profiles, SSO, instance roles), the same as pulumi up.
 * Endpoints follow the SDK's settings: AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL.
 */
import * as crypto from "crypto";
import * as http from "http";
import * as https from "https";

export interface Credentials {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken?: string;
}

interface Service {
    signingName: string;
    /** Host name before the region: api.ecr for api.ecr.us-east-1.amazonaws.com. */
    host: string;
    /** The SERVICE in AWS_ENDPOINT_URL_<SERVICE>. */
    envId: string;
    protocol: "query" | "ec2" | "json" | "rest-json";
    version?: string;
    targetPrefix?: string;
}

export const SERVICES = {
    sts: { signingName: "sts", host: "sts", envId: "STS", protocol: "query", version: "2011-06-15" },
    ec2: { signingName: "ec2", host: "ec2", envId: "EC2", protocol: "ec2", version: "2016-11-15" },
    ecr: { signingName: "ecr", host: "api.ecr", envId: "ECR", protocol: "json", targetPrefix: "AmazonEC2ContainerRegistry_V20150921" },
    cognito: {
        signingName: "cognito-idp",
        host: "cognito-idp",
        envId: "COGNITO_IDENTITY_PROVIDER",
        protocol: "json",
        targetPrefix: "AWSCognitoIdentityProviderService",
    },
    secretsmanager: { signingName: "secretsmanager", host: "secretsmanager", envId: "SECRETS_MANAGER", protocol: "json", targetPrefix: "secretsmanager" },
    bedrock: { signingName: "bedrock", host: "bedrock", envId: "BEDROCK", protocol: "rest-json" },
} as const satisfies Record<string, Service>;

export type ServiceName = keyof typeof SERVICES;

/** An error AWS answered, named by its code as the SDK names its exceptions. */
export class AwsServiceError extends Error {
    readonly $metadata: { httpStatusCode: number };
    constructor(name: string, message: string, status: number) {
        super(message);
        this.name = name;
        this.$metadata = { httpStatusCode: status };
    }
}

export interface AwsContext {
    region: string;
    credentials: () => Promise<Credentials>;
    env: Record<string, string | undefined>;
    signal?: AbortSignal;
}

const TIMEOUT_MS = 15_000;

function endpoint(service: Service, region: string, env: Record<string, string | undefined>): URL {
    const configured = env[`AWS_ENDPOINT_URL_${service.envId}`] ?? env.AWS_ENDPOINT_URL;
    if (configured) {
        return new URL(configured);
    }
    const suffix = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
    return new URL(`https://${service.host}.${region}.${suffix}`);
}

/** RFC 3986 encoding, as SigV4 wants it. */
function encode(s: string): string {
    return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const sha256 = (data: string) => crypto.createHash("sha256").update(data, "utf8").digest("hex");
const hmac = (key: crypto.BinaryLike, data: string) => crypto.createHmac("sha256", key).update(data, "utf8").digest();

/** Signs a request with AWS Signature Version 4 (headers), returning the headers to send. */
export function signV4(o: {
    method: string;
    url: URL;
    headers: Record<string, string>;
    body: string;
    service: string;
    region: string;
    credentials: Credentials;
    now?: Date;
}): Record<string, string> {
    const amzDate = (o.now ?? new Date()).toISOString().replace(/[:-]|\.\d{3}/g, "");
    const day = amzDate.slice(0, 8);
    const headers: Record<string, string> = { ...o.headers, host: o.url.host, "x-amz-date": amzDate };
    if (o.credentials.sessionToken) {
        headers["x-amz-security-token"] = o.credentials.sessionToken;
    }
    const names = Object.keys(headers).map((h) => h.toLowerCase()).sort();
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    // Every path segment is encoded once more for the canonical request (all services but S3).
    const canonicalPath = o.url.pathname.split("/").map(encode).join("/") || "/";
    const query = [...o.url.searchParams.entries()]
        .map(([k, v]) => [encode(k), encode(v)])
        .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1))
        .map(([k, v]) => `${k}=${v}`)
        .join("&");
    const canonical = [
        o.method,
        canonicalPath,
        query,
        names.map((n) => `${n}:${lower[n].trim().replace(/\s+/g, " ")}\n`).join(""),
        names.join(";"),
        sha256(o.body),
    ].join("\n");
    const scope = `${day}/${o.region}/${o.service}/aws4_request`;
    const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonical)].join("\n");
    const key = hmac(hmac(hmac(hmac(`AWS4${o.credentials.secretAccessKey}`, day), o.region), o.service), "aws4_request");
    const signature = crypto.createHmac("sha256", key).update(toSign, "utf8").digest("hex");
    headers.authorization = `AWS4-HMAC-SHA256 Credential=${o.credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`;
    return headers;
}

/** One HTTP exchange, with a timeout and the caller's abort signal. */
export function httpRequest(
    url: URL,
    o: { method: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
    return new Promise((resolve, reject) => {
        const lib = url.protocol === "http:" ? http : https;
        const req = lib.request(url, { method: o.method, headers: o.headers, signal: o.signal, timeout: TIMEOUT_MS }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
            res.on("error", reject);
        });
        req.on("timeout", () => req.destroy(Object.assign(new Error(`${url.host} did not answer within ${TIMEOUT_MS / 1000} s`), { name: "TimeoutError" })));
        req.on("error", reject);
        req.end(o.body);
    });
}

// ---------------------------------------------------------------------------------------------
// XML (the query and EC2 protocols answer in XML)

export interface XmlNode {
    name: string;
    children: XmlNode[];
    text: string;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeEntities(s: string): string {
    return s.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (m, e: string) =>
        e.startsWith("#x") ? String.fromCodePoint(parseInt(e.slice(2), 16)) : e.startsWith("#") ? String.fromCodePoint(Number(e.slice(1))) : ENTITIES[e] ?? m,
    );
}

/** Parses the XML AWS answers with: elements and text (attributes, comments and declarations are skipped). */
export function parseXml(xml: string): XmlNode {
    const root: XmlNode = { name: "#document", children: [], text: "" };
    const stack = [root];
    const re = /<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!\[CDATA\[([\s\S]*?)\]\]>|<\/([^\s>]+)\s*>|<([^\s>/!?]+)[^>]*?(\/?)>|([^<]+)/g;
    for (let m = re.exec(xml); m; m = re.exec(xml)) {
        const top = stack[stack.length - 1];
        if (m[1] !== undefined) {
            top.text += m[1];
        } else if (m[2] !== undefined) {
            if (stack.length > 1) {
                stack.pop();
            }
        } else if (m[3] !== undefined) {
            const node: XmlNode = { name: m[3].replace(/^.*:/, ""), children: [], text: "" };
            top.children.push(node);
            if (!m[4]) {
                stack.push(node);
            }
        } else if (m[5] !== undefined) {
            top.text += decodeEntities(m[5]);
        }
    }
    return root;
}

/** The first descendant along `path` ("GetCallerIdentityResult/Account"), or undefined. */
export function xmlFind(node: XmlNode | undefined, path: string): XmlNode | undefined {
    let cur = node;
    for (const part of path.split("/")) {
        cur = cur?.children.find((c) => c.name === part);
    }
    return cur;
}

export function xmlText(node: XmlNode | undefined, path: string): string | undefined {
    const found = xmlFind(node, path);
    return found ? found.text.trim() : undefined;
}

/** Every child named `name` of the node at `path` (the items of an EC2 list). */
export function xmlList(node: XmlNode | undefined, path: string, name = "item"): XmlNode[] {
    return xmlFind(node, path)?.children.filter((c) => c.name === name) ?? [];
}

function xmlDescendant(node: XmlNode, name: string): XmlNode | undefined {
    for (const c of node.children) {
        const hit = c.name === name ? c : xmlDescendant(c, name);
        if (hit) {
            return hit;
        }
    }
    return undefined;
}

// ---------------------------------------------------------------------------------------------
// Calls

async function send(
    ctx: AwsContext,
    name: ServiceName,
    o: { method: string; path: string; headers: Record<string, string>; body: string },
    region = ctx.region,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
    const service: Service = SERVICES[name];
    const base = endpoint(service, region, ctx.env);
    const url = new URL(o.path, base);
    const credentials = await ctx.credentials();
    const headers = signV4({ method: o.method, url, headers: o.headers, body: o.body, service: service.signingName, region, credentials });
    return httpRequest(url, { method: o.method, headers, body: o.body || undefined, signal: ctx.signal });
}

function jsonError(res: { status: number; headers: http.IncomingHttpHeaders; body: string }): AwsServiceError {
    let body: Record<string, unknown> = {};
    try {
        body = JSON.parse(res.body || "{}") as Record<string, unknown>;
    } catch {
        // not JSON: the status code says enough
    }
    const header = String(res.headers["x-amzn-errortype"] ?? "").split(":")[0];
    const code = String(body.__type ?? body.code ?? header ?? "").replace(/^.*#/, "") || header || `HTTP${res.status}`;
    return new AwsServiceError(code, String(body.message ?? body.Message ?? `HTTP ${res.status}`), res.status);
}

/** A query-protocol (STS) or EC2 call; returns the parsed XML answer. */
export async function queryCall(ctx: AwsContext, name: "sts" | "ec2", action: string, params: Record<string, string> = {}, region?: string): Promise<XmlNode> {
    const service: Service = SERVICES[name];
    const body = new URLSearchParams({ Action: action, Version: service.version!, ...params }).toString();
    const res = await send(ctx, name, { method: "POST", path: "/", headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" }, body }, region);
    const doc = parseXml(res.body);
    if (res.status >= 300) {
        const error = xmlDescendant(doc, "Error");
        throw new AwsServiceError(xmlText(error, "Code") ?? `HTTP${res.status}`, xmlText(error, "Message") ?? `HTTP ${res.status}`, res.status);
    }
    return doc.children[0] ?? doc;
}

/** A JSON-protocol call (ECR, Cognito, Secrets Manager). */
export async function jsonCall<T = Record<string, any>>(ctx: AwsContext, name: "ecr" | "cognito" | "secretsmanager", op: string, input: object, region?: string): Promise<T> {
    const service: Service = SERVICES[name];
    const res = await send(
        ctx,
        name,
        {
            method: "POST",
            path: "/",
            headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": `${service.targetPrefix}.${op}` },
            body: JSON.stringify(input),
        },
        region,
    );
    if (res.status >= 300) {
        throw jsonError(res);
    }
    return JSON.parse(res.body || "{}") as T;
}

/** A REST-JSON GET (Bedrock); `path` is already encoded. */
export async function restGet<T = Record<string, any>>(ctx: AwsContext, name: "bedrock", path: string): Promise<T> {
    const res = await send(ctx, name, { method: "GET", path, headers: {}, body: "" });
    if (res.status >= 300) {
        throw jsonError(res);
    }
    return JSON.parse(res.body || "{}") as T;
}
