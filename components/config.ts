/**
 * Reads the stack's configuration through Pulumi and hands it to the pure settings module.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadSettings, RawConfig, Settings, SettingsError } from "./settings";

// Pulumi records which config keys were set with --secret; the check is internal to the SDK.
const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };

export function readSettings(): Settings {
    const project = pulumi.getProject();
    const config = new pulumi.Config(project);
    const raw: RawConfig = {
        get: (key) => config.get(key),
        isSecret: (key) => runtimeConfig.isConfigSecret(`${project}:${key}`),
        // Every key set in the project's namespace, so a misspelled one is reported, not ignored.
        keys: () =>
            Object.keys(pulumi.runtime.allConfig())
                .filter((k) => k.startsWith(`${project}:`))
                .map((k) => k.slice(project.length + 1)),
    };
    try {
        return loadSettings(raw, {
            project,
            stack: pulumi.getStack(),
            region: new pulumi.Config("aws").get("region") ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION,
        });
    } catch (e) {
        // The user's mistake, not the program's: Pulumi prints a RunError's message without a stack trace.
        throw e instanceof SettingsError ? new pulumi.RunError(e.message) : e;
    }
}
