/**
 * The credentials section: the Zscaler OneAPI client, and where its secret lives.
 */
import { FORMATS } from "../aws/names";
import { GOVERNMENT_CLOUDS, ZSCALER_CLOUDS } from "../server/env";
import { DEFAULTS } from "./keys";
import { closest, hasControl, hidable, shown } from "./messages";
import { refusedPartition } from "./partition";
import type { ConfigReader } from "./reader";

export const SECRETS_MODES = ["managed", "external", "plaintext"] as const;
export type SecretsMode = (typeof SECRETS_MODES)[number];

export interface CredentialSettings {
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
    };
}

/**
 * The Zscaler cloud: one of the names the server and its SDK put into their token and API host
 * names (server/env.ts), exactly so written; anything else could send the credentials to another
 * domain, so it is refused, with the cloud that was probably meant.
 */
function readCloud(r: ConfigReader): string | undefined {
    const cloud = r.str("zscalerCloud");
    if (cloud === undefined || (ZSCALER_CLOUDS as readonly string[]).includes(cloud)) {
        return cloud;
    }
    const fix = "Run: pulumi config set zscalerCloud <cloud> (or pulumi config rm zscalerCloud for production)";
    const gov = GOVERNMENT_CLOUDS[cloud.toLowerCase() as keyof typeof GOVERNMENT_CLOUDS];
    if (gov !== undefined) {
        r.problems.push(
            `zscalerCloud: ${shown(cloud)} is a government (FedRAMP) cloud, whose OneAPI tokens come from ${gov}; the MCP ` +
                `server's own credential check would ask ${hidable(`<vanity>.zslogin${cloud.toLowerCase()}.net`)} instead, ` +
                `outside that cloud, so this program does not deploy it. ${fix}`,
        );
        return undefined;
    }
    const guess = closest(cloud, ZSCALER_CLOUDS);
    r.problems.push(
        `zscalerCloud: ${shown(cloud)} is not a Zscaler OneAPI cloud (${ZSCALER_CLOUDS.join(", ")}, exactly so written); ` +
            "the server would send the client id and secret to <vanity>.zslogin<cloud>.net" +
            (guess ? `. Did you mean ${guess}? Run: pulumi config set zscalerCloud ${guess}` : `. ${fix}`),
    );
    return undefined;
}

export function readCredentials(
    r: ConfigReader,
    { region, topology, deploysServer }: { region: string; topology: "ecs" | "gateway"; deploysServer: boolean },
): CredentialSettings {
    const secretsMode = r.oneOf<SecretsMode>("secretsMode", SECRETS_MODES);
    const externalSecretName = r.str("zscalerSecretName");
    if (secretsMode === "external" && externalSecretName === undefined && deploysServer) {
        r.problems.push(
            "zscalerSecretName: secretsMode external needs the name or ARN of an existing Secrets Manager secret. " +
                "Run: pulumi config set --plaintext zscalerSecretName <name or ARN>",
        );
    }
    const nameFix = "Run: pulumi config set --plaintext zscalerSecretName <name or ARN>";
    if (externalSecretName !== undefined && !refusedPartition(r, "zscalerSecretName", externalSecretName, nameFix)) {
        const arn = FORMATS.secretArn.exec(externalSecretName);
        if (externalSecretName.startsWith("arn:") ? !arn : !FORMATS.secretName.test(externalSecretName)) {
            r.problems.push(
                `zscalerSecretName: ${shown(externalSecretName)} is neither a Secrets Manager secret name (1-512 letters, digits ` +
                    `and / _ + = . @ -) nor a secret's ARN. Run: pulumi config set --plaintext zscalerSecretName <name or ARN>`,
            );
        } else if (arn && arn[2] !== region) {
            r.problems.push(
                `zscalerSecretName: ${shown(externalSecretName)} is in ${hidable(arn[2])}, but the stack deploys to ${region} and reads ` +
                    `secrets through Secrets Manager there. Replicate the secret to ${region} and name that copy.`,
            );
        }
    }
    if (secretsMode !== "external" && externalSecretName !== undefined) {
        r.warnings.push(`zscalerSecretName is ignored because secretsMode is ${secretsMode}.`);
    }
    if (secretsMode === "plaintext" && deploysServer) {
        r.warnings.push(
            "secretsMode plaintext puts the Zscaler client secret into the container's environment. " +
                "Use it for development only; managed or external keeps it in Secrets Manager.",
        );
    }
    const zscaler = {
        clientId: r.matching("zscalerClientId"),
        clientSecret: r.str("zscalerClientSecret"),
        customerId: r.matching("zscalerCustomerId"),
        vanityDomain: r.matching("zscalerVanityDomain"),
        cloud: readCloud(r),
    };
    // The ECS topology always needs id and secret (the Token Vault holds the Basic header); the
    // gateway topology needs them only when the stack writes the secret itself.
    const needsCredentials = topology === "ecs" || secretsMode !== "external";
    if (needsCredentials) {
        if (zscaler.clientId === undefined) {
            r.problems.push("zscalerClientId: missing. Run: pulumi config set zscalerClientId <client id>");
        }
        if (zscaler.clientSecret === undefined) {
            r.problems.push("zscalerClientSecret: missing. Run: pulumi config set --secret zscalerClientSecret <client secret>");
        }
    }
    if (zscaler.clientSecret !== undefined) {
        if (!r.raw.isSecret("zscalerClientSecret")) {
            r.problems.push(
                "zscalerClientSecret: stored as plaintext in the stack file. Store it encrypted: " +
                    "pulumi config set --secret zscalerClientSecret <client secret>",
            );
        } else if (hasControl(zscaler.clientSecret) || zscaler.clientSecret.length > 2048) {
            // Never shown: only what is wrong with it.
            r.problems.push(
                "zscalerClientSecret: (value not shown) contains a line break or another control character, or is longer than " +
                    "2048 characters. Set it again: pulumi config set --secret zscalerClientSecret <client secret>",
            );
        }
    }
    if (deploysServer && secretsMode !== "external") {
        if (zscaler.customerId === undefined) {
            r.problems.push("zscalerCustomerId: missing; the MCP server needs it. Run: pulumi config set zscalerCustomerId <id>");
        }
        if (zscaler.vanityDomain === undefined) {
            r.problems.push("zscalerVanityDomain: missing; the MCP server needs it. Run: pulumi config set zscalerVanityDomain <domain>");
        }
    }
    const recoveryWindowDays = r.int("secretRecoveryDays", 0, 30) ?? DEFAULTS.secretRecoveryDays;
    if (recoveryWindowDays > 0 && recoveryWindowDays < 7) {
        r.problems.push(
            `secretRecoveryDays: ${recoveryWindowDays} must be 0 (delete at once) or from 7 to 30 days. Run: pulumi config set secretRecoveryDays 7`,
        );
    }
    return { zscaler, secrets: { mode: secretsMode, externalSecretName, recoveryWindowDays } };
}
