/**
 * Drives Pulumi's own dynamic-provider host (the program `pulumi-resource-pulumi-nodejs` starts)
 * over gRPC, as the engine does: Configure, Check, Diff, Create, Read, Update, Delete.
 */
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";

const PULUMI = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const provpb = require(path.join(PULUMI, "proto", "provider_pb"));
const provgrpc = require(path.join(PULUMI, "proto", "provider_grpc_pb"));
const statuspb = require(path.join(PULUMI, "proto", "status_pb"));

export type Props = Record<string, unknown>;

/** A failed Create/Update after which the resource exists (the engine keeps it in state). */
export interface InitFailure {
    id: string;
    properties: Props;
    reasons: string[];
}

export class ProviderError extends Error {
    constructor(
        message: string,
        public readonly initFailure?: InitFailure,
    ) {
        super(message);
    }
}

export interface DiffResult {
    changes: "none" | "some" | "unknown";
    replaces: string[];
    deleteBeforeReplace: boolean;
}

function struct(v: Props): Struct {
    return Struct.fromJavaScript(JSON.parse(JSON.stringify(v)));
}

function decodeInitFailure(err: grpc.ServiceError): InitFailure | undefined {
    const raw = err.metadata?.get("grpc-status-details-bin")?.[0];
    if (!raw) {
        return undefined;
    }
    const status = statuspb.Status.deserializeBinary(new Uint8Array(raw as Buffer));
    for (const any of status.getDetailsList()) {
        if (String(any.getTypeUrl()).endsWith("pulumirpc.ErrorResourceInitFailed")) {
            const d = provpb.ErrorResourceInitFailed.deserializeBinary(any.getValue_asU8());
            return { id: d.getId(), properties: d.getProperties()?.toJavaScript() ?? {}, reasons: d.getReasonsList() };
        }
    }
    return undefined;
}

export class ProviderHost {
    private constructor(
        private readonly proc: ChildProcess,
        private readonly client: any,
        public readonly stderr: string[],
    ) {}

    /** Starts the host with the given environment (the local endpoint, fake credentials). */
    static async start(env: Record<string, string>): Promise<ProviderHost> {
        const entry = path.join(PULUMI, "cmd", "dynamic-provider", "index.js");
        // The engine address is required but only used for logging; nothing listens on it here.
        const proc = spawn(process.execPath, [entry, "127.0.0.1:1"], {
            cwd: path.join(__dirname, "..", ".."),
            env: { ...process.env, ...env, PULUMI_NODEJS_PROJECT: "zscaler-mcp-harness", PULUMI_NODEJS_STACK: "rehearsal" },
            stdio: ["ignore", "pipe", "pipe"],
        });
        const stderr: string[] = [];
        proc.stderr!.on("data", (d) => stderr.push(String(d)));
        const port = await new Promise<number>((resolve, reject) => {
            let buf = "";
            proc.stdout!.on("data", (d) => {
                buf += String(d);
                const m = /^(\d+)\s*$/m.exec(buf);
                if (m) {
                    resolve(Number(m[1]));
                }
            });
            proc.on("exit", (code) => reject(new Error(`the dynamic-provider host exited (${code}): ${stderr.join("")}`)));
        });
        const client = new provgrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        const host = new ProviderHost(proc, client, stderr);
        const req = new provpb.ConfigureRequest();
        req.setArgs(struct({}));
        req.setAcceptsecrets(false);
        await host.call("configure", req);
        return host;
    }

    async stop(): Promise<void> {
        this.client.close();
        if (this.proc.exitCode === null) {
            const exited = new Promise((r) => this.proc.once("exit", r));
            this.proc.kill();
            await exited;
        }
    }

    private call(method: string, req: unknown): Promise<any> {
        return new Promise((resolve, reject) => {
            this.client[method](req, (err: grpc.ServiceError | null, resp: any) => {
                if (err) {
                    reject(new ProviderError(err.details || err.message, decodeInitFailure(err)));
                } else {
                    resolve(resp);
                }
            });
        });
    }

    async check(urn: string, olds: Props, news: Props): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }> {
        const req = new provpb.CheckRequest();
        req.setUrn(urn);
        req.setOlds(struct(olds));
        req.setNews(struct(news));
        const resp = await this.call("check", req);
        return {
            inputs: resp.getInputs().toJavaScript(),
            failures: resp.getFailuresList().map((f: any) => ({ property: f.getProperty(), reason: f.getReason() })),
        };
    }

    async diff(urn: string, id: string, olds: Props, news: Props): Promise<DiffResult> {
        const req = new provpb.DiffRequest();
        req.setUrn(urn);
        req.setId(id);
        req.setOlds(struct(olds));
        req.setNews(struct(news));
        const resp = await this.call("diff", req);
        const c = resp.getChanges();
        return {
            changes:
                c === provpb.DiffResponse.DiffChanges.DIFF_NONE
                    ? "none"
                    : c === provpb.DiffResponse.DiffChanges.DIFF_SOME
                      ? "some"
                      : "unknown",
            replaces: resp.getReplacesList(),
            deleteBeforeReplace: resp.getDeletebeforereplace(),
        };
    }

    async create(urn: string, props: Props): Promise<{ id: string; outs: Props }> {
        const req = new provpb.CreateRequest();
        req.setUrn(urn);
        req.setProperties(struct(props));
        const resp = await this.call("create", req);
        return { id: resp.getId(), outs: resp.getProperties().toJavaScript() };
    }

    async read(urn: string, id: string, props: Props): Promise<{ id: string; outs: Props }> {
        const req = new provpb.ReadRequest();
        req.setUrn(urn);
        req.setId(id);
        req.setProperties(struct(props));
        const resp = await this.call("read", req);
        return { id: resp.getId(), outs: resp.getProperties()?.toJavaScript() ?? {} };
    }

    async update(urn: string, id: string, olds: Props, news: Props): Promise<Props> {
        const req = new provpb.UpdateRequest();
        req.setUrn(urn);
        req.setId(id);
        req.setOlds(struct(olds));
        req.setNews(struct(news));
        const resp = await this.call("update", req);
        return resp.getProperties().toJavaScript();
    }

    async delete(urn: string, id: string, props: Props): Promise<void> {
        const req = new provpb.DeleteRequest();
        req.setUrn(urn);
        req.setId(id);
        req.setProperties(struct(props));
        await this.call("delete", req);
    }
}
