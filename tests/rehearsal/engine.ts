/**
 * A rehearsal of `pulumi up` / `pulumi destroy` without the Pulumi CLI: the real index.ts runs
 * under Pulumi's mocks, and the mock monitor does what the engine would do. Every dynamic resource
 * goes to Pulumi's own dynamic-provider host over gRPC (Check, Diff, Create, Update, Read, Delete)
 * with the serialized provider from `__provider`, against the local AWS endpoint; `@pulumi/aws`
 * resources get realistic ids and ARNs. State is kept between runs, as a stack's state is.
 */
import { FakeAws } from "../fakeaws/server";
import { containsUnknown, stableStringify } from "../../providers/lifecycle";
import {
    DEFAULT_INVOKES,
    executeProgram,
    isSecretWrapper,
    mockState,
    plaintextOccurrences,
    PROJECT,
    registrationOptions,
    strictInvoke,
    unknownsAsWire,
    unwrap,
} from "../support/mocks";
import { ProviderError, ProviderHost, Props } from "./host";

const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export interface StateEntry {
    name: string;
    type: string;
    urn: string;
    id: string;
    dynamic: boolean;
    /** Inputs after Check (plain values). */
    inputs: Props;
    outputs: Props;
    /** Top-level keys Pulumi keeps secret: secret inputs and additionalSecretOutputs. */
    secretKeys: string[];
    /** When the resource last finished an operation: a topological order of the dependencies. */
    order: number;
    /** Registered with retainOnDelete: the engine drops it from the state without deleting it. */
    retainOnDelete?: boolean;
    /**
     * Why its last operation failed although it exists (a provider's initialization failure): the
     * engine updates such a resource at the next up even when Diff reports no change, and forgets
     * them once an operation on it succeeds.
     */
    initErrors?: string[];
}

/**
 * Dynamic resources with nothing of theirs in AWS: those that only wait for another one, and the
 * stack's identity (kept in the state alone).
 */
export const WAIT_ONLY_TYPES = [":ExpressGatewayServiceRollout", ":AgentRuntimeReady", ":StackIdentity"];

export type OpKind = "create" | "update" | "replace" | "delete" | "same" | "refresh" | "gone";

export interface Operation {
    name: string;
    type: string;
    op: OpKind;
    startMs: number;
    endMs: number;
    ok: boolean;
    error?: string;
    /** In a preview: the inputs that held an unknown value when Check was called. */
    unknownInputs?: string[];
}

export interface RunResult {
    ok: boolean;
    error?: string;
    operations: Operation[];
    outputs: Record<string, unknown>;
    warnings: string[];
    wallMs: number;
}

export interface UpOptions {
    config: Record<string, string>;
    secretKeys?: string[];
    invokes?: Record<string, (inputs: any) => Record<string, unknown>>;
    /** Read every dynamic resource first, like `pulumi up --refresh`. */
    refresh?: boolean;
    /**
     * Plan only, as `pulumi preview` (and the preview `pulumi up` runs first) does: the program runs
     * with unknown values for every output not known yet, each dynamic resource's Check (and Diff,
     * when it exists) goes to the dynamic-provider host, and nothing is created, changed or deleted.
     */
    preview?: boolean;
}

function secretKeysOf(inputs: Record<string, unknown>): string[] {
    const hasSecret = (v: unknown): boolean =>
        isSecretWrapper(v) || (Array.isArray(v) ? v.some(hasSecret) : !!v && typeof v === "object" && Object.values(v).some(hasSecret));
    return Object.keys(inputs).filter((k) => hasSecret(inputs[k]));
}

function wrapSecrets(outs: Props, secretKeys: string[]): Props {
    return Object.fromEntries(
        Object.entries(outs).map(([k, v]) => [k, secretKeys.includes(k) ? { [SECRET_SIG_KEY]: SECRET_SIG, value: v } : v]),
    );
}

export class Rehearsal {
    readonly state = new Map<string, StateEntry>();
    /** Everything the rehearsal saw, for the secret scan: [where, value, secret?]. */
    readonly observed: { where: string; value: unknown; secret: boolean }[] = [];
    private counter = 0;

    constructor(
        readonly fake: FakeAws,
        readonly host: ProviderHost,
        readonly stack = "rehearsal",
        /** How long an `@pulumi/aws` resource takes to create, in real ms (benchmarks set this). */
        readonly awsLatencyMs: (type: string) => number = () => 0,
    ) {}

    private urn(type: string, name: string): string {
        return `urn:pulumi:${this.stack}::${PROJECT}::${type}::${name}`;
    }

    private now(): number {
        return performance.now();
    }

    private record(entry: StateEntry): void {
        entry.order = ++this.counter;
        entry.retainOnDelete = registrationOptions(entry.type, entry.name).retainOnDelete;
        this.state.set(entry.name, entry);
        for (const [k, v] of Object.entries(entry.outputs)) {
            this.observed.push({ where: `${entry.name}.outputs.${k}`, value: v, secret: entry.secretKeys.includes(k) });
        }
    }

    async up(opts: UpOptions): Promise<RunResult> {
        const operations: Operation[] = [];
        const started = this.now();
        const region = opts.config["aws:region"] ?? "us-east-1";
        const invokes = { ...DEFAULT_INVOKES, ...opts.invokes };
        const seen = new Set<string>();
        const pendingDeletes: StateEntry[] = [];
        const inflight: Promise<unknown>[] = [];

        if (opts.refresh) {
            for (const entry of [...this.state.values()].filter((e) => e.dynamic)) {
                const t0 = this.now();
                const read = await this.host.read(entry.urn, entry.id, entry.outputs);
                if (!read.id) {
                    this.state.delete(entry.name);
                    operations.push({
                        name: entry.name,
                        type: entry.type,
                        op: "gone",
                        startMs: t0 - started,
                        endMs: this.now() - started,
                        ok: true,
                    });
                } else {
                    entry.outputs = read.outs;
                    operations.push({
                        name: entry.name,
                        type: entry.type,
                        op: "refresh",
                        startMs: t0 - started,
                        endMs: this.now() - started,
                        ok: true,
                    });
                }
            }
        }

        const register = async (
            type: string,
            name: string,
            rawInputs: Record<string, any>,
        ): Promise<{ id: string | undefined; state: Props }> => {
            seen.add(name);
            const options = registrationOptions(type, name);
            if (
                opts.preview &&
                !type.startsWith("pulumi-nodejs:dynamic/") &&
                !type.startsWith("zscaler-mcp:") &&
                !type.startsWith("pulumi:providers:")
            ) {
                // A planned AWS resource: new ones have only their inputs; changed ones keep what they computed.
                const known = this.state.get(name);
                const t0 = this.now();
                const same = known !== undefined && stableStringify(unwrap(known.inputs)) === stableStringify(unwrap(rawInputs));
                operations.push({
                    name,
                    type,
                    op: known ? (same ? "same" : "update") : "create",
                    startMs: t0 - started,
                    endMs: t0 - started,
                    ok: true,
                });
                return known
                    ? { id: known.id, state: same ? known.outputs : { ...known.outputs, ...rawInputs } }
                    : { id: undefined, state: rawInputs };
            }
            if (!type.startsWith("pulumi-nodejs:dynamic/")) {
                const result = mockState(type, name, rawInputs, region);
                const entry: StateEntry = {
                    name,
                    type,
                    urn: this.urn(type, name),
                    id: result.id,
                    dynamic: false,
                    inputs: rawInputs,
                    outputs: result.state,
                    // As the engine does: secret inputs and the resource's additionalSecretOutputs stay secret.
                    secretKeys: [...new Set([...secretKeysOf(rawInputs), ...options.additionalSecretOutputs])],
                    order: 0,
                };
                this.observed.push({ where: `${name}.inputs`, value: rawInputs, secret: false });
                if (type.startsWith("zscaler-mcp:") || type.startsWith("pulumi:providers:")) {
                    return result;
                }
                const t0 = this.now();
                const known = this.state.get(name);
                const latency = known ? 0 : this.awsLatencyMs(type);
                if (latency > 0) {
                    await new Promise((r) => setTimeout(r, latency));
                }
                operations.push({
                    name,
                    type,
                    op: known ? "same" : "create",
                    startMs: t0 - started,
                    endMs: this.now() - started,
                    ok: true,
                });
                this.record(entry);
                return result;
            }
            const secretKeys = [...new Set([...secretKeysOf(rawInputs), ...options.additionalSecretOutputs])];
            const news = unwrap(unknownsAsWire(rawInputs)) as Props;
            for (const [k, v] of Object.entries(news)) {
                this.observed.push({ where: `${name}.inputs.${k}`, value: v, secret: secretKeys.includes(k) });
            }
            const urn = this.urn(type, name);
            const prior = this.state.get(name);
            const t0 = this.now();
            const op = (kind: OpKind, ok: boolean, error?: string) =>
                operations.push({ name, type, op: kind, startMs: t0 - started, endMs: this.now() - started, ok, error });
            const checked = await this.host.check(urn, prior?.inputs ?? {}, news);
            if (checked.failures.length > 0) {
                const msg = `${name}: ${checked.failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`;
                op("create", false, msg);
                throw new Error(msg);
            }
            const inputs = checked.inputs;
            if (opts.preview) {
                // As the engine plans: outputs of a new, replaced or updated resource are its inputs, the rest unknown.
                const d = prior ? await this.host.diff(urn, prior.id, prior.outputs, inputs) : undefined;
                // A resource left with initialization errors is updated even when Diff reports no change.
                const kind: OpKind = !d
                    ? "create"
                    : d.changes === "none" && !prior!.initErrors?.length
                      ? "same"
                      : d.replaces.length > 0
                        ? "replace"
                        : "update";
                op(kind, true);
                operations[operations.length - 1].unknownInputs = Object.keys(news).filter((k) => containsUnknown(news[k]));
                if (kind === "same") {
                    return { id: prior!.id, state: wrapSecrets(prior!.outputs, secretKeys) };
                }
                return { id: kind === "update" ? prior!.id : undefined, state: wrapSecrets(inputs, secretKeys) };
            }
            const keep = (id: string, outs: Props): { id: string; state: Props } => {
                this.record({ name, type, urn, id, dynamic: true, inputs, outputs: outs, secretKeys, order: 0 });
                return { id, state: wrapSecrets(outs, secretKeys) };
            };
            let kind: OpKind = "create";
            try {
                if (prior) {
                    const d = await this.host.diff(urn, prior.id, prior.outputs, inputs);
                    // As the engine does: a resource left with initialization errors is updated
                    // even when its Diff reports no change.
                    if (d.changes === "none" && !prior.initErrors?.length) {
                        op("same", true);
                        return keep(prior.id, prior.outputs);
                    }
                    if (d.replaces.length > 0) {
                        kind = "replace";
                        if (d.deleteBeforeReplace) {
                            await this.host.delete(urn, prior.id, prior.outputs);
                            this.state.delete(name);
                        } else {
                            pendingDeletes.push(prior);
                        }
                        const created = await this.host.create(urn, inputs);
                        op(kind, true);
                        return keep(created.id, created.outs);
                    }
                    kind = "update";
                    const outs = await this.host.update(urn, prior.id, prior.outputs, inputs);
                    op(kind, true);
                    return keep(prior.id, outs);
                }
                const created = await this.host.create(urn, inputs);
                op(kind, true);
                return keep(created.id, created.outs);
            } catch (e) {
                op(kind, false, (e as Error).message);
                if (e instanceof ProviderError && e.initFailure) {
                    // The engine keeps a resource that exists although its operation failed.
                    this.record({
                        name,
                        type,
                        urn,
                        id: e.initFailure.id,
                        dynamic: true,
                        inputs,
                        outputs: e.initFailure.properties,
                        secretKeys,
                        order: 0,
                        initErrors: e.initFailure.reasons,
                    });
                }
                throw e;
            }
        };

        const result = await executeProgram({
            config: opts.config,
            secretKeys: opts.secretKeys,
            stack: this.stack,
            preview: opts.preview,
            mocks: {
                newResource: (args) => {
                    const p = register(args.type, args.name, args.inputs);
                    inflight.push(p.catch(() => undefined));
                    return p;
                },
                call: (args) => strictInvoke(invokes, args.token, args.inputs),
            },
            settled: async () => {
                // Quiet for 100 ms with every registration finished: nothing else will start.
                let n = -1;
                while (n !== inflight.length) {
                    n = inflight.length;
                    await Promise.all(inflight);
                    await new Promise((r) => setTimeout(r, 100));
                }
            },
        });
        // Report the provider's own error, as the engine does, rather than what it did to dependents.
        const failedOp = operations.find((o) => !o.ok);
        let error = failedOp ? `${failedOp.name}: ${failedOp.error}` : result.error?.message;
        if (!error && opts.preview) {
            for (const entry of [...this.state.values()].filter((e) => !seen.has(e.name))) {
                operations.push({
                    name: entry.name,
                    type: entry.type,
                    op: "delete",
                    startMs: this.now() - started,
                    endMs: this.now() - started,
                    ok: true,
                });
            }
        } else if (!error) {
            // Resources no longer in the program, and replaced ones, go last, newest first.
            const gone = [...this.state.values()].filter((e) => !seen.has(e.name));
            error = await this.deleteAll([...pendingDeletes, ...gone], operations, started);
        }
        for (const [k, v] of Object.entries(result.outputs)) {
            this.observed.push({ where: `stack output ${k}`, value: v, secret: false });
        }
        return { ok: !error, error, operations, outputs: result.outputs, warnings: result.warnings, wallMs: this.now() - started };
    }

    /** Deletes every resource in reverse dependency order, as `pulumi destroy` does. */
    async destroy(): Promise<RunResult> {
        const operations: Operation[] = [];
        const started = this.now();
        const error = await this.deleteAll([...this.state.values()], operations, started);
        return { ok: !error, error, operations, outputs: {}, warnings: [], wallMs: this.now() - started };
    }

    /** Deletes entries newest first (so dependents go before what they depend on); stops at the first failure. */
    private async deleteAll(entries: StateEntry[], operations: Operation[], started: number): Promise<string | undefined> {
        for (const entry of entries.sort((a, b) => b.order - a.order)) {
            const t0 = this.now();
            const op = (ok: boolean, error?: string) =>
                operations.push({
                    name: entry.name,
                    type: entry.type,
                    op: "delete",
                    startMs: t0 - started,
                    endMs: this.now() - started,
                    ok,
                    error,
                });
            try {
                if (entry.dynamic && !entry.retainOnDelete) {
                    await this.host.delete(entry.urn, entry.id, entry.outputs);
                }
                // A replaced resource's name now belongs to its replacement: keep that in the state.
                if (this.state.get(entry.name) === entry) {
                    this.state.delete(entry.name);
                }
                op(true);
            } catch (e) {
                op(false, (e as Error).message);
                return `${entry.name}: ${(e as Error).message}`;
            }
        }
        return undefined;
    }

    /** Ids of the dynamic resources in the state that stand for an AWS object (comparable with the endpoint's). */
    dynamicIds(): string[] {
        return [...this.state.values()]
            .filter((e) => e.dynamic && !WAIT_ONLY_TYPES.some((t) => e.type.endsWith(t)))
            .map((e) => e.id)
            .sort();
    }
}

/** The ids the endpoint holds, in the form the state records them. */
export function endpointIds(fake: FakeAws): string[] {
    return fake
        .list()
        .filter((r) => !(r.kind === "ecs" && r.status === "INACTIVE"))
        .map((r) => (r.kind === "target" ? `${r.data.gatewayId}/${r.id}` : r.id))
        .sort();
}

/** Where a secret shows in plaintext: anything observed outside a value Pulumi keeps secret. */
export function leaks(r: Rehearsal, needles: string[], printed: string[] = []): string[] {
    const seen = [
        ...r.observed.filter((o) => !o.secret).map((o) => ({ where: o.where, value: o.value })),
        ...printed.map((line, i) => ({ where: `printed line ${i + 1}`, value: line })),
    ];
    return seen.flatMap(({ where, value }) => needles.flatMap((n) => plaintextOccurrences(value, n, where)));
}
