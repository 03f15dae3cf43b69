/**
 * An IAM role a service assumes, with its policies: the pattern every role of the stack follows.
 *
 * The role's ARN is handed out only once every policy is attached, so no AWS service is ever given
 * a role that cannot yet do its work (AgentCore and ECS check the role when they accept it, and
 * IAM's eventual consistency already makes the first calls slow enough).
 *
 * A plain class, not a ComponentResource: the role and its policies stay children of the
 * component that needs them, under the names they always had, so existing stacks keep their
 * resources (a new parent would change every URN and need an alias on each).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

export interface ServiceRoleArgs {
    readonly description: string;
    /** The trust policy (JSON): which service may assume the role, and on whose behalf. */
    readonly assumeRolePolicy: pulumi.Input<string>;
    /** Inline policies: the resource name's suffix, the policy's name in IAM, and its document (JSON). */
    readonly inlinePolicies?: readonly { readonly suffix: string; readonly name: string; readonly policy: pulumi.Input<string> }[];
    /** Managed policies to attach: the resource name's suffix and the policy's ARN. */
    readonly managedPolicies?: readonly { readonly suffix: string; readonly arn: string }[];
    /** A permissions boundary (policy ARN) for the role, when the account requires one. */
    readonly permissionsBoundary?: string;
    /** The role's IAM path (`/a/b/`), when set; IAM sets it only at creation. */
    readonly path?: string;
    /** Keep the role and its policies in the account on destroy. */
    readonly retain: boolean;
    readonly tags: Readonly<Record<string, pulumi.Input<string>>>;
}

/** What an account may ask of every role a stack creates: a permissions boundary, a path. */
export type RoleGuardrails = Pick<ServiceRoleArgs, "permissionsBoundary" | "path">;

export class ServiceRole {
    readonly role: aws.iam.Role;
    /** The role's ARN, resolved only after every policy is attached. */
    readonly arn: pulumi.Output<string>;

    /** `name` names the role resource; each policy's resource is named `<prefix>-<suffix>`. */
    constructor(name: string, prefix: string, args: ServiceRoleArgs, parent: pulumi.Resource) {
        const opts = { parent, retainOnDelete: args.retain };
        this.role = new aws.iam.Role(
            name,
            {
                description: args.description,
                assumeRolePolicy: args.assumeRolePolicy,
                ...(args.permissionsBoundary ? { permissionsBoundary: args.permissionsBoundary } : {}),
                ...(args.path ? { path: args.path } : {}),
                tags: { ...args.tags },
            },
            opts,
        );
        const attached: pulumi.Output<string>[] = [
            ...(args.inlinePolicies ?? []).map(
                (p) => new aws.iam.RolePolicy(`${prefix}-${p.suffix}`, { role: this.role.id, name: p.name, policy: p.policy }, opts).id,
            ),
            ...(args.managedPolicies ?? []).map(
                (m) => new aws.iam.RolePolicyAttachment(`${prefix}-${m.suffix}`, { role: this.role.name, policyArn: m.arn }, opts).id,
            ),
        ];
        this.arn = pulumi.all([this.role.arn, ...attached]).apply(([arn]) => arn);
    }
}
