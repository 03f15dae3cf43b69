import { expect } from "chai";
import { main } from "./rehearse";
import { OperatorError } from "../../scripts/io";
import { stackConfig, stackIo } from "../scripts/support";

const key = (k: string) => `zscaler-mcp-harness:${k}`;
const STACK_SECRET = "zs-own-stack-secret-4c3b2a";

describe("npm run rehearse -- --stack <name>: a stack's own configuration", function () {
    this.timeout(120_000);

    it("rehearses the configuration pulumi config --json shows, its secret read only in memory", async () => {
        const io = stackIo(
            stackConfig({
                "aws:profile": { value: "deployer", secret: false },
                [key("systemPrompt")]: { value: "Answer briefly.", secret: false },
            }),
            {},
            { [key("zscalerClientSecret")]: STACK_SECRET },
        );
        io.env.REHEARSAL_TIME_SCALE = "0.002";
        const code = await main(["--stack", "dev"], io);
        const out = io.out.join("");
        expect(code, out).to.equal(0);
        expect(io.pulumiCalls).to.deep.equal([
            ["config", "--json", "--stack", "dev"],
            ["config", "--json", "--stack", "dev", "--show-secrets"],
        ]);
        const lines = out.split("\n");
        expect(lines.slice(0, 4)).to.deep.equal([
            "verifyTools is false in the rehearsal: the local endpoint runs no MCP server to call.",
            "Not used, the rehearsal runs against the local endpoint: aws:profile.",
            "Rehearsal (AWS time compressed 500x; times below are real)",
            "",
        ]);
        expect(lines[4]).to.equal("stack dev");
        expect(lines.filter((l) => /^ {2}\S/.test(l))).to.deep.equal([
            "  up",
            "  up again, unchanged",
            "  change prompt, model, image",
            "  rename the harness",
            "  destroy",
        ]);
        expect(out).to.match(/\n {4}create {3}zscaler-mcp-service +\d+ ms\n/);
        expect(lines.slice(-2)).to.deep.equal(["All configurations converged, with no orphan and no leak.", ""]);
        expect(out + io.err.join("")).to.not.contain(STACK_SECRET);
    });

    it("refuses a configuration pulumi up would refuse, one problem a line with its fix, before any rehearsal", async () => {
        const io = stackIo(
            stackConfig({ [key("zscalerCustomerId")]: undefined, [key("topolgy")]: { value: "gateway" } }),
            {},
            {
                [key("zscalerClientSecret")]: STACK_SECRET,
            },
        );
        expect(await main(["--stack", "dev"], io)).to.equal(2);
        expect(io.err.join("")).to.equal(
            "Stack dev: pulumi up would refuse its configuration, so there is nothing to rehearse. 2 problems, each with its fix:\n" +
                '  - topolgy: "gateway" is not a setting of this program; did you mean topology? Run: pulumi config rm topolgy, then pulumi config set topology gateway (the README\'s configuration reference lists every key).\n' +
                "  - zscalerCustomerId: missing; the MCP server needs it. Run: pulumi config set zscalerCustomerId <id>\n",
        );
        expect(io.out.join("")).to.equal("");
    });

    it("names a stack the backend does not have, with the commands that list and create stacks", async () => {
        const io = stackIo(stackConfig());
        io.pulumi = (args) => {
            throw new OperatorError(`pulumi ${args.join(" ")} failed: error: no stack named 'prod' found`);
        };
        expect(await main(["--stack", "prod"], io)).to.equal(2);
        expect(io.err.join("")).to.equal(
            "There is no stack named prod in the backend the Pulumi CLI is logged in to (pulumi whoami -v names it). " +
                "pulumi stack ls lists this project's stacks; pulumi stack init prod creates one.\n",
        );
    });

    it("says when the Pulumi CLI is not logged in, and refuses --stack without a name", async () => {
        const io = stackIo(stackConfig());
        io.pulumi = (args) => {
            throw new OperatorError(
                `pulumi ${args.join(" ")} failed: error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions`,
            );
        };
        expect(await main(["--stack", "dev"], io)).to.equal(2);
        expect(io.err.join("")).to.match(
            /^The Pulumi CLI is not logged in to a backend, so npm run rehearse cannot read the stack's configuration\. Run pulumi login --local /,
        );
        const bare = stackIo(stackConfig());
        expect(await main(["--stack"], bare)).to.equal(2);
        expect(bare.err.join("")).to.match(
            /^npm run rehearse: --stack needs a stack name\n\nusage: npm run rehearse \[-- --stack <name>\]\n/,
        );
        expect(bare.pulumiCalls).to.deep.equal([]);
    });
});
