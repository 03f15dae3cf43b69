/**
 * Reads keys from the stack's configuration by the key table's types, defaults and rules, and
 * collects every problem (and warning) instead of stopping at the first.
 */
import { CONFIG_KEYS, ConfigKey, KEYS, KeySpec } from "./keys";
import { closest, shown } from "./messages";

/** Read access to the project's config namespace. */
export interface RawConfig {
    /** The raw value of a project config key (lists arrive as JSON text), or undefined. */
    get(key: string): string | undefined;
    /** True when the key was stored with `pulumi config set --secret`. */
    isSecret(key: string): boolean;
    /** Every key set in the project's namespace, without the `<project>:` prefix. */
    keys?(): string[];
}

export class ConfigReader {
    readonly problems: string[] = [];
    readonly warnings: string[] = [];

    constructor(readonly raw: RawConfig) {}

    /** A key's trimmed value; undefined when unset or blank. */
    str(key: ConfigKey): string | undefined {
        const v = this.raw.get(key);
        return v === undefined || v.trim() === "" ? undefined : v.trim();
    }

    /** One of `allowed`; the key's default when unset or wrong (and then a problem). */
    oneOf<T extends string>(key: ConfigKey, allowed: readonly T[]): T {
        const dflt = KEYS[key].default as T;
        const v = this.str(key);
        if (v === undefined) {
            return dflt;
        }
        if (!(allowed as readonly string[]).includes(v)) {
            this.problems.push(`${key}: ${shown(v)} is not one of ${allowed.join(", ")}. Run: pulumi config set ${key} ${dflt}`);
            return dflt;
        }
        return v as T;
    }

    /** A whole number in decimal digits from `min` to `max`; with `zeroMeansUnset`, 0 leaves the service default. */
    int(key: ConfigKey, min: number, max: number, zeroMeansUnset = false): number | undefined {
        const v = this.str(key);
        if (v === undefined || (zeroMeansUnset && v === "0")) {
            return undefined;
        }
        // Decimal digits only: Number() would also read 0x10, 1e3, 0b1 and " 12 ".
        const n = /^(0|-?[1-9][0-9]{0,15})$/.test(v) ? Number(v) : NaN;
        if (!Number.isSafeInteger(n) || n < min || n > max) {
            const range = zeroMeansUnset
                ? `0 (the service default) or a whole number from ${min} to ${max}`
                : `a whole number from ${min} to ${max}`;
            this.problems.push(`${key}: ${shown(v)} must be ${range}, in decimal digits. Run: pulumi config set ${key} <number>`);
            return undefined;
        }
        return n;
    }

    /** true or false (any letter case); the key's default when unset or wrong. */
    bool(key: ConfigKey): boolean {
        const dflt = KEYS[key].default as boolean;
        const v = this.str(key);
        if (v === undefined) {
            return dflt;
        }
        if (!/^(true|false)$/i.test(v)) {
            this.problems.push(`${key}: ${shown(v)} must be true or false. Run: pulumi config set ${key} ${dflt}`);
            return dflt;
        }
        return v.toLowerCase() === "true";
    }

    /** A list of strings: JSON (set with --path) or one entry or a comma-separated list. */
    list(key: ConfigKey): string[] {
        const v = this.raw.get(key);
        if (v === undefined || v.trim() === "") {
            return [];
        }
        const text = v.trim();
        if (!text.startsWith("[")) {
            // A single entry or a comma-separated list set without --path.
            return text
                .split(",")
                .map((s) => s.trim())
                .filter(Boolean);
        }
        try {
            const parsed: unknown = JSON.parse(text);
            if (Array.isArray(parsed) && parsed.every((x) => typeof x === "string")) {
                return parsed.map((s: string) => s.trim()).filter(Boolean);
            }
        } catch {
            // reported below
        }
        this.problems.push(`${key}: must be a list of strings, e.g. pulumi config set --path '${key}[0]' value`);
        return [];
    }

    /** A resource name by the key's rule, or `dflt` when unset. */
    name(key: ConfigKey, dflt: string): string {
        const v = this.str(key);
        if (v === undefined) {
            return dflt;
        }
        const rule = (KEYS[key] as KeySpec).rule!;
        if (!rule.re.test(v)) {
            this.problems.push(`${key}: ${shown(v)} is not a valid name (${rule.text}).`);
        }
        return v;
    }

    /** A value by the key's rule (a problem with the key's fix when it does not match), or undefined. */
    matching(key: ConfigKey): string | undefined {
        const v = this.str(key);
        const spec = KEYS[key] as KeySpec;
        if (v !== undefined && !spec.rule!.re.test(v)) {
            this.problems.push(`${key}: ${shown(v)} must be ${spec.rule!.text}. Run: pulumi config set ${key} ${spec.fix}`);
        }
        return v;
    }

    /**
     * Keys this program does not read: most often a misspelling that would be silently ignored. The
     * fix removes the key (`pulumi config rm`), and sets the value again under the key meant.
     */
    unknownKeys(): void {
        for (const key of this.raw.keys?.() ?? []) {
            if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
                const guess = closest(key, CONFIG_KEYS);
                const secret = this.raw.isSecret(key);
                const v = this.raw.get(key) ?? "";
                const value = secret ? "(secret value not shown)" : shown(v);
                this.problems.push(
                    `${key}: ${value} is not a setting of this program` +
                        (guess
                            ? `; did you mean ${guess}? Run: pulumi config rm ${key}, then ${setAgain(guess as ConfigKey, v, secret)}`
                            : `. Run: pulumi config rm ${key}`) +
                        " (the README's configuration reference lists every key).",
                );
            }
        }
    }
}

/**
 * The command that sets `value` under `key`: a list entry by entry (--path), a secret with --secret
 * and its value as a placeholder, a value a shell would read as it is spelled out (otherwise a placeholder).
 */
function setAgain(key: ConfigKey, value: string, secret: boolean): string {
    const spec = KEYS[key] as KeySpec;
    if (spec.type === "array") {
        return `pulumi config set --path '${key}[0]' <first entry>`;
    }
    if (secret || spec.secret) {
        return `pulumi config set --secret ${key} <value>`;
    }
    return `pulumi config set ${key} ${/^[A-Za-z0-9._:/@+=,-]{1,200}$/.test(value) ? value : "<value>"}`;
}
