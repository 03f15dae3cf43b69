/**
 * Renders the README's configuration reference from Pulumi.yaml, so the two cannot drift.
 * `npm run config-table` prints it; a test checks the README holds exactly this table.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

interface ConfigEntry {
    type: string;
    default?: unknown;
    description?: string;
}

export function renderConfigTable(pulumiYaml: string): string {
    const doc = parse(pulumiYaml) as { config: Record<string, ConfigEntry> };
    const rows = Object.entries(doc.config).map(([key, e]) => {
        const type = e.type === "array" ? "list of strings" : e.type;
        const dflt = e.default === undefined || e.default === "" || (Array.isArray(e.default) && e.default.length === 0) ? "" : `\`${JSON.stringify(e.default).replace(/^"|"$/g, "")}\``;
        return `| \`${key}\` | ${type} | ${dflt} | ${(e.description ?? "").replace(/\|/g, "\\|")} |`;
    });
    return ["| key | type | default | description |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

if (require.main === module) {
    process.stdout.write(renderConfigTable(fs.readFileSync(path.join(__dirname, "..", "Pulumi.yaml"), "utf8")) + "\n");
}
