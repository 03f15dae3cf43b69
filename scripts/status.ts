/**
 * `npm run status`: the harness and what it depends on, with their statuses. Exits non-zero when
 * anything is failed or missing.
 */
import { Deployment, findDeployment } from "./deployment";
import { EXIT, Io, paint, parseArgs, sdkConfig, statusColor } from "./io";

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

function isMissing(e: unknown): boolean {
    const name = (e as { name?: string }).name ?? "";
    return ["ResourceNotFoundException", "ServiceNotFoundException", "ServiceNotActiveException"].includes(name) ||
        (name === "AccessDeniedException" && String((e as Error).message).includes("is not authorized"));
}

export async function collectStatus(d: Deployment): Promise<{ rows: Row[]; report: Record<string, unknown>; healthy: boolean }> {
    const control = await import("@aws-sdk/client-bedrock-agentcore-control");
    const client = new control.BedrockAgentCoreControlClient(sdkConfig(d.region));
    const rows: Row[] = [];
    const report: Record<string, unknown> = { region: d.region, harnessArn: d.harnessArn, topology: d.topology };
    let healthy = true;
    const status = (label: string, value: string) => {
        rows.push({ label, value, status: true });
        if (bad(value)) {
            healthy = false;
        }
    };

    let harness: import("@aws-sdk/client-bedrock-agentcore-control").Harness | undefined;
    try {
        harness = (await client.send(new control.GetHarnessCommand({ harnessId: d.harnessId }))).harness;
    } catch (e) {
        if (!isMissing(e)) {
            throw e;
        }
    }
    if (!harness) {
        rows.push({ label: "Harness", value: d.harnessId });
        status("Status", "MISSING");
        rows.push({ label: "Note", value: "the harness was deleted outside this stack: run pulumi refresh, then pulumi up" });
        report.harness = { harnessId: d.harnessId, status: "MISSING" };
        return { rows, report, healthy: false };
    }
    const model =
        harness.model?.bedrockModelConfig?.modelId ?? (Object.values(harness.model ?? {})[0] as { modelId?: string } | undefined)?.modelId ?? "?";
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
        const ecsClient = new ecs.ECSClient(sdkConfig(d.region));
        try {
            const svc = (await ecsClient.send(new ecs.DescribeExpressGatewayServiceCommand({ serviceArn: d.ecsServiceArn }))).service;
            const configs = svc?.activeConfigurations ?? [];
            const last = configs[configs.length - 1];
            const endpoint = last?.ingressPaths?.find((p) => p.accessType === "PUBLIC")?.endpoint;
            status("ECS service", svc?.status?.statusCode ?? "UNKNOWN");
            rows.push({ label: "Endpoint", value: endpoint ? `https://${endpoint}/mcp` : "(none yet)" });
            rows.push({ label: "Image", value: last?.primaryContainer?.image ?? d.imageUri ?? "?" });
            report.ecs = { serviceArn: d.ecsServiceArn, status: svc?.status?.statusCode, endpoint, image: last?.primaryContainer?.image };
        } catch (e) {
            if (!isMissing(e)) {
                throw e;
            }
            status("ECS service", "MISSING");
            report.ecs = { serviceArn: d.ecsServiceArn, status: "MISSING" };
        }
    }
    if (d.topology === "gateway") {
        const gw: Record<string, unknown> = {};
        const probe = async (label: string, key: string, read: () => Promise<{ status?: string } | undefined>, extra?: (x: any) => void) => {
            try {
                const x = await read();
                status(label, x?.status ?? "UNKNOWN");
                gw[key] = x?.status;
                extra?.(x);
            } catch (e) {
                if (!isMissing(e)) {
                    throw e;
                }
                status(label, "MISSING");
                gw[key] = "MISSING";
            }
        };
        if (d.runtimeId) {
            await probe("Runtime", "runtimeStatus", () => client.send(new control.GetAgentRuntimeCommand({ agentRuntimeId: d.runtimeId! })), (r) => {
                rows.push({ label: "Image", value: r.agentRuntimeArtifact?.containerConfiguration?.containerUri ?? "?" });
                gw.image = r.agentRuntimeArtifact?.containerConfiguration?.containerUri;
            });
        }
        if (d.gatewayId) {
            await probe("Gateway", "gatewayStatus", () => client.send(new control.GetGatewayCommand({ gatewayIdentifier: d.gatewayId! })), (g) => {
                rows.push({ label: "Gateway URL", value: g.gatewayUrl ?? "?" });
                gw.gatewayUrl = g.gatewayUrl;
            });
            if (d.targetId) {
                await probe("Target", "targetStatus", () =>
                    client.send(new control.GetGatewayTargetCommand({ gatewayIdentifier: d.gatewayId!, targetId: d.targetId! })),
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
    const args = parseArgs(argv, ["json"]);
    const d = findDeployment(args, io);
    const { rows, report, healthy } = await collectStatus(d);
    if (args.flags.json === true) {
        io.stdout.write(JSON.stringify({ ...report, healthy }, null, 2) + "\n");
    } else {
        const width = Math.max(...rows.map((r) => r.label.length));
        for (const r of rows) {
            const value = r.status ? paint(io, statusColor(r.value), r.value) : r.value;
            io.stdout.write(`${r.label.padEnd(width)}  ${value}\n`);
        }
    }
    return healthy ? EXIT.ok : EXIT.failed;
}
