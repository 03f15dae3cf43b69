/**
 * Who doctor acts as, and where: the stack's AWS identity (its account, as the stack's providers
 * allow it) and AgentCore Harness in the stack's region. Every other check needs the first one.
 */
import { accountExcludedBy } from "../../../providers/awsIdentity";
import { clientConfig, controlPlane } from "../../identity";
import { awsErrorName, deniedAction } from "../../io";
import { CheckResult, Context, fail, failIfDenied, ok } from "../check";

export async function checkCredentials(ctx: Context): Promise<CheckResult> {
    const sts = await import("@aws-sdk/client-sts");
    const client = new sts.STSClient(clientConfig(ctx.aws, "sts"));
    const { profile, assumeRoles } = ctx.aws.settings;
    let account: string | undefined;
    let arn: string | undefined;
    try {
        ({ Account: account, Arn: arn } = await client.send(new sts.GetCallerIdentityCommand({}), { abortSignal: ctx.signal }));
    } catch (e) {
        const name = awsErrorName(e);
        if (name === "CredentialsProviderError" && profile) {
            fail(
                `the profile ${profile} (aws:profile) gives no credentials: ${(e as Error).message}`,
                `aws sso login --profile ${profile}, or check the profile in ~/.aws/config and ~/.aws/credentials`,
            );
        }
        if (name === "CredentialsProviderError") {
            fail("no AWS credentials found", "aws sso login, or set AWS_PROFILE (or pulumi config set aws:profile <profile>)");
        }
        if (assumeRoles?.length && deniedAction(e) === "sts:AssumeRole") {
            fail(
                `the stack's identity may not assume the role in aws:assumeRoles (${(e as Error).message})`,
                "allow it in the role's trust policy and in the identity's own policies, or correct aws:assumeRoles",
            );
        }
        if (/Expired/.test(name) || name === "RequestExpired") {
            fail(`the AWS credentials have expired (${name})`, "aws sso login, or renew the credentials in your environment");
        }
        if (["InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException", "AccessDenied"].includes(name)) {
            fail(
                `AWS does not accept these credentials (${name}: ${(e as Error).message})`,
                "check AWS_PROFILE or AWS_ACCESS_KEY_ID, or aws sso login",
            );
        }
        throw e;
    }
    if (!account) {
        fail("STS answered without an account id");
    }
    // The same rule the stack's providers enforce.
    const excludedBy = accountExcludedBy(account!, ctx.aws.settings);
    if (excludedBy) {
        fail(
            `account ${account} is not one the stack allows (aws:${excludedBy})`,
            "use credentials for the stack's account (pulumi config set aws:profile <profile>, or aws:assumeRoles), or change aws:" +
                excludedBy,
        );
    }
    ctx.account = account;
    ctx.callerArn = arn;
    return ok(`account ${account} as ${arn}`);
}

export async function checkAgentCore(ctx: Context): Promise<CheckResult> {
    const { control, client } = await controlPlane(ctx.aws);
    const region = ctx.settings.region;
    try {
        await client.send(new control.ListHarnessesCommand({ maxResults: 1 }), { abortSignal: ctx.signal });
    } catch (e) {
        failIfDenied(
            e,
            "bedrock-agentcore:ListHarnesses",
            "allow bedrock-agentcore:* to this identity (the deploy creates harnesses), and check that no service control policy of the organization denies it",
            `in ${region}`,
        );
        const code = (e as { code?: string }).code;
        if (["UnknownOperationException", "UnrecognizedClientException"].includes(awsErrorName(e)) || code === "ENOTFOUND") {
            fail(
                `AgentCore Harness does not answer in ${region} (${awsErrorName(e)})`,
                "deploy to a region that offers it: pulumi config set aws:region us-east-1",
            );
        }
        throw e;
    }
    return ok(`AgentCore Harness answers in ${region}`);
}
