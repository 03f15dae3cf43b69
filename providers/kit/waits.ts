/**
 * Waiting for a resource to reach a status (or to disappear, after a delete): AWS's Create,
 * Update and Delete calls return at once, and the resource settles in its own time.
 */
import { currentClock } from "../clock";
import { errorMessage, isAccessDenied, isNotFound, isThrottleOrServerError } from "./errors";
import { withRetries } from "./retries";

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
                    throw new Error(`${o.resource} reached status ${status}` + (lastReasons ? `: ${lastReasons}` : "") + ".");
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
