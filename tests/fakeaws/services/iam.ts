/**
 * IAM (the query protocol), as far as doctor asks it: SimulatePrincipalPolicy decides each action
 * on each resource for an identity from what the test withheld from it (withholdPermission), and
 * GetRole answers the roles the account holds (the roles STS AssumeRole was asked for).
 */
import { userArn } from "../../support/awsConstants";
import { Handler, ServiceDef, ServiceHost } from "../core/endpoint";
import { rand } from "../core/ids";
import { AwsError, WithheldPermission } from "../core/types";
import { loadModel } from "../model";

/** IAM's wildcard matching of actions and resources: `*` any run of characters, `?` one, in any case for actions. */
function globMatches(pattern: string, value: string, ignoreCase: boolean): boolean {
    const re = new RegExp(
        `^${pattern
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, ".*")
            .replace(/\?/g, ".")}$`,
        ignoreCase ? "i" : "",
    );
    return re.test(value);
}

export function iam(host: ServiceHost): ServiceDef {
    const { fake } = host;

    /**
     * Whether the principal exists: a user the endpoint knows an identity for, the user STS names
     * for any other key that signed a call (as GetCallerIdentity answers it), or a role of the account.
     */
    const exists = (arn: string): boolean =>
        [...fake.identities.values()].some((i) => i.arn === arn) ||
        fake.calls.some((c) => c.accessKeyId !== undefined && !fake.identities.has(c.accessKeyId) && userArn(c.accessKeyId) === arn) ||
        [...fake.iamRoles.values()].some((r) => r.arn === arn);

    const decide = (principal: string, action: string, resource: string, context: Map<string, string[]>): string => {
        const applies = (w: WithheldPermission) =>
            (w.principal === "*" || w.principal === principal) &&
            globMatches(w.action, action, true) &&
            (w.resource === undefined || globMatches(w.resource, resource, false)) &&
            !(w.unless && (context.get(w.unless.key.toLowerCase()) ?? []).some((v) => w.unless!.values.includes(v)));
        const found = fake.withheld.filter(applies);
        return found.some((w) => w.explicit) ? "explicitDeny" : found.length > 0 ? "implicitDeny" : "allowed";
    };

    const handlers: Record<string, Handler> = {
        SimulatePrincipalPolicy: (input) => {
            const source = String(input.PolicySourceArn);
            if (!/^arn:aws[a-z-]*:iam::\d{12}:(user|role|group)\/.+$/.test(source)) {
                throw new AwsError("InvalidInput", `Invalid ARN: ${source} is not the ARN of a user, group or role.`);
            }
            if (!exists(source)) {
                throw new AwsError("NoSuchEntity", `The ${source.split(":")[5].split("/")[0]} ${source} cannot be found.`, 404);
            }
            const context = new Map<string, string[]>(
                ((input.ContextEntries ?? []) as { ContextKeyName?: string; ContextKeyValues?: string[] }[]).map((e) => [
                    String(e.ContextKeyName).toLowerCase(),
                    e.ContextKeyValues ?? [],
                ]),
            );
            const resources: string[] = input.ResourceArns?.length ? input.ResourceArns : ["*"];
            return {
                EvaluationResults: (input.ActionNames as string[]).flatMap((action) =>
                    resources.map((resource) => ({
                        EvalActionName: action,
                        EvalResourceName: resource,
                        EvalDecision: decide(source, action, resource, context),
                        MatchedStatements: [],
                        MissingContextValues: [],
                    })),
                ),
                IsTruncated: false,
            };
        },
        GetRole: (input) => {
            const role = fake.iamRoles.get(input.RoleName);
            if (!role) {
                throw new AwsError("NoSuchEntity", `The role with name ${input.RoleName} cannot be found.`, 404);
            }
            return {
                Role: {
                    Path: role.path,
                    RoleName: role.name,
                    RoleId: `AROA${rand(17, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")}`,
                    Arn: role.arn,
                    CreateDate: 0,
                },
            };
        },
    };

    return {
        name: "iam",
        model: loadModel("iam.2010-05-08.json"),
        handlers,
        notImplemented: (op) => new AwsError("InvalidAction", `The local endpoint does not implement IAM ${op}`),
    };
}
