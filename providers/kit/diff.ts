/**
 * Comparing recorded state with new inputs, the offline checks of `check`, and what a `read`
 * records as inputs: all on plain values, field by field, so that key order, undefined members
 * and service defaults never look like a change.
 */

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
    const changedField = (f: string): boolean => containsUnknown(news[f]) || stableStringify(olds[f]) !== stableStringify(news[f]);
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
export function onlyTagsChanged(
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
    spec: DiffSpec,
    ignoring: readonly string[] = [],
): boolean {
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
            deleteBeforeReplace:
                spec.nameField === undefined || stableStringify(olds[spec.nameField]) === stableStringify(news[spec.nameField]),
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
