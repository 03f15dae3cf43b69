/**
 * The "AWS account" of the test-only aws plugin: a JSON file (named by ZSCALER_MCP_TEST_CLOUD) that
 * successive `pulumi` commands, and the tests that inspect or tamper with the account, all share.
 * Every change is a read-modify-write under a lock file, and the file is replaced atomically.
 */
import { randomBytes, randomUUID } from "crypto";
import * as fs from "fs";
import type { AccountView } from "../fakeaws/core/references";
import { ACCOUNT, REGION, secretArn } from "../support/awsConstants";

export { ACCOUNT };

export interface CloudRecord {
    /** The resource type token, e.g. aws:iam/role:Role. */
    type: string;
    id: string;
    /** What AWS holds: inputs and computed values, secret values in Pulumi's secret wrapper. */
    props: Record<string, any>;
    /** A secret scheduled for deletion: gone for every purpose but its name. */
    deletionDate?: string;
    /** Who created it (an STS caller ARN), as the provider's settings resolve the identity. */
    createdBy?: string;
}

export interface CloudState {
    resources: CloudRecord[];
    /** Cognito domain prefixes that other accounts already own (unique per region). */
    foreignDomains: string[];
}

/** A value as the plugin stores it, without Pulumi's secret wrapper. */
function unwrapSecret(v: any): any {
    return v && typeof v === "object" && "4dabf18193072939515e22adb298388d" in v ? v.value : v;
}

function emptyState(): CloudState {
    return { resources: [], foreignDomains: [] };
}

function sleepSync(ms: number): void {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export class Cloud {
    constructor(readonly file: string) {}

    static fromEnv(): Cloud {
        const file = process.env.ZSCALER_MCP_TEST_CLOUD;
        if (!file) {
            throw new Error("ZSCALER_MCP_TEST_CLOUD is not set: the test aws plugin keeps its account in the JSON file it names.");
        }
        return new Cloud(file);
    }

    read(): CloudState {
        return fs.existsSync(this.file) ? { ...emptyState(), ...JSON.parse(fs.readFileSync(this.file, "utf8")) } : emptyState();
    }

    /** Runs `change` on the current state and saves what it leaves, holding the lock throughout. */
    transact<T>(change: (s: CloudState) => T): T {
        const lock = `${this.file}.lock`;
        for (let i = 0; ; i++) {
            try {
                fs.closeSync(fs.openSync(lock, "wx"));
                break;
            } catch (e) {
                if ((e as NodeJS.ErrnoException).code !== "EEXIST" || i > 2_000) {
                    throw e;
                }
                sleepSync(5);
            }
        }
        try {
            const state = this.read();
            const result = change(state);
            const tmp = `${this.file}.${process.pid}.tmp`;
            fs.writeFileSync(tmp, JSON.stringify(state, null, 2));
            fs.renameSync(tmp, this.file);
            return result;
        } finally {
            fs.rmSync(lock, { force: true });
        }
    }

    /**
     * A new current version of a secret, as its owner (or a rotation) stores it outside any stack:
     * the secret is created first if no live one has the name; the version before loses AWSCURRENT.
     */
    putSecretValue(name: string, secretString: string, region = REGION): { arn: string; versionId: string } {
        return this.transact((s) => {
            const live = (type: string) => s.resources.filter((r) => r.type === type && !r.deletionDate);
            let secret = live("aws:secretsmanager/secret:Secret").find((r) => r.props.name === name);
            if (!secret) {
                const arn = secretArn(`${name}-${randomBytes(4).toString("hex").slice(0, 6)}`, { region });
                secret = { type: "aws:secretsmanager/secret:Secret", id: arn, props: { name, arn, tags: {} } };
                s.resources.push(secret);
            }
            for (const v of live("aws:secretsmanager/secretVersion:SecretVersion").filter((r) => r.props.arn === secret!.id)) {
                v.props.versionStages = (v.props.versionStages ?? []).includes("AWSCURRENT") ? ["AWSPREVIOUS"] : [];
            }
            const versionId = randomUUID();
            s.resources.push({
                type: "aws:secretsmanager/secretVersion:SecretVersion",
                id: `${secret.id}|${versionId}`,
                props: { arn: secret.id, secretId: secret.id, secretString, versionId, versionStages: ["AWSCURRENT"] },
            });
            return { arn: secret.id, versionId };
        });
    }

    /** The current value of a secret (by ARN or name), as a program holding GetSecretValue reads it. */
    currentSecretString(secretId: string): string | undefined {
        const secret = this.live("aws:secretsmanager/secret:Secret").find((r) => r.id === secretId || r.props.name === secretId);
        const version =
            secret &&
            this.live("aws:secretsmanager/secretVersion:SecretVersion").find(
                (r) => r.props.arn === secret.id && (r.props.versionStages ?? []).includes("AWSCURRENT"),
            );
        return version ? unwrapSecret(version.props.secretString) : undefined;
    }

    /** A Cognito app client by its id: its pool and secret, as Cognito's token endpoint checks them. */
    userPoolClient(clientId: string): { userPoolId: string; clientSecret: string; scopes: string[] } | undefined {
        const client = this.live("aws:cognito/userPoolClient:UserPoolClient").find((r) => r.id === clientId);
        return client
            ? {
                  userPoolId: client.props.userPoolId,
                  clientSecret: unwrapSecret(client.props.clientSecret),
                  scopes: unwrapSecret(client.props.allowedOauthScopes) ?? [],
              }
            : undefined;
    }

    /**
     * What the local AWS endpoint consults of this account (IAM roles, Cognito user pools), read
     * from the file whenever a request needs it: one account for both stand-ins.
     */
    accountView(): AccountView {
        return {
            role: (arn) => {
                const role = this.live("aws:iam/role:Role").find((r) => r.props.arn === arn);
                return role ? { trustPolicy: String(unwrapSecret(role.props.assumeRolePolicy) ?? "") } : undefined;
            },
            hasUserPool: (id) => this.live("aws:cognito/userPool:UserPool").some((r) => r.id === id),
        };
    }

    /** Live records (secrets scheduled for deletion excluded), optionally of one type. */
    live(type?: string): CloudRecord[] {
        return this.read().resources.filter((r) => !r.deletionDate && (type === undefined || r.type === type));
    }
}
