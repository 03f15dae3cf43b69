/**
 * The harness and its execution role: the part both topologies share. The role's ARN reaches the
 * harness only once its policy is attached, so AgentCore never sees a half-permissioned role.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { HarnessTool } from "@aws-sdk/client-bedrock-agentcore-control";
import { Harness } from "../providers/harness";
import {
    agentCoreTrustPolicy,
    harnessExecutionPolicy,
    harnessSourceArns,
    INLINE_POLICY_NAMES,
    TokenVaultCredential,
} from "../aws/policies";
import { RoleGuardrails, ServiceRole } from "./role";

/** The topology components' type tokens. */
export const TOPOLOGY_TYPES = { ecs: "zscaler-mcp:topology:Ecs", gateway: "zscaler-mcp:topology:Gateway" } as const;

/**
 * Resource options for a topology's HarnessAgent. The alias names the agent's place under the
 * other topology, so a stack that switches topology keeps its harness and role and updates them
 * in place. Without it Pulumi would create a second harness of the same name before deleting the
 * first, and AWS refuses that with a ConflictException.
 */
export function harnessAgentOptions(
    topologyName: string,
    other: keyof typeof TOPOLOGY_TYPES,
    parent: pulumi.Resource,
): pulumi.ComponentResourceOptions {
    return { parent, aliases: [{ parent: pulumi.createUrn(topologyName, TOPOLOGY_TYPES[other]) }] };
}

/** The harness as the stack configures it: everything but its tool. */
export interface HarnessSpec {
    readonly harnessName: string;
    readonly modelId: string;
    readonly modelMaxTokens: pulumi.Input<number>;
    readonly temperature: pulumi.Input<number>;
    readonly systemPrompt: pulumi.Input<string>;
    readonly maxIterations?: pulumi.Input<number>;
    readonly timeoutSeconds?: pulumi.Input<number>;
    /** Keep the harness's role on destroy. */
    readonly retainRole: boolean;
}

/** What both topologies take besides their own parts. */
export interface TopologyArgs {
    readonly region: string;
    readonly accountId: pulumi.Input<string>;
    /** Tags of every resource that takes them (the stack's default tags and its ownership tags). */
    readonly tags: Readonly<Record<string, pulumi.Input<string>>>;
    readonly harness: HarnessSpec;
    /** End each change of the server with a call to it as the harness makes it (the tool check). */
    readonly verifyTools: boolean;
    /** A new value writes the Token Vault entry again (AWS never returns it, so its drift cannot be seen). */
    readonly tokenVaultRevision?: string;
    /** The permissions boundary and path of every role the topology creates. */
    readonly roleGuardrails: RoleGuardrails;
}

export interface HarnessAgentArgs extends HarnessSpec {
    readonly region: string;
    readonly accountId: pulumi.Input<string>;
    readonly tool: pulumi.Input<HarnessTool>;
    /** The Token Vault credential providers the tool reads: the only ones the role may read. */
    readonly credentials: pulumi.Input<TokenVaultCredential[]>;
    readonly tags: Readonly<Record<string, pulumi.Input<string>>>;
    /** The permissions boundary and path of the harness role. */
    readonly roleGuardrails: RoleGuardrails;
}

export class HarnessAgent extends pulumi.ComponentResource {
    readonly role: aws.iam.Role;
    /** The role's ARN, resolved only after its policy is in place. */
    readonly executionRoleArn: pulumi.Output<string>;
    readonly harness: Harness;

    constructor(name: string, args: HarnessAgentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("zscaler-mcp:harness:HarnessAgent", name, {}, opts);
        const role = new ServiceRole(
            `${name}-exec-role`,
            `${name}-exec`,
            {
                description: `Execution role of AgentCore harness ${args.harnessName}`,
                assumeRolePolicy: pulumi.output(args.accountId).apply((account) =>
                    JSON.stringify(
                        agentCoreTrustPolicy({
                            account,
                            sourceArns: harnessSourceArns({ region: args.region, account }, args.harnessName),
                        }),
                    ),
                ),
                inlinePolicies: [
                    {
                        suffix: "policy",
                        name: INLINE_POLICY_NAMES.harness,
                        policy: pulumi.all([args.accountId, args.credentials]).apply(([account, credentials]) =>
                            JSON.stringify(
                                harnessExecutionPolicy({
                                    region: args.region,
                                    account,
                                    harnessName: args.harnessName,
                                    modelId: args.modelId,
                                    credentials,
                                }),
                            ),
                        ),
                    },
                ],
                ...args.roleGuardrails,
                retain: args.retainRole,
                tags: args.tags,
            },
            this,
        );
        this.role = role.role;
        this.executionRoleArn = role.arn;
        this.harness = new Harness(
            `${name}-harness`,
            {
                region: args.region,
                harnessName: args.harnessName,
                executionRoleArn: this.executionRoleArn,
                model: pulumi
                    .all([args.modelId, args.modelMaxTokens, args.temperature])
                    .apply(([modelId, maxTokens, temperature]) => ({ bedrockModelConfig: { modelId, maxTokens, temperature } })),
                systemPrompt: pulumi.output(args.systemPrompt).apply((text) => [{ text }]),
                tools: [args.tool],
                maxIterations: args.maxIterations,
                timeoutSeconds: args.timeoutSeconds,
                tags: { ...args.tags },
            },
            { parent: this },
        );
        this.registerOutputs({ executionRoleArn: this.executionRoleArn, harnessArn: this.harness.arn, harnessId: this.harness.harnessId });
    }
}

/**
 * A topology's harness: the stack's harness settings, its one tool and the Token Vault entries the
 * tool reads, under the topology that builds it (with the alias that lets it switch topology).
 */
export function topologyAgent(
    name: string,
    args: TopologyArgs,
    tool: pulumi.Input<HarnessTool>,
    credentials: pulumi.Input<TokenVaultCredential[]>,
    topology: pulumi.ComponentResource,
    /** The other topology, where the harness would have been before a switch. */
    other: keyof typeof TOPOLOGY_TYPES,
): HarnessAgent {
    return new HarnessAgent(
        `${name}-agent`,
        {
            ...args.harness,
            region: args.region,
            accountId: args.accountId,
            tool,
            credentials,
            tags: { ...args.tags },
            roleGuardrails: args.roleGuardrails,
        },
        harnessAgentOptions(name, other, topology),
    );
}
