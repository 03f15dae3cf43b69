/**
 * Where the Zscaler OneAPI credentials live: a Secrets Manager secret the stack owns (managed),
 * an existing one it only reads (external), or the container environment (plaintext, development
 * only).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { credentialValues } from "./env";
import type { SecretsMode, Settings } from "./settings";

export interface ZscalerCredentialsArgs {
    readonly mode: SecretsMode;
    /** The credentials present in config (a secret Output). */
    readonly values: pulumi.Input<Record<string, string>>;
    /** Prefix of the managed secret's name; Pulumi appends a random suffix. */
    readonly secretNamePrefix: string;
    /** Name or ARN of the existing secret, for mode external. */
    readonly externalSecret?: string;
    /** 0 deletes at once on destroy; otherwise the recovery window in days. */
    readonly recoveryWindowDays: number;
    readonly retainOnDelete: boolean;
    readonly tags: Record<string, string>;
}

export class ZscalerCredentials extends pulumi.ComponentResource {
    /** ARN of the secret (managed or external); undefined in plaintext mode. */
    readonly secretArn?: pulumi.Output<string>;
    readonly secretName?: pulumi.Output<string>;

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
                    tags: args.tags,
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
        } else if (args.mode === "external") {
            // Looked up (which fails clearly when it does not exist), never written or deleted.
            const ref = args.externalSecret!;
            const found = aws.secretsmanager.getSecretOutput(ref.startsWith("arn:") ? { arn: ref } : { name: ref }, { parent: this });
            this.secretArn = found.arn;
            this.secretName = found.name;
        } else {
            pulumi.log.warn(
                "secretsMode plaintext: the Zscaler credentials go into the container environment. Use it for development only.",
                this,
            );
        }
        this.registerOutputs({ secretArn: this.secretArn, secretName: this.secretName });
    }
}

/** Where this stack's settings put the credentials. */
export function credentialsArgs(s: Readonly<Settings>): ZscalerCredentialsArgs {
    return {
        mode: s.secrets.mode,
        values: pulumi.secret(credentialValues(s.zscaler) as Record<string, string>),
        secretNamePrefix: s.names.secretPrefix,
        externalSecret: s.secrets.externalSecretName,
        recoveryWindowDays: s.secrets.recoveryWindowDays,
        retainOnDelete: s.keep.secret,
        tags: s.tags,
    };
}

