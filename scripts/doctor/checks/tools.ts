/**
 * The deployed server's tools, called as the harness calls them (the deploy's own tool check).
 */
import { basicAuthHeader } from "../../../server/env";
import { OAUTH_SCOPE } from "../../../aws/names";
import type { ToolTarget } from "../../../providers/toolCheck";
import { clientConfig } from "../../identity";
import { isNotFound } from "../../io";
import { CheckResult, Context, fail, failIfDenied, ok, skip } from "../check";

/** How long doctor waits for a server that is still starting: on a deployed stack it should answer at once. */
const TOOLS_WAIT_MS = 30_000;

/**
 * The deploy's tool check (providers/toolCheck.ts) on the deployed stack: its URL from the stack's
 * outputs; for ecs the Basic header from the client id and secret in config, for gateway a token
 * for the app client, whose secret Cognito hands to the stack's identity.
 */
export async function checkServerTools(ctx: Context): Promise<CheckResult> {
    const s = ctx.settings;
    const out = ctx.outputs ?? {};
    const str = (k: string) => (typeof out[k] === "string" && out[k] !== "" ? (out[k] as string) : undefined);
    if (!s.verifyTools) {
        return skip("verifyTools is false: the stack does not call its MCP server");
    }
    let target: ToolTarget;
    if ((str("topology") ?? s.topology) === "gateway") {
        const [url, tokenEndpoint, userPoolId, clientId] = [
            str("gatewayUrl"),
            str("cognitoTokenEndpoint"),
            str("cognitoUserPoolId"),
            str("cognitoClientId"),
        ];
        if (!url || !tokenEndpoint || !userPoolId || !clientId) {
            return skip("the stack's outputs name no gateway URL and Cognito app client yet: run pulumi up");
        }
        const cognito = await import("@aws-sdk/client-cognito-identity-provider");
        const client = new cognito.CognitoIdentityProviderClient(clientConfig(ctx.aws, "cognitoidp"));
        const answer = await client
            .send(new cognito.DescribeUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: clientId }), { abortSignal: ctx.signal })
            .catch((e) => {
                failIfDenied(
                    e,
                    "cognito-idp:DescribeUserPoolClient",
                    "grant your AWS identity cognito-idp:DescribeUserPoolClient on the stack's user pool",
                );
                if (isNotFound(e)) {
                    fail(
                        `the Cognito app client ${clientId} of user pool ${userPoolId} does not exist`,
                        "pulumi up --refresh creates it again",
                    );
                }
                throw e;
            });
        const clientSecret = answer.UserPoolClient?.ClientSecret;
        if (!clientSecret) {
            fail(`the Cognito app client ${clientId} has no secret`, "pulumi up --refresh restores it");
        }
        ctx.hide(clientSecret!);
        target = { kind: "agentcore_gateway", url, tokenEndpoint, clientId, clientSecret: clientSecret!, scope: OAUTH_SCOPE.full };
    } else {
        // An mcpUrl set with --secret is an output Pulumi shows as [secret]: the configuration holds it.
        const shown = str("mcpUrl");
        const url = shown === "[secret]" ? s.mcpUrl : shown;
        if (shown === "[secret]" && url) {
            // The URL and its host: messages about a name that does not resolve quote the host alone.
            ctx.hide(url);
            ctx.hide(new URL(url).hostname);
        }
        if (!url) {
            return skip("the stack's outputs name no MCP URL yet: run pulumi up");
        }
        const clientId = s.zscaler.clientId;
        const clientSecret = ctx.secretValue("zscalerClientSecret");
        if (!clientId || !clientSecret) {
            fail(
                "the header the harness sends needs zscalerClientId and zscalerClientSecret, and the configuration lacks one",
                "pulumi config set zscalerClientId <client id>, and pulumi config set --secret zscalerClientSecret <client secret>",
            );
        }
        const authorization = basicAuthHeader(clientId!, clientSecret!);
        for (const v of [clientSecret!, authorization, authorization.slice("Basic ".length)]) {
            ctx.hide(v);
        }
        target = { kind: "remote_mcp", url, authorization };
    }
    // Loaded only when a deployed stack is checked (the MCP SDK is not small); require, as a
    // dynamic import of a .ts path goes through the ES module loader.
    const { checkTools, ToolCheckError } = require("../../../providers/toolCheck") as typeof import("../../../providers/toolCheck");
    try {
        const r = await checkTools(target, { waitMs: TOOLS_WAIT_MS, signal: ctx.signal });
        const server = [r.serverName, r.serverVersion].filter(Boolean).join(" ") || "the server";
        return ok(`${server}: ${r.toolCount} tools over MCP ${r.protocolVersion}`);
    } catch (e) {
        if (e instanceof ToolCheckError) {
            fail(e.problem, e.fix);
        }
        throw e;
    }
}
