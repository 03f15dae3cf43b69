/**
 * The ids the endpoint makes up (harness ids, service endpoints, ARN suffixes, ...). They come from
 * one module-wide source that each recorded call points at its endpoint's generator, so an endpoint
 * made with a seed repeats its ids from run to run.
 */

/** The random source of ids; an endpoint with a seed makes its ids repeat from run to run. */
let random: () => number = Math.random;

/** Makes `source` the generator rand() draws from (the endpoint does so on every recorded call). */
export function useRandom(source: () => number): void {
    random = source;
}

/** A small seeded generator (mulberry32). */
export function seeded(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/** `n` characters drawn from `alphabet`. */
export function rand(n: number, alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"): string {
    let s = "";
    for (let i = 0; i < n; i++) {
        s += alphabet[Math.floor(random() * alphabet.length)];
    }
    return s;
}
