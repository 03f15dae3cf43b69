/**
 * Turns the stack's configuration into a typed, validated settings object.
 *
 * Pure: no Pulumi imports. `index.ts` hands it a small reader over `pulumi.Config`; tests hand it a
 * plain object. Every problem is collected and reported at once, each naming the config key, the
 * value (never a secret's) and the fix, so a user never fixes one error only to meet the next on
 * the following `pulumi up`.
 */
import { isSigV4RuntimeUrl, normalizeMcpUrl } from "./mcpUrl";
import { RECOMMENDED_SERVER_VERSION, serverImageProblem } from "./serverImage";

export type Topology = "ecs" | "gateway";
export type SecretsMode = "managed" | "external" | "plaintext";
export type HostValidation = "auto" | "disabled";
export const RETAIN_PARTS = ["roles", "ecs", "secret", "cognito", "runtime"] as const;
export type RetainPart = (typeof RETAIN_PARTS)[number];

/**
 * Settings that make the MCP server weaker than this program runs it. Each is refused unless
 * `acknowledgeRisks` names it; then every `pulumi up` warns.
 */
export const RISKS = {
    "auth-off": "would turn off the MCP server's own authentication, so anyone who reaches the endpoint could call it",
    "any-host": "would let the server answer any Host header, without its DNS-rebinding guard",
    "write-tools": "would let the agent create, change and delete Zscaler configuration",
    "listen-override": "would move the server off the address and port the load balancer and AgentCore Runtime call",
} as const;
export type Risk = keyof typeof RISKS;

/** What an acknowledged risk means for the running server, for the warning every `pulumi up` prints. */
const RISK_IN_EFFECT: Record<Risk, string> = {
    "auth-off": "the MCP server's own authentication is off: anyone who reaches the endpoint can call it",
    "any-host": "the server answers any Host header, without its DNS-rebinding guard",
    "write-tools": "the agent can create, change and delete Zscaler configuration",
    "listen-override": "the server listens on another address or port than the load balancer and AgentCore Runtime call",
};

/** Read access to the project's config namespace. */
export interface RawConfig {
    /** The raw value of a project config key (lists arrive as JSON text), or undefined. */
    get(key: string): string | undefined;
    /** True when the key was stored with `pulumi config set --secret`. */
    isSecret(key: string): boolean;
    /** Every key set in the project's namespace, without the `<project>:` prefix. */
    keys?(): string[];
}

export interface SettingsContext {
    project: string;
    stack: string;
    /** `aws:region`, when set. */
    region?: string;
    /** The tags of `aws:defaultTags`, when set: every resource carries them, under its own. */
    defaultTags?: Record<string, string>;
}

export const DEFAULTS = {
    region: "us-east-1",
    imageUri: `709825985650.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server:${RECOMMENDED_SERVER_VERSION}-bedrock`,
    modelId: "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    modelMaxTokens: 8192,
    temperature: 0.2,
    ecsCpu: "1024",
    ecsMemory: "2048",
    containerPort: 8000,
    containerHost: "0.0.0.0",
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
    secrets: {
        mode: SecretsMode;
        externalSecretName?: string;
        recoveryWindowDays: number;
        /** Changing it writes the Token Vault entry again (AWS never returns it, so its drift cannot be seen). */
        tokenVaultRevision?: string;
    };
    /** Whether `pulumi up` ends by calling the server as the harness does (initialize, tools/list). */
    verifyTools: boolean;
    /** A user-supplied MCP URL, normalised; when set the stack deploys no server. */
    mcpUrl?: string;
    /** Whether the stack runs the MCP server itself (gateway, or ecs without mcpUrl). */
    deploysServer: boolean;
    imageUri: string;
    ecs: {
        existingClusterName?: string;
        cpu: string;
        memory: string;
        hostValidation: HostValidation;
        allowedHosts: string[];
        containerEnv: Record<string, string>;
    };
    /** The weaker server settings the user acknowledged (each also produces a warning). */
    acknowledgedRisks: Risk[];
    retain: Record<RetainPart, boolean>;
    /** What destroy leaves in the account: each retained part together with what it needs to keep working. */
    keep: KeepOnDestroy;
    tags: Record<string, string>;
    /** Soft problems the program reports with `pulumi.log.warn`. */
    warnings: string[];
}

export interface KeepOnDestroy {
    harnessRole: boolean;
    /** The ECS task execution and infrastructure roles, with their policies. */
    serviceRoles: boolean;
    ecs: boolean;
    secret: boolean;
    cognito: boolean;
    runtime: boolean;
    runtimeRole: boolean;
    gatewayRole: boolean;
}

/**
 * A retained part keeps what it needs: the ECS service its roles and its secret; the runtime its
 * role, its secret and the Cognito pool its authorizer trusts.
 */
function keepOnDestroy(retain: Record<RetainPart, boolean>, topology: Topology): KeepOnDestroy {
    const ecs = topology === "ecs" && retain.ecs;
    const runtime = topology === "gateway" && retain.runtime;
    return {
        harnessRole: retain.roles,
        serviceRoles: retain.roles || ecs,
        ecs: retain.ecs,
        secret: retain.secret || ecs || runtime,
        cognito: retain.cognito || runtime,
        runtime: retain.runtime,
        runtimeRole: retain.roles || runtime,
        gatewayRole: retain.roles,
    };
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
    // Bedrock's model identifier: vendor.model[:version[:variant]], lower case.
    foundationModelId: /^[a-z0-9-]{1,63}\.[a-z0-9-]{2,63}(:[a-z0-9-]{1,63}){0,2}$/,
    // Secrets Manager: a name, or the ARN of a secret.
    secretName: /^[A-Za-z0-9/_+=.@-]{1,512}$/,
    secretArn: /^arn:aws(-[a-z]+)*:secretsmanager:([a-z0-9-]+):(\d{12}):secret:[A-Za-z0-9/_+=.@-]{1,512}$/,
    // Zscaler OneAPI: a client id is sent as the user part of a Basic header, so no `:`.
    zscalerClientId: /^[\x21-\x39\x3b-\x7e]{1,256}$/,
    zscalerCustomerId: /^[A-Za-z0-9_-]{1,64}$/,
    // The vanity domain is one DNS label (acme for acme.zslogin.net).
    zscalerVanityDomain: /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/,
    zscalerCloud: /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,62}[A-Za-z0-9])?$/,
};

/** Limits AgentCore Runtime sets on a runtime's environment (its service model); ECS allows more. */
export const RUNTIME_ENV_LIMITS = { entries: 50, keyLength: 100, valueLength: 5000 } as const;
/** Variables the program sets itself on the runtime, at most (transport, host, port, HTTP, host check, secret or credentials). */
const PROGRAM_ENV_ENTRIES = 10;
export const MAX_CONTAINER_ENV = RUNTIME_ENV_LIMITS.entries - PROGRAM_ENV_ENTRIES;
export const MAX_ALLOWED_HOSTS = 20;
export const MAX_MCP_URL_LENGTH = 2048;
export const MAX_SYSTEM_PROMPT_LENGTH = 16_000;

/**
 * Geographies of Bedrock's system inference profiles: where each may be called from, and the
 * regions AWS routes its calls to (a global profile's foundation-model ARN may name no region).
 */
export const INFERENCE_GEOGRAPHIES = {
    us: { sources: (r: string) => /^us-(east|west)-\d$/.test(r), destinations: ["us-*"], example: "us-east-1" },
    eu: { sources: (r: string) => r.startsWith("eu-"), destinations: ["eu-*"], example: "eu-central-1" },
    apac: { sources: (r: string) => r.startsWith("ap-"), destinations: ["ap-*"], example: "ap-southeast-2" },
    jp: { sources: (r: string) => r === "ap-northeast-1" || r === "ap-northeast-3", destinations: ["ap-northeast-1", "ap-northeast-3"], example: "ap-northeast-1" },
    au: { sources: (r: string) => r === "ap-southeast-2" || r === "ap-southeast-4", destinations: ["ap-southeast-2", "ap-southeast-4"], example: "ap-southeast-2" },
    global: { sources: () => true, destinations: ["*", ""], example: "us-east-1" },
} as const;
export type Geography = keyof typeof INFERENCE_GEOGRAPHIES;

export type ModelRef =
    | { kind: "foundation-model"; modelId: string }
    | { kind: "inference-profile"; profileId: string; geography: Geography; modelId: string };

/** A Bedrock model id or system inference profile id (`<geography>.<model id>`), or undefined. */
export function parseModelId(id: string): ModelRef | undefined {
    const dot = id.indexOf(".");
    const prefix = id.slice(0, dot);
    if (dot > 0 && prefix in INFERENCE_GEOGRAPHIES) {
        const modelId = id.slice(dot + 1);
        // Inference profile ids are at most 64 characters.
        return id.length <= 64 && PATTERNS.foundationModelId.test(modelId)
            ? { kind: "inference-profile", profileId: id, geography: prefix as Geography, modelId }
            : undefined;
    }
    return PATTERNS.foundationModelId.test(id) ? { kind: "foundation-model", modelId: id } : undefined;
}

/** Parsed ECR image reference, or undefined for images outside ECR. */
export function parseEcrImage(
    imageUri: string,
): { account: string; region: string; repository: string; reference: { imageTag: string } | { imageDigest: string } } | undefined {
    const m = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\/([^@]+)(?:@(.+))?$/.exec(imageUri);
    if (!m) {
        return undefined;
    }
    const path = m[4];
    const tag = path.indexOf(":", path.lastIndexOf("/"));
    return {
        account: m[1],
        region: m[2],
        repository: tag >= 0 ? path.slice(0, tag) : path,
        // A digest names the image exactly; a tag (latest when none is given) names what it points to now.
        reference: m[5] !== undefined ? { imageDigest: m[5] } : { imageTag: tag >= 0 ? path.slice(tag + 1) : "latest" },
    };
}

/**
 * AgentCore Runtime pulls only from ECR in its own region. Returns the problem (with the copy
 * commands) or undefined when the image can run in `region`.
 */
export function imageRegionProblem(imageUri: string, region: string, show: (text: string) => string = (t) => t): string | undefined {
    const ecr = parseEcrImage(imageUri);
    if (!ecr || ecr.region === region) {
        return undefined;
    }
    const repoAndTag = imageUri.slice(imageUri.indexOf("/") + 1);
    const target = show(`<your-account-id>.dkr.ecr.${region}.amazonaws.com/${repoAndTag}`);
    const source = show(imageUri);
    const from = show(ecr.region);
    return (
        `imageUri: the image is in ECR region ${from}, but AgentCore Runtime only runs images from ` +
        `the deploy region ${region}. Copy it into your own registry in ${region}:\n` +
        `      aws ecr get-login-password --region ${from} | docker login --username AWS --password-stdin ${show(`${ecr.account}.dkr.ecr.${ecr.region}.amazonaws.com`)}\n` +
        `      docker pull ${source}\n` +
        `      aws ecr create-repository --region ${region} --repository-name ${show(ecr.repository)}\n` +
        `      docker tag ${source} ${target}\n` +
        `      docker push ${target}\n` +
        `    then run: pulumi config set imageUri ${target}\n` +
        `    (or deploy in ${from}: pulumi config set aws:region ${from})`
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
    "acknowledgeRisks",
    "apiKeyProviderName",
    "runtimeName",
    "gatewayName",
    "oauthProviderName",
    "cognitoDomainPrefix",
    "tokenVaultRevision",
    "verifyTools",
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

/** Fargate's CPU units and the memory sizes (MiB) each offers. */
export const FARGATE_SIZES: Record<string, { from: number; to: number; step: number } | number[]> = {
    "256": [512, 1024, 2048],
    "512": { from: 1024, to: 4096, step: 1024 },
    "1024": { from: 2048, to: 8192, step: 1024 },
    "2048": { from: 4096, to: 16384, step: 1024 },
    "4096": { from: 8192, to: 30720, step: 1024 },
    "8192": { from: 16384, to: 61440, step: 4096 },
    "16384": { from: 32768, to: 122880, step: 8192 },
};

function fargateOffers(cpu: string, memory: number): boolean {
    const sizes = FARGATE_SIZES[cpu];
    return Array.isArray(sizes) ? sizes.includes(memory) : memory >= sizes.from && memory <= sizes.to && (memory - sizes.from) % sizes.step === 0;
}

function fargateSizesText(cpu: string): string {
    const sizes = FARGATE_SIZES[cpu];
    return Array.isArray(sizes) ? `${sizes.slice(0, -1).join(", ")} or ${sizes[sizes.length - 1]}` : `${sizes.from} to ${sizes.to} in steps of ${sizes.step}`;
}

/** True when `v` holds a C0 control character or DEL (line breaks, tabs, NUL, escapes), except those in `allowed`. */
function hasControl(v: string, allowed = ""): boolean {
    for (const ch of v) {
        const c = ch.charCodeAt(0);
        if ((c < 0x20 || c === 0x7f) && !allowed.includes(ch)) {
            return true;
        }
    }
    return false;
}

/**
 * A value as shown in a message: quoted, control characters escaped, long ones cut short; marked
 * so that `withoutSecretValues` can hide it when the key the message is about is a secret.
 */
function shown(v: string): string {
    return hidable(v.length > 80 ? `${JSON.stringify(`${v.slice(0, 60)}…`)} (${v.length} characters)` : JSON.stringify(v));
}

/** A value in a message as it is, marked as `shown` marks it (a marker inside it is escaped). */
function hidable(text: string): string {
    return `\uE000${text.replace(/[\uE000\uE001]/g, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase()}`)}\uE001`;
}

/** A message as the user reads it: the values it quotes, unless its key was set with --secret. */
function withoutSecretValues(message: string, raw: RawConfig): string {
    const key = /^(\w+(?::\w+)?):? /.exec(message)?.[1];
    const hide = key !== undefined && raw.isSecret(key);
    return message.replace(/\uE000([^\uE001]*)\uE001/g, (_, text: string) => (hide ? "(secret value not shown)" : text));
}

function editDistance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        let diagonal = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const above = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
            diagonal = above;
        }
    }
    return row[b.length];
}

/** The closest of `candidates` to `word`, when it is close enough to be a misspelling. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
    const w = word.toLowerCase();
    let best: { c: string; d: number } | undefined;
    for (const c of candidates) {
        const d = editDistance(w, c.toLowerCase());
        if (!best || d < best.d) {
            best = { c, d };
        }
    }
    return best && best.d <= Math.max(2, Math.floor(word.length / 3)) ? best.c : undefined;
}

const TRUE = /^(1|true|yes|on)$/i;
const FALSE = /^(0|false|no|off)$/i;

/** Why an MCP URL cannot be used, or its normalised form. */
function checkMcpUrl(raw: string): { url: string; sigV4: boolean } | { problem: string } {
    const fix = "Run: pulumi config set mcpUrl https://<host>/mcp";
    if (raw.length > MAX_MCP_URL_LENGTH) {
        return { problem: `mcpUrl: ${shown(raw)} is longer than ${MAX_MCP_URL_LENGTH} characters. ${fix}` };
    }
    if (/\s/.test(raw) || hasControl(raw) || raw.includes("\\")) {
        return { problem: `mcpUrl: ${shown(raw)} contains a space, line break, control character or backslash; a URL has none. ${fix}` };
    }
    if (!/^https:\/\//i.test(raw)) {
        return { problem: `mcpUrl: ${shown(raw)} must be an https:// URL; Harness calls remote MCP servers over HTTPS only.` };
    }
    let url: URL;
    try {
        url = new URL(raw);
    } catch {
        return { problem: `mcpUrl: ${shown(raw)} is not a valid URL. ${fix}` };
    }
    const authority = raw.slice("https://".length).split(/[/?#]/)[0];
    if (authority.includes("@")) {
        return {
            problem:
                `mcpUrl: ${shown(raw)} carries a user name or password before "@"; the harness sends the Zscaler ` +
                `credentials from the Token Vault, never in the URL. ${fix}`,
        };
    }
    if (raw.includes("?") || raw.includes("#")) {
        return {
            problem: `mcpUrl: ${shown(raw)} has a query string or fragment; the program appends /mcp to the path, so give the server's address alone. ${fix}`,
        };
    }
    const host = url.hostname;
    if (/^\d+(\.\d+){3}$/.test(host) || host.startsWith("[")) {
        return { problem: `mcpUrl: ${shown(raw)} names its server by IP address; use the DNS name its HTTPS certificate is issued for. ${fix}` };
    }
    const labels = host.split(".");
    if (labels.length < 2 || /^(localhost|local|internal|localdomain)$/.test(labels[labels.length - 1]) || labels.some((l) => !/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(l))) {
        return {
            problem: `mcpUrl: ${shown(raw)} does not name a public DNS host (dot-separated labels of letters, digits and hyphens); Harness calls it from AWS. ${fix}`,
        };
    }
    const path = raw.slice("https://".length + authority.length);
    if (!/^[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/.test(path.replace(/%[0-9A-Fa-f]{2}/g, ""))) {
        return { problem: `mcpUrl: ${shown(raw)} has characters a URL path may not hold unencoded. ${fix}` };
    }
    const normalized = normalizeMcpUrl(`https://${url.host}${url.pathname}`);
    if (normalized.length > MAX_MCP_URL_LENGTH) {
        return { problem: `mcpUrl: ${shown(raw)} is longer than ${MAX_MCP_URL_LENGTH} characters once /mcp is appended. ${fix}` };
    }
    let decodedPath = url.pathname;
    try {
        decodedPath = decodeURIComponent(url.pathname);
    } catch {
        // undecodable escapes: checked as written
    }
    return { url: normalized, sigV4: isSigV4RuntimeUrl(`https://${host}${decodedPath.toLowerCase()}`) };
}

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
            problems.push(`${key}: ${shown(v)} is not one of ${allowed.join(", ")}. Run: pulumi config set ${key} ${dflt}`);
            return dflt;
        }
        return v as T;
    };
    const int = (key: string, min: number, max: number, zeroMeansUnset = false): number | undefined => {
        const v = str(key);
        if (v === undefined || (zeroMeansUnset && v === "0")) {
            return undefined;
        }
        // Decimal digits only: Number() would also read 0x10, 1e3, 0b1 and " 12 ".
        const n = /^(0|-?[1-9][0-9]{0,15})$/.test(v) ? Number(v) : NaN;
        if (!Number.isSafeInteger(n) || n < min || n > max) {
            const range = zeroMeansUnset ? `0 (the service default) or a whole number from ${min} to ${max}` : `a whole number from ${min} to ${max}`;
            problems.push(`${key}: ${shown(v)} must be ${range}, in decimal digits. Run: pulumi config set ${key} <number>`);
            return undefined;
        }
        return n;
    };
    const bool = (key: string, dflt = false): boolean => {
        const v = str(key);
        if (v === undefined) {
            return dflt;
        }
        if (!/^(true|false)$/i.test(v)) {
            problems.push(`${key}: ${shown(v)} must be true or false. Run: pulumi config set ${key} ${dflt}`);
            return dflt;
        }
        return v.toLowerCase() === "true";
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
            problems.push(`${key}: ${shown(v)} is not a valid name (${rule}).`);
        }
        return v;
    };
    const matches = (key: string, pattern: RegExp, rule: string, example: string): string | undefined => {
        const v = str(key);
        if (v !== undefined && !pattern.test(v)) {
            problems.push(`${key}: ${shown(v)} must be ${rule}. Run: pulumi config set ${key} ${example}`);
        }
        return v;
    };

    // Keys this program does not read: most often a misspelling that would be silently ignored.
    for (const key of raw.keys?.() ?? []) {
        if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
            const guess = closest(key, CONFIG_KEYS);
            const value = raw.isSecret(key) ? "(secret value not shown)" : shown(raw.get(key) ?? "");
            problems.push(
                `${key}: ${value} is not a setting of this program` +
                    (guess ? `; did you mean ${guess}? Run: pulumi config rm ${key}, then set ${guess}` : `. Run: pulumi config rm ${key}`) +
                    " (the README's configuration reference lists every key).",
            );
        }
    }

    // Region and topology
    const region = ctx.region?.trim() || DEFAULTS.region;
    if (!PATTERNS.region.test(region)) {
        problems.push(`aws:region: ${shown(region)} is not an AWS region. Run: pulumi config set aws:region us-east-1`);
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
                `cognitoDomainPrefix: ${shown(domainPrefix)} must be 1-63 lowercase letters, digits and hyphens, ` +
                    `not start or end with a hyphen, and not contain "aws", "amazon" or "cognito". Run: pulumi config set cognitoDomainPrefix <unique prefix>`,
            );
        }
        names.cognitoDomainPrefix = domainPrefix;
    }

    // MCP URL (bring your own server)
    let mcpUrl: string | undefined;
    const rawUrl = str("mcpUrl");
    const allowSigV4 = bool("allowSigV4McpUrl");
    if (rawUrl !== undefined) {
        if (topology === "gateway") {
            problems.push(
                "mcpUrl: a user-supplied MCP URL applies to topology ecs only; the gateway topology runs its own server. " +
                    "Run: pulumi config rm mcpUrl (or pulumi config set topology ecs)",
            );
        }
        const checked = checkMcpUrl(rawUrl);
        if ("problem" in checked) {
            problems.push(checked.problem);
        } else {
            mcpUrl = checked.url;
            if (checked.sigV4) {
                const why =
                    "is an AgentCore Runtime endpoint that accepts only SigV4-signed calls; remote_mcp sends static " +
                    "headers, so every invocation would get HTTP 403. Use topology gateway to reach a Runtime";
                if (allowSigV4) {
                    warnings.push(`mcpUrl ${why}. Deploying anyway because allowSigV4McpUrl is true.`);
                } else {
                    problems.push(`mcpUrl: ${hidable(mcpUrl)} ${why}, or set allowSigV4McpUrl true to deploy the harness anyway.`);
                }
            }
        }
    }
    const deploysServer = topology === "gateway" || rawUrl === undefined;

    // Zscaler credentials and where they live
    const secretsMode = oneOf<SecretsMode>("secretsMode", ["managed", "external", "plaintext"], "managed");
    const externalSecretName = str("zscalerSecretName");
    if (secretsMode === "external" && externalSecretName === undefined && deploysServer) {
        problems.push(
            "zscalerSecretName: secretsMode external needs the name or ARN of an existing Secrets Manager secret. " +
                "Run: pulumi config set --plaintext zscalerSecretName <name or ARN>",
        );
    }
    if (externalSecretName !== undefined) {
        const arn = PATTERNS.secretArn.exec(externalSecretName);
        if (externalSecretName.startsWith("arn:") ? !arn : !PATTERNS.secretName.test(externalSecretName)) {
            problems.push(
                `zscalerSecretName: ${shown(externalSecretName)} is neither a Secrets Manager secret name (1-512 letters, digits ` +
                    `and / _ + = . @ -) nor a secret's ARN. Run: pulumi config set --plaintext zscalerSecretName <name or ARN>`,
            );
        } else if (arn && arn[2] !== region) {
            problems.push(
                `zscalerSecretName: ${shown(externalSecretName)} is in ${hidable(arn[2])}, but the stack deploys to ${region} and reads ` +
                    `secrets through Secrets Manager there. Replicate the secret to ${region} and name that copy.`,
            );
        }
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
        clientId: matches(
            "zscalerClientId",
            PATTERNS.zscalerClientId,
            'at most 256 printable characters without spaces or ":" (the Basic header separates id and secret with ":")',
            "<client id>",
        ),
        clientSecret: str("zscalerClientSecret"),
        customerId: matches("zscalerCustomerId", PATTERNS.zscalerCustomerId, "1-64 letters, digits, hyphens or underscores", "<customer id>"),
        vanityDomain: matches(
            "zscalerVanityDomain",
            PATTERNS.zscalerVanityDomain,
            "one DNS label of letters, digits and inner hyphens (acme for acme.zslogin.net)",
            "<vanity domain>",
        ),
        cloud: matches("zscalerCloud", PATTERNS.zscalerCloud, "a Zscaler cloud name: letters, digits, dots and hyphens, at most 64", "production"),
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
    if (zscaler.clientSecret !== undefined) {
        if (!raw.isSecret("zscalerClientSecret")) {
            problems.push(
                "zscalerClientSecret: stored as plaintext in the stack file. Store it encrypted: " +
                    "pulumi config set --secret zscalerClientSecret <client secret>",
            );
        } else if (hasControl(zscaler.clientSecret) || zscaler.clientSecret.length > 2048) {
            // Never shown: only what is wrong with it.
            problems.push(
                "zscalerClientSecret: (value not shown) contains a line break or another control character, or is longer than " +
                    "2048 characters. Set it again: pulumi config set --secret zscalerClientSecret <client secret>",
            );
        }
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
        problems.push(
            `secretRecoveryDays: ${recoveryWindowDays} must be 0 (delete at once) or from 7 to 30 days. Run: pulumi config set secretRecoveryDays 7`,
        );
    }

    // Image
    const imageUri = str("imageUri") ?? DEFAULTS.imageUri;
    if (imageUri.length > 1024 || !PATTERNS.imageRef.test(imageUri)) {
        problems.push(
            `imageUri: ${shown(imageUri)} is not a container image reference (registry/repository:tag or @sha256:digest, ` +
                `at most 1024 characters). Run: pulumi config set imageUri ${DEFAULTS.imageUri}`,
        );
    } else {
        // A release that cannot serve the topology is refused before anything exists.
        const versionProblem = deploysServer ? serverImageProblem(imageUri, topology, DEFAULTS.imageUri, hidable) : undefined;
        if (versionProblem) {
            problems.push(versionProblem);
        }
    }
    if (topology === "gateway" && imageUri.length <= 1024 && PATTERNS.imageRef.test(imageUri)) {
        if (!PATTERNS.runtimeContainerUri.test(imageUri)) {
            problems.push(
                `imageUri: AgentCore Runtime runs images from Amazon ECR or public.ecr.aws only; ${shown(imageUri)} is neither. ` +
                    "Push the image to ECR in the deploy region and set imageUri to it.",
            );
        } else {
            const regionProblem = imageRegionProblem(imageUri, region, hidable);
            if (regionProblem) {
                problems.push(regionProblem);
            }
        }
    }

    // Model and harness
    const modelId = str("modelId") ?? DEFAULTS.modelId;
    const model = parseModelId(modelId);
    const prefix = /^([a-z-]{2,8})\.[^.]+\.[^.]+$/.exec(modelId)?.[1];
    if (!model && prefix !== undefined && !(prefix in INFERENCE_GEOGRAPHIES)) {
        problems.push(
            `modelId: ${shown(modelId)} starts with ${shown(`${prefix}.`)}, which is not an inference profile geography this program ` +
                `knows (${Object.keys(INFERENCE_GEOGRAPHIES).join(", ")}). Run: pulumi config set modelId ${DEFAULTS.modelId}`,
        );
    } else if (!model) {
        problems.push(
            `modelId: ${shown(modelId)} is neither a Bedrock model id (vendor.model[:version], lower case, e.g. ` +
                `anthropic.claude-sonnet-4-5-20250929-v1:0) nor an inference profile id (${Object.keys(INFERENCE_GEOGRAPHIES).join(", ")} ` +
                `and a dot before a model id, at most 64 characters). Run: pulumi config set modelId ${DEFAULTS.modelId}`,
        );
    } else if (model.kind === "inference-profile" && PATTERNS.region.test(region) && !INFERENCE_GEOGRAPHIES[model.geography].sources(region)) {
        problems.push(
            `modelId: ${shown(modelId)} is an inference profile of geography ${model.geography}, which cannot be called from ${region}. ` +
                `Use a profile of the deploy region's geography, or ${hidable(`global.${model.modelId}`)}: pulumi config set modelId ${hidable(`global.${model.modelId}`)}`,
        );
    }
    const modelMaxTokens = int("modelMaxTokens", 1, 1_000_000) ?? DEFAULTS.modelMaxTokens;
    let temperature: number = DEFAULTS.temperature;
    const rawTemp = str("temperature");
    if (rawTemp !== undefined) {
        const t = /^\d+(\.\d+)?$/.test(rawTemp) ? Number(rawTemp) : NaN;
        if (!Number.isFinite(t) || t < 0 || t > 2) {
            problems.push(`temperature: ${shown(rawTemp)} must be a number from 0 to 2 in decimal notation. Run: pulumi config set temperature 0.2`);
        } else {
            temperature = t;
        }
    }
    let systemPrompt = DEFAULT_SYSTEM_PROMPT;
    const rawPrompt = raw.get("systemPrompt")?.trim();
    if (rawPrompt) {
        if (rawPrompt.length > MAX_SYSTEM_PROMPT_LENGTH) {
            problems.push(
                `systemPrompt: ${shown(rawPrompt)} is longer than ${MAX_SYSTEM_PROMPT_LENGTH} characters. Shorten it, ` +
                    "or run pulumi config rm systemPrompt for the default prompt.",
            );
        } else if (hasControl(rawPrompt, "\t\n\r")) {
            problems.push(
                `systemPrompt: ${shown(rawPrompt)} contains a control character other than tab and line break. Remove it, ` +
                    "or run pulumi config rm systemPrompt for the default prompt.",
            );
        } else {
            systemPrompt = rawPrompt;
        }
    }
    const maxIterations = int("maxIterations", 1, 1000, true);
    const timeoutSeconds = int("timeoutSeconds", 1, 28_800, true);

    // ECS service
    const existingClusterName = str("ecsClusterName");
    if (existingClusterName !== undefined && !/^[a-zA-Z0-9_-]{1,255}$/.test(existingClusterName)) {
        problems.push(
            `ecsClusterName: ${shown(existingClusterName)} is not an ECS cluster name (1-255 letters, digits, hyphens, underscores). ` +
                "Run: pulumi config set ecsClusterName <cluster>",
        );
    }
    const cpu = str("ecsCpu") ?? DEFAULTS.ecsCpu;
    const memory = str("ecsMemory") ?? DEFAULTS.ecsMemory;
    const cpuOk = cpu in FARGATE_SIZES;
    if (!cpuOk) {
        problems.push(`ecsCpu: ${shown(cpu)} must be one of ${Object.keys(FARGATE_SIZES).join(", ")} (CPU units). Run: pulumi config set ecsCpu 1024`);
    }
    if (!/^[1-9][0-9]{0,6}$/.test(memory)) {
        problems.push(`ecsMemory: ${shown(memory)} must be the memory in MiB, in decimal digits. Run: pulumi config set ecsMemory 2048`);
    } else if (cpuOk && !fargateOffers(cpu, Number(memory))) {
        problems.push(
            `ecsMemory: ${shown(memory)} is not offered by Fargate with ecsCpu ${cpu}; choose ${fargateSizesText(cpu)} MiB. ` +
                `Run: pulumi config set ecsMemory ${Array.isArray(FARGATE_SIZES[cpu]) ? (FARGATE_SIZES[cpu] as number[])[0] : (FARGATE_SIZES[cpu] as { from: number }).from}`,
        );
    }

    // The server's own guards, and what the user acknowledged weakening
    const acknowledged: Risk[] = [];
    for (const r of list("acknowledgeRisks")) {
        if (r in RISKS) {
            acknowledged.push(r as Risk);
        } else {
            const guess = closest(r, Object.keys(RISKS));
            problems.push(
                `acknowledgeRisks: ${shown(r)} is not one of ${Object.keys(RISKS).join(", ")}` +
                    (guess ? `; did you mean ${guess}?` : ".") +
                    " Run: pulumi config set --path 'acknowledgeRisks[0]' <risk>",
            );
        }
    }
    // Each risk comes from one key: any-host from allowedHosts, the others from containerEnv.
    const weakened = new Map<Risk, string[]>();
    const weakens = (risk: Risk, setting: string) => weakened.set(risk, [...(weakened.get(risk) ?? []), shown(setting)]);

    const hostValidation = oneOf<HostValidation>("hostValidation", ["auto", "disabled"], "auto");
    const allowedHosts: string[] = [];
    const rawHosts = list("allowedHosts");
    if (rawHosts.length > MAX_ALLOWED_HOSTS) {
        problems.push(`allowedHosts: has ${rawHosts.length} entries; at most ${MAX_ALLOWED_HOSTS}. Remove some: pulumi config rm --path 'allowedHosts[<n>]'`);
    }
    for (const h of rawHosts) {
        const port = /:(\d+)$/.exec(h)?.[1];
        const hostPart = h.replace(/:(\d+|\*)$/, "");
        if (
            !PATTERNS.allowedHost.test(h) ||
            h.length > 260 ||
            (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) ||
            (!hostPart.startsWith("[") && hostPart !== "*" && hostPart.split(".").some((l) => !/^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/.test(l)))
        ) {
            problems.push(
                `allowedHosts: ${shown(h)} is not a host entry (host, host:port, host:* or *; ports 1-65535). ` +
                    "Run: pulumi config set --path 'allowedHosts[0]' <host>",
            );
            continue;
        }
        if (h === "*") {
            weakens("any-host", h);
        }
        if (!allowedHosts.includes(h)) {
            allowedHosts.push(h);
        }
    }

    const containerEnv: Record<string, string> = {};
    const envEntries = list("containerEnv");
    if (envEntries.length > MAX_CONTAINER_ENV) {
        problems.push(
            `containerEnv: has ${envEntries.length} entries; AgentCore Runtime takes ${RUNTIME_ENV_LIMITS.entries} variables and the program ` +
                `sets up to ${PROGRAM_ENV_ENTRIES}, so at most ${MAX_CONTAINER_ENV}. Remove some: pulumi config rm --path 'containerEnv[<n>]'`,
        );
    }
    for (const entry of envEntries) {
        const eq = entry.indexOf("=");
        const key = eq > 0 ? entry.slice(0, eq) : entry;
        const value = entry.slice(eq + 1);
        const setting = `${key}=${value}`;
        const remove = "Remove it: pulumi config rm --path 'containerEnv[<n>]'";
        if (eq <= 0 || !PATTERNS.containerEnvKey.test(key) || key.length > RUNTIME_ENV_LIMITS.keyLength) {
            problems.push(
                `containerEnv: ${shown(key)} must be KEY=VALUE with a key starting ZSCALER_, FASTMCP_ or MCP_ (upper case, ` +
                    `at most ${RUNTIME_ENV_LIMITS.keyLength} characters). ${remove}`,
            );
            continue;
        }
        if (CREDENTIAL_ENV_KEYS.includes(key)) {
            problems.push(
                `containerEnv: ${key} is a credential; set it with the zscaler* config keys so it is kept secret, not in containerEnv.`,
            );
            continue;
        }
        if (value.length > RUNTIME_ENV_LIMITS.valueLength || hasControl(value)) {
            problems.push(
                `containerEnv: ${key}=${shown(value)} must be one line of at most ${RUNTIME_ENV_LIMITS.valueLength} characters ` +
                    `without control characters (AgentCore Runtime's limit). ${remove}`,
            );
            continue;
        }
        if (key in containerEnv) {
            problems.push(`containerEnv: ${key} is set twice (${shown(containerEnv[key])} and ${shown(value)}). Keep one.`);
            continue;
        }
        switch (key) {
            case "ZSCALER_MCP_ALLOWED_HOSTS":
                problems.push("containerEnv: set ZSCALER_MCP_ALLOWED_HOSTS through the allowedHosts list; the service's own address is added to it.");
                continue;
            case "ZSCALER_SECRET_NAME":
                problems.push("containerEnv: ZSCALER_SECRET_NAME is set by the program from secretsMode. Use zscalerSecretName instead, and remove it from containerEnv.");
                continue;
            case "ZSCALER_MCP_ALLOW_HTTP":
                problems.push(
                    `containerEnv: ${key} is set by the program: TLS ends at the ${topology === "ecs" ? "load balancer" : "AgentCore Runtime"}, ` +
                        `so the server always listens on plain HTTP behind it. ${remove}`,
                );
                continue;
            case "ZSCALER_MCP_TRUST_PLATFORM_AUTH":
                problems.push(
                    topology === "ecs"
                        ? `containerEnv: ${key} would let anyone who reaches the public ECS endpoint call the server without ` +
                              `Zscaler credentials; it is never set on ECS. ${remove}`
                        : `containerEnv: ${key} is set by the program for the runtime, which only AgentCore can reach. ${remove}`,
                );
                continue;
            case "ZSCALER_MCP_TRANSPORT":
                if (value !== "streamable-http") {
                    problems.push(
                        `containerEnv: ZSCALER_MCP_TRANSPORT=${shown(value)} would stop the server speaking streamable-http, the only ` +
                            `transport the harness and AgentCore Runtime use. ${remove}`,
                    );
                    continue;
                }
                break;
            case "ZSCALER_MCP_AUTH_ENABLED":
            case "ZSCALER_MCP_WRITE_ENABLED":
            case "ZSCALER_MCP_DISABLE_HOST_VALIDATION":
                if (!TRUE.test(value) && !FALSE.test(value)) {
                    problems.push(`containerEnv: ${key}=${shown(value)} must be true or false. ${remove}`);
                    continue;
                }
                if (key === "ZSCALER_MCP_AUTH_ENABLED" && FALSE.test(value)) {
                    weakens("auth-off", setting);
                }
                if (key === "ZSCALER_MCP_WRITE_ENABLED" && TRUE.test(value)) {
                    weakens("write-tools", setting);
                }
                if (key === "ZSCALER_MCP_DISABLE_HOST_VALIDATION" && TRUE.test(value) && hostValidation === "auto") {
                    problems.push(
                        "containerEnv: ZSCALER_MCP_DISABLE_HOST_VALIDATION contradicts hostValidation auto. Run: pulumi config set hostValidation disabled",
                    );
                    continue;
                }
                break;
            case "ZSCALER_MCP_AUTH_MODE": {
                // The harness sends the Basic header from the Token Vault: in the ECS topology only
                // zscaler mode accepts it. Behind the gateway, AgentCore's JWT authorizer comes first.
                const modes = topology === "ecs" ? ["zscaler", "none"] : ["zscaler", "jwt", "api-key", "oidc", "none"];
                if (!modes.includes(value)) {
                    problems.push(
                        `containerEnv: ZSCALER_MCP_AUTH_MODE=${shown(value)} is not a mode the harness can call in topology ${topology} ` +
                            `(${modes.join(", ")}); the program runs the server in zscaler mode. ${remove}`,
                    );
                    continue;
                }
                if (value === "none") {
                    weakens("auth-off", setting);
                }
                break;
            }
            case "ZSCALER_MCP_WRITE_TOOLS":
                if (value.trim() !== "") {
                    weakens("write-tools", setting);
                }
                break;
            case "ZSCALER_MCP_HOST":
            case "FASTMCP_HOST":
                if (value !== DEFAULTS.containerHost) {
                    weakens("listen-override", setting);
                }
                break;
            case "ZSCALER_MCP_PORT":
            case "FASTMCP_PORT":
                if (!/^[1-9][0-9]{0,4}$/.test(value) || Number(value) > 65535) {
                    problems.push(`containerEnv: ${key}=${shown(value)} is not a port (1-65535 in decimal digits). ${remove}`);
                    continue;
                }
                if (Number(value) !== DEFAULTS.containerPort) {
                    weakens("listen-override", setting);
                }
                break;
        }
        containerEnv[key] = value;
    }

    let nextAck = acknowledged.length;
    for (const [risk, settings] of weakened) {
        const key = risk === "any-host" ? "allowedHosts" : "containerEnv";
        const what = settings.join(" and ");
        if (acknowledged.includes(risk)) {
            warnings.push(`${key} ${what}: ${RISK_IN_EFFECT[risk]} (acknowledged in acknowledgeRisks as ${risk}).`);
        } else {
            problems.push(
                `${key}: ${what} ${RISKS[risk]}. Remove ${settings.length === 1 ? "it" : "them"}, or accept the risk: ` +
                    `pulumi config set --path 'acknowledgeRisks[${nextAck++}]' ${risk}`,
            );
        }
    }
    for (const risk of acknowledged) {
        if (!weakened.has(risk)) {
            warnings.push(`acknowledgeRisks lists ${risk}, but no setting needs it. Remove it so a later change cannot use it unnoticed.`);
        }
    }
    if (topology === "ecs" && deploysServer && hostValidation === "disabled") {
        warnings.push(
            "hostValidation disabled: the MCP server answers any Host header on its public endpoint, without its DNS-rebinding guard.",
        );
        if (allowedHosts.length > 0) {
            warnings.push("allowedHosts is ignored because hostValidation is disabled.");
        }
    }

    const tokenVaultRevision = str("tokenVaultRevision");
    if (tokenVaultRevision !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(tokenVaultRevision)) {
        problems.push(
            `tokenVaultRevision: ${shown(tokenVaultRevision)} must be 1-64 letters, digits, dots, hyphens or underscores. Run: pulumi config set tokenVaultRevision 2`,
        );
    }

    // After each deploy, pulumi up calls the server as the harness does (providers/toolCheck.ts).
    const verifyTools = bool("verifyTools", true);

    // Retain on destroy
    const retain = Object.fromEntries(RETAIN_PARTS.map((p) => [p, false])) as Record<RetainPart, boolean>;
    for (const part of list("retain")) {
        if ((RETAIN_PARTS as readonly string[]).includes(part)) {
            retain[part as RetainPart] = true;
        } else {
            problems.push(`retain: ${shown(part)} is not one of ${RETAIN_PARTS.join(", ")}.`);
        }
    }

    if (problems.length > 0) {
        throw new SettingsError(problems.map((m) => withoutSecretValues(m, raw)));
    }

    const tags: Record<string, string> = {
        ...ctx.defaultTags,
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
        secrets: { mode: secretsMode, externalSecretName, recoveryWindowDays, tokenVaultRevision },
        verifyTools,
        mcpUrl,
        deploysServer,
        imageUri,
        ecs: { existingClusterName, cpu, memory, hostValidation, allowedHosts, containerEnv },
        acknowledgedRisks: acknowledged,
        retain,
        keep: keepOnDestroy(retain, topology),
        tags,
        warnings: warnings.map((m) => withoutSecretValues(m, raw)),
    };
}
