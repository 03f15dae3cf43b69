/**
 * Whether the stack's identity may make the IAM roles the deploy creates, as IAM's own policy
 * simulator (SimulatePrincipalPolicy) answers it: create and tag each role (with the stack's
 * permissions boundary and under its path), write and attach its policies, pass it to the service
 * that assumes it, and let AgentCore create its service-linked role when the account has none yet.
 * A denial names the statement that would allow it.
 */
import { MANAGED_POLICIES, SERVICE_PRINCIPALS, Statement } from "../../../aws/policies";
import { RUNTIME_IDENTITY_ROLE, serviceLinkedRoleArn } from "../../../aws/serviceLinkedRoles";
import type { Settings } from "../../../config/settings";
import type * as Iam from "@aws-sdk/client-iam";
import { AwsAccess, clientConfig } from "../../identity";
import { CheckResult, Context, fail, ok, skip } from "../check";

/** One question to IAM's policy simulator, as SimulatePrincipalPolicy takes it. */
export interface Simulation {
    PolicySourceArn: string;
    ActionNames: string[];
    ResourceArns: string[];
    ContextEntries: { ContextKeyName: string; ContextKeyValues: string[]; ContextKeyType: "string" }[];
}

/** One answer of the simulator: an action on a resource, allowed or not. */
export interface Evaluation {
    EvalActionName?: string;
    EvalResourceName?: string;
    EvalDecision?: string;
}

/** The two IAM calls the check makes. */
export interface IamApi {
    simulatePrincipalPolicy(request: Simulation): Promise<Evaluation[]>;
    /** The ARN (with its path) of a role of the account, or undefined when there is none by that name. */
    roleArn(roleName: string): Promise<string | undefined>;
}

/** A role the stack creates: its resource name (Pulumi appends a random suffix) and who assumes it. */
interface StackRole {
    name: string;
    passedTo: string;
    managedPolicy?: string;
}

/** The roles the program creates for these settings (components/*: harness, ECS, runtime and gateway roles). */
export function stackRoles(s: Settings): StackRole[] {
    const roles: StackRole[] = [{ name: "zscaler-mcp-agent-exec-role", passedTo: SERVICE_PRINCIPALS.agentCore }];
    if (s.topology === "ecs" && s.deploysServer) {
        roles.push(
            { name: "zscaler-mcp-task-exec-role", passedTo: SERVICE_PRINCIPALS.ecsTasks },
            { name: "zscaler-mcp-infra-role", passedTo: SERVICE_PRINCIPALS.ecs, managedPolicy: MANAGED_POLICIES.ecsInfrastructureExpress },
        );
    }
    if (s.topology === "gateway") {
        roles.push(
            { name: "zscaler-mcp-runtime-role", passedTo: SERVICE_PRINCIPALS.agentCore },
            { name: "zscaler-mcp-gateway-role", passedTo: SERVICE_PRINCIPALS.agentCore },
        );
    }
    return roles;
}

interface Question {
    actions: string[];
    resource: string;
    context: Record<string, string>;
}

/** The questions for these settings, and the statements that would allow each kind of action. */
export function questions(s: Settings, account: string, slrMissing: boolean): { asked: Question[]; grants: Statement[] } {
    const path = s.iam.rolePath;
    const boundary = s.iam.permissionsBoundary;
    const roles = stackRoles(s);
    // A name as Pulumi generates it: the resource name, a hyphen and seven random characters.
    const arnOf = (r: StackRole) => `arn:aws:iam::${account}:role${path}${r.name}-0a1b2c3`;
    const roleGlob = `arn:aws:iam::${account}:role${path}zscaler-mcp-*`;
    const withBoundary: Record<string, string> = boundary ? { "iam:PermissionsBoundary": boundary } : {};
    const asked: Question[] = [];
    for (const r of roles) {
        const write = ["iam:CreateRole", r.managedPolicy ? "iam:AttachRolePolicy" : "iam:PutRolePolicy"];
        asked.push({ actions: [...write, "iam:TagRole"], resource: arnOf(r), context: withBoundary });
        asked.push({ actions: ["iam:PassRole"], resource: arnOf(r), context: { "iam:PassedToService": r.passedTo } });
    }
    if (slrMissing) {
        asked.push({
            actions: ["iam:CreateServiceLinkedRole"],
            resource: serviceLinkedRoleArn(account, RUNTIME_IDENTITY_ROLE),
            context: { "iam:AWSServiceName": RUNTIME_IDENTITY_ROLE.servicePrincipal },
        });
    }
    const managed = roles.some((r) => r.managedPolicy);
    const grants: Statement[] = [
        {
            Sid: "CreateStackRoles",
            Effect: "Allow",
            Action: ["iam:CreateRole", "iam:PutRolePolicy", ...(managed ? ["iam:AttachRolePolicy"] : [])],
            Resource: roleGlob,
            // iam:TagRole has no iam:PermissionsBoundary key: it gets a statement of its own.
            ...(boundary ? { Condition: { StringEquals: { "iam:PermissionsBoundary": boundary } } } : {}),
        },
        { Sid: "TagStackRoles", Effect: "Allow", Action: "iam:TagRole", Resource: roleGlob },
        {
            Sid: "PassStackRoles",
            Effect: "Allow",
            Action: "iam:PassRole",
            Resource: roleGlob,
            Condition: { StringEquals: { "iam:PassedToService": [...new Set(roles.map((r) => r.passedTo))] } },
        },
        {
            Sid: "AgentCoreServiceLinkedRole",
            Effect: "Allow",
            Action: "iam:CreateServiceLinkedRole",
            Resource: serviceLinkedRoleArn(account, RUNTIME_IDENTITY_ROLE),
            Condition: { StringEquals: { "iam:AWSServiceName": RUNTIME_IDENTITY_ROLE.servicePrincipal } },
        },
    ];
    return { asked, grants };
}

/** The IAM principal SimulatePrincipalPolicy takes for the caller STS named, or why there is none. */
async function principalOf(callerArn: string, api: IamApi): Promise<string | { skip: string } | { root: true }> {
    const m = /^arn:aws:(iam|sts)::(\d{12}):(user|assumed-role|root|federated-user)(?:\/(.*))?$/.exec(callerArn);
    if (!m) {
        return { skip: `IAM's policy simulator cannot answer for ${callerArn}` };
    }
    const [, , account, kind, rest] = m;
    if (kind === "root") {
        return { root: true };
    }
    if (kind === "user") {
        return callerArn;
    }
    if (kind === "assumed-role") {
        // The session's role, with its path (an SSO role lives under /aws-reserved/...): GetRole knows it.
        const roleName = rest!.split("/")[0];
        return (await api.roleArn(roleName).catch(() => undefined)) ?? `arn:aws:iam::${account}:role/${roleName}`;
    }
    return { skip: `IAM's policy simulator cannot answer for a federated user (${callerArn})` };
}

export async function checkIamPermissions(ctx: Context, api: IamApi): Promise<CheckResult> {
    const s = ctx.settings;
    const account = ctx.account!;
    const found = await principalOf(ctx.callerArn!, api);
    if (typeof found !== "string") {
        return "root" in found ? ok("the account's root user: IAM allows it every action") : skip(found.skip);
    }
    const principal = found;
    // AgentCore creates its service-linked role only where the account has none yet.
    const slrMissing = (await api.roleArn(RUNTIME_IDENTITY_ROLE.roleName).catch(() => undefined)) === undefined;
    const { asked, grants } = questions(s, account, slrMissing);
    const denied: (Evaluation & { explicit: boolean })[] = [];
    for (const q of asked) {
        const results = await api.simulatePrincipalPolicy({
            PolicySourceArn: principal,
            ActionNames: q.actions,
            ResourceArns: [q.resource],
            ContextEntries: Object.entries(q.context).map(([k, v]) => ({
                ContextKeyName: k,
                ContextKeyValues: [v],
                ContextKeyType: "string",
            })),
        });
        for (const r of results) {
            if (r.EvalDecision !== "allowed") {
                denied.push({ ...r, explicit: r.EvalDecision === "explicitDeny" });
            }
        }
    }
    const roles = stackRoles(s).length;
    const guardrails = [
        ...(s.iam.permissionsBoundary ? [`the boundary ${s.iam.permissionsBoundary}`] : []),
        ...(s.iam.rolePath !== "/" ? [`the path ${s.iam.rolePath}`] : []),
    ];
    if (denied.length === 0) {
        return ok(
            `${principal} may create, tag and pass the stack's ${roles} role${roles === 1 ? "" : "s"}` +
                (guardrails.length ? ` with ${guardrails.join(" and ")}` : "") +
                (slrMissing ? `, and have AgentCore create ${RUNTIME_IDENTITY_ROLE.roleName}` : ""),
        );
    }
    const actions = [...new Set(denied.map((d) => d.EvalActionName!))];
    const needed = grants.filter((g) => [g.Action].flat().some((a) => actions.includes(a)));
    const explicit = [...new Set(denied.filter((d) => d.explicit).map((d) => d.EvalActionName!))];
    return fail(
        `IAM's policy simulator denies ${principal} ${denied
            .map((d) => `${d.EvalActionName} on ${d.EvalResourceName} (${d.EvalDecision})`)
            .join(", ")}` + (guardrails.length ? `; asked with ${guardrails.join(" and ")}` : ""),
        (explicit.length
            ? `an explicit Deny (a service control policy, a permissions boundary or a Deny statement) refuses ${explicit.join(", ")}: ask the account's administrator, no Allow overrides it. Otherwise, `
            : "") + `add to ${principal}'s policy the statement${needed.length === 1 ? "" : "s"} ${JSON.stringify(needed)}`,
    );
}

/** IAM through the SDK, with the stack's identity and settings (every page of the simulator's answer). */
export function sdkIamApi(aws: AwsAccess): IamApi {
    let client: Promise<{ iam: typeof Iam; client: Iam.IAMClient }> | undefined;
    const iamClient = () =>
        (client ??= import("@aws-sdk/client-iam").then((iam) => ({ iam, client: new iam.IAMClient(clientConfig(aws, "iam")) })));
    return {
        async simulatePrincipalPolicy(request) {
            const { iam, client } = await iamClient();
            const results: Evaluation[] = [];
            let Marker: string | undefined;
            do {
                const page = await client.send(new iam.SimulatePrincipalPolicyCommand({ ...request, Marker }), { abortSignal: aws.signal });
                results.push(...(page.EvaluationResults ?? []));
                Marker = page.IsTruncated ? page.Marker : undefined;
            } while (Marker);
            return results;
        },
        async roleArn(roleName) {
            const { iam, client } = await iamClient();
            try {
                return (await client.send(new iam.GetRoleCommand({ RoleName: roleName }), { abortSignal: aws.signal })).Role?.Arn;
            } catch (e) {
                if ((e as Error).name === "NoSuchEntityException" || (e as Error).name === "NoSuchEntity") {
                    return undefined;
                }
                throw e;
            }
        },
    };
}
