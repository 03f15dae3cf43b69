/**
 * How configuration problems are worded and shown: every value quoted the same way, a secret's
 * value never, and a near miss answered with the key or word that was meant.
 */
import { distance } from "fastest-levenshtein";

/** Every problem found in the configuration, one line each. */
export class SettingsError extends Error {
    constructor(public readonly problems: string[]) {
        super(
            `The stack configuration has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "SettingsError";
    }
}

/**
 * True when `v` holds a control character, except those in `allowed`: C0 (line breaks, tabs, NUL,
 * escapes), DEL, or C1 (U+0080-U+009F, among them NEL, a line break to some readers, and CSI, a
 * terminal escape).
 */
export function hasControl(v: string, allowed = ""): boolean {
    for (const ch of v) {
        const c = ch.charCodeAt(0);
        if ((c < 0x20 || (c >= 0x7f && c <= 0x9f)) && !allowed.includes(ch)) {
            return true;
        }
    }
    return false;
}

/**
 * A value as shown in a message: quoted, control characters escaped, long ones cut short; marked
 * so that `withoutSecretValues` can hide it when the key the message is about is a secret.
 */
export function shown(v: string): string {
    return hidable(v.length > 80 ? `${quoted(`${v.slice(0, 60)}…`)} (${v.length} characters)` : quoted(v));
}

/** JSON's quoting, with DEL and the C1 controls escaped too (JSON leaves them as they are, and a terminal obeys them). */
function quoted(v: string): string {
    return JSON.stringify(v).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A value in a message as it is, marked as `shown` marks it (a marker inside it is escaped). */
export function hidable(text: string): string {
    return `\uE000${text.replace(/[\uE000\uE001]/g, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase()}`)}\uE001`;
}

/** A message as the user reads it: the values it quotes, unless its key was set with --secret. */
export function withoutSecretValues(message: string, isSecret: (key: string) => boolean): string {
    const key = /^(\w+(?::\w+)?):? /.exec(message)?.[1];
    const hide = key !== undefined && isSecret(key);
    return message.replace(/\uE000([^\uE001]*)\uE001/g, (_, text: string) => (hide ? "(secret value not shown)" : text));
}

/** The closest of `candidates` to `word`, when it is close enough to be a misspelling. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
    const w = word.toLowerCase();
    let best: { c: string; d: number } | undefined;
    for (const c of candidates) {
        const d = distance(w, c.toLowerCase());
        if (!best || d < best.d) {
            best = { c, d };
        }
    }
    return best && best.d <= Math.max(2, Math.floor(word.length / 3)) ? best.c : undefined;
}
