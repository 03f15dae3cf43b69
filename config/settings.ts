/**
 * Turns the stack's configuration into a typed, validated settings object.
 *
 * Pure: no Pulumi imports. `config/pulumi.ts` hands it a small reader over `pulumi.Config`; tests
 * hand it a plain object. Each section's validator (one module each) reads its keys by the key
 * table (keys.ts); every problem is collected and reported at once, each naming the config key,
 * the value (never a secret's) and the fix, so a user never fixes one error only to meet the next
 * on the following `pulumi up`.
 */
import { Names } from "../aws/names";
import { CredentialSettings, readCredentials, SecretsMode } from "./credentials";
import { HarnessSettings, readHarness } from "./harness";
import { IamSettings, readIam } from "./iam";
import { CONFIG_KEYS, ConfigKey } from "./keys";
import { SettingsError, shown, withoutSecretValues } from "./messages";
import { readNames } from "./names";
import { readRegion } from "./partition";
import { ConfigReader, RawConfig } from "./reader";
import { readEcsSize, readImage, readMcpUrl, Topology } from "./server";
import { HostValidation, readServerGuards, Risk } from "./serverGuards";

export type { RawConfig, SecretsMode, Topology, HostValidation, Risk };
export const RETAIN_PARTS = ["roles", "ecs", "secret", "cognito", "runtime"] as const;
export type RetainPart = (typeof RETAIN_PARTS)[number];

export interface SettingsContext {
    project: string;
    stack: string;
    /** `aws:region`, when set. */
    region?: string;
    /** The tags of `aws:defaultTags`, when set: every resource carries them, under its own. */
    defaultTags?: Record<string, string>;
}

export interface Settings extends HarnessSettings {
    project: string;
    stack: string;
    region: string;
    topology: Topology;
    names: Names;
    zscaler: CredentialSettings["zscaler"];
    secrets: CredentialSettings["secrets"] & {
        /** Changing it writes the Token Vault entry again (AWS never returns it, so its drift cannot be seen). */
        tokenVaultRevision?: string;
    };
    /** Whether `pulumi up` ends by calling the server as the harness does (initialize, tools/list). */
    verifyTools: boolean;
    /** A user-supplied MCP URL, normalised; when set the stack deploys no server. */
    mcpUrl?: string;
    /** Whether the stack runs the MCP server itself (gateway, or ecs without mcpUrl). */
    deploysServer: boolean;
    imageUri: string;
    ecs: {
        existingClusterName?: string;
        cpu: string;
        memory: string;
        hostValidation: HostValidation;
        allowedHosts: string[];
        containerEnv: Record<string, string>;
    };
    /** What every IAM role of the stack carries: the account's permissions boundary, its path. */
    iam: IamSettings;
    /** The weaker server settings the user acknowledged (each also produces a warning). */
    acknowledgedRisks: Risk[];
    retain: Record<RetainPart, boolean>;
    /** What destroy leaves in the account: each retained part together with what it needs to keep working. */
    keep: KeepOnDestroy;
    tags: Record<string, string>;
    /** Soft problems the program reports with `pulumi.log.warn`. */
    warnings: string[];
    /** The keys set with `pulumi config set --secret`: their values stay secret wherever they go (state, outputs, messages). */
    secretKeys: ConfigKey[];
}

export interface KeepOnDestroy {
    harnessRole: boolean;
    /** The ECS task execution and infrastructure roles, with their policies. */
    serviceRoles: boolean;
    ecs: boolean;
    secret: boolean;
    cognito: boolean;
    runtime: boolean;
    runtimeRole: boolean;
    gatewayRole: boolean;
}

/**
 * A retained part keeps what it needs: the ECS service its roles and its secret; the runtime its
 * role, its secret and the Cognito pool its authorizer trusts.
 */
function keepOnDestroy(retain: Record<RetainPart, boolean>, topology: Topology): KeepOnDestroy {
    const ecs = topology === "ecs" && retain.ecs;
    const runtime = topology === "gateway" && retain.runtime;
    return {
        harnessRole: retain.roles,
        serviceRoles: retain.roles || ecs,
        ecs: retain.ecs,
        secret: retain.secret || ecs || runtime,
        cognito: retain.cognito || runtime,
        runtime: retain.runtime,
        runtimeRole: retain.roles || runtime,
        gatewayRole: retain.roles,
    };
}

/** The lifecycle section: the Token Vault revision, the tool check, and what destroy keeps. */
function readLifecycle(r: ConfigReader): { tokenVaultRevision?: string; verifyTools: boolean; retain: Record<RetainPart, boolean> } {
    const tokenVaultRevision = r.matching("tokenVaultRevision");
    // After each deploy, pulumi up calls the server as the harness does (providers/toolCheck.ts).
    const verifyTools = r.bool("verifyTools");
    const retain = Object.fromEntries(RETAIN_PARTS.map((p) => [p, false])) as Record<RetainPart, boolean>;
    for (const part of r.list("retain")) {
        if ((RETAIN_PARTS as readonly string[]).includes(part)) {
            retain[part as RetainPart] = true;
        } else {
            r.problems.push(`retain: ${shown(part)} is not one of ${RETAIN_PARTS.join(", ")}.`);
        }
    }
    return { tokenVaultRevision, verifyTools, retain };
}

/** The tags every resource carries: the stack's default tags, then the program's own. */
function stackTags(ctx: SettingsContext, topology: Topology): Record<string, string> {
    return {
        ...ctx.defaultTags,
        "managed-by": "zscaler-mcp-harness",
        integration: "harness",
        // Ownership: a resource carrying both, and the stack's identity (pulumi-stack-id, added by the
        // program: it is known only once the stack's state holds it), is this stack's own (the
        // providers adopt it after an interrupted deploy; anything else of the same name is refused).
        "pulumi-project": ctx.project,
        "pulumi-stack": ctx.stack,
        ...(topology === "gateway" ? { topology: "gateway" } : {}),
    };
}

/** Validates the configuration and returns the settings, or throws a SettingsError listing every problem. */
export function loadSettings(raw: RawConfig, ctx: SettingsContext): Settings {
    const r = new ConfigReader(raw);
    r.unknownKeys();
    const region = readRegion(r, ctx.region);
    const topology = r.oneOf<Topology>("topology", ["ecs", "gateway"]);
    const names = readNames(r, ctx.stack);
    const { mcpUrl, deploysServer } = readMcpUrl(r, topology);
    const credentials = readCredentials(r, { region, topology, deploysServer });
    const imageUri = readImage(r, { topology, region, deploysServer });
    const harness = readHarness(r, region);
    const size = readEcsSize(r);
    const guards = readServerGuards(r, { topology, deploysServer });
    const iam = readIam(r);
    const lifecycle = readLifecycle(r);

    const isSecret = (key: string) => raw.isSecret(key);
    if (r.problems.length > 0) {
        throw new SettingsError(r.problems.map((m) => withoutSecretValues(m, isSecret)));
    }
    return {
        project: ctx.project,
        stack: ctx.stack,
        region,
        topology,
        names,
        ...harness,
        zscaler: credentials.zscaler,
        secrets: { ...credentials.secrets, tokenVaultRevision: lifecycle.tokenVaultRevision },
        verifyTools: lifecycle.verifyTools,
        mcpUrl,
        deploysServer,
        imageUri,
        ecs: { ...size, hostValidation: guards.hostValidation, allowedHosts: guards.allowedHosts, containerEnv: guards.containerEnv },
        acknowledgedRisks: guards.acknowledgedRisks,
        iam,
        retain: lifecycle.retain,
        keep: keepOnDestroy(lifecycle.retain, topology),
        tags: stackTags(ctx, topology),
        warnings: r.warnings.map((m) => withoutSecretValues(m, isSecret)),
        secretKeys: CONFIG_KEYS.filter((k) => raw.isSecret(k) && raw.get(k) !== undefined),
    };
}
