/**
 * Evaluates IAM policies with a real IAM policy simulator instead of comparing strings.
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
            identityPolicies: [{ name: "policy", policy: policy as any }],
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
