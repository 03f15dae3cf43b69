/**
 * A local AWS endpoint for tests: the real SDK clients talk to it over HTTP on 127.0.0.1.
 *
 * It speaks rest-json (AgentCore control and data planes, including InvokeHarness's event stream;
 * Bedrock), awsJson1_1 (ECS, CloudWatch Logs, ECR, Cognito, Secrets Manager) and the query
 * protocols (STS; EC2), tells services apart by the SigV4 credential scope as AWS tells them apart
 * by host, validates every request against AWS's models, moves resources through their real
 * statuses on a clock the test controls, and injects the faults a test asks for. Each recorded
 * call carries the access key id its request was signed with.
 */
import { EventEmitter } from "events";
import * as http from "http";
import * as zlib from "zlib";
import { AddressInfo } from "net";
import type { Clock } from "../../providers/lifecycle";
import { formInput, loadModel, RestRouter, restInput, serializeShape, ServiceModel, validateShape, xmlOf } from "./model";

export const ACCOUNT = "123456789012";

export class AwsError extends Error {
    constructor(
        public readonly code: string,
        message: string,
        public readonly status = 400,
    ) {
        super(message);
    }
}

export interface Durations {
    harness: number;
    runtime: number;
    gateway: number;
    target: number;
    oauth: number;
    /** ECS Express: create until ACTIVE with a public endpoint. */
    ecsCreate: number;
    ecsUpdate: number;
    ecsDelete: number;
    /** How long the underlying ECS service stays DRAINING after the express service is INACTIVE. */
    ecsDrain: number;
}

export const FAST_DURATIONS: Durations = {
    harness: 3_000,
    runtime: 3_000,
    gateway: 2_000,
    target: 2_000,
    oauth: 0,
    ecsCreate: 5_000,
    ecsUpdate: 3_000,
    ecsDelete: 3_000,
    ecsDrain: 4_000,
};

export type ResourceKind = "harness" | "runtime" | "gateway" | "target" | "apikey" | "oauth2" | "ecs";

export interface Rec {
    kind: ResourceKind;
    id: string;
    name: string;
    arn: string;
    status: string;
    data: Record<string, any>;
    /** A transition in progress: at `until`, status becomes `next` ("GONE" removes the record). */
    transition?: { until: number; next: string; reasons?: string[] };
    createdAt: number;
    updatedAt: number;
}

export interface RecordedCall {
    service: string;
    op: string;
    input: Record<string, any>;
    /** Time on the endpoint's clock. */
    at: number;
    /** Wall-clock time (ms since the epoch), for measuring a client's start-up. */
    wallAt: number;
    /** The access key id of the request's SigV4 signature (`Credential=<id>/...`), when signed. */
    accessKeyId?: string;
    error?: string;
}

/** Who a set of credentials is, as STS GetCallerIdentity answers. */
export interface Identity {
    arn: string;
    userId: string;
    account: string;
}

/** The access key id the endpoint's env() hands to SDK clients. */
export const DEFAULT_ACCESS_KEY_ID = "AKIAFAKEFAKEFAKEFAKE";

/** Faults before the request is executed (it never happened) and after (it happened; the answer goes wrong). */
type FaultKind = "throttle" | "server" | "iam" | "denied" | "lost" | "dropped" | "slow" | "hung";
const AFTER_EXECUTION: readonly FaultKind[] = ["lost", "dropped", "slow", "hung"];
interface Fault {
    kind: FaultKind;
    op: string;
    remaining: number;
    /** For "slow": how long the answer takes, in AWS time. */
    delayMs?: number;
    /** For "denied": AWS's message. */
    message?: string;
}
type Outcome = { kind: "fail"; reasons: string[]; status?: string } | { kind: "never" };

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
};

/** An ECS service deployment of the endpoint: its course is fixed when it starts. */
interface FakeDeployment {
    arn: string;
    createdAt: number;
    /** PENDING until then, IN_PROGRESS after. */
    startedAt: number;
    /** When it succeeds, or (failed) when the circuit breaker stops it. */
    endsAt: number;
    /** The revision serving before it, that a failed deployment rolls back to. */
    sourceRevisionArn?: string;
    targetRevisionArn: string;
    failure?: { statusReason: string };
    /** When the rollback has finished (a failed deployment with a revision to go back to). */
    rollbackUntil?: number;
    /** When a newer deployment stopped it. */
    supersededAt?: number;
}

/** A Fargate task of an ECS service. */
interface FakeTask {
    arn: string;
    deploymentArn: string;
    startedBy: string;
    taskDefinitionArn: string;
    image: string;
    cpu?: string;
    memory?: string;
    createdAt: number;
    runningAt: number;
    stoppedAt?: number;
    stopCode?: string;
    stoppedReason?: string;
    exitCode?: number;
    containerReason?: string;
}

/** The statuses a service deployment ends in. */
const ENDED = ["SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"];
/** The name ECS Express gives the primary container in the task definitions it writes. */
const CONTAINER_NAME = "Main";

const FAILED_STATUS: Record<string, string> = {
    harness: "CREATE_FAILED",
    runtime: "CREATE_FAILED",
    gateway: "FAILED",
    target: "FAILED",
};
const UPDATE_FAILED_STATUS: Record<string, string> = {
    harness: "UPDATE_FAILED",
    runtime: "UPDATE_FAILED",
    gateway: "UPDATE_UNSUCCESSFUL",
    target: "UPDATE_UNSUCCESSFUL",
};

const IAM_MESSAGES: Record<string, [string, string]> = {
    CreateHarness: ["ValidationException", "Role validation failed for role arn; check the trust policy"],
    UpdateHarness: ["ValidationException", "Role validation failed for role arn; check the trust policy"],
    CreateAgentRuntime: ["ValidationException", "Access denied while validating ECR URI"],
    UpdateAgentRuntime: ["ValidationException", "Role validation failed for role arn"],
    CreateGatewayTarget: ["ValidationException", "Gateway execution role lacks permission to invoke the target"],
    CreateExpressGatewayService: ["AccessDeniedException", "Cannot assume role arn:aws:iam::123456789012:role/x"],
    UpdateExpressGatewayService: ["AccessDeniedException", "Cannot assume role arn:aws:iam::123456789012:role/x"],
};

/** The random source of ids; an endpoint with a seed makes its ids repeat from run to run. */
let random: () => number = Math.random;

/** A small seeded generator (mulberry32). */
function seeded(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

function rand(n: number, alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"): string {
    let s = "";
    for (let i = 0; i < n; i++) {
        s += alphabet[Math.floor(random() * alphabet.length)];
    }
    return s;
}

/** A fake clock: sleeping advances time at once. Share it with the lifecycle kit via installClock. */
export function fakeClock(start = 1_700_000_000_000): Clock & { advance(ms: number): void; slept: number[] } {
    let now = start;
    const slept: number[] = [];
    return {
        now: () => now,
        sleep: async (ms: number) => {
            slept.push(ms);
            now += ms;
            await new Promise((r) => setImmediate(r));
        },
        advance: (ms: number) => {
            now += ms;
        },
        slept,
    };
}

/** One scripted InvokeHarness answer: the events, in order, or an error event part-way. */
export type StreamEvent = Record<string, unknown>;

export interface FakeAwsOptions {
    clock: Clock;
    region?: string;
    durations?: Partial<Durations>;
    /** Ids (harness, service endpoint, ...) from a seeded generator, the same in every run. */
    seed?: number;
}

/** A container image in the endpoint's ECR: the platforms its index lists, or one for a single manifest. */
export interface FakeImage {
    platforms: { os: string; architecture: string }[];
    /** One manifest with a config blob instead of an index. */
    single?: boolean;
}

/** What Bedrock's GetFoundationModelAvailability answers for a model. */
export interface ModelAvailability {
    agreementAvailability: { status: string; errorMessage?: string };
    authorizationStatus: string;
    entitlementAvailability: string;
    regionAvailability: string;
}

/** The container a service deployment starts: what the ECS Express service's configuration holds. */
export interface DeployedContainer {
    image: string;
    environment: Record<string, string>;
    /** Secrets Manager references by variable name (`<secret ARN>:<JSON key>::`). */
    secrets: Record<string, string>;
}

/** Whether a deployed container starts: when it does not, its exit code and what it printed. */
export type ContainerOutcome = { ok: true } | { ok: false; exitCode: number; log: string; stoppedReason?: string };

/** How the tasks of a failed deployment stop. */
export interface DeploymentFailure {
    exitCode: number;
    /** The task's stoppedReason (default "Essential container in task exited"). */
    stoppedReason?: string;
    /** The container's own reason, when ECS gives one (CannotPullContainerError, OutOfMemoryError, ...). */
    containerReason?: string;
    /** Lines the container printed, written to its log group. */
    log?: string;
}

/** The AWS Marketplace registry of the default image. */
export const MARKETPLACE_REGISTRY = "709825985650";

export class FakeAws {
    readonly region: string;
    readonly clock: Clock;
    durations: Durations;
    readonly resources = new Map<string, Rec>();
    readonly calls: RecordedCall[] = [];
    readonly logGroups = new Map<string, { createdAt: number; events: { timestamp: number; message: string; logStreamName: string }[]; tags?: Record<string, string> }>();
    readonly taskDefinitions: { family: string; revision: number; status: "ACTIVE" | "INACTIVE" | "DELETE_IN_PROGRESS" }[] = [];
    /** The events every InvokeHarness streams (a default conversation when unset). */
    invokeScript?: StreamEvent[];
    /** Answers for the next InvokeHarness calls, one script each, before invokeScript applies. */
    readonly invokeQueue: StreamEvent[][] = [];
    /** "call" (a RecordedCall) for every request; "held" when an answer stops at a `{ $hold: true }` event. */
    readonly events = new EventEmitter();
    /** Identities by access key id (STS GetCallerIdentity; AssumeRole adds one per session). */
    readonly identities = new Map<string, Identity>();
    /** Access keys AWS no longer accepts, with the error code it answers (ExpiredToken, InvalidClientTokenId). */
    readonly revokedKeys = new Map<string, string>();
    /** EC2: the VPCs and subnets of the region (a default VPC with three subnets to begin with). */
    readonly vpcs: { vpcId: string; isDefault: boolean; cidrBlock: string }[] = [];
    readonly subnets: { subnetId: string; vpcId: string; availabilityZone: string; cidrBlock: string; defaultForAz: boolean }[] = [];
    /** ECR: images by URI (`<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>`). */
    readonly images = new Map<string, FakeImage>();
    /** Registries whose images this account may not pull (an AWS Marketplace product it is not subscribed to). */
    readonly deniedRegistries = new Set<string>();
    /** Bedrock: models by id, inference profiles by id (their model ids), and the Anthropic use-case form. */
    readonly models = new Map<string, ModelAvailability>();
    readonly inferenceProfiles = new Map<string, string[]>();
    useCaseSubmitted = true;
    /** Cognito hosted domains by prefix. */
    readonly cognitoDomains = new Map<string, { userPoolId: string; account: string; tags?: Record<string, string> }>();
    /** Secrets Manager secrets by name. */
    readonly secrets = new Map<string, { arn: string; deletedAt?: number; tags?: Record<string, string>; value?: string }>();
    /** ECS clusters by name. */
    readonly clusters = new Map<string, { tags?: Record<string, string>; status: string }>();
    /**
     * Decides whether the container of each ECS service deployment starts, from what was deployed
     * (its image, environment and secret references): called when the deployment starts; the
     * Create or Update call is answered at once, and the deployment stays IN_PROGRESS until the
     * answer comes (at the earliest when it would have ended anyway). Unset, every container starts. An answer `{ ok: false }` fails the deployment
     * as failNextDeployment does, with that exit code, and writes `log` to the container's log
     * group. A queued failNextDeployment goes first (the hook is then not called). A reset keeps it.
     */
    onDeployment?: (container: DeployedContainer) => Promise<ContainerOutcome>;
    private deploymentFailures: DeploymentFailure[] = [];
    private readonly random: () => number;
    private holds: (() => void)[] = [];
    private readonly deleteFailures = new Map<ResourceKind, string[][]>();
    /** Answers already given, by operation and client token. */
    private readonly answered = new Map<string, unknown>();
    private faults: Fault[] = [];
    private outcomes = new Map<string, Outcome[]>();
    private server?: http.Server;
    private port = 0;
    private readonly control: ServiceModel;
    private readonly data: ServiceModel;
    private readonly ecs: ServiceModel;
    private readonly logs: ServiceModel;
    private readonly controlRouter: RestRouter;
    private readonly dataRouter: RestRouter;
    private readonly models2: Record<"sts" | "ec2" | "ecr" | "cognito" | "secretsmanager" | "bedrock", ServiceModel>;
    private readonly bedrockRouter: RestRouter;

    constructor(opts: FakeAwsOptions) {
        this.clock = opts.clock;
        this.region = opts.region ?? "us-east-1";
        this.durations = { ...FAST_DURATIONS, ...opts.durations };
        this.random = opts.seed === undefined ? Math.random : seeded(opts.seed);
        this.control = loadModel("bedrock-agentcore-control.2023-06-05.json");
        this.data = loadModel("bedrock-agentcore.2024-02-28.json");
        this.ecs = loadModel("ecs.2014-11-13.json");
        this.logs = loadModel("logs.2014-03-28.json");
        this.controlRouter = new RestRouter(this.control);
        this.dataRouter = new RestRouter(this.data);
        this.models2 = {
            sts: loadModel("sts.2011-06-15.json"),
            ec2: loadModel("ec2.2016-11-15.json"),
            ecr: loadModel("ecr.2015-09-21.json"),
            cognito: loadModel("cognito-idp.2016-04-18.json"),
            secretsmanager: loadModel("secretsmanager.2017-10-17.json"),
            bedrock: loadModel("bedrock.2023-04-20.json"),
        };
        this.bedrockRouter = new RestRouter(this.models2.bedrock);
        this.seedAccount();
    }

    /** What a fresh account in the region holds: an identity, a default VPC, the default image, the catalogue's models. */
    private seedAccount(): void {
        const r = this.region;
        this.identities.set(DEFAULT_ACCESS_KEY_ID, { arn: `arn:aws:iam::${ACCOUNT}:user/local-tester`, userId: "AIDAFAKELOCALTESTER01", account: ACCOUNT });
        this.vpcs.push({ vpcId: "vpc-0a1b2c3d4e5f60718", isDefault: true, cidrBlock: "172.31.0.0/16" });
        ["a", "b", "c"].forEach((z, i) =>
            this.subnets.push({ subnetId: `subnet-0${i + 1}a2b3c4d5e6f7a8b`, vpcId: "vpc-0a1b2c3d4e5f60718", availabilityZone: `${r}${z}`, cidrBlock: `172.31.${i * 16}.0/20`, defaultForAz: true }),
        );
        const both = [{ os: "linux", architecture: "amd64" }, { os: "linux", architecture: "arm64" }];
        this.images.set(`${MARKETPLACE_REGISTRY}.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server:0.10.4-bedrock`, { platforms: both });
        this.images.set(`${MARKETPLACE_REGISTRY}.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server:0.15.4-bedrock`, { platforms: both });
        const available: ModelAvailability = {
            agreementAvailability: { status: "AVAILABLE" },
            authorizationStatus: "AUTHORIZED",
            entitlementAvailability: "AVAILABLE",
            regionAvailability: "AVAILABLE",
        };
        for (const m of ["anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-opus-4-5-20250929-v1:0", "amazon.nova-pro-v1:0", "meta.llama3-3-70b-instruct-v1:0"]) {
            this.models.set(m, { ...available, agreementAvailability: { status: "AVAILABLE" } });
            this.inferenceProfiles.set(`us.${m}`, [m]);
        }
    }

    get url(): string {
        return `http://127.0.0.1:${this.port}`;
    }

    async start(): Promise<void> {
        this.server = http.createServer((req, res) => {
            this.handle(req, res).catch((e) => {
                res.statusCode = 500;
                res.end(JSON.stringify({ message: String(e) }));
            });
        });
        await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
        this.port = (this.server.address() as AddressInfo).port;
    }

    async stop(): Promise<void> {
        if (this.server) {
            this.server.closeAllConnections();
            await new Promise<void>((resolve) => this.server!.close(() => resolve()));
            this.server = undefined;
        }
    }

    /** Environment for SDK clients: this endpoint, fake credentials, no retries hidden in the SDK. */
    env(): Record<string, string> {
        return {
            AWS_ENDPOINT_URL: this.url,
            AWS_ACCESS_KEY_ID: "AKIAFAKEFAKEFAKEFAKE",
            AWS_SECRET_ACCESS_KEY: "fake-secret-key-for-the-local-endpoint",
            AWS_REGION: this.region,
            AWS_EC2_METADATA_DISABLED: "true",
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        };
    }

    /** Sets this endpoint's environment on process.env and returns a function that restores it. */
    applyEnv(): () => void {
        const saved: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(this.env())) {
            saved[k] = process.env[k];
            process.env[k] = v;
        }
        return () => {
            for (const [k, v] of Object.entries(saved)) {
                if (v === undefined) {
                    delete process.env[k];
                } else {
                    process.env[k] = v;
                }
            }
        };
    }

    /** Forgets every resource, call, fault and log, for the next scenario on the same endpoint. */
    reset(): void {
        this.invokeQueue.length = 0;
        this.releaseInvoke();
        this.resources.clear();
        this.calls.length = 0;
        this.logGroups.clear();
        this.taskDefinitions.length = 0;
        this.faults = [];
        this.outcomes.clear();
        this.invokeScript = undefined;
        this.answered.clear();
        this.deleteFailures.clear();
        this.deploymentFailures = [];
    }

    // -----------------------------------------------------------------------------------------
    // Fault injection

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

    private queueOutcome(kind: ResourceKind, o: Outcome): void {
        const q = this.outcomes.get(kind) ?? [];
        q.push(o);
        this.outcomes.set(kind, q);
    }

    private takeOutcome(kind: ResourceKind): Outcome | undefined {
        return this.outcomes.get(kind)?.shift();
    }

    private takeFault(op: string, after = false): Fault | undefined {
        const f = this.faults.find((x) => x.remaining > 0 && (x.op === op || x.op === "*") && AFTER_EXECUTION.includes(x.kind) === after);
        if (f) {
            f.remaining--;
        }
        return f;
    }

    // -----------------------------------------------------------------------------------------
    // Inspection

    /** Resources of a kind that exist now (after settling their transitions). */
    list(kind?: ResourceKind): Rec[] {
        return [...this.resources.values()].filter((r) => this.settle(r) && (kind === undefined || r.kind === kind));
    }

    find(kind: ResourceKind, idOrName: string): Rec | undefined {
        return this.list(kind).find((r) => r.id === idOrName || r.name === idOrName || r.arn === idOrName);
    }

    callsTo(op: string): RecordedCall[] {
        return this.calls.filter((c) => c.op === op);
    }

    /** The next call of `op` (resolves at once when `already` is true and one was made). */
    nextCall(op: string): Promise<RecordedCall> {
        return new Promise((resolve) => {
            const listener = (c: RecordedCall) => {
                if (c.op === op) {
                    this.events.off("call", listener);
                    resolve(c);
                }
            };
            this.events.on("call", listener);
        });
    }

    /** Lets every InvokeHarness answer held at a `{ $hold: true }` event go on. */
    releaseInvoke(): void {
        const holds = this.holds;
        this.holds = [];
        holds.forEach((release) => release());
    }

    /** Adds an image to the endpoint's ECR. */
    putImage(uri: string, image: FakeImage): void {
        this.images.set(uri, image);
    }

    /** Applies a due transition; returns false when the record is gone. */
    private settle(rec: Rec): boolean {
        if (rec.transition && this.clock.now() >= rec.transition.until) {
            const t = rec.transition;
            rec.transition = undefined;
            if (t.next === "GONE") {
                this.resources.delete(`${rec.kind}:${rec.id}`);
                return false;
            }
            rec.status = t.next;
            rec.data.statusReasons = t.reasons;
            rec.updatedAt = this.clock.now();
        }
        return this.resources.has(`${rec.kind}:${rec.id}`);
    }

    private get(kind: ResourceKind, idOrName: string, notFound: () => AwsError): Rec {
        const rec = this.find(kind, idOrName);
        if (!rec) {
            throw notFound();
        }
        return rec;
    }

    private startTransition(rec: Rec, pending: string, target: string, ms: number, isCreate: boolean): void {
        const outcome = this.takeOutcome(rec.kind);
        rec.status = pending;
        rec.updatedAt = this.clock.now();
        if (outcome?.kind === "never") {
            rec.transition = undefined;
        } else if (outcome?.kind === "fail") {
            const failed = outcome.status ?? (isCreate ? FAILED_STATUS : UPDATE_FAILED_STATUS)[rec.kind] ?? "FAILED";
            rec.transition = { until: this.clock.now() + ms, next: failed, reasons: outcome.reasons };
            rec.data.failureReason = outcome.reasons.join("; ");
        } else {
            rec.transition = { until: this.clock.now() + ms, next: target };
            rec.data.failureReason = undefined;
        }
    }

    private add(kind: ResourceKind, id: string, name: string, arn: string, data: Record<string, any>): Rec {
        const rec: Rec = { kind, id, name, arn, status: "", data, createdAt: this.clock.now(), updatedAt: this.clock.now() };
        this.resources.set(`${kind}:${id}`, rec);
        return rec;
    }

    private ensureUniqueName(kind: ResourceKind, name: string, scope?: (r: Rec) => boolean): void {
        if (this.list(kind).some((r) => r.name === name && (scope === undefined || scope(r)))) {
            throw new AwsError("ConflictException", `A ${kind} named ${name} already exists`, 409);
        }
    }

    // -----------------------------------------------------------------------------------------
    // HTTP

    private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
        const chunks: Buffer[] = [];
        for await (const c of req) {
            chunks.push(c as Buffer);
        }
        const raw = Buffer.concat(chunks).toString("utf8");
        // Credential=<access key id>/<date>/<region>/<service>/aws4_request
        const scope = /Credential=([^/,\s]+)\/[^/]+\/[^/]+\/([^/]+)\//.exec(String(req.headers.authorization ?? ""));
        this.signer = { accessKeyId: scope?.[1], service: scope?.[2] };
        const target = req.headers["x-amz-target"] as string | undefined;
        if (target) {
            await this.handleJson(target, raw, res);
            return;
        }
        if (String(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) {
            await this.handleQuery(raw, res);
            return;
        }
        if (req.method === "GET" && req.url?.startsWith("/__ecr-blobs/")) {
            // What an ECR layer download URL points at (S3, on AWS): unsigned, the URL is the grant.
            const digest = decodeURIComponent(req.url.slice("/__ecr-blobs/".length));
            const blob = this.blobs.get(digest);
            res.statusCode = blob ? 200 : 404;
            res.end(blob ?? "");
            return;
        }
        await this.handleRest(req, raw, res);
    }

    /** The signature of the request being handled. */
    private signer: { accessKeyId?: string; service?: string } = {};
    private readonly blobs = new Map<string, string>();

    private record(service: string, op: string, input: Record<string, unknown>): RecordedCall {
        const call: RecordedCall = { service, op, input, at: this.clock.now(), wallAt: Date.now(), accessKeyId: this.signer.accessKeyId };
        this.calls.push(call);
        random = this.random;
        this.events.emit("call", call);
        return call;
    }

    /** Refuses a request signed with a revoked key, as AWS refuses expired or unknown credentials. */
    private checkCredentials(call: RecordedCall): void {
        const code = call.accessKeyId ? this.revokedKeys.get(call.accessKeyId) : undefined;
        if (code) {
            throw new AwsError(code, code.startsWith("Expired") ? "The security token included in the request is expired" : "The security token included in the request is invalid.", 403);
        }
    }

    private async handleJson(target: string, raw: string, res: http.ServerResponse): Promise<void> {
        const [prefix, opName] = target.split(".");
        const byPrefix: Record<string, [string, ServiceModel]> = {
            AmazonEC2ContainerServiceV20141113: ["ecs", this.ecs],
            Logs_20140328: ["logs", this.logs],
            AmazonEC2ContainerRegistry_V20150921: ["ecr", this.models2.ecr],
            AWSCognitoIdentityProviderService: ["cognito-idp", this.models2.cognito],
            secretsmanager: ["secretsmanager", this.models2.secretsmanager],
        };
        const [service, model] = byPrefix[prefix] ?? ["", undefined];
        const send = (status: number, body: unknown): void => {
            res.statusCode = status;
            res.setHeader("content-type", "application/x-amz-json-1.1");
            res.end(JSON.stringify(body));
        };
        const fail = (e: AwsError, call?: RecordedCall): void => {
            if (call) {
                call.error = e.code;
            }
            send(e.status, { __type: e.code, message: e.message });
        };
        if (!model || !model.operations[opName]) {
            fail(new AwsError("UnknownOperationException", `Unknown operation ${target}`));
            return;
        }
        let input: Record<string, unknown>;
        try {
            input = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
        } catch {
            fail(new AwsError("SerializationException", "Malformed JSON"));
            return;
        }
        const call = this.record(service, opName, input);
        try {
            this.checkCredentials(call);
            this.injectFault(opName, service);
            const op = model.operations[opName];
            const problems = op.input ? validateShape(model, op.input.shape, input) : [];
            if (problems.length > 0) {
                // ECS answers a request its model refuses with the InvalidParameterException every
                // one of its operations lists.
                throw new AwsError(service === "ecs" ? "InvalidParameterException" : "ValidationException", `${problems.length} validation error(s) detected: ${problems.join("; ")}`);
            }
            const out =
                service === "ecs"
                    ? await this.ecsOp(opName, input)
                    : service === "logs"
                      ? this.logsOp(opName, input)
                      : service === "ecr"
                        ? this.ecrOp(opName, input)
                        : service === "cognito-idp"
                          ? this.cognitoOp(opName, input)
                          : this.secretsOp(opName, input);
            // An ECS answer that breaks the model is the endpoint's own bug: say so rather than let the SDK guess.
            const wrong = service === "ecs" && op.output ? validateShape(model, op.output.shape, out) : [];
            if (wrong.length > 0) {
                throw new Error(`the local endpoint's answer to ${opName} breaks the model: ${wrong.join("; ")}`);
            }
            if (await this.answerGoesWrong(opName, call, res)) {
                return;
            }
            send(200, op.output ? serializeShape(model, op.output.shape, out) : {});
        } catch (e) {
            fail(e instanceof AwsError ? e : new AwsError("ServerException", String(e), 500), call);
        }
    }

    /**
     * After the request was executed: loses the answer (a 500), drops the connection, hangs, or
     * delays the answer, when a fault asks for it. True when the caller must not answer.
     * `lostAnswer` writes the 500 in the protocol's own form (the query protocols answer XML).
     */
    private async answerGoesWrong(op: string, call: RecordedCall, res: http.ServerResponse, lostAnswer?: () => void): Promise<boolean> {
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
            res.end(JSON.stringify(ecs ? { __type: "ServerException", message: "Service unavailable" } : { message: "Service unavailable" }));
        } else if (f.kind === "dropped") {
            res.socket?.destroy();
        }
        // "hung": the request stays open until the client gives up on it.
        return true;
    }

    private injectFault(op: string, service: string): void {
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
        const [code, message] = IAM_MESSAGES[op];
        throw new AwsError(code, message, code === "AccessDeniedException" && service !== "ecs" ? 403 : 400);
    }

    /** The query protocol (STS) and the EC2 protocol: form-encoded requests, XML answers. */
    private async handleQuery(raw: string, res: http.ServerResponse): Promise<void> {
        const params = new URLSearchParams(raw);
        const action = params.get("Action") ?? "";
        const ec2 = this.signer.service === "ec2" || params.get("Version") === "2016-11-15";
        const service = ec2 ? "ec2" : "sts";
        const model = ec2 ? this.models2.ec2 : this.models2.sts;
        const requestId = `${rand(8, "0123456789abcdef")}-${rand(4, "0123456789abcdef")}-${rand(4, "0123456789abcdef")}`;
        res.setHeader("content-type", "text/xml");
        const fail = (e: AwsError, call?: RecordedCall): void => {
            if (call) {
                call.error = e.code;
            }
            res.statusCode = e.status;
            res.end(errorXml(ec2, e.code, e.message, requestId, e.status >= 500 ? "Receiver" : "Sender"));
        };
        const op = model.operations[action];
        if (!op) {
            fail(new AwsError("InvalidAction", `Could not find operation ${action} for version ${params.get("Version")}`));
            return;
        }
        const used = new Set(["Action", "Version"]);
        const input = (op.input ? formInput(model, op.input.shape, params, ec2, "", used) : {}) as Record<string, any>;
        const call = this.record(service, action, input);
        try {
            this.checkCredentials(call);
            this.injectFault(action, service);
            const unknown = [...params.keys()].filter((k) => !used.has(k));
            if (unknown.length > 0) {
                // EC2 refuses parameters its model does not know; so does STS.
                throw new AwsError(ec2 ? "UnknownParameter" : "InvalidParameterValue", `The parameter ${unknown[0]} is not recognized`);
            }
            const problems = op.input ? validateShape(model, op.input.shape, input) : [];
            if (problems.length > 0) {
                throw new AwsError(ec2 ? "InvalidParameterValue" : "ValidationError", `${problems.length} validation error(s) detected: ${problems.join("; ")}`);
            }
            const out = ec2 ? this.ec2Op(action, input) : this.stsOp(action, input, call);
            const lost = () => {
                res.statusCode = 500;
                res.end(errorXml(ec2, ec2 ? "InternalError" : "InternalFailure", "Service unavailable", requestId));
            };
            if (await this.answerGoesWrong(action, call, res, lost)) {
                return;
            }
            const body = op.output ? xmlOf(model, op.output.shape, out) : "";
            res.statusCode = 200;
            res.end(
                ec2
                    ? `<?xml version="1.0" encoding="UTF-8"?><${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>${requestId}</requestId>${body}</${action}Response>`
                    : `<${action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${action}Result>${body}</${action}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
            );
        } catch (e) {
            fail(e instanceof AwsError ? e : new AwsError("InternalFailure", String(e), 500), call);
        }
    }

    private async handleRest(req: http.IncomingMessage, raw: string, res: http.ServerResponse): Promise<void> {
        const url = new URL(req.url ?? "/", "http://localhost");
        const method = req.method ?? "GET";
        let model = this.data;
        let route;
        if (this.signer.service === "bedrock") {
            model = this.models2.bedrock;
            route = this.bedrockRouter.match(method, url.pathname, url.searchParams);
        } else {
            route = this.dataRouter.match(method, url.pathname, url.searchParams);
            if (!route) {
                model = this.control;
                route = this.controlRouter.match(method, url.pathname, url.searchParams);
            }
        }
        const fail = (e: AwsError, call?: RecordedCall): void => {
            if (call) {
                call.error = e.code;
            }
            res.statusCode = e.status;
            res.setHeader("x-amzn-errortype", e.code);
            res.setHeader("content-type", "application/json");
            res.end(JSON.stringify({ message: e.message }));
        };
        if (!route) {
            fail(new AwsError("UnknownOperationException", `No operation for ${method} ${url.pathname}`, 404));
            return;
        }
        let body: unknown = {};
        try {
            body = raw ? JSON.parse(raw) : {};
        } catch {
            fail(new AwsError("SerializationException", "Malformed JSON body"));
            return;
        }
        const op = route.op;
        const input = restInput(model, op, route.pathParams, url.searchParams, req.headers, body);
        const service = model === this.data ? "bedrock-agentcore" : model === this.control ? "bedrock-agentcore-control" : "bedrock";
        const call = this.record(service, op.name, input);
        try {
            this.checkCredentials(call);
            this.injectFault(op.name, service);
            const problems = op.input ? validateShape(model, op.input.shape, input) : [];
            if (problems.length > 0) {
                throw new AwsError("ValidationException", `${problems.length} validation error(s) detected: ${problems.join("; ")}`);
            }
            if (op.name === "InvokeHarness") {
                if (await this.answerGoesWrong(op.name, call, res)) {
                    return;
                }
                await this.invokeHarness(input, res);
                return;
            }
            // AWS answers a repeated client token with the first answer, without doing it again.
            const tokenKey = typeof input.clientToken === "string" ? `${op.name}:${input.clientToken}` : undefined;
            const execute = () => (service === "bedrock" ? this.bedrockOp(op.name, input) : this.controlOp(op.name, input));
            const out = tokenKey && this.answered.has(tokenKey) ? this.answered.get(tokenKey) : execute();
            if (tokenKey) {
                this.answered.set(tokenKey, out);
            }
            if (await this.answerGoesWrong(op.name, call, res)) {
                return;
            }
            res.statusCode = op.http.responseCode ?? 200;
            res.setHeader("content-type", "application/json");
            res.end(JSON.stringify(op.output ? serializeShape(model, op.output.shape, out) : {}));
        } catch (e) {
            fail(e instanceof AwsError ? e : new AwsError("InternalServerException", String(e), 500), call);
        }
    }

    // -----------------------------------------------------------------------------------------
    // AgentCore control plane

    /** Timestamps are held as epoch ms; serializeShape writes them in each shape's wire format. */
    private ts(ms: number): number {
        return ms;
    }

    private controlOp(op: string, input: Record<string, any>): unknown {
        const acct = ACCOUNT;
        const r = this.region;
        const notFound = (what: string) => () => new AwsError("ResourceNotFoundException", `${what} not found`, 404);
        switch (op) {
            // Harness
            case "CreateHarness": {
                this.ensureUniqueName("harness", input.harnessName);
                const id = `${input.harnessName}-${rand(10, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")}`;
                const runtimeId = `harness_${input.harnessName}-${rand(10)}`.slice(0, 48);
                const rec = this.add("harness", id, input.harnessName, `arn:aws:bedrock-agentcore:${r}:${acct}:harness/${id}`, {
                    ...input,
                    runtimeId,
                });
                this.startTransition(rec, "CREATING", "READY", this.durations.harness, true);
                return { harness: this.harnessView(rec) };
            }
            case "GetHarness":
                return { harness: this.harnessView(this.get("harness", input.harnessId, notFound(`Harness ${input.harnessId}`))) };
            case "UpdateHarness": {
                const rec = this.get("harness", input.harnessId, notFound(`Harness ${input.harnessId}`));
                if (rec.status !== "READY" && rec.status !== "UPDATE_FAILED" && rec.status !== "CREATE_FAILED") {
                    throw new AwsError("ConflictException", `Harness is ${rec.status}`, 409);
                }
                for (const [k, v] of Object.entries(input)) {
                    if (k === "harnessId" || k === "clientToken" || v === undefined) {
                        continue;
                    }
                    // Updated*Configuration wrappers carry the new value in optionalValue.
                    rec.data[k] = v && typeof v === "object" && "optionalValue" in v ? v.optionalValue : v;
                }
                this.startTransition(rec, "UPDATING", "READY", this.durations.harness, false);
                return { harness: this.harnessView(rec) };
            }
            case "DeleteHarness": {
                const rec = this.get("harness", input.harnessId, notFound(`Harness ${input.harnessId}`));
                rec.status = "DELETING";
                rec.transition = { until: this.clock.now() + this.durations.harness, next: "GONE" };
                return { harness: this.harnessView(rec) };
            }
            case "ListHarnesses":
                return {
                    harnesses: this.list("harness").map((h) => ({
                        harnessId: h.id,
                        harnessName: h.name,
                        arn: h.arn,
                        status: h.status,
                        createdAt: this.ts(h.createdAt),
                        updatedAt: this.ts(h.updatedAt),
                    })),
                };

            // API-key credential provider
            case "CreateApiKeyCredentialProvider": {
                this.ensureUniqueName("apikey", input.name);
                const arn = `arn:aws:bedrock-agentcore:${r}:${acct}:token-vault/default/apikeycredentialprovider/${input.name}`;
                const rec = this.add("apikey", input.name, input.name, arn, {
                    apiKey: input.apiKey,
                    tags: input.tags,
                    apiKeySecretArn: `arn:aws:secretsmanager:${r}:${acct}:secret:bedrock-agentcore-identity!default/apikey/${input.name}-${rand(6)}`,
                });
                rec.status = "READY";
                return { name: input.name, credentialProviderArn: arn, apiKeySecretArn: { secretArn: rec.data.apiKeySecretArn } };
            }
            case "GetApiKeyCredentialProvider":
            case "UpdateApiKeyCredentialProvider": {
                const rec = this.get("apikey", input.name, notFound(`Credential provider ${input.name}`));
                if (op === "UpdateApiKeyCredentialProvider") {
                    rec.data.apiKey = input.apiKey;
                    rec.updatedAt = this.clock.now();
                }
                return {
                    name: rec.name,
                    credentialProviderArn: rec.arn,
                    apiKeySecretArn: { secretArn: rec.data.apiKeySecretArn },
                    createdTime: this.ts(rec.createdAt),
                    lastUpdatedTime: this.ts(rec.updatedAt),
                };
            }
            case "DeleteApiKeyCredentialProvider": {
                const rec = this.get("apikey", input.name, notFound(`Credential provider ${input.name}`));
                this.resources.delete(`apikey:${rec.id}`);
                return {};
            }

            // OAuth2 credential provider
            case "CreateOauth2CredentialProvider": {
                this.ensureUniqueName("oauth2", input.name);
                const arn = `arn:aws:bedrock-agentcore:${r}:${acct}:token-vault/default/oauth2credentialprovider/${input.name}`;
                const rec = this.add("oauth2", input.name, input.name, arn, {
                    vendor: input.credentialProviderVendor,
                    config: input.oauth2ProviderConfigInput,
                    clientSecretArn: `arn:aws:secretsmanager:${r}:${acct}:secret:bedrock-agentcore-identity!default/oauth2/${input.name}-${rand(6)}`,
                    tags: input.tags,
                });
                rec.status = "READY";
                return this.oauthView(rec);
            }
            case "GetOauth2CredentialProvider":
                return this.oauthView(this.get("oauth2", input.name, notFound(`Credential provider ${input.name}`)));
            case "UpdateOauth2CredentialProvider": {
                const rec = this.get("oauth2", input.name, notFound(`Credential provider ${input.name}`));
                if (input.credentialProviderVendor !== rec.data.vendor) {
                    throw new AwsError("ValidationException", "credentialProviderVendor cannot be changed");
                }
                rec.data.config = input.oauth2ProviderConfigInput;
                rec.updatedAt = this.clock.now();
                return this.oauthView(rec);
            }
            case "DeleteOauth2CredentialProvider": {
                const rec = this.get("oauth2", input.name, notFound(`Credential provider ${input.name}`));
                this.resources.delete(`oauth2:${rec.id}`);
                return {};
            }

            // Agent runtime
            case "CreateAgentRuntime": {
                this.ensureUniqueName("runtime", input.agentRuntimeName);
                const id = `${input.agentRuntimeName}-${rand(10)}`;
                const rec = this.add("runtime", id, input.agentRuntimeName, `arn:aws:bedrock-agentcore:${r}:${acct}:runtime/${id}`, {
                    ...input,
                    version: 1,
                });
                this.startTransition(rec, "CREATING", "READY", this.durations.runtime, true);
                return {
                    agentRuntimeArn: rec.arn,
                    agentRuntimeId: id,
                    agentRuntimeVersion: "1",
                    createdAt: this.ts(rec.createdAt),
                    status: rec.status,
                };
            }
            case "GetAgentRuntime":
                return this.runtimeView(this.get("runtime", input.agentRuntimeId, notFound(`Runtime ${input.agentRuntimeId}`)));
            case "UpdateAgentRuntime": {
                const rec = this.get("runtime", input.agentRuntimeId, notFound(`Runtime ${input.agentRuntimeId}`));
                if (rec.status !== "READY" && rec.status !== "UPDATE_FAILED") {
                    throw new AwsError("ConflictException", `Runtime is ${rec.status}`, 409);
                }
                const { agentRuntimeId: _id, clientToken: _t, ...rest } = input;
                // An update replaces the whole configuration and makes a new version.
                // Tags are not part of the configuration: they survive, as on AWS.
                rec.data = { agentRuntimeName: rec.name, ...rest, version: rec.data.version + 1, tags: rec.data.tags };
                this.startTransition(rec, "UPDATING", "READY", this.durations.runtime, false);
                const v = this.runtimeView(rec);
                return {
                    agentRuntimeArn: v.agentRuntimeArn,
                    agentRuntimeId: v.agentRuntimeId,
                    agentRuntimeVersion: v.agentRuntimeVersion,
                    createdAt: v.createdAt,
                    lastUpdatedAt: v.lastUpdatedAt,
                    status: v.status,
                };
            }
            case "DeleteAgentRuntime": {
                const rec = this.find("runtime", input.agentRuntimeId);
                if (!rec) {
                    // AgentCore answers a missing runtime id with AccessDenied, not NotFound.
                    throw new AwsError(
                        "AccessDeniedException",
                        `User is not authorized to perform: bedrock-agentcore:DeleteAgentRuntime on resource ${input.agentRuntimeId}`,
                        403,
                    );
                }
                rec.status = "DELETING";
                rec.transition = { until: this.clock.now() + this.durations.runtime, next: "GONE" };
                return { agentRuntimeId: rec.id, status: "DELETING" };
            }

            // Gateway
            case "CreateGateway": {
                this.ensureUniqueName("gateway", input.name);
                const id = `${String(input.name).toLowerCase()}-${rand(10)}`;
                const rec = this.add("gateway", id, input.name, `arn:aws:bedrock-agentcore:${r}:${acct}:gateway/${id}`, {
                    ...input,
                    gatewayUrl: `https://${id}.gateway.bedrock-agentcore.${r}.amazonaws.com/mcp`,
                });
                this.startTransition(rec, "CREATING", "READY", this.durations.gateway, true);
                return this.gatewayView(rec);
            }
            case "GetGateway":
                return this.gatewayView(this.get("gateway", input.gatewayIdentifier, notFound(`Gateway ${input.gatewayIdentifier}`)));
            case "UpdateGateway": {
                const rec = this.get("gateway", input.gatewayIdentifier, notFound(`Gateway ${input.gatewayIdentifier}`));
                if (input.name !== rec.name) {
                    throw new AwsError("ValidationException", "Gateway name cannot be changed");
                }
                const { gatewayIdentifier: _g, ...rest } = input;
                rec.data = { ...rest, gatewayUrl: rec.data.gatewayUrl, tags: rec.data.tags };
                this.startTransition(rec, "UPDATING", "READY", this.durations.gateway, false);
                return this.gatewayView(rec);
            }
            case "DeleteGateway": {
                const rec = this.get("gateway", input.gatewayIdentifier, notFound(`Gateway ${input.gatewayIdentifier}`));
                const targets = this.list("target").filter((t) => t.data.gatewayId === rec.id);
                if (targets.length > 0) {
                    throw new AwsError(
                        "ConflictException",
                        `Gateway ${rec.id} has ${targets.length} target(s); delete them before deleting the gateway`,
                        409,
                    );
                }
                rec.status = "DELETING";
                rec.transition = { until: this.clock.now() + this.durations.gateway, next: "GONE" };
                return { gatewayId: rec.id, status: "DELETING" };
            }

            // Gateway target
            case "CreateGatewayTarget": {
                const gw = this.get("gateway", input.gatewayIdentifier, notFound(`Gateway ${input.gatewayIdentifier}`));
                this.ensureUniqueName("target", input.name, (t) => t.data.gatewayId === gw.id);
                const id = rand(10, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
                const rec = this.add("target", id, input.name, `${gw.arn}/target/${id}`, { ...input, gatewayId: gw.id, gatewayArn: gw.arn });
                this.startTransition(rec, "CREATING", "READY", this.durations.target, true);
                return this.targetView(rec);
            }
            case "GetGatewayTarget":
            case "UpdateGatewayTarget":
            case "DeleteGatewayTarget": {
                const rec = this.list("target").find(
                    (t) => t.id === input.targetId && (t.data.gatewayId === input.gatewayIdentifier || t.data.gatewayArn === input.gatewayIdentifier),
                );
                if (!rec) {
                    throw new AwsError("ResourceNotFoundException", `Target ${input.targetId} not found`, 404);
                }
                if (op === "UpdateGatewayTarget") {
                    const { gatewayIdentifier: _g, targetId: _t, ...rest } = input;
                    rec.data = { ...rec.data, ...rest };
                    this.startTransition(rec, "UPDATING", "READY", this.durations.target, false);
                } else if (op === "DeleteGatewayTarget") {
                    rec.status = "DELETING";
                    const failure = this.deleteFailures.get("target")?.shift();
                    rec.transition = failure
                        ? { until: this.clock.now() + this.durations.target, next: "FAILED", reasons: failure }
                        : { until: this.clock.now() + this.durations.target, next: "GONE" };
                    return { gatewayArn: rec.data.gatewayArn, targetId: rec.id, status: "DELETING" };
                }
                return this.targetView(rec);
            }
            case "ListGatewayTargets":
                return {
                    items: this.list("target")
                        .filter((t) => t.data.gatewayId === input.gatewayIdentifier)
                        .map((t) => ({ targetId: t.id, name: t.name, status: t.status, createdAt: this.ts(t.createdAt), updatedAt: this.ts(t.updatedAt) })),
                };
            case "ListGateways":
                return {
                    items: this.list("gateway").map((g) => ({
                        gatewayId: g.id,
                        name: g.name,
                        status: g.status,
                        createdAt: this.ts(g.createdAt),
                        updatedAt: this.ts(g.updatedAt),
                        authorizerType: g.data.authorizerType,
                        protocolType: "MCP",
                    })),
                };
            case "ListAgentRuntimes":
                return {
                    agentRuntimes: this.list("runtime").map((x) => ({
                        agentRuntimeArn: x.arn,
                        agentRuntimeId: x.id,
                        agentRuntimeVersion: String(x.data.version),
                        agentRuntimeName: x.name,
                        description: "",
                        lastUpdatedAt: this.ts(x.updatedAt),
                        status: x.status,
                    })),
                };
            case "TagResource":
            case "UntagResource": {
                const rec = this.list().find((x) => x.arn === input.resourceArn);
                if (!rec) {
                    throw new AwsError("ResourceNotFoundException", `${input.resourceArn} not found`, 404);
                }
                const tags = { ...(rec.data.tags ?? {}) };
                if (op === "TagResource") {
                    Object.assign(tags, input.tags);
                } else {
                    for (const k of input.tagKeys as string[]) {
                        delete tags[k];
                    }
                }
                rec.data.tags = tags;
                return {};
            }
            case "ListTagsForResource": {
                const rec = [...this.resources.values()].find((x) => x.arn === input.resourceArn);
                if (!rec) {
                    throw new AwsError("ResourceNotFoundException", `${input.resourceArn} not found`, 404);
                }
                return { tags: rec.data.tags ?? {} };
            }
            default:
                throw new AwsError("UnknownOperationException", `The local endpoint does not implement ${op}`, 501);
        }
    }

    private harnessView(rec: Rec): Record<string, unknown> {
        const d = rec.data;
        return {
            harnessId: rec.id,
            harnessName: rec.name,
            arn: rec.arn,
            status: rec.status,
            executionRoleArn: d.executionRoleArn,
            createdAt: this.ts(rec.createdAt),
            updatedAt: this.ts(rec.updatedAt),
            model: d.model ?? { bedrockModelConfig: { modelId: "default" } },
            systemPrompt: d.systemPrompt ?? [],
            tools: d.tools ?? [],
            skills: d.skills ?? [],
            allowedTools: d.allowedTools ?? ["*"],
            truncation: d.truncation ?? { strategy: "sliding_window" },
            maxIterations: d.maxIterations,
            maxTokens: d.maxTokens,
            timeoutSeconds: d.timeoutSeconds,
            memory: d.memory,
            failureReason: d.failureReason,
            environment: {
                agentCoreRuntimeEnvironment: {
                    agentRuntimeArn: `arn:aws:bedrock-agentcore:${this.region}:${ACCOUNT}:runtime/${d.runtimeId}`,
                    agentRuntimeName: d.runtimeId.replace(/-[a-z0-9]{10}$/, ""),
                    agentRuntimeId: d.runtimeId,
                    lifecycleConfiguration: { idleRuntimeSessionTimeout: 900, maxLifetime: 28800 },
                    networkConfiguration: { networkMode: "PUBLIC" },
                },
            },
        };
    }

    private oauthView(rec: Rec): Record<string, unknown> {
        const custom = rec.data.config?.customOauth2ProviderConfig ?? {};
        return {
            name: rec.name,
            credentialProviderArn: rec.arn,
            credentialProviderVendor: rec.data.vendor,
            clientSecretArn: { secretArn: rec.data.clientSecretArn },
            callbackUrl: `https://bedrock-agentcore.${this.region}.amazonaws.com/identities/oauth2/callback/${rec.id}`,
            // AWS returns the discovery and client id, never the client secret.
            oauth2ProviderConfigOutput: {
                customOauth2ProviderConfig: {
                    oauthDiscovery: custom.oauthDiscovery,
                    clientId: custom.clientId,
                },
            },
            status: "READY",
            createdTime: this.ts(rec.createdAt),
            lastUpdatedTime: this.ts(rec.updatedAt),
        };
    }

    private runtimeView(rec: Rec) {
        const d = rec.data;
        return {
            agentRuntimeArn: rec.arn,
            agentRuntimeName: rec.name,
            agentRuntimeId: rec.id,
            agentRuntimeVersion: String(d.version),
            agentRuntimeArtifact: d.agentRuntimeArtifact,
            roleArn: d.roleArn,
            networkConfiguration: d.networkConfiguration,
            protocolConfiguration: d.protocolConfiguration,
            environmentVariables: d.environmentVariables,
            authorizerConfiguration: d.authorizerConfiguration,
            requestHeaderConfiguration: d.requestHeaderConfiguration,
            lifecycleConfiguration: { idleRuntimeSessionTimeout: 900, maxLifetime: 28800 },
            failureReason: d.failureReason,
            status: rec.status,
            createdAt: this.ts(rec.createdAt),
            lastUpdatedAt: this.ts(rec.updatedAt),
        };
    }

    private gatewayView(rec: Rec): Record<string, unknown> {
        const d = rec.data;
        return {
            gatewayArn: rec.arn,
            gatewayId: rec.id,
            gatewayUrl: d.gatewayUrl,
            name: rec.name,
            description: d.description,
            roleArn: d.roleArn,
            protocolType: d.protocolType,
            authorizerType: d.authorizerType,
            authorizerConfiguration: d.authorizerConfiguration,
            status: rec.status,
            statusReasons: d.statusReasons,
            createdAt: this.ts(rec.createdAt),
            updatedAt: this.ts(rec.updatedAt),
        };
    }

    private targetView(rec: Rec): Record<string, unknown> {
        const d = rec.data;
        return {
            gatewayArn: d.gatewayArn,
            targetId: rec.id,
            name: rec.name,
            description: d.description,
            status: rec.status,
            statusReasons: d.statusReasons,
            targetConfiguration: d.targetConfiguration,
            credentialProviderConfigurations: d.credentialProviderConfigurations ?? [],
            createdAt: this.ts(rec.createdAt),
            updatedAt: this.ts(rec.updatedAt),
        };
    }

    // -----------------------------------------------------------------------------------------
    // STS and EC2

    private stsOp(op: string, input: Record<string, any>, call: RecordedCall): unknown {
        switch (op) {
            case "GetCallerIdentity": {
                const id = this.identities.get(call.accessKeyId ?? "") ?? {
                    arn: `arn:aws:iam::${ACCOUNT}:user/${call.accessKeyId ?? "anonymous"}`,
                    userId: call.accessKeyId ?? "anonymous",
                    account: ACCOUNT,
                };
                return { UserId: id.userId, Account: id.account, Arn: id.arn };
            }
            case "AssumeRole": {
                const m = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(input.RoleArn);
                if (!m) {
                    throw new AwsError("ValidationError", `${input.RoleArn} is not a role ARN`);
                }
                const accessKeyId = `ASIA${rand(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")}`;
                const roleId = `AROA${rand(17, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")}`;
                const arn = `arn:aws:sts::${m[1]}:assumed-role/${m[2]}/${input.RoleSessionName}`;
                this.identities.set(accessKeyId, { arn, userId: `${roleId}:${input.RoleSessionName}`, account: m[1] });
                return {
                    Credentials: {
                        AccessKeyId: accessKeyId,
                        SecretAccessKey: rand(40),
                        SessionToken: rand(64),
                        // The client judges the expiry by its own (real) clock, not by the test's.
                        Expiration: Date.now() + (input.DurationSeconds ?? 3600) * 1000,
                    },
                    AssumedRoleUser: { AssumedRoleId: `${roleId}:${input.RoleSessionName}`, Arn: arn },
                };
            }
            default:
                throw new AwsError("InvalidAction", `The local endpoint does not implement STS ${op}`);
        }
    }

    private ec2Op(op: string, input: Record<string, any>): unknown {
        const filters = (input.Filters ?? []) as { Name: string; Values?: string[] }[];
        const match = (item: Record<string, unknown>, names: Record<string, string>) =>
            filters.every((f) => {
                const key = names[f.Name];
                if (!key) {
                    throw new AwsError("InvalidParameterValue", `The filter '${f.Name}' is invalid`);
                }
                return (f.Values ?? []).includes(String(item[key]));
            });
        switch (op) {
            case "DescribeVpcs":
                return {
                    Vpcs: this.vpcs
                        .filter((v) => match(v, { "is-default": "isDefault", "vpc-id": "vpcId" }))
                        .map((v) => ({ VpcId: v.vpcId, IsDefault: v.isDefault, CidrBlock: v.cidrBlock, State: "available", OwnerId: ACCOUNT })),
                };
            case "DescribeSubnets":
                return {
                    Subnets: this.subnets
                        .filter((sn) => match(sn, { "vpc-id": "vpcId", "default-for-az": "defaultForAz", "availability-zone": "availabilityZone" }))
                        .map((sn) => ({
                            SubnetId: sn.subnetId,
                            VpcId: sn.vpcId,
                            AvailabilityZone: sn.availabilityZone,
                            CidrBlock: sn.cidrBlock,
                            DefaultForAz: sn.defaultForAz,
                            State: "available",
                            OwnerId: ACCOUNT,
                        })),
                };
            default:
                throw new AwsError("InvalidAction", `The local endpoint does not implement EC2 ${op}`);
        }
    }

    // -----------------------------------------------------------------------------------------
    // ECR, Cognito, Secrets Manager, Bedrock

    private ecrOp(op: string, input: Record<string, any>): unknown {
        const registry = input.registryId ?? ACCOUNT;
        if (this.deniedRegistries.has(registry)) {
            throw new AwsError(
                "AccessDeniedException",
                `User: arn:aws:iam::${ACCOUNT}:user/local-tester is not authorized to perform: ecr:${op} on resource: arn:aws:ecr:${this.region}:${registry}:repository/${input.repositoryName} because no resource-based policy allows the ecr:${op} action`,
            );
        }
        const prefix = `${registry}.dkr.ecr.`;
        const repoImages = [...this.images.entries()].filter(([uri]) => uri.startsWith(prefix) && uri.includes(`.amazonaws.com/${input.repositoryName}:`));
        if (repoImages.length === 0) {
            throw new AwsError("RepositoryNotFoundException", `The repository with name '${input.repositoryName}' does not exist in the registry with id '${registry}'`);
        }
        switch (op) {
            case "BatchGetImage": {
                const images: unknown[] = [];
                const failures: unknown[] = [];
                for (const id of input.imageIds as { imageTag?: string; imageDigest?: string }[]) {
                    const hit = repoImages.find(([uri]) => uri.endsWith(`:${id.imageTag}`));
                    if (!hit) {
                        failures.push({ imageId: id, failureCode: "ImageNotFound", failureReason: "Requested image not found" });
                        continue;
                    }
                    const [, image] = hit;
                    const configDigest = `sha256:${rand(64, "0123456789abcdef")}`;
                    const manifest = image.single
                        ? { schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: configDigest, size: 1 }, layers: [] }
                        : {
                              schemaVersion: 2,
                              mediaType: "application/vnd.oci.image.index.v1+json",
                              manifests: image.platforms.map((pl) => ({ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: `sha256:${rand(64, "0123456789abcdef")}`, size: 1, platform: pl })),
                          };
                    if (image.single) {
                        this.blobs.set(configDigest, JSON.stringify({ architecture: image.platforms[0].architecture, os: image.platforms[0].os }));
                    }
                    images.push({ registryId: registry, repositoryName: input.repositoryName, imageId: id, imageManifest: JSON.stringify(manifest), imageManifestMediaType: manifest.mediaType });
                }
                return { images, failures };
            }
            case "GetDownloadUrlForLayer":
                if (!this.blobs.has(input.layerDigest)) {
                    throw new AwsError("LayersNotFoundException", `The layer ${input.layerDigest} does not exist`);
                }
                return { downloadUrl: `${this.url}/__ecr-blobs/${encodeURIComponent(input.layerDigest)}`, layerDigest: input.layerDigest };
            default:
                throw new AwsError("UnknownOperationException", `The local endpoint does not implement ECR ${op}`);
        }
    }

    private cognitoOp(op: string, input: Record<string, any>): unknown {
        switch (op) {
            case "DescribeUserPoolDomain": {
                const d = this.cognitoDomains.get(input.Domain);
                // AWS answers a free prefix with an empty description, not an error.
                return { DomainDescription: d ? { UserPoolId: d.userPoolId, AWSAccountId: d.account, Domain: input.Domain, Status: "ACTIVE", Version: "1" } : {} };
            }
            case "ListTagsForResource": {
                const d = [...this.cognitoDomains.values()].find((x) => input.ResourceArn.endsWith(`:userpool/${x.userPoolId}`));
                if (!d) {
                    throw new AwsError("ResourceNotFoundException", `User pool ${input.ResourceArn} does not exist.`);
                }
                return { Tags: d.tags ?? {} };
            }
            default:
                throw new AwsError("UnknownOperationException", `The local endpoint does not implement Cognito ${op}`);
        }
    }

    private secretsOp(op: string, input: Record<string, any>): unknown {
        switch (op) {
            case "DescribeSecret": {
                const entry = [...this.secrets.entries()].find(([name, x]) => name === input.SecretId || x.arn === input.SecretId);
                if (!entry) {
                    throw new AwsError("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
                }
                const [name, secret] = entry;
                return {
                    ARN: secret.arn,
                    Name: name,
                    DeletedDate: secret.deletedAt,
                    Tags: Object.entries(secret.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
                };
            }
            case "GetSecretValue": {
                const entry = [...this.secrets.entries()].find(([name, x]) => name === input.SecretId || x.arn === input.SecretId);
                if (!entry) {
                    throw new AwsError("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
                }
                const [name, secret] = entry;
                if (secret.deletedAt !== undefined) {
                    throw new AwsError("InvalidRequestException", "You can't perform this operation on the secret because it was marked for deletion.");
                }
                if (secret.value === undefined) {
                    throw new AwsError("ResourceNotFoundException", "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT");
                }
                return { ARN: secret.arn, Name: name, SecretString: secret.value, VersionId: "v1", VersionStages: ["AWSCURRENT"] };
            }
            default:
                throw new AwsError("UnknownOperationException", `The local endpoint does not implement Secrets Manager ${op}`);
        }
    }

    /** Adds a secret (name or ARN lookups both work); `deletedAt` marks it scheduled for deletion. */
    putSecret(name: string, opts: { deletedAt?: number; tags?: Record<string, string>; value?: string } = {}): string {
        const arn = `arn:aws:secretsmanager:${this.region}:${ACCOUNT}:secret:${name}-${rand(6, "abcdefABCDEF")}`;
        this.secrets.set(name, { arn, ...opts });
        return arn;
    }

    private bedrockOp(op: string, input: Record<string, any>): unknown {
        const r = this.region;
        const notFound = (what: string) => new AwsError("ResourceNotFoundException", `${what} not found`, 404);
        switch (op) {
            case "GetInferenceProfile": {
                const models = this.inferenceProfiles.get(input.inferenceProfileIdentifier);
                if (!models) {
                    throw notFound(`Inference profile ${input.inferenceProfileIdentifier}`);
                }
                return {
                    inferenceProfileName: input.inferenceProfileIdentifier,
                    inferenceProfileId: input.inferenceProfileIdentifier,
                    inferenceProfileArn: `arn:aws:bedrock:${r}:${ACCOUNT}:inference-profile/${input.inferenceProfileIdentifier}`,
                    models: models.flatMap((m) => ["us-east-1", "us-east-2", "us-west-2"].map((reg) => ({ modelArn: `arn:aws:bedrock:${reg}::foundation-model/${m}` }))),
                    status: "ACTIVE",
                    type: "SYSTEM_DEFINED",
                };
            }
            case "GetFoundationModel": {
                if (!this.models.has(input.modelIdentifier)) {
                    throw notFound(`Model ${input.modelIdentifier}`);
                }
                const id = input.modelIdentifier as string;
                return { modelDetails: { modelArn: `arn:aws:bedrock:${r}::foundation-model/${id}`, modelId: id, providerName: id.split(".")[0], responseStreamingSupported: true } };
            }
            case "GetFoundationModelAvailability": {
                const a = this.models.get(input.modelId);
                if (!a) {
                    throw notFound(`Model ${input.modelId}`);
                }
                return { modelId: input.modelId, ...a };
            }
            case "GetUseCaseForModelAccess":
                if (!this.useCaseSubmitted) {
                    throw notFound("Use case for model access");
                }
                return { formData: Buffer.from(JSON.stringify({ companyName: "Example" })).toString("base64") };
            default:
                throw new AwsError("UnknownOperationException", `The local endpoint does not implement Bedrock ${op}`, 501);
        }
    }

    // -----------------------------------------------------------------------------------------
    // ECS

    private async ecsOp(op: string, input: Record<string, any>): Promise<unknown> {
        switch (op) {
            case "CreateExpressGatewayService": {
                const cluster = input.cluster ?? "default";
                const name = input.serviceName ?? `svc-${rand(8)}`;
                if (this.list("ecs").some((s) => s.name === name && s.data.cluster === cluster && s.status !== "INACTIVE")) {
                    throw new AwsError("InvalidParameterException", `Creation of service was not idempotent: ${name} already exists`);
                }
                const arn = `arn:aws:ecs:${this.region}:${ACCOUNT}:service/${cluster}/${name}`;
                const rec = this.add("ecs", arn, name, arn, { ...input, cluster, endpoint: undefined, drainingUntil: undefined });
                this.registerTaskDefinition(cluster, name);
                const outcome = this.takeOutcome("ecs");
                rec.status = "ACTIVE";
                rec.data.readyAt = outcome?.kind === "never" ? Number.POSITIVE_INFINITY : this.clock.now() + this.durations.ecsCreate;
                rec.data.configs = [this.ecsConfig(rec, input)];
                rec.data.deployments = [];
                rec.data.tasks = [];
                if (outcome?.kind === "fail") {
                    rec.data.failAt = rec.data.readyAt;
                    rec.data.failReason = outcome.reasons.join("; ");
                }
                // The first deployment runs while the load balancer is set up (an endpoint that never
                // comes does not hold it up).
                await this.startDeployment(rec, this.durations.ecsCreate);
                return { service: this.ecsView(rec) };
            }
            case "DescribeExpressGatewayService": {
                const rec = this.findEcs(input.serviceArn);
                return { service: this.ecsView(rec) };
            }
            case "UpdateExpressGatewayService": {
                const rec = this.findEcs(input.serviceArn);
                if (rec.status !== "ACTIVE") {
                    throw new AwsError("ServiceNotActiveException", "Service is not active");
                }
                const { serviceArn: _s, ...rest } = input;
                Object.assign(rec.data, rest);
                this.registerTaskDefinition(rec.data.cluster, rec.name);
                const config = this.ecsConfig(rec, rec.data);
                rec.data.configs.push(config);
                rec.data.rolloutUntil = this.clock.now() + this.durations.ecsUpdate;
                rec.updatedAt = this.clock.now();
                await this.startDeployment(rec, this.durations.ecsUpdate);
                const view = this.ecsView(rec);
                return {
                    service: {
                        serviceArn: rec.arn,
                        serviceName: rec.name,
                        cluster: rec.data.cluster,
                        status: view.status,
                        targetConfiguration: config,
                        createdAt: view.createdAt,
                        updatedAt: view.updatedAt,
                    },
                };
            }
            case "DeleteExpressGatewayService": {
                const rec = this.findEcs(input.serviceArn);
                if (rec.status !== "ACTIVE") {
                    throw new AwsError("ServiceNotActiveException", "Service is not active");
                }
                rec.status = "DRAINING";
                const inactiveAt = this.clock.now() + this.durations.ecsDelete;
                rec.transition = { until: inactiveAt, next: "INACTIVE" };
                rec.data.drainingUntil = inactiveAt + this.durations.ecsDrain;
                return { service: this.ecsView(rec) };
            }
            case "DescribeServices": {
                const cluster = input.cluster ?? "default";
                const services: unknown[] = [];
                const failures: unknown[] = [];
                for (const s of input.services as string[]) {
                    const rec = this.list("ecs").find((x) => x.data.cluster === cluster && (x.name === s || x.arn === s));
                    if (!rec) {
                        failures.push({ arn: s, reason: "MISSING" });
                        continue;
                    }
                    const status =
                        rec.status === "INACTIVE" && this.clock.now() < (rec.data.drainingUntil ?? 0) ? "DRAINING" : rec.status;
                    services.push({
                        serviceArn: rec.arn,
                        serviceName: rec.name,
                        clusterArn: `arn:aws:ecs:${this.region}:${ACCOUNT}:cluster/${cluster}`,
                        status,
                        tags: (input.include as string[] | undefined)?.includes("TAGS") ? rec.data.tags : undefined,
                    });
                }
                return { services, failures };
            }
            case "DescribeClusters": {
                const clusters: unknown[] = [];
                const failures: unknown[] = [];
                for (const name of (input.clusters as string[] | undefined) ?? ["default"]) {
                    const c = this.clusters.get(name.replace(/^arn:.*:cluster\//, ""));
                    if (!c) {
                        failures.push({ arn: `arn:aws:ecs:${this.region}:${ACCOUNT}:cluster/${name}`, reason: "MISSING" });
                        continue;
                    }
                    clusters.push({
                        clusterArn: `arn:aws:ecs:${this.region}:${ACCOUNT}:cluster/${name}`,
                        clusterName: name,
                        status: c.status,
                        tags: (input.include as string[] | undefined)?.includes("TAGS") ? Object.entries(c.tags ?? {}).map(([key, value]) => ({ key, value })) : undefined,
                    });
                }
                return { clusters, failures };
            }
            case "ListTagsForResource":
                return { tags: this.findEcs(input.resourceArn).data.tags ?? [] };
            case "TagResource":
            case "UntagResource": {
                const rec = this.findEcs(input.resourceArn);
                let tags = [...((rec.data.tags as { key: string; value: string }[]) ?? [])];
                if (op === "TagResource") {
                    for (const t of input.tags as { key: string; value: string }[]) {
                        tags = tags.filter((x) => x.key !== t.key).concat([t]);
                    }
                } else {
                    tags = tags.filter((x) => !(input.tagKeys as string[]).includes(x.key));
                }
                rec.data.tags = tags;
                return {};
            }
            case "ListTaskDefinitions": {
                const arns = this.taskDefinitions
                    .filter((t) => (input.familyPrefix ? t.family.startsWith(input.familyPrefix) : true) && t.status === (input.status ?? "ACTIVE"))
                    .map((t) => this.taskDefArn(t.family, t.revision));
                return { taskDefinitionArns: arns };
            }
            case "DeregisterTaskDefinition": {
                const t = this.findTaskDef(input.taskDefinition);
                t.status = "INACTIVE";
                return { taskDefinition: { taskDefinitionArn: this.taskDefArn(t.family, t.revision), family: t.family, revision: t.revision, status: t.status } };
            }
            case "DeleteTaskDefinitions": {
                const list = input.taskDefinitions as string[];
                if (list.length > 10) {
                    throw new AwsError("ClientException", "DeleteTaskDefinitions accepts at most 10 task definitions");
                }
                const done: unknown[] = [];
                const failures: unknown[] = [];
                for (const arn of list) {
                    const t = this.findTaskDef(arn);
                    if (t.status === "ACTIVE") {
                        failures.push({ arn, reason: "The specified task definition is still in ACTIVE status" });
                        continue;
                    }
                    t.status = "DELETE_IN_PROGRESS";
                    done.push({ taskDefinitionArn: arn, status: t.status });
                }
                return { taskDefinitions: done, failures };
            }
            case "ListServiceDeployments": {
                const rec = this.ecsService(input.service, input.cluster);
                const now = this.clock.now();
                const after = input.createdAt?.after === undefined ? -Infinity : Number(input.createdAt.after) * 1000;
                const before = input.createdAt?.before === undefined ? Infinity : Number(input.createdAt.before) * 1000;
                const briefs = (rec.data.deployments as FakeDeployment[])
                    .filter((d) => d.createdAt >= after && d.createdAt <= before)
                    .map((d) => this.deploymentView(rec, d, now))
                    .filter((d) => !input.status || (input.status as string[]).includes(d.status))
                    // Newest first, as AWS lists them.
                    .reverse()
                    .map((d) => ({
                        serviceDeploymentArn: d.serviceDeploymentArn,
                        serviceArn: d.serviceArn,
                        clusterArn: d.clusterArn,
                        startedAt: d.startedAt,
                        createdAt: d.createdAt,
                        finishedAt: d.finishedAt,
                        targetServiceRevisionArn: d.targetServiceRevision.arn,
                        status: d.status,
                        statusReason: d.statusReason,
                    }));
                return this.page(briefs, input, "serviceDeployments");
            }
            case "DescribeServiceDeployments": {
                const now = this.clock.now();
                const serviceDeployments: unknown[] = [];
                const failures: unknown[] = [];
                for (const arn of input.serviceDeploymentArns as string[]) {
                    const rec = this.list("ecs").find((r) => (r.data.deployments as FakeDeployment[] | undefined)?.some((d) => d.arn === arn));
                    const d = rec && (rec.data.deployments as FakeDeployment[]).find((x) => x.arn === arn)!;
                    if (!rec || !d) {
                        failures.push({ arn, reason: "MISSING" });
                        continue;
                    }
                    serviceDeployments.push(this.deploymentView(rec, d, now));
                }
                return { serviceDeployments, failures };
            }
            case "ListTasks": {
                const cluster = this.ecsCluster(input.cluster);
                if (input.startedBy !== undefined && ["containerInstance", "family", "serviceName", "desiredStatus", "launchType"].some((k) => input[k] !== undefined)) {
                    throw new AwsError("InvalidParameterException", "startedBy must be the only filter when it is specified.");
                }
                let services = this.list("ecs").filter((r) => r.data.cluster === cluster);
                if (input.serviceName !== undefined) {
                    services = services.filter((r) => r.name === input.serviceName || r.arn === input.serviceName);
                    if (services.length === 0) {
                        throw new AwsError("ServiceNotFoundException", "Service not found.");
                    }
                }
                const now = this.clock.now();
                const wanted = input.desiredStatus ?? "RUNNING";
                const tasks = services
                    .flatMap((r) => (r.data.tasks as FakeTask[]).map((t) => ({ rec: r, t })))
                    .filter(({ t }) => t.createdAt <= now && (input.startedBy === undefined || input.startedBy === t.startedBy))
                    .map(({ rec, t }) => this.taskView(rec, t, now))
                    .filter((t) => t.desiredStatus === wanted)
                    .sort((a, b) => b.createdAt - a.createdAt)
                    .map((t) => t.taskArn);
                return this.page(tasks, input, "taskArns");
            }
            case "DescribeTasks": {
                const cluster = this.ecsCluster(input.cluster);
                const now = this.clock.now();
                const tasks: unknown[] = [];
                const failures: unknown[] = [];
                const all = this.list("ecs")
                    .filter((r) => r.data.cluster === cluster)
                    .flatMap((r) => (r.data.tasks as FakeTask[]).map((t) => ({ rec: r, t })));
                for (const ref of input.tasks as string[]) {
                    const hit = all.find(({ t }) => t.createdAt <= now && (t.arn === ref || t.arn.endsWith(`/${ref}`)));
                    if (!hit) {
                        failures.push({ arn: ref, reason: "MISSING" });
                        continue;
                    }
                    tasks.push(this.taskView(hit.rec, hit.t, now));
                }
                return { tasks, failures };
            }
            default:
                throw new AwsError("ClientException", `The local endpoint does not implement ECS ${op}`);
        }
    }

    private findEcs(arn: string): Rec {
        const rec = this.list("ecs").find((x) => x.arn === arn);
        if (!rec) {
            throw new AwsError("ServiceNotFoundException", `Service not found: ${arn}`);
        }
        return rec;
    }

    private ecsConfig(rec: Rec, input: Record<string, any>): Record<string, unknown> {
        return {
            serviceRevisionArn: `arn:aws:ecs:${this.region}:${ACCOUNT}:service-revision/${rec.data.cluster}/${rec.name}/${rand(19, "0123456789")}`,
            executionRoleArn: input.executionRoleArn,
            taskRoleArn: input.taskRoleArn,
            cpu: input.cpu,
            memory: input.memory,
            healthCheckPath: input.healthCheckPath,
            primaryContainer: input.primaryContainer,
            createdAt: this.clock.now(),
        };
    }

    private ecsView(rec: Rec): Record<string, unknown> {
        const now = this.clock.now();
        const d = rec.data;
        let status = rec.status;
        let statusReason: string | undefined;
        if (d.failAt !== undefined && now >= d.failAt && status === "ACTIVE") {
            status = "INACTIVE";
            statusReason = d.failReason;
        }
        const endpointReady = now >= d.readyAt;
        if (endpointReady && !d.endpoint) {
            d.endpoint = `${rec.name.slice(0, 20)}-${rand(8)}.ecs.${this.region}.on.aws`;
        }
        const configs = this.activeRevisions(rec, now)
            .map((arn) => (d.configs as Record<string, unknown>[]).find((c) => c.serviceRevisionArn === arn)!)
            .map((c) => ({
                ...c,
                ingressPaths: d.endpoint && status === "ACTIVE" ? [{ accessType: "PUBLIC", endpoint: d.endpoint }] : [],
            }));
        const deployments = (d.deployments as FakeDeployment[] | undefined) ?? [];
        return {
            serviceArn: rec.arn,
            serviceName: rec.name,
            cluster: d.cluster,
            infrastructureRoleArn: d.infrastructureRoleArn,
            status: { statusCode: status, statusReason },
            currentDeployment: deployments[deployments.length - 1]?.arn,
            activeConfigurations: configs,
            tags: d.tags,
            createdAt: this.ts(rec.createdAt),
            updatedAt: this.ts(rec.updatedAt),
        };
    }

    private registerTaskDefinition(cluster: string, service: string): void {
        const family = `${cluster}-${service}`;
        const revision = this.taskDefinitions.filter((t) => t.family === family).length + 1;
        this.taskDefinitions.push({ family, revision, status: "ACTIVE" });
    }

    // ECS service deployments and tasks. A deployment's course is fixed when it starts (its outcome
    // decided by failNextDeployment or onDeployment); its status, like the tasks', is read off the clock.

    /** The service a ListServiceDeployments names (by name or ARN), in its cluster. */
    private ecsService(service: string, cluster: string | undefined): Rec {
        const name = this.ecsCluster(cluster);
        const rec = this.list("ecs").find((r) => r.data.cluster === name && (r.arn === service || r.name === service));
        if (!rec) {
            throw new AwsError("ServiceNotFoundException", "Service not found.");
        }
        return rec;
    }

    /** A cluster's name from its name or ARN (default "default"); an unknown cluster is refused as ECS refuses it. */
    private ecsCluster(ref: string | undefined): string {
        const name = (ref ?? "default").replace(/^arn:aws:ecs:[^:]+:\d+:cluster\//, "");
        if (!this.clusters.has(name) && !this.list("ecs").some((r) => r.data.cluster === name)) {
            throw new AwsError("ClusterNotFoundException", "Cluster not found.");
        }
        return name;
    }

    /** A paged answer: `maxResults` items from `nextToken` (an offset), and the token for the rest. */
    private page<T>(items: T[], input: Record<string, any>, key: string): Record<string, unknown> {
        const from = input.nextToken === undefined ? 0 : Number(input.nextToken);
        if (!Number.isInteger(from) || from < 0) {
            throw new AwsError("InvalidParameterException", "Invalid nextToken.");
        }
        const size = input.maxResults ?? 100;
        const to = from + size;
        return { [key]: items.slice(from, to), nextToken: to < items.length ? String(to) : undefined };
    }

    /**
     * Starts the deployment of the service's newest configuration. Its outcome is decided here, or,
     * with onDeployment set, once the hook has answered (the deployment runs until then).
     */
    private async startDeployment(rec: Rec, durationMs: number): Promise<void> {
        const now = this.clock.now();
        const deployments = rec.data.deployments as FakeDeployment[];
        const tasks = rec.data.tasks as FakeTask[];
        const config = (rec.data.configs as Record<string, any>[])[rec.data.configs.length - 1];
        const source = this.stableRevision(rec, now);
        // A deployment under way is stopped by a newer one, with the tasks it started.
        for (const old of deployments) {
            if (!ENDED.includes(this.deploymentStatus(old, now).status)) {
                old.supersededAt = now;
                tasks.splice(0, tasks.length, ...tasks.filter((t) => t.deploymentArn !== old.arn || t.createdAt <= now));
                tasks.filter((t) => t.deploymentArn === old.arn && (t.stoppedAt ?? Infinity) > now).forEach((t) => this.stopTask(t, now, "ServiceSchedulerInitiated", "Deployment superseded by a newer deployment"));
            }
        }
        const d: FakeDeployment = {
            arn: `arn:aws:ecs:${this.region}:${ACCOUNT}:service-deployment/${rec.data.cluster}/${rec.name}/${rand(21, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")}`,
            createdAt: now,
            startedAt: now + Math.min(1_000, durationMs / 5),
            endsAt: now + durationMs,
            sourceRevisionArn: source,
            targetRevisionArn: config.serviceRevisionArn,
        };
        deployments.push(d);
        const queued = this.deploymentFailures.shift();
        if (queued || !this.onDeployment) {
            this.settleDeployment(rec, d, config, source, queued);
            return;
        }
        // The container's fate takes real time (a real server starting): the deployment runs until
        // it is known, and the call that started it is answered at once, as ECS answers it.
        const plannedEnd = d.endsAt;
        d.endsAt = Infinity;
        void this.containerFailure(config).then(
            (failure) => {
                d.endsAt = Math.max(plannedEnd, this.clock.now());
                this.settleDeployment(rec, d, config, source, failure);
            },
            (e: Error) => {
                d.endsAt = Math.max(plannedEnd, this.clock.now());
                this.settleDeployment(rec, d, config, source, { exitCode: 1, log: String(e.stack ?? e) });
            },
        );
    }

    /** Fixes a deployment's course once its container's fate is known: its tasks, and its failure if any. */
    private settleDeployment(rec: Rec, d: FakeDeployment, config: Record<string, any>, source: string | undefined, failure: DeploymentFailure | undefined): void {
        const tasks = rec.data.tasks as FakeTask[];
        const taskDefinitionArn = this.taskDefArn(`${rec.data.cluster}-${rec.name}`, this.taskDefinitions.filter((t) => t.family === `${rec.data.cluster}-${rec.name}`).length);
        const task = (createdAt: number, runningAt: number): FakeTask => ({
            arn: `arn:aws:ecs:${this.region}:${ACCOUNT}:task/${rec.data.cluster}/${rand(32, "0123456789abcdef")}`,
            deploymentArn: d.arn,
            startedBy: `ecs-svc/${rand(19, "0123456789")}`,
            taskDefinitionArn,
            image: config.primaryContainer?.image ?? "",
            cpu: config.cpu,
            memory: config.memory,
            createdAt,
            runningAt,
        });
        if (!failure) {
            tasks.push(task(d.startedAt, d.startedAt + (d.endsAt - d.startedAt) / 2));
            // The tasks of the revisions it replaces stop once it has finished.
            tasks.filter((t) => t.deploymentArn !== d.arn && (t.stoppedAt ?? Infinity) > d.endsAt).forEach((t) => this.stopTask(t, d.endsAt, "ServiceSchedulerInitiated", `Scaling activity initiated by (deployment ${d.arn.split("/").pop()})`));
            return;
        }
        // Two tasks start and exit; then the circuit breaker stops the deployment.
        const span = d.endsAt - d.startedAt;
        const attempts = [task(d.startedAt, d.startedAt + span / 4), task(d.startedAt + span / 2, d.startedAt + (3 * span) / 4)];
        attempts[0].stoppedAt = d.startedAt + span / 2;
        attempts[1].stoppedAt = d.endsAt;
        for (const t of attempts) {
            this.stopTask(t, t.stoppedAt!, "EssentialContainerExited", failure.stoppedReason ?? "Essential container in task exited");
            t.exitCode = failure.exitCode;
            t.containerReason = failure.containerReason;
            tasks.push(t);
            const logs = config.primaryContainer?.awsLogsConfiguration;
            if (failure.log && logs?.logGroup) {
                const stream = `${logs.logStreamPrefix ?? "ecs"}/${CONTAINER_NAME}/${t.arn.split("/").pop()}`;
                this.putLogEvents(
                    logs.logGroup,
                    failure.log.split("\n").filter(Boolean).map((message, i) => ({ timestamp: t.runningAt + i, message, logStreamName: stream })),
                );
            }
        }
        d.failure = { statusReason: "ECS deployment circuit breaker: tasks failed to start." };
        if (source) {
            d.rollbackUntil = d.endsAt + this.durations.ecsUpdate;
        }
    }

    /** What onDeployment makes of the container deployed (nothing when no hook is set). */
    private async containerFailure(config: Record<string, any>): Promise<DeploymentFailure | undefined> {
        if (!this.onDeployment) {
            return undefined;
        }
        const c = config.primaryContainer ?? {};
        const outcome = await this.onDeployment({
            image: c.image,
            environment: Object.fromEntries(((c.environment as { name: string; value: string }[] | undefined) ?? []).map((e) => [e.name, e.value])),
            secrets: Object.fromEntries(((c.secrets as { name: string; valueFrom: string }[] | undefined) ?? []).map((e) => [e.name, e.valueFrom])),
        });
        return outcome.ok ? undefined : { exitCode: outcome.exitCode, log: outcome.log, stoppedReason: outcome.stoppedReason };
    }

    private stopTask(t: FakeTask, at: number, stopCode: string, stoppedReason: string): void {
        t.stoppedAt = at;
        t.stopCode = stopCode;
        t.stoppedReason = stoppedReason;
    }

    /** A deployment's status at `now`, with its reason and when it finished. */
    private deploymentStatus(d: FakeDeployment, now: number): { status: string; statusReason?: string; finishedAt?: number } {
        if (d.supersededAt !== undefined && now >= d.supersededAt) {
            return { status: "STOPPED", statusReason: "The deployment was stopped by a newer deployment.", finishedAt: d.supersededAt };
        }
        if (now < d.startedAt) {
            return { status: "PENDING" };
        }
        if (now < d.endsAt) {
            return { status: "IN_PROGRESS" };
        }
        if (!d.failure) {
            return { status: "SUCCESSFUL", finishedAt: d.endsAt };
        }
        if (d.rollbackUntil === undefined) {
            return { status: "STOPPED", statusReason: d.failure.statusReason, finishedAt: d.endsAt };
        }
        if (now < d.rollbackUntil) {
            return { status: "ROLLBACK_IN_PROGRESS", statusReason: d.failure.statusReason };
        }
        return { status: "ROLLBACK_SUCCESSFUL", statusReason: d.failure.statusReason, finishedAt: d.rollbackUntil };
    }

    /** The revision serving at `now`: the target of the last deployment that succeeded (a rollback keeps it). */
    private stableRevision(rec: Rec, now: number): string | undefined {
        let stable: string | undefined;
        for (const d of (rec.data.deployments as FakeDeployment[] | undefined) ?? []) {
            if (this.deploymentStatus(d, now).status === "SUCCESSFUL") {
                stable = d.targetRevisionArn;
            }
        }
        return stable;
    }

    /** The revisions whose configuration is active at `now`: both while a deployment runs or rolls back. */
    private activeRevisions(rec: Rec, now: number): string[] {
        const deployments = (rec.data.deployments as FakeDeployment[] | undefined) ?? [];
        const latest = deployments[deployments.length - 1];
        if (!latest) {
            return (rec.data.configs as { serviceRevisionArn: string }[]).slice(-1).map((c) => c.serviceRevisionArn);
        }
        const status = this.deploymentStatus(latest, now).status;
        if (status === "ROLLBACK_SUCCESSFUL") {
            return [latest.sourceRevisionArn!];
        }
        if (status === "SUCCESSFUL" || status === "STOPPED" || !latest.sourceRevisionArn) {
            return [latest.targetRevisionArn];
        }
        return [latest.sourceRevisionArn, latest.targetRevisionArn];
    }

    /** A deployment as DescribeServiceDeployments answers it (ListServiceDeployments answers a part). */
    private deploymentView(rec: Rec, d: FakeDeployment, now: number) {
        const { status, statusReason, finishedAt } = this.deploymentStatus(d, now);
        const running = (revisionArn: string) => {
            const by = this.deploymentOf(rec, revisionArn)?.arn;
            return (rec.data.tasks as FakeTask[]).filter((t) => t.deploymentArn === by && this.taskView(rec, t, now).lastStatus === "RUNNING").length;
        };
        const revision = (arn: string, requested: number) => ({ arn, requestedTaskCount: requested, runningTaskCount: running(arn), pendingTaskCount: 0 });
        const tripped = d.failure !== undefined && now >= d.endsAt;
        return {
            serviceDeploymentArn: d.arn,
            serviceArn: rec.arn,
            clusterArn: `arn:aws:ecs:${this.region}:${ACCOUNT}:cluster/${rec.data.cluster}`,
            createdAt: d.createdAt,
            startedAt: now >= d.startedAt ? d.startedAt : undefined,
            finishedAt,
            stoppedAt: status === "STOPPED" ? finishedAt : undefined,
            updatedAt: Math.min(now, finishedAt ?? now),
            sourceServiceRevisions: d.sourceRevisionArn ? [revision(d.sourceRevisionArn, ENDED.includes(status) ? 0 : 1)] : [],
            targetServiceRevision: revision(d.targetRevisionArn, 1),
            status,
            statusReason,
            deploymentCircuitBreaker: { status: tripped ? "TRIGGERED" : ENDED.includes(status) ? "MONITORING_COMPLETE" : "MONITORING", failureCount: tripped ? 2 : 0, threshold: 2 },
            rollback: tripped && d.rollbackUntil !== undefined ? { reason: "ECS deployment circuit breaker: rolling back to the previous service revision.", startedAt: d.endsAt, serviceRevisionArn: d.sourceRevisionArn } : undefined,
        };
    }

    /** The deployment that last brought a revision up (the one whose target it is). */
    private deploymentOf(rec: Rec, revisionArn: string | undefined): FakeDeployment | undefined {
        return [...(rec.data.deployments as FakeDeployment[])].reverse().find((d) => d.targetRevisionArn === revisionArn);
    }

    /** A task as DescribeTasks answers it, at `now`. */
    private taskView(rec: Rec, t: FakeTask, now: number) {
        const stopped = t.stoppedAt !== undefined && now >= t.stoppedAt;
        const lastStatus = stopped ? "STOPPED" : now >= t.runningAt ? "RUNNING" : "PENDING";
        const taskArn = t.arn;
        return {
            taskArn,
            clusterArn: `arn:aws:ecs:${this.region}:${ACCOUNT}:cluster/${rec.data.cluster}`,
            taskDefinitionArn: t.taskDefinitionArn,
            group: `service:${rec.name}`,
            startedBy: t.startedBy,
            launchType: "FARGATE",
            platformFamily: "Linux",
            platformVersion: "1.4.0",
            cpu: t.cpu,
            memory: t.memory,
            availabilityZone: `${this.region}a`,
            createdAt: t.createdAt,
            startedAt: now >= t.runningAt ? t.runningAt : undefined,
            stoppingAt: stopped ? t.stoppedAt : undefined,
            executionStoppedAt: stopped ? t.stoppedAt : undefined,
            stoppedAt: stopped ? t.stoppedAt : undefined,
            stopCode: stopped ? t.stopCode : undefined,
            stoppedReason: stopped ? t.stoppedReason : undefined,
            lastStatus,
            desiredStatus: stopped ? "STOPPED" : "RUNNING",
            containers: [
                {
                    containerArn: `arn:aws:ecs:${this.region}:${ACCOUNT}:container/${rec.data.cluster}/${taskArn.split("/").pop()}/${CONTAINER_NAME.toLowerCase()}`,
                    taskArn,
                    name: CONTAINER_NAME,
                    image: t.image,
                    lastStatus,
                    exitCode: stopped ? (t.exitCode ?? 0) : undefined,
                    reason: stopped ? t.containerReason : undefined,
                },
            ],
        };
    }

    private taskDefArn(family: string, revision: number): string {
        return `arn:aws:ecs:${this.region}:${ACCOUNT}:task-definition/${family}:${revision}`;
    }

    private findTaskDef(ref: string): { family: string; revision: number; status: "ACTIVE" | "INACTIVE" | "DELETE_IN_PROGRESS" } {
        const m = /task-definition\/([^:]+):(\d+)$/.exec(ref) ?? /^([^:]+):(\d+)$/.exec(ref);
        const t = m && this.taskDefinitions.find((x) => x.family === m[1] && x.revision === Number(m[2]));
        if (!t) {
            throw new AwsError("ClientException", `Unable to describe task definition ${ref}`);
        }
        return t;
    }

    // -----------------------------------------------------------------------------------------
    // CloudWatch Logs

    /** Adds a log group with events (tests seed what the logs command reads). */
    putLogEvents(group: string, events: { timestamp: number; message: string; logStreamName?: string }[]): void {
        const g = this.logGroups.get(group) ?? { createdAt: this.clock.now(), events: [] };
        g.events.push(...events.map((e) => ({ logStreamName: "stream", ...e })));
        this.logGroups.set(group, g);
    }

    private logsOp(op: string, input: Record<string, any>): unknown {
        switch (op) {
            case "DescribeLogGroups": {
                const groups = [...this.logGroups.entries()]
                    .filter(([name]) => (input.logGroupNamePrefix ? name.startsWith(input.logGroupNamePrefix) : true))
                    .filter(([name]) => (input.logGroupNamePattern ? name.includes(input.logGroupNamePattern) : true))
                    .map(([name, g]) => ({ logGroupName: name, creationTime: g.createdAt, arn: `arn:aws:logs:${this.region}:${ACCOUNT}:log-group:${name}:*` }));
                return { logGroups: groups };
            }
            case "ListTagsForResource": {
                const name = /:log-group:(.+)$/.exec(input.resourceArn)?.[1];
                const g = name === undefined ? undefined : this.logGroups.get(name);
                if (!g) {
                    throw new AwsError("ResourceNotFoundException", "The specified log group does not exist.");
                }
                return { tags: g.tags ?? {} };
            }
            case "FilterLogEvents": {
                const g = this.logGroups.get(input.logGroupName);
                if (!g) {
                    throw new AwsError("ResourceNotFoundException", "The specified log group does not exist.");
                }
                const events = g.events
                    .filter((e) => (input.startTime === undefined || e.timestamp >= input.startTime) && (input.endTime === undefined || e.timestamp <= input.endTime))
                    .sort((a, b) => a.timestamp - b.timestamp)
                    .map((e, i) => ({ ...e, eventId: `${e.timestamp}-${i}`, ingestionTime: e.timestamp }));
                return { events };
            }
            default:
                throw new AwsError("InvalidOperationException", `The local endpoint does not implement Logs ${op}`);
        }
    }

    // -----------------------------------------------------------------------------------------
    // InvokeHarness (AWS event stream)

    private async invokeHarness(input: Record<string, any>, res: http.ServerResponse): Promise<void> {
        const harness = this.list("harness").find((h) => h.arn === input.harnessArn);
        if (!harness) {
            throw new AwsError("ResourceNotFoundException", `Harness ${input.harnessArn} not found`, 404);
        }
        const events = this.invokeQueue.shift() ?? this.invokeScript ?? defaultConversation();
        res.statusCode = 200;
        res.setHeader("content-type", "application/vnd.amazon.eventstream");
        res.setHeader("x-amzn-bedrock-agentcore-runtime-session-id", String(input.runtimeSessionId));
        for (const ev of events) {
            if (ev.$hold) {
                // The answer stops here until releaseInvoke() (or until the client goes away).
                res.flushHeaders();
                await new Promise<void>((resolve) => {
                    this.holds.push(resolve);
                    res.once("close", resolve);
                    this.events.emit("held");
                });
                if (res.destroyed || res.writableEnded) {
                    return;
                }
                continue;
            }
            const [name, payload] = Object.entries(ev)[0];
            const isError = /Exception$|Error$/.test(name);
            const headers: Record<string, string> = isError
                ? { ":message-type": "exception", ":exception-type": name, ":content-type": "application/json" }
                : { ":message-type": "event", ":event-type": name, ":content-type": "application/json" };
            res.write(encodeEventStreamMessage(headers, Buffer.from(JSON.stringify(payload))));
        }
        res.end();
    }
}

/** An error answer of the EC2 protocol, or of the query protocol (STS). */
function errorXml(ec2: boolean, code: string, message: string, requestId: string, type = "Receiver"): string {
    return ec2
        ? `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`
        : `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>${type}</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}

function escapeXml(s: string): string {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A conversation with a tool call, text, a non-default stop reason and usage. */
export function defaultConversation(): StreamEvent[] {
    return [
        { messageStart: { role: "assistant" } },
        { contentBlockStart: { contentBlockIndex: 0, start: { toolUse: { toolUseId: "tool-1", name: "zpa_list_segment_groups", type: "mcp_tool_use" } } } },
        { contentBlockStop: { contentBlockIndex: 0 } },
        { contentBlockDelta: { contentBlockIndex: 1, delta: { text: "You have 2 segment groups: " } } },
        { contentBlockDelta: { contentBlockIndex: 1, delta: { text: "Finance and Engineering." } } },
        { contentBlockStop: { contentBlockIndex: 1 } },
        { messageStop: { stopReason: "end_turn" } },
        { metadata: { usage: { inputTokens: 1200, outputTokens: 34, totalTokens: 1234 }, metrics: { latencyMs: 2150 } } },
    ];
}

/** Encodes one message of the AWS event-stream framing (string headers only). */
export function encodeEventStreamMessage(headers: Record<string, string>, payload: Buffer): Buffer {
    const headerParts: Buffer[] = [];
    for (const [name, value] of Object.entries(headers)) {
        const n = Buffer.from(name, "utf8");
        const v = Buffer.from(value, "utf8");
        const h = Buffer.alloc(1 + n.length + 1 + 2 + v.length);
        h.writeUInt8(n.length, 0);
        n.copy(h, 1);
        h.writeUInt8(7, 1 + n.length); // 7 = string
        h.writeUInt16BE(v.length, 2 + n.length);
        v.copy(h, 4 + n.length);
        headerParts.push(h);
    }
    const headerBytes = Buffer.concat(headerParts);
    const total = 12 + headerBytes.length + payload.length + 4;
    const prelude = Buffer.alloc(8);
    prelude.writeUInt32BE(total, 0);
    prelude.writeUInt32BE(headerBytes.length, 4);
    const preludeCrc = Buffer.alloc(4);
    preludeCrc.writeUInt32BE(zlib.crc32(prelude) >>> 0, 0);
    const body = Buffer.concat([prelude, preludeCrc, headerBytes, payload]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body) >>> 0, 0);
    return Buffer.concat([body, crc]);
}
