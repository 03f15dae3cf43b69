/**
 * The HTTP side of the local endpoint: one server on 127.0.0.1 that tells the protocols apart
 * (awsJson by X-Amz-Target, the query protocols by their form body, rest-json by path), tells the
 * services apart by the SigV4 credential scope as AWS tells them apart by host, validates every
 * request against AWS's model, records it, injects the faults a test queued, and hands the
 * operation to the handler a service module registered for it.
 */
import * as http from "http";
import { AddressInfo } from "net";
import { formInput, RestRouter, restInput, serializeShape, ServiceModel, validateShape, xmlOf } from "../model";
import { contractBreach, pageOf } from "./contract";
import { FakeAwsFaults } from "./faults";
import { rand, useRandom } from "./ids";
import { checkReferences } from "./references";
import { ACCOUNT, AwsError, DeploymentFailure, Outcome, Rec, RecordedCall, ResourceKind } from "./types";

/** One operation of a service: its (validated) input in, the output shape's value out. */
export type Handler = (input: Record<string, any>, call: RecordedCall) => unknown;

/** A rest-json operation that writes its own answer (InvokeHarness's event stream). */
export type StreamHandler = (input: Record<string, any>, res: http.ServerResponse) => Promise<void>;

/** What a service module registers with the endpoint. */
export interface ServiceDef {
    /** The name its calls are recorded under (the SigV4 signing name). */
    name: string;
    model: ServiceModel;
    /** The handlers of the operations the endpoint implements, by operation name. */
    handlers: Record<string, Handler>;
    /** The error for an operation of the model that the endpoint does not implement. */
    notImplemented(op: string, input: Record<string, any>): AwsError;
    /** awsJson services: the X-Amz-Target prefix (`<prefix>.<operation>`). */
    targetPrefix?: string;
    /** rest-json services: operations that write their own answer, after the faults of the answer. */
    streams?: Record<string, StreamHandler>;
}

/**
 * What a service module may use of the endpoint besides its public state (`fake`): the store's
 * helpers and the queues tests fill through FakeAws's fault methods.
 */
export interface ServiceHost {
    readonly fake: FakeAwsCore;
    /** Adds a record (status "" until the caller sets one). */
    add(kind: ResourceKind, id: string, name: string, arn: string, data: Record<string, any>): Rec;
    /** A record that exists now, by id, name or ARN, or the service's not-found error. */
    get(kind: ResourceKind, idOrName: string, notFound: () => AwsError): Rec;
    /** Moves a record to `pending`, and after `ms` to `target` (or where a queued outcome sends it). */
    startTransition(rec: Rec, pending: string, target: string, ms: number, isCreate: boolean): void;
    /** Refuses a second live record of a kind with this name (ConflictException). */
    ensureUniqueName(kind: ResourceKind, name: string, scope?: (r: Rec) => boolean): void;
    /** The outcome failNext/landNext/neverReady queued for the next create or update of a kind. */
    takeOutcome(kind: ResourceKind): Outcome | undefined;
    /** The reasons failNextDelete queued for the next delete of a kind. */
    takeDeleteFailure(kind: ResourceKind): string[] | undefined;
    /** The failure failNextDeployment queued for the next ECS deployment. */
    takeDeploymentFailure(): DeploymentFailure | undefined;
    /** Holds an InvokeHarness answer until releaseInvoke(). */
    hold(release: () => void): void;
    /** ECR layer blobs by digest. */
    readonly blobs: Map<string, string>;
}

export class FakeAwsCore extends FakeAwsFaults {
    /** The endpoints started and not yet checked since they stopped, for the hook that checks their violations after each test. */
    static readonly instances = new Set<FakeAwsCore>();
    private server?: http.Server;
    private port = 0;
    /** The signature of the request being handled. */
    private signer: { accessKeyId?: string; service?: string } = {};
    /** The services by name, as registered. */
    private readonly services = new Map<string, ServiceDef>();
    private readonly routers = new Map<string, RestRouter>();

    /** Registers a service module: `make` receives what it may use of the endpoint and returns its operations. */
    protected register(make: (host: ServiceHost) => ServiceDef): void {
        const host: ServiceHost = {
            fake: this,
            add: (kind, id, name, arn, data) => this.add(kind, id, name, arn, data),
            get: (kind, idOrName, notFound) => this.get(kind, idOrName, notFound),
            startTransition: (rec, pending, target, ms, isCreate) => this.startTransition(rec, pending, target, ms, isCreate),
            ensureUniqueName: (kind, name, scope) => this.ensureUniqueName(kind, name, scope),
            takeOutcome: (kind) => this.takeOutcome(kind),
            takeDeleteFailure: (kind) => this.deleteFailures.get(kind)?.shift(),
            takeDeploymentFailure: () => this.deploymentFailures.shift(),
            hold: (release) => this.holds.push(release),
            blobs: this.blobs,
        };
        const def = make(host);
        this.services.set(def.name, def);
        if (def.model.metadata.protocol === "rest-json") {
            this.routers.set(def.name, new RestRouter(def.model));
        }
    }

    private service(name: string): ServiceDef {
        const def = this.services.get(name);
        if (!def) {
            throw new Error(`the local endpoint has no ${name} service registered`);
        }
        return def;
    }

    /**
     * Runs an operation's handler, or answers the service's error for one it does not implement;
     * an answer with a list pages as AWS pages it.
     */
    private async execute(def: ServiceDef, op: string, input: Record<string, any>, call: RecordedCall): Promise<unknown> {
        if (!Object.prototype.hasOwnProperty.call(def.handlers, op)) {
            throw def.notImplemented(op, input);
        }
        checkReferences(this.account, def.name, op, input, { account: ACCOUNT, region: this.region });
        const result = def.handlers[op](input, call);
        return pageOf(def.model, op, input, result instanceof Promise ? await result : result, this.pageSize);
    }

    /**
     * Checks an error answer against the operation's model: one AWS would not give is recorded
     * in `violations` (and printed), for the test hook to fail the test with.
     */
    private checkError(def: ServiceDef, op: string, e: AwsError): void {
        const breach = contractBreach(def.model, def.name, op, e);
        if (breach) {
            this.violations.push(breach);
            console.error(`local AWS endpoint: ${breach}`);
        }
    }

    get url(): string {
        return `http://127.0.0.1:${this.port}`;
    }

    /** Whether the endpoint is serving (between start() and stop()). */
    get listening(): boolean {
        return this.server !== undefined;
    }

    async start(): Promise<void> {
        FakeAwsCore.instances.add(this);
        this.server = http.createServer((req, res) => {
            this.handle(req, res).catch((e) => {
                res.statusCode = 500;
                res.end(JSON.stringify({ message: String(e) }));
            });
        });
        await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
        this.port = (this.server.address() as AddressInfo).port;
    }

    async stop(): Promise<void> {
        if (this.server) {
            this.server.closeAllConnections();
            await new Promise<void>((resolve) => this.server!.close(() => resolve()));
            this.server = undefined;
        }
    }

    /** Environment for SDK clients: this endpoint, fake credentials, no retries hidden in the SDK. */
    env(): Record<string, string> {
        return {
            AWS_ENDPOINT_URL: this.url,
            AWS_ACCESS_KEY_ID: "AKIAFAKEFAKEFAKEFAKE",
            AWS_SECRET_ACCESS_KEY: "fake-secret-key-for-the-local-endpoint",
            AWS_REGION: this.region,
            AWS_EC2_METADATA_DISABLED: "true",
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        };
    }

    /** Sets this endpoint's environment on process.env and returns a function that restores it. */
    applyEnv(): () => void {
        const saved: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(this.env())) {
            saved[k] = process.env[k];
            process.env[k] = v;
        }
        return () => {
            for (const [k, v] of Object.entries(saved)) {
                if (v === undefined) {
                    delete process.env[k];
                } else {
                    process.env[k] = v;
                }
            }
        };
    }

    // -----------------------------------------------------------------------------------------
    // HTTP

    private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
        const chunks: Buffer[] = [];
        for await (const c of req) {
            chunks.push(c as Buffer);
        }
        const raw = Buffer.concat(chunks).toString("utf8");
        // Credential=<access key id>/<date>/<region>/<service>/aws4_request
        const scope = /Credential=([^/,\s]+)\/[^/]+\/[^/]+\/([^/]+)\//.exec(String(req.headers.authorization ?? ""));
        this.signer = { accessKeyId: scope?.[1], service: scope?.[2] };
        const target = req.headers["x-amz-target"] as string | undefined;
        if (target) {
            await this.handleJson(target, raw, res);
            return;
        }
        if (String(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) {
            await this.handleQuery(raw, res);
            return;
        }
        if (req.method === "GET" && req.url?.startsWith("/__ecr-blobs/")) {
            // What an ECR layer download URL points at (S3, on AWS): unsigned, the URL is the grant.
            const digest = decodeURIComponent(req.url.slice("/__ecr-blobs/".length));
            const blob = this.blobs.get(digest);
            res.statusCode = blob ? 200 : 404;
            res.end(blob ?? "");
            return;
        }
        await this.handleRest(req, raw, res);
    }

    private record(service: string, op: string, input: Record<string, unknown>): RecordedCall {
        const call: RecordedCall = { service, op, input, at: this.clock.now(), wallAt: Date.now(), accessKeyId: this.signer.accessKeyId };
        this.calls.push(call);
        useRandom(this.random);
        this.events.emit("call", call);
        return call;
    }

    /** Refuses a request signed with a revoked key, as AWS refuses expired or unknown credentials. */
    private checkCredentials(call: RecordedCall): void {
        const code = call.accessKeyId ? this.revokedKeys.get(call.accessKeyId) : undefined;
        if (code) {
            throw new AwsError(
                code,
                code.startsWith("Expired")
                    ? "The security token included in the request is expired"
                    : "The security token included in the request is invalid.",
                403,
            );
        }
    }

    private async handleJson(target: string, raw: string, res: http.ServerResponse): Promise<void> {
        const [prefix, opName] = target.split(".");
        const def = [...this.services.values()].find((s) => s.targetPrefix !== undefined && s.targetPrefix === prefix);
        const [service, model] = def ? [def.name, def.model] : ["", undefined];
        const send = (status: number, body: unknown): void => {
            res.statusCode = status;
            res.setHeader("content-type", "application/x-amz-json-1.1");
            res.end(JSON.stringify(body));
        };
        const fail = (e: AwsError, call?: RecordedCall): void => {
            if (call) {
                call.error = e.code;
                this.checkError(def!, opName, e);
            }
            send(e.status, { __type: e.code, message: e.message });
        };
        if (!model || !model.operations[opName]) {
            fail(new AwsError("UnknownOperationException", `Unknown operation ${target}`));
            return;
        }
        let input: Record<string, unknown>;
        try {
            input = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
        } catch {
            fail(new AwsError("SerializationException", "Malformed JSON"));
            return;
        }
        const call = this.record(service, opName, input);
        try {
            this.checkCredentials(call);
            this.injectFault(opName, service);
            const op = model.operations[opName];
            const problems = op.input ? validateShape(model, op.input.shape, input) : [];
            if (problems.length > 0) {
                // ECS answers a request its model refuses with the InvalidParameterException every
                // one of its operations lists.
                throw new AwsError(
                    service === "ecs" ? "InvalidParameterException" : "ValidationException",
                    `${problems.length} validation error(s) detected: ${problems.join("; ")}`,
                );
            }
            // ECS's Create and Update wait for the container's fate to be decided; the others answer at once.
            const out = await this.execute(def!, opName, input, call);
            // An ECS answer that breaks the model is the endpoint's own bug: say so rather than let the SDK guess.
            const wrong = service === "ecs" && op.output ? validateShape(model, op.output.shape, out) : [];
            if (wrong.length > 0) {
                throw new Error(`the local endpoint's answer to ${opName} breaks the model: ${wrong.join("; ")}`);
            }
            if (await this.answerGoesWrong(opName, call, res)) {
                return;
            }
            send(200, op.output ? serializeShape(model, op.output.shape, out) : {});
        } catch (e) {
            fail(e instanceof AwsError ? e : new AwsError("ServerException", String(e), 500), call);
        }
    }

    /** The query protocol (STS, IAM) and the EC2 protocol: form-encoded requests, XML answers. */
    private async handleQuery(raw: string, res: http.ServerResponse): Promise<void> {
        const params = new URLSearchParams(raw);
        const action = params.get("Action") ?? "";
        const ec2 = this.signer.service === "ec2" || params.get("Version") === "2016-11-15";
        const iam = !ec2 && (this.signer.service === "iam" || params.get("Version") === "2010-05-08");
        const service = ec2 ? "ec2" : iam ? "iam" : "sts";
        const def = this.service(service);
        const model = def.model;
        const xmlns = model.metadata.xmlNamespace ?? "";
        const requestId = `${rand(8, "0123456789abcdef")}-${rand(4, "0123456789abcdef")}-${rand(4, "0123456789abcdef")}`;
        res.setHeader("content-type", "text/xml");
        const fail = (e: AwsError, call?: RecordedCall): void => {
            if (call) {
                call.error = e.code;
                this.checkError(def, action, e);
            }
            res.statusCode = e.status;
            res.end(errorXml(ec2, e.code, e.message, requestId, e.status >= 500 ? "Receiver" : "Sender", xmlns));
        };
        const op = model.operations[action];
        if (!op) {
            fail(new AwsError("InvalidAction", `Could not find operation ${action} for version ${params.get("Version")}`));
            return;
        }
        const used = new Set(["Action", "Version"]);
        const input = (op.input ? formInput(model, op.input.shape, params, ec2, "", used) : {}) as Record<string, any>;
        const call = this.record(service, action, input);
        try {
            this.checkCredentials(call);
            this.injectFault(action, service);
            const unknown = [...params.keys()].filter((k) => !used.has(k));
            if (unknown.length > 0) {
                // EC2 refuses parameters its model does not know; so does STS.
                throw new AwsError(ec2 ? "UnknownParameter" : "InvalidParameterValue", `The parameter ${unknown[0]} is not recognized`);
            }
            const problems = op.input ? validateShape(model, op.input.shape, input) : [];
            if (problems.length > 0) {
                throw new AwsError(
                    ec2 ? "InvalidParameterValue" : "ValidationError",
                    `${problems.length} validation error(s) detected: ${problems.join("; ")}`,
                );
            }
            const out = await this.execute(def, action, input, call);
            const lost = () => {
                res.statusCode = 500;
                res.end(errorXml(ec2, ec2 ? "InternalError" : "InternalFailure", "Service unavailable", requestId, "Receiver", xmlns));
            };
            if (await this.answerGoesWrong(action, call, res, lost)) {
                return;
            }
            const body = op.output ? xmlOf(model, op.output.shape, out) : "";
            res.statusCode = 200;
            res.end(
                ec2
                    ? `<?xml version="1.0" encoding="UTF-8"?><${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>${requestId}</requestId>${body}</${action}Response>`
                    : `<${action}Response xmlns="${xmlns}"><${action}Result>${body}</${action}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
            );
        } catch (e) {
            fail(e instanceof AwsError ? e : new AwsError("InternalFailure", String(e), 500), call);
        }
    }

    private async handleRest(req: http.IncomingMessage, raw: string, res: http.ServerResponse): Promise<void> {
        const url = new URL(req.url ?? "/", "http://localhost");
        const method = req.method ?? "GET";
        // Bedrock and X-Ray by their signatures; otherwise the AgentCore data plane's paths, then the control plane's.
        let def = this.service("bedrock-agentcore");
        let route;
        if (this.signer.service === "bedrock" || this.signer.service === "xray") {
            def = this.service(this.signer.service);
            route = this.routers.get(def.name)!.match(method, url.pathname, url.searchParams);
        } else {
            route = this.routers.get(def.name)!.match(method, url.pathname, url.searchParams);
            if (!route) {
                def = this.service("bedrock-agentcore-control");
                route = this.routers.get(def.name)!.match(method, url.pathname, url.searchParams);
            }
        }
        const model = def.model;
        const fail = (e: AwsError, call?: RecordedCall): void => {
            if (call) {
                call.error = e.code;
                this.checkError(def, call.op, e);
            }
            res.statusCode = e.status;
            res.setHeader("x-amzn-errortype", e.code);
            res.setHeader("content-type", "application/json");
            res.end(JSON.stringify({ message: e.message }));
        };
        if (!route) {
            fail(new AwsError("UnknownOperationException", `No operation for ${method} ${url.pathname}`, 404));
            return;
        }
        let body: unknown = {};
        try {
            body = raw ? JSON.parse(raw) : {};
        } catch {
            fail(new AwsError("SerializationException", "Malformed JSON body"));
            return;
        }
        const op = route.op;
        const input = restInput(model, op, route.pathParams, url.searchParams, req.headers, body);
        const service = def.name;
        const call = this.record(service, op.name, input);
        try {
            this.checkCredentials(call);
            this.injectFault(op.name, service);
            const problems = op.input ? validateShape(model, op.input.shape, input) : [];
            if (problems.length > 0) {
                throw new AwsError("ValidationException", `${problems.length} validation error(s) detected: ${problems.join("; ")}`);
            }
            const stream = def.streams?.[op.name];
            if (stream) {
                if (await this.answerGoesWrong(op.name, call, res)) {
                    return;
                }
                await stream(input, res);
                return;
            }
            // AWS answers a repeated client token with the first answer, without doing it again.
            const tokenKey = typeof input.clientToken === "string" ? `${op.name}:${input.clientToken}` : undefined;
            const execute = () => this.execute(def, op.name, input, call);
            const out = tokenKey && this.answered.has(tokenKey) ? this.answered.get(tokenKey) : await execute();
            if (tokenKey) {
                this.answered.set(tokenKey, out);
            }
            if (await this.answerGoesWrong(op.name, call, res)) {
                return;
            }
            res.statusCode = op.http.responseCode ?? 200;
            res.setHeader("content-type", "application/json");
            res.end(JSON.stringify(op.output ? serializeShape(model, op.output.shape, out) : {}));
        } catch (e) {
            fail(e instanceof AwsError ? e : new AwsError("InternalServerException", String(e), 500), call);
        }
    }
}

/** An error answer of the EC2 protocol, or of the query protocol (STS, IAM: `xmlns` is the service's namespace). */
function errorXml(ec2: boolean, code: string, message: string, requestId: string, type: string, xmlns: string): string {
    return ec2
        ? `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`
        : `<ErrorResponse xmlns="${xmlns}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}

function escapeXml(s: string): string {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
