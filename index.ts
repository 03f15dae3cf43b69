// Deploys the Zscaler MCP Server as a tool of an Amazon Bedrock AgentCore Harness.
// Settings are validated (every problem reported at once), and an external secret read and checked,
// before any resource is registered.
import { readSettings } from "./components/config";
import { deployStack } from "./components/program";

export = deployStack(readSettings());
