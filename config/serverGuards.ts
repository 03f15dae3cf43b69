/**
 * The server's own guards: the Host allow-list, the extra environment a user may give the server,
 * and the risks a user must acknowledge before a setting weakens it.
 */
import { RUNTIME_ENV_LIMITS } from "../aws/names";
import { isSecretEnvName, SERVER_CREDENTIAL_ENV, SERVER_LISTEN } from "../server/env";
import { closest, hasControl, shown } from "./messages";
import type { ConfigReader } from "./reader";
import type { Topology } from "./server";

export type HostValidation = "auto" | "disabled";

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

/** Variables the program sets itself on the runtime, at most (transport, host, port, HTTP, host check, secret or credentials). */
const PROGRAM_ENV_ENTRIES = 10;
export const MAX_CONTAINER_ENV = RUNTIME_ENV_LIMITS.entries - PROGRAM_ENV_ENTRIES;
export const MAX_ALLOWED_HOSTS = 20;

const CONTAINER_ENV_KEY = /^(ZSCALER_|FASTMCP_|MCP_)[A-Z0-9_]+$/;
const ALLOWED_HOST = /^(\*|[a-zA-Z0-9.-]+(:(\d{1,5}|\*))?|\[[0-9a-fA-F:]+\](:(\d{1,5}|\*))?)$/;
const TRUE = /^(1|true|yes|on)$/i;
const FALSE = /^(0|false|no|off)$/i;

export interface ServerGuards {
    hostValidation: HostValidation;
    allowedHosts: string[];
    containerEnv: Record<string, string>;
    /** The weaker server settings the user acknowledged (each also produces a warning). */
    acknowledgedRisks: Risk[];
}

export function readServerGuards(
    r: ConfigReader,
    { topology, deploysServer }: { topology: Topology; deploysServer: boolean },
): ServerGuards {
    const acknowledged: Risk[] = [];
    for (const risk of r.list("acknowledgeRisks")) {
        if (risk in RISKS) {
            acknowledged.push(risk as Risk);
        } else {
            const guess = closest(risk, Object.keys(RISKS));
            r.problems.push(
                `acknowledgeRisks: ${shown(risk)} is not one of ${Object.keys(RISKS).join(", ")}` +
                    (guess ? `; did you mean ${guess}?` : ".") +
                    " Run: pulumi config set --path 'acknowledgeRisks[0]' <risk>",
            );
        }
    }
    // Each risk comes from one key: any-host from allowedHosts, the others from containerEnv.
    const weakened = new Map<Risk, string[]>();
    const weakens = (risk: Risk, setting: string) => weakened.set(risk, [...(weakened.get(risk) ?? []), shown(setting)]);

    const hostValidation = r.oneOf<HostValidation>("hostValidation", ["auto", "disabled"]);
    const allowedHosts: string[] = [];
    const rawHosts = r.list("allowedHosts");
    if (rawHosts.length > MAX_ALLOWED_HOSTS) {
        r.problems.push(
            `allowedHosts: has ${rawHosts.length} entries; at most ${MAX_ALLOWED_HOSTS}. Remove some: pulumi config rm --path 'allowedHosts[<n>]'`,
        );
    }
    for (const h of rawHosts) {
        const port = /:(\d+)$/.exec(h)?.[1];
        const hostPart = h.replace(/:(\d+|\*)$/, "");
        if (
            !ALLOWED_HOST.test(h) ||
            h.length > 260 ||
            (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) ||
            (!hostPart.startsWith("[") &&
                hostPart !== "*" &&
                hostPart.split(".").some((l) => !/^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/.test(l)))
        ) {
            r.problems.push(
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
    const envEntries = r.list("containerEnv");
    if (envEntries.length > MAX_CONTAINER_ENV) {
        r.problems.push(
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
        if (eq > 0 && isSecretEnvName(key)) {
            // Before the name's own rules: a credential is refused whatever its name starts with.
            r.problems.push(
                SERVER_CREDENTIAL_ENV.includes(key)
                    ? `containerEnv: ${key} is a credential; set it with the zscaler* config keys so it is kept secret, not in containerEnv.`
                    : `containerEnv: ${key} is a secret, and containerEnv stays readable in the container's definition. ` +
                          (topology === "gateway"
                              ? "Put it in the Secrets Manager secret of secretsMode external (zscalerSecretName), which the server reads at start. "
                              : "Secrets reach the server only from the Secrets Manager secret (secretsMode managed or external), and on ECS only " +
                                "the Zscaler client's keys; the gateway topology's server reads the others from it too. ") +
                          remove,
            );
            continue;
        }
        if (eq <= 0 || !CONTAINER_ENV_KEY.test(key) || key.length > RUNTIME_ENV_LIMITS.keyLength) {
            r.problems.push(
                `containerEnv: ${shown(key)} must be KEY=VALUE with a key starting ZSCALER_, FASTMCP_ or MCP_ (upper case, ` +
                    `at most ${RUNTIME_ENV_LIMITS.keyLength} characters). ${remove}`,
            );
            continue;
        }
        if (value.length > RUNTIME_ENV_LIMITS.valueLength || hasControl(value)) {
            r.problems.push(
                `containerEnv: ${key}=${shown(value)} must be one line of at most ${RUNTIME_ENV_LIMITS.valueLength} characters ` +
                    `without control characters (AgentCore Runtime's limit). ${remove}`,
            );
            continue;
        }
        if (key in containerEnv) {
            r.problems.push(`containerEnv: ${key} is set twice (${shown(containerEnv[key])} and ${shown(value)}). Keep one.`);
            continue;
        }
        switch (key) {
            case "ZSCALER_MCP_ALLOWED_HOSTS":
                r.problems.push(
                    "containerEnv: set ZSCALER_MCP_ALLOWED_HOSTS through the allowedHosts list; the service's own address is added to it.",
                );
                continue;
            case "ZSCALER_SECRET_NAME":
                r.problems.push(
                    "containerEnv: ZSCALER_SECRET_NAME is set by the program from secretsMode. Use zscalerSecretName instead, and remove it from containerEnv.",
                );
                continue;
            case "ZSCALER_MCP_ALLOW_HTTP":
                r.problems.push(
                    `containerEnv: ${key} is set by the program: TLS ends at the ${topology === "ecs" ? "load balancer" : "AgentCore Runtime"}, ` +
                        `so the server always listens on plain HTTP behind it. ${remove}`,
                );
                continue;
            case "ZSCALER_MCP_TRUST_PLATFORM_AUTH":
                r.problems.push(
                    topology === "ecs"
                        ? `containerEnv: ${key} would let anyone who reaches the public ECS endpoint call the server without ` +
                              `Zscaler credentials; it is never set on ECS. ${remove}`
                        : `containerEnv: ${key} is set by the program for the runtime, which only AgentCore can reach. ${remove}`,
                );
                continue;
            case "ZSCALER_MCP_TRANSPORT":
                if (value !== "streamable-http") {
                    r.problems.push(
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
                    r.problems.push(`containerEnv: ${key}=${shown(value)} must be true or false. ${remove}`);
                    continue;
                }
                if (key === "ZSCALER_MCP_AUTH_ENABLED" && FALSE.test(value)) {
                    weakens("auth-off", setting);
                }
                if (key === "ZSCALER_MCP_WRITE_ENABLED" && TRUE.test(value)) {
                    weakens("write-tools", setting);
                }
                if (key === "ZSCALER_MCP_DISABLE_HOST_VALIDATION" && TRUE.test(value) && hostValidation === "auto") {
                    r.problems.push(
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
                    r.problems.push(
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
                if (value !== SERVER_LISTEN.host) {
                    weakens("listen-override", setting);
                }
                break;
            case "ZSCALER_MCP_PORT":
            case "FASTMCP_PORT":
                if (!/^[1-9][0-9]{0,4}$/.test(value) || Number(value) > 65535) {
                    r.problems.push(`containerEnv: ${key}=${shown(value)} is not a port (1-65535 in decimal digits). ${remove}`);
                    continue;
                }
                if (Number(value) !== SERVER_LISTEN.port) {
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
            r.warnings.push(`${key} ${what}: ${RISK_IN_EFFECT[risk]} (acknowledged in acknowledgeRisks as ${risk}).`);
        } else {
            r.problems.push(
                `${key}: ${what} ${RISKS[risk]}. Remove ${settings.length === 1 ? "it" : "them"}, or accept the risk: ` +
                    `pulumi config set --path 'acknowledgeRisks[${nextAck++}]' ${risk}`,
            );
        }
    }
    for (const risk of acknowledged) {
        if (!weakened.has(risk)) {
            r.warnings.push(
                `acknowledgeRisks lists ${risk}, but no setting needs it. Remove it so a later change cannot use it unnoticed.`,
            );
        }
    }
    if (topology === "ecs" && deploysServer && hostValidation === "disabled") {
        r.warnings.push(
            "hostValidation disabled: the MCP server answers any Host header on its public endpoint, without its DNS-rebinding guard.",
        );
        if (allowedHosts.length > 0) {
            r.warnings.push("allowedHosts is ignored because hostValidation is disabled.");
        }
    }
    return { hostValidation, allowedHosts, containerEnv, acknowledgedRisks: acknowledged };
}
