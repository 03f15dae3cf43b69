#!/usr/bin/env node
/* global require, process */
"use strict";
// The operator commands as one executable: `npx zscaler-mcp-harness <command> [options]` in the
// project (package.json's bin). The commands are TypeScript, compiled as they load by tsx, as
// `node -r tsx/cjs scripts/cli.ts` does for the npm scripts; scripts/cli.ts says the rest.
require("tsx/cjs");
require("./cli.ts").run(process.argv.slice(2));
