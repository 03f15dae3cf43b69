/**
 * The stack doctor checks, as the Pulumi CLI shows it: its configuration (`pulumi config --json`),
 * the settings the program would deploy with, and the outputs of a deployed stack.
 */
import * as fs from "fs";
import * as path from "path";
import { loadSettings, Settings } from "../../config/settings";
import { ConfigEntries, readConfigEntries } from "../identity";
import { EXIT, Io, OperatorError } from "../io";

export interface StackConfig {
    project: string;
    stack: string;
    entries: ConfigEntries;
    /** `pulumi config` for this stack: the arguments that name it. */
    stackArgs: string[];
}

function projectName(): string {
    try {
        const text = fs.readFileSync(path.join(process.cwd(), "Pulumi.yaml"), "utf8");
        return /^name:\s*["']?([^"'\s#]+)/m.exec(text)?.[1] ?? "zscaler-mcp-harness";
    } catch {
        return "zscaler-mcp-harness";
    }
}

/** What a stack's passphrase is, for a message that asks for it. */
const PASSPHRASE =
    "The passphrase encrypts the stack's secrets (the default secrets provider of a stack in a local or self-managed backend, " +
    "chosen at pulumi stack init); give it in PULUMI_CONFIG_PASSPHRASE, or PULUMI_CONFIG_PASSPHRASE_FILE naming a file that holds it " +
    "(pulumi up and preview ask for it at their prompt when neither is set; this command runs the Pulumi CLI without a terminal, so it cannot ask).";

/**
 * What the Pulumi CLI's refusal (`message`, its error as the CLI's runner reports it) means, and
 * the fix, for the refusals a stack's owner meets before anything else: no backend logged in to,
 * no such stack, no stack selected, and the passphrase of the stack's secrets. Undefined for any other.
 */
export function explainPulumiRefusal(message: string, command: string): string | undefined {
    if (/PULUMI_ACCESS_TOKEN must be set|requires logging in|pulumi login/.test(message)) {
        return (
            `The Pulumi CLI is not logged in to a backend, so ${command} cannot read the stack's configuration. ` +
            "Run pulumi login --local (stacks kept on this machine) or pulumi login <your backend> (s3://<bucket>, azblob://<container>, " +
            "gs://<bucket>, or Pulumi Cloud, which takes PULUMI_ACCESS_TOKEN where there is no terminal), then select the stack: pulumi stack select <name>."
        );
    }
    const unknown = /no stack named '([^']*)' found/.exec(message);
    if (unknown) {
        return `There is no stack named ${unknown[1]} in the backend the Pulumi CLI is logged in to (pulumi whoami -v names it). pulumi stack ls lists this project's stacks; pulumi stack init ${unknown[1]} creates one.`;
    }
    if (/no stack selected/.test(message)) {
        return "No stack is selected: run pulumi stack select <name>, or pass --stack <name>.";
    }
    if (/passphrase must be set/.test(message)) {
        return `The Pulumi CLI needs the stack's passphrase to read its secrets, and neither PULUMI_CONFIG_PASSPHRASE nor PULUMI_CONFIG_PASSPHRASE_FILE is set. ${PASSPHRASE}`;
    }
    if (/incorrect passphrase/.test(message)) {
        return (
            "The Pulumi CLI could not decrypt the stack's secrets: the passphrase in PULUMI_CONFIG_PASSPHRASE (or the file PULUMI_CONFIG_PASSPHRASE_FILE names) " +
            `is not the one the stack was created with. ${PASSPHRASE}`
        );
    }
    const unreadable = /unable to read PULUMI_CONFIG_PASSPHRASE_FILE: (.*)/.exec(message);
    if (unreadable) {
        return `The Pulumi CLI cannot read the file PULUMI_CONFIG_PASSPHRASE_FILE names (${unreadable[1].trim()}): point it at the file that holds the stack's passphrase, or set PULUMI_CONFIG_PASSPHRASE instead. ${PASSPHRASE}`;
    }
    return undefined;
}

/** `read()`, a call of the Pulumi CLI, with a refusal `explainPulumiRefusal` knows reworded as it explains it. */
export function readThroughPulumi<T>(read: () => T, command: string): T {
    try {
        return read();
    } catch (e) {
        const explained =
            e instanceof OperatorError && e.exitCode !== EXIT.interrupted ? explainPulumiRefusal(e.message, command) : undefined;
        throw explained === undefined ? e : new OperatorError(explained, EXIT.usage);
    }
}

export function readStackConfig(io: Io, stackFlag: string | undefined, command = "npm run doctor"): StackConfig {
    const stackArgs = stackFlag ? ["--stack", stackFlag] : [];
    const entries = readThroughPulumi(() => readConfigEntries(io, stackArgs), command);
    if (entries === undefined) {
        throw new OperatorError(
            `${command} reads the stack's configuration with the Pulumi CLI, which was not found. Install it, then run pulumi stack select <name>.`,
        );
    }
    const stack = stackFlag ?? readThroughPulumi(() => io.pulumi?.(["stack", "--show-name"]) ?? "", command).trim();
    if (!stack) {
        throw new OperatorError("No stack is selected: run pulumi stack select <name>, or pass --stack <name>.");
    }
    return { project: projectName(), stack, entries, stackArgs };
}

/**
 * Keys whose secret value the configuration check leaves unread: the credential, whose presence is
 * all it checks (the tool check of a deployed ECS stack reads it, for the header the harness sends).
 */
const UNREAD_SECRETS = ["zscalerClientSecret"];

/** The project keys stored with --secret whose values doctor reads to check them (all but the client secret). */
export function checkedSecretKeys(c: StackConfig): string[] {
    const unread = UNREAD_SECRETS.map((k) => `${c.project}:${k}`);
    return Object.keys(c.entries).filter((k) => c.entries[k].secret && k.startsWith(`${c.project}:`) && !unread.includes(k));
}

/**
 * The settings the program would deploy with. A project key stored with --secret (other than the
 * client secret) is read (`revealed`, the stack's config with --show-secrets) to validate it as
 * pulumi up does; messages about a secret key never quote its value.
 */
export function settingsOf(io: Io, c: StackConfig, revealed: () => ConfigEntries): Settings {
    const key = (k: string) => `${c.project}:${k}`;
    const secretKeys = checkedSecretKeys(c);
    const shown = secretKeys.length > 0 ? revealed() : {};
    const entry = (k: string) => (secretKeys.includes(key(k)) ? (shown[key(k)] ?? c.entries[key(k)]) : c.entries[key(k)]);
    const raw = {
        get: (k: string) => {
            const e = entry(k);
            return e === undefined ? undefined : (e.value ?? (e.secret ? "[secret]" : undefined));
        },
        isSecret: (k: string) => entry(k)?.secret === true,
        keys: () =>
            Object.keys(c.entries)
                .filter((k) => k.startsWith(`${c.project}:`))
                .map((k) => k.slice(c.project.length + 1)),
    };
    return loadSettings(raw, {
        project: c.project,
        stack: c.stack,
        region: c.entries["aws:region"]?.value ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION,
    });
}

/** The stack's outputs, when it has been deployed (`pulumi stack output --json`); undefined when they cannot be read. */
export function stackOutputs(io: Io, c: StackConfig): Record<string, unknown> | undefined {
    try {
        const parsed: unknown = JSON.parse(io.pulumi?.(["stack", "output", "--json", ...c.stackArgs]) || "{}");
        return parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : undefined;
    } catch (e) {
        if (e instanceof OperatorError && e.exitCode === EXIT.interrupted) {
            throw e;
        }
        // A stack that cannot show its outputs has none to check.
        return undefined;
    }
}

/**
 * The stack's identity (providers/stackIdentity.ts) as its state holds it: the `stackId` output of a
 * deployed stack, else the StackIdentity resource in `pulumi stack export` (an up that was stopped
 * before it wrote the outputs). Undefined before the first up, and for a stack deployed before
 * stacks had an identity.
 */
export function stackIdentity(io: Io, c: StackConfig, outputs: Record<string, unknown> | undefined): string | undefined {
    if (typeof outputs?.stackId === "string") {
        return outputs.stackId;
    }
    try {
        const state = JSON.parse(io.pulumi?.(["stack", "export", ...c.stackArgs]) || "{}") as {
            deployment?: { resources?: { type?: string; outputs?: { stackId?: unknown } }[] };
        };
        const found = state.deployment?.resources?.find((r) => r.type === "pulumi-nodejs:dynamic/stack:StackIdentity");
        return typeof found?.outputs?.stackId === "string" ? found.outputs.stackId : undefined;
    } catch (e) {
        if (e instanceof OperatorError && e.exitCode === EXIT.interrupted) {
            throw e;
        }
        // A stack whose state cannot be read has no identity to go by.
        return undefined;
    }
}
