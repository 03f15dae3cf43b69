/**
 * What AWS allows a name to be, and the physical names this program gives a stack's resources.
 * One place for each rule: the configuration check, the providers' own checks and doctor import
 * them from here. Pure: no Pulumi imports.
 */

/** A name rule from AWS's service models: the pattern, and the rule as a message states it. */
export interface NameRule {
    readonly re: RegExp;
    readonly rule: string;
}

/** Name rules of the resources a user may name (AWS's service models). */
export const NAME_RULES = {
    harness: { re: /^[a-zA-Z][a-zA-Z0-9_]{0,39}$/, rule: "a letter, then up to 39 letters, digits or underscores; no hyphens" },
    runtime: { re: /^[a-zA-Z][a-zA-Z0-9_]{0,47}$/, rule: "a letter, then up to 47 letters, digits or underscores; no hyphens" },
    gateway: { re: /^([0-9a-zA-Z][-]?){1,100}$/, rule: "letters and digits, single hyphens between them, at most 100 characters" },
    credentialProvider: { re: /^[a-zA-Z0-9\-_]{1,128}$/, rule: "1-128 letters, digits, hyphens or underscores" },
    ecsService: { re: /^[a-zA-Z][a-zA-Z0-9_-]{0,254}$/, rule: "a letter, then up to 254 letters, digits, hyphens or underscores" },
    ecsCluster: { re: /^[a-zA-Z0-9_-]{1,255}$/, rule: "1-255 letters, digits, hyphens, underscores" },
    harnessTool: { re: /^[a-zA-Z0-9_-]{1,64}$/, rule: "1-64 letters, digits, hyphens or underscores" },
    roleArn: { re: /^arn:aws(-[^:]+)?:iam::([0-9]{12})?:role\/.+$/, rule: "an IAM role ARN" },
    cognitoDomainPrefix: {
        re: /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
        rule: "1-63 lowercase letters, digits and hyphens, not starting or ending with a hyphen",
    },
} as const satisfies Record<string, NameRule>;

/** Other formats AWS defines: regions, image references, secrets. */
export const FORMATS = {
    region: /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/,
    // Docker reference: [registry[:port]/]path[:tag][@digest]
    imageRef:
        /^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/,
    // The images AgentCore Runtime runs: ECR, or ECR Public.
    runtimeContainerUri:
        /^(([0-9]{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?|public\.ecr\.aws)\/((?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*)(?::([^:@]{1,300}))?(?:@(.+))?$/,
    // Secrets Manager: a name, or the ARN of a secret.
    secretName: /^[A-Za-z0-9/_+=.@-]{1,512}$/,
    secretArn: /^arn:aws(-[a-z]+)*:secretsmanager:([a-z0-9-]+):(\d{12}):secret:[A-Za-z0-9/_+=.@-]{1,512}$/,
    // IAM: a path is / or /segment/.../ (printable ASCII, 1-512 characters); this program also
    // refuses an empty segment (//), which IAM's own pattern lets through.
    iamPath: /^(?=[\x21-\x7e]{1,512}$)\/(?:[\x21-\x2e\x30-\x7e]+\/)*$/,
    // A managed policy of this partition as a permissions boundary: the account's own, or AWS's;
    // its path as iamPath, its name 1-128 of IAM's name characters; the ARN at most 2048 characters.
    boundaryPolicyArn: /^(?=.{20,2048}$)arn:aws:iam::(\d{12}|aws):policy\/(?:[\x21-\x2e\x30-\x7e]+\/)*[\w+=,.@-]{1,128}$/,
} as const;

/** Limits AgentCore Runtime sets on a runtime's environment (its service model); ECS allows more. */
export const RUNTIME_ENV_LIMITS = { entries: 50, keyLength: 100, valueLength: 5000 } as const;

export interface Names {
    harness: string;
    apiKeyProvider: string;
    oauthProvider: string;
    cluster: string;
    service: string;
    logGroup: string;
    runtime: string;
    gateway: string;
    target: string;
    secretPrefix: string;
    cognitoPool: string;
    cognitoClient: string;
    /** Full Cognito domain prefix when configured; otherwise the component appends the account id. */
    cognitoDomainPrefix?: string;
    cognitoDomainBase: string;
}

function shortHash(text: string): string {
    // FNV-1a, enough to keep truncated names of different stacks apart.
    let h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) {
        h ^= text.charCodeAt(i);
        h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h.toString(36).padStart(7, "0").slice(0, 6);
}

/**
 * A physical name for this stack: `<base><sep><stack>`, with the stack reduced to the characters
 * the name allows, shortened with a hash when the whole would pass `max`.
 */
export function stackName(base: string, stack: string, sep: "-" | "_", max: number): string {
    const cleaned = stack
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, sep)
        .replace(new RegExp(`^\\${sep}+|\\${sep}+$`, "g"), "");
    const full = cleaned ? `${base}${sep}${cleaned}` : base;
    if (full.length <= max) {
        return full;
    }
    const hash = shortHash(stack);
    const room = max - base.length - 2 * sep.length - hash.length;
    const kept = cleaned.slice(0, Math.max(0, room)).replace(new RegExp(`\\${sep}+$`), "");
    return kept ? `${base}${sep}${kept}${sep}${hash}` : `${base}${sep}${hash}`;
}

export function defaultNames(stack: string): Names {
    return {
        harness: stackName("zscaler_mcp_harness", stack, "_", 40),
        apiKeyProvider: stackName("zscaler-mcp-creds", stack, "-", 128),
        oauthProvider: stackName("zscaler-mcp-cognito-oauth", stack, "-", 128),
        cluster: stackName("zscaler-mcp", stack, "-", 255),
        service: stackName("zscaler-mcp-server", stack, "-", 255),
        logGroup: `/ecs/${stackName("zscaler-mcp", stack, "-", 200)}`,
        runtime: stackName("zscaler_mcp_runtime", stack, "_", 48),
        gateway: stackName("zscaler-mcp-gateway", stack, "-", 100),
        target: "zscaler-mcp-runtime",
        secretPrefix: `zscaler-mcp-harness/${stackName("", stack, "-", 64).replace(/^-/, "") || "default"}/credentials-`,
        cognitoPool: stackName("zscaler-mcp-harness-up", stack, "-", 128),
        cognitoClient: stackName("zscaler-mcp-harness-client", stack, "-", 128),
        // The account id (12 digits and a hyphen) is appended; Cognito allows 63 characters.
        cognitoDomainBase: stackName("zscaler-mcp", stack, "-", 50),
    };
}

/** The name of the harness's one tool, and the OAuth scope the gateway topology's Cognito grants. */
export const HARNESS_TOOL_NAME = "zscaler";
export const OAUTH_SCOPE = { resourceServer: "zscaler-mcp", scope: "invoke", full: "zscaler-mcp/invoke" } as const;
