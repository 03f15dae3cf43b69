/**
 * Evaluates IAM policies with a real IAM policy simulator instead of comparing strings: wildcards
 * (`*`, `?`) in resources and conditions, condition operators, permissions boundaries. The one
 * thing it cannot place, KMS encryption-context keys, is decided here.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import type { PolicyDocument } from "../../aws/policies";

import { ACCOUNT, roleArn } from "./awsConstants";

export { ACCOUNT };
/** Another team's account, for the cross-account half of the proofs. */
export const OTHER_ACCOUNT = "999988887777";

/** The default key policy of a KMS key: the account's IAM policies decide. */
const DEFAULT_KEY_POLICY = {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" }],
};

async function simulate(simulation: Record<string, unknown>, what: string): Promise<string> {
    const result = await runSimulation({ serviceControlPolicies: [], resourceControlPolicies: [], ...simulation } as any, {});
    if (result.resultType === "error") {
        throw new Error(`simulation of ${what} failed: ${JSON.stringify(result.errors)}`);
    }
    return (result as { overallResult: string }).overallResult;
}

/** Condition keys the simulator does not evaluate (it drops them from the request): decided here. */
const DECIDED_HERE = /^kms:encryptioncontext:/i;

/** IAM's string matching: `*` any run of characters, `?` exactly one; case-sensitive. */
function stringLike(pattern: string, value: string): boolean {
    const re = pattern
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".");
    return new RegExp(`^${re}$`, "s").test(value);
}

const OPERATORS: Record<string, (wanted: string, actual: string) => boolean> = {
    StringEquals: (wanted, actual) => wanted === actual,
    StringLike: stringLike,
};

/**
 * The policy with its kms:EncryptionContext:<key> conditions decided against `context`, which the
 * simulator cannot do: a statement whose such condition fails applies to nothing and is left out;
 * one whose conditions hold keeps only its other conditions. A key the request lacks fails the
 * condition, as in IAM; an operator other than StringEquals or StringLike is refused.
 */
function withEncryptionContextDecided(policy: PolicyDocument, context: Record<string, string>): PolicyDocument {
    const actual = (key: string) => Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
    const statements = policy.Statement.flatMap((s) => {
        if (!s.Condition) {
            return [s];
        }
        const rest: NonNullable<typeof s.Condition> = {};
        for (const [operator, keys] of Object.entries(s.Condition)) {
            for (const [key, values] of Object.entries(keys)) {
                if (!DECIDED_HERE.test(key)) {
                    rest[operator] = { ...rest[operator], [key]: values };
                    continue;
                }
                const match = OPERATORS[operator];
                if (!match) {
                    throw new Error(`the IAM simulator support does not evaluate ${operator} on ${key}`);
                }
                const value = actual(key);
                if (value === undefined || ![values].flat().some((v) => match(v, value))) {
                    return [];
                }
            }
        }
        const { Condition: _dropped, ...statement } = s;
        return [Object.keys(rest).length > 0 ? { ...statement, Condition: rest } : statement];
    });
    return { ...policy, Statement: statements };
}

/**
 * IAM's decision on a request of a role whose one identity policy is `policy`, under the
 * permissions boundary `boundary` when given (then only what both allow is allowed).
 */
export async function decision(
    policy: PolicyDocument,
    action: string,
    resource: string,
    context: Record<string, string> = {},
    boundary?: PolicyDocument,
): Promise<string> {
    return simulate(
        {
            identityPolicies: [{ name: "policy", policy: withEncryptionContextDecided(policy, context) as any }],
            permissionBoundaryPolicies: boundary ? [{ name: "boundary", policy: boundary as any }] : undefined,
            resourcePolicy: action.startsWith("kms:") ? (DEFAULT_KEY_POLICY as any) : undefined,
            request: {
                action,
                principal: roleArn("under-test"),
                resource: { accountId: ACCOUNT, resource },
                contextVariables: context,
            },
        },
        `${action} on ${resource}`,
    );
}

export async function allowed(
    policy: PolicyDocument,
    action: string,
    resource: string,
    context: Record<string, string> = {},
    boundary?: PolicyDocument,
): Promise<boolean> {
    return (await decision(policy, action, resource, context, boundary)) === "Allowed";
}

/**
 * Whether `service` may assume a role of this account with the given trust policy, when AWS sends
 * these request keys (aws:SourceAccount, aws:SourceArn) with the AssumeRole call.
 */
export async function assumable(trust: PolicyDocument, service: string, context: Record<string, string> = {}): Promise<boolean> {
    const decided = await simulate(
        {
            identityPolicies: [],
            resourcePolicy: trust as any,
            request: {
                action: "sts:AssumeRole",
                principal: service,
                resource: { accountId: ACCOUNT, resource: roleArn("under-test") },
                contextVariables: context,
            },
        },
        `sts:AssumeRole by ${service}`,
    );
    return decided === "Allowed";
}
