/**
 * What a request refers to in other parts of the account: IAM roles the service must assume and
 * Cognito user pools whose discovery document it must read. Those parts belong to the test aws
 * plugin (tests/awsplugin/cloud.ts); with its account attached (FakeAwsState.account), the
 * endpoint refuses a reference to a role or pool the account does not hold, or a role whose trust
 * policy does not admit the calling service, with the error the service answers on AWS.
 *
 * Without an account attached (the unit tests, which use the endpoint alone and have no IAM to
 * consult) nothing is checked.
 */
import { AwsError } from "./types";

/** The parts of the account the endpoint consults: read when a request needs them, never cached. */
export interface AccountView {
    /** An IAM role by ARN: its trust policy (a JSON document), or undefined when the account has no such role. */
    role(arn: string): { trustPolicy: string } | undefined;
    /** Whether a Cognito user pool of this id exists. */
    hasUserPool(id: string): boolean;
}

interface Statement {
    Effect?: string;
    Action?: string | string[];
    Principal?: Record<string, string | string[]>;
    Condition?: Record<string, Record<string, string | string[]>>;
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Whether a trust policy lets `principal` assume the role for a resource of `account` in `region`. */
export function trusts(trustPolicy: string, principal: string, account: string, region: string): boolean {
    let statements: Statement[];
    try {
        statements = list((JSON.parse(trustPolicy) as { Statement?: Statement | Statement[] }).Statement as any) as Statement[];
    } catch {
        return false;
    }
    return statements.some(
        (s) =>
            s.Effect === "Allow" &&
            list(s.Action).some((a) => a === "sts:AssumeRole" || a === "sts:*" || a === "*") &&
            list(s.Principal?.Service).includes(principal) &&
            conditionsHold(s.Condition, account, region),
    );
}

/** The confused-deputy conditions the program writes: the source account, and a source ARN in this account and region. */
function conditionsHold(condition: Statement["Condition"], account: string, region: string): boolean {
    for (const keys of Object.values(condition ?? {})) {
        for (const [key, values] of Object.entries(keys)) {
            const wanted = list(values);
            if (key.toLowerCase() === "aws:sourceaccount" && !wanted.includes(account)) {
                return false;
            }
            // arn:partition:service:region:account:resource, compared field by field (a "*" field matches anything).
            if (key.toLowerCase() === "aws:sourcearn") {
                const fits = (pattern: string) => {
                    const [, , , r, a] = pattern.split(":");
                    return (r === "*" || r === region) && (a === "*" || a === account);
                };
                if (!wanted.some(fits)) {
                    return false;
                }
            }
        }
    }
    return true;
}

/** The role references of an operation's input: the member, and the service principal that assumes it. */
const ROLES: Record<string, Record<string, { member: string; principal: string }[]>> = {
    "bedrock-agentcore-control": {
        CreateHarness: [{ member: "executionRoleArn", principal: "bedrock-agentcore.amazonaws.com" }],
        UpdateHarness: [{ member: "executionRoleArn", principal: "bedrock-agentcore.amazonaws.com" }],
        CreateAgentRuntime: [{ member: "roleArn", principal: "bedrock-agentcore.amazonaws.com" }],
        UpdateAgentRuntime: [{ member: "roleArn", principal: "bedrock-agentcore.amazonaws.com" }],
        CreateGateway: [{ member: "roleArn", principal: "bedrock-agentcore.amazonaws.com" }],
        UpdateGateway: [{ member: "roleArn", principal: "bedrock-agentcore.amazonaws.com" }],
    },
    ecs: Object.fromEntries(
        ["CreateExpressGatewayService", "UpdateExpressGatewayService"].map((op) => [
            op,
            [
                { member: "infrastructureRoleArn", principal: "ecs.amazonaws.com" },
                { member: "executionRoleArn", principal: "ecs-tasks.amazonaws.com" },
                { member: "taskRoleArn", principal: "ecs-tasks.amazonaws.com" },
            ],
        ]),
    ),
};

/** Operations that read a Cognito user pool's discovery document, and where its URL is. */
const DISCOVERY: Record<string, (input: Record<string, any>) => string | undefined> = {
    CreateOauth2CredentialProvider: (i) => i.oauth2ProviderConfigInput?.customOauth2ProviderConfig?.oauthDiscovery?.discoveryUrl,
    UpdateOauth2CredentialProvider: (i) => i.oauth2ProviderConfigInput?.customOauth2ProviderConfig?.oauthDiscovery?.discoveryUrl,
    CreateGateway: (i) => i.authorizerConfiguration?.customJWTAuthorizer?.discoveryUrl,
    UpdateGateway: (i) => i.authorizerConfiguration?.customJWTAuthorizer?.discoveryUrl,
};

/**
 * Refuses a request that refers to a role or user pool the account does not hold, or to a role
 * the calling service may not assume, as the service refuses it: AgentCore with its
 * ValidationException "Role validation failed", ECS with InvalidParameterException "Unable to
 * assume role" (the messages AWS gives while a new role is not yet visible, which the providers
 * retry for a while).
 */
export function checkReferences(
    account: AccountView | undefined,
    service: string,
    op: string,
    input: Record<string, any>,
    where: { account: string; region: string },
): void {
    if (!account) {
        return;
    }
    for (const { member, principal } of ROLES[service]?.[op] ?? []) {
        const arn = input[member];
        if (typeof arn !== "string") {
            continue;
        }
        const role = account.role(arn);
        if (role && trusts(role.trustPolicy, principal, where.account, where.region)) {
            continue;
        }
        const why = role ? `its trust policy does not allow ${principal} to assume it` : "the role does not exist";
        if (service === "ecs") {
            throw new AwsError("InvalidParameterException", `Unable to assume role ${arn} (${member}): ${why}.`);
        }
        throw new AwsError("ValidationException", `Role validation failed for ${arn}: ${why}.`);
    }
    const url = service === "bedrock-agentcore-control" ? DISCOVERY[op]?.(input) : undefined;
    const pool = url && /^https:\/\/cognito-idp\.[a-z0-9-]+\.amazonaws\.com\/([^/]+)\/\.well-known\/openid-configuration$/.exec(url)?.[1];
    if (pool && !account.hasUserPool(pool)) {
        throw new AwsError("ValidationException", `Unable to retrieve the OpenID configuration from the discovery URL ${url}.`);
    }
}
