/**
 * The configuration keys of this program: one table, from which the settings module reads each
 * key's type, default, rule and fix, Pulumi.yaml's declarations are checked (tests/readme.test.ts)
 * and the README's configuration reference is generated (`npm run config-table`).
 *
 * A key with a simple rule (a pattern) carries it here and the generic reader applies it; a key
 * whose rule depends on other keys (mcpUrl, containerEnv, modelId, ...) is checked by its
 * section's validator, named in `section`. Pure: no Pulumi imports.
 */
import { FORMATS, NAME_RULES } from "../aws/names";
import { MARKETPLACE_IMAGE } from "../server/releases";

export type KeyType = "string" | "integer" | "boolean" | "array";
/** Which validator checks a key (config/<section>.ts). */
export type Section = "deployment" | "names" | "credentials" | "server" | "harness" | "iam" | "lifecycle";

export interface KeySpec {
    readonly section: Section;
    readonly type: KeyType;
    /** The default as Pulumi.yaml declares it ("" or 0 when the key has no default of its own). */
    readonly default: string | number | boolean | readonly string[];
    /** Pulumi.yaml's description, and the README's. */
    readonly description: string;
    /** Must be set with `pulumi config set --secret`: a plaintext value is refused. */
    readonly secret?: true;
    /** A simple rule: the pattern, and the rule as a message states it. */
    readonly rule?: { readonly re: RegExp; readonly text: string };
    /** The value a message's fix suggests (`pulumi config set <key> <fix>`). */
    readonly fix?: string;
}

export const KEYS = {
    topology: {
        section: "deployment",
        type: "string",
        default: "ecs",
        description:
            "Where the MCP server runs: ecs (ECS Express Mode, remote_mcp tool) or gateway (AgentCore Runtime behind an AgentCore Gateway, Cognito). Exactly one of the two, lower case.",
    },
    zscalerClientId: {
        section: "credentials",
        type: "string",
        default: "",
        rule: {
            re: /^[\x21-\x39\x3b-\x7e]{1,256}$/,
            text: 'at most 256 printable characters without spaces or ":" (the Basic header separates id and secret with ":")',
        },
        fix: "<client id>",
        description:
            'Zscaler OneAPI client id: at most 256 printable characters, no spaces and no ":" (it becomes the user part of a Basic header). Required, except for topology gateway with secretsMode external.',
    },
    zscalerClientSecret: {
        section: "credentials",
        type: "string",
        default: "",
        secret: true,
        description:
            "Zscaler OneAPI client secret, at most 2048 characters without line breaks or control characters. Set it with pulumi config set --secret: the program refuses a plaintext value and never prints it. Required, except for topology gateway with secretsMode external.",
    },
    zscalerCustomerId: {
        section: "credentials",
        type: "string",
        default: "",
        rule: { re: /^[A-Za-z0-9_-]{1,64}$/, text: "1-64 letters, digits, hyphens or underscores" },
        fix: "<customer id>",
        description:
            "Zscaler customer id: 1-64 letters, digits, hyphens or underscores. Required when the stack deploys the server and writes the secret (secretsMode managed or plaintext).",
    },
    zscalerVanityDomain: {
        section: "credentials",
        type: "string",
        default: "",
        rule: {
            re: /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/,
            text: "one DNS label of letters, digits and inner hyphens (acme for acme.zslogin.net)",
        },
        fix: "<vanity domain>",
        description:
            "Zscaler vanity domain: one DNS label of letters, digits and inner hyphens (acme for acme.zslogin.net). Required when the stack deploys the server and writes the secret (secretsMode managed or plaintext).",
    },
    zscalerCloud: {
        section: "credentials",
        type: "string",
        default: "",
        description:
            "Zscaler cloud of the OneAPI client, when not production: one of production, beta, alpha, zscalertwo, exactly so written (the server puts it into the host name of its token URL, <vanity>.zslogin<cloud>.net). Unset: production.",
    },
    secretsMode: {
        section: "credentials",
        type: "string",
        default: "managed",
        description:
            "Where the credentials live: managed (a Secrets Manager secret this stack owns), external (an existing secret, zscalerSecretName), plaintext (container environment; development only).",
    },
    zscalerSecretName: {
        section: "credentials",
        type: "string",
        default: "",
        description:
            "Name (1-512 letters, digits and / _ + = . @ -) or ARN of the existing Secrets Manager secret, for secretsMode external; an ARN must be in the deploy region. It is read, never written or deleted.",
    },
    secretRecoveryDays: {
        section: "credentials",
        type: "integer",
        default: 7,
        description: "Recovery window of the managed secret on destroy, 7-30 days; 0 deletes it at once. Decimal digits only.",
    },
    mcpUrl: {
        section: "server",
        type: "string",
        default: "",
        description:
            "An https:// URL of a Zscaler MCP server you run yourself (topology ecs), at most 2048 characters: a public DNS host (no IP address, localhost or single label; an internationalised one is warned about), optional port (1-65535) and path, no user name or password, query, fragment, spaces or control characters. /mcp is appended. When set, no ECS service and no secret are created.",
    },
    allowSigV4McpUrl: {
        section: "server",
        type: "boolean",
        default: false,
        description:
            "true to deploy even though mcpUrl is a SigV4-only AgentCore Runtime URL (recognised in any letter case; every call would get HTTP 403). true or false.",
    },
    imageUri: {
        section: "server",
        type: "string",
        default: `${MARKETPLACE_IMAGE}`,
        description:
            "Container image of the Zscaler MCP server: registry/repository:tag or @sha256:digest, at most 1024 characters. For topology gateway it must be in ECR (or public.ecr.aws) in the deploy region. A tag that names a server release must name 0.12.3 or newer for ecs and 0.15.0 or newer for gateway; 0.15.4 is tested with both (0.10.4 is refused).",
    },
    modelId: {
        section: "harness",
        type: "string",
        default: "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        description:
            "Bedrock model the harness uses: a model id (vendor.model[:version], lower case) or an inference profile id (us., eu., apac., jp., au. or global. before a model id, at most 64 characters) whose geography serves the deploy region. The harness role may call only this model.",
    },
    modelMaxTokens: {
        section: "harness",
        type: "integer",
        default: 8192,
        description: "Maximum tokens per model response, 1-1000000, in decimal digits.",
    },
    temperature: {
        section: "harness",
        type: "string",
        default: "0.2",
        description: "Model temperature, 0 to 2, in decimal notation (no exponent or hex).",
    },
    harnessName: {
        section: "names",
        type: "string",
        default: "",
        rule: { re: NAME_RULES.harness.re, text: `${NAME_RULES.harness.rule}, e.g. zscaler_mcp_harness` },
        description:
            "Harness name: a letter, then up to 39 letters, digits or underscores (no hyphens). Default: zscaler_mcp_harness_<stack>.",
    },
    systemPrompt: {
        section: "harness",
        type: "string",
        default: "",
        description:
            "System prompt of the harness: at most 16000 characters, no control characters other than tab and line breaks. Default: a Zscaler administration assistant prompt.",
    },
    maxIterations: {
        section: "harness",
        type: "integer",
        default: 0,
        description:
            "Maximum agent-loop iterations per invocation, 1-1000 in decimal digits; 0 keeps the service default (25). Raise it when invoke reports max_iterations_exceeded.",
    },
    timeoutSeconds: {
        section: "harness",
        type: "integer",
        default: 0,
        description: "Timeout of one invocation, 1-28800 seconds in decimal digits; 0 keeps the service default.",
    },
    ecsClusterName: {
        section: "server",
        type: "string",
        default: "",
        description:
            "An existing ECS cluster to run the service in (1-255 letters, digits, hyphens, underscores). It is never deleted by this stack. Default: a cluster owned by the stack, zscaler-mcp-<stack>.",
    },
    ecsServiceName: {
        section: "names",
        type: "string",
        default: "",
        rule: { re: NAME_RULES.ecsService.re, text: NAME_RULES.ecsService.rule },
        description:
            "ECS Express service name: a letter, then up to 254 letters, digits, hyphens or underscores. Default: zscaler-mcp-server-<stack>.",
    },
    ecsCpu: {
        section: "server",
        type: "string",
        default: "1024",
        description: "Fargate CPU units of the MCP server task: 256, 512, 1024, 2048, 4096, 8192 or 16384.",
    },
    ecsMemory: {
        section: "server",
        type: "string",
        default: "2048",
        description:
            "Memory of the MCP server task in MiB, in decimal digits, as Fargate offers it with ecsCpu: 256 takes 512, 1024 or 2048; 512 takes 1024-4096, 1024 takes 2048-8192, 2048 takes 4096-16384 and 4096 takes 8192-30720, in steps of 1024; 8192 takes 16384-61440 in steps of 4096; 16384 takes 32768-122880 in steps of 8192.",
    },
    hostValidation: {
        section: "server",
        type: "string",
        default: "auto",
        description:
            "auto: the service's own FQDN is added to the server's Host allow-list; disabled: the server checks no Host header (every up warns).",
    },
    allowedHosts: {
        section: "server",
        type: "array",
        default: [],
        description:
            "Extra Host header values the server accepts, besides its own FQDN and loopback: at most 20 entries of host, host:port (1-65535) or host:*. * (any host) is refused unless acknowledgeRisks lists any-host.",
    },
    containerEnv: {
        section: "server",
        type: "array",
        default: [],
        description:
            "Extra server settings as KEY=VALUE: at most 40 entries (AgentCore Runtime takes 50 variables), keys upper case starting ZSCALER_, FASTMCP_ or MCP_ (at most 100 characters, each once), values one line of at most 5000 characters. Not credentials or other secrets (the server's API key, TLS key password, request-state keys, or any name ending in _SECRET, _PASSWORD, _TOKEN or _API_KEY: they belong in a Secrets Manager secret), ZSCALER_SECRET_NAME, ZSCALER_MCP_ALLOWED_HOSTS or another transport. Turning authentication off or to none, enabling write tools, or moving the host or port is refused unless acknowledgeRisks names it.",
    },
    acknowledgeRisks: {
        section: "server",
        type: "array",
        default: [],
        description:
            "Weaker server settings you accept, by name: auth-off (ZSCALER_MCP_AUTH_ENABLED=false or ZSCALER_MCP_AUTH_MODE=none), any-host (allowedHosts *), write-tools (ZSCALER_MCP_WRITE_ENABLED, ZSCALER_MCP_WRITE_TOOLS), listen-override (ZSCALER_MCP_HOST/PORT, FASTMCP_HOST/PORT other than 0.0.0.0:8000). Every up warns about each one in use.",
    },
    apiKeyProviderName: {
        section: "names",
        type: "string",
        default: "",
        rule: { re: NAME_RULES.credentialProvider.re, text: NAME_RULES.credentialProvider.rule },
        description:
            "Token Vault API-key credential provider name (topology ecs): 1-128 letters, digits, hyphens or underscores. Default: zscaler-mcp-creds-<stack>.",
    },
    runtimeName: {
        section: "names",
        type: "string",
        default: "",
        rule: { re: NAME_RULES.runtime.re, text: NAME_RULES.runtime.rule },
        description:
            "AgentCore Runtime name (topology gateway): a letter, then up to 47 letters, digits or underscores. Default: zscaler_mcp_runtime_<stack>.",
    },
    gatewayName: {
        section: "names",
        type: "string",
        default: "",
        rule: { re: NAME_RULES.gateway.re, text: NAME_RULES.gateway.rule },
        description:
            "AgentCore Gateway name (topology gateway): letters and digits, single hyphens between them, at most 100 characters. Default: zscaler-mcp-gateway-<stack>.",
    },
    oauthProviderName: {
        section: "names",
        type: "string",
        default: "",
        rule: { re: NAME_RULES.credentialProvider.re, text: NAME_RULES.credentialProvider.rule },
        description:
            "Token Vault OAuth2 credential provider name (topology gateway): 1-128 letters, digits, hyphens or underscores. Default: zscaler-mcp-cognito-oauth-<stack>.",
    },
    cognitoDomainPrefix: {
        section: "names",
        type: "string",
        default: "",
        description:
            "Cognito hosted domain prefix (topology gateway), unique per region across all AWS accounts: 1-63 lowercase letters, digits and inner hyphens, without aws, amazon or cognito. Default: zscaler-mcp-<stack>-<account id>.",
    },
    tokenVaultRevision: {
        section: "credentials",
        type: "string",
        default: "",
        rule: { re: /^[A-Za-z0-9._-]{1,64}$/, text: "1-64 letters, digits, dots, hyphens or underscores" },
        fix: "2",
        description:
            "Change it (1-64 letters, digits, dots, hyphens or underscores) to write the Token Vault entry again on the next pulumi up: the Basic header (ecs) or the Cognito client secret (gateway). AWS never returns what it stores there, so a change made outside the stack cannot be seen; this repairs it.",
    },
    iamPermissionsBoundary: {
        section: "iam",
        type: "string",
        default: "",
        rule: {
            re: FORMATS.boundaryPolicyArn,
            text: "the ARN of a managed policy: arn:aws:iam::<12-digit account id>:policy/<path><name> (a customer managed policy) or arn:aws:iam::aws:policy/<path><name> (an AWS managed policy), at most 2048 characters",
        },
        fix: "arn:aws:iam::<account id>:policy/<boundary policy name>",
        description:
            "Permissions boundary of every IAM role the stack creates (the harness role, the ECS task execution and infrastructure roles, the runtime and gateway roles): the ARN of a managed policy, arn:aws:iam::<12-digit account id>:policy/<name> or arn:aws:iam::aws:policy/<name>, at most 2048 characters. Set it when the account only lets you create roles that carry a boundary; changing it updates the roles in place.",
    },
    iamRolePath: {
        section: "iam",
        type: "string",
        default: "/",
        rule: {
            re: FORMATS.iamPath,
            text: "an IAM path: / alone, or segments of printable ASCII characters without spaces, each ending in / (/team/mcp/), at most 512 characters, no empty segment (//)",
        },
        fix: "/<team>/",
        description:
            "IAM path of every role the stack creates: / or /a/b/ (segments of printable ASCII characters without spaces, each ending in /, no //), at most 512 characters. IAM sets a role's path only when it creates the role: changing it on a deployed stack replaces every role (the new ones are created before the old ones are deleted) and, for topology ecs, the ECS Express service, which takes its infrastructure role only at creation.",
    },
    verifyTools: {
        section: "lifecycle",
        type: "boolean",
        default: true,
        description:
            "true: every pulumi up that deploys or changes the MCP server, its image, its credentials or its URL ends by calling it as the harness does (MCP initialize and tools/list, through HTTPS_PROXY when set) and fails, naming the cause and the fix, unless it lists its tools. false when the machine running pulumi cannot reach the endpoint. true or false.",
    },
    retain: {
        section: "lifecycle",
        type: "array",
        default: [],
        description: "Parts that survive pulumi destroy: any of roles, ecs, secret, cognito, runtime.",
    },
} as const satisfies Record<string, KeySpec>;

export type ConfigKey = keyof typeof KEYS;

/** Keys a user may set: exactly those Pulumi.yaml declares (a test keeps the two equal). */
export const CONFIG_KEYS = Object.keys(KEYS) as ConfigKey[];

/** The defaults the settings fall back to, as typed values. */
export const DEFAULTS = {
    region: "us-east-1",
    imageUri: KEYS.imageUri.default,
    modelId: KEYS.modelId.default,
    modelMaxTokens: KEYS.modelMaxTokens.default,
    temperature: Number(KEYS.temperature.default),
    ecsCpu: KEYS.ecsCpu.default,
    ecsMemory: KEYS.ecsMemory.default,
    secretRecoveryDays: KEYS.secretRecoveryDays.default,
} as const;
