/**
 * A mocha root hook (every tier's mocharc requires this file): after each test, the answers the
 * local AWS endpoint gave that AWS would not give (see tests/fakeaws/core/contract.ts) fail the
 * test that caused them. A test would otherwise be checking a caller against an answer AWS never
 * gives.
 */
import { FakeAwsCore } from "../fakeaws/core/endpoint";

/** Throws with every violation recorded since the last check, and forgets them. */
export function checkEndpointContract(): void {
    const found: string[] = [];
    for (const fake of FakeAwsCore.instances) {
        found.push(...fake.violations.splice(0));
        if (!fake.listening) {
            // Stopped: nothing more to check (and nothing to keep alive).
            FakeAwsCore.instances.delete(fake);
        }
    }
    if (found.length > 0) {
        throw new Error(`the local AWS endpoint answered what AWS would not:\n  ${found.join("\n  ")}`);
    }
}

export const mochaHooks = {
    afterEach(): void {
        checkEndpointContract();
    },
};
