/**
 * What the operator commands need from the outside world, passed in so tests can drive them.
 */
export interface Io {
    stdout: { write(s: string): unknown };
    stderr: { write(s: string): unknown };
    env: Record<string, string | undefined>;
    /** Colour and live formatting only on a terminal. */
    isTTY: boolean;
    /** Runs the Pulumi CLI; returns stdout, or undefined when the CLI is not installed. */
    pulumi?: (args: string[]) => string | undefined;
    /** Aborted on Ctrl-C. */
    signal?: AbortSignal;
}

/** Exit codes: 0 ok, 1 a failure AWS reported, 2 bad usage or no deployment, 130 interrupted. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** An error for the operator: printed as is, with a hint, never as a stack trace. */
export class OperatorError extends Error {
    constructor(
        message: string,
        public readonly exitCode: number = EXIT.usage,
    ) {
        super(message);
    }
}

export interface ParsedArgs {
    positional: string[];
    flags: Record<string, string | true>;
}

/** `--name value`, `--name=value` and boolean `--flag`; `booleans` lists the flags that take no value. */
export function parseArgs(argv: string[], booleans: readonly string[]): ParsedArgs {
    const positional: string[] = [];
    const flags: Record<string, string | true> = {};
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--") {
            positional.push(...argv.slice(i + 1));
            break;
        }
        if (a.startsWith("--")) {
            const eq = a.indexOf("=");
            const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
            if (eq > 0) {
                flags[name] = a.slice(eq + 1);
            } else if (booleans.includes(name)) {
                flags[name] = true;
            } else if (i + 1 < argv.length) {
                flags[name] = argv[++i];
            } else {
                throw new OperatorError(`--${name} needs a value.`);
            }
        } else {
            positional.push(a);
        }
    }
    return { positional, flags };
}

const CODES = { green: 32, red: 31, cyan: 36, yellow: 33, dim: 2, bold: 1 } as const;

export function paint(io: Io, color: keyof typeof CODES, text: string): string {
    return io.isTTY ? `\u001b[${CODES[color]}m${text}\u001b[0m` : text;
}

/** READY/ACTIVE green, *FAILED red, CREATING or *IN_PROGRESS cyan, anything else yellow. */
export function statusColor(status: string): keyof typeof CODES {
    if (status === "READY" || status === "ACTIVE") {
        return "green";
    }
    if (status.endsWith("FAILED") || status === "UPDATE_UNSUCCESSFUL" || status === "MISSING") {
        return "red";
    }
    if (status === "CREATING" || status.endsWith("IN_PROGRESS")) {
        return "cyan";
    }
    return "yellow";
}

/** Duration like 10m, 2h, 30s, 1d in milliseconds. */
export function parseDuration(text: string): number {
    const m = /^(\d+)\s*([smhd])$/.exec(text.trim());
    if (!m) {
        throw new OperatorError(`"${text}" is not a duration; use a number and s, m, h or d (for example 10m).`);
    }
    return Number(m[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "s" | "m" | "h" | "d"];
}

export function sdkConfig(region: string): { region: string; maxAttempts: number } {
    return { region, maxAttempts: 3 };
}
