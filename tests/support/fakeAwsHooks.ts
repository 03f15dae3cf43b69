/**
 * Mocha hooks that start the local AWS endpoint with a fake clock for one suite, and point the
 * SDK (and the lifecycle kit's clock) at them.
 */
import { Clock, installClock } from "../../providers/lifecycle";
import { FakeAws, fakeClock, FakeAwsOptions } from "../fakeaws/server";

export interface FakeAwsContext {
    fake: FakeAws;
    clock: Clock & { advance(ms: number): void; slept: number[] };
}

export function useFakeAws(opts: Partial<FakeAwsOptions> = {}): FakeAwsContext {
    const ctx = {} as FakeAwsContext;
    let restoreEnv: () => void = () => undefined;
    beforeEach(async () => {
        ctx.clock = fakeClock();
        installClock(ctx.clock);
        ctx.fake = new FakeAws({ ...opts, clock: ctx.clock });
        await ctx.fake.start();
        restoreEnv = ctx.fake.applyEnv();
    });
    afterEach(async () => {
        restoreEnv();
        installClock(undefined);
        await ctx.fake.stop();
    });
    return ctx;
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error & Record<string, any>> {
    try {
        await p;
    } catch (e) {
        return e as Error & Record<string, any>;
    }
    throw new Error("expected the call to fail, but it succeeded");
}
