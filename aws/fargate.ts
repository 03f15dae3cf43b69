/**
 * The task sizes Fargate offers. Pure: no Pulumi imports.
 */

/** Fargate's CPU units and the memory sizes (MiB) each offers. */
export const FARGATE_SIZES: Record<string, { from: number; to: number; step: number } | number[]> = {
    "256": [512, 1024, 2048],
    "512": { from: 1024, to: 4096, step: 1024 },
    "1024": { from: 2048, to: 8192, step: 1024 },
    "2048": { from: 4096, to: 16384, step: 1024 },
    "4096": { from: 8192, to: 30720, step: 1024 },
    "8192": { from: 16384, to: 61440, step: 4096 },
    "16384": { from: 32768, to: 122880, step: 8192 },
};

export function fargateOffers(cpu: string, memory: number): boolean {
    const sizes = FARGATE_SIZES[cpu];
    return Array.isArray(sizes)
        ? sizes.includes(memory)
        : memory >= sizes.from && memory <= sizes.to && (memory - sizes.from) % sizes.step === 0;
}

export function fargateSizesText(cpu: string): string {
    const sizes = FARGATE_SIZES[cpu];
    return Array.isArray(sizes)
        ? `${sizes.slice(0, -1).join(", ")} or ${sizes[sizes.length - 1]}`
        : `${sizes.from} to ${sizes.to} in steps of ${sizes.step}`;
}
