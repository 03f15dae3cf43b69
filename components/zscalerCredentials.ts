/**
 * Where the Zscaler OneAPI credentials live: a Secrets Manager secret the stack owns (managed),
 * an existing one it only reads (external), or the container environment (plaintext, development
 * only).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { credentialKeysIn, REQUIRED_CREDENTIAL_KEYS } from "../server/env";

export interface ZscalerCredentialsArgs {
    readonly mode: "managed" | "external" | "plaintext";
    /** The credentials present in config, keyed as the server reads them: a secret Output. */
    readonly values: pulumi.Output<Record<string, string>>;
    /** Prefix of the managed secret's name; Pulumi appends a random suffix. */
    readonly secretNamePrefix: string;
    /** The existing secret, for mode external, as readExternalSecret found it. */
    readonly external?: ExternalSecret;
    /** 0 deletes at once on destroy; otherwise the recovery window in days. */
    readonly recoveryWindowDays: number;
    readonly retainOnDelete: boolean;
    readonly tags: Readonly<Record<string, pulumi.Input<string>>>;
}

export class ZscalerCredentials extends pulumi.ComponentResource {
    /** ARN of the secret (managed or external); undefined in plaintext mode. */
    readonly secretArn?: pulumi.Output<string>;
    readonly secretName?: pulumi.Output<string>;
    /** The credential keys the secret holds (never their values); undefined in plaintext mode. */
    readonly keys?: pulumi.Output<string[]>;
    /**
     * The secret's current version: it changes whenever the credentials do (a rotation in config,
     * or a new version of an external secret), and the server is redeployed with it.
     */
    readonly versionId?: pulumi.Output<string>;

    constructor(name: string, args: ZscalerCredentialsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("zscaler-mcp:credentials:ZscalerCredentials", name, {}, opts);
        if (args.mode === "managed") {
            // A generated suffix means a destroy-then-up never meets the old secret's recovery window.
            const secret = new aws.secretsmanager.Secret(
                `${name}-secret`,
                {
                    namePrefix: args.secretNamePrefix,
                    description: "Zscaler OneAPI credentials for the Zscaler MCP server",
                    recoveryWindowInDays: args.recoveryWindowDays,
                    tags: { ...args.tags },
                },
                { parent: this, retainOnDelete: args.retainOnDelete },
            );
            const version = new aws.secretsmanager.SecretVersion(
                `${name}-secret-value`,
                { secretId: secret.id, secretString: pulumi.secret(pulumi.output(args.values).apply((v) => JSON.stringify(v))) },
                { parent: this, retainOnDelete: args.retainOnDelete },
            );
            // Consumers get the ARN only once the value is stored, so no task boots on an empty secret.
            this.secretArn = pulumi.all([secret.arn, version.id]).apply(([arn]) => arn);
            this.secretName = pulumi.all([secret.name, version.id]).apply(([n]) => n);
            this.keys = pulumi.output(pulumi.unsecret(pulumi.output(args.values).apply((v) => Object.keys(v))));
            this.versionId = version.versionId;
        } else if (args.mode === "external") {
            // Read (and checked) before anything was registered; never written or deleted.
            const external = args.external!;
            this.secretArn = pulumi.output(external.arn);
            this.secretName = pulumi.output(external.name);
            this.keys = pulumi.output(external.keys);
            this.versionId = pulumi.output(external.versionId);
        } else {
            pulumi.log.warn(
                "secretsMode plaintext: the Zscaler credentials go into the container environment. Use it for development only.",
                this,
            );
        }
        this.registerOutputs({ secretArn: this.secretArn, secretName: this.secretName, versionId: this.versionId });
    }
}

/** An existing secret the stack reads: where it is, the credential keys it holds, its current version. */
export interface ExternalSecret {
    arn: string;
    name: string;
    keys: string[];
    versionId: string;
}

/**
 * Looks up the external secret and reads its current value for its keys alone (the values never
 * leave this function): the server needs each required key and receives every credential key
 * there is. A missing secret or key stops the program before any resource is registered. `hidden`:
 * the name was set with --secret, so no message quotes it (nor AWS's words, which may).
 */
export async function readExternalSecret(ref: string, region: string, opts: pulumi.InvokeOptions, hidden = false): Promise<ExternalSecret> {
    const named = hidden ? "(secret value not shown)" : ref;
    let found: { arn: string; name: string };
    let current: { secretString: string; versionId: string };
    try {
        found = await aws.secretsmanager.getSecret(ref.startsWith("arn:") ? { arn: ref } : { name: ref }, opts);
        current = await aws.secretsmanager.getSecretVersion({ secretId: found.arn }, opts);
    } catch (e) {
        throw new pulumi.RunError(
            `zscalerSecretName: the secret ${named} could not be read in ${region} (${
                hidden ? "AWS's answer not shown: it may name the secret" : String((e as Error).message).split("\n")[0]
            }). ` + "Create it, or name an existing secret with pulumi config set --plaintext zscalerSecretName <name or ARN>.",
        );
    }
    const { keys, missing, problem } = credentialKeysIn(current.secretString);
    if (problem || missing.length > 0) {
        throw new pulumi.RunError(
            `zscalerSecretName: the secret ${named} ${problem ?? `holds no ${missing.join(", ")}`}; the MCP server needs ` +
                `${REQUIRED_CREDENTIAL_KEYS.join(", ")} (and reads ZSCALER_CLOUD when present). Add them to the secret, then run pulumi up again.`,
        );
    }
    return { arn: found.arn, name: found.name, keys, versionId: current.versionId };
}
