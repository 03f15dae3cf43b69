/**
 * Turns the stack's configuration into a typed, validated settings object.
 *
 * Pure: no Pulumi imports. `index.ts` hands it a small reader over `pulumi.Config`; tests hand it a
 * plain object. Every problem is collected and reported at once, each naming the config key and
 * the fix, so a user never fixes one error only to meet the next on the following `pulumi up`.
 */
import { isSigV4RuntimeUrl, normalizeMcpUrl } from "./mcpUrl";

export type Topology = "ecs" | "gateway";
export type SecretsMode = "managed" | "external" | "plaintext";
export type HostValidation = "auto" | "disabled";
export const RETAIN_PARTS = ["roles", "ecs", "secret", "cognito", "runtime"] as const;
export type RetainPart = (typeof RETAIN_PARTS)[number];

/** Read access to the project's config namespace. */
export interface RawConfig {
    /** The raw value of a project config key (lists arrive as JSON text), or undefined. */
    get(key: string): string | undefined;
    /** True when the key was stored with `pulumi config set --secret`. */
    isSecret(key: string): boolean;
}

export interface SettingsContext {
    project: string;
    stack: string;
    /** `aws:region`, when set. */
    region?: string;
}

export const DEFAULTS = {
    region: "us-east-1",
    imageUri: "709825985650.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server:0.10.4-bedrock",
    modelId: "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    modelMaxTokens: 8192,
    temperature: 0.2,
    ecsCpu: "1024",
    ecsMemory: "2048",
    containerPort: 8000,
    healthCheckPath: "/health",
    logStreamPrefix: "mcp",
    toolName: "zscaler",
    secretRecoveryDays: 7,
    oauthScope: "zscaler-mcp/invoke",
} as const;

export const DEFAULT_SYSTEM_PROMPT = [
    "You help administrators run their Zscaler Zero Trust Exchange tenant. Your only tool is the",
    "Zscaler MCP server, which exposes operations for ZIA, ZPA, ZDX, ZCC, ZTW, ZIdentity, EASM,",
    "Z-Insights and ZMS.",
    "- Answer in plain language; do not describe tool calls or their plumbing.",
    "- An empty list is a real answer: report it and ask the user how to proceed instead of",
    "  retrying with other filters.",
    "- Before changing anything, look up the current state with list or get operations, then ask",
    "  the user to confirm the exact change. Never write without that confirmation.",
    "- After any ZIA change, call zia_activate_configuration so it takes effect.",
    "- Identifiers are strings. Use the ones the tools return; never make one up.",
    "- The tools you can see are all there are. If a service has no tools loaded, say so.",
].join("\n");

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

export interface Settings {
    project: string;
    stack: string;
    region: string;
    topology: Topology;
    names: Names;
    model: { modelId: string; maxTokens: number; temperature: number };
    harness: { systemPrompt: string; maxIterations?: number; timeoutSeconds?: number };
    zscaler: {
        clientId?: string;
        clientSecret?: string;
        customerId?: string;
        vanityDomain?: string;
        cloud?: string;
    };
    secrets: { mode: SecretsMode; externalSecretName?: string; recoveryWindowDays: number };
    /** A user-supplied MCP URL, normalised; when set the stack deploys no server. */
    mcpUrl?: string;
    imageUri: string;
    ecs: {
        existingClusterName?: string;
        cpu: string;
        memory: string;
        hostValidation: HostValidation;
        allowedHosts: string[];
        containerEnv: Record<string, string>;
    };
    retain: Record<RetainPart, boolean>;
    tags: Record<string, string>;
    /** Soft problems the program reports with `pulumi.log.warn`. */
    warnings: string[];
}

/** Every problem found in the configuration, one line each. */
export class SettingsError extends Error {
    constructor(public readonly problems: string[]) {
        super(
            `The stack configuration has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "SettingsError";
    }
}

// Patterns from AWS's service models: checking them here fails before anything is created.
export const PATTERNS = {
    harnessName: /^[a-zA-Z][a-zA-Z0-9_]{0,39}$/,
    runtimeName: /^[a-zA-Z][a-zA-Z0-9_]{0,47}$/,
    gatewayName: /^([0-9a-zA-Z][-]?){1,100}$/,
    credentialProviderName: /^[a-zA-Z0-9\-_]{1,128}$/,
    // Docker reference: [registry[:port]/]path[:tag][@digest]
    imageRef:
        /^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/,
    runtimeContainerUri:
        /^(([0-9]{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?|public\.ecr\.aws)\/((?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*)(?::([^:@]{1,300}))?(?:@(.+))?$/,
    region: /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/,
    cognitoDomainPrefix: /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
    containerEnvKey: /^(ZSCALER_|FASTMCP_|MCP_)[A-Z0-9_]+$/,
    allowedHost: /^(\*|[a-zA-Z0-9.-]+(:(\d{1,5}|\*))?|\[[0-9a-fA-F:]+\](:(\d{1,5}|\*))?)$/,
};

/** Parsed ECR image reference, or undefined for images outside ECR. */
export function parseEcrImage(imageUri: string): { account: string; region: string } | undefined {
    const m = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\//.exec(imageUri);
    return m ? { account: m[1], region: m[2] } : undefined;
}

/**
 * AgentCore Runtime pulls only from ECR in its own region. Returns the problem (with the copy
 * commands) or undefined when the image can run in `region`.
 */
export function imageRegionProblem(imageUri: string, region: string): string | undefined {
    const ecr = parseEcrImage(imageUri);
    if (!ecr || ecr.region === region) {
        return undefined;
    }
    const repoAndTag = imageUri.slice(imageUri.indexOf("/") + 1);
    const target = `<your-account-id>.dkr.ecr.${region}.amazonaws.com/${repoAndTag}`;
    return (
        `imageUri: the image is in ECR region ${ecr.region}, but AgentCore Runtime only runs images from ` +
        `the deploy region ${region}. Copy it into your own registry in ${region}:\n` +
        `      aws ecr get-login-password --region ${ecr.region} | docker login --username AWS --password-stdin ${ecr.account}.dkr.ecr.${ecr.region}.amazonaws.com\n` +
        `      docker pull ${imageUri}\n` +
        `      aws ecr create-repository --region ${region} --repository-name ${repoAndTag.split(":")[0].split("@")[0]}\n` +
        `      docker tag ${imageUri} ${target}\n` +
        `      docker push ${target}\n` +
        `    then run: pulumi config set imageUri ${target}\n` +
        `    (or deploy in ${ecr.region}: pulumi config set aws:region ${ecr.region})`
    );
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

function defaultNames(stack: string): Names {
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

/** Keys a user may set: exactly those Pulumi.yaml declares (a test keeps the two equal). */
export const CONFIG_KEYS = [
    "topology",
    "zscalerClientId",
    "zscalerClientSecret",
    "zscalerCustomerId",
    "zscalerVanityDomain",
    "zscalerCloud",
    "secretsMode",
    "zscalerSecretName",
    "secretRecoveryDays",
    "mcpUrl",
    "allowSigV4McpUrl",
    "imageUri",
    "modelId",
    "modelMaxTokens",
    "temperature",
    "harnessName",
    "systemPrompt",
    "maxIterations",
    "timeoutSeconds",
    "ecsClusterName",
    "ecsServiceName",
    "ecsCpu",
    "ecsMemory",
    "hostValidation",
    "allowedHosts",
    "containerEnv",
    "apiKeyProviderName",
    "runtimeName",
    "gatewayName",
    "oauthProviderName",
    "cognitoDomainPrefix",
    "retain",
] as const;

const CREDENTIAL_ENV_KEYS = [
    "ZSCALER_CLIENT_ID",
    "ZSCALER_CLIENT_SECRET",
    "ZSCALER_CUSTOMER_ID",
    "ZSCALER_VANITY_DOMAIN",
    "ZSCALER_CLOUD",
    "ZSCALER_PRIVATE_KEY",
];

/** Validates the configuration and returns the settings, or throws a SettingsError listing every problem. */
export function loadSettings(raw: RawConfig, ctx: SettingsContext): Settings {
    const problems: string[] = [];
    const warnings: string[] = [];
    const str = (key: string): string | undefined => {
        const v = raw.get(key);
        return v === undefined || v.trim() === "" ? undefined : v.trim();
    };
    const oneOf = <T extends string>(key: string, allowed: readonly T[], dflt: T): T => {
        const v = str(key);
        if (v === undefined) {
            return dflt;
        }
        if (!(allowed as readonly string[]).includes(v)) {
            problems.push(`${key}: "${v}" is not one of ${allowed.join(", ")}. Run: pulumi config set ${key} ${dflt}`);
            return dflt;
        }
        return v as T;
    };
    const int = (key: string, min: number, max: number, zeroMeansUnset = false): number | undefined => {
        const v = str(key);
        if (v === undefined || (zeroMeansUnset && v === "0")) {
            return undefined;
        }
        const n = Number(v);
        if (!Number.isInteger(n) || n < min || n > max) {
            problems.push(`${key}: "${v}" must be a whole number from ${min} to ${max}.`);
            return undefined;
        }
        return n;
    };
    const list = (key: string): string[] => {
        const v = raw.get(key);
        if (v === undefined || v.trim() === "") {
            return [];
        }
        const text = v.trim();
        if (!text.startsWith("[")) {
            // A single entry or a comma-separated list set without --path.
            return text.split(",").map((s) => s.trim()).filter(Boolean);
        }
        try {
            const parsed: unknown = JSON.parse(text);
            if (Array.isArray(parsed) && parsed.every((x) => typeof x === "string")) {
                return parsed.map((s: string) => s.trim()).filter(Boolean);
            }
        } catch {
            // reported below
        }
        problems.push(`${key}: must be a list of strings, e.g. pulumi config set --path '${key}[0]' value`);
        return [];
    };
    const name = (key: string, dflt: string, pattern: RegExp, rule: string): string => {
        const v = str(key);
        if (v === undefined) {
            return dflt;
        }
        if (!pattern.test(v)) {
            problems.push(`${key}: "${v}" is not a valid name (${rule}).`);
        }
        return v;
    };

    // Region and topology
    const region = ctx.region?.trim() || DEFAULTS.region;
    if (!PATTERNS.region.test(region)) {
        problems.push(`aws:region: "${region}" is not an AWS region. Run: pulumi config set aws:region us-east-1`);
    }
    const topology = oneOf<Topology>("topology", ["ecs", "gateway"], "ecs");

    // Names
    const dn = defaultNames(ctx.stack);
    const names: Names = {
        ...dn,
        harness: name(
            "harnessName",
            dn.harness,
            PATTERNS.harnessName,
            "a letter, then up to 39 letters, digits or underscores; no hyphens, e.g. zscaler_mcp_harness",
        ),
        apiKeyProvider: name(
            "apiKeyProviderName",
            dn.apiKeyProvider,
            PATTERNS.credentialProviderName,
            "1-128 letters, digits, hyphens or underscores",
        ),
        oauthProvider: name(
            "oauthProviderName",
            dn.oauthProvider,
            PATTERNS.credentialProviderName,
            "1-128 letters, digits, hyphens or underscores",
        ),
        runtime: name(
            "runtimeName",
            dn.runtime,
            PATTERNS.runtimeName,
            "a letter, then up to 47 letters, digits or underscores; no hyphens",
        ),
        gateway: name(
            "gatewayName",
            dn.gateway,
            PATTERNS.gatewayName,
            "letters and digits, single hyphens between them, at most 100 characters",
        ),
        service: name(
            "ecsServiceName",
            dn.service,
            /^[a-zA-Z][a-zA-Z0-9_-]{0,254}$/,
            "a letter, then up to 254 letters, digits, hyphens or underscores",
        ),
    };
    const domainPrefix = str("cognitoDomainPrefix");
    if (domainPrefix !== undefined) {
        if (!PATTERNS.cognitoDomainPrefix.test(domainPrefix) || /aws|amazon|cognito/.test(domainPrefix)) {
            problems.push(
                `cognitoDomainPrefix: "${domainPrefix}" must be 1-63 lowercase letters, digits and hyphens, ` +
                    `not start or end with a hyphen, and not contain "aws", "amazon" or "cognito".`,
            );
        }
        names.cognitoDomainPrefix = domainPrefix;
    }

    // MCP URL (bring your own server)
    let mcpUrl: string | undefined;
    const rawUrl = str("mcpUrl");
    const allowSigV4 = str("allowSigV4McpUrl") === "true";
    if (rawUrl !== undefined) {
        if (topology === "gateway") {
            problems.push(
                "mcpUrl: a user-supplied MCP URL applies to topology ecs only; the gateway topology runs its own server. " +
                    "Run: pulumi config rm mcpUrl (or pulumi config set topology ecs)",
            );
        }
        if (!/^https:\/\/[^/\s]+/i.test(rawUrl)) {
            problems.push(`mcpUrl: "${rawUrl}" must be an https:// URL; Harness calls remote MCP servers over HTTPS only.`);
        } else {
            mcpUrl = normalizeMcpUrl(rawUrl);
            if (isSigV4RuntimeUrl(mcpUrl)) {
                const why =
                    "is an AgentCore Runtime endpoint that accepts only SigV4-signed calls; remote_mcp sends static " +
                    "headers, so every invocation would get HTTP 403. Use topology gateway to reach a Runtime";
                if (allowSigV4) {
                    warnings.push(`mcpUrl ${why}. Deploying anyway because allowSigV4McpUrl is true.`);
                } else {
                    problems.push(
                        `mcpUrl: ${mcpUrl} ${why}, or set allowSigV4McpUrl true to deploy the harness anyway.`,
                    );
                }
            }
        }
    }
    const deploysServer = topology === "gateway" || mcpUrl === undefined;

    // Zscaler credentials and where they live
    const secretsMode = oneOf<SecretsMode>("secretsMode", ["managed", "external", "plaintext"], "managed");
    const externalSecretName = str("zscalerSecretName");
    if (secretsMode === "external" && externalSecretName === undefined && deploysServer) {
        problems.push(
            "zscalerSecretName: secretsMode external needs the name or ARN of an existing Secrets Manager secret. " +
                "Run: pulumi config set zscalerSecretName <name-or-arn>",
        );
    }
    if (secretsMode !== "external" && externalSecretName !== undefined) {
        warnings.push(`zscalerSecretName is ignored because secretsMode is ${secretsMode}.`);
    }
    if (secretsMode === "plaintext" && deploysServer) {
        warnings.push(
            "secretsMode plaintext puts the Zscaler client secret into the container's environment. " +
                "Use it for development only; managed or external keeps it in Secrets Manager.",
        );
    }
    const zscaler = {
        clientId: str("zscalerClientId"),
        clientSecret: str("zscalerClientSecret"),
        customerId: str("zscalerCustomerId"),
        vanityDomain: str("zscalerVanityDomain"),
        cloud: str("zscalerCloud"),
    };
    // The ECS topology always needs id and secret (the Token Vault holds the Basic header); the
    // gateway topology needs them only when the stack writes the secret itself.
    const needsCredentials = topology === "ecs" || secretsMode !== "external";
    if (needsCredentials) {
        if (zscaler.clientId === undefined) {
            problems.push("zscalerClientId: missing. Run: pulumi config set zscalerClientId <client id>");
        }
        if (zscaler.clientSecret === undefined) {
            problems.push(
                "zscalerClientSecret: missing. Run: pulumi config set --secret zscalerClientSecret <client secret>",
            );
        }
    }
    if (zscaler.clientSecret !== undefined && !raw.isSecret("zscalerClientSecret")) {
        problems.push(
            "zscalerClientSecret: stored as plaintext in the stack file. Store it encrypted: " +
                "pulumi config set --secret zscalerClientSecret <client secret>",
        );
    }
    if (deploysServer && secretsMode !== "external") {
        if (zscaler.customerId === undefined) {
            problems.push("zscalerCustomerId: missing; the MCP server needs it. Run: pulumi config set zscalerCustomerId <id>");
        }
        if (zscaler.vanityDomain === undefined) {
            problems.push(
                "zscalerVanityDomain: missing; the MCP server needs it. Run: pulumi config set zscalerVanityDomain <domain>",
            );
        }
    }
    const recoveryWindowDays = int("secretRecoveryDays", 0, 30) ?? DEFAULTS.secretRecoveryDays;
    if (recoveryWindowDays > 0 && recoveryWindowDays < 7) {
        problems.push("secretRecoveryDays: must be 0 (delete at once) or from 7 to 30 days.");
    }

    // Image
    const imageUri = str("imageUri") ?? DEFAULTS.imageUri;
    if (!PATTERNS.imageRef.test(imageUri)) {
        problems.push(
            `imageUri: "${imageUri}" is not a container image reference (registry/repository:tag or @sha256:digest).`,
        );
    } else if (topology === "gateway") {
        if (!PATTERNS.runtimeContainerUri.test(imageUri)) {
            problems.push(`imageUri: AgentCore Runtime runs images from Amazon ECR or public.ecr.aws only; "${imageUri}" is neither.`);
        } else {
            const regionProblem = imageRegionProblem(imageUri, region);
            if (regionProblem) {
                problems.push(regionProblem);
            }
        }
    }

    // Model and harness
    const modelId = str("modelId") ?? DEFAULTS.modelId;
    const modelMaxTokens = int("modelMaxTokens", 1, 1_000_000) ?? DEFAULTS.modelMaxTokens;
    let temperature: number = DEFAULTS.temperature;
    const rawTemp = str("temperature");
    if (rawTemp !== undefined) {
        const t = Number(rawTemp);
        if (!Number.isFinite(t) || t < 0 || t > 2) {
            problems.push(`temperature: "${rawTemp}" must be a number from 0 to 2.`);
        } else {
            temperature = t;
        }
    }
    const systemPrompt = raw.get("systemPrompt")?.trim() || DEFAULT_SYSTEM_PROMPT;
    const maxIterations = int("maxIterations", 1, 1000, true);
    const timeoutSeconds = int("timeoutSeconds", 1, 28_800, true);

    // ECS service
    const existingClusterName = str("ecsClusterName");
    if (existingClusterName !== undefined && !/^[a-zA-Z0-9_-]{1,255}$/.test(existingClusterName)) {
        problems.push(`ecsClusterName: "${existingClusterName}" is not an ECS cluster name (letters, digits, hyphens, underscores).`);
    }
    const cpu = str("ecsCpu") ?? DEFAULTS.ecsCpu;
    if (!["256", "512", "1024", "2048", "4096", "8192", "16384"].includes(cpu)) {
        problems.push(`ecsCpu: "${cpu}" must be one of 256, 512, 1024, 2048, 4096, 8192, 16384 (CPU units).`);
    }
    const memory = str("ecsMemory") ?? DEFAULTS.ecsMemory;
    if (!/^\d+$/.test(memory) || Number(memory) < 512 || Number(memory) > 122_880) {
        problems.push(`ecsMemory: "${memory}" must be the memory in MiB, from 512 to 122880.`);
    }
    const hostValidation = oneOf<HostValidation>("hostValidation", ["auto", "disabled"], "auto");
    const allowedHosts = list("allowedHosts");
    for (const h of allowedHosts) {
        if (!PATTERNS.allowedHost.test(h)) {
            problems.push(`allowedHosts: "${h}" is not a host entry (host, host:port, host:* or *).`);
        }
    }
    const containerEnv: Record<string, string> = {};
    for (const entry of list("containerEnv")) {
        const eq = entry.indexOf("=");
        const key = eq > 0 ? entry.slice(0, eq) : entry;
        if (eq <= 0 || !PATTERNS.containerEnvKey.test(key)) {
            problems.push(
                `containerEnv: "${key}" must be KEY=VALUE with a key starting ZSCALER_, FASTMCP_ or MCP_ (upper case).`,
            );
            continue;
        }
        if (CREDENTIAL_ENV_KEYS.includes(key)) {
            problems.push(
                `containerEnv: ${key} is a credential; set it with the zscaler* config keys so it is kept secret, not in containerEnv.`,
            );
            continue;
        }
        containerEnv[key] = entry.slice(eq + 1);
    }
    if (
        containerEnv.ZSCALER_MCP_DISABLE_HOST_VALIDATION !== undefined &&
        /^(1|true|yes)$/i.test(containerEnv.ZSCALER_MCP_DISABLE_HOST_VALIDATION) &&
        hostValidation === "auto"
    ) {
        problems.push(
            "containerEnv: ZSCALER_MCP_DISABLE_HOST_VALIDATION contradicts hostValidation auto. Run: pulumi config set hostValidation disabled",
        );
    }
    if (containerEnv.ZSCALER_MCP_ALLOWED_HOSTS !== undefined) {
        problems.push("containerEnv: set ZSCALER_MCP_ALLOWED_HOSTS through the allowedHosts list; the service's own address is added to it.");
    }

    // Retain on destroy
    const retain = Object.fromEntries(RETAIN_PARTS.map((p) => [p, false])) as Record<RetainPart, boolean>;
    for (const part of list("retain")) {
        if ((RETAIN_PARTS as readonly string[]).includes(part)) {
            retain[part as RetainPart] = true;
        } else {
            problems.push(`retain: "${part}" is not one of ${RETAIN_PARTS.join(", ")}.`);
        }
    }

    if (problems.length > 0) {
        throw new SettingsError(problems);
    }

    const tags: Record<string, string> = {
        "managed-by": "zscaler-mcp-harness",
        integration: "harness",
        // Ownership: a resource carrying both is this stack's own (the providers adopt it after an
        // interrupted deploy; anything else of the same name is refused).
        "pulumi-project": ctx.project,
        "pulumi-stack": ctx.stack,
    };
    if (topology === "gateway") {
        tags.topology = "gateway";
    }

    return {
        project: ctx.project,
        stack: ctx.stack,
        region,
        topology,
        names,
        model: { modelId, maxTokens: modelMaxTokens, temperature },
        harness: { systemPrompt, maxIterations, timeoutSeconds },
        zscaler,
        secrets: { mode: secretsMode, externalSecretName, recoveryWindowDays },
        mcpUrl,
        imageUri,
        ecs: { existingClusterName, cpu, memory, hostValidation, allowedHosts, containerEnv },
        retain,
        tags,
        warnings,
    };
}
