/**
 * `npm run doctor`: checks, before any deploy, what the stack's configuration needs from the AWS
 * account and region, and prints one line per check: ok, or what fails and the fix. On a deployed
 * stack it also calls the MCP server as the harness does (the deploy's own tool check). Every call
 * is a read; nothing is created or changed.
 *
 * This module plans the checks, runs them side by side and prints their lines in a fixed order;
 * the checks themselves are in checks/, by what they look at.
 */
import type { Settings } from "../../config/settings";
import { SettingsError } from "../../config/messages";
import { CommandSpec, HELP_OPTION, parseCommand, stringOption, usage } from "../args";
import { ConfigEntries, readConfigEntries, stackAwsSettings, useStackIdentity } from "../identity";
import { awsErrorName, EXIT, Io, paint } from "../io";
import { CheckFailure, CheckResult, Context } from "./check";
import { checkAgentCore, checkCredentials } from "./checks/account";
import { checkConnection } from "./checks/connection";
import { checkIamPermissions, sdkIamApi } from "./checks/iam";
import { checkImage } from "./checks/image";
import { checkModel } from "./checks/model";
import { checkCognitoDomain, checkNames } from "./checks/names";
import { checkNetwork, checkSecret } from "./checks/resources";
import { checkServerTools } from "./checks/tools";
import { checkTransactionSearch } from "./checks/traces";
import { checkedSecretKeys, readStackConfig, readThroughPulumi, settingsOf, stackIdentity, stackOutputs } from "./stackConfig";

export type { CheckResult, CheckStatus } from "./check";

export const DOCTOR_SPEC: CommandSpec = {
    name: "doctor",
    synopsis: "[-- options]",
    summary:
        "Checks the prerequisites of the current stack's configuration before a deploy: credentials and account,\n" +
        "AgentCore Harness in the region, access to the model, the default VPC (ecs), the image's registry and\n" +
        "architecture, the Cognito domain prefix (gateway), and names already taken by something else; on a\n" +
        "deployed stack, the MCP server's tools, called as the harness calls them. It only reads; nothing is\n" +
        "created or changed.",
    positionals: false,
    options: {
        json: { type: "boolean", description: "print the checks as one JSON object" },
        stack: { type: "string", value: "<name>", description: "check this stack's configuration instead of the current stack's" },
        ...HELP_OPTION,
    },
    examples: ["npm run doctor", "npm run doctor -- --stack prod --json"],
    notes:
        "Exit codes: 0 every check passed, 1 a check failed, 2 a usage error, no stack, or the Pulumi CLI not logged in or\n" +
        "without the stack's passphrase, 130 interrupted.",
};

interface PlannedCheck {
    name: string;
    run: () => Promise<CheckResult>;
}

async function settle(check: PlannedCheck): Promise<CheckResult> {
    try {
        const r = await check.run();
        return { ...r, name: check.name };
    } catch (e) {
        if (e instanceof CheckFailure) {
            return { name: check.name, status: "fail", detail: e.detail, fix: e.fix };
        }
        if ((e as Error).name === "AbortError") {
            throw e;
        }
        if (awsErrorName(e) === "TimeoutError") {
            return {
                name: check.name,
                status: "fail",
                detail: `AWS did not answer in time (${(e as Error).message})`,
                fix: "check the network (proxy, VPN) and any endpoint set in aws:endpoints or AWS_ENDPOINT_URL, then run npm run doctor again",
            };
        }
        return { name: check.name, status: "fail", detail: `${awsErrorName(e)}: ${(e as Error).message}` };
    }
}

function plan(ctx: Context): PlannedCheck[] {
    const s = ctx.settings;
    const checks: PlannedCheck[] = [
        { name: "agentcore", run: () => checkAgentCore(ctx) },
        { name: "model", run: () => checkModel(ctx) },
    ];
    if (s.topology === "ecs" && s.deploysServer) {
        checks.push({ name: "network", run: () => checkNetwork(ctx) });
    }
    if (s.deploysServer) {
        checks.push({ name: "image", run: () => checkImage(ctx) });
    }
    if (s.topology === "gateway") {
        checks.push({ name: "cognito domain", run: () => checkCognitoDomain(ctx) });
    }
    if (s.deploysServer && s.secrets.mode === "external") {
        checks.push({ name: "secret", run: () => checkSecret(ctx) });
    }
    checks.push({ name: "iam", run: () => checkIamPermissions(ctx, sdkIamApi(ctx.aws)) });
    checks.push({ name: "names", run: () => checkNames(ctx) });
    if (typeof ctx.outputs?.harnessArn === "string") {
        checks.push({ name: "tools", run: () => checkServerTools(ctx) });
        checks.push({ name: "traces", run: () => checkTransactionSearch(ctx) });
    }
    return checks;
}

/** Where a line's items start: under its check's name. */
const ITEM_INDENT = 6;

function line(io: Io, r: CheckResult, width: number): string {
    const mark =
        r.status === "ok" ? paint(io, "green", "ok  ") : r.status === "fail" ? paint(io, "red", "FAIL") : paint(io, "yellow", "skip");
    const items = (r.items ?? []).map((item) => `${" ".repeat(ITEM_INDENT)}- ${item}\n`).join("");
    return `${mark}  ${r.name.padEnd(width)}  ${r.detail}${r.fix ? `. Fix: ${r.fix}` : ""}\n${items}`;
}

export async function runDoctor(argv: string[], io: Io): Promise<number> {
    const args = parseCommand(DOCTOR_SPEC, argv);
    if (args === "help") {
        io.stdout.write(usage(DOCTOR_SPEC));
        return EXIT.ok;
    }
    const json = args.values.json === true;
    const config = readStackConfig(io, stringOption(args, "stack"));
    // The stack's secret values, read at most once, and only when a key that needs them is secret.
    let secrets: ConfigEntries | undefined;
    const revealed = () =>
        (secrets ??= readThroughPulumi(() => readConfigEntries(io, [...config.stackArgs, "--show-secrets"]), "npm run doctor") ?? {});
    // A check names what it looked at (a model, an image, a secret's name): never a secret value.
    const used: string[] = [];
    const hidden = () =>
        [...checkedSecretKeys(config).map((k) => secrets?.[k]?.value), ...used].filter(
            (v): v is string => typeof v === "string" && v.length >= 4,
        );
    const hide = (text: string) => hidden().reduce((t, v) => t.split(v).join("(secret value not shown)"), text);
    const results: CheckResult[] = [];
    const width = "cognito domain".length;
    const emit = (found: CheckResult) => {
        const r = {
            ...found,
            detail: hide(found.detail),
            ...(found.fix !== undefined ? { fix: hide(found.fix) } : {}),
            ...(found.items !== undefined ? { items: found.items.map(hide) } : {}),
        };
        results.push(r);
        if (!json) {
            io.stdout.write(line(io, r, width));
        }
    };
    let settings: Settings | undefined;
    try {
        settings = settingsOf(io, config, revealed);
    } catch (e) {
        if (!(e instanceof SettingsError)) {
            throw e;
        }
        if (!json) {
            io.stdout.write(`Stack ${config.stack}\n`);
        }
        emit({
            name: "configuration",
            status: "fail",
            detail: `${e.problems.length} problem${e.problems.length === 1 ? "" : "s"}, each below with its fix (the other checks run once they are fixed)`,
            items: e.problems,
        });
    }
    if (settings) {
        if (!json) {
            io.stdout.write(`Stack ${config.stack} · topology ${settings.topology} · region ${settings.region}\n`);
        }
        emit({
            name: "configuration",
            status: "ok",
            detail: settings.warnings.length
                ? `valid, with ${settings.warnings.length} warning${settings.warnings.length === 1 ? "" : "s"} below`
                : "valid",
            ...(settings.warnings.length ? { items: settings.warnings } : {}),
        });
        // The identity pulumi up signs with: the stack's aws:* settings (a secret one read with --show-secrets).
        const awsSettings = stackAwsSettings(config.entries, revealed);
        const aws = await useStackIdentity(awsSettings, settings.region, { signal: io.signal, attempts: 2 });
        const outputs = stackOutputs(io, config);
        let stackId: { id: string | undefined } | undefined;
        const ctx: Context = {
            settings,
            config,
            aws,
            signal: io.signal,
            outputs,
            stackIdentity: () => (stackId ??= { id: stackIdentity(io, config, outputs) }).id,
            secretValue: (k) => revealed()[`${config.project}:${k}`]?.value,
            hide: (v) => used.push(v),
        };
        // The way to AWS first (proxy, CA, certificate): without it every other check fails the same way.
        const connection = await settle({ name: "connection", run: () => checkConnection(ctx) });
        emit(connection);
        const identity =
            connection.status === "ok"
                ? await settle({ name: "credentials", run: () => checkCredentials(ctx) })
                : { name: "credentials", status: "skip" as const, detail: "needs a connection to AWS" };
        emit(identity);
        const planned = plan(ctx);
        if (identity.status !== "ok") {
            for (const c of planned) {
                emit({
                    name: c.name,
                    status: "skip",
                    detail: connection.status === "ok" ? "needs working credentials" : "needs a connection to AWS",
                });
            }
        } else {
            // The checks run side by side and print in a fixed order.
            const running = planned.map((c) => settle(c));
            // A Ctrl-C aborts them all, in any order: a later check's rejection must not go
            // unhandled while an earlier one is awaited (the first one is reported).
            for (const r of running) {
                r.catch(() => undefined);
            }
            for (const r of running) {
                emit(await r);
            }
        }
    }
    const failed = results.filter((r) => r.status === "fail").length;
    if (json) {
        io.stdout.write(
            JSON.stringify(
                { stack: config.stack, topology: settings?.topology, region: settings?.region, ok: failed === 0, checks: results },
                null,
                2,
            ) + "\n",
        );
    } else {
        io.stdout.write(
            failed === 0
                ? paint(io, "green", `All ${results.filter((r) => r.status === "ok").length} checks passed.`) + "\n"
                : paint(io, "red", `${failed} of ${results.length} checks failed.`) + "\n",
        );
    }
    return failed === 0 ? EXIT.ok : EXIT.failed;
}
