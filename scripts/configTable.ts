/**
 * Renders the configuration reference (docs/configuration.md) from the key table (config/keys.ts), so the two
 * cannot drift. `npm run config-table` prints it; a test checks the guide holds exactly this table
 * and that Pulumi.yaml declares each key with the table's type, default and description.
 */
import { KEYS, KeySpec } from "../config/keys";

export function renderConfigTable(keys: Record<string, KeySpec> = KEYS): string {
    const rows = Object.entries(keys).map(([key, e]) => {
        const type = e.type === "array" ? "list of strings" : e.type;
        const d = e.default;
        const dflt = d === "" || (Array.isArray(d) && d.length === 0) ? "" : `\`${JSON.stringify(d).replace(/^"|"$/g, "")}\``;
        return `| \`${key}\` | ${type} | ${dflt} | ${e.description.replace(/\|/g, "\\|")} |`;
    });
    return ["| key | type | default | description |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

/** Pulumi.yaml's `config` section as the key table declares it. */
export function pulumiYamlConfig(keys: Record<string, KeySpec> = KEYS): Record<string, Record<string, unknown>> {
    return Object.fromEntries(
        Object.entries(keys).map(([key, e]) => [
            key,
            { type: e.type, ...(e.type === "array" ? { items: { type: "string" } } : {}), default: e.default, description: e.description },
        ]),
    );
}

if (require.main === module) {
    process.stdout.write(renderConfigTable() + "\n");
}
