/**
 * The commands the README and the guides in docs/ show, so the end-to-end suite can run exactly
 * those and check that it ran every one of them.
 */
import * as fs from "fs";
import * as path from "path";
import { PLACEHOLDERS, ROOT } from "./workspace";

/** The documents a user follows: the README, then the guides it links to that show commands to run. */
export const USER_DOCS = ["README.md", "docs/configuration.md", "docs/operations.md"];
/**
 * The other documents: for developers of this project (their commands run in `npm test` itself), and
 * the network guide, whose variables the proxy tests set as its examples show, not by its lines.
 */
export const DEVELOPER_DOCS = ["docs/development.md", "docs/performance.md", "docs/design.md", "docs/network.md"];
/** Sections of the user documents for developers of this project (their commands run in `npm test` itself). */
const DEVELOPER_SECTIONS = ["Development"];

export interface ReadmeCommand {
    /** The document, relative to the project's root. */
    file: string;
    /** The heading the command appears under. */
    section: string;
    command: string;
    /** A line of a ```bash block, a `$ ` line of a transcript, or code inline in the text. */
    kind: "block" | "transcript" | "inline";
    /** In a section for developers of this project (their commands run in `npm test` itself, not by a user deploying). */
    developer: boolean;
}

function clean(line: string): string {
    return line.replace(/\s+#\s.*$/, "").trim();
}

/** Every command the user documents and the developer documents show, in reading order. */
export function readmeCommands(): ReadmeCommand[] {
    const all = [...USER_DOCS, ...DEVELOPER_DOCS].flatMap((file) =>
        documentCommands(fs.readFileSync(path.join(ROOT, file), "utf8"), file, DEVELOPER_DOCS.includes(file)),
    );
    // A section is found by its heading alone, so no heading with commands may appear in two documents.
    const seen = new Map<string, string>();
    for (const c of all) {
        const other = seen.get(c.section);
        if (other !== undefined && other !== c.file) {
            throw new Error(`"${c.section}" has commands in both ${other} and ${c.file}; give one of the headings another name`);
        }
        seen.set(c.section, c.file);
    }
    return all;
}

/**
 * The commands one document shows: lines of ```bash blocks, `$ ` lines of ```text blocks, and
 * inline code that starts with `pulumi `, `npm ` or `npx ` (also when the text wraps it onto a second line).
 */
export function documentCommands(markdown: string, file = "README.md", developer = false): ReadmeCommand[] {
    const out: ReadmeCommand[] = [];
    let section = "";
    const forDevelopers = () => developer || DEVELOPER_SECTIONS.includes(section);
    let block: "bash" | "text" | "other" | undefined;
    let paragraph: string[] = [];
    const endParagraph = () => {
        for (const m of paragraph.join(" ").matchAll(/`((?:pulumi|npm|npx) [^`]+)`/g)) {
            out.push({ file, section, command: m[1].replace(/\s+/g, " ").trim(), kind: "inline", developer: forDevelopers() });
        }
        paragraph = [];
    };
    for (const line of markdown.split("\n")) {
        const fence = /^```(\w*)/.exec(line);
        if (fence) {
            endParagraph();
            block = block ? undefined : fence[1] === "bash" ? "bash" : fence[1] === "text" ? "text" : "other";
            continue;
        }
        if (block === "bash" && clean(line)) {
            out.push({ file, section, command: clean(line), kind: "block", developer: forDevelopers() });
        } else if (block === "text" && line.startsWith("$ ")) {
            out.push({ file, section, command: line.slice(2).trim(), kind: "transcript", developer: forDevelopers() });
        } else if (!block) {
            const heading = /^#+\s+(.*)$/.exec(line);
            if (heading || !line.trim()) {
                endParagraph();
                section = heading ? heading[1].trim() : section;
            } else {
                paragraph.push(line);
            }
        }
    }
    endParagraph();
    return out;
}

/** The command with the README's placeholders filled in with the suite's test values. */
export function fillPlaceholders(command: string, values: Record<string, string> = {}): string {
    let out = command;
    for (const [k, v] of Object.entries({ ...PLACEHOLDERS, ...values })) {
        out = out.split(k).join(v);
    }
    return out;
}

/** The bash block of one section, placeholders filled in. */
export function sectionCommands(section: string, values: Record<string, string> = {}): string[] {
    const block = readmeCommands().filter((c) => c.section === section && c.kind === "block");
    if (block.length === 0) {
        throw new Error(`neither the README nor docs/ has commands under "${section}"`);
    }
    return block.map((c) => fillPlaceholders(c.command, values));
}
