/**
 * The lifecycle kit every dynamic provider shares: waiting for a status, retrying the calls AWS
 * asks us to retry, recognising "not found", diffing inputs, and errors that keep a created
 * resource in Pulumi's state.
 *
 * Dynamic providers are serialized with everything they reference and run in another process,
 * so this module holds plain functions and data only (no classes holding SDK clients, no Pulumi
 * imports).
 */
import * as crypto from "crypto";
import type { AwsCredentialIdentityProvider } from "@aws-sdk/types";
import { awsCredentials, currentAwsSettings, namesCredentials } from "./awsIdentity";
import { currentClock, realMs } from "./clock";

export { currentClock, installClock, scaledClock } from "./clock";
export type { Clock } from "./clock";

/** How long one AWS request may take before it is abandoned (and retried): a connection that never answers must not hang a deploy. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * SDK client settings: we retry ourselves (with the clock above), so the SDK makes one attempt,
 * and every request has a timeout that fails it (the SDK only logs a warning unless told to throw).
 */
export function sdkClientConfig(
    region: string,
    service?: string,
): {
    region: string;
    maxAttempts: number;
    requestHandler: { requestTimeout: number; connectionTimeout: number; throwOnRequestTimeout: boolean };
    credentials?: AwsCredentialIdentityProvider;
    endpoint?: string;
} {
    const timeout = realMs(REQUEST_TIMEOUT_MS);
    const aws = currentAwsSettings();
    return {
        region,
        maxAttempts: 1,
        requestHandler: { requestTimeout: timeout, connectionTimeout: Math.min(timeout, 10_000), throwOnRequestTimeout: true },
        // The stack's own identity (aws:profile, aws:assumeRoles, ...); otherwise the SDK's default chain.
        ...(namesCredentials(aws) ? { credentials: async (o) => (await awsCredentials(region))!(o) } : {}),
        ...(service && aws.endpoints?.[service] ? { endpoint: aws.endpoints[service] } : {}),
    };
}

/** A fresh idempotency token for a Create/Update call (36 characters; AWS wants 33 or more). */
export function newClientToken(): string {
    return crypto.randomUUID();
}

// ---------------------------------------------------------------------------------------------
// Errors

export function errorName(e: unknown): string {
    const err = e as { name?: string; Code?: string; code?: string; __type?: string };
    return String(err?.name ?? err?.Code ?? err?.code ?? err?.__type ?? "");
}

export function errorMessage(e: unknown): string {
    const err = e as { message?: string; Message?: string };
    return String(err?.message ?? err?.Message ?? e);
}

function httpStatus(e: unknown): number | undefined {
    return (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

const NOT_FOUND_NAMES = [
    "ResourceNotFoundException",
    "NotFoundException",
    "ServiceNotFoundException",
    "ServiceNotActiveException",
    "ClusterNotFoundException",
];

/** True when AWS refuses the caller (a missing permission, or an id some services treat as such). */
export function isAccessDenied(e: unknown): boolean {
    return ["AccessDeniedException", "AccessDenied", "UnauthorizedException", "UnauthorizedOperation"].includes(errorName(e)) || httpStatus(e) === 403;
}

/** True when AWS says the resource does not exist. */
export function isNotFound(e: unknown): boolean {
    return NOT_FOUND_NAMES.includes(errorName(e));
}

const THROTTLE_NAMES = [
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "ServiceUnavailableException",
    "InternalServerException",
    "ServerException",
];

const NETWORK_CODES = ["ECONNRESET", "EPIPE", "ETIMEDOUT", "ECONNREFUSED", "EAI_AGAIN", "ENOTFOUND", "ECONNABORTED"];

/** A connection dropped, refused or timed out: no answer came, so the request may or may not have run. */
function isNetworkError(e: unknown): boolean {
    const err = e as { code?: string; name?: string; message?: string };
    return (
        NETWORK_CODES.includes(String(err?.code)) ||
        err?.name === "TimeoutError" ||
        err?.name === "RequestTimeout" ||
        /socket hang up|request has exceeded the configured .* requestTimeout/i.test(String(err?.message))
    );
}

/** Throttling, server-side failures and lost connections: always worth another try. */
export function isThrottleOrServerError(e: unknown): boolean {
    const status = httpStatus(e);
    return THROTTLE_NAMES.includes(errorName(e)) || (status !== undefined && status >= 500) || status === 429 || isNetworkError(e);
}

/** A rule that recognises one IAM-propagation failure: the error's name and a message fragment. */
export interface PropagationRule {
    name: string;
    message: string;
}

/** The IAM-propagation messages AWS answers while a new role is not yet visible to it. */
export const IAM_PROPAGATION = {
    runtime: [
        { name: "ValidationException", message: "Role validation failed" },
        { name: "ValidationException", message: "Access denied while validating ECR URI" },
    ],
    harness: [
        { name: "ValidationException", message: "Role validation failed" },
        { name: "ValidationException", message: "Access denied while validating ECR URI" },
    ],
    gatewayTarget: [{ name: "ValidationException", message: "Gateway execution role lacks permission" }],
    ecs: [
        { name: "AccessDeniedException", message: "Cannot assume role" },
        { name: "AccessDeniedException", message: "is not authorized to perform: sts:AssumeRole" },
        { name: "ClientException", message: "AWS was not able to validate the provided access credentials" },
        { name: "InvalidParameterException", message: "Unable to assume role" },
    ],
} satisfies Record<string, PropagationRule[]>;

export function matchesPropagation(e: unknown, rules: readonly PropagationRule[]): boolean {
    const name = errorName(e);
    const message = errorMessage(e);
    return rules.some((r) => r.name === name && message.includes(r.message));
}

/**
 * An error that tells Pulumi the resource exists although the operation failed, so the engine
 * records it (and a later `up` or `destroy` can deal with it) instead of orphaning it.
 *
 * The dynamic-provider host reads `id`, `properties` and `reasons` from the error. The
 * properties must carry `__provider`: the host needs it to load the provider for later deletes.
 */
export function initFailed(
    message: string,
    id: string,
    outputs: Record<string, unknown>,
    inputs: Record<string, unknown>,
): Error & { id: string; properties: Record<string, unknown>; reasons: string[] } {
    const err = new Error(message) as Error & { id: string; properties: Record<string, unknown>; reasons: string[] };
    err.id = id;
    err.properties = { ...inputs, ...outputs, __provider: inputs.__provider };
    err.reasons = [message];
    return err;
}

// ---------------------------------------------------------------------------------------------
// Retries

export interface RetryOptions {
    /** What is being attempted, for the error message ("create harness x"). */
    what: string;
    /** Extra errors to retry besides throttling and 5xx (IAM propagation messages). */
    propagation?: readonly PropagationRule[];
    /** Total time allowed, in ms (default 2 minutes). */
    timeoutMs?: number;
    /** Attempts allowed whatever the time left (default: as many as the time limit allows). */
    maxAttempts?: number;
    /** Extra predicate for retryable errors (e.g. a conflict while a resource settles). */
    retryIf?: (e: unknown) => boolean;
}

/**
 * Calls `fn`, retrying throttling, 5xx and the listed IAM-propagation errors with jittered
 * exponential backoff until the time limit. Any other error is thrown at once.
 */
export async function withRetries<T>(fn: () => Promise<T>, opts: RetryOptions): Promise<T> {
    const clock = currentClock();
    const deadline = clock.now() + (opts.timeoutMs ?? 120_000);
    // aws:maxRetries bounds the retries the SDK would make (throttling, 5xx); waiting for IAM to
    // propagate or for a resource to settle is bounded by time alone.
    const { maxRetries } = currentAwsSettings();
    let delay = 500;
    let throttled = 0;
    for (let attempt = 1; ; attempt++) {
        try {
            return await fn();
        } catch (e) {
            const transient = isThrottleOrServerError(e);
            const retryable =
                transient ||
                (opts.propagation !== undefined && matchesPropagation(e, opts.propagation)) ||
                (opts.retryIf !== undefined && opts.retryIf(e));
            if (!retryable) {
                throw e;
            }
            throttled += transient ? 1 : 0;
            const wait = Math.min(delay, 10_000) * (0.5 + Math.random() / 2);
            const exhausted = attempt >= (opts.maxAttempts ?? Infinity) || (transient && maxRetries !== undefined && throttled > maxRetries);
            if (clock.now() + wait > deadline || exhausted) {
                // Keeps the cause's name and HTTP status, so a caller with a longer deadline (a
                // wait for a status, say) still sees throttling as throttling and keeps going.
                const err = new Error(
                    `${opts.what}: still failing after ${attempt} attempts: ${errorName(e)}: ${errorMessage(e)}`,
                ) as Error & { cause?: unknown; name: string; $metadata?: unknown; code?: unknown };
                err.cause = e;
                err.name = errorName(e) || "Error";
                err.$metadata = (e as { $metadata?: unknown })?.$metadata;
                err.code = (e as { code?: unknown })?.code;
                throw err;
            }
            await clock.sleep(wait);
            delay *= 2;
        }
    }
}

/**
 * The first item of a paged List call that `matches`, read in full with `get`; undefined when no
 * page holds one. Each page is retried like any call.
 */
export async function findInPages<I, T>(
    what: string,
    page: (nextToken: string | undefined) => Promise<{ items?: I[]; nextToken?: string }>,
    matches: (item: I) => boolean,
    get: (item: I) => Promise<T | undefined>,
): Promise<T | undefined> {
    let nextToken: string | undefined;
    do {
        const p = await withRetries(() => page(nextToken), { what });
        const hit = p.items?.find(matches);
        if (hit) {
            return get(hit);
        }
        nextToken = p.nextToken;
    } while (nextToken);
    return undefined;
}

// ---------------------------------------------------------------------------------------------
// Waiting for a status

export interface WaitOptions<T> {
    /** The resource as a person names it: `harness "zscaler_mcp" (zscaler_mcp-abc1234567)`. */
    resource: string;
    /** Reads the resource; returns undefined when it does not exist. */
    read: () => Promise<T | undefined>;
    status: (item: T) => string;
    /** The service's explanation of a failure (statusReasons, failureReason). */
    reasons?: (item: T) => string | undefined;
    pending: readonly string[];
    target: readonly string[];
    /** Deleting: "not found" is the target. */
    goneIsTarget?: boolean;
    /** Times "not found" is tolerated right after a create (eventual consistency). */
    notFoundTolerance?: number;
    /** The target statuses never change once reached (a finished ECS deployment): one sighting is enough. */
    final?: boolean;
    /** Extra readiness condition besides the status (an ECS endpoint, say). */
    ready?: (item: T) => boolean;
    /** What is still missing when the status is right but `ready` is not (for the error). */
    notReady?: (item: T) => string;
    timeoutMs: number;
    /** What the user can run when the deadline passes (default: run pulumi up again). */
    nextStep?: string;
}

/**
 * Poll delays: 1 s, doubling, capped at 5 s. The cap is the most a wait can lag behind AWS: at
 * 10 s, the lags of the waits along the gateway deploy's chain added 12% to it; at 5 s, about 6%,
 * for some 12 polls a minute per resource waited on.
 */
export function pollDelay(attempt: number): number {
    return Math.min(1_000 * 2 ** Math.max(0, attempt - 1), 5_000);
}

/**
 * Polls until the resource reaches a target status twice in a row (once, for `final` statuses; or
 * disappears, when deleting).
 * A status outside pending and target fails at once with the service's reasons; so does the
 * deadline, naming the last status seen. Throttling and 5xx while polling are retried.
 */
export async function waitForStatus<T>(o: WaitOptions<T>): Promise<T | undefined> {
    const clock = currentClock();
    const start = clock.now();
    const deadline = start + o.timeoutMs;
    let lastStatus = "(not read yet)";
    let lastReasons: string | undefined;
    let targetSeen = 0;
    let notFoundSeen = 0;
    for (let attempt = 1; ; attempt++) {
        let item: T | undefined;
        let readFailed = false;
        try {
            item = await o.read();
        } catch (e) {
            if (!isThrottleOrServerError(e)) {
                throw e;
            }
            readFailed = true;
        }
        if (!readFailed) {
            if (item === undefined) {
                if (o.goneIsTarget) {
                    return undefined;
                }
                notFoundSeen++;
                lastStatus = "NOT_FOUND";
                if (notFoundSeen > (o.notFoundTolerance ?? 3)) {
                    throw new Error(`${o.resource} disappeared while waiting for ${o.target.join(" or ")}.`);
                }
            } else {
                const status = o.status(item);
                lastStatus = status;
                lastReasons = o.reasons?.(item);
                if (o.target.includes(status) && (o.ready === undefined || o.ready(item))) {
                    targetSeen++;
                    if (targetSeen >= (o.final ? 1 : 2)) {
                        return item;
                    }
                } else if (o.target.includes(status)) {
                    targetSeen = 0;
                    lastReasons = o.notReady?.(item) ?? lastReasons;
                } else if (o.pending.includes(status)) {
                    targetSeen = 0;
                } else {
                    throw new Error(
                        `${o.resource} reached status ${status}` + (lastReasons ? `: ${lastReasons}` : "") + ".",
                    );
                }
            }
        }
        // After the first sighting of the target, confirm quickly; otherwise back off.
        const delay = targetSeen > 0 ? 1_000 : pollDelay(attempt);
        if (clock.now() + delay > deadline) {
            const minutes = Math.round((o.timeoutMs / 60_000) * 10) / 10;
            throw new Error(
                `${o.resource} did not reach ${o.target.join(" or ")} within ${minutes} min; last status ${lastStatus}` +
                    (lastReasons ? ` (${lastReasons})` : "") +
                    `. ${o.nextStep ?? "It stays in the stack: run pulumi up again to repair it."}`,
            );
        }
        await clock.sleep(delay);
    }
}

// ---------------------------------------------------------------------------------------------
// Diffing

/** The value the Pulumi engine puts in place of an input it does not know yet (preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** JSON with sorted keys and without undefined members, so key order never causes a diff. */
export function stableStringify(value: unknown): string {
    return JSON.stringify(normalise(value)) ?? "null";
}

function normalise(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map((v) => (v === undefined ? null : normalise(v)));
    }
    if (value !== null && typeof value === "object") {
        const out: Record<string, unknown> = {};
        for (const key of Object.keys(value as object).sort()) {
            const v = (value as Record<string, unknown>)[key];
            if (v !== undefined) {
                out[key] = normalise(v);
            }
        }
        return out;
    }
    return value;
}

/** True for a value the engine does not know yet (a preview before the resource it comes from exists). */
export function isUnknown(value: unknown): boolean {
    return value === UNKNOWN;
}

export function containsUnknown(value: unknown): boolean {
    if (value === UNKNOWN) {
        return true;
    }
    if (Array.isArray(value)) {
        return value.some(containsUnknown);
    }
    if (value !== null && typeof value === "object") {
        return Object.values(value as object).some(containsUnknown);
    }
    return false;
}

export interface DiffSpec {
    /** Inputs that update in place. */
    updatable: readonly string[];
    /** Inputs whose change replaces the resource (create-only in AWS). */
    createOnly: readonly string[];
    /** The input holding the physical name: reusing it forces delete-before-replace. */
    nameField?: string;
}

export interface DiffOutcome {
    changes: boolean;
    replaces: string[];
    /** Every changed input, update or replace. */
    changed: string[];
    deleteBeforeReplace: boolean;
    stables: string[];
}

/**
 * Compares the recorded state with the new inputs field by field. An unknown value (preview)
 * counts as a change; key order and undefined members never do.
 */
export function diffInputs(olds: Record<string, unknown>, news: Record<string, unknown>, spec: DiffSpec): DiffOutcome {
    const changedField = (f: string): boolean =>
        containsUnknown(news[f]) || stableStringify(olds[f]) !== stableStringify(news[f]);
    const changed = [...spec.createOnly, ...spec.updatable].filter(changedField);
    const replaces = spec.createOnly.filter(changedField);
    const nameReused =
        spec.nameField !== undefined &&
        !containsUnknown(news[spec.nameField]) &&
        stableStringify(olds[spec.nameField]) === stableStringify(news[spec.nameField]);
    return {
        changes: changed.length > 0,
        replaces,
        changed,
        deleteBeforeReplace: replaces.length > 0 && nameReused,
        stables: [],
    };
}

/**
 * Whether an update changes nothing but the tags (and the fields named in `ignoring`, which only
 * steer this program): tags have their own API, so the resource itself needs no update call.
 */
export function onlyTagsChanged(olds: Record<string, unknown>, news: Record<string, unknown>, spec: DiffSpec, ignoring: readonly string[] = []): boolean {
    return diffInputs(olds, news, spec).changed.every((f) => f === "tags" || ignoring.includes(f));
}

/** Drops undefined members (the SDK and Pulumi both dislike them in nested structures). */
export function compact<T extends Record<string, unknown>>(obj: T): T {
    return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

/**
 * A diff that also looks at the recorded status: a resource whose create failed is replaced, one
 * whose update failed or that never became ready is updated (the update waits for it to settle),
 * so the next `pulumi up` repairs what the last one left behind.
 */
export function diffWithStatus(
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
    spec: DiffSpec,
    status: { ready: readonly string[]; replaceWhen: readonly string[] },
): DiffOutcome {
    const d = diffInputs(olds, news, spec);
    const recorded = typeof olds.status === "string" ? olds.status : undefined;
    if (recorded === undefined || status.ready.includes(recorded)) {
        return d;
    }
    if (status.replaceWhen.includes(recorded)) {
        return {
            ...d,
            changes: true,
            replaces: [...d.replaces, "status"],
            deleteBeforeReplace: spec.nameField === undefined || stableStringify(olds[spec.nameField]) === stableStringify(news[spec.nameField]),
        };
    }
    return { ...d, changes: true, changed: [...d.changed, "status"] };
}

export interface CheckFailure {
    property: string;
    reason: string;
}

/** Offline checks shared by every provider's `check`: required fields and model patterns. */
export function checkFields(
    news: Record<string, unknown>,
    required: readonly string[],
    patterns: Record<string, { re: RegExp; rule: string }> = {},
): CheckFailure[] {
    const failures: CheckFailure[] = [];
    for (const f of required) {
        if (news[f] === undefined || news[f] === null || news[f] === "") {
            failures.push({ property: f, reason: `${f} is required` });
        }
    }
    for (const [f, { re, rule }] of Object.entries(patterns)) {
        const v = news[f];
        if (typeof v === "string" && v !== UNKNOWN && !re.test(v)) {
            failures.push({ property: f, reason: `${f} "${v}" is not valid: ${rule}` });
        }
    }
    return failures;
}

/**
 * The inputs inside a read's properties: what `read` returns as `inputs`, so that a refresh records
 * drift as a change of the input it concerns (the next preview then shows that property).
 */
// Typed any: Pulumi types a read's inputs as its outputs.
export function inputsOf(props: Record<string, unknown>, spec: DiffSpec, extra: readonly string[] = []): any {
    return compact(Object.fromEntries([...spec.createOnly, ...spec.updatable, ...extra].map((k) => [k, props[k]])));
}

/** Input fields a refresh may take from AWS: only those the user set, so service defaults never look like drift. */
export function refreshInputs(
    props: Record<string, unknown>,
    fromAws: Record<string, unknown>,
    fields: readonly string[],
): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const f of fields) {
        if (props[f] !== undefined && fromAws[f] !== undefined) {
            out[f] = fromAws[f];
        }
    }
    return out;
}

/** Reads a resource; "not found" (or what `isGone` recognises) becomes undefined. Throttling and 5xx are retried. */
export async function findOrUndefined<T>(what: string, read: () => Promise<T>, isGone: (e: unknown) => boolean = isNotFound): Promise<T | undefined> {
    try {
        return await withRetries(read, { what });
    } catch (e) {
        if (isGone(e)) {
            return undefined;
        }
        throw e;
    }
}

export interface DeleteOptions<T> {
    what: string;
    /** The Delete API call. */
    call: () => Promise<unknown>;
    /** Errors that mean the resource is already gone (default: not found). */
    isGone?: (e: unknown) => boolean;
    /** Errors worth retrying besides throttling and 5xx (a conflict while it settles, say). */
    retryIf?: (e: unknown) => boolean;
    /** How to watch it go (while deleting, a ready status still counts as pending); omit when deletion is immediate. */
    wait?: Omit<WaitOptions<T>, "target" | "goneIsTarget">;
}

/** Deletes, treating "already gone" as done, then waits until the resource has really gone. */
export async function deleteAndWait<T>(o: DeleteOptions<T>): Promise<void> {
    try {
        await withRetries(o.call, { what: o.what, retryIf: o.retryIf });
    } catch (e) {
        if ((o.isGone ?? isNotFound)(e)) {
            return;
        }
        // Some services answer "access denied" for an id that no longer exists: only a read tells
        // that apart from a real missing permission, which must not drop a live resource from state.
        if (isAccessDenied(e) && o.wait && (await o.wait.read()) === undefined) {
            return;
        }
        if (isAccessDenied(e)) {
            throw new Error(
                `${o.what}: AWS denied it and the resource still exists (${errorMessage(e)}). ` +
                    "Give the deploying identity that permission, then run the same pulumi command again.",
            );
        }
        throw e;
    }
    if (o.wait) {
        await waitForStatus<T>({
            nextStep: "It stays in the stack: run the same pulumi command again to keep waiting for the delete.",
            ...o.wait,
            target: [],
            goneIsTarget: true,
        });
    }
}

// ---------------------------------------------------------------------------------------------
// Adoption: a create that finds its own resource already there

/** The tags that make a resource a stack's own: both present, both equal. */
const OWNER_TAGS = ["pulumi-project", "pulumi-stack"] as const;

/** True when `actual` carries the ownership tags that `desired` asks for (and `desired` asks for them). */
export function isOwnedBy(desired: Record<string, string> | undefined, actual: Record<string, string> | undefined): boolean {
    return OWNER_TAGS.every((k) => desired?.[k] !== undefined && actual?.[k] === desired[k]);
}

/** AWS's answers to a create whose name is already taken (ECS words it "not idempotent"). */
export function isNameTaken(e: unknown): boolean {
    const name = errorName(e);
    const message = errorMessage(e);
    return (
        name === "ConflictException" ||
        name === "ResourceAlreadyExistsException" ||
        (["ValidationException", "InvalidParameterException"].includes(name) && /already exists|not idempotent/i.test(message))
    );
}

export interface AdoptSpec<F> {
    /** The resource as a person names it: `harness "zscaler_mcp_harness_dev"`. */
    what: string;
    /** Finds the resource holding the name; undefined when there is none (any more). */
    find: () => Promise<F | undefined>;
    /** Its tags, as AWS reports them. */
    tagsOf: (found: F) => Promise<Record<string, string> | undefined>;
    /** The tags this stack gives it (they carry the ownership tags). */
    desiredTags: Record<string, string> | undefined;
    /** What the user can do when it is someone else's: the config key to change, say. */
    wayOut: string;
}

/**
 * After a create found its name taken: the resource holding it, when it carries this stack's
 * ownership tags (a create whose answer never arrived, or a deploy killed before Pulumi recorded
 * it), so the caller can take it over. Anything else is refused, naming it and the way out; the
 * create's own error is rethrown when nothing holds the name after all.
 */
export async function findAdoptable<F>(spec: AdoptSpec<F>, cause: unknown): Promise<{ found: F; tags: Record<string, string> }> {
    const found = await spec.find();
    if (found === undefined) {
        throw cause;
    }
    const tags = (await spec.tagsOf(found)) ?? {};
    if (!isOwnedBy(spec.desiredTags, tags)) {
        const owner = OWNER_TAGS.map((k) => `${k}=${tags[k] ?? "(none)"}`).join(", ");
        const ours = OWNER_TAGS.map((k) => `${k}=${spec.desiredTags?.[k] ?? "(none)"}`).join(", ");
        throw new Error(`${spec.what} already exists and is not this stack's (it has ${owner}; this stack is ${ours}), so it is left alone. ${spec.wayOut}`);
    }
    return { found, tags };
}

/** Tag changes between two tag maps: what to set (new or changed values) and which keys to remove. */
export function tagChanges(
    olds: Record<string, string> | undefined,
    news: Record<string, string> | undefined,
): { set: Record<string, string>; remove: string[] } {
    const before = olds ?? {};
    const after = news ?? {};
    return {
        set: Object.fromEntries(Object.entries(after).filter(([k, v]) => before[k] !== v)),
        remove: Object.keys(before).filter((k) => !(k in after)),
    };
}
