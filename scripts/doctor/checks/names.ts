/**
 * The names the deploy gives what it creates (harness, credential providers, runtime, gateway, ECS
 * cluster and service, log group, Cognito domain prefix): free, or already this stack's, never
 * something else's. A resource is this stack's by the rule adoption uses (providers/kit/adoption.ts):
 * its project and stack tags, and the stack's identity (`pulumi-stack-id`) as the stack's state
 * holds it (its `stackId` output, else its StackIdentity in `pulumi stack export`). Before the first
 * up the stack has no identity, so a resource with its project and stack names is another
 * deployment's of the same name; a stack deployed before stacks had an identity owns its resources
 * without one (its next up tags them).
 */
import { IDENTITY_TAG } from "../../../providers/kit/adoption";
import { clientConfig, controlPlane } from "../../identity";
import { awsErrorName, firstItem, isAccessDenied, isNotFound } from "../../io";
import { CheckFailure, CheckResult, Context, describeDenied, fail, failIfDenied, ok } from "../check";

/** Whose a resource of one of the stack's names is. */
type Owner = "this stack" | "another stack" | "another deployment";

function ownerOf(tags: Record<string, string> | undefined, ctx: Context): Owner {
    if (tags?.["pulumi-project"] !== ctx.settings.project || tags?.["pulumi-stack"] !== ctx.settings.stack) {
        return "another stack";
    }
    const id = ctx.stackIdentity?.();
    if (tags[IDENTITY_TAG] !== undefined) {
        return tags[IDENTITY_TAG] === id ? "this stack" : "another deployment";
    }
    const deployedBeforeIdentity = id === undefined && ctx.outputs !== undefined && Object.keys(ctx.outputs).length > 0;
    return deployedBeforeIdentity ? "this stack" : "another deployment";
}

/** How a resource of another deployment of the same project and stack name is described. */
const OTHER_DEPLOYMENT = "belongs to another deployment of the same project and stack name (another backend or Pulumi organization)";
/** The way out besides another resource name. */
const OTHER_DEPLOYMENT_FIX = "deploy this one under another stack name (pulumi stack init <other name>)";

export async function checkCognitoDomain(ctx: Context): Promise<CheckResult> {
    const s = ctx.settings;
    const prefix = s.names.cognitoDomainPrefix ?? `${s.names.cognitoDomainBase}-${ctx.account}`;
    const fix = "pulumi config set cognitoDomainPrefix <unique prefix>";
    const cognito = await import("@aws-sdk/client-cognito-identity-provider");
    const client = new cognito.CognitoIdentityProviderClient(clientConfig(ctx.aws, "cognitoidp"));
    const opts = { abortSignal: ctx.signal };
    const answer = await client.send(new cognito.DescribeUserPoolDomainCommand({ Domain: prefix }), opts).catch((e) => {
        failIfDenied(e, "cognito-idp:DescribeUserPoolDomain", "grant your AWS identity cognito-idp:DescribeUserPoolDomain");
        throw e;
    });
    const taken = answer.DomainDescription;
    if (!taken?.UserPoolId) {
        return ok(`domain prefix ${prefix} is free in ${s.region}`);
    }
    if (taken.AWSAccountId && taken.AWSAccountId !== ctx.account) {
        fail(`domain prefix ${prefix} is taken by another AWS account in ${s.region}`, fix);
    }
    const tags = await client.send(
        new cognito.ListTagsForResourceCommand({
            ResourceArn: `arn:aws:cognito-idp:${s.region}:${ctx.account}:userpool/${taken.UserPoolId}`,
        }),
        opts,
    );
    const owner = ownerOf(tags.Tags, ctx);
    if (owner === "another deployment") {
        fail(
            `domain prefix ${prefix} belongs to user pool ${taken.UserPoolId}, which ${OTHER_DEPLOYMENT}`,
            `${fix}, or ${OTHER_DEPLOYMENT_FIX}`,
        );
    }
    if (owner !== "this stack") {
        fail(`domain prefix ${prefix} belongs to user pool ${taken.UserPoolId} in this account, not to this stack`, fix);
    }
    return ok(`domain prefix ${prefix} is already this stack's (user pool ${taken.UserPoolId})`);
}

interface NameProbe {
    what: string;
    name: string;
    /** How to choose another name. */
    fix: string;
    /** The tags of the resource of that name, `null` when there is none. */
    find: () => Promise<Record<string, string> | null>;
}

export async function checkNames(ctx: Context): Promise<CheckResult> {
    const s = ctx.settings;
    const region = s.region;
    const { control, client: agentcore } = await controlPlane(ctx.aws);
    const opts = { abortSignal: ctx.signal };
    const agentcoreTags = async (arn: string) =>
        (await agentcore.send(new control.ListTagsForResourceCommand({ resourceArn: arn }), opts)).tags ?? {};
    const arnPrefix = `arn:aws:bedrock-agentcore:${region}:${ctx.account}`;
    const probes: NameProbe[] = [
        {
            what: "harness",
            name: s.names.harness,
            fix: "pulumi config set harnessName <name>",
            find: async () => {
                const hit = await firstItem(
                    control.paginateListHarnesses({ client: agentcore }, {}, opts),
                    (p) => p.harnesses,
                    (h) => h.harnessName === s.names.harness,
                );
                return hit ? agentcoreTags(hit.arn!) : null;
            },
        },
    ];
    const credentialProvider = (
        what: string,
        name: string,
        key: string,
        get: () => Promise<{ credentialProviderArn?: string }>,
    ): NameProbe => ({
        what,
        name,
        fix: `pulumi config set ${key} <name>`,
        find: async () => {
            try {
                return agentcoreTags((await get()).credentialProviderArn!);
            } catch (e) {
                if (isNotFound(e)) {
                    return null;
                }
                throw e;
            }
        },
    });
    if (s.topology === "ecs") {
        probes.push(
            credentialProvider("API-key credential provider", s.names.apiKeyProvider, "apiKeyProviderName", () =>
                agentcore.send(new control.GetApiKeyCredentialProviderCommand({ name: s.names.apiKeyProvider }), opts),
            ),
        );
        if (s.mcpUrl === undefined) {
            probes.push(...(await ecsProbes(ctx)));
        }
    } else {
        probes.push(
            credentialProvider("OAuth2 credential provider", s.names.oauthProvider, "oauthProviderName", () =>
                agentcore.send(new control.GetOauth2CredentialProviderCommand({ name: s.names.oauthProvider }), opts),
            ),
            {
                what: "runtime",
                name: s.names.runtime,
                fix: "pulumi config set runtimeName <name>",
                find: async () => {
                    const hit = await firstItem(
                        control.paginateListAgentRuntimes({ client: agentcore }, {}, opts),
                        (p) => p.agentRuntimes,
                        (r) => r.agentRuntimeName === s.names.runtime,
                    );
                    return hit ? agentcoreTags(hit.agentRuntimeArn!) : null;
                },
            },
            {
                what: "gateway",
                name: s.names.gateway,
                fix: "pulumi config set gatewayName <name>",
                find: async () => {
                    const hit = await firstItem(
                        control.paginateListGateways({ client: agentcore }, {}, opts),
                        (p) => p.items,
                        (g) => g.name === s.names.gateway,
                    );
                    return hit ? agentcoreTags(`${arnPrefix}:gateway/${hit.gatewayId}`) : null;
                },
            },
        );
    }
    const problems: string[] = [];
    const fixes: string[] = [];
    const own: string[] = [];
    for (const p of probes) {
        let tags: Record<string, string> | null;
        try {
            tags = await p.find();
        } catch (e) {
            if (e instanceof CheckFailure) {
                problems.push(e.detail);
                if (e.fix) {
                    fixes.push(e.fix);
                }
                continue;
            }
            if (isAccessDenied(e)) {
                problems.push(`could not look up the ${p.what} ${p.name}: ${describeDenied(e, "a read permission")}`);
                fixes.push("grant your AWS identity read access to it");
                continue;
            }
            throw e;
        }
        if (tags === null) {
            continue;
        }
        const owner = ownerOf(tags, ctx);
        if (owner === "this stack") {
            own.push(p.what);
        } else if (owner === "another deployment") {
            problems.push(`the ${p.what} ${p.name} already exists and ${OTHER_DEPLOYMENT}`);
            fixes.push(`${p.fix}, ${OTHER_DEPLOYMENT_FIX}, or delete it`);
        } else {
            problems.push(`the ${p.what} ${p.name} already exists and is not this stack's`);
            fixes.push(`${p.fix}, or delete it`);
        }
    }
    if (problems.length > 0) {
        fail(problems.join("; "), [...new Set(fixes)].join("; "));
    }
    const names = probes.map((p) => p.what).join(", ");
    return ok(
        `${probes.length - own.length} of ${probes.length} names free (${names})${own.length ? `; ${own.join(", ")} already this stack's` : ""}`,
    );
}

async function ecsProbes(ctx: Context): Promise<NameProbe[]> {
    const s = ctx.settings;
    const ecs = await import("@aws-sdk/client-ecs");
    const logs = await import("@aws-sdk/client-cloudwatch-logs");
    const ecsClient = new ecs.ECSClient(clientConfig(ctx.aws, "ecs"));
    const logsClient = new logs.CloudWatchLogsClient(clientConfig(ctx.aws, "logs"));
    const opts = { abortSignal: ctx.signal };
    const cluster = s.ecs.existingClusterName ?? s.names.cluster;
    const ecsTags = (list?: { key?: string; value?: string }[]) =>
        Object.fromEntries((list ?? []).map((t) => [t.key ?? "", t.value ?? ""]));
    const probes: NameProbe[] = [];
    if (s.ecs.existingClusterName) {
        probes.push({
            what: "existing cluster",
            name: cluster,
            fix: "",
            find: async () => {
                const d = await ecsClient.send(new ecs.DescribeClustersCommand({ clusters: [cluster] }), opts);
                if (d.clusters?.[0]?.status !== "ACTIVE") {
                    fail(
                        `the ECS cluster ${cluster} named in ecsClusterName does not exist in ${s.region}`,
                        "create it, or pulumi config rm ecsClusterName",
                    );
                }
                return null;
            },
        });
    } else {
        probes.push({
            what: "ECS cluster",
            name: cluster,
            fix: "pulumi config set ecsClusterName <existing cluster> to use it",
            find: async () => {
                const d = await ecsClient.send(new ecs.DescribeClustersCommand({ clusters: [cluster], include: ["TAGS"] }), opts);
                const c = d.clusters?.find((x) => x.status === "ACTIVE");
                return c ? ecsTags(c.tags) : null;
            },
        });
    }
    probes.push(
        {
            what: "ECS service",
            name: s.names.service,
            fix: "pulumi config set ecsServiceName <name>",
            find: async () => {
                try {
                    const d = await ecsClient.send(
                        new ecs.DescribeServicesCommand({ cluster, services: [s.names.service], include: ["TAGS"] }),
                        opts,
                    );
                    const svc = d.services?.find((x) => x.status === "ACTIVE" || x.status === "DRAINING");
                    if (svc?.status === "DRAINING") {
                        fail(
                            `the ECS service ${s.names.service} is still draining from an earlier delete`,
                            "wait 1-3 minutes, or pulumi config set ecsServiceName <name>",
                        );
                    }
                    return svc ? ecsTags(svc.tags) : null;
                } catch (e) {
                    if (awsErrorName(e) === "ClusterNotFoundException") {
                        return null;
                    }
                    throw e;
                }
            },
        },
        {
            what: "log group",
            name: s.names.logGroup,
            fix: `aws logs delete-log-group --log-group-name ${s.names.logGroup} if nothing needs it`,
            find: async () => {
                const g = await firstItem(
                    logs.paginateDescribeLogGroups({ client: logsClient }, { logGroupNamePrefix: s.names.logGroup }, opts),
                    (p) => p.logGroups,
                    (x) => x.logGroupName === s.names.logGroup,
                );
                if (!g) {
                    return null;
                }
                const arn = (g.arn ?? "").replace(/:\*$/, "");
                return (await logsClient.send(new logs.ListTagsForResourceCommand({ resourceArn: arn }), opts)).tags ?? {};
            },
        },
    );
    return probes;
}
