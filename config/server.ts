/**
 * The server section: which MCP server the harness calls (the user's own URL, or the image this
 * stack runs) and the ECS service's size.
 */
import { domainToUnicode } from "url";
import { imageRegionProblem } from "../aws/images";
import { FARGATE_SIZES, fargateOffers, fargateSizesText } from "../aws/fargate";
import { FORMATS, NAME_RULES } from "../aws/names";
import { isSigV4RuntimeUrl, normalizeMcpUrl } from "../server/mcpUrl";
import { serverImageProblem } from "../server/releases";
import { DEFAULTS } from "./keys";
import { hasControl, hidable, shown } from "./messages";
import type { ConfigReader } from "./reader";

export const MAX_MCP_URL_LENGTH = 2048;

export type Topology = "ecs" | "gateway";

/** Why an MCP URL cannot be used, or its normalised form. */
function checkMcpUrl(raw: string): { url: string; sigV4: boolean; idn?: { unicode: string; punycode: string } } | { problem: string } {
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
        return {
            problem: `mcpUrl: ${shown(raw)} names its server by IP address; use the DNS name its HTTPS certificate is issued for. ${fix}`,
        };
    }
    if (url.port === "0") {
        return {
            problem: `mcpUrl: ${shown(raw)} names port 0, on which no server can be reached. Give the server's port (1-65535), or none for 443. ${fix}`,
        };
    }
    const labels = host.split(".");
    if (
        labels.length < 2 ||
        /^(localhost|local|internal|localdomain)$/.test(labels[labels.length - 1]) ||
        labels.some((l) => !/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(l))
    ) {
        return {
            problem: `mcpUrl: ${shown(raw)} does not name a public DNS host (dot-separated labels of letters, digits and hyphens); Harness calls it from AWS. ${fix}`,
        };
    }
    const path = raw.slice("https://".length + authority.length);
    if (!/^[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/.test(path.replace(/%[0-9A-Fa-f]{2}/g, ""))) {
        return { problem: `mcpUrl: ${shown(raw)} has characters a URL path may not hold unencoded. ${fix}` };
    }
    const normalized = normalizeMcpUrl(`https://${url.host}${url.pathname}`);
    // A host written in Unicode (or as punycode) is called by its punycode form; a look-alike letter names another host.
    const idn = labels.some((l) => l.startsWith("xn--")) ? { unicode: domainToUnicode(host), punycode: host } : undefined;
    if (normalized.length > MAX_MCP_URL_LENGTH) {
        return { problem: `mcpUrl: ${shown(raw)} is longer than ${MAX_MCP_URL_LENGTH} characters once /mcp is appended. ${fix}` };
    }
    return { url: normalized, sigV4: isSigV4RuntimeUrl(normalized), ...(idn ? { idn } : {}) };
}

/** The user's own MCP URL (normalised), when set; whether the stack runs the server itself. */
export function readMcpUrl(r: ConfigReader, topology: Topology): { mcpUrl?: string; deploysServer: boolean } {
    let mcpUrl: string | undefined;
    const rawUrl = r.str("mcpUrl");
    const allowSigV4 = r.bool("allowSigV4McpUrl");
    if (rawUrl !== undefined) {
        if (topology === "gateway") {
            r.problems.push(
                "mcpUrl: a user-supplied MCP URL applies to topology ecs only; the gateway topology runs its own server. " +
                    "Run: pulumi config rm mcpUrl (or pulumi config set topology ecs)",
            );
        }
        const checked = checkMcpUrl(rawUrl);
        if ("problem" in checked) {
            r.problems.push(checked.problem);
        } else {
            mcpUrl = checked.url;
            if (checked.idn) {
                r.warnings.push(
                    `mcpUrl: the host ${hidable(checked.idn.unicode)} is internationalised; the harness calls it as ` +
                        `${hidable(checked.idn.punycode)}. Check that this is your server's name: a letter of another ` +
                        "script that looks the same names another host.",
                );
            }
            if (checked.sigV4) {
                const why =
                    "is an AgentCore Runtime endpoint that accepts only SigV4-signed calls; remote_mcp sends static " +
                    "headers, so every invocation would get HTTP 403. Use topology gateway to reach a Runtime";
                if (allowSigV4) {
                    r.warnings.push(`mcpUrl ${why}. Deploying anyway because allowSigV4McpUrl is true.`);
                } else {
                    r.problems.push(`mcpUrl: ${hidable(mcpUrl)} ${why}, or set allowSigV4McpUrl true to deploy the harness anyway.`);
                }
            }
        }
    }
    const deploysServer = topology === "gateway" || rawUrl === undefined;
    return { mcpUrl, deploysServer };
}

/** The server's image: a reference AWS can pull, of a release that serves the topology. */
export function readImage(
    r: ConfigReader,
    { topology, region, deploysServer }: { topology: Topology; region: string; deploysServer: boolean },
): string {
    const imageUri = r.str("imageUri") ?? DEFAULTS.imageUri;
    if (imageUri.length > 1024 || !FORMATS.imageRef.test(imageUri)) {
        r.problems.push(
            `imageUri: ${shown(imageUri)} is not a container image reference (registry/repository:tag or @sha256:digest, ` +
                `at most 1024 characters). Run: pulumi config set imageUri ${DEFAULTS.imageUri}`,
        );
    } else {
        // A release that cannot serve the topology is refused before anything exists.
        const versionProblem = deploysServer ? serverImageProblem(imageUri, topology, DEFAULTS.imageUri, hidable) : undefined;
        if (versionProblem) {
            r.problems.push(versionProblem);
        }
    }
    if (topology === "gateway" && imageUri.length <= 1024 && FORMATS.imageRef.test(imageUri)) {
        if (!FORMATS.runtimeContainerUri.test(imageUri)) {
            r.problems.push(
                `imageUri: AgentCore Runtime runs images from Amazon ECR or public.ecr.aws only; ${shown(imageUri)} is neither. ` +
                    "Push the image to ECR in the deploy region and set imageUri to it.",
            );
        } else {
            const regionProblem = imageRegionProblem(imageUri, region, hidable);
            if (regionProblem) {
                r.problems.push(regionProblem);
            }
        }
    }
    return imageUri;
}

/** The ECS service's cluster and Fargate size. */
export function readEcsSize(r: ConfigReader): { existingClusterName?: string; cpu: string; memory: string } {
    const existingClusterName = r.str("ecsClusterName");
    if (existingClusterName !== undefined && !NAME_RULES.ecsCluster.re.test(existingClusterName)) {
        r.problems.push(
            `ecsClusterName: ${shown(existingClusterName)} is not an ECS cluster name (${NAME_RULES.ecsCluster.rule}). ` +
                "Run: pulumi config set ecsClusterName <cluster>",
        );
    }
    const cpu = r.str("ecsCpu") ?? DEFAULTS.ecsCpu;
    const memory = r.str("ecsMemory") ?? DEFAULTS.ecsMemory;
    const cpuOk = cpu in FARGATE_SIZES;
    if (!cpuOk) {
        r.problems.push(
            `ecsCpu: ${shown(cpu)} must be one of ${Object.keys(FARGATE_SIZES).join(", ")} (CPU units). Run: pulumi config set ecsCpu 1024`,
        );
    }
    if (!/^[1-9][0-9]{0,6}$/.test(memory)) {
        r.problems.push(`ecsMemory: ${shown(memory)} must be the memory in MiB, in decimal digits. Run: pulumi config set ecsMemory 2048`);
    } else if (cpuOk && !fargateOffers(cpu, Number(memory))) {
        r.problems.push(
            `ecsMemory: ${shown(memory)} is not offered by Fargate with ecsCpu ${cpu}; choose ${fargateSizesText(cpu)} MiB. ` +
                `Run: pulumi config set ecsMemory ${Array.isArray(FARGATE_SIZES[cpu]) ? (FARGATE_SIZES[cpu] as number[])[0] : (FARGATE_SIZES[cpu] as { from: number }).from}`,
        );
    }
    return { existingClusterName, cpu, memory };
}
