/**
 * What the test-only aws plugin knows of each AWS resource type the program uses: which inputs it
 * diffs, which of them replace the resource, how names are generated, what AWS computes on create,
 * and what AWS refuses (a name already taken, a parent that does not exist, a role that still has
 * policies, a pool that still has a domain, a scope no resource server defines).
 */
import * as crypto from "crypto";
import { ACCOUNT, arn, secretArn, userArn } from "../support/awsConstants";
import { Cloud, CloudRecord, CloudState } from "./cloud";

/** The marker the engine sends in place of a value a preview does not know yet. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";

export type Props = Record<string, any>;

/** An error as AWS words it: `<Code>: <message>`. */
export class AwsError extends Error {
    constructor(code: string, message: string) {
        super(`${code}: ${message}`);
    }
}

export interface Context {
    region: string;
    /** The provider's default tags, merged under each resource's own into tagsAll. */
    defaultTags: Record<string, string>;
}

export interface Kind {
    /** Inputs compared by Diff and returned by Read as inputs. */
    inputs: readonly string[];
    /** Inputs whose change replaces the resource. */
    createOnly: readonly string[];
    /** A physical name Pulumi generates from the resource's name when none is given. */
    autoName?: { field: string; prefixField?: string; maxLength: number };
    /** Defaults the provider fills into the inputs at Check, as the real one does. */
    defaults?: Props;
    /** Optional inputs AWS computes when they are left out (a generated name, a version's stages). */
    computed?: readonly string[];
    validate?(news: Props): string[];
    create(state: CloudState, news: Props, ctx: Context, urnName: string): { id: string; props: Props };
    /** Extra effects of an update (besides storing the new inputs); may refuse. */
    update?(state: CloudState, rec: CloudRecord, news: Props, ctx: Context): Props;
    /** Refuses a delete AWS would refuse, or removes what AWS removes with it. */
    beforeDelete?(state: CloudState, rec: CloudRecord): void;
    /** Deletes; by default the record goes. */
    remove?(state: CloudState, rec: CloudRecord): void;
}

export function rand(n: number, alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"): string {
    const bytes = crypto.randomBytes(n);
    return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}

/** terraform-style unique suffix: a 20-digit timestamp and a 6-digit counter. */
function uniqueSuffix(): string {
    const d = new Date();
    const ts = d
        .toISOString()
        .replace(/[-:TZ.]/g, "")
        .padEnd(20, "0")
        .slice(0, 20);
    return ts + String(Math.floor(Math.random() * 1e6)).padStart(6, "0");
}

export function isKnown(v: unknown): boolean {
    return v !== UNKNOWN;
}

function plain(v: any): any {
    return v && typeof v === "object" && SECRET_SIG_KEY in v ? v.value : v;
}

function live(state: CloudState, type: string): CloudRecord[] {
    return state.resources.filter((r) => r.type === type && !r.deletionDate);
}

function tagsAll(news: Props, ctx: Context): Record<string, string> {
    return { ...ctx.defaultTags, ...(news.tags ?? {}) };
}

function jsonProblem(field: string, v: unknown): string[] {
    if (typeof v !== "string" || !isKnown(v)) {
        return [];
    }
    try {
        const doc = JSON.parse(v);
        return Array.isArray(doc.Statement) ? [] : [`${field}: the policy document has no Statement list`];
    } catch {
        return [`${field}: "${v.slice(0, 40)}..." is not valid JSON`];
    }
}

function requireRole(state: CloudState, role: string): void {
    if (!live(state, "aws:iam/role:Role").some((r) => r.props.name === role)) {
        throw new AwsError("NoSuchEntity", `The role with name ${role} cannot be found.`);
    }
}

function requirePool(state: CloudState, poolId: string): CloudRecord {
    const pool = live(state, "aws:cognito/userPool:UserPool").find((r) => r.id === poolId);
    if (!pool) {
        throw new AwsError("ResourceNotFoundException", `User pool ${poolId} does not exist.`);
    }
    return pool;
}

export const KINDS: Record<string, Kind> = {
    "aws:iam/role:Role": {
        inputs: [
            "name",
            "namePrefix",
            "path",
            "description",
            "assumeRolePolicy",
            "maxSessionDuration",
            "permissionsBoundary",
            "forceDetachPolicies",
            "tags",
        ],
        createOnly: ["name", "namePrefix", "path"],
        autoName: { field: "name", prefixField: "namePrefix", maxLength: 64 },
        computed: ["name"],
        defaults: { path: "/", maxSessionDuration: 3600, forceDetachPolicies: false },
        validate: (n) => jsonProblem("assumeRolePolicy", n.assumeRolePolicy),
        create(state, n, ctx) {
            if (live(state, "aws:iam/role:Role").some((r) => r.props.name === n.name)) {
                throw new AwsError("EntityAlreadyExists", `Role with name ${n.name} already exists.`);
            }
            return {
                id: n.name,
                props: {
                    ...n,
                    arn: `arn:aws:iam::${ACCOUNT}:role${n.path}${n.name}`,
                    uniqueId: `AROA${rand(17, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")}`,
                    createDate: new Date().toISOString(),
                    tagsAll: tagsAll(n, ctx),
                },
            };
        },
        beforeDelete(state, rec) {
            const name = rec.props.name;
            const attached =
                live(state, "aws:iam/rolePolicy:RolePolicy").some((r) => r.props.role === name) ||
                live(state, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").some((r) => r.props.role === name);
            if (attached) {
                throw new AwsError("DeleteConflict", "Cannot delete entity, must delete policies first.");
            }
        },
    },
    "aws:iam/rolePolicy:RolePolicy": {
        inputs: ["role", "name", "namePrefix", "policy"],
        createOnly: ["role", "name", "namePrefix"],
        autoName: { field: "name", prefixField: "namePrefix", maxLength: 128 },
        computed: ["name"],
        validate: (n) => jsonProblem("policy", n.policy),
        create(state, n) {
            requireRole(state, n.role);
            // PutRolePolicy: a policy of the same name on the role is replaced, not added to.
            const id = `${n.role}:${n.name}`;
            state.resources = state.resources.filter((r) => !(r.type === "aws:iam/rolePolicy:RolePolicy" && r.id === id));
            return { id, props: { ...n } };
        },
        update(state, rec) {
            requireRole(state, rec.props.role);
            return {};
        },
    },
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": {
        inputs: ["role", "policyArn"],
        createOnly: ["role", "policyArn"],
        create(state, n) {
            requireRole(state, n.role);
            if (!/^arn:aws:iam::(aws|\d{12}):policy\/.+$/.test(n.policyArn)) {
                throw new AwsError("InvalidInput", `ARN ${n.policyArn} is not valid.`);
            }
            return { id: `${n.role}-${uniqueSuffix()}`, props: { ...n } };
        },
    },
    "aws:ecs/cluster:Cluster": {
        inputs: ["name", "settings", "configuration", "serviceConnectDefaults", "tags"],
        createOnly: ["name"],
        autoName: { field: "name", maxLength: 255 },
        create(state, n, ctx) {
            const clusterArn = arn("ecs", `cluster/${n.name}`, { region: ctx.region });
            // CreateCluster is idempotent for a name: AWS answers with the existing cluster.
            const existing = live(state, "aws:ecs/cluster:Cluster").find((r) => r.id === clusterArn);
            if (existing) {
                state.resources.splice(state.resources.indexOf(existing), 1);
            }
            return { id: clusterArn, props: { ...n, arn: clusterArn, tagsAll: tagsAll(n, ctx) } };
        },
    },
    "aws:cloudwatch/logGroup:LogGroup": {
        inputs: ["name", "namePrefix", "retentionInDays", "kmsKeyId", "logGroupClass", "skipDestroy", "tags"],
        createOnly: ["name", "namePrefix", "logGroupClass"],
        autoName: { field: "name", prefixField: "namePrefix", maxLength: 512 },
        computed: ["name"],
        validate: (n) =>
            n.retentionInDays === undefined ||
            !isKnown(n.retentionInDays) ||
            [0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653].includes(
                n.retentionInDays,
            )
                ? []
                : [`retentionInDays: ${n.retentionInDays} is not a retention CloudWatch Logs offers`],
        create(state, n, ctx) {
            if (live(state, "aws:cloudwatch/logGroup:LogGroup").some((r) => r.id === n.name)) {
                throw new AwsError("ResourceAlreadyExistsException", "The specified log group already exists");
            }
            return {
                id: n.name,
                props: { ...n, arn: arn("logs", `log-group:${n.name}`, { region: ctx.region }), tagsAll: tagsAll(n, ctx) },
            };
        },
    },
    "aws:secretsmanager/secret:Secret": {
        inputs: [
            "name",
            "namePrefix",
            "description",
            "kmsKeyId",
            "policy",
            "recoveryWindowInDays",
            "forceOverwriteReplicaSecret",
            "replicas",
            "tags",
        ],
        createOnly: ["name", "namePrefix"],
        autoName: { field: "name", prefixField: "namePrefix", maxLength: 512 },
        computed: ["name"],
        defaults: { recoveryWindowInDays: 30 },
        create(state, n, ctx) {
            const name: string = n.name ?? `${n.namePrefix}${uniqueSuffix()}`;
            const same = state.resources.find((r) => r.type === "aws:secretsmanager/secret:Secret" && r.props.name === name);
            if (same?.deletionDate) {
                throw new AwsError(
                    "InvalidRequestException",
                    "You can't create this secret because a secret with this name is already scheduled for deletion.",
                );
            }
            if (same) {
                throw new AwsError("ResourceExistsException", `The operation failed because the secret ${name} already exists.`);
            }
            const arn = secretArn(`${name}-${rand(6, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")}`, { region: ctx.region });
            return { id: arn, props: { ...n, name, arn, tagsAll: tagsAll(n, ctx) } };
        },
        beforeDelete(state, rec) {
            // The versions go with the secret.
            state.resources = state.resources.filter(
                (r) => !(r.type === "aws:secretsmanager/secretVersion:SecretVersion" && r.props.arn === rec.id),
            );
        },
        remove(state, rec) {
            const days = plain(rec.props.recoveryWindowInDays);
            if (days === 0) {
                state.resources.splice(state.resources.indexOf(rec), 1);
            } else {
                rec.deletionDate = new Date(Date.now() + (days ?? 30) * 86_400_000).toISOString();
            }
        },
    },
    "aws:secretsmanager/secretVersion:SecretVersion": {
        inputs: ["secretId", "secretString", "secretBinary", "versionStages"],
        createOnly: ["secretId", "secretString", "secretBinary"],
        computed: ["versionStages"],
        create(state, n) {
            const secretId = n.secretId;
            const secret = state.resources.find(
                (r) => r.type === "aws:secretsmanager/secret:Secret" && (r.id === secretId || r.props.name === secretId),
            );
            if (!secret) {
                throw new AwsError("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
            }
            if (secret.deletionDate) {
                throw new AwsError(
                    "InvalidRequestException",
                    "You can't perform this operation on the secret because it was marked for deletion.",
                );
            }
            // The new version becomes current; the one before loses the label.
            for (const v of live(state, "aws:secretsmanager/secretVersion:SecretVersion").filter((r) => r.props.arn === secret.id)) {
                v.props.versionStages = ["AWSPREVIOUS"];
            }
            const versionId = crypto.randomUUID();
            return {
                id: `${secret.id}|${versionId}`,
                props: { ...n, arn: secret.id, versionId, versionStages: n.versionStages ?? ["AWSCURRENT"] },
            };
        },
    },
    "aws:cognito/userPool:UserPool": {
        inputs: [
            "name",
            "adminCreateUserConfig",
            "autoVerifiedAttributes",
            "mfaConfiguration",
            "passwordPolicy",
            "schemas",
            "usernameAttributes",
            "deletionProtection",
            "tags",
        ],
        createOnly: ["name", "usernameAttributes"],
        autoName: { field: "name", maxLength: 128 },
        create(_state, n, ctx) {
            const id = `${ctx.region}_${rand(9, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")}`;
            return {
                id,
                props: {
                    ...n,
                    arn: arn("cognito-idp", `userpool/${id}`, { region: ctx.region }),
                    endpoint: `cognito-idp.${ctx.region}.amazonaws.com/${id}`,
                    creationDate: new Date().toISOString(),
                    domain: "",
                    estimatedNumberOfUsers: 0,
                    tagsAll: tagsAll(n, ctx),
                },
            };
        },
        beforeDelete(state, rec) {
            if (live(state, "aws:cognito/userPoolDomain:UserPoolDomain").some((r) => r.props.userPoolId === rec.id)) {
                throw new AwsError(
                    "InvalidParameterException",
                    "User pool cannot be deleted. It has a domain configured that should be deleted first.",
                );
            }
            // Clients and resource servers go with their pool.
            state.resources = state.resources.filter((r) => !(r.type.startsWith("aws:cognito/") && r.props.userPoolId === rec.id));
        },
    },
    "aws:cognito/resourceServer:ResourceServer": {
        inputs: ["identifier", "name", "scopes", "userPoolId"],
        createOnly: ["identifier", "userPoolId"],
        create(state, n) {
            requirePool(state, n.userPoolId);
            const id = `${n.userPoolId}|${n.identifier}`;
            if (live(state, "aws:cognito/resourceServer:ResourceServer").some((r) => r.id === id)) {
                throw new AwsError("InvalidParameterException", `${n.identifier} already exists in user pool ${n.userPoolId}.`);
            }
            return { id, props: { ...n, scopeIdentifiers: (n.scopes ?? []).map((s: Props) => `${n.identifier}/${s.scopeName}`) } };
        },
        update(state, rec, n) {
            requirePool(state, rec.props.userPoolId);
            return { scopeIdentifiers: (n.scopes ?? []).map((s: Props) => `${n.identifier}/${s.scopeName}`) };
        },
    },
    "aws:cognito/userPoolClient:UserPoolClient": {
        inputs: [
            "name",
            "userPoolId",
            "generateSecret",
            "allowedOauthFlows",
            "allowedOauthFlowsUserPoolClient",
            "allowedOauthScopes",
            "supportedIdentityProviders",
            "callbackUrls",
            "explicitAuthFlows",
        ],
        createOnly: ["userPoolId", "generateSecret"],
        create(state, n) {
            requirePool(state, n.userPoolId);
            checkScopes(state, n);
            return {
                id: rand(26),
                props: { ...n, clientSecret: n.generateSecret ? rand(51) : "" },
            };
        },
        update(state, rec, n) {
            checkScopes(state, { ...n, userPoolId: rec.props.userPoolId });
            return { clientSecret: rec.props.clientSecret };
        },
    },
    "aws:cognito/userPoolDomain:UserPoolDomain": {
        inputs: ["domain", "userPoolId", "certificateArn", "managedLoginVersion"],
        createOnly: ["domain", "userPoolId", "certificateArn"],
        create(state, n) {
            const pool = requirePool(state, n.userPoolId);
            if (
                state.foreignDomains.includes(n.domain) ||
                live(state, "aws:cognito/userPoolDomain:UserPoolDomain").some((r) => r.id === n.domain)
            ) {
                throw new AwsError("InvalidParameterException", "Domain already associated with another user pool.");
            }
            // Cognito allows one domain per user pool.
            if (live(state, "aws:cognito/userPoolDomain:UserPoolDomain").some((r) => r.props.userPoolId === n.userPoolId)) {
                throw new AwsError("InvalidParameterException", `User pool ${n.userPoolId} already has a domain configured.`);
            }
            pool.props.domain = n.domain;
            return {
                id: n.domain,
                props: {
                    ...n,
                    awsAccountId: ACCOUNT,
                    cloudfrontDistribution: `d${rand(13)}.cloudfront.net`,
                    s3Bucket: `aws-cognito-prod-${rand(6)}-assets`,
                    version: String(Date.now()),
                },
            };
        },
        remove(state, rec) {
            const pool = live(state, "aws:cognito/userPool:UserPool").find((r) => r.id === rec.props.userPoolId);
            if (pool) {
                pool.props.domain = "";
            }
            state.resources.splice(state.resources.indexOf(rec), 1);
        },
    },
};

function checkScopes(state: CloudState, n: Props): void {
    const defined = live(state, "aws:cognito/resourceServer:ResourceServer")
        .filter((r) => r.props.userPoolId === n.userPoolId)
        .flatMap((r) => r.props.scopeIdentifiers as string[]);
    const missing = (n.allowedOauthScopes ?? []).filter(
        (s: string) => !defined.includes(s) && !["openid", "email", "phone", "profile", "aws.cognito.signin.user.admin"].includes(s),
    );
    if (missing.length > 0) {
        throw new AwsError("InvalidParameterException", `Invalid scope requested: ${missing.join(",")}`);
    }
}

/** The functions (invokes) the program calls. */
export const FUNCTIONS: Record<string, (cloud: Cloud, args: Props, ctx: Context) => Props> = {
    "aws:index/getCallerIdentity:getCallerIdentity": () => ({
        accountId: ACCOUNT,
        arn: userArn("deployer"),
        userId: "AIDAEXAMPLEDEPLOYER01",
        id: ACCOUNT,
    }),
    "aws:ecs/getCluster:getCluster": (cloud, args, ctx) => {
        const clusterArn = arn("ecs", `cluster/${args.clusterName}`, { region: ctx.region });
        const found = cloud.live("aws:ecs/cluster:Cluster").find((r) => r.id === clusterArn);
        if (!found) {
            throw new AwsError("ClusterNotFoundException", `reading ECS Cluster (${args.clusterName}): couldn't find resource`);
        }
        return {
            arn: clusterArn,
            clusterName: args.clusterName,
            id: clusterArn,
            status: "ACTIVE",
            pendingTasksCount: 0,
            runningTasksCount: 0,
            registeredContainerInstancesCount: 0,
            settings: [],
            serviceConnectDefaults: [],
            tags: found.props.tags ?? {},
        };
    },
    "aws:secretsmanager/getSecretVersion:getSecretVersion": (cloud, args) => {
        const secret = cloud.live("aws:secretsmanager/secret:Secret").find((r) => r.id === args.secretId || r.props.name === args.secretId);
        const current =
            secret &&
            cloud
                .live("aws:secretsmanager/secretVersion:SecretVersion")
                .find((v) => v.props.arn === secret.id && (v.props.versionStages ?? []).includes("AWSCURRENT"));
        if (!secret || !current) {
            throw new AwsError(
                "ResourceNotFoundException",
                "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
            );
        }
        return {
            arn: secret.id,
            id: `${secret.id}|AWSCURRENT`,
            secretId: args.secretId,
            secretString: plain(current.props.secretString),
            secretBinary: "",
            versionId: current.props.versionId,
            versionStages: current.props.versionStages,
            versionStage: "AWSCURRENT",
            createdDate: "",
        };
    },
    "aws:cloudwatch/getLogGroup:getLogGroup": (cloud, args, ctx) => {
        const found = cloud.live("aws:cloudwatch/logGroup:LogGroup").find((r) => r.id === args.name);
        if (!found) {
            throw new AwsError("ResourceNotFoundException", `reading CloudWatch Logs Log Group (${args.name}): couldn't find resource`);
        }
        const p = found.props;
        return {
            arn: arn("logs", `log-group:${args.name}`, { region: ctx.region }),
            id: args.name,
            name: args.name,
            creationTime: 0,
            kmsKeyId: "",
            logGroupClass: "STANDARD",
            retentionInDays: p.retentionInDays ?? 0,
            tags: p.tagsAll ?? p.tags ?? {},
        };
    },
    "aws:secretsmanager/getSecret:getSecret": (cloud, args) => {
        const found = cloud
            .live("aws:secretsmanager/secret:Secret")
            .find((r) => (args.arn ? r.id === args.arn : r.props.name === args.name));
        if (!found) {
            throw new AwsError("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
        }
        const p = found.props;
        return {
            arn: found.id,
            id: found.id,
            name: p.name,
            description: p.description ?? "",
            kmsKeyId: "",
            policy: "",
            tags: p.tags ?? {},
            createdDate: "",
            lastChangedDate: "",
        };
    },
};
