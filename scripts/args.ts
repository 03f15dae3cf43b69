/**
 * Command-line arguments of the operator commands: Node's own parser (`util.parseArgs`) in strict
 * mode, a usage text with examples for each command, and errors that name the offending argument.
 */
import { parseArgs } from "util";
import { EXIT, OperatorError } from "./io";
import { closest } from "../config/messages";

export interface OptionSpec {
    type: "string" | "boolean";
    short?: string;
    /** The value's placeholder in the usage, for string options: `<id>`. */
    value?: string;
    /** A string option that may be given more than once (its values in order, as an array). */
    multiple?: boolean;
    description: string;
}

export interface CommandSpec {
    /** `invoke`, `status`, ... */
    name: string;
    /** What follows `npm run <name>` in the usage line. */
    synopsis: string;
    /** One or two sentences: what the command does. */
    summary: string;
    /** Whether the command takes positional arguments (the message, for invoke). */
    positionals: boolean;
    options: Record<string, OptionSpec>;
    examples: string[];
    /** Text after the examples: exit codes, environment. */
    notes?: string;
}

/** Where the deployment comes from; shared by the commands that act on a deployed harness. */
export const DEPLOYMENT_OPTIONS: Record<string, OptionSpec> = {
    stack: { type: "string", value: "<name>", description: "read this stack's outputs instead of the current stack's" },
    "harness-arn": {
        type: "string",
        value: "<arn>",
        description: "act on this harness without the Pulumi CLI (or set ZSCALER_MCP_HARNESS_ARN)",
    },
    region: { type: "string", value: "<region>", description: "AWS region, when the stack or the ARN does not tell (or set AWS_REGION)" },
};

export const HELP_OPTION: Record<string, OptionSpec> = {
    help: { type: "boolean", short: "h", description: "print this help and exit" },
};

/** The usage text `--help` prints (and an argument error prints after its message). */
export function usage(spec: CommandSpec): string {
    // The executable takes the same arguments without npm's `--`.
    const direct = spec.synopsis.replace(/^\[-- options\]/, "[options]").replace(/^-- /, "");
    const lines = [
        `usage: npm run ${spec.name}${spec.synopsis ? ` ${spec.synopsis}` : ""}`,
        `   or: npx zscaler-mcp-harness ${spec.name}${direct ? ` ${direct}` : ""}`,
        "",
        spec.summary,
        "",
        "options:",
    ];
    const flag = (name: string, o: OptionSpec) => `${o.short ? `-${o.short}, ` : ""}--${name}${o.value ? ` ${o.value}` : ""}`;
    const width = Math.max(...Object.entries(spec.options).map(([n, o]) => flag(n, o).length));
    for (const [name, o] of Object.entries(spec.options)) {
        lines.push(`  ${flag(name, o).padEnd(width)}  ${o.description}`);
    }
    lines.push("", "examples:", ...spec.examples.map((e) => `  ${e}`));
    if (spec.notes) {
        lines.push("", spec.notes);
    }
    return lines.join("\n") + "\n";
}

export interface ParsedCommand {
    values: Record<string, string | string[] | boolean | undefined>;
    positionals: string[];
}

/** A mistake on the command line: the message names it; the usage follows it on stderr. */
export class UsageError extends OperatorError {
    constructor(
        readonly problem: string,
        readonly spec: CommandSpec,
    ) {
        super(`npm run ${spec.name}: ${problem}\n\n${usage(spec)}`, EXIT.usage);
    }
}

function suggestion(spec: CommandSpec, rawName: string): string {
    const best = closest(rawName.replace(/^-+/, ""), Object.keys(spec.options));
    return best ? ` (did you mean --${best}?)` : "";
}

type Token = ReturnType<typeof parseArgs>["tokens"] extends (infer T)[] | undefined ? T : never;

/** The mistake that strict parsing refused, found among the tokens of a lenient parse. */
function describe(spec: CommandSpec, tokens: Token[], error: Error & { code?: string }): string {
    for (const t of tokens) {
        if (t.kind === "option") {
            const o = spec.options[t.name];
            if (!o) {
                return `unknown option ${t.rawName}${suggestion(spec, t.rawName)}`;
            }
            if (o.type === "boolean" && t.value !== undefined) {
                return `${t.rawName} takes no value (got "${t.value}")`;
            }
            if (o.type === "string" && t.value === undefined) {
                return `${t.rawName} needs a value: ${t.rawName} ${o.value ?? "<value>"}`;
            }
            if (o.type === "string" && !t.inlineValue && t.value?.startsWith("-")) {
                return `${t.rawName} needs a value, but ${t.value} follows it (write ${t.rawName}=${t.value} if that is the value)`;
            }
        } else if (t.kind === "positional" && !spec.positionals) {
            return `unexpected argument "${t.value}" (npm run ${spec.name} takes options only)`;
        }
    }
    return error.message;
}

/**
 * Parses `argv` for `spec`, strictly: an unknown option, an option without its value and a stray
 * argument are UsageErrors. Returns "help" when --help or -h is among the arguments.
 */
export function parseCommand(spec: CommandSpec, argv: string[]): ParsedCommand | "help" {
    const options = Object.fromEntries(
        Object.entries(spec.options).map(([name, o]) => [
            name,
            { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) },
        ]),
    );
    const lenient = parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
    if (lenient.tokens.some((t) => t.kind === "option" && t.name === "help")) {
        return "help";
    }
    try {
        const strict = parseArgs({ args: argv, options, strict: true, allowPositionals: spec.positionals });
        return { values: strict.values as ParsedCommand["values"], positionals: strict.positionals };
    } catch (e) {
        throw new UsageError(describe(spec, lenient.tokens, e as Error), spec);
    }
}

/** A string option's value, or undefined. */
export function stringOption(parsed: ParsedCommand, name: string): string | undefined {
    const v = parsed.values[name];
    return typeof v === "string" ? v : undefined;
}

/** The values of an option given any number of times (`multiple`), in order. */
export function listOption(parsed: ParsedCommand, name: string): string[] {
    const v = parsed.values[name];
    return Array.isArray(v) ? v : typeof v === "string" ? [v] : [];
}

/**
 * An integer option's value within [min, max], or undefined when absent; anything else (a
 * fraction, an exponent, a sign, a number out of range) is a UsageError naming the range.
 */
export function intOption(parsed: ParsedCommand, spec: CommandSpec, name: string, min: number, max: number): number | undefined {
    const text = stringOption(parsed, name);
    if (text === undefined) {
        return undefined;
    }
    const n = /^\d{1,9}$/.test(text) ? Number(text) : NaN;
    if (!(n >= min && n <= max)) {
        throw new UsageError(`--${name} must be a whole number from ${min} to ${max} (got "${text}")`, spec);
    }
    return n;
}

/** A decimal option's value within [min, max] (0.7, 1, .5), or undefined when absent. */
export function decimalOption(parsed: ParsedCommand, spec: CommandSpec, name: string, min: number, max: number): number | undefined {
    const text = stringOption(parsed, name);
    if (text === undefined) {
        return undefined;
    }
    const n = /^(\d+(\.\d*)?|\.\d+)$/.test(text) ? Number(text) : NaN;
    if (!(n >= min && n <= max)) {
        throw new UsageError(`--${name} must be a number from ${min} to ${max} in decimal notation (got "${text}")`, spec);
    }
    return n;
}
