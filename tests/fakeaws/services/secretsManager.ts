/**
 * Secrets Manager (awsJson): the secrets a test seeds with FakeAws.putSecret, found by name or
 * ARN, including one scheduled for deletion.
 */
import { Handler, ServiceDef, ServiceHost } from "../core/endpoint";
import { AwsError } from "../core/types";
import { loadModel } from "../model";

export function secretsManager(host: ServiceHost): ServiceDef {
    const { fake } = host;

    const handlers: Record<string, Handler> = {
        DescribeSecret: (input) => {
            const entry = [...fake.secrets.entries()].find(([name, x]) => name === input.SecretId || x.arn === input.SecretId);
            if (!entry) {
                throw new AwsError("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
            }
            const [name, secret] = entry;
            return {
                ARN: secret.arn,
                Name: name,
                DeletedDate: secret.deletedAt,
                Tags: Object.entries(secret.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
            };
        },
        GetSecretValue: (input) => {
            const entry = [...fake.secrets.entries()].find(([name, x]) => name === input.SecretId || x.arn === input.SecretId);
            if (!entry) {
                throw new AwsError("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
            }
            const [name, secret] = entry;
            if (secret.deletedAt !== undefined) {
                throw new AwsError(
                    "InvalidRequestException",
                    "You can't perform this operation on the secret because it was marked for deletion.",
                );
            }
            if (secret.value === undefined) {
                throw new AwsError(
                    "ResourceNotFoundException",
                    "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
                );
            }
            return { ARN: secret.arn, Name: name, SecretString: secret.value, VersionId: "v1", VersionStages: ["AWSCURRENT"] };
        },
    };

    return {
        name: "secretsmanager",
        targetPrefix: "secretsmanager",
        model: loadModel("secretsmanager.2017-10-17.json"),
        handlers,
        notImplemented: (op) => new AwsError("UnknownOperationException", `The local endpoint does not implement Secrets Manager ${op}`),
    };
}
