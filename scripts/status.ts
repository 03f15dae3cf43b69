/**
 * `npm run status`: the harness and what it depends on, with their statuses. Exits non-zero when
 * anything is failed or missing.
 */
import { CommandSpec, DEPLOYMENT_OPTIONS, HELP_OPTION, parseCommand, usage } from "./args";
import { Deployment, deploymentAccess, findDeployment } from "./deployment";
import { AwsAccess, clientConfig, controlPlane } from "./identity";
import {
    deniedAction,
    EXIT,
    exitCodesText,
    firstItem,
    Io,
    isAccessDenied,
    isEcsServiceGone,
    isNotFound,
    jsonText,
    paint,
    sanitize,
    statusColor,
} from "./io";

export const STATUS_SPEC: CommandSpec = {
    name: "status",
    synopsis: "[-- options]",
    summary:
        "Shows the harness and what it depends on (the ECS service, or the runtime, gateway and target), with\n" +
        "their statuses. Something missing is told apart from something your AWS identity may not read.",
    positionals: false,
    options: {
        json: { type: "boolean", description: "print the same as one JSON object" },
        ...DEPLOYMENT_OPTIONS,
        ...HELP_OPTION,
    },
    examples: [
        "npm run status",
        "npm run status -- --json --stack prod",
        "npm run status -- --harness-arn arn:aws:bedrock-agentcore:us-east-1:123456789012:harness/<id>",
    ],
    notes: exitCodesText(),
};

interface Row {
    label: string;
    value: string;
    status?: boolean;
}

function iso(d: Date | undefined): string {
    return d ? d.toISOString().replace(/\.\d{3}Z$/, "Z") : "?";
}

function bad(status: string): boolean {
    return statusColor(status) === "red" || status === "INACTIVE" || status === "DRAINING";
}

/** Why a resource could not be read: it is gone, or the caller may not read it (naming the permission). */
type Unreadable = { status: "MISSING" } | { status: "ACCESS DENIED"; permission: string };

function unreadable(e: unknown, permission: string, isGone: (e: unknown) => boolean = isNotFound): Unreadable | undefined {
    if (isGone(e)) {
        return { status: "MISSING" };
    }
    if (isAccessDenied(e)) {
        return { status: "ACCESS DENIED", permission: deniedAction(e) ?? permission };
    }
    return undefined;
}

async function collectStatus(
    d: Deployment,
    aws: AwsAccess,
    signal?: AbortSignal,
): Promise<{ rows: Row[]; report: Record<string, unknown>; healthy: boolean }> {
    const { control, client } = await controlPlane(aws);
    const opts = { abortSignal: signal };
    const rows: Row[] = [];
    const report: Record<string, unknown> = { region: d.region, harnessArn: d.harnessArn, topology: d.topology };
    let healthy = true;
    const status = (label: string, value: string) => {
        rows.push({ label, value, status: true });
        if (bad(value)) {
            healthy = false;
        }
    };

    const denied = (what: string, u: { permission: string }) =>
        `access denied, not missing: your AWS identity needs ${u.permission} to read the ${what}`;

    let harness: import("@aws-sdk/client-bedrock-agentcore-control").Harness | undefined;
    let harnessProblem: Unreadable | undefined;
    try {
        harness = (await client.send(new control.GetHarnessCommand({ harnessId: d.harnessId }), opts)).harness;
    } catch (e) {
        harnessProblem = unreadable(e, "bedrock-agentcore:GetHarness");
        if (!harnessProblem) {
            throw e;
        }
    }
    if (!harness) {
        const problem = harnessProblem ?? { status: "MISSING" };
        rows.push({ label: "Harness", value: d.harnessId });
        status("Status", problem.status);
        rows.push({
            label: "Note",
            value:
                problem.status === "MISSING"
                    ? "the harness was deleted outside this stack: run pulumi refresh, then pulumi up"
                    : denied("harness", problem),
        });
        report.harness = { harnessId: d.harnessId, ...problem, status: problem.status.replace(" ", "_") };
        return { rows, report, healthy: false };
    }
    const model =
        harness.model?.bedrockModelConfig?.modelId ??
        (Object.values(harness.model ?? {})[0] as { modelId?: string } | undefined)?.modelId ??
        "?";
    const tools = (harness.tools ?? []).map((t) => `${t.name ?? "?"} (${t.type})`).join(", ");
    rows.push({ label: "Harness", value: harness.harnessName ?? "?" });
    rows.push({ label: "Id", value: harness.harnessId ?? d.harnessId });
    status("Status", harness.status ?? "UNKNOWN");
    if (harness.failureReason) {
        rows.push({ label: "Failure", value: harness.failureReason });
    }
    rows.push({ label: "Model", value: model });
    rows.push({ label: "Tools", value: tools || "(none)" });
    rows.push({ label: "Created", value: iso(harness.createdAt) });
    rows.push({ label: "Updated", value: iso(harness.updatedAt) });
    rows.push({ label: "Role", value: harness.executionRoleArn ?? "?" });
    report.harness = {
        name: harness.harnessName,
        harnessId: harness.harnessId,
        status: harness.status,
        failureReason: harness.failureReason,
        model,
        tools: harness.tools?.map((t) => ({ type: t.type, name: t.name })),
        createdAt: iso(harness.createdAt),
        updatedAt: iso(harness.updatedAt),
        executionRoleArn: harness.executionRoleArn,
        runtimeId: harness.environment?.agentCoreRuntimeEnvironment?.agentRuntimeId,
    };

    if (d.ecsServiceArn) {
        const ecs = await import("@aws-sdk/client-ecs");
        const ecsClient = new ecs.ECSClient(clientConfig(aws, "ecs"));
        try {
            const svc = (await ecsClient.send(new ecs.DescribeExpressGatewayServiceCommand({ serviceArn: d.ecsServiceArn }), opts)).service;
            const configs = svc?.activeConfigurations ?? [];
            const last = configs[configs.length - 1];
            const endpoint = last?.ingressPaths?.find((p) => p.accessType === "PUBLIC")?.endpoint;
            status("ECS service", svc?.status?.statusCode ?? "UNKNOWN");
            rows.push({ label: "Endpoint", value: endpoint ? `https://${endpoint}/mcp` : "(none yet)" });
            rows.push({ label: "Image", value: last?.primaryContainer?.image ?? d.imageUri ?? "?" });
            report.ecs = { serviceArn: d.ecsServiceArn, status: svc?.status?.statusCode, endpoint, image: last?.primaryContainer?.image };
        } catch (e) {
            const problem = unreadable(e, "ecs:DescribeExpressGatewayService", isEcsServiceGone);
            if (!problem) {
                throw e;
            }
            status("ECS service", problem.status);
            if (problem.status === "ACCESS DENIED") {
                rows.push({ label: "Note", value: denied("ECS service", problem) });
            }
            report.ecs = { serviceArn: d.ecsServiceArn, ...problem, status: problem.status.replace(" ", "_") };
        }
    }
    if (d.topology === "gateway") {
        const gw: Record<string, unknown> = {};
        const probe = async (
            label: string,
            key: string,
            permission: string,
            read: () => Promise<{ status?: string } | undefined>,
            extra?: (x: any) => void,
            // AgentCore answers a runtime id that does not exist with AccessDenied: ask the list.
            exists?: () => Promise<boolean | undefined>,
        ) => {
            try {
                const x = await read();
                status(label, x?.status ?? "UNKNOWN");
                gw[key] = x?.status;
                extra?.(x);
            } catch (e) {
                let problem = unreadable(e, permission);
                if (!problem) {
                    throw e;
                }
                if (problem.status === "ACCESS DENIED" && exists && (await exists()) === false) {
                    problem = { status: "MISSING" };
                }
                status(label, problem.status);
                if (problem.status === "ACCESS DENIED") {
                    rows.push({ label: "Note", value: denied(label.toLowerCase(), problem) });
                    gw[`${key}Permission`] = problem.permission;
                }
                gw[key] = problem.status.replace(" ", "_");
            }
        };
        if (d.runtimeId) {
            const runtimeListed = async () => {
                try {
                    const hit = await firstItem(
                        control.paginateListAgentRuntimes({ client }, {}, opts),
                        (p) => p.agentRuntimes,
                        (r) => r.agentRuntimeId === d.runtimeId,
                    );
                    return hit !== undefined;
                } catch {
                    return undefined;
                }
            };
            await probe(
                "Runtime",
                "runtimeStatus",
                "bedrock-agentcore:GetAgentRuntime",
                () => client.send(new control.GetAgentRuntimeCommand({ agentRuntimeId: d.runtimeId! }), opts),
                (r) => {
                    rows.push({ label: "Image", value: r.agentRuntimeArtifact?.containerConfiguration?.containerUri ?? "?" });
                    gw.image = r.agentRuntimeArtifact?.containerConfiguration?.containerUri;
                },
                runtimeListed,
            );
        }
        if (d.gatewayId) {
            await probe(
                "Gateway",
                "gatewayStatus",
                "bedrock-agentcore:GetGateway",
                () => client.send(new control.GetGatewayCommand({ gatewayIdentifier: d.gatewayId! }), opts),
                (g) => {
                    rows.push({ label: "Gateway URL", value: g.gatewayUrl ?? "?" });
                    gw.gatewayUrl = g.gatewayUrl;
                },
            );
            if (d.targetId) {
                await probe("Target", "targetStatus", "bedrock-agentcore:GetGatewayTarget", () =>
                    client.send(new control.GetGatewayTargetCommand({ gatewayIdentifier: d.gatewayId!, targetId: d.targetId! }), opts),
                );
            }
        }
        if (d.cognitoTokenEndpoint) {
            rows.push({ label: "Token URL", value: d.cognitoTokenEndpoint });
            gw.cognitoTokenEndpoint = d.cognitoTokenEndpoint;
        }
        report.gateway = gw;
    }
    return { rows, report, healthy };
}

export async function runStatus(argv: string[], io: Io): Promise<number> {
    const args = parseCommand(STATUS_SPEC, argv);
    if (args === "help") {
        io.stdout.write(usage(STATUS_SPEC));
        return EXIT.ok;
    }
    const d = findDeployment(args, io);
    const { rows, report, healthy } = await collectStatus(d, await deploymentAccess(d, io), io.signal);
    if (args.values.json === true) {
        io.stdout.write(jsonText({ ...report, healthy }, 2) + "\n");
    } else {
        const width = Math.max(...rows.map((r) => r.label.length));
        for (const r of rows) {
            // Every value but the labels comes from AWS or the stack: shown without control sequences.
            const text = sanitize(r.value);
            const value = r.status ? paint(io, statusColor(text), text) : text;
            io.stdout.write(`${r.label.padEnd(width)}  ${value}\n`);
        }
    }
    return healthy ? EXIT.ok : EXIT.failed;
}
