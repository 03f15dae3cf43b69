/**
 * Adoption: a create that finds its own resource already there takes it over instead of failing.
 *
 * A create whose answer was lost (a dropped connection, a retry the service calls a duplicate), or
 * one a killed deploy never recorded, leaves a resource that Pulumi's state does not know. The next
 * create of the same name meets it. When it carries this stack's ownership it is this stack's own,
 * and is brought fully to the inputs: what cannot be changed in place (a create-only setting that
 * differs) is deleted and created again, and what the inputs do not declare is removed, each
 * reported with a warning. Anyone else's is refused, naming it and the way out.
 *
 * Ownership is the project and stack names and the stack's identity (providers/stackIdentity.ts):
 * the names alone are shared by every deployment of the same project and stack name (two backends,
 * two Pulumi organizations), the identity is this stack's state's alone. A resource with the names
 * but another identity, or none, is another deployment's.
 *
 * Every provider that creates something in AWS goes through `createOrAdopt`; whether a resource is
 * this stack's own is decided in one place, `ownership`.
 */
import { errorMessage, errorName } from "./errors";

/** The tags naming a resource's project and stack: shared by every deployment of that project and stack name. */
const NAME_TAGS = ["pulumi-project", "pulumi-stack"] as const;
/** The tag of the stack's identity, which only one deployment has (see providers/stackIdentity.ts). */
export const IDENTITY_TAG = "pulumi-stack-id";
/** The tags that make a resource a stack's own: all present, all equal. */
export const OWNER_TAGS = [...NAME_TAGS, IDENTITY_TAG] as const;

/** True when `actual` carries the ownership tags that `desired` asks for (and `desired` asks for them all). */
export function isOwnedBy(desired: Record<string, string> | undefined, actual: Record<string, string> | undefined): boolean {
    return OWNER_TAGS.every((k) => desired?.[k] !== undefined && actual?.[k] === desired[k]);
}

/**
 * True when `actual` names the project and stack that `desired` does but is not owned by it: a
 * resource of another deployment of the same project and stack name (another backend or Pulumi
 * organization), or one made before stacks had an identity and never recorded in this stack's state.
 */
export function isSameNameOtherDeployment(
    desired: Record<string, string> | undefined,
    actual: Record<string, string> | undefined,
): boolean {
    return NAME_TAGS.every((k) => desired?.[k] !== undefined && actual?.[k] === desired[k]) && !isOwnedBy(desired, actual);
}

/** What to tell the user about a resource of another deployment of the same project and stack name. */
export const OTHER_DEPLOYMENT_WAY_OUT =
    "If that deployment is still in use, give this one another stack name (pulumi stack init <other name>) or other " +
    "resource names (the name config keys); if it is not, delete the resource (or destroy that deployment) and run pulumi up again. " +
    "If it is this stack's own from before a destroy that retained it, tag it with this stack's identity and run pulumi up again.";

type Warn = (message: string) => void;

/** Reports with Pulumi's log warning (in the dynamic-provider host, on its output to the engine). */
const pulumiWarn: Warn = (message) => {
    // Loaded only when there is something to report: the kit imports nothing of Pulumi otherwise.
    void (require("@pulumi/pulumi") as typeof import("@pulumi/pulumi")).log.warn(message);
};
let warnSink: Warn = pulumiWarn;

/** What adoption did beyond the inputs' own changes (a replacement, a removal): reported as a warning. */
export function adoptionWarning(message: string): void {
    warnSink(message);
}

/** Sends adoption's warnings to `sink` until the returned function is called (tests read them). */
export function captureAdoptionWarnings(sink: Warn): () => void {
    const before = warnSink;
    warnSink = sink;
    return () => {
        warnSink = before;
    };
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

/** A found resource's create-only settings, which no update can change: one that differs is replaced. */
export interface Replacement<F> {
    /** What differs from the inputs ("infrastructure role x, not y"); undefined when nothing does. */
    differs: (found: F) => string | undefined;
    /** Deletes it (and waits until it has gone). */
    remove: (found: F) => Promise<void>;
    /** Creates it afresh (the provider's whole create again). */
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
    /** For a resource with create-only settings AWS reports: how to tell they differ, and replace it. */
    replacement?: Replacement<F>;
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
    const differs = spec.replacement?.differs(found);
    if (spec.replacement && differs !== undefined) {
        adoptionWarning(`${spec.what} was this stack's own but was created with ${differs}, which cannot change in place: it is replaced.`);
        await spec.replacement.remove(found);
        return spec.replacement.recreate() as Promise<R>;
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
    if (isSameNameOtherDeployment(owner.desiredTags, tags)) {
        const theirs = tags[IDENTITY_TAG] === undefined ? "no stack identity" : `${IDENTITY_TAG}=${tags[IDENTITY_TAG]}`;
        throw new Error(
            `${spec.what} already exists and belongs to another deployment of the same project and stack name ` +
                `(another backend or Pulumi organization: it has ${theirs}, this stack is ${IDENTITY_TAG}=${owner.desiredTags?.[IDENTITY_TAG] ?? "(none)"}), ` +
                `so it is left alone. ${OTHER_DEPLOYMENT_WAY_OUT} ${spec.wayOut}`,
        );
    }
    if (!isOwnedBy(owner.desiredTags, tags)) {
        const theirs = NAME_TAGS.map((k) => `${k}=${tags[k] ?? "(none)"}`).join(", ");
        const ours = NAME_TAGS.map((k) => `${k}=${owner.desiredTags?.[k] ?? "(none)"}`).join(", ");
        throw new Error(
            `${spec.what} already exists and is not this stack's (it has ${theirs}; this stack is ${ours}), so it is left alone. ${spec.wayOut}`,
        );
    }
    return tags;
}
