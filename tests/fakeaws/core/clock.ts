/**
 * The clock tests hand the endpoint and the lifecycle kit.
 */
import type { Clock } from "../../../providers/lifecycle";

/** A fake clock: sleeping advances time at once. Share it with the lifecycle kit via installClock. */
export function fakeClock(start = 1_700_000_000_000): Clock & { advance(ms: number): void; slept: number[] } {
    let now = start;
    const slept: number[] = [];
    return {
        now: () => now,
        sleep: async (ms: number) => {
            slept.push(ms);
            now += ms;
            await new Promise((r) => setImmediate(r));
        },
        advance: (ms: number) => {
            now += ms;
        },
        slept,
    };
}
