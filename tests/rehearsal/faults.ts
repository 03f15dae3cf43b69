/**
 * The fault matrix: every dynamic resource of both topologies against every fault the endpoint
 * injects. Each cell runs `up` with the fault, then `up` again without it; it must either converge
 * at once, or fail with an error naming the resource and the cause and then converge. Either way
 * the endpoint must hold exactly what the state holds.
 */
import { ResourceKind } from "../fakeaws/server";
import { endpointIds, leaks, Rehearsal, RunResult } from "./engine";
import { Bench, Scenario, SCENARIOS, SECRET_NEEDLES } from "./scenarios";

export type Fault = "throttle" | "server error" | "IAM propagation" | "failed status" | "never ready" | "deleted behind our back";
export const FAULTS: Fault[] = ["throttle", "server error", "IAM propagation", "failed status", "never ready", "deleted behind our back"];

interface Target {
    kind: ResourceKind;
    name: string;
    createOp: string;
    /** How the provider names it in errors. */
    label: RegExp;
    faults: Fault[];
}

const ALL: Fault[] = FAULTS;
const NO_STATUS: Fault[] = ["throttle", "server error", "deleted behind our back"];

export const TARGETS: Record<"ecs" | "gateway", Target[]> = {
    ecs: [
        { kind: "apikey", name: "zscaler-mcp-api-key", createOp: "CreateApiKeyCredentialProvider", label: /API-key credential provider/, faults: NO_STATUS },
        { kind: "ecs", name: "zscaler-mcp-service", createOp: "CreateExpressGatewayService", label: /ECS Express service "/, faults: ALL },
        { kind: "harness", name: "zscaler-mcp-agent-harness", createOp: "CreateHarness", label: /harness "/, faults: ALL },
    ],
    gateway: [
        { kind: "oauth2", name: "zscaler-mcp-oauth", createOp: "CreateOauth2CredentialProvider", label: /OAuth2 credential provider/, faults: NO_STATUS },
        { kind: "runtime", name: "zscaler-mcp-runtime", createOp: "CreateAgentRuntime", label: /agent runtime "/, faults: ALL },
        { kind: "gateway", name: "zscaler-mcp-gateway", createOp: "CreateGateway", label: /gateway "/, faults: ALL.filter((f) => f !== "IAM propagation") },
        { kind: "target", name: "zscaler-mcp-target", createOp: "CreateGatewayTarget", label: /gateway target "/, faults: ALL },
        { kind: "harness", name: "zscaler-mcp-agent-harness", createOp: "CreateHarness", label: /harness "/, faults: ALL },
    ],
};

export type Outcome = "converged" | "failed clearly, then converged" | "failed unclearly" | "did not converge";

export interface Cell {
    topology: string;
    resource: string;
    fault: Fault;
    outcome: Outcome;
    firstError?: string;
    orphans: string[];
    leaks: string[];
}

function inject(bench: Bench, t: Target, fault: Fault): void {
    switch (fault) {
        case "throttle":
            bench.fake.throttle(t.createOp, 2);
            break;
        case "server error":
            bench.fake.serverError(t.createOp, 2);
            break;
        case "IAM propagation":
            bench.fake.iamPropagation(t.createOp, 3);
            break;
        case "failed status":
            bench.fake.failNext(t.kind, [`injected failure of ${t.kind}`]);
            break;
        case "never ready":
            bench.fake.neverReady(t.kind);
            break;
        case "deleted behind our back":
            break;
    }
}

async function runCell(bench: Bench, scenario: Scenario, t: Target, fault: Fault): Promise<Cell> {
    bench.fake.reset();
    const r = new Rehearsal(bench.fake, bench.host);
    const secretKeys = scenario.config.zscalerClientSecret ? ["zscalerClientSecret"] : [];
    const up = (refresh = false) => r.up({ config: scenario.config, secretKeys, invokes: scenario.invokes, refresh });
    let first: RunResult;
    let second: RunResult;
    if (fault === "deleted behind our back") {
        const initial = await up();
        if (!initial.ok) {
            throw new Error(`the initial up failed: ${initial.error}`);
        }
        const entry = r.state.get(t.name)!;
        bench.fake.deleteBehindBack(t.kind, t.kind === "target" ? entry.id.split("/").pop()! : entry.id);
        // `pulumi up --refresh` notices the resource is gone and creates it again.
        first = await up(true);
        second = first.ok ? first : await up(true);
    } else {
        inject(bench, t, fault);
        first = await up();
        second = first.ok ? first : await up();
    }
    const orphans: string[] = [];
    const s = r.dynamicIds();
    const e = endpointIds(bench.fake);
    if (JSON.stringify(s) !== JSON.stringify(e)) {
        orphans.push(`state ${JSON.stringify(s)} vs endpoint ${JSON.stringify(e)}`);
    }
    const destroyed = await r.destroy();
    if (!destroyed.ok || endpointIds(bench.fake).length > 0) {
        orphans.push(`after destroy: ${destroyed.error ?? JSON.stringify(endpointIds(bench.fake))}`);
    }
    const clear = !first.ok && t.label.test(first.error ?? "") && /injected failure|did not reach|reached status|still failing/.test(first.error ?? "");
    const outcome: Outcome = !second.ok ? "did not converge" : first.ok ? "converged" : clear ? "failed clearly, then converged" : "failed unclearly";
    return { topology: scenario.name, resource: t.name, fault, outcome, firstError: first.ok ? undefined : first.error, orphans, leaks: leaks(r, SECRET_NEEDLES) };
}

export async function faultMatrix(bench: Bench, onCell?: (c: Cell) => void): Promise<Cell[]> {
    const cells: Cell[] = [];
    const scenarios = { ecs: SCENARIOS.find((s) => s.name === "ecs default")!, gateway: SCENARIOS.find((s) => s.name === "gateway, managed secret")! };
    for (const topology of ["ecs", "gateway"] as const) {
        for (const t of TARGETS[topology]) {
            for (const fault of t.faults) {
                const cell = await runCell(bench, scenarios[topology], t, fault);
                cells.push(cell);
                onCell?.(cell);
            }
        }
    }
    return cells;
}

export function renderMatrix(cells: Cell[]): string {
    const lines = cells.map(
        (c) => `  ${c.topology.padEnd(24)} ${c.resource.padEnd(27)} ${c.fault.padEnd(24)} ${c.outcome}${c.orphans.length ? `  ORPHANS ${c.orphans.join("; ")}` : ""}${c.leaks.length ? `  LEAKS ${c.leaks.join(", ")}` : ""}`,
    );
    const count = (o: Outcome) => cells.filter((c) => c.outcome === o).length;
    return [
        ...lines,
        `  faults injected ${cells.length}; converged ${count("converged")}; failed clearly then converged ${count("failed clearly, then converged")}; ` +
            `unclear ${count("failed unclearly")}; not converged ${count("did not converge")}; ` +
            `orphans ${cells.reduce((n, c) => n + c.orphans.length, 0)}; leaks ${cells.reduce((n, c) => n + c.leaks.length, 0)}`,
    ].join("\n");
}
