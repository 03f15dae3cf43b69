import { expect } from "chai";
import { loadSettings } from "../../config/settings";
import { serverImageProblem, serverImageVersion, withRecommendedTag } from "../../server/releases";
import { DEFAULTS } from "../../config/keys";

const MARKETPLACE = "709825985650.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server";

describe("server image releases", () => {
    it("reads the release from a tag, with or without the -bedrock suffix or a leading v", () => {
        expect(serverImageVersion(`${MARKETPLACE}:0.15.4-bedrock`)).to.equal("0.15.4");
        expect(serverImageVersion(`${MARKETPLACE}:0.10.4`)).to.equal("0.10.4");
        expect(serverImageVersion("zscaler/zscaler-mcp-server:v0.13.1")).to.equal("0.13.1");
        expect(serverImageVersion("registry.example.com:5000/zscaler-mcp-server:0.15.4")).to.equal("0.15.4");
    });

    it("names no release for a digest, latest, a missing tag or a tag of its own", () => {
        expect(serverImageVersion(`${MARKETPLACE}@sha256:${"a".repeat(64)}`)).to.equal(undefined);
        expect(serverImageVersion(`${MARKETPLACE}:latest`)).to.equal(undefined);
        expect(serverImageVersion("registry.example.com:5000/zscaler-mcp-server")).to.equal(undefined);
        expect(serverImageVersion(`${MARKETPLACE}:build-0.10.4`)).to.equal(undefined);
    });

    it("accepts each topology's first capable release and refuses the one before", () => {
        const problem = (image: string, topology: "ecs" | "gateway") => serverImageProblem(image, topology, DEFAULTS.imageUri);
        expect(problem(`${MARKETPLACE}:0.12.3-bedrock`, "ecs")).to.equal(undefined);
        expect(problem(`${MARKETPLACE}:0.12.2-bedrock`, "ecs")).to.match(
            /^imageUri: the tag 0\.12\.2 is read as a release of the Zscaler MCP server, and the server 0\.12\.2 answers/,
        );
        expect(problem(`${MARKETPLACE}:0.15.0-bedrock`, "gateway")).to.equal(undefined);
        expect(problem(`${MARKETPLACE}:0.14.9-bedrock`, "gateway")).to.match(/and the server 0\.14\.9 cannot accept/);
        expect(problem(`${MARKETPLACE}:1.0.0`, "gateway")).to.equal(undefined);
        expect(problem(`${MARKETPLACE}:latest`, "gateway")).to.equal(undefined);
    });

    it("suggests the Marketplace repository at the tested release, and for a copy elsewhere the Marketplace image to copy", () => {
        expect(withRecommendedTag(`${MARKETPLACE}:0.10.4-bedrock`, DEFAULTS.imageUri)).to.equal(`${MARKETPLACE}:0.15.4-bedrock`);
        const eu = "709825985650.dkr.ecr.eu-west-1.amazonaws.com/zscaler/zscaler-mcp-server";
        expect(withRecommendedTag(`${eu}:0.11.0-bedrock`, DEFAULTS.imageUri)).to.equal(`${eu}:0.15.4-bedrock`);
        expect(withRecommendedTag("registry.example.com:5000/team/zscaler-mcp-server:0.11.0", DEFAULTS.imageUri)).to.equal(
            DEFAULTS.imageUri,
        );
        const own = serverImageProblem("123456789012.dkr.ecr.us-east-1.amazonaws.com/zscaler-mcp:0.11.0", "ecs", DEFAULTS.imageUri);
        expect(own).to.match(
            new RegExp(
                `Run: pulumi config set imageUri ${DEFAULTS.imageUri.replace(/\./g, "\\.")}, or push that release to your own registry and name it there$`,
            ),
        );
    });

    it("leaves the image alone when the stack calls the user's own MCP URL and deploys no server", () => {
        const values: Record<string, string> = {
            zscalerClientId: "cid",
            zscalerClientSecret: "zs-client-secret-Q9w8E7",
            mcpUrl: "https://mcp.example.com/mcp",
            imageUri: `${MARKETPLACE}:0.10.4-bedrock`,
        };
        const s = loadSettings(
            { get: (k) => values[k], isSecret: (k) => k === "zscalerClientSecret", keys: () => Object.keys(values) },
            { project: "zscaler-mcp-harness", stack: "dev" },
        );
        expect(s.deploysServer).to.equal(false);
    });

    it("never shows a secret image reference in its advice", () => {
        const problem = serverImageProblem(`${MARKETPLACE}:0.10.4-bedrock`, "ecs", DEFAULTS.imageUri, () => "[secret]");
        expect(problem).to.match(/Run: pulumi config set imageUri \[secret\]$/);
    });
});
