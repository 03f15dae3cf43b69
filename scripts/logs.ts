/**
 * `npm run logs`: the harness runtime's logs (or, with --container, the ECS container's), for the
 * last --since (default 10m), and with --follow until Ctrl-C. Each line starts with its UTC time.
 */
import { currentClock } from "../providers/lifecycle";
import { Deployment, findDeployment } from "./deployment";
import { EXIT, Io, OperatorError, parseArgs, parseDuration, sdkConfig } from "./io";

const RUNTIME_LOGS = "/aws/bedrock-agentcore/runtimes/";
const FOLLOW_POLL_MS = 2_000;

function utc(ms: number): string {
    return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The runtime id AWS manages for the harness, from GetHarness. */
async function runtimeIdOf(d: Deployment): Promise<string | undefined> {
    const control = await import("@aws-sdk/client-bedrock-agentcore-control");
    const client = new control.BedrockAgentCoreControlClient(sdkConfig(d.region));
    try {
        const h = await client.send(new control.GetHarnessCommand({ harnessId: d.harnessId }));
        return h.harness?.environment?.agentCoreRuntimeEnvironment?.agentRuntimeId;
    } catch (e) {
        if ((e as { name?: string }).name === "ResourceNotFoundException") {
            throw new OperatorError("The harness was deleted outside this stack: run pulumi refresh, then pulumi up.", EXIT.failed);
        }
        throw e;
    }
}

export async function findRuntimeLogGroup(d: Deployment): Promise<string | undefined> {
    const logs = await import("@aws-sdk/client-cloudwatch-logs");
    const client = new logs.CloudWatchLogsClient(sdkConfig(d.region));
    const runtimeId = await runtimeIdOf(d);
    const list = async (prefix: string) =>
        (await client.send(new logs.DescribeLogGroupsCommand({ logGroupNamePrefix: prefix }))).logGroups?.map((g) => g.logGroupName!) ?? [];
    if (runtimeId) {
        const byId = await list(`${RUNTIME_LOGS}${runtimeId}`);
        if (byId.length > 0) {
            return byId[0];
        }
    }
    // Fall back to the harness's name: the managed runtime is named after it.
    const name = d.harnessId.replace(/-[a-zA-Z0-9]{10}$/, "");
    return (await list(RUNTIME_LOGS)).find((g) => g.includes(`harness_${name}`));
}

export async function runLogs(argv: string[], io: Io): Promise<number> {
    const args = parseArgs(argv, ["follow", "container"]);
    const d = findDeployment(args, io);
    const sinceMs = parseDuration(typeof args.flags.since === "string" ? args.flags.since : "10m");
    let group: string | undefined;
    if (args.flags.container === true) {
        group = d.ecsLogGroup;
        if (!group) {
            throw new OperatorError("This stack runs no ECS container (topology gateway, or a user-supplied mcpUrl): drop --container.");
        }
    } else {
        group = await findRuntimeLogGroup(d);
        if (!group) {
            io.stdout.write(
                `No runtime log group for harness ${d.harnessId} yet: AgentCore creates it on the first invocation. ` +
                    `Try npm run invoke -- "hello", then npm run logs again.\n`,
            );
            return EXIT.ok;
        }
    }
    const logs = await import("@aws-sdk/client-cloudwatch-logs");
    const client = new logs.CloudWatchLogsClient(sdkConfig(d.region));
    const clock = currentClock();
    const seen = new Set<string>();
    let startTime = clock.now() - sinceMs;
    io.stderr.write(`${group}${args.flags.follow === true ? " (following; Ctrl-C to stop)" : ""}\n`);
    while (true) {
        let nextToken: string | undefined;
        do {
            const page = await client.send(
                new logs.FilterLogEventsCommand({ logGroupName: group, startTime, nextToken }),
                { abortSignal: io.signal },
            ).catch((e: unknown) => {
                if (io.signal?.aborted) {
                    return undefined;
                }
                if ((e as { name?: string }).name === "ResourceNotFoundException") {
                    throw new OperatorError(`The log group ${group} does not exist (yet).`, EXIT.failed);
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
                io.stdout.write(`${utc(ev.timestamp ?? 0)} ${(ev.message ?? "").replace(/\n$/, "")}\n`);
                startTime = Math.max(startTime, ev.timestamp ?? 0);
            }
            nextToken = page.nextToken;
        } while (nextToken);
        if (args.flags.follow !== true || io.signal?.aborted) {
            return EXIT.ok;
        }
        await clock.sleep(FOLLOW_POLL_MS);
        if (io.signal?.aborted) {
            return EXIT.ok;
        }
    }
}
