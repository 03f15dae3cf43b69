/**
 * Reads the stack's configuration through Pulumi and hands it to the pure settings module.
 */
import * as pulumi from "@pulumi/pulumi";
import { SettingsError } from "./messages";
import type { RawConfig } from "./reader";
import { loadSettings, Settings } from "./settings";

/**
 * The config keys set with --secret. The language host hands them to the program in
 * PULUMI_CONFIG_SECRET_KEYS (a JSON list of `<namespace>:<name>` keys, the RunRequest's
 * config_secret_keys), which is where @pulumi/pulumi itself finds them; its own reader is not public.
 */
export function secretConfigKeys(): Set<string> {
    try {
        return new Set(JSON.parse(process.env.PULUMI_CONFIG_SECRET_KEYS ?? "[]") as string[]);
    } catch {
        return new Set();
    }
}

export function readSettings(): Settings {
    const project = pulumi.getProject();
    const config = new pulumi.Config(project);
    const secretKeys = secretConfigKeys();
    const raw: RawConfig = {
        get: (key) => config.get(key),
        isSecret: (key) => secretKeys.has(`${project}:${key}`),
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
            // aws:defaultTags reach the dynamic resources too (the AWS provider applies them to its own).
            defaultTags: new pulumi.Config("aws").getObject<{ tags?: Record<string, string> }>("defaultTags")?.tags,
        });
    } catch (e) {
        // The user's mistake, not the program's: Pulumi prints a RunError's message without a stack trace.
        throw e instanceof SettingsError ? new pulumi.RunError(e.message) : e;
    }
}
