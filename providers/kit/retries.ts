/**
 * Retrying the calls AWS asks us to retry (throttling, 5xx, lost connections, IAM propagation),
 * with the project's clock, so that tests and the rehearsal can compress AWS's time.
 */
import { currentAwsSettings } from "../awsIdentity";
import { currentClock } from "../clock";
import {
    errorMessage,
    errorName,
    isNotFound,
    isServiceLinkedRoleThrottled,
    isThrottleOrServerError,
    matchesPropagation,
    PropagationRule,
    serviceLinkedRoleAdvice,
} from "./errors";
import { isTemporaryNameFailure } from "./network";

/** Attempts a lookup the resolver could not answer gets: a resolver that is down for longer is the network's problem. */
const NAME_LOOKUP_ATTEMPTS = 3;

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
    let unresolved = 0;
    for (let attempt = 1; ; attempt++) {
        try {
            return await fn();
        } catch (e) {
            const transient = isThrottleOrServerError(e);
            // IAM throttling AgentCore's service-linked role, worded as a quota: it passes too.
            const slrThrottled = !transient && isServiceLinkedRoleThrottled(e);
            const retryable =
                transient ||
                slrThrottled ||
                (opts.propagation !== undefined && matchesPropagation(e, opts.propagation)) ||
                (opts.retryIf !== undefined && opts.retryIf(e));
            if (!retryable) {
                throw e;
            }
            throttled += transient ? 1 : 0;
            unresolved += isTemporaryNameFailure(e) ? 1 : 0;
            const wait = Math.min(delay, 10_000) * (0.5 + Math.random() / 2);
            const exhausted =
                attempt >= (opts.maxAttempts ?? Infinity) ||
                (transient && maxRetries !== undefined && throttled > maxRetries) ||
                unresolved >= NAME_LOOKUP_ATTEMPTS;
            if (clock.now() + wait > deadline || exhausted) {
                // Keeps the cause's name and HTTP status, so a caller with a longer deadline (a
                // wait for a status, say) still sees throttling as throttling and keeps going.
                if (slrThrottled && (e as { slrAdvised?: boolean }).slrAdvised) {
                    throw e; // an inner retry window already said what it is
                }
                const err = new Error(
                    slrThrottled
                        ? `${opts.what}: still failing after ${attempt} attempts. ${serviceLinkedRoleAdvice(e)}`
                        : `${opts.what}: still failing after ${attempt} attempts: ${errorName(e)}: ${errorMessage(e)}`,
                ) as Error & { cause?: unknown; name: string; $metadata?: unknown; code?: unknown; slrAdvised?: boolean };
                err.slrAdvised = slrThrottled || undefined;
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

/** Every item of a paged List call, page after page; each page is retried like any call. */
export async function allInPages<I>(
    what: string,
    page: (nextToken: string | undefined) => Promise<{ items?: I[]; nextToken?: string }>,
): Promise<I[]> {
    const all: I[] = [];
    let nextToken: string | undefined;
    do {
        const p = await withRetries(() => page(nextToken), { what });
        all.push(...(p.items ?? []));
        nextToken = p.nextToken;
    } while (nextToken);
    return all;
}

/** Reads a resource; "not found" (or what `isGone` recognises) becomes undefined. Throttling and 5xx are retried. */
export async function findOrUndefined<T>(
    what: string,
    read: () => Promise<T>,
    isGone: (e: unknown) => boolean = isNotFound,
): Promise<T | undefined> {
    try {
        return await withRetries(read, { what });
    } catch (e) {
        if (isGone(e)) {
            return undefined;
        }
        throw e;
    }
}
