import { expect } from "chai";
import { readmeCommands, sectionCommands } from "./e2e/readme";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { CONFIG_KEYS } from "../config/keys";
import { pulumiYamlConfig, renderConfigTable } from "../scripts/configTable";

const root = path.join(__dirname, "..");
const read = (f: string) => fs.readFileSync(path.join(root, f), "utf8");

describe("documentation and stack configuration", () => {
    it("the configuration guide's table is exactly the one the key table generates", () => {
        const readme = read("docs/configuration.md");
        const start = readme.indexOf("<!-- config-table:start -->\n");
        const end = readme.indexOf("\n<!-- config-table:end -->");
        expect(start).to.be.greaterThan(-1);
        expect(readme.slice(start + "<!-- config-table:start -->\n".length, end)).to.equal(renderConfigTable());
    });

    it("Pulumi.yaml declares exactly the key table's keys, each with the table's type, default and description", () => {
        const config = (
            parse(read("Pulumi.yaml")) as { config: Record<string, { type?: string; default?: unknown; description?: string }> }
        ).config;
        expect(Object.keys(config)).to.deep.equal([...CONFIG_KEYS]);
        expect(config).to.deep.equal(pulumiYamlConfig());
        for (const [key, entry] of Object.entries(config)) {
            expect(entry.type, key).to.be.oneOf(["string", "integer", "boolean", "array"]);
            // A declared key without a default must be set in every stack, so each has one.
            expect(entry, key).to.have.property("default");
            expect(entry.description, key).to.be.a("string").and.not.equal("");
        }
    });

    it("the README fits on a few screens (250 lines), the details in docs/", () => {
        expect(read("README.md").split("\n").length).to.be.at.most(250);
        for (const doc of ["docs/configuration.md", "docs/operations.md", "docs/design.md", "docs/development.md"]) {
            expect(read("README.md")).to.contain(`](${doc}`);
        }
    });

    it("the sample stack carries no plaintext secret", () => {
        const stack = parse(read("Pulumi.dev.yaml")) as { config: Record<string, unknown> };
        expect(stack.config["aws:region"]).to.equal("us-east-1");
        expect(stack.config).to.not.have.property("zscaler-mcp-harness:zscalerClientSecret");
    });

    it("names only npm scripts package.json has", () => {
        const scripts = Object.keys((JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts);
        const named = readmeCommands().flatMap((c) => [...c.command.matchAll(/\bnpm run ([\w:-]+)/g)].map((m) => m[1]));
        expect(named).to.include.members(["invoke", "chat", "status", "logs", "doctor", "bench", "rehearse", "e2e"]);
        expect([...new Set(named)].filter((n) => !scripts.includes(n))).to.deep.equal([]);
    });

    it("the README gives the deploy and test commands CI runs", () => {
        const deploy = sectionCommands("Deploy");
        expect(deploy[0]).to.equal("npm ci");
        expect(deploy[deploy.length - 1]).to.equal("pulumi up");
        expect(sectionCommands("Development")).to.deep.equal(["npm ci", "npm test", "npm run test:faults", "npm run e2e"]);
        // The tiers fastest first, then (time allowing) the same tiers on Node 24.
        const ci = read(".ci/run");
        expect(ci).to.match(/\nnpm ci --no-audit --no-fund\n[\s\S]*\nnpm test\nnpm run test:faults\nnpm run e2e\nnpm run test:server\n/);
        expect(ci.match(/^\s*npm test$/gm)).to.have.length(2);
        expect(ci.slice(ci.indexOf("\nnpm test\n") + 1)).to.match(
            /node_from_registry 24[\s\S]*\n\s+npm test\n\s+npm run test:faults\n\s+npm run e2e\n/,
        );
    });
});
