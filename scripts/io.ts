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
    /** Aborted on the first Ctrl-C. */
    signal?: AbortSignal;
    /** Standard input (chat reads it); a terminal gets line editing and history. */
    stdin?: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?(mode: boolean): unknown };
    /**
     * Each Ctrl-C, as an "interrupt" event, for a command that handles them one by one (chat
     * cancels the answer in progress). While a listener is attached, `signal` is not aborted.
     */
    interrupts?: import("events").EventEmitter;
}

/**
 * The exit codes of every command, in one table: the same cause ends every command with the same
 * code. The help texts and the top-level usage print it from here.
 */
export const EXIT_CODES = [
    { code: 0, name: "ok", meaning: "done: answered, everything ready, the logs printed, every check passed" },
    {
        code: 1,
        name: "failed",
        meaning: "AWS or the harness reported an error, something is failed or missing, a check failed, or no AWS credentials",
    },
    {
        code: 2,
        name: "usage",
        meaning: "a usage error, nothing to act on (no stack outputs, an empty stack, a malformed harness ARN), or an unsupported Node.js",
    },
    { code: 130, name: "interrupted", meaning: "stopped with Ctrl-C" },
] as const;

type ExitName = (typeof EXIT_CODES)[number]["name"];

/** The exit codes by name: EXIT.ok, EXIT.failed, EXIT.usage, EXIT.interrupted. */
export const EXIT = Object.fromEntries(EXIT_CODES.map((e) => [e.name, e.code])) as {
    readonly [N in ExitName]: Extract<(typeof EXIT_CODES)[number], { name: N }>["code"];
};

/** The table as a help text prints it. */
export function exitCodesText(): string {
    return ["Exit codes:", ...EXIT_CODES.map((e) => `  ${String(e.code).padStart(3)}  ${e.meaning}`)].join("\n");
}

/** An error for the operator: printed as is, with a hint, never as a stack trace. */
export class OperatorError extends Error {
    constructor(
        message: string,
        public readonly exitCode: number = EXIT.usage,
    ) {
        super(message);
    }
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
    if (status.endsWith("FAILED") || status === "UPDATE_UNSUCCESSFUL" || status === "MISSING" || status === "ACCESS DENIED") {
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

/**
 * Removes terminal control sequences from text that comes from outside (the model, a tool, a
 * log line, an AWS error message): escape sequences (CSI, OSC and the rest, 7- and 8-bit), other
 * control characters but tab and newline, and carriage returns. Text arrives in pieces and a
 * sequence may be split between two of them, so the state carries over from one `push` to the
 * next. A sequence never spans a line break: one left unterminated (an OSC without its BEL or ST)
 * ends at the next newline, and the text after it is kept.
 */
export class TerminalSanitizer {
    private state: "text" | "esc" | "escIntermediate" | "csi" | "string" | "stringEsc" = "text";

    push(text: string): string {
        let out = "";
        for (const ch of text) {
            const c = ch.codePointAt(0)!;
            if (c === 0x0a) {
                this.state = "text";
                out += ch;
                continue;
            }
            switch (this.state) {
                case "text":
                    if (c === 0x1b) {
                        this.state = "esc";
                    } else if (c === 0x9b) {
                        this.state = "csi";
                    } else if (c === 0x90 || c === 0x9d || c === 0x98 || c === 0x9e || c === 0x9f) {
                        this.state = "string";
                    } else if (c === 0x09 || (c >= 0x20 && c !== 0x7f && !(c >= 0x80 && c <= 0x9f))) {
                        out += ch;
                    }
                    break;
                case "esc":
                    if (c === 0x5b) {
                        this.state = "csi"; // ESC [
                    } else if (c === 0x5d || c === 0x50 || c === 0x58 || c === 0x5e || c === 0x5f) {
                        this.state = "string"; // ESC ] (OSC), ESC P (DCS), ESC X, ESC ^, ESC _
                    } else if (c >= 0x20 && c <= 0x2f) {
                        this.state = "escIntermediate";
                    } else {
                        this.state = "text"; // a two-character sequence (ESC c, ESC 7, ...)
                    }
                    break;
                case "escIntermediate":
                    if (c < 0x20 || c > 0x2f) {
                        this.state = "text";
                    }
                    break;
                case "csi":
                    if (c >= 0x40 && c <= 0x7e) {
                        this.state = "text";
                    } else if (c < 0x20 || c > 0x3f) {
                        this.state = "text"; // malformed: drop it and go on
                    }
                    break;
                case "string":
                    if (c === 0x07 || c === 0x9c) {
                        this.state = "text";
                    } else if (c === 0x1b) {
                        this.state = "stringEsc";
                    }
                    break;
                case "stringEsc":
                    this.state = c === 0x5c ? "text" : "string";
                    break;
            }
        }
        return out;
    }
}

/** `text` without terminal control sequences (for text that arrives whole). */
export function sanitize(text: string): string {
    return new TerminalSanitizer().push(text);
}

/**
 * JSON for `--json` and `--raw` output: JSON.stringify, with the C1 controls (U+0080 to U+009F)
 * and DEL escaped as \u sequences too, so that no byte of it acts on a terminal it is shown on.
 */
export function jsonText(value: unknown, indent?: number): string {
    return JSON.stringify(value, null, indent).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** How the commands show a failure that is not their own judgement (an AWS error, a timeout). */
export interface Failure {
    name: string;
    message: string;
    hint?: string;
}

/** The hint for a failure any command can meet; the same cause gives the same hint in every command. */
export function commonHint(name: string): string | undefined {
    if (name === "CredentialsProviderError") {
        return (
            "these commands use the same AWS credentials as pulumi up (the stack's aws:profile or aws:assumeRoles; " +
            "otherwise AWS_PROFILE, aws sso login, environment variables)."
        );
    }
    if (name === "TimeoutError") {
        return "AWS did not answer in time. Check the network (proxy, VPN) and any endpoint set in aws:endpoints or AWS_ENDPOINT_URL, then try again.";
    }
    return undefined;
}

/** An error as the commands print it: its name and message without control sequences, and the common hint. */
export function describeFailure(e: unknown): Failure {
    const err = e as { name?: string; message?: string } | undefined;
    const name = sanitize(String(err?.name ?? "Error"));
    const message = sanitize(String(err?.message ?? e));
    return { name, message, hint: commonHint(name) };
}

/** The lines a failure prints on stderr: `Name: message`, then `Hint: ...` when there is one. */
export function failureText(io: Io, f: Failure): string {
    return `${paint(io, "red", `${f.name}: ${f.message}`)}\n${f.hint ? `Hint: ${f.hint}\n` : ""}`;
}

/** The IAM action an AccessDenied message names (`... not authorized to perform: logs:FilterLogEvents on ...`). */
export function deniedAction(e: unknown): string | undefined {
    return /perform:?\s+([a-z0-9-]+:[A-Za-z0-9*]+)/.exec(String((e as Error)?.message ?? ""))?.[1];
}

export function awsErrorName(e: unknown): string {
    return String((e as { name?: string })?.name ?? "Error");
}

// Whether AWS refused the caller (a missing permission) or says the resource does not exist: the
// same judgement the providers make.
export { isAccessDenied, isEcsServiceGone, isNotFound } from "../providers/lifecycle";

/**
 * The items of every page a paginator (the SDK's `paginateX`) reads, or, with `matches`, the first
 * item that matches (reading no further pages once one does).
 */
export async function allItems<P, T>(pages: AsyncIterable<P>, items: (page: P) => T[] | undefined): Promise<T[]> {
    const all: T[] = [];
    for await (const page of pages) {
        all.push(...(items(page) ?? []));
    }
    return all;
}

export async function firstItem<P, T>(
    pages: AsyncIterable<P>,
    items: (page: P) => T[] | undefined,
    matches: (item: T) => boolean,
): Promise<T | undefined> {
    for await (const page of pages) {
        const hit = items(page)?.find(matches);
        if (hit !== undefined) {
            return hit;
        }
    }
    return undefined;
}

/** A promise that settles when `signal` aborts (never, without a signal). */
export function aborted(signal: AbortSignal | undefined): Promise<"aborted"> {
    return new Promise((resolve) => {
        if (signal?.aborted) {
            resolve("aborted");
        } else {
            signal?.addEventListener("abort", () => resolve("aborted"), { once: true });
        }
    });
}
