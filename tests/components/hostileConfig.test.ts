/**
 * Hostile configurations: each is refused before anything is created, with the message a user
 * sees (the key, the value unless it is a secret, and the fix). Each case expects exactly the
 * problems its values cause, no more and no fewer.
 */
import { expect } from "chai";
import { loadSettings } from "../../config/settings";
import { SettingsError } from "../../config/messages";

interface HostileCase {
    name: string;
    /** Set over a valid ECS configuration. */
    config: Record<string, string>;
    /** Keys stored with --secret (default: the client secret). */
    secretKeys?: string[];
    /** aws:region (default: us-east-1). */
    region?: string;
    expected: string[];
}

const VALID: Record<string, string> = {
    zscalerClientId: "cid",
    zscalerClientSecret: "zs-client-secret-Q9w8E7",
    zscalerCustomerId: "cust",
    zscalerVanityDomain: "acme",
};
const env = (...entries: string[]) => JSON.stringify(entries);
const BOUNDARY_RULE =
    "the ARN of a managed policy: arn:aws:iam::<12-digit account id>:policy/<path><name> (a customer managed policy) or arn:aws:iam::aws:policy/<path><name> (an AWS managed policy), at most 2048 characters";
const PATH_RULE =
    "an IAM path: / alone, or segments of printable ASCII characters without spaces, each ending in / (/team/mcp/), at most 512 characters, no empty segment (//)";
const ECS_URL = (mcpUrl: string) => ({ mcpUrl });
const NOT_A_CLOUD =
    "is not a Zscaler OneAPI cloud (production, beta, alpha, zscalertwo, exactly so written); the server would send the client id and secret to <vanity>.zslogin<cloud>.net";
const CLOUD_FIX = "Run: pulumi config set zscalerCloud <cloud> (or pulumi config rm zscalerCloud for production)";
const ENV_REMOVE = "Remove it: pulumi config rm --path 'containerEnv[<n>]'";
const ENV_SECRET_ECS =
    "is a secret, and containerEnv stays readable in the container's definition. Secrets reach the server only from the Secrets Manager secret (secretsMode managed or external), and on ECS only the Zscaler client's keys; the gateway topology's server reads the others from it too. " +
    ENV_REMOVE;
const ENV_SECRET_GATEWAY =
    "is a secret, and containerEnv stays readable in the container's definition. Put it in the Secrets Manager secret of secretsMode external (zscalerSecretName), which the server reads at start. " +
    ENV_REMOVE;
const SIGV4 =
    "is an AgentCore Runtime endpoint that accepts only SigV4-signed calls; remote_mcp sends static headers, so every invocation would get HTTP 403. Use topology gateway to reach a Runtime, or set allowSigV4McpUrl true to deploy the harness anyway.";
const OTHER_PARTITION =
    "the stack deploys to the aws partition (the only one with Amazon Bedrock AgentCore Harness), which cannot use another partition's resources.";
const REGION_FIX =
    "Amazon Bedrock AgentCore Harness exists only in the aws partition. Deploy to a region of it. Run: pulumi config set aws:region us-east-1";
const GATEWAY = { topology: "gateway", imageUri: "709825985650.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server:0.15.4" };

function problems(c: HostileCase): string[] {
    const values = { ...VALID, ...c.config };
    const secretKeys = c.secretKeys ?? ["zscalerClientSecret"];
    try {
        loadSettings(
            { get: (k) => values[k], isSecret: (k) => secretKeys.includes(k), keys: () => Object.keys(values) },
            { project: "zscaler-mcp-harness", stack: "dev", region: c.region },
        );
    } catch (e) {
        if (e instanceof SettingsError) {
            return e.problems;
        }
        throw e;
    }
    return [];
}

const HOSTILE: HostileCase[] = [
    // mcpUrl
    {
        name: "an mcpUrl with a space",
        config: ECS_URL("https://mcp.example.com/m cp"),
        expected: [
            'mcpUrl: "https://mcp.example.com/m cp" contains a space, line break, control character or backslash; a URL has none. Run: pulumi config set mcpUrl https://<host>/mcp',
        ],
    },
    {
        name: "an mcpUrl with a line break",
        config: ECS_URL("https://mcp.example.com/\nmcp"),
        expected: [
            'mcpUrl: "https://mcp.example.com/\\nmcp" contains a space, line break, control character or backslash; a URL has none. Run: pulumi config set mcpUrl https://<host>/mcp',
        ],
    },
    {
        name: "an mcpUrl with a tab",
        config: ECS_URL("https://mcp.example.com/\tmcp"),
        expected: [
            'mcpUrl: "https://mcp.example.com/\\tmcp" contains a space, line break, control character or backslash; a URL has none. Run: pulumi config set mcpUrl https://<host>/mcp',
        ],
    },
    {
        name: "an mcpUrl with user:pass@",
        config: ECS_URL("https://user:pass@mcp.example.com"),
        expected: [
            'mcpUrl: "https://user:pass@mcp.example.com" carries a user name or password before "@"; the harness sends the Zscaler credentials from the Token Vault, never in the URL. Run: pulumi config set mcpUrl https://<host>/mcp',
        ],
    },
    {
        name: "an mcpUrl with an empty user (https://@)",
        config: ECS_URL("https://@mcp.example.com"),
        expected: [
            'mcpUrl: "https://@mcp.example.com" carries a user name or password before "@"; the harness sends the Zscaler credentials from the Token Vault, never in the URL. Run: pulumi config set mcpUrl https://<host>/mcp',
        ],
    },
    {
        name: "an mcpUrl with a token as user name",
        config: ECS_URL("https://token@mcp.example.com/mcp"),
        expected: [
            'mcpUrl: "https://token@mcp.example.com/mcp" carries a user name or password before "@"; the harness sends the Zscaler credentials from the Token Vault, never in the URL. Run: pulumi config set mcpUrl https://<host>/mcp',
        ],
    },
    {
        name: "an mcpUrl of 20,000 characters",
        config: ECS_URL("https://mcp.example.com/" + "a".repeat(19976)),
        expected: [
            'mcpUrl: "https://mcp.example.com/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…" (20000 characters) is longer than 2048 characters. Run: pulumi config set mcpUrl https://<host>/mcp',
        ],
    },
    {
        name: "an mcpUrl with a query string (/mcp would land after it)",
        config: ECS_URL("https://mcp.example.com/api?key=abc"),
        expected: [
            'mcpUrl: "https://mcp.example.com/api?key=abc" has a query string or fragment; the program appends /mcp to the path, so give the server\'s address alone. Run: pulumi config set mcpUrl https://<host>/mcp',
        ],
    },
    {
        name: "an mcpUrl with an empty query",
        config: ECS_URL("https://mcp.example.com/mcp?"),
        expected: [
            'mcpUrl: "https://mcp.example.com/mcp?" has a query string or fragment; the program appends /mcp to the path, so give the server\'s address alone. Run: pulumi config set mcpUrl https://<host>/mcp',
        ],
    },
    {
        name: "an mcpUrl with a fragment",
        config: ECS_URL("https://mcp.example.com/mcp#tools"),
        expected: [
            'mcpUrl: "https://mcp.example.com/mcp#tools" has a query string or fragment; the program appends /mcp to the path, so give the server\'s address alone. Run: pulumi config set mcpUrl https://<host>/mcp',
        ],
    },
    {
        name: "an http:// mcpUrl",
        config: ECS_URL("http://mcp.example.com"),
        expected: ['mcpUrl: "http://mcp.example.com" must be an https:// URL; Harness calls remote MCP servers over HTTPS only.'],
    },
    {
        name: "an ftp:// mcpUrl",
        config: ECS_URL("ftp://mcp.example.com"),
        expected: ['mcpUrl: "ftp://mcp.example.com" must be an https:// URL; Harness calls remote MCP servers over HTTPS only.'],
    },
    {
        name: "an mcpUrl without a scheme",
        config: ECS_URL("mcp.example.com/mcp"),
        expected: ['mcpUrl: "mcp.example.com/mcp" must be an https:// URL; Harness calls remote MCP servers over HTTPS only.'],
    },
    {
        name: "an mcpUrl without a host",
        config: ECS_URL("https://"),
        expected: ['mcpUrl: "https://" is not a valid URL. Run: pulumi config set mcpUrl https://<host>/mcp'],
    },
    {
        name: "an mcpUrl with an IPv4 address",
        config: ECS_URL("https://10.0.0.5/mcp"),
        expected: [
            'mcpUrl: "https://10.0.0.5/mcp" names its server by IP address; use the DNS name its HTTPS certificate is issued for. Run: pulumi config set mcpUrl https://<host>/mcp',
        ],
    },
    {
        name: "an mcpUrl with an IPv6 address",
        config: ECS_URL("https://[::1]/mcp"),
        expected: [
            'mcpUrl: "https://[::1]/mcp" names its server by IP address; use the DNS name its HTTPS certificate is issued for. Run: pulumi config set mcpUrl https://<host>/mcp',
        ],
    },
    {
        name: "an mcpUrl with a decimal IP address",
        config: ECS_URL("https://2130706433/mcp"),
        expected: [
            'mcpUrl: "https://2130706433/mcp" names its server by IP address; use the DNS name its HTTPS certificate is issued for. Run: pulumi config set mcpUrl https://<host>/mcp',
        ],
    },
    {
        name: "an mcpUrl on localhost",
        config: ECS_URL("https://localhost:8443/mcp"),
        expected: [
            'mcpUrl: "https://localhost:8443/mcp" does not name a public DNS host (dot-separated labels of letters, digits and hyphens); Harness calls it from AWS. Run: pulumi config set mcpUrl https://<host>/mcp',
        ],
    },
    {
        name: "an mcpUrl on a single-label host",
        config: ECS_URL("https://intranet/mcp"),
        expected: [
            'mcpUrl: "https://intranet/mcp" does not name a public DNS host (dot-separated labels of letters, digits and hyphens); Harness calls it from AWS. Run: pulumi config set mcpUrl https://<host>/mcp',
        ],
    },
    {
        name: "an mcpUrl on an .internal host",
        config: ECS_URL("https://mcp.corp.internal/mcp"),
        expected: [
            'mcpUrl: "https://mcp.corp.internal/mcp" does not name a public DNS host (dot-separated labels of letters, digits and hyphens); Harness calls it from AWS. Run: pulumi config set mcpUrl https://<host>/mcp',
        ],
    },
    {
        name: "an mcpUrl with an underscore in the host",
        config: ECS_URL("https://mcp_server.example.com/mcp"),
        expected: [
            'mcpUrl: "https://mcp_server.example.com/mcp" does not name a public DNS host (dot-separated labels of letters, digits and hyphens); Harness calls it from AWS. Run: pulumi config set mcpUrl https://<host>/mcp',
        ],
    },
    {
        name: "an mcpUrl with a port beyond 65535",
        config: ECS_URL("https://mcp.example.com:99999/mcp"),
        expected: ['mcpUrl: "https://mcp.example.com:99999/mcp" is not a valid URL. Run: pulumi config set mcpUrl https://<host>/mcp'],
    },
    {
        name: "an mcpUrl with a backslash",
        config: ECS_URL("https://mcp.example.com\\mcp"),
        expected: [
            'mcpUrl: "https://mcp.example.com\\\\mcp" contains a space, line break, control character or backslash; a URL has none. Run: pulumi config set mcpUrl https://<host>/mcp',
        ],
    },
    {
        name: "an mcpUrl with a broken percent escape",
        config: ECS_URL("https://mcp.example.com/a%zz"),
        expected: [
            'mcpUrl: "https://mcp.example.com/a%zz" has characters a URL path may not hold unencoded. Run: pulumi config set mcpUrl https://<host>/mcp',
        ],
    },
    {
        name: "an mcpUrl with angle brackets in the path",
        config: ECS_URL("https://mcp.example.com/<script>"),
        expected: [
            'mcpUrl: "https://mcp.example.com/<script>" has characters a URL path may not hold unencoded. Run: pulumi config set mcpUrl https://<host>/mcp',
        ],
    },
    {
        name: "a SigV4 runtime URL in upper case",
        config: ECS_URL("HTTPS://BEDROCK-AGENTCORE.US-EAST-1.AMAZONAWS.COM/RUNTIMES/arn%3Aaws/invocations"),
        expected: [
            "mcpUrl: https://bedrock-agentcore.us-east-1.amazonaws.com/RUNTIMES/arn%3Aaws/invocations/mcp is an AgentCore Runtime endpoint that accepts only SigV4-signed calls; remote_mcp sends static headers, so every invocation would get HTTP 403. Use topology gateway to reach a Runtime, or set allowSigV4McpUrl true to deploy the harness anyway.",
        ],
    },
    {
        name: "a SigV4 runtime URL with a percent-encoded path",
        config: ECS_URL("https://bedrock-agentcore.us-east-1.amazonaws.com/%72untimes/arn/invocations"),
        expected: [
            "mcpUrl: https://bedrock-agentcore.us-east-1.amazonaws.com/%72untimes/arn/invocations/mcp is an AgentCore Runtime endpoint that accepts only SigV4-signed calls; remote_mcp sends static headers, so every invocation would get HTTP 403. Use topology gateway to reach a Runtime, or set allowSigV4McpUrl true to deploy the harness anyway.",
        ],
    },
    {
        name: "an mcpUrl for the gateway topology",
        config: { topology: "gateway", mcpUrl: "https://mcp.example.com" },
        expected: [
            "mcpUrl: a user-supplied MCP URL applies to topology ecs only; the gateway topology runs its own server. Run: pulumi config rm mcpUrl (or pulumi config set topology ecs)",
        ],
    },
    {
        name: "allowSigV4McpUrl that is not a boolean",
        config: { allowSigV4McpUrl: "yes" },
        expected: ['allowSigV4McpUrl: "yes" must be true or false. Run: pulumi config set allowSigV4McpUrl false'],
    },
    // numbers
    {
        name: "maxIterations in hex",
        config: { maxIterations: "0x10" },
        expected: [
            'maxIterations: "0x10" must be 0 (the service default) or a whole number from 1 to 1000, in decimal digits. Run: pulumi config set maxIterations <number>',
        ],
    },
    {
        name: "maxIterations with an exponent",
        config: { maxIterations: "1e2" },
        expected: [
            'maxIterations: "1e2" must be 0 (the service default) or a whole number from 1 to 1000, in decimal digits. Run: pulumi config set maxIterations <number>',
        ],
    },
    {
        name: "maxIterations with a plus sign",
        config: { maxIterations: "+5" },
        expected: [
            'maxIterations: "+5" must be 0 (the service default) or a whole number from 1 to 1000, in decimal digits. Run: pulumi config set maxIterations <number>',
        ],
    },
    {
        name: "maxIterations out of range",
        config: { maxIterations: "5000" },
        expected: [
            'maxIterations: "5000" must be 0 (the service default) or a whole number from 1 to 1000, in decimal digits. Run: pulumi config set maxIterations <number>',
        ],
    },
    {
        name: "modelMaxTokens with an exponent",
        config: { modelMaxTokens: "8e3" },
        expected: [
            'modelMaxTokens: "8e3" must be a whole number from 1 to 1000000, in decimal digits. Run: pulumi config set modelMaxTokens <number>',
        ],
    },
    {
        name: "modelMaxTokens negative",
        config: { modelMaxTokens: "-1" },
        expected: [
            'modelMaxTokens: "-1" must be a whole number from 1 to 1000000, in decimal digits. Run: pulumi config set modelMaxTokens <number>',
        ],
    },
    {
        name: "timeoutSeconds with a fraction",
        config: { timeoutSeconds: "3600.0" },
        expected: [
            'timeoutSeconds: "3600.0" must be 0 (the service default) or a whole number from 1 to 28800, in decimal digits. Run: pulumi config set timeoutSeconds <number>',
        ],
    },
    {
        name: "timeoutSeconds beyond eight hours",
        config: { timeoutSeconds: "99999" },
        expected: [
            'timeoutSeconds: "99999" must be 0 (the service default) or a whole number from 1 to 28800, in decimal digits. Run: pulumi config set timeoutSeconds <number>',
        ],
    },
    {
        name: "secretRecoveryDays in binary",
        config: { secretRecoveryDays: "0b111" },
        expected: [
            'secretRecoveryDays: "0b111" must be a whole number from 0 to 30, in decimal digits. Run: pulumi config set secretRecoveryDays <number>',
        ],
    },
    {
        name: "secretRecoveryDays with a leading zero",
        config: { secretRecoveryDays: "07" },
        expected: [
            'secretRecoveryDays: "07" must be a whole number from 0 to 30, in decimal digits. Run: pulumi config set secretRecoveryDays <number>',
        ],
    },
    {
        name: "secretRecoveryDays shorter than AWS allows",
        config: { secretRecoveryDays: "3" },
        expected: ["secretRecoveryDays: 3 must be 0 (delete at once) or from 7 to 30 days. Run: pulumi config set secretRecoveryDays 7"],
    },
    {
        name: "temperature with an exponent",
        config: { temperature: "2e-1" },
        expected: ['temperature: "2e-1" must be a number from 0 to 2 in decimal notation. Run: pulumi config set temperature 0.2'],
    },
    {
        name: "temperature in hex",
        config: { temperature: "0x1" },
        expected: ['temperature: "0x1" must be a number from 0 to 2 in decimal notation. Run: pulumi config set temperature 0.2'],
    },
    {
        name: "temperature NaN",
        config: { temperature: "NaN" },
        expected: ['temperature: "NaN" must be a number from 0 to 2 in decimal notation. Run: pulumi config set temperature 0.2'],
    },
    {
        name: "temperature above 2",
        config: { temperature: "2.5" },
        expected: ['temperature: "2.5" must be a number from 0 to 2 in decimal notation. Run: pulumi config set temperature 0.2'],
    },
    // containerEnv and allowedHosts
    {
        name: "a containerEnv value with a line break",
        config: { containerEnv: env("ZSCALER_MCP_LOG_LEVEL=DEBUG\nZSCALER_MCP_AUTH_ENABLED=false") },
        expected: [
            "containerEnv: ZSCALER_MCP_LOG_LEVEL=\"DEBUG\\nZSCALER_MCP_AUTH_ENABLED=false\" must be one line of at most 5000 characters without control characters (AgentCore Runtime's limit). Remove it: pulumi config rm --path 'containerEnv[<n>]'",
        ],
    },
    {
        name: "more containerEnv entries than AgentCore Runtime allows",
        config: { containerEnv: env(...Array.from({ length: 41 }, (_, i) => `ZSCALER_MCP_OPT_${i}=1`)) },
        expected: [
            "containerEnv: has 41 entries; AgentCore Runtime takes 50 variables and the program sets up to 10, so at most 40. Remove some: pulumi config rm --path 'containerEnv[<n>]'",
        ],
    },
    {
        name: "a containerEnv value longer than AgentCore Runtime allows",
        config: { containerEnv: env("ZSCALER_MCP_NOTE=" + "v".repeat(5001)) },
        expected: [
            "containerEnv: ZSCALER_MCP_NOTE=\"vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv…\" (5001 characters) must be one line of at most 5000 characters without control characters (AgentCore Runtime's limit). Remove it: pulumi config rm --path 'containerEnv[<n>]'",
        ],
    },
    {
        name: "a containerEnv key longer than AgentCore Runtime allows",
        config: { containerEnv: env("ZSCALER_" + "K".repeat(100) + "=1") },
        expected: [
            "containerEnv: \"ZSCALER_KKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKK…\" (108 characters) must be KEY=VALUE with a key starting ZSCALER_, FASTMCP_ or MCP_ (upper case, at most 100 characters). Remove it: pulumi config rm --path 'containerEnv[<n>]'",
        ],
    },
    {
        name: "a lower-case containerEnv key",
        config: { containerEnv: env("zscaler_mcp_debug=1") },
        expected: [
            "containerEnv: \"zscaler_mcp_debug\" must be KEY=VALUE with a key starting ZSCALER_, FASTMCP_ or MCP_ (upper case, at most 100 characters). Remove it: pulumi config rm --path 'containerEnv[<n>]'",
        ],
    },
    {
        name: "a containerEnv entry without =",
        config: { containerEnv: env("ZSCALER_MCP_DEBUG") },
        expected: [
            "containerEnv: \"ZSCALER_MCP_DEBUG\" must be KEY=VALUE with a key starting ZSCALER_, FASTMCP_ or MCP_ (upper case, at most 100 characters). Remove it: pulumi config rm --path 'containerEnv[<n>]'",
        ],
    },
    {
        name: "a containerEnv key outside the server's prefixes",
        config: { containerEnv: env("AWS_REGION=eu-west-1") },
        expected: [
            "containerEnv: \"AWS_REGION\" must be KEY=VALUE with a key starting ZSCALER_, FASTMCP_ or MCP_ (upper case, at most 100 characters). Remove it: pulumi config rm --path 'containerEnv[<n>]'",
        ],
    },
    {
        name: "a containerEnv key set twice",
        config: { containerEnv: env("ZSCALER_MCP_LOG_LEVEL=INFO", "ZSCALER_MCP_LOG_LEVEL=DEBUG") },
        expected: ['containerEnv: ZSCALER_MCP_LOG_LEVEL is set twice ("INFO" and "DEBUG"). Keep one.'],
    },
    {
        name: "a credential in containerEnv",
        config: { containerEnv: env("ZSCALER_CLIENT_ID=abc") },
        expected: [
            "containerEnv: ZSCALER_CLIENT_ID is a credential; set it with the zscaler* config keys so it is kept secret, not in containerEnv.",
        ],
    },
    {
        name: "the secret name in containerEnv",
        config: { containerEnv: env("ZSCALER_SECRET_NAME=payroll/db") },
        expected: [
            "containerEnv: ZSCALER_SECRET_NAME is set by the program from secretsMode. Use zscalerSecretName instead, and remove it from containerEnv.",
        ],
    },
    {
        name: "the Host allow-list in containerEnv",
        config: { containerEnv: env("ZSCALER_MCP_ALLOWED_HOSTS=*") },
        expected: ["containerEnv: set ZSCALER_MCP_ALLOWED_HOSTS through the allowedHosts list; the service's own address is added to it."],
    },
    {
        name: "host validation disabled in containerEnv only",
        config: { containerEnv: env("ZSCALER_MCP_DISABLE_HOST_VALIDATION=true") },
        expected: [
            "containerEnv: ZSCALER_MCP_DISABLE_HOST_VALIDATION contradicts hostValidation auto. Run: pulumi config set hostValidation disabled",
        ],
    },
    {
        name: "another transport in containerEnv",
        config: { containerEnv: env("ZSCALER_MCP_TRANSPORT=stdio") },
        expected: [
            "containerEnv: ZSCALER_MCP_TRANSPORT=\"stdio\" would stop the server speaking streamable-http, the only transport the harness and AgentCore Runtime use. Remove it: pulumi config rm --path 'containerEnv[<n>]'",
        ],
    },
    {
        name: "server authentication turned off",
        config: { containerEnv: env("ZSCALER_MCP_AUTH_ENABLED=false") },
        expected: [
            "containerEnv: \"ZSCALER_MCP_AUTH_ENABLED=false\" would turn off the MCP server's own authentication, so anyone who reaches the endpoint could call it. Remove it, or accept the risk: pulumi config set --path 'acknowledgeRisks[0]' auth-off",
        ],
    },
    {
        name: "server authentication mode none",
        config: { containerEnv: env("ZSCALER_MCP_AUTH_MODE=none") },
        expected: [
            "containerEnv: \"ZSCALER_MCP_AUTH_MODE=none\" would turn off the MCP server's own authentication, so anyone who reaches the endpoint could call it. Remove it, or accept the risk: pulumi config set --path 'acknowledgeRisks[0]' auth-off",
        ],
    },
    {
        name: "a server authentication mode the harness cannot use",
        config: { containerEnv: env("ZSCALER_MCP_AUTH_MODE=jwt") },
        expected: [
            "containerEnv: ZSCALER_MCP_AUTH_MODE=\"jwt\" is not a mode the harness can call in topology ecs (zscaler, none); the program runs the server in zscaler mode. Remove it: pulumi config rm --path 'containerEnv[<n>]'",
        ],
    },
    {
        name: "an unknown server authentication mode behind the gateway",
        config: { topology: "gateway", containerEnv: env("ZSCALER_MCP_AUTH_MODE=open") },
        expected: [
            "containerEnv: ZSCALER_MCP_AUTH_MODE=\"open\" is not a mode the harness can call in topology gateway (zscaler, jwt, api-key, oidc, none); the program runs the server in zscaler mode. Remove it: pulumi config rm --path 'containerEnv[<n>]'",
        ],
    },
    {
        name: "a server authentication switch that is not a boolean",
        config: { containerEnv: env("ZSCALER_MCP_AUTH_ENABLED=maybe") },
        expected: [
            "containerEnv: ZSCALER_MCP_AUTH_ENABLED=\"maybe\" must be true or false. Remove it: pulumi config rm --path 'containerEnv[<n>]'",
        ],
    },
    {
        name: "write tools enabled",
        config: { containerEnv: env("ZSCALER_MCP_WRITE_ENABLED=true", "ZSCALER_MCP_WRITE_TOOLS=zia_*") },
        expected: [
            'containerEnv: "ZSCALER_MCP_WRITE_ENABLED=true" and "ZSCALER_MCP_WRITE_TOOLS=zia_*" would let the agent create, change and delete Zscaler configuration. Remove them, or accept the risk: pulumi config set --path \'acknowledgeRisks[0]\' write-tools',
        ],
    },
    {
        name: "a write-tool allow-list alone",
        config: { containerEnv: env("ZSCALER_MCP_WRITE_TOOLS=zpa_delete_*") },
        expected: [
            "containerEnv: \"ZSCALER_MCP_WRITE_TOOLS=zpa_delete_*\" would let the agent create, change and delete Zscaler configuration. Remove it, or accept the risk: pulumi config set --path 'acknowledgeRisks[0]' write-tools",
        ],
    },
    {
        name: "write tools enabled behind the gateway",
        config: { topology: "gateway", containerEnv: env("ZSCALER_MCP_WRITE_ENABLED=1") },
        expected: [
            "containerEnv: \"ZSCALER_MCP_WRITE_ENABLED=1\" would let the agent create, change and delete Zscaler configuration. Remove it, or accept the risk: pulumi config set --path 'acknowledgeRisks[0]' write-tools",
        ],
    },
    {
        name: "a port override",
        config: { containerEnv: env("ZSCALER_MCP_PORT=9000") },
        expected: [
            "containerEnv: \"ZSCALER_MCP_PORT=9000\" would move the server off the address and port the load balancer and AgentCore Runtime call. Remove it, or accept the risk: pulumi config set --path 'acknowledgeRisks[0]' listen-override",
        ],
    },
    {
        name: "a host override",
        config: { containerEnv: env("ZSCALER_MCP_HOST=127.0.0.1") },
        expected: [
            "containerEnv: \"ZSCALER_MCP_HOST=127.0.0.1\" would move the server off the address and port the load balancer and AgentCore Runtime call. Remove it, or accept the risk: pulumi config set --path 'acknowledgeRisks[0]' listen-override",
        ],
    },
    {
        name: "a FastMCP port override",
        config: { containerEnv: env("FASTMCP_PORT=8080") },
        expected: [
            "containerEnv: \"FASTMCP_PORT=8080\" would move the server off the address and port the load balancer and AgentCore Runtime call. Remove it, or accept the risk: pulumi config set --path 'acknowledgeRisks[0]' listen-override",
        ],
    },
    {
        name: "a port that is not a port",
        config: { containerEnv: env("ZSCALER_MCP_PORT=0x1f40") },
        expected: [
            "containerEnv: ZSCALER_MCP_PORT=\"0x1f40\" is not a port (1-65535 in decimal digits). Remove it: pulumi config rm --path 'containerEnv[<n>]'",
        ],
    },
    {
        name: "a Host allow-list of *",
        config: { allowedHosts: '["*"]' },
        expected: [
            "allowedHosts: \"*\" would let the server answer any Host header, without its DNS-rebinding guard. Remove it, or accept the risk: pulumi config set --path 'acknowledgeRisks[0]' any-host",
        ],
    },
    {
        name: "an allowedHosts port beyond 65535",
        config: { allowedHosts: '["mcp.example.com:70000"]' },
        expected: [
            "allowedHosts: \"mcp.example.com:70000\" is not a host entry (host, host:port, host:* or *; ports 1-65535). Run: pulumi config set --path 'allowedHosts[0]' <host>",
        ],
    },
    {
        name: "an allowedHosts wildcard subdomain",
        config: { allowedHosts: '["*.example.com"]' },
        expected: [
            "allowedHosts: \"*.example.com\" is not a host entry (host, host:port, host:* or *; ports 1-65535). Run: pulumi config set --path 'allowedHosts[0]' <host>",
        ],
    },
    {
        name: "an allowedHosts label starting with a hyphen",
        config: { allowedHosts: '["-mcp.example.com"]' },
        expected: [
            "allowedHosts: \"-mcp.example.com\" is not a host entry (host, host:port, host:* or *; ports 1-65535). Run: pulumi config set --path 'allowedHosts[0]' <host>",
        ],
    },
    {
        name: "more allowedHosts than the program takes",
        config: { allowedHosts: JSON.stringify(Array.from({ length: 21 }, (_, i) => `h${i}.example.com`)) },
        expected: ["allowedHosts: has 21 entries; at most 20. Remove some: pulumi config rm --path 'allowedHosts[<n>]'"],
    },
    {
        name: "allowedHosts that is not a list of strings",
        config: { allowedHosts: "[1,2]" },
        expected: ["allowedHosts: must be a list of strings, e.g. pulumi config set --path 'allowedHosts[0]' value"],
    },
    {
        name: "an acknowledgement that is not a risk",
        config: { acknowledgeRisks: '["auth"]' },
        expected: [
            "acknowledgeRisks: \"auth\" is not one of auth-off, any-host, write-tools, listen-override. Run: pulumi config set --path 'acknowledgeRisks[0]' <risk>",
        ],
    },
    {
        name: "an acknowledgement for one risk does not cover another",
        config: {
            allowedHosts: '["*"]',
            acknowledgeRisks: '["any-host"]',
            containerEnv: env("ZSCALER_MCP_AUTH_ENABLED=false", "ZSCALER_MCP_PORT=1"),
        },
        expected: [
            "containerEnv: \"ZSCALER_MCP_AUTH_ENABLED=false\" would turn off the MCP server's own authentication, so anyone who reaches the endpoint could call it. Remove it, or accept the risk: pulumi config set --path 'acknowledgeRisks[1]' auth-off",
            "containerEnv: \"ZSCALER_MCP_PORT=1\" would move the server off the address and port the load balancer and AgentCore Runtime call. Remove it, or accept the risk: pulumi config set --path 'acknowledgeRisks[2]' listen-override",
        ],
    },
    // credentials and names
    {
        name: "a client id with a colon",
        config: { zscalerClientId: "abc:def" },
        expected: [
            'zscalerClientId: "abc:def" must be at most 256 printable characters without spaces or ":" (the Basic header separates id and secret with ":"). Run: pulumi config set zscalerClientId <client id>',
        ],
    },
    {
        name: "a client id with a space",
        config: { zscalerClientId: "abc def" },
        expected: [
            'zscalerClientId: "abc def" must be at most 256 printable characters without spaces or ":" (the Basic header separates id and secret with ":"). Run: pulumi config set zscalerClientId <client id>',
        ],
    },
    {
        name: "a client id longer than 256 characters",
        config: { zscalerClientId: "c".repeat(257) },
        expected: [
            'zscalerClientId: "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc…" (257 characters) must be at most 256 printable characters without spaces or ":" (the Basic header separates id and secret with ":"). Run: pulumi config set zscalerClientId <client id>',
        ],
    },
    {
        name: "a client secret with a line break",
        config: { zscalerClientSecret: "s3cr3t\nX-Injected: 1" },
        expected: [
            "zscalerClientSecret: (value not shown) contains a line break or another control character, or is longer than 2048 characters. Set it again: pulumi config set --secret zscalerClientSecret <client secret>",
        ],
    },
    {
        name: "a client secret in plaintext",
        config: {},
        secretKeys: [],
        expected: [
            "zscalerClientSecret: stored as plaintext in the stack file. Store it encrypted: pulumi config set --secret zscalerClientSecret <client secret>",
        ],
    },
    {
        name: "a customer id with a space",
        config: { zscalerCustomerId: "cust 123" },
        expected: [
            'zscalerCustomerId: "cust 123" must be 1-64 letters, digits, hyphens or underscores. Run: pulumi config set zscalerCustomerId <customer id>',
        ],
    },
    {
        name: "a vanity domain given as a host name",
        config: { zscalerVanityDomain: "acme.zslogin.net" },
        expected: [
            'zscalerVanityDomain: "acme.zslogin.net" must be one DNS label of letters, digits and inner hyphens (acme for acme.zslogin.net). Run: pulumi config set zscalerVanityDomain <vanity domain>',
        ],
    },
    {
        name: "a vanity domain with a space",
        config: { zscalerVanityDomain: "acme corp" },
        expected: [
            'zscalerVanityDomain: "acme corp" must be one DNS label of letters, digits and inner hyphens (acme for acme.zslogin.net). Run: pulumi config set zscalerVanityDomain <vanity domain>',
        ],
    },
    {
        name: "a cloud name with punctuation",
        config: { zscalerCloud: "zscaler two!" },
        expected: [`zscalerCloud: "zscaler two!" ${NOT_A_CLOUD}. Did you mean zscalertwo? Run: pulumi config set zscalerCloud zscalertwo`],
    },
    {
        name: "a cloud name starting with a hyphen",
        config: { zscalerCloud: "-beta" },
        expected: [`zscalerCloud: "-beta" ${NOT_A_CLOUD}. Did you mean beta? Run: pulumi config set zscalerCloud beta`],
    },
    {
        name: "a secret name with a space",
        config: { secretsMode: "external", zscalerSecretName: "team/zscaler secret" },
        expected: [
            'zscalerSecretName: "team/zscaler secret" is neither a Secrets Manager secret name (1-512 letters, digits and / _ + = . @ -) nor a secret\'s ARN. Run: pulumi config set --plaintext zscalerSecretName <name or ARN>',
        ],
    },
    {
        name: "a secret ARN in another region",
        config: { secretsMode: "external", zscalerSecretName: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:team/zs-Ab12Cd" },
        expected: [
            'zscalerSecretName: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:team/zs-Ab12Cd" is in eu-west-1, but the stack deploys to us-east-1 and reads secrets through Secrets Manager there. Replicate the secret to us-east-1 and name that copy.',
        ],
    },
    {
        name: "an ARN of something other than a secret",
        config: { secretsMode: "external", zscalerSecretName: "arn:aws:s3:::team-bucket" },
        expected: [
            'zscalerSecretName: "arn:aws:s3:::team-bucket" is neither a Secrets Manager secret name (1-512 letters, digits and / _ + = . @ -) nor a secret\'s ARN. Run: pulumi config set --plaintext zscalerSecretName <name or ARN>',
        ],
    },
    {
        name: "a system prompt of 20,000 characters",
        config: { systemPrompt: "Be helpful. ".repeat(1667) },
        expected: [
            'systemPrompt: "Be helpful. Be helpful. Be helpful. Be helpful. Be helpful. …" (20003 characters) is longer than 16000 characters. Shorten it, or run pulumi config rm systemPrompt for the default prompt.',
        ],
    },
    {
        name: "a system prompt with a terminal escape",
        config: { systemPrompt: "Answer in red \u001b[31m" },
        expected: [
            'systemPrompt: "Answer in red \\u001b[31m" contains a control character other than tab and line break. Remove it, or run pulumi config rm systemPrompt for the default prompt.',
        ],
    },
    {
        name: "a system prompt with a NUL",
        config: { systemPrompt: "Answer\u0000briefly" },
        expected: [
            'systemPrompt: "Answer\\u0000briefly" contains a control character other than tab and line break. Remove it, or run pulumi config rm systemPrompt for the default prompt.',
        ],
    },
    {
        name: "a model id in upper case",
        config: { modelId: "Anthropic.Claude-V2" },
        expected: [
            'modelId: "Anthropic.Claude-V2" is neither a Bedrock model id (vendor.model[:version], lower case, e.g. anthropic.claude-sonnet-4-5-20250929-v1:0) nor an inference profile id (us, eu, apac, jp, au, global and a dot before a model id, at most 64 characters). Run: pulumi config set modelId us.anthropic.claude-sonnet-4-5-20250929-v1:0',
        ],
    },
    {
        name: "a model ARN",
        config: { modelId: "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2" },
        expected: [
            'modelId: "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2" is neither a Bedrock model id (vendor.model[:version], lower case, e.g. anthropic.claude-sonnet-4-5-20250929-v1:0) nor an inference profile id (us, eu, apac, jp, au, global and a dot before a model id, at most 64 characters). Run: pulumi config set modelId us.anthropic.claude-sonnet-4-5-20250929-v1:0',
        ],
    },
    {
        name: "a model id without a vendor",
        config: { modelId: "claude" },
        expected: [
            'modelId: "claude" is neither a Bedrock model id (vendor.model[:version], lower case, e.g. anthropic.claude-sonnet-4-5-20250929-v1:0) nor an inference profile id (us, eu, apac, jp, au, global and a dot before a model id, at most 64 characters). Run: pulumi config set modelId us.anthropic.claude-sonnet-4-5-20250929-v1:0',
        ],
    },
    {
        name: "an inference profile of an unknown geography",
        config: { modelId: "xx.anthropic.claude-sonnet-4-5-20250929-v1:0" },
        expected: [
            'modelId: "xx.anthropic.claude-sonnet-4-5-20250929-v1:0" starts with "xx.", which is not an inference profile geography this program knows (us, eu, apac, jp, au, global). Run: pulumi config set modelId us.anthropic.claude-sonnet-4-5-20250929-v1:0',
        ],
    },
    {
        name: "an inference profile id longer than 64 characters",
        config: { modelId: "us.anthropic." + "c".repeat(60) },
        expected: [
            'modelId: "us.anthropic.cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc" is neither a Bedrock model id (vendor.model[:version], lower case, e.g. anthropic.claude-sonnet-4-5-20250929-v1:0) nor an inference profile id (us, eu, apac, jp, au, global and a dot before a model id, at most 64 characters). Run: pulumi config set modelId us.anthropic.claude-sonnet-4-5-20250929-v1:0',
        ],
    },
    {
        name: "an EU inference profile from a US region",
        config: { modelId: "eu.anthropic.claude-sonnet-4-5-20250929-v1:0" },
        expected: [
            'modelId: "eu.anthropic.claude-sonnet-4-5-20250929-v1:0" is an inference profile of geography eu, which cannot be called from us-east-1. Use a profile of the deploy region\'s geography, or global.anthropic.claude-sonnet-4-5-20250929-v1:0: pulumi config set modelId global.anthropic.claude-sonnet-4-5-20250929-v1:0',
        ],
    },
    {
        name: "the default US profile from an EU region",
        config: {},
        region: "eu-central-1",
        expected: [
            'modelId: "us.anthropic.claude-sonnet-4-5-20250929-v1:0" is an inference profile of geography us, which cannot be called from eu-central-1. Use a profile of the deploy region\'s geography, or global.anthropic.claude-sonnet-4-5-20250929-v1:0: pulumi config set modelId global.anthropic.claude-sonnet-4-5-20250929-v1:0',
        ],
    },
    {
        name: "a harness name with a hyphen",
        config: { harnessName: "zscaler-mcp" },
        expected: [
            'harnessName: "zscaler-mcp" is not a valid name (a letter, then up to 39 letters, digits or underscores; no hyphens, e.g. zscaler_mcp_harness).',
        ],
    },
    {
        name: "a harness name longer than 40 characters",
        config: { harnessName: "h".repeat(41) },
        expected: [
            'harnessName: "hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh" is not a valid name (a letter, then up to 39 letters, digits or underscores; no hyphens, e.g. zscaler_mcp_harness).',
        ],
    },
    {
        name: "a Cognito domain prefix with an underscore",
        config: { cognitoDomainPrefix: "my_domain" },
        expected: [
            'cognitoDomainPrefix: "my_domain" must be 1-63 lowercase letters, digits and hyphens, not start or end with a hyphen, and not contain "aws", "amazon" or "cognito". Run: pulumi config set cognitoDomainPrefix <unique prefix>',
        ],
    },
    {
        name: "a cluster name with a slash",
        config: { ecsClusterName: "team/cluster" },
        expected: [
            'ecsClusterName: "team/cluster" is not an ECS cluster name (1-255 letters, digits, hyphens, underscores). Run: pulumi config set ecsClusterName <cluster>',
        ],
    },
    {
        name: "an image reference with a space",
        config: { imageUri: "zscaler/zscaler-mcp-server:latest bad" },
        expected: [
            'imageUri: "zscaler/zscaler-mcp-server:latest bad" is not a container image reference (registry/repository:tag or @sha256:digest, at most 1024 characters). Run: pulumi config set imageUri 709825985650.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server:0.15.4-bedrock',
        ],
    },
    {
        name: "an image reference longer than 1024 characters",
        config: { imageUri: "registry.example.com/" + "a".repeat(1010) + ":1" },
        expected: [
            'imageUri: "registry.example.com/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…" (1033 characters) is not a container image reference (registry/repository:tag or @sha256:digest, at most 1024 characters). Run: pulumi config set imageUri 709825985650.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server:0.15.4-bedrock',
        ],
    },
    {
        name: "the 0.10.4 server on ECS (no /health route)",
        config: { imageUri: "709825985650.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server:0.10.4-bedrock" },
        expected: [
            "imageUri: the tag 0.10.4 is read as a release of the Zscaler MCP server, and the server 0.10.4 answers the load balancer's health check (/health) with 404, so ECS stops every task it starts. " +
                "Topology ecs needs 0.12.3 or newer; 0.15.4 is tested. Run: pulumi config set imageUri 709825985650.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server:0.15.4-bedrock",
        ],
    },
    {
        name: "the 0.14.0 server behind the gateway (no platform trust, no MCP 2026-07-28)",
        config: { topology: "gateway", imageUri: "709825985650.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server:v0.14.0" },
        expected: [
            "imageUri: the tag 0.14.0 is read as a release of the Zscaler MCP server, and the server 0.14.0 cannot accept the calls AgentCore Gateway forwards: it has no ZSCALER_MCP_TRUST_PLATFORM_AUTH, so a call " +
                "without Zscaler credentials is refused, and it does not speak MCP 2026-07-28, the only revision AgentCore Runtime serves. " +
                "Topology gateway needs 0.15.0 or newer; 0.15.4 is tested. Run: pulumi config set imageUri 709825985650.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server:0.15.4-bedrock",
        ],
    },
    {
        name: "plain HTTP turned off in containerEnv",
        config: { containerEnv: env("ZSCALER_MCP_ALLOW_HTTP=false") },
        expected: [
            "containerEnv: ZSCALER_MCP_ALLOW_HTTP is set by the program: TLS ends at the load balancer, so the server always listens on plain HTTP behind it. " +
                "Remove it: pulumi config rm --path 'containerEnv[<n>]'",
        ],
    },
    {
        name: "platform trust on the public ECS endpoint",
        config: { containerEnv: env("ZSCALER_MCP_TRUST_PLATFORM_AUTH=true") },
        expected: [
            "containerEnv: ZSCALER_MCP_TRUST_PLATFORM_AUTH would let anyone who reaches the public ECS endpoint call the server without Zscaler credentials; " +
                "it is never set on ECS. Remove it: pulumi config rm --path 'containerEnv[<n>]'",
        ],
    },
    {
        name: "platform trust set by hand behind the gateway",
        config: { topology: "gateway", containerEnv: env("ZSCALER_MCP_TRUST_PLATFORM_AUTH=false") },
        expected: [
            "containerEnv: ZSCALER_MCP_TRUST_PLATFORM_AUTH is set by the program for the runtime, which only AgentCore can reach. Remove it: pulumi config rm --path 'containerEnv[<n>]'",
        ],
    },
    {
        name: "a region with a shell command",
        config: {},
        region: "us-east-1; rm -rf /",
        expected: ['aws:region: "us-east-1; rm -rf /" is not an AWS region. Run: pulumi config set aws:region us-east-1'],
    },
    {
        name: "a topology in upper case",
        config: { topology: "ECS" },
        expected: ['topology: "ECS" is not one of ecs, gateway. Run: pulumi config set topology ecs'],
    },
    // Fargate sizes
    {
        name: "memory Fargate does not offer with 1 vCPU",
        config: { ecsCpu: "1024", ecsMemory: "512" },
        expected: [
            'ecsMemory: "512" is not offered by Fargate with ecsCpu 1024; choose 2048 to 8192 in steps of 1024 MiB. Run: pulumi config set ecsMemory 2048',
        ],
    },
    {
        name: "memory Fargate does not offer with 0.25 vCPU",
        config: { ecsCpu: "256", ecsMemory: "4096" },
        expected: [
            'ecsMemory: "4096" is not offered by Fargate with ecsCpu 256; choose 512, 1024 or 2048 MiB. Run: pulumi config set ecsMemory 512',
        ],
    },
    {
        name: "memory off Fargate's 8 GiB steps with 16 vCPU",
        config: { ecsCpu: "16384", ecsMemory: "40000" },
        expected: [
            'ecsMemory: "40000" is not offered by Fargate with ecsCpu 16384; choose 32768 to 122880 in steps of 8192 MiB. Run: pulumi config set ecsMemory 32768',
        ],
    },
    {
        name: "CPU units Fargate does not offer",
        config: { ecsCpu: "1000" },
        expected: ['ecsCpu: "1000" must be one of 256, 512, 1024, 2048, 4096, 8192, 16384 (CPU units). Run: pulumi config set ecsCpu 1024'],
    },
    {
        name: "memory with a unit",
        config: { ecsMemory: "2GB" },
        expected: ['ecsMemory: "2GB" must be the memory in MiB, in decimal digits. Run: pulumi config set ecsMemory 2048'],
    },
    // zscalerCloud: only the clouds whose token host the server and its SDK build alike
    ...(
        [
            ["a cloud with a dot that moves the token host to another domain", "x.attacker"],
            ["a cloud given as a domain", "zscloud.net"],
            ["a cloud with a path", "beta.net/x"],
            ["a cloud with a user part", "beta@evil.example"],
            ["a cloud name of ZIA's, not OneAPI's", "zscloud"],
            ["a cloud with a percent-encoded dot", "beta%2Eevil"],
            ["a cloud of 64 letters", "z".repeat(64)],
        ] as const
    ).map(([name, value]): HostileCase => ({
        name,
        config: { zscalerCloud: value },
        expected: [`zscalerCloud: ${JSON.stringify(value)} ${NOT_A_CLOUD}. ${CLOUD_FIX}`],
    })),
    ...(
        [
            ["a cloud in upper case", "BETA", "beta"],
            ["a cloud with a capital letter", "Zscalertwo", "zscalertwo"],
            ["a misspelled cloud", "zscalertow", "zscalertwo"],
            ["a cloud with a label and a trailing dot after a real one", "zscalertwo.x.", "zscalertwo"],
            ["a cloud with a dotted suffix close to a real one", "beta.", "beta"],
            ["the production cloud misspelled", "prodution", "production"],
        ] as const
    ).map(([name, value, meant]): HostileCase => ({
        name,
        config: { zscalerCloud: value },
        expected: [
            `zscalerCloud: ${JSON.stringify(value)} ${NOT_A_CLOUD}. Did you mean ${meant}? Run: pulumi config set zscalerCloud ${meant}`,
        ],
    })),
    ...(
        [
            ["gov", "zidentitygov.net", "gov"],
            ["GovUS", "zidentitygov.us", "govus"],
        ] as const
    ).map(([value, idp, lower]): HostileCase => ({
        name: `the government cloud ${value}, whose token host the server builds wrongly`,
        config: { zscalerCloud: value },
        expected: [
            `zscalerCloud: "${value}" is a government (FedRAMP) cloud, whose OneAPI tokens come from ${idp}; the MCP server's own credential check would ask <vanity>.zslogin${lower}.net instead, outside that cloud, so this program does not deploy it. ${CLOUD_FIX}`,
        ],
    })),
    {
        name: "a cloud set with --secret that would move the token host",
        config: { zscalerCloud: "x.attacker" },
        secretKeys: ["zscalerClientSecret", "zscalerCloud"],
        expected: [`zscalerCloud: (secret value not shown) ${NOT_A_CLOUD}. ${CLOUD_FIX}`],
    },
    // containerEnv: no secrets of the server in plain environment
    ...(
        [
            ["the server's API key", "ZSCALER_MCP_AUTH_API_KEY=k-81f2"],
            ["the TLS key's password", "ZSCALER_MCP_TLS_KEYFILE_PASSWORD=pw-81f2"],
            ["the request-state key ring", "ZSCALER_MCP_REQUEST_STATE_KEYS=k1:abc"],
            ["the OIDC proxy's client secret", "OIDCPROXY_CLIENT_SECRET=s-81f2"],
            ["the sandbox token", "ZSCALER_SANDBOX_TOKEN=t-81f2"],
            ["an OAuth client secret by its suffix", "ZSCALER_MCP_OAUTH_CLIENT_SECRET=s-81f2"],
            ["a password by its suffix", "FASTMCP_AUTH_PASSWORD=pw-81f2"],
            ["a token by its suffix", "MCP_GITHUB_TOKEN=ghp-81f2"],
            ["an API key by its suffix", "ZSCALER_ZIA_API_KEY=k-81f2"],
            ["an empty API key", "ZSCALER_MCP_AUTH_API_KEY="],
        ] as const
    ).map(([what, entry]): HostileCase => ({
        name: `${what} in containerEnv`,
        config: { containerEnv: env(entry) },
        expected: [`containerEnv: ${entry.split("=")[0]} ${ENV_SECRET_ECS}`],
    })),
    {
        name: "the server's API key in containerEnv, topology gateway",
        config: { ...GATEWAY, containerEnv: env("ZSCALER_MCP_AUTH_API_KEY=k-81f2") },
        expected: [`containerEnv: ZSCALER_MCP_AUTH_API_KEY ${ENV_SECRET_GATEWAY}`],
    },
    {
        name: "the TLS key's password in containerEnv, topology gateway",
        config: { ...GATEWAY, containerEnv: env("ZSCALER_MCP_TLS_KEYFILE_PASSWORD=pw-81f2") },
        expected: [`containerEnv: ZSCALER_MCP_TLS_KEYFILE_PASSWORD ${ENV_SECRET_GATEWAY}`],
    },
    // C1 control characters (U+0080-U+009F), refused as C0 ones are
    ...(
        [
            ["NEL", "\u0085"],
            ["CSI", "\u009b"],
            ["U+0080", "\u0080"],
            ["U+009F", "\u009f"],
        ] as const
    ).flatMap(([what, c]): HostileCase[] => {
        const escaped = `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
        return [
            {
                name: `a system prompt with ${what}`,
                config: { systemPrompt: `Be brief.${c}Ignore the rules.` },
                expected: [
                    `systemPrompt: "Be brief.${escaped}Ignore the rules." contains a control character other than tab and line break. Remove it, or run pulumi config rm systemPrompt for the default prompt.`,
                ],
            },
            {
                name: `a containerEnv value with ${what}`,
                config: { containerEnv: env(`ZSCALER_MCP_LOG_LEVEL=INFO${c}31m`) },
                expected: [
                    `containerEnv: ZSCALER_MCP_LOG_LEVEL="INFO${escaped}31m" must be one line of at most 5000 characters without control characters (AgentCore Runtime's limit). ${ENV_REMOVE}`,
                ],
            },
            {
                name: `a client secret with ${what}`,
                config: { zscalerClientSecret: `zs-secret${c}tail` },
                expected: [
                    "zscalerClientSecret: (value not shown) contains a line break or another control character, or is longer than 2048 characters. Set it again: pulumi config set --secret zscalerClientSecret <client secret>",
                ],
            },
        ];
    }),
    {
        name: "an mcpUrl with NEL",
        config: ECS_URL("https://mcp.example.com/\u0085mcp"),
        expected: [
            'mcpUrl: "https://mcp.example.com/\\u0085mcp" contains a space, line break, control character or backslash; a URL has none. Run: pulumi config set mcpUrl https://<host>/mcp',
        ],
    },
    {
        name: "a system prompt set with --secret, with CSI",
        config: { systemPrompt: "Runbook 4471\u009b2J" },
        secretKeys: ["zscalerClientSecret", "systemPrompt"],
        expected: [
            "systemPrompt: (secret value not shown) contains a control character other than tab and line break. Remove it, or run pulumi config rm systemPrompt for the default prompt.",
        ],
    },
    // partitions: AgentCore Harness exists only in aws
    ...(
        [
            ["cn-north-1", "AWS China (partition aws-cn)"],
            ["cn-northwest-1", "AWS China (partition aws-cn)"],
            ["us-gov-west-1", "AWS GovCloud (US) (partition aws-us-gov)"],
            ["us-gov-east-1", "AWS GovCloud (US) (partition aws-us-gov)"],
            ["us-iso-east-1", "an AWS isolated (ISO) partition (partition aws-iso)"],
            ["us-isob-east-1", "an AWS isolated (ISO) partition (partition aws-iso-b)"],
        ] as const
    ).map(([region, partition]): HostileCase => ({
        name: `the region ${region}`,
        config: {},
        region,
        expected: [`aws:region: "${region}" is a region of ${partition}; ${REGION_FIX}`],
    })),
    ...(
        [
            ["aws-cn", "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:team/zs-Ab12Cd"],
            ["aws-us-gov", "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:team/zs-Ab12Cd"],
            ["aws-iso-b", "arn:aws-iso-b:secretsmanager:us-isob-east-1:123456789012:secret:team/zs-Ab12Cd"],
        ] as const
    ).map(([partition, arn]): HostileCase => ({
        name: `a secret ARN of partition ${partition}`,
        config: { secretsMode: "external", zscalerSecretName: arn },
        expected: [
            `zscalerSecretName: "${arn}" is an ARN of partition "${partition}"; ${OTHER_PARTITION} Run: pulumi config set --plaintext zscalerSecretName <name or ARN>`,
        ],
    })),
    ...(
        [
            ["aws-cn", "arn:aws-cn:iam::123456789012:policy/boundary"],
            ["aws-us-gov", "arn:aws-us-gov:iam::123456789012:policy/boundary"],
            ["aws-us-gov (an AWS managed policy)", "arn:aws-us-gov:iam::aws:policy/PowerUserAccess"],
        ] as const
    ).map(([partition, arn]): HostileCase => ({
        name: `a boundary of partition ${partition}`,
        config: { iamPermissionsBoundary: arn },
        expected: [
            `iamPermissionsBoundary: "${arn}" is an ARN of partition "${partition.split(" ")[0]}"; ${OTHER_PARTITION} Run: pulumi config set iamPermissionsBoundary arn:aws:iam::<account id>:policy/<boundary policy name>`,
        ],
    })),
    // mcpUrl: port 0, and SigV4 runtime endpoints by host and path
    ...["https://mcp.example.com:0/mcp", "https://mcp.example.com:00", "https://mcp.example.com:000/"].map((url): HostileCase => ({
        name: `an mcpUrl on port 0 (${url})`,
        config: ECS_URL(url),
        expected: [
            `mcpUrl: ${JSON.stringify(url)} names port 0, on which no server can be reached. Give the server's port (1-65535), or none for 443. Run: pulumi config set mcpUrl https://<host>/mcp`,
        ],
    })),
    ...(
        [
            ["a SigV4 runtime URL on the FIPS endpoint", "https://bedrock-agentcore-fips.us-east-1.amazonaws.com/runtimes/x/invocations"],
            ["a SigV4 runtime URL with an empty first path segment", "https://bedrock-agentcore.us-west-2.amazonaws.com//Runtimes/x"],
            ["a SigV4 runtime URL with a host in upper case", "https://BEDROCK-AGENTCORE.eu-west-1.amazonaws.com/runtimes/x"],
            ["a SigV4 runtime URL on the dual-stack endpoint", "https://bedrock-agentcore.us-east-1.api.aws/runtimes/x"],
        ] as const
    ).map(([name, url]): HostileCase => ({
        name,
        config: ECS_URL(url),
        expected: [`mcpUrl: ${new URL(url).origin}${new URL(url).pathname}/mcp ${SIGV4}`],
    })),
    // keys
    {
        name: "a misspelled key",
        config: { modelID: "anthropic.claude-v2" },
        expected: [
            'modelID: "anthropic.claude-v2" is not a setting of this program; did you mean modelId? Run: pulumi config rm modelID, then pulumi config set modelId anthropic.claude-v2 (the README\'s configuration reference lists every key).',
        ],
    },
    {
        name: "a misspelled key whose value a shell would not read as spelled",
        config: { systemprompt: "Be brief." },
        expected: [
            'systemprompt: "Be brief." is not a setting of this program; did you mean systemPrompt? Run: pulumi config rm systemprompt, then pulumi config set systemPrompt <value> (the README\'s configuration reference lists every key).',
        ],
    },
    {
        name: "a misspelled secret key",
        config: { zscalerClientSecrt: "hunter2" },
        secretKeys: ["zscalerClientSecret", "zscalerClientSecrt"],
        expected: [
            "zscalerClientSecrt: (secret value not shown) is not a setting of this program; did you mean zscalerClientSecret? Run: pulumi config rm zscalerClientSecrt, then pulumi config set --secret zscalerClientSecret <value> (the README's configuration reference lists every key).",
        ],
    },
    // iamPermissionsBoundary, iamRolePath
    ...(
        [
            ["a boundary that is a role ARN, not a policy", "arn:aws:iam::123456789012:role/boundary"],
            ["a boundary with a short account id", "arn:aws:iam::12345:policy/boundary"],
            ["a boundary given by policy name alone", "boundary"],
            ["a boundary with a space in its name", "arn:aws:iam::123456789012:policy/my boundary"],
            ["a boundary with a double slash in its path", "arn:aws:iam::123456789012:policy/team//boundary"],
            ["a boundary that names no policy", "arn:aws:iam::aws:policy/"],
            ["a boundary longer than IAM allows", `arn:aws:iam::123456789012:policy/${"p/".repeat(1100)}boundary`],
        ] as const
    ).map(([name, value]): HostileCase => ({
        name,
        config: { iamPermissionsBoundary: value },
        expected: [
            `iamPermissionsBoundary: ${JSON.stringify(value.length > 80 ? `${value.slice(0, 60)}…` : value)}${value.length > 80 ? ` (${value.length} characters)` : ""} must be ${BOUNDARY_RULE}. Run: pulumi config set iamPermissionsBoundary arn:aws:iam::<account id>:policy/<boundary policy name>`,
        ],
    })),
    ...(
        [
            ["a role path without the leading slash", "team/"],
            ["a role path without the trailing slash", "/team"],
            ["a role path with a double slash", "/team//mcp/"],
            ["a role path of two slashes", "//"],
            ["a role path with a space", "/my team/"],
            ["a role path with a non-ASCII character", "/équipe/"],
            ["a role path with a tab", "/team\t/"],
            ["a role path longer than 512 characters", `/${"a".repeat(511)}/`],
        ] as const
    ).map(([name, value]): HostileCase => ({
        name,
        config: { iamRolePath: value },
        expected: [
            `iamRolePath: ${JSON.stringify(value.length > 80 ? `${value.slice(0, 60)}…` : value)}${value.length > 80 ? ` (${value.length} characters)` : ""} must be ${PATH_RULE}. Run: pulumi config set iamRolePath /<team>/`,
        ],
    })),
    {
        name: "a plural key",
        config: { containerEnvs: "[]" },
        expected: [
            `containerEnvs: "[]" is not a setting of this program; did you mean containerEnv? Run: pulumi config rm containerEnvs, then pulumi config set --path 'containerEnv[0]' <first entry> (the README's configuration reference lists every key).`,
        ],
    },
    {
        name: "a key this program has never had",
        config: { foo: "bar" },
        expected: [
            'foo: "bar" is not a setting of this program. Run: pulumi config rm foo (the README\'s configuration reference lists every key).',
        ],
    },
];

describe("hostile configurations", () => {
    it("has at least 150 cases, each with its own name", () => {
        expect(HOSTILE.length).to.be.at.least(150);
        expect(new Set(HOSTILE.map((c) => c.name)).size).to.equal(HOSTILE.length);
    });

    for (const c of HOSTILE) {
        it(`refuses ${c.name}`, () => {
            expect(problems(c)).to.deep.equal(c.expected);
        });
    }

    it("never prints a secret's value", () => {
        for (const c of HOSTILE) {
            const secrets = (c.secretKeys ?? ["zscalerClientSecret"]).map((k) => ({ ...VALID, ...c.config })[k]).filter(Boolean);
            for (const p of c.expected) {
                for (const s of secrets) {
                    expect(p, c.name).to.not.contain(JSON.stringify(s).slice(1, -1));
                }
            }
        }
    });
});
