/**
 * Fault injection: what tests queue to go wrong with the next calls of an operation (before it is
 * executed, as if it never happened, or after, when only the answer goes wrong) and with the next
 * creates, updates, deletes and deployments of a kind of resource.
 */
import type * as http from "http";
import { roleArn } from "../../support/awsConstants";
import { FakeAwsState } from "./state";
import { AwsError, DeploymentFailure, Fault, FaultKind, RecordedCall, ResourceKind, WithheldPermission } from "./types";

/** The faults that strike after the request was executed. */
const AFTER_EXECUTION: readonly FaultKind[] = ["lost", "dropped", "slow", "hung"];

/** Faults as EC2 and STS answer them: a missing permission, throttling, a server error (code, HTTP status, message). */
const QUERY_FAULTS: Record<string, Record<"denied" | "throttle" | "server", [string, number, string]>> = {
    ec2: {
        denied: ["UnauthorizedOperation", 403, "You are not authorized to perform this operation."],
        throttle: ["RequestLimitExceeded", 503, "Request limit exceeded."],
        server: ["InternalError", 500, "An internal error has occurred."],
    },
    sts: {
        denied: ["AccessDenied", 403, "Access denied"],
        throttle: ["Throttling", 400, "Rate exceeded"],
        server: ["InternalFailure", 500, "An internal error has occurred."],
    },
    iam: {
        denied: ["AccessDenied", 403, "Access denied"],
        throttle: ["Throttling", 400, "Rate exceeded"],
        server: ["ServiceFailure", 500, "An internal error has occurred."],
    },
};

/** What AWS answers a Create/Update with while a role it was just given is not yet usable (IAM propagation). */
const IAM_MESSAGES: Record<string, [string, string]> = {
    CreateHarness: ["ValidationException", "Role validation failed for role arn; check the trust policy"],
    UpdateHarness: ["ValidationException", "Role validation failed for role arn; check the trust policy"],
    CreateAgentRuntime: ["ValidationException", "Access denied while validating ECR URI"],
    UpdateAgentRuntime: ["ValidationException", "Role validation failed for role arn"],
    CreateGatewayTarget: ["ValidationException", "Gateway execution role lacks permission to invoke the target"],
    CreateExpressGatewayService: ["AccessDeniedException", `Cannot assume role ${roleArn("x")}`],
    UpdateExpressGatewayService: ["AccessDeniedException", `Cannot assume role ${roleArn("x")}`],
};

/**
 * What AgentCore answers when IAM throttles the service-linked role it creates on a first create
 * (AWSServiceRoleForBedrockAgentCoreRuntimeIdentity): a quota error, HTTP 402, that is no quota.
 */
export const SERVICE_LINKED_ROLE_THROTTLED = {
    code: "ServiceQuotaExceededException",
    status: 402,
    message: "Failed creating service linked role: Rate limit exceeded",
} as const;

export class FakeAwsFaults extends FakeAwsState {
    /** The next `n` calls of `op` ("*" for any) answer ThrottlingException (EC2: RequestLimitExceeded; STS: Throttling). */
    throttle(op: string, n: number): void {
        this.faults.push({ kind: "throttle", op, remaining: n });
    }
    /** The next `n` calls of `op` answer a 500. */
    serverError(op: string, n: number): void {
        this.faults.push({ kind: "server", op, remaining: n });
    }
    /** The next call of `op` is refused with AccessDeniedException (EC2: UnauthorizedOperation; STS: AccessDenied) and this message, as for a missing permission. */
    denyNext(op: string, message: string): void {
        this.faults.push({ kind: "denied", op, remaining: 1, message });
    }
    /**
     * From now on (until reset), IAM finds that an identity is not granted `action`: its policy
     * simulator answers implicitDeny (explicitDeny with `explicit`), unless the request's context
     * key has one of `unless`'s values. Everything not withheld is allowed.
     */
    withholdPermission(action: string, opts: Omit<WithheldPermission, "action" | "principal"> & { principal?: string } = {}): void {
        this.withheld.push({ principal: "*", ...opts, action });
    }
    /** The next `n` calls of `op` are executed, then answered with a 500, as when a proxy or the network loses the answer. */
    loseResponse(op: string, n: number): void {
        this.faults.push({ kind: "lost", op, remaining: n });
    }
    /** The next `n` calls of `op` are executed, then the connection is dropped without an answer. */
    dropConnection(op: string, n: number): void {
        this.faults.push({ kind: "dropped", op, remaining: n });
    }
    /** The next `n` calls of `op` are executed and answered after `delayMs` of AWS time. */
    slow(op: string, n: number, delayMs: number): void {
        this.faults.push({ kind: "slow", op, remaining: n, delayMs });
    }
    /** The next `n` calls of `op` are executed and never answered: only a request timeout ends them. */
    hang(op: string, n: number): void {
        this.faults.push({ kind: "hung", op, remaining: n });
    }
    /** The next `n` calls of a Create/Update op answer the IAM-propagation error AWS gives for it. */
    iamPropagation(op: string, n: number): void {
        if (!IAM_MESSAGES[op]) {
            throw new Error(`no IAM-propagation error is known for ${op}`);
        }
        this.faults.push({ kind: "iam", op, remaining: n });
    }
    /**
     * The next `n` calls of an AgentCore Create/Update op answer as AgentCore does while IAM
     * throttles the creation of its service-linked role (ServiceQuotaExceededException, 402).
     */
    serviceLinkedRoleThrottled(op: string, n: number): void {
        this.faults.push({ kind: "slr", op, remaining: n });
    }
    /** The next create or update of `kind` lands in its failed status with these reasons. */
    failNext(kind: ResourceKind, reasons: string[]): void {
        this.queueOutcome(kind, { kind: "fail", reasons });
    }
    /** The next create or update of `kind` lands in `status` (CREATE_PENDING_AUTH, say) with these reasons. */
    landNext(kind: ResourceKind, status: string, reasons: string[]): void {
        this.queueOutcome(kind, { kind: "fail", reasons, status });
    }
    /** The next delete of `kind` fails: the resource goes to FAILED with these reasons instead of going away. */
    failNextDelete(kind: ResourceKind, reasons: string[]): void {
        this.deleteFailures.set(kind, [...(this.deleteFailures.get(kind) ?? []), reasons]);
    }
    /** The next create or update of `kind` never leaves its pending status. */
    neverReady(kind: ResourceKind): void {
        this.queueOutcome(kind, { kind: "never" });
    }
    /**
     * The next ECS service deployment fails as ECS's circuit breaker fails one: its tasks stop with
     * this exit code, then it rolls back to the previous revision (ROLLBACK_SUCCESSFUL) or, for a
     * service without one, ends STOPPED. The service stays ACTIVE, as on AWS.
     */
    failNextDeployment(failure: DeploymentFailure = { exitCode: 1 }): void {
        this.deploymentFailures.push(failure);
    }
    /** Deletes a resource as someone in the console would, behind the program's back. */
    deleteBehindBack(kind: ResourceKind, idOrName: string): void {
        for (const [key, rec] of this.resources) {
            if (rec.kind === kind && (rec.id === idOrName || rec.name === idOrName || rec.arn === idOrName)) {
                this.resources.delete(key);
                return;
            }
        }
        throw new Error(`no ${kind} ${idOrName} to delete`);
    }

    protected takeFault(op: string, after = false): Fault | undefined {
        const f = this.faults.find((x) => x.remaining > 0 && (x.op === op || x.op === "*") && AFTER_EXECUTION.includes(x.kind) === after);
        if (f) {
            f.remaining--;
        }
        return f;
    }

    /**
     * After the request was executed: loses the answer (a 500), drops the connection, hangs, or
     * delays the answer, when a fault asks for it. True when the caller must not answer.
     * `lostAnswer` writes the 500 in the protocol's own form (the query protocols answer XML).
     */
    protected async answerGoesWrong(op: string, call: RecordedCall, res: http.ServerResponse, lostAnswer?: () => void): Promise<boolean> {
        const f = this.takeFault(op, true);
        if (!f) {
            return false;
        }
        call.error = f.kind;
        if (f.kind === "slow") {
            await this.clock.sleep(f.delayMs ?? 0);
            call.error = undefined;
            return false;
        }
        if (f.kind === "lost" && lostAnswer) {
            lostAnswer();
        } else if (f.kind === "lost") {
            const ecs = call.service === "ecs" || call.service === "logs";
            res.statusCode = 500;
            res.setHeader(ecs ? "content-type" : "x-amzn-errortype", ecs ? "application/x-amz-json-1.1" : "InternalServerException");
            res.end(
                JSON.stringify(ecs ? { __type: "ServerException", message: "Service unavailable" } : { message: "Service unavailable" }),
            );
        } else if (f.kind === "dropped") {
            res.socket?.destroy();
        }
        // "hung": the request stays open until the client gives up on it.
        return true;
    }

    /** Before the request is executed: answers the error a queued fault asks for, in the service's own terms. */
    protected injectFault(op: string, service: string): void {
        const f = this.takeFault(op);
        if (!f) {
            return;
        }
        // The query protocols name these errors their own way.
        const query = QUERY_FAULTS[service];
        if (query && (f.kind === "denied" || f.kind === "throttle" || f.kind === "server")) {
            const [code, status, message] = query[f.kind];
            throw new AwsError(code, f.kind === "denied" ? (f.message ?? message) : message, status);
        }
        if (f.kind === "denied") {
            throw new AwsError("AccessDeniedException", f.message ?? "Access denied", service === "ecs" ? 400 : 403);
        }
        if (f.kind === "throttle") {
            throw new AwsError("ThrottlingException", "Rate exceeded", service === "ecs" || service === "logs" ? 400 : 429);
        }
        if (f.kind === "server") {
            throw new AwsError(service === "ecs" ? "ServerException" : "InternalServerException", "Internal failure, try again", 500);
        }
        if (f.kind === "slr") {
            const { code, status, message } = SERVICE_LINKED_ROLE_THROTTLED;
            throw new AwsError(code, message, status);
        }
        const [code, message] = IAM_MESSAGES[op];
        throw new AwsError(code, message, code === "AccessDeniedException" && service !== "ecs" ? 403 : 400);
    }
}
