/**
 * Finds the deployment the operator commands act on: flags first, then environment variables,
 * then the stack's outputs (`pulumi stack output --json`); and, with the stack, the AWS identity
 * its configuration names (`pulumi config --json`).
 */
import type { AwsSettings } from "../providers/awsIdentity";
import { ParsedCommand, stringOption } from "./args";
import { AwsAccess, readConfigEntries, refuseExcludedAccount, stackAwsSettings, useStackIdentity } from "./identity";
import { Io, OperatorError } from "./io";

export interface Deployment {
    region: string;
    harnessArn: string;
    harnessId: string;
    topology?: string;
    harnessName?: string;
    ecsServiceArn?: string;
    ecsLogGroup?: string;
    imageUri?: string;
    runtimeId?: string;
    gatewayId?: string;
    targetId?: string;
    cognitoTokenEndpoint?: string;
    /** The MCP URL the harness calls (topology ecs). */
    mcpUrl?: string;
    stack?: string;
    /** The stack's `aws:*` settings; undefined without the stack (--harness-arn), for the SDK's default chain. */
    awsSettings?: AwsSettings;
}

/** The deployment runs the MCP server itself (ECS service or AgentCore Runtime), or calls the user's own. */
export function serverKind(d: Deployment): "ecs" | "runtime" | "own" | "unknown" {
    if (d.topology === "gateway" || d.runtimeId) {
        return "runtime";
    }
    if (d.ecsServiceArn || d.ecsLogGroup) {
        return "ecs";
    }
    return d.topology === "ecs" ? "own" : "unknown";
}

/** A harness ARN as AgentCore's API model defines it (HarnessArn), whole. */
const HARNESS_ARN = /^arn:[^:]*:bedrock-agentcore:[a-z0-9-]+:[0-9]{12}:harness\/([a-zA-Z][a-zA-Z0-9_]{0,39}-[a-zA-Z0-9]{10})$/;

function harnessIdFromArn(arn: string): string {
    const m = HARNESS_ARN.exec(arn);
    if (!m) {
        throw new OperatorError(
            `"${arn}" is not a harness ARN: it looks like arn:aws:bedrock-agentcore:<region>:<account>:harness/<name>-<10 characters> ` +
                "(npm run status prints the stack's, and pulumi stack output harnessArn too).",
        );
    }
    return m[1];
}

/**
 * Why a stack has no harness output: pulumi destroy emptied it (its last update was a destroy), or
 * it never had one.
 */
function noHarnessMessage(io: Io, stack: string | undefined, stackArgs: string[]): string {
    const named = stack ? ` "${stack}"` : "";
    let lastKind: unknown;
    try {
        const history: unknown = JSON.parse(io.pulumi?.(["stack", "history", "--json", "--page-size", "1", ...stackArgs]) || "[]");
        lastKind = Array.isArray(history) ? (history[0] as { kind?: unknown } | undefined)?.kind : undefined;
    } catch {
        // Without its history the stack is told apart no further.
    }
    if (lastKind === "destroy") {
        return (
            `The stack${named} is empty: it has no deployed harness since pulumi destroy. ` +
            "Run pulumi up to deploy it again (or choose another stack with --stack <name>)."
        );
    }
    return `The stack${named} has no harness yet: run pulumi up first (or choose the stack with --stack <name>).`;
}

function regionFromArn(arn: string): string | undefined {
    return arn.split(":")[3] || undefined;
}

export function findDeployment(args: ParsedCommand, io: Io): Deployment {
    const flag = (name: string): string | undefined => stringOption(args, name);
    let outputs: Record<string, unknown> = {};
    let awsSettings: AwsSettings | undefined;
    // --stack names the deployment as plainly as --harness-arn: it wins over the environment's ARN.
    const explicitArn = flag("harness-arn") ?? (flag("stack") === undefined ? io.env.ZSCALER_MCP_HARNESS_ARN : undefined);
    const stack = flag("stack") ?? io.env.PULUMI_STACK;
    const stackArgs = stack ? ["--stack", stack] : [];
    if (!explicitArn) {
        const text = io.pulumi?.(["stack", "output", "--json", ...stackArgs]);
        if (text === undefined) {
            throw new OperatorError(
                "No deployment to act on: the Pulumi CLI was not found. Pass --harness-arn <arn> (and --region), " +
                    "or set ZSCALER_MCP_HARNESS_ARN.",
            );
        }
        try {
            outputs = JSON.parse(text || "{}") as Record<string, unknown>;
        } catch {
            throw new OperatorError("Could not read the stack's outputs from `pulumi stack output --json`.");
        }
        if (typeof outputs.harnessArn !== "string") {
            throw new OperatorError(noHarnessMessage(io, stack, stackArgs));
        }
        // The commands act as the stack does (aws:profile, aws:assumeRoles, ...), in the same account.
        awsSettings = stackAwsSettings(
            readConfigEntries(io, stackArgs) ?? {},
            () => readConfigEntries(io, [...stackArgs, "--show-secrets"]) ?? {},
        );
    }
    const harnessArn = explicitArn ?? (outputs.harnessArn as string);
    // The ARN first: a malformed one is the mistake to name, not the region it does not tell.
    const harnessId = harnessIdFromArn(harnessArn);
    const str = (k: string): string | undefined => (typeof outputs[k] === "string" && outputs[k] ? (outputs[k] as string) : undefined);
    const region = flag("region") ?? str("region") ?? regionFromArn(harnessArn) ?? io.env.AWS_REGION;
    if (!region) {
        throw new OperatorError("No region: pass --region <region>.");
    }
    return {
        region,
        harnessArn,
        harnessId,
        topology: str("topology"),
        harnessName: str("harnessName"),
        ecsServiceArn: str("ecsServiceArn"),
        ecsLogGroup: str("ecsLogGroup"),
        imageUri: str("imageUri"),
        runtimeId: str("runtimeId"),
        gatewayId: str("gatewayId"),
        targetId: str("targetId"),
        cognitoTokenEndpoint: str("cognitoTokenEndpoint"),
        mcpUrl: str("mcpUrl"),
        stack,
        awsSettings,
    };
}

/**
 * The identity to act on the deployment as: the stack's, or the SDK's default chain without the
 * stack. Refuses an account the stack excludes before any call to the deployment.
 */
export async function deploymentAccess(d: Deployment, io: Io): Promise<AwsAccess> {
    const access = await useStackIdentity(d.awsSettings, d.region, { signal: io.signal, attempts: 3 });
    await refuseExcludedAccount(access);
    return access;
}
