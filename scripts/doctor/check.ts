/**
 * What every check of doctor shares: its result, how it fails (a thrown CheckFailure, so a check
 * reads as straight-line code and one refusal ends it), and the context it runs in.
 */
import type { Settings } from "../../config/settings";
import type { AwsAccess } from "../identity";
import { awsErrorName, deniedAction, isAccessDenied } from "../io";
import type { StackConfig } from "./stackConfig";

export type CheckStatus = "ok" | "fail" | "skip";

export interface CheckResult {
    name: string;
    status: CheckStatus;
    detail: string;
    fix?: string;
    /** What the line sums up, one item a line below it (the configuration's problems, each with its fix, or its warnings). */
    items?: string[];
}

export class CheckFailure extends Error {
    constructor(
        readonly detail: string,
        readonly fix?: string,
    ) {
        super(detail);
    }
}

export const ok = (detail: string): CheckResult => ({ name: "", status: "ok", detail });
/** A check that does not apply to this stack, or cannot look at what it checks (the line says why). */
export const skip = (detail: string): CheckResult => ({ name: "", status: "skip", detail });
export const fail = (detail: string, fix?: string): never => {
    throw new CheckFailure(detail, fix);
};

export interface Context {
    settings: Settings;
    config: StackConfig;
    /** The stack's AWS identity (aws:profile, aws:assumeRoles, ...), as pulumi up signs with it. */
    aws: AwsAccess;
    signal?: AbortSignal;
    account?: string;
    /** The caller's ARN, as STS names it (set by the credentials check). */
    callerArn?: string;
    /** The deployed stack's outputs (`pulumi stack output --json`); undefined before the first deploy. */
    outputs?: Record<string, unknown>;
    /** The stack's identity as its state holds it (read once, when a check needs it); undefined before the first up. */
    stackIdentity?: () => string | undefined;
    /** The value of a project key stored with --secret (read with --show-secrets, at most once). */
    secretValue: (key: string) => string | undefined;
    /** A value no line may show (a credential a check used). */
    hide: (value: string) => void;
}

export function describeDenied(e: unknown, permission: string): string {
    return `AWS refused ${deniedAction(e) ?? permission} (${awsErrorName(e)})`;
}

/**
 * Fails the check when AWS refused the call (`permission`, unless AWS names the action, and `where`
 * it was refused): a missing permission is the operator's to fix, and the line says how. Any other
 * error is left to the caller.
 */
export function failIfDenied(e: unknown, permission: string, fix: string, where?: string): void {
    if (isAccessDenied(e)) {
        fail(where ? `${describeDenied(e, permission)} ${where}` : describeDenied(e, permission), fix);
    }
}
