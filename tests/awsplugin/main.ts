/**
 * The test-only `pulumi-resource-aws`: the resource plugin the Pulumi CLI starts for `@pulumi/aws`
 * resources during the end-to-end tests, since the real one can be neither downloaded nor built
 * here. It is written with @pulumi/pulumi's provider SDK and keeps its "AWS account" in the JSON
 * file named by ZSCALER_MCP_TEST_CLOUD (see cloud.ts), so successive `pulumi` commands, and the
 * tests, see one account. It serves only what the program uses (resources.ts) and never ships.
 */
import type * as grpcTypes from "@grpc/grpc-js";
import * as net from "net";
import * as fs from "fs";
import * as tls from "tls";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { ProxyAgent } from "proxy-agent";
import * as path from "path";
import * as provider from "@pulumi/pulumi/provider";
import { awsCredentials, awsSettingsFromConfig, checkAccount, useAwsSettings } from "../../providers/awsIdentity";
import { REGION } from "../support/awsConstants";
import { Cloud, CloudRecord } from "./cloud";
import { Context, FUNCTIONS, isKnown, KINDS, Kind, Props, rand } from "./resources";

const VERSION: string = require("@pulumi/aws/package.json").version;
const PULUMI = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const provpb = require(path.join(PULUMI, "proto", "provider_pb"));
// The gRPC module the provider SDK serves with (patched below).
const grpc: typeof grpcTypes = require(require.resolve("@grpc/grpc-js", { paths: [PULUMI] }));
const structpb = require("google-protobuf/google/protobuf/struct_pb");

const ctx: Context = { region: process.env.AWS_REGION ?? REGION, defaultTags: {} };

let who: Promise<string | undefined> | undefined;

/**
 * Who the provider's settings make it (a profile, assumed roles, or the environment), as STS
 * answers for those credentials: recorded on what it creates, to compare with who made the rest.
 */
function identity(): Promise<string | undefined> {
    who ??= (async () => {
        const sts = await import("@aws-sdk/client-sts");
        const credentials = await awsCredentials(ctx.region);
        const client = new sts.STSClient({
            region: ctx.region,
            maxAttempts: 1,
            requestHandler: goProviderNetwork(),
            ...(credentials ? { credentials } : {}),
        });
        return (await client.send(new sts.GetCallerIdentityCommand({}))).Arn;
    })();
    return who;
}
const cloud = Cloud.fromEnv();

/**
 * The network as the real aws provider (Go) has it: the proxy the standard variables name, and
 * trust in the system's certificates (here: Node's roots, and the CA a test put in "the system's
 * store", ZSCALER_MCP_TEST_SYSTEM_CA) and AWS_CA_BUNDLE. NODE_EXTRA_CA_CERTS is Node's; Go never
 * reads it, and Node never reads the system's store: the reason a machine whose IT installed the
 * organisation's CA system-wide creates the aws resources and fails on the program's own.
 */
function goProviderNetwork(): NodeHttpHandler {
    const files = [process.env.ZSCALER_MCP_TEST_SYSTEM_CA, process.env.AWS_CA_BUNDLE].filter((f): f is string => !!f);
    const agent = new ProxyAgent({ ca: [...tls.rootCertificates, ...files.map((f) => fs.readFileSync(f, "utf8"))] });
    return new NodeHttpHandler({ httpAgent: agent, httpsAgent: agent as never });
}

/** `urn:pulumi:<stack>::<project>::<parent types$>type::<name>` -> [type, name]. */
function typeAndName(urn: string): [string, string] {
    const parts = urn.split("::");
    const qualified = parts[2];
    return [qualified.slice(qualified.lastIndexOf("$") + 1), parts.slice(3).join("::")];
}

function kindOf(urn: string): [Kind, string, string] {
    const [type, name] = typeAndName(urn);
    const kind = KINDS[type];
    if (!kind) {
        throw new Error(`the test aws plugin does not serve ${type}`);
    }
    return [kind, type, name];
}

function stable(v: unknown): string {
    const norm = (x: any): any =>
        Array.isArray(x)
            ? x.map(norm)
            : x && typeof x === "object"
              ? Object.fromEntries(
                    Object.keys(x)
                        .sort()
                        .filter((k) => x[k] !== undefined)
                        .map((k) => [k, norm(x[k])]),
                )
              : x;
    return JSON.stringify(norm(v) ?? null);
}

function containsUnknown(v: unknown): boolean {
    return (
        !isKnown(v) || (Array.isArray(v) ? v.some(containsUnknown) : !!v && typeof v === "object" && Object.values(v).some(containsUnknown))
    );
}

function inputsOf(kind: Kind, props: Props): Props {
    return Object.fromEntries(kind.inputs.filter((k) => props[k] !== undefined).map((k) => [k, props[k]]));
}

const awsProvider: provider.Provider = {
    version: VERSION,

    async check(urn, olds, news) {
        const [kind, , name] = kindOf(urn);
        const inputs: Props = { ...kind.defaults, ...news };
        const auto = kind.autoName;
        if (auto && inputs[auto.field] === undefined && (auto.prefixField === undefined || inputs[auto.prefixField] === undefined)) {
            // Pulumi's auto-naming: the resource's name and a random suffix, kept from one run to the next.
            inputs[auto.field] = olds?.[auto.field] ?? `${name}-${rand(7, "0123456789abcdef")}`.slice(0, auto.maxLength);
        }
        const failures = (kind.validate?.(inputs) ?? []).map((reason) => ({ property: reason.split(":")[0], reason }));
        return { inputs, failures };
    },

    async diff(_id, urn, olds, news) {
        const [kind] = kindOf(urn);
        // An optional input AWS computes (a name generated from a prefix, say) is not removed by leaving it out.
        const computed = (k: string) => news[k] === undefined && (kind.computed ?? []).includes(k);
        const changed = kind.inputs.filter((k) => !computed(k) && (containsUnknown(news[k]) || stable(olds[k]) !== stable(news[k])));
        return { changes: changed.length > 0, replaces: changed.filter((k) => kind.createOnly.includes(k)), deleteBeforeReplace: false };
    },

    async create(urn, news) {
        const [kind, type, name] = kindOf(urn);
        const createdBy = await identity();
        const { id, props } = cloud.transact((state) => {
            const made = kind.create(state, news, ctx, name);
            state.resources.push({ type, id: made.id, props: made.props, createdBy });
            return made;
        });
        return { id, outs: { ...props, id } };
    },

    async read(id, urn) {
        const [kind, type] = kindOf(urn);
        const rec = cloud.live(type).find((r) => r.id === id);
        if (!rec) {
            // Deleted outside the stack: an empty id tells the engine it is gone.
            return { id: "", props: {} };
        }
        return { id, props: { ...rec.props, id }, inputs: inputsOf(kind, rec.props) };
    },

    async update(id, urn, _olds, news) {
        const [kind, type] = kindOf(urn);
        const props = cloud.transact((state) => {
            const rec = state.resources.find((r) => r.type === type && r.id === id && !r.deletionDate);
            if (!rec) {
                throw new Error(`updating ${type} (${id}): couldn't find resource`);
            }
            const extra = kind.update?.(state, rec, news, ctx) ?? {};
            rec.props = {
                ...rec.props,
                ...news,
                ...extra,
                ...(rec.props.tagsAll !== undefined ? { tagsAll: { ...ctx.defaultTags, ...(news.tags ?? {}) } } : {}),
            };
            for (const k of kind.inputs.filter((k) => news[k] === undefined)) {
                delete rec.props[k];
            }
            return rec.props;
        });
        return { outs: { ...props, id } };
    },

    async delete(id, urn) {
        const [kind, type] = kindOf(urn);
        cloud.transact((state) => {
            const rec: CloudRecord | undefined = state.resources.find((r) => r.type === type && r.id === id && !r.deletionDate);
            if (!rec) {
                return; // already gone
            }
            kind.beforeDelete?.(state, rec);
            if (kind.remove) {
                kind.remove(state, rec);
            } else {
                state.resources.splice(state.resources.indexOf(rec), 1);
            }
        });
    },

    async invoke(token, args) {
        const fn = FUNCTIONS[token];
        if (!fn) {
            throw new Error(`the test aws plugin does not serve the function ${token}`);
        }
        return { outputs: fn(cloud, args, ctx) };
    },
};

/**
 * The provider SDK has no hook for a provider's own configuration (CheckConfig, DiffConfig,
 * Configure): it answers "not implemented" or ignores it. The aws plugin needs its region and
 * default tags, and the engine needs an honest DiffConfig, so those three methods are served here.
 */
function configHandlers() {
    const toJs = (s: any) => (s ? s.toJavaScript() : {});
    return {
        checkConfig(call: any, callback: any) {
            const news = toJs(call.request.getNews());
            const resp = new provpb.CheckResponse();
            resp.setInputs(structpb.Struct.fromJavaScript(news));
            callback(null, resp);
        },
        diffConfig(call: any, callback: any) {
            const olds = toJs(call.request.getOlds());
            const news = toJs(call.request.getNews());
            const keys = [...new Set([...Object.keys(olds), ...Object.keys(news)])].filter((k) => k !== "version");
            const changed = keys.filter((k) => stable(olds[k]) !== stable(news[k]));
            const resp = new provpb.DiffResponse();
            resp.setChanges(changed.length > 0 ? provpb.DiffResponse.DiffChanges.DIFF_SOME : provpb.DiffResponse.DiffChanges.DIFF_NONE);
            // Resources live in a region: a new region means a new provider (and new resources).
            resp.setReplacesList(changed.filter((k) => k === "region"));
            resp.setDiffsList(changed);
            callback(null, resp);
        },
        configure(call: any, callback: any) {
            const args = toJs(call.request.getArgs());
            const unwrap = (v: any) => (v && typeof v === "object" && "value" in v && Object.keys(v).length === 2 ? v.value : v);
            ctx.region = unwrap(args.region) ?? ctx.region;
            // The identity the real provider would act as, resolved the way the dynamic providers do.
            const setting = (key: string) => {
                const v = unwrap(args[key.slice("aws:".length)]);
                return v === undefined || v === null ? undefined : typeof v === "string" ? v : JSON.stringify(v);
            };
            useAwsSettings(awsSettingsFromConfig(setting));
            who = undefined;
            const defaultTags = unwrap(args.defaultTags);
            ctx.defaultTags = (typeof defaultTags === "string" ? JSON.parse(defaultTags) : defaultTags)?.tags ?? {};
            const resp = new provpb.ConfigureResponse();
            resp.setAcceptsecrets(true);
            resp.setAcceptresources(false);
            resp.setAcceptoutputs(false);
            // As the real provider does, it refuses to start in an account the settings exclude.
            checkAccount(ctx.region).then(
                () => callback(null, resp),
                (e: Error) => callback({ code: grpc.status.FAILED_PRECONDITION, details: e.message }),
            );
        },
    };
}

const originalAddService = grpc.Server.prototype.addService;
grpc.Server.prototype.addService = function (service: grpcTypes.ServiceDefinition, implementation: grpcTypes.UntypedServiceImplementation) {
    return originalAddService.call(this, service, { ...bindAll(implementation), ...configHandlers() });
};

/** The SDK's server methods use `this`; keep them bound once spread into a new object. */
function bindAll(impl: any): grpcTypes.UntypedServiceImplementation {
    const out: Record<string, unknown> = {};
    let proto = impl;
    while (proto && proto !== Object.prototype) {
        for (const key of Object.getOwnPropertyNames(proto)) {
            if (key !== "constructor" && typeof impl[key] === "function" && !(key in out)) {
                out[key] = impl[key].bind(impl);
            }
        }
        proto = Object.getPrototypeOf(proto);
    }
    return out as grpcTypes.UntypedServiceImplementation;
}

/** Exits once the engine stops answering, as Pulumi's own plugins do, so a killed CLI leaves no plugin behind. */
function exitWithEngine(address: string | undefined): void {
    const i = address?.lastIndexOf(":") ?? -1;
    if (!address || i < 0) {
        return;
    }
    setInterval(() => {
        const socket = net.connect({ host: address.slice(0, i), port: Number(address.slice(i + 1)) }, () => socket.end());
        socket.on("error", () => process.exit(1));
    }, 1_000).unref();
}

exitWithEngine(process.argv[2]);
provider.main(awsProvider, process.argv.slice(2)).catch((e) => {
    console.error(e);
    process.exit(1);
});
