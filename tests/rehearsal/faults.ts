/**
 * The fault matrix: every dynamic resource of both topologies against every fault the endpoint
 * injects, before a request reaches AWS and after AWS executed it (on its create, its update and
 * its delete), and five minutes of throttling inside a wait. Each cell runs `up` (or `destroy`)
 * with the fault, then again without it; it must either converge at once, or fail with an error
 * naming the resource and the cause and then converge. Either way the endpoint must hold exactly
 * what the state holds.
 */
import { ResourceKind } from "../fakeaws/server";
import { endpointIds, leaks, Rehearsal, RunResult } from "./engine";
import { Bench, Scenario, SCENARIOS, SECRET_NEEDLES } from "./scenarios";

/** Faults before the request reaches AWS (it never happened). */
export type Fault = "throttle" | "server error" | "IAM propagation" | "failed status" | "never ready" | "deleted behind our back";
export const FAULTS: Fault[] = ["throttle", "server error", "IAM propagation", "failed status", "never ready", "deleted behind our back"];

/** Faults after AWS executed the request: the answer is lost (a 500), the connection drops, the answer is slow, or never comes. */
export type AfterFault = "answer lost" | "connection dropped" | "slow answer" | "no answer";
export const AFTER_FAULTS: AfterFault[] = ["answer lost", "connection dropped", "slow answer", "no answer"];
export type Phase = "create" | "update" | "delete";

interface Target {
    kind: ResourceKind;
    name: string;
    createOp: string;
    /** The update a configuration change makes in place (none when no setting changes it in place), and that change. */
    update?: { op: string; config: Record<string, string> };
    deleteOp: string;
    /** The read its waits poll (none when nothing waits). */
    pollOp?: string;
    /** How the provider names it in errors. */
    label: RegExp;
    faults: Fault[];
}

const ALL: Fault[] = FAULTS;
const NO_STATUS: Fault[] = ["throttle", "server error", "deleted behind our back"];

const NEW_IMAGE = { imageUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server:0.15.4" };
const HARNESS = {
    kind: "harness" as const,
    name: "zscaler-mcp-agent-harness",
    createOp: "CreateHarness",
    update: { op: "UpdateHarness", config: { systemPrompt: "You are a careful Zscaler assistant." } },
    deleteOp: "DeleteHarness",
    pollOp: "GetHarness",
    label: /harness "/,
    faults: ALL,
};

// The gateway, its target and the OAuth2 provider have no setting that changes them in place.
export const TARGETS: Record<"ecs" | "gateway", Target[]> = {
    ecs: [
        {
            kind: "apikey",
            name: "zscaler-mcp-api-key",
            createOp: "CreateApiKeyCredentialProvider",
            update: { op: "UpdateApiKeyCredentialProvider", config: { zscalerClientSecret: "zs-rotated-client-secret-1a2b3c" } },
            deleteOp: "DeleteApiKeyCredentialProvider",
            label: /API-key credential provider/,
            faults: NO_STATUS,
        },
        {
            kind: "ecs",
            name: "zscaler-mcp-service",
            createOp: "CreateExpressGatewayService",
            update: { op: "UpdateExpressGatewayService", config: NEW_IMAGE },
            deleteOp: "DeleteExpressGatewayService",
            pollOp: "DescribeExpressGatewayService",
            label: /ECS Express service "/,
            faults: ALL,
        },
        HARNESS,
    ],
    gateway: [
        {
            kind: "oauth2",
            name: "zscaler-mcp-oauth",
            createOp: "CreateOauth2CredentialProvider",
            deleteOp: "DeleteOauth2CredentialProvider",
            label: /OAuth2 credential provider/,
            faults: NO_STATUS,
        },
        {
            kind: "runtime",
            name: "zscaler-mcp-runtime",
            createOp: "CreateAgentRuntime",
            update: { op: "UpdateAgentRuntime", config: NEW_IMAGE },
            deleteOp: "DeleteAgentRuntime",
            pollOp: "GetAgentRuntime",
            label: /agent runtime "/,
            faults: ALL,
        },
        {
            kind: "gateway",
            name: "zscaler-mcp-gateway",
            createOp: "CreateGateway",
            deleteOp: "DeleteGateway",
            pollOp: "GetGateway",
            label: /gateway "/,
            faults: ALL.filter((f) => f !== "IAM propagation"),
        },
        {
            kind: "target",
            name: "zscaler-mcp-target",
            createOp: "CreateGatewayTarget",
            deleteOp: "DeleteGatewayTarget",
            pollOp: "GetGatewayTarget",
            label: /gateway target "/,
            faults: ALL,
        },
        HARNESS,
    ],
};

export type Outcome = "converged" | "failed clearly, then converged" | "failed unclearly" | "did not converge";

export interface Cell {
    topology: string;
    resource: string;
    /** The fault, with the operation it hit for faults after execution ("answer lost on update"). */
    fault: string;
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
    const clear =
        !first.ok &&
        t.label.test(first.error ?? "") &&
        /injected failure|did not reach|reached status|still failing/.test(first.error ?? "");
    const outcome = outcomeOf(first.ok, second.ok, clear);
    return {
        topology: scenario.name,
        resource: t.name,
        fault,
        outcome,
        firstError: first.ok ? undefined : first.error,
        orphans,
        leaks: leaks(r, SECRET_NEEDLES),
    };
}

/** A cell's outcome: whether the second run converged, and how the first one ended. */
function outcomeOf(firstOk: boolean, secondOk: boolean, clear: boolean): Outcome {
    return !secondOk ? "did not converge" : firstOk ? "converged" : clear ? "failed clearly, then converged" : "failed unclearly";
}

/** How the endpoint marks a call that met each fault. */
const MARK: Record<AfterFault, string | undefined> = {
    "answer lost": "lost",
    "connection dropped": "dropped",
    "slow answer": undefined,
    "no answer": "hung",
};

function injectAfter(bench: Bench, op: string, fault: AfterFault): void {
    switch (fault) {
        case "answer lost":
            bench.fake.loseResponse(op, 1);
            break;
        case "connection dropped":
            bench.fake.dropConnection(op, 1);
            break;
        case "slow answer":
            bench.fake.slow(op, 1, 20_000);
            break;
        case "no answer":
            bench.fake.hang(op, 1);
            break;
    }
}

/** State and endpoint hold the same resources; after a destroy, neither holds any. */
async function orphansAndDestroy(bench: Bench, r: Rehearsal, alreadyDestroyed = false): Promise<string[]> {
    const orphans: string[] = [];
    const s = r.dynamicIds();
    const e = endpointIds(bench.fake);
    if (JSON.stringify(s) !== JSON.stringify(e)) {
        orphans.push(`state ${JSON.stringify(s)} vs endpoint ${JSON.stringify(e)}`);
    }
    if (!alreadyDestroyed) {
        const destroyed = await r.destroy();
        if (!destroyed.ok || endpointIds(bench.fake).length > 0) {
            orphans.push(`after destroy: ${destroyed.error ?? JSON.stringify(endpointIds(bench.fake))}`);
        }
    }
    return orphans;
}

/**
 * A fault after AWS executed the request, on the create, update or delete of one resource: the run
 * must converge at once (the retry finds what the first attempt did), or fail clearly and converge
 * on the next run, with no second copy of anything.
 */
async function runAfterCell(bench: Bench, scenario: Scenario, t: Target, fault: AfterFault, phase: Phase): Promise<Cell> {
    bench.fake.reset();
    const r = new Rehearsal(bench.fake, bench.host);
    const secretKeys = scenario.config.zscalerClientSecret ? ["zscalerClientSecret"] : [];
    const up = (config = scenario.config) => r.up({ config, secretKeys, invokes: scenario.invokes });
    let first: RunResult;
    let second: RunResult;
    if (phase === "create") {
        injectAfter(bench, t.createOp, fault);
        first = await up();
        second = first.ok ? first : await up();
    } else {
        const initial = await up();
        if (!initial.ok) {
            throw new Error(`the initial up failed: ${initial.error}`);
        }
        if (phase === "update") {
            const changed = { ...scenario.config, ...t.update!.config };
            injectAfter(bench, t.update!.op, fault);
            first = await up(changed);
            second = first.ok ? first : await up(changed);
        } else {
            injectAfter(bench, t.deleteOp, fault);
            first = await r.destroy();
            second = first.ok ? first : await r.destroy();
        }
    }
    // The fault really hit that operation (a slow answer leaves no mark, and is only slower).
    const op = phase === "create" ? t.createOp : phase === "update" ? t.update!.op : t.deleteOp;
    const hit = fault === "slow answer" || bench.fake.calls.some((c) => c.op === op && c.error === MARK[fault]);
    const orphans = hit ? await orphansAndDestroy(bench, r, phase === "delete") : [`the fault never hit ${op}`];
    if (phase === "delete" && second.ok && (endpointIds(bench.fake).length > 0 || r.state.size > 0)) {
        orphans.push(`after destroy: endpoint ${JSON.stringify(endpointIds(bench.fake))}, state ${[...r.state.keys()].join(",")}`);
    }
    const clear = !first.ok && t.label.test(first.error ?? "");
    const outcome = outcomeOf(first.ok, second.ok, clear);
    return {
        topology: scenario.name,
        resource: t.name,
        fault: `${fault} on ${phase}`,
        outcome,
        firstError: first.ok ? undefined : first.error,
        orphans,
        leaks: leaks(r, SECRET_NEEDLES),
    };
}

/** Five minutes of AWS time answering ThrottlingException to every poll of a wait: the resource still ends READY, in AWS and in the state. */
async function runLongThrottleCell(bench: Bench, scenario: Scenario, t: Target): Promise<Cell> {
    bench.fake.reset();
    const r = new Rehearsal(bench.fake, bench.host);
    const secretKeys = scenario.config.zscalerClientSecret ? ["zscalerClientSecret"] : [];
    bench.fake.throttle(t.pollOp!, 50);
    const first = await r.up({ config: scenario.config, secretKeys, invokes: scenario.invokes });
    const throttled = bench.fake.calls.filter((c) => c.op === t.pollOp && c.error === "ThrottlingException");
    const span = throttled.length > 1 ? throttled[throttled.length - 1].at - throttled[0].at : 0;
    const orphans = await orphansAndDestroy(bench, r);
    const recorded = first.ok ? undefined : r.state.get(t.name)?.outputs.status;
    if (span < 4 * 60_000) {
        orphans.push(`the throttling lasted ${Math.round(span / 1000)} s, not five minutes`);
    }
    const outcome: Outcome = first.ok ? "converged" : "did not converge";
    return {
        topology: scenario.name,
        resource: t.name,
        fault: "throttled 5 min in a wait",
        outcome,
        firstError: first.ok ? undefined : `${first.error} (recorded status ${recorded})`,
        orphans,
        leaks: leaks(r, SECRET_NEEDLES),
    };
}

export async function faultMatrix(bench: Bench, onCell?: (c: Cell) => void): Promise<Cell[]> {
    const cells: Cell[] = [];
    const add = (c: Cell) => {
        cells.push(c);
        onCell?.(c);
    };
    const scenarios = {
        ecs: SCENARIOS.find((s) => s.name === "ecs default")!,
        gateway: SCENARIOS.find((s) => s.name === "gateway, managed secret")!,
    };
    for (const topology of ["ecs", "gateway"] as const) {
        for (const t of TARGETS[topology]) {
            for (const fault of t.faults) {
                add(await runCell(bench, scenarios[topology], t, fault));
            }
            for (const phase of ["create", "update", "delete"] as const) {
                if (phase === "update" && !t.update) {
                    continue;
                }
                for (const fault of AFTER_FAULTS) {
                    add(await runAfterCell(bench, scenarios[topology], t, fault, phase));
                }
            }
            if (t.pollOp) {
                add(await runLongThrottleCell(bench, scenarios[topology], t));
            }
        }
    }
    return cells;
}

export function renderMatrix(cells: Cell[]): string {
    const lines = cells.map(
        (c) =>
            `  ${c.topology.padEnd(24)} ${c.resource.padEnd(27)} ${c.fault.padEnd(30)} ${c.outcome}${c.orphans.length ? `  ORPHANS ${c.orphans.join("; ")}` : ""}${c.leaks.length ? `  LEAKS ${c.leaks.join(", ")}` : ""}`,
    );
    const count = (o: Outcome) => cells.filter((c) => c.outcome === o).length;
    return [
        ...lines,
        `  faults injected ${cells.length}; converged ${count("converged")}; failed clearly then converged ${count("failed clearly, then converged")}; ` +
            `unclear ${count("failed unclearly")}; not converged ${count("did not converge")}; ` +
            `orphans ${cells.reduce((n, c) => n + c.orphans.length, 0)}; leaks ${cells.reduce((n, c) => n + c.leaks.length, 0)}`,
    ].join("\n");
}
