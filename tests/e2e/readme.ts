/**
 * The commands the README shows, so the end-to-end suite can run exactly those and check that it
 * ran every one of them.
 */
import * as fs from "fs";
import * as path from "path";
import { PLACEHOLDERS, ROOT } from "./workspace";

export interface ReadmeCommand {
    /** The heading the command appears under. */
    section: string;
    command: string;
    /** A line of a ```bash block, a `$ ` line of a transcript, or code inline in the text. */
    kind: "block" | "transcript" | "inline";
    /** In a section for developers of this project (their commands run in `npm test` itself, not by a user deploying). */
    developer: boolean;
}

/** Sections whose commands are for developers of this project (run by `npm test` itself, not by a user deploying). */
const DEVELOPER_SECTIONS = [
    "Development",
    "Testing with the real MCP server",
    "Rehearsing a deployment without an AWS account",
    "Running the end-to-end tests",
    "Performance",
];

function clean(line: string): string {
    return line.replace(/\s+#\s.*$/, "").trim();
}

/**
 * Every command the README shows: lines of ```bash blocks, `$ ` lines of ```text blocks, and
 * inline code that starts with `pulumi ` or `npm ` (also when the text wraps it onto a second line).
 */
export function readmeCommands(markdown = fs.readFileSync(path.join(ROOT, "README.md"), "utf8")): ReadmeCommand[] {
    const out: ReadmeCommand[] = [];
    let section = "";
    let block: "bash" | "text" | "other" | undefined;
    let paragraph: string[] = [];
    const developer = () => DEVELOPER_SECTIONS.includes(section);
    const endParagraph = () => {
        for (const m of paragraph.join(" ").matchAll(/`((?:pulumi|npm) [^`]+)`/g)) {
            out.push({ section, command: m[1].replace(/\s+/g, " ").trim(), kind: "inline", developer: developer() });
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
            out.push({ section, command: clean(line), kind: "block", developer: developer() });
        } else if (block === "text" && line.startsWith("$ ")) {
            out.push({ section, command: line.slice(2).trim(), kind: "transcript", developer: developer() });
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
        throw new Error(`README.md has no commands under "${section}"`);
    }
    return block.map((c) => fillPlaceholders(c.command, values));
}
