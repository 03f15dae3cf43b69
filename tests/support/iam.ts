/**
 * Evaluates IAM policies with a real IAM policy simulator instead of comparing strings.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import type { PolicyDocument } from "../../components/policies";

export const ACCOUNT = "123456789012";

/** The default key policy of a KMS key: the account's IAM policies decide. */
const DEFAULT_KEY_POLICY = {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" }],
};

export async function decision(
    policy: PolicyDocument,
    action: string,
    resource: string,
    context: Record<string, string> = {},
): Promise<string> {
    const result = await runSimulation(
        {
            identityPolicies: [{ name: "policy", policy: policy as any }],
            serviceControlPolicies: [],
            resourceControlPolicies: [],
            resourcePolicy: action.startsWith("kms:") ? (DEFAULT_KEY_POLICY as any) : undefined,
            request: {
                action,
                principal: `arn:aws:iam::${ACCOUNT}:role/under-test`,
                resource: { accountId: ACCOUNT, resource },
                contextVariables: context,
            },
        } as any,
        {},
    );
    if (result.resultType === "error") {
        throw new Error(`simulation of ${action} on ${resource} failed: ${JSON.stringify(result.errors)}`);
    }
    return (result as { overallResult: string }).overallResult;
}

export async function allowed(policy: PolicyDocument, action: string, resource: string, context: Record<string, string> = {}): Promise<boolean> {
    return (await decision(policy, action, resource, context)) === "Allowed";
}
