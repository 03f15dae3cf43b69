/**
 * Time as the providers see it: real time, compressed in rehearsals, or a test's fake clock. Its
 * own module, so that everything that waits or compares times (the lifecycle kit, the identity
 * module) shares it without importing each other.
 */

/** Time as the waiting code sees it. Tests install a fake one; nothing in tests sleeps for real. */
export interface Clock {
    now(): number;
    sleep(ms: number): Promise<void>;
    /** Real milliseconds for a span of this clock's time (for timeouts the OS enforces); real time when absent. */
    realMs?(ms: number): number;
}

const CLOCK_KEY = "__zscalerMcpClock";

/** The shortest real timeout a compressed clock gives one request of an operator command. */
export const REAL_TIMEOUT_FLOOR_MS = 2_000;

/**
 * Real time, optionally compressed: with `scale` 0.01, a 10 s wait takes 100 ms and `now()` runs
 * a hundred times faster. Rehearsals and benchmarks use it to replay AWS's timings quickly.
 */
export function scaledClock(scale = 1, anchor = Date.now()): Clock {
    return {
        // Time before the anchor passes normally, so timestamps stay plausible dates.
        now: () => anchor + (Date.now() - anchor) / scale,
        sleep: (ms: number) => new Promise((resolve) => setTimeout(resolve, ms * scale)),
        realMs: (ms: number) => ms * scale,
    };
}

/**
 * The clock in force: a test's fake clock when one is installed; otherwise real time, compressed
 * by ZSCALER_MCP_TIME_SCALE when a rehearsal sets it (never set it for a real deployment).
 */
export function currentClock(): Clock {
    const installed = (globalThis as Record<string, unknown>)[CLOCK_KEY] as Clock | undefined;
    if (installed) {
        return installed;
    }
    const scale = Number(process.env.ZSCALER_MCP_TIME_SCALE);
    if (!(Number.isFinite(scale) && scale > 0 && scale < 1)) {
        return scaledClock(1);
    }
    // Processes that share a rehearsal share the anchor, and so agree on the time.
    const anchor = Number(process.env.ZSCALER_MCP_TIME_ANCHOR);
    return scaledClock(scale, Number.isFinite(anchor) && anchor > 0 ? anchor : Date.now());
}

/** Installs (or, with undefined, removes) the clock every waiter and retry loop uses. */
export function installClock(clock: Clock | undefined): void {
    const g = globalThis as Record<string, unknown>;
    if (clock) {
        g[CLOCK_KEY] = clock;
    } else {
        delete g[CLOCK_KEY];
    }
}

/** Real milliseconds for a span of the clock's time, for timeouts the OS enforces (at least 1). */
export function realMs(ms: number): number {
    return Math.max(1, Math.round(currentClock().realMs?.(ms) ?? ms));
}

/**
 * Real milliseconds for one request of an operator command: compressed like any span while a
 * rehearsal compresses time, but never below REAL_TIMEOUT_FLOOR_MS (or the span itself, when
 * shorter). A command makes one attempt, and a loaded machine can take longer than a compressed
 * 150 ms to answer: that is not AWS's delay. The providers keep the compressed timeout, since they
 * retry within windows of the clock's time. A test's own clock decides exactly.
 */
export function commandRequestMs(ms: number): number {
    const installed = (globalThis as Record<string, unknown>)[CLOCK_KEY] !== undefined;
    return installed ? realMs(ms) : Math.max(realMs(ms), Math.min(ms, REAL_TIMEOUT_FLOOR_MS));
}
