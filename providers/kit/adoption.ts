/**
 * Adoption: a create that finds its own resource already there takes it over instead of failing.
 *
 * A create whose answer was lost (a dropped connection, a retry the service calls a duplicate), or
 * one a killed deploy never recorded, leaves a resource that Pulumi's state does not know. The next
 * create of the same name meets it. When it carries this stack's ownership it is this stack's own,
 * and is brought to the inputs; anyone else's is refused, naming it and the way out.
 *
 * Every provider that creates something in AWS goes through `createOrAdopt`; whether a resource is
 * this stack's own is decided in one place, `ownership`.
 */
import { errorMessage, errorName } from "./errors";

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

/** How a found resource shows that it is this stack's own. */
export type Ownership<F> =
    | {
          /** Its tags, as AWS reports them. */
          tagsOf: (found: F) => Promise<Record<string, string> | undefined>;
          /** The tags this stack gives it (they carry the ownership tags). */
          desiredTags: Record<string, string> | undefined;
      }
    | {
          /**
           * For a resource AWS keeps no tags on: what only this stack's own holds. Returns undefined
           * for this stack's own, otherwise whose it is instead ("for another OAuth client (x)").
           */
          notOwnBecause: (found: F) => string | undefined;
      };

/** A found resource that waits to settle before it can be taken over (it may still be CREATING). */
export interface Settling<F> {
    /** Waits until it is no longer changing; undefined when it disappeared meanwhile. */
    settle: (found: F) => Promise<F | undefined>;
    /** Whether its create failed: such a one is deleted and created again, not updated. */
    createFailed: (settled: F) => boolean;
    /** Deletes one whose create failed (and waits until it has gone). */
    remove: (settled: F) => Promise<void>;
    /** Creates it afresh (the provider's whole create again, with a new client token). */
    recreate: () => Promise<unknown>;
}

/** What a provider tells adoption about its resource: how to find it, prove it its own, and take it over. */
export interface Adoption<F, R> {
    /** The resource as a person names it: `harness "zscaler_mcp_harness_dev"`. */
    what: string;
    /** What the user can do when it is someone else's: the config key to change, say. */
    wayOut: string;
    /** Finds the resource holding the name; undefined when none does (any more). */
    find: () => Promise<F | undefined>;
    /**
     * Looks for the resource before calling Create too, not only after a "name taken" answer, and
     * takes over what it finds without calling Create (the provider says why it needs this).
     */
    lookFirst?: boolean;
    /** How this stack's own resource is recognised. */
    owner: Ownership<F>;
    /** For a resource with a status: how to wait for it, and what to do with one whose create failed. */
    settling?: Settling<F>;
    /** Brings this stack's own resource to the inputs; returns what create returns. */
    takeOver: (found: F, tags: Record<string, string>) => Promise<R>;
}

/** A provider's create: its Create call, what follows a create of its own, and adoption. */
export interface AdoptSpec<F, C, R> extends Adoption<F, R> {
    /** The Create call alone (retried as the provider sees fit); what follows it goes in `created`. */
    create: () => Promise<C>;
    /** What create returns once its own Create call succeeded (after waiting for the resource, say). */
    created: (res: C) => Promise<R>;
}

/**
 * Creates the resource, or takes over this stack's own of the same name. A Create answered "name
 * taken" looks the resource up: when none holds the name after all, the Create's own error is
 * thrown; when it is this stack's own (see `ownership`), it is settled (one whose create failed is
 * deleted and created again) and brought to the inputs; anyone else's is refused.
 */
export async function createOrAdopt<F, C, R>(spec: AdoptSpec<F, C, R>): Promise<R> {
    if (spec.lookFirst) {
        const found = await spec.find();
        if (found !== undefined) {
            return adopt(spec, found);
        }
    }
    let res: C;
    try {
        res = await spec.create();
    } catch (e) {
        if (!isNameTaken(e)) {
            throw e;
        }
        const found = await spec.find();
        if (found === undefined) {
            throw e;
        }
        return adopt(spec, found);
    }
    return spec.created(res);
}

async function adopt<F, R>(spec: Adoption<F, R>, found: F): Promise<R> {
    const tags = await ownership(spec, found);
    if (spec.settling) {
        const settled = await spec.settling.settle(found);
        if (!settled || spec.settling.createFailed(settled)) {
            if (settled) {
                await spec.settling.remove(settled);
            }
            return spec.settling.recreate() as Promise<R>;
        }
    }
    return spec.takeOver(found, tags);
}

/**
 * The ownership check of adoption, the one place that decides whether a found resource is this
 * stack's own: returns its tags when it is, and refuses it otherwise, naming whose it is and the
 * way out. Nothing is taken over without passing here.
 */
async function ownership<F>(spec: Pick<Adoption<F, unknown>, "what" | "wayOut" | "owner">, found: F): Promise<Record<string, string>> {
    const owner = spec.owner;
    if ("notOwnBecause" in owner) {
        const whose = owner.notOwnBecause(found);
        if (whose !== undefined) {
            throw new Error(`${spec.what} already exists ${whose}, so it is left alone. ${spec.wayOut}`);
        }
        return {};
    }
    const tags = (await owner.tagsOf(found)) ?? {};
    if (!isOwnedBy(owner.desiredTags, tags)) {
        const theirs = OWNER_TAGS.map((k) => `${k}=${tags[k] ?? "(none)"}`).join(", ");
        const ours = OWNER_TAGS.map((k) => `${k}=${owner.desiredTags?.[k] ?? "(none)"}`).join(", ");
        throw new Error(
            `${spec.what} already exists and is not this stack's (it has ${theirs}; this stack is ${ours}), so it is left alone. ${spec.wayOut}`,
        );
    }
    return tags;
}
