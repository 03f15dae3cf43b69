// Deploys the Zscaler MCP Server as a tool of an Amazon Bedrock AgentCore Harness.
// Settings are validated (every problem reported at once), and an external secret read and checked,
// before any resource is registered.
import { readSettings } from "./config/pulumi";
import { deployStack } from "./program";

export = deployStack(readSettings());
