/**
 * What the deploy uses and does not create, which must already be in the account: the default VPC
 * (ecs: ECS Express Mode places the service there) and an external secret with the credentials.
 */
import { credentialKeysIn, REQUIRED_CREDENTIAL_KEYS } from "../../../server/env";
import { clientConfig } from "../../identity";
import { allItems, isNotFound } from "../../io";
import { CheckFailure, CheckResult, Context, fail, failIfDenied, ok } from "../check";

export async function checkNetwork(ctx: Context): Promise<CheckResult> {
    const region = ctx.settings.region;
    const ec2 = await import("@aws-sdk/client-ec2");
    const client = new ec2.EC2Client(clientConfig(ctx.aws, "ec2"));
    const q = async <T>(action: string, call: () => Promise<T>): Promise<T> => {
        try {
            return await call();
        } catch (e) {
            failIfDenied(e, `ec2:${action}`, `grant your AWS identity ec2:${action} (the deploy uses the default VPC)`);
            throw e;
        }
    };
    const opts = { abortSignal: ctx.signal };
    const vpcs = await q("DescribeVpcs", () =>
        allItems(ec2.paginateDescribeVpcs({ client }, { Filters: [{ Name: "is-default", Values: ["true"] }] }, opts), (p) => p.Vpcs),
    );
    const vpcId = vpcs?.[0]?.VpcId;
    if (!vpcId) {
        fail(`no default VPC in ${region}; ECS Express Mode places the service there`, `aws ec2 create-default-vpc --region ${region}`);
    }
    const subnets = await q("DescribeSubnets", () =>
        allItems(ec2.paginateDescribeSubnets({ client }, { Filters: [{ Name: "vpc-id", Values: [vpcId!] }] }, opts), (p) => p.Subnets),
    );
    const zones = new Set(subnets.map((s) => s.AvailabilityZone).filter(Boolean));
    if (zones.size < 2) {
        fail(
            `the default VPC ${vpcId} has subnets in ${zones.size} availability zone${zones.size === 1 ? "" : "s"}; the load balancer needs two`,
            `aws ec2 create-default-subnet --region ${region} --availability-zone <zone>`,
        );
    }
    return ok(`default VPC ${vpcId} with ${subnets.length} subnets in ${zones.size} availability zones`);
}

export async function checkSecret(ctx: Context): Promise<CheckResult> {
    const name = ctx.settings.secrets.externalSecretName!;
    const secrets = await import("@aws-sdk/client-secrets-manager");
    const client = new secrets.SecretsManagerClient(clientConfig(ctx.aws, "secretsmanager"));
    try {
        const d = await client.send(new secrets.DescribeSecretCommand({ SecretId: name }), { abortSignal: ctx.signal });
        if (d.DeletedDate) {
            fail(`the secret ${name} is scheduled for deletion`, `aws secretsmanager restore-secret --secret-id ${name}`);
        }
        // pulumi up reads the value to check its keys; so does doctor (only the key names are shown).
        const value = await client.send(new secrets.GetSecretValueCommand({ SecretId: d.ARN ?? name }), { abortSignal: ctx.signal });
        const { keys, missing, problem } = credentialKeysIn(value.SecretString);
        if (problem || missing.length > 0) {
            fail(
                `the secret ${d.Name ?? name} ${problem ?? `holds no ${missing.join(", ")}`}`,
                `make its value a JSON object with ${REQUIRED_CREDENTIAL_KEYS.join(", ")} (ZSCALER_CLOUD optional)`,
            );
        }
        return ok(`the secret ${d.Name ?? name} holds ${keys.join(", ")}`);
    } catch (e) {
        if (e instanceof CheckFailure) {
            throw e;
        }
        if (isNotFound(e)) {
            fail(
                `no secret ${name} in ${ctx.settings.region}`,
                "create it (a JSON object with ZSCALER_CLIENT_ID, ZSCALER_CLIENT_SECRET, ...) or pulumi config set --plaintext zscalerSecretName <name or ARN>",
            );
        }
        failIfDenied(
            e,
            "secretsmanager:DescribeSecret and secretsmanager:GetSecretValue",
            "grant your AWS identity secretsmanager:DescribeSecret and secretsmanager:GetSecretValue on the secret, and kms:Decrypt on its key when it is a customer-managed one (pulumi up reads it)",
        );
        throw e;
    }
}
