/**
 * What an Express service's container receives: its environment, with the Host allow-list the MCP
 * server's DNS-rebinding guard checks, and its secrets.
 */
import type { ExpressGatewayServiceInputs } from "../expressGatewayService";

const LOOPBACK_HOSTS = ["127.0.0.1:*", "localhost:*"];

/**
 * The allow-list: the FQDN first (when known), then loopback, then the user's entries, without
 * duplicates.
 */
export function allowedHostsValue(fqdn: string | undefined, userHosts: readonly string[]): string {
    const all = [...(fqdn ? [fqdn] : []), ...LOOPBACK_HOSTS, ...userHosts];
    return [...new Set(all)].join(",");
}

/** The container environment AWS receives: the user's env plus the host-validation settings. */
export function containerEnvironment(i: ExpressGatewayServiceInputs, fqdn: string | undefined): { name: string; value: string }[] {
    const env: Record<string, string> = { ...i.container.environment };
    if (i.hostValidation === "disabled") {
        env.ZSCALER_MCP_DISABLE_HOST_VALIDATION = "true";
        delete env.ZSCALER_MCP_ALLOWED_HOSTS;
    } else {
        env.ZSCALER_MCP_ALLOWED_HOSTS = allowedHostsValue(fqdn, i.allowedHosts);
    }
    return Object.keys(env)
        .sort()
        .map((name) => ({ name, value: env[name] }));
}

/** The primaryContainer of a Create or Update call, with the allow-list for `fqdn` (when known). */
export function primaryContainer(i: ExpressGatewayServiceInputs, fqdn: string | undefined) {
    return {
        image: i.container.image,
        containerPort: i.container.containerPort,
        awsLogsConfiguration: { logGroup: i.container.logGroup, logStreamPrefix: i.container.logStreamPrefix },
        environment: containerEnvironment(i, fqdn),
        secrets: Object.keys(i.container.secrets)
            .sort()
            .map((name) => ({ name, valueFrom: i.container.secrets[name] })),
    };
}
