/**
 * The service-linked roles AgentCore creates in an account on first use (AWS's AgentCore developer
 * guide, "Using service-linked roles"). Pure: no imports.
 */
export interface ServiceLinkedRole {
    readonly roleName: string;
    /** The service principal IAM names it by (`aws iam create-service-linked-role --aws-service-name`). */
    readonly servicePrincipal: string;
}

/**
 * Made when the account's first agent runtime (a harness runs in one) is created or updated, since
 * 2025-10-13: it fetches the runtimes' workload access tokens. Both topologies need it. (AgentCore's
 * other one, for gateway targets behind a managed private endpoint, this stack never needs: its
 * gateway reaches the runtime's public endpoint.)
 */
export const RUNTIME_IDENTITY_ROLE: ServiceLinkedRole = {
    roleName: "AWSServiceRoleForBedrockAgentCoreRuntimeIdentity",
    servicePrincipal: "runtime-identity.bedrock-agentcore.amazonaws.com",
};

/** The ARN IAM gives a service-linked role: under /aws-service-role/<principal>/. */
export function serviceLinkedRoleArn(account: string, role: ServiceLinkedRole): string {
    return `arn:aws:iam::${account}:role/aws-service-role/${role.servicePrincipal}/${role.roleName}`;
}
