/**
 * STS (the query protocol): GetCallerIdentity answers the identity of the access key a request was
 * signed with; AssumeRole makes a session whose key later requests can be signed with.
 */
import { userArn } from "../../support/awsConstants";
import { Handler, ServiceDef, ServiceHost } from "../core/endpoint";
import { rand } from "../core/ids";
import { ACCOUNT, AwsError } from "../core/types";
import { loadModel } from "../model";

export function sts(host: ServiceHost): ServiceDef {
    const { fake } = host;

    const handlers: Record<string, Handler> = {
        GetCallerIdentity: (_input, call) => {
            const id = fake.identities.get(call.accessKeyId ?? "") ?? {
                arn: userArn(call.accessKeyId ?? "anonymous"),
                userId: call.accessKeyId ?? "anonymous",
                account: ACCOUNT,
            };
            return { UserId: id.userId, Account: id.account, Arn: id.arn };
        },
        AssumeRole: (input) => {
            const m = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(input.RoleArn);
            if (!m) {
                throw new AwsError("ValidationError", `${input.RoleArn} is not a role ARN`);
            }
            const accessKeyId = `ASIA${rand(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")}`;
            const roleId = `AROA${rand(17, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")}`;
            const arn = `arn:aws:sts::${m[1]}:assumed-role/${m[2]}/${input.RoleSessionName}`;
            // The role exists in the account (IAM's GetRole and policy simulator know it).
            fake.iamRoles.set(m[2], { name: m[2], path: /:role(\/.*\/|\/)/.exec(input.RoleArn)![1], arn: input.RoleArn });
            fake.identities.set(accessKeyId, { arn, userId: `${roleId}:${input.RoleSessionName}`, account: m[1] });
            return {
                Credentials: {
                    AccessKeyId: accessKeyId,
                    SecretAccessKey: rand(40),
                    SessionToken: rand(64),
                    // The client judges the expiry by its own (real) clock, not by the test's.
                    Expiration: Date.now() + (input.DurationSeconds ?? 3600) * 1000,
                },
                AssumedRoleUser: { AssumedRoleId: `${roleId}:${input.RoleSessionName}`, Arn: arn },
            };
        },
    };

    return {
        name: "sts",
        model: loadModel("sts.2011-06-15.json"),
        handlers,
        notImplemented: (op) => new AwsError("InvalidAction", `The local endpoint does not implement STS ${op}`),
    };
}
