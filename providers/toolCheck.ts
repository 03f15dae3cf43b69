/**
 * The tool check: after a deploy, calls the MCP server as the harness does (MCP `initialize`, then
 * `tools/list`, every page) with the official MCP TypeScript SDK, and records the server's name,
 * version, protocol revision and tool count. `pulumi up` fails, naming the cause and the fix, when
 * the server does not answer with its tools; `npm run doctor` runs the same check (`checkTools`).
 *
 * - remote_mcp (ecs): the service's URL with the Token Vault's `Authorization: Basic ...` value.
 * - agentcore_gateway: a Cognito client-credentials token (the app client's id and secret, the
 *   scope), then the gateway's URL with `Authorization: Bearer <token>`.
 *
 * The resource creates nothing in AWS. It runs again when `revision` changes (the components fill
 * it with what identifies the deployed server), or the URL or credentials do; refresh never calls
 * the server, and delete does nothing. The credentials are inputs only: the outputs keep a digest
 * of them (itself a secret), so that a change is noticed without the outputs holding them.
 */
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { inProject, ProjectResource } from "./projectProvider";
import type { ArgsOf } from "./args";
import { checkFields, CheckFailure, containsUnknown, diffInputs, DiffSpec, inputsOf, UNKNOWN } from "./lifecycle";
import { checkTools, ToolKind, ToolReport, ToolTarget } from "./mcp/check";

// The call itself lives in mcp/check.ts (and its failures in mcp/failures.ts); doctor, the tests
// and the MCP server's test clients import it from here.
export { checkTools, ToolCheckError } from "./mcp/check";
export type { CheckToolsOptions, ToolKind, ToolReport, ToolTarget } from "./mcp/check";

export interface ToolCheckInputs {
    region: string;
    kind: ToolKind;
    url: string;
    /** remote_mcp: the Authorization header value (secret). */
    authorization?: string;
    /** agentcore_gateway: Cognito's token endpoint, the app client, its secret (secret) and the scope. */
    tokenEndpoint?: string;
    clientId?: string;
    clientSecret?: string;
    scope?: string;
    /** What identifies the deployed server (image, credentials version, deployment or runtime version, ...): a change runs the check again. */
    revision: string;
}

/** The state: the inputs without the credentials, their digest (a secret), and what the server reported. */
export interface ToolCheckOutputs extends Omit<ToolCheckInputs, "authorization" | "clientSecret">, ToolReport {
    credentialsDigest: string;
}

/** The inputs that are credentials: never in the state, only their digest. */
const CREDENTIAL_FIELDS = ["authorization", "clientSecret"] as const;

// Nothing exists in AWS, so nothing is ever replaced: any change runs the check again, in place.
export const TOOL_CHECK_DIFF: DiffSpec = {
    createOnly: [],
    updatable: ["region", "kind", "url", "tokenEndpoint", "clientId", "scope", "revision"],
};
/** The diff also compares the credentials, by their digest in the state. */
const DIFF_WITH_CREDENTIALS: DiffSpec = { ...TOOL_CHECK_DIFF, updatable: [...TOOL_CHECK_DIFF.updatable, "credentialsDigest"] };

function credentialsDigest(i: Pick<ToolCheckInputs, "authorization" | "clientSecret">): string {
    const h = crypto.createHash("sha256");
    for (const f of CREDENTIAL_FIELDS) {
        h.update(`${f}\u0000${i[f] ?? ""}\u0000`);
    }
    return h.digest("hex");
}

function targetOf(i: ToolCheckInputs): ToolTarget {
    return i.kind === "remote_mcp"
        ? { kind: "remote_mcp", url: i.url, authorization: i.authorization! }
        : {
              kind: "agentcore_gateway",
              url: i.url,
              tokenEndpoint: i.tokenEndpoint!,
              clientId: i.clientId!,
              clientSecret: i.clientSecret!,
              scope: i.scope!,
          };
}

async function runCheck(i: ToolCheckInputs): Promise<ToolCheckOutputs> {
    const report = await checkTools(targetOf(i));
    const { authorization: _a, clientSecret: _c, ...plain } = i;
    return { ...plain, credentialsDigest: credentialsDigest(i), ...report };
}

export const toolCheckProvider: pulumi.dynamic.ResourceProvider<ToolCheckInputs, ToolCheckOutputs> = {
    async check(_olds, news) {
        const n = news as unknown as Record<string, unknown>;
        const failures: CheckFailure[] = checkFields(n, ["region", "kind", "url", "revision"], {
            kind: { re: /^(remote_mcp|agentcore_gateway)$/, rule: "remote_mcp or agentcore_gateway" },
            url: { re: /^https?:\/\/[^\s/?#]+[^\s]*$/, rule: "an http(s) URL" },
        });
        if (news.kind === "remote_mcp") {
            failures.push(...checkFields(n, ["authorization"]));
        } else if (news.kind === "agentcore_gateway") {
            failures.push(...checkFields(n, ["tokenEndpoint", "clientId", "clientSecret", "scope"]));
        }
        return { inputs: news, failures };
    },

    async diff(_id, olds, news) {
        // The credentials are compared by digest; an unknown one (a preview) counts as a change.
        const digest = CREDENTIAL_FIELDS.some((f) => containsUnknown(news[f])) ? UNKNOWN : credentialsDigest(news);
        return diffInputs(olds as any, { ...news, credentialsDigest: digest } as any, DIFF_WITH_CREDENTIALS);
    },

    async create(inputs) {
        return { id: `${inputs.kind}:${inputs.url}`, outs: await runCheck(inputs) };
    },

    async read(id, props) {
        // A refresh does not call the server: the state is what the last check found.
        return { id, props, inputs: inputsOf(props as any, TOOL_CHECK_DIFF) };
    },

    async update(_id, _olds, news) {
        return { outs: await runCheck(news) };
    },

    async delete() {
        // Nothing exists in AWS for this resource.
    },
};

/** The resource's arguments: its provider's inputs, each one a pulumi.Input. */
export type ToolCheckArgs = ArgsOf<ToolCheckInputs>;

export class ToolCheck extends ProjectResource {
    declare readonly serverName: pulumi.Output<string>;
    declare readonly serverVersion: pulumi.Output<string>;
    declare readonly protocolVersion: pulumi.Output<string>;
    declare readonly toolCount: pulumi.Output<number>;

    constructor(name: string, args: ToolCheckArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            inProject("toolCheck", "toolCheckProvider"),
            name,
            {
                ...args,
                serverName: undefined,
                serverVersion: undefined,
                protocolVersion: undefined,
                toolCount: undefined,
                credentialsDigest: undefined,
            },
            // The digest is of secrets: the state keeps it encrypted too.
            { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "credentialsDigest"] },
            "mcp",
            "ToolCheck",
        );
    }
}

/** A revision string from what identifies the deployed server: `key=value` pairs, in the order given; unset parts left out. */
export function serverRevision(parts: Record<string, string | undefined>): string {
    return Object.entries(parts)
        .filter(([, v]) => v !== undefined && v !== "")
        .map(([k, v]) => `${k}=${v}`)
        .join(" ");
}
