/**
 * `npm run logs`: the harness runtime's logs, or with --server the MCP server's own (the ECS
 * container's log group, or the AgentCore Runtime's for topology gateway), for the last --since
 * (default 10m), and with --follow until Ctrl-C. Each line starts with its UTC time.
 */
import { currentClock } from "../providers/lifecycle";
import { CommandSpec, DEPLOYMENT_OPTIONS, HELP_OPTION, ParsedCommand, parseCommand, stringOption, usage } from "./args";
import { Deployment, deploymentAccess, findDeployment, serverKind } from "./deployment";
import { AwsAccess, clientConfig, controlPlane } from "./identity";
import { aborted, allItems, deniedAction, EXIT, Io, isAccessDenied, isNotFound, OperatorError, parseDuration, sanitize } from "./io";

export const LOGS_SPEC: CommandSpec = {
    name: "logs",
    synopsis: "[-- options]",
    summary:
        "Prints recent log lines of the harness's runtime (the agent loop, tool calls), or with --server those of\n" +
        "the MCP server itself, and with --follow keeps printing new ones until Ctrl-C.",
    positionals: false,
    options: {
        since: { type: "string", value: "<duration>", description: "how far back to start: 30s, 10m (the default), 2h, 1d" },
        follow: { type: "boolean", description: "keep printing new lines until Ctrl-C" },
        server: { type: "boolean", description: "the MCP server's logs: the ECS container's (ecs) or the AgentCore Runtime's (gateway)" },
        container: { type: "boolean", description: "the same as --server (its name from when only ECS had one)" },
        "log-group": { type: "string", value: "<name>", description: "read this CloudWatch Logs group instead" },
        ...DEPLOYMENT_OPTIONS,
        ...HELP_OPTION,
    },
    examples: [
        "npm run logs",
        "npm run logs -- --since 30m --follow",
        "npm run logs -- --server --since 1h",
        "npm run logs -- --log-group /ecs/zscaler-mcp-dev",
    ],
    notes: "Exit codes: 0 done, 1 AWS refused, 2 a usage error or no deployment, 130 stopped with Ctrl-C (also while following).",
};

const RUNTIME_LOGS = "/aws/bedrock-agentcore/runtimes/";
const FOLLOW_POLL_MS = 2_000;

function utc(ms: number): string {
    return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function refused(e: unknown, permission: string, what: string): OperatorError {
    return new OperatorError(
        `AWS refused to read ${what}: your AWS identity needs ${deniedAction(e) ?? permission} (${(e as Error).message}).`,
        EXIT.failed,
    );
}

/** The runtime id AWS manages for the harness, from GetHarness. */
async function runtimeIdOf(d: Deployment, aws: AwsAccess, signal?: AbortSignal): Promise<string | undefined> {
    const { control, client } = await controlPlane(aws);
    try {
        const h = await client.send(new control.GetHarnessCommand({ harnessId: d.harnessId }), { abortSignal: signal });
        return h.harness?.environment?.agentCoreRuntimeEnvironment?.agentRuntimeId;
    } catch (e) {
        if (isNotFound(e)) {
            throw new OperatorError("The harness was deleted outside this stack: run pulumi refresh, then pulumi up.", EXIT.failed);
        }
        if (isAccessDenied(e)) {
            throw refused(e, "bedrock-agentcore:GetHarness", `the harness ${d.harnessId}`);
        }
        throw e;
    }
}

async function logGroupsWithPrefix(aws: AwsAccess, prefix: string, signal?: AbortSignal): Promise<string[]> {
    const logs = await import("@aws-sdk/client-cloudwatch-logs");
    const client = new logs.CloudWatchLogsClient(clientConfig(aws, "logs"));
    try {
        const groups = await allItems(
            logs.paginateDescribeLogGroups({ client }, { logGroupNamePrefix: prefix }, { abortSignal: signal }),
            (p) => p.logGroups,
        );
        return groups.map((g) => g.logGroupName!);
    } catch (e) {
        if (isAccessDenied(e)) {
            throw refused(e, "logs:DescribeLogGroups", `the log groups under ${prefix}`);
        }
        throw e;
    }
}

async function findRuntimeLogGroup(d: Deployment, aws: AwsAccess, signal?: AbortSignal): Promise<string | undefined> {
    const runtimeId = await runtimeIdOf(d, aws, signal);
    if (runtimeId) {
        const byId = await logGroupsWithPrefix(aws, `${RUNTIME_LOGS}${runtimeId}`, signal);
        if (byId.length > 0) {
            return byId[0];
        }
    }
    // Fall back to the harness's name (from the outputs, else its id without the suffix AWS adds):
    // the managed runtime is named after it.
    const name = d.harnessName ?? d.harnessId.replace(/-[a-zA-Z0-9]{10}$/, "");
    return (await logGroupsWithPrefix(aws, RUNTIME_LOGS, signal)).find((g) => g.includes(`harness_${name}`));
}

/** The MCP server's log group, or an OperatorError saying where its logs are instead. */
async function serverLogGroup(d: Deployment, aws: AwsAccess, io: Io): Promise<string | undefined> {
    switch (serverKind(d)) {
        case "ecs":
            if (!d.ecsLogGroup) {
                throw new OperatorError(
                    "The stack's outputs name no ECS log group (ecsLogGroup): run pulumi up, or pass --log-group <name>.",
                );
            }
            return d.ecsLogGroup;
        case "runtime": {
            if (!d.runtimeId) {
                throw new OperatorError(
                    "The stack's outputs name no MCP server runtime (runtimeId): run pulumi up, or pass --log-group <name>.",
                );
            }
            const groups = await logGroupsWithPrefix(aws, `${RUNTIME_LOGS}${d.runtimeId}`, io.signal);
            if (groups.length === 0) {
                io.stdout.write(
                    `No log group for the MCP server's runtime ${d.runtimeId} yet: AgentCore creates it when the gateway first calls ` +
                        `the server. Try npm run invoke -- "hello", then npm run logs -- --server again.\n`,
                );
            }
            return groups[0];
        }
        case "own":
            throw new OperatorError(
                `This stack calls your own MCP server${d.mcpUrl ? ` (${d.mcpUrl})` : ""}: its logs are wherever it runs. ` +
                    "npm run logs shows the harness's own logs.",
            );
        default:
            throw new OperatorError(
                "Without the stack's outputs the MCP server's log group is unknown: use --stack <name>, or pass --log-group <name>.",
            );
    }
}

async function chooseGroup(args: ParsedCommand, d: Deployment, aws: AwsAccess, io: Io): Promise<string | undefined> {
    const explicit = stringOption(args, "log-group");
    if (explicit) {
        return explicit;
    }
    if (args.values.server === true || args.values.container === true) {
        return serverLogGroup(d, aws, io);
    }
    const group = await findRuntimeLogGroup(d, aws, io.signal);
    if (!group) {
        io.stdout.write(
            `No runtime log group for harness ${d.harnessId} yet: AgentCore creates it on the first invocation. ` +
                `Try npm run invoke -- "hello", then npm run logs again.\n`,
        );
    }
    return group;
}

export async function runLogs(argv: string[], io: Io): Promise<number> {
    const args = parseCommand(LOGS_SPEC, argv);
    if (args === "help") {
        io.stdout.write(usage(LOGS_SPEC));
        return EXIT.ok;
    }
    const sinceMs = parseDuration(stringOption(args, "since") ?? "10m");
    const follow = args.values.follow === true;
    const d = findDeployment(args, io);
    const aws = await deploymentAccess(d, io);
    const group = await chooseGroup(args, d, aws, io);
    if (!group) {
        return EXIT.ok;
    }
    const logs = await import("@aws-sdk/client-cloudwatch-logs");
    const client = new logs.CloudWatchLogsClient(clientConfig(aws, "logs"));
    const clock = currentClock();
    const seen = new Set<string>();
    let startTime = clock.now() - sinceMs;
    io.stderr.write(`${group}${follow ? " (following; Ctrl-C to stop)" : ""}\n`);
    while (true) {
        let nextToken: string | undefined;
        // The pages of one read answer one request: its startTime moves on only after the last page.
        let newest = startTime;
        do {
            const page = await client
                .send(new logs.FilterLogEventsCommand({ logGroupName: group, startTime, nextToken }), { abortSignal: io.signal })
                .catch((e: unknown) => {
                    if (io.signal?.aborted) {
                        return undefined;
                    }
                    if (isNotFound(e)) {
                        throw new OperatorError(`The log group ${group} does not exist (yet).`, EXIT.failed);
                    }
                    if (isAccessDenied(e)) {
                        throw refused(e, "logs:FilterLogEvents", `the log group ${group}`);
                    }
                    throw e;
                });
            if (!page) {
                return EXIT.ok;
            }
            for (const ev of page.events ?? []) {
                const key = ev.eventId ?? `${ev.timestamp}:${ev.message}`;
                if (seen.has(key)) {
                    continue;
                }
                seen.add(key);
                io.stdout.write(`${utc(ev.timestamp ?? 0)} ${sanitize((ev.message ?? "").replace(/\n$/, ""))}\n`);
                newest = Math.max(newest, ev.timestamp ?? 0);
            }
            nextToken = page.nextToken;
        } while (nextToken);
        startTime = newest;
        if (!follow || io.signal?.aborted) {
            return EXIT.ok;
        }
        // The first Ctrl-C ends the wait at once, not after it.
        await Promise.race([clock.sleep(FOLLOW_POLL_MS), aborted(io.signal)]);
        if (io.signal?.aborted) {
            return EXIT.ok;
        }
    }
}
