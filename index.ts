// Deploys the Zscaler MCP Server as a tool of an Amazon Bedrock AgentCore Harness.
// Settings are validated (every problem reported at once), and an external secret read and checked,
// before any resource is registered. An unsupported Node.js is refused first, before the rest loads.
import { RunError } from "@pulumi/pulumi";
import { unsupportedNode } from "./scripts/nodeVersion";

const refusal = unsupportedNode();
if (refusal) {
    // Pulumi prints a RunError's message without a stack trace.
    throw new RunError(refusal);
}

export = (require("./program") as typeof import("./program")).deployStack(
    (require("./config/pulumi") as typeof import("./config/pulumi")).readSettings(),
);
