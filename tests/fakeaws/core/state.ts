/**
 * The local endpoint's state: what the account holds (resources moving through their statuses on
 * the test's clock, secrets, images, log groups, identities, ...), the calls it was asked, and what
 * tests queued to go wrong. The HTTP side (endpoint.ts) and the service modules work on it; tests
 * read and seed it directly.
 */
import { EventEmitter } from "events";
import type { Clock } from "../../../providers/lifecycle";
import { ecrImageUri, REGION, secretArn, userArn } from "../../support/awsConstants";
import { rand, seeded } from "./ids";
import type { AccountView } from "./references";
import {
    ACCOUNT,
    AwsError,
    ContainerOutcome,
    DEFAULT_ACCESS_KEY_ID,
    DeployedContainer,
    DeploymentFailure,
    Durations,
    FakeAwsOptions,
    FakeImage,
    FAST_DURATIONS,
    Fault,
    IamRole,
    Identity,
    MARKETPLACE_REGISTRY,
    ModelAvailability,
    Outcome,
    Rec,
    RecordedCall,
    ResourceKind,
    StreamEvent,
    WithheldPermission,
} from "./types";

/** The endpoint's page size unless a test sets another. */
export const DEFAULT_PAGE_SIZE = 2;

/** The status a failed create lands in, by kind. */
const FAILED_STATUS: Record<string, string> = {
    harness: "CREATE_FAILED",
    runtime: "CREATE_FAILED",
    gateway: "FAILED",
    target: "FAILED",
};
/** The status a failed update lands in, by kind. */
const UPDATE_FAILED_STATUS: Record<string, string> = {
    harness: "UPDATE_FAILED",
    runtime: "UPDATE_FAILED",
    gateway: "UPDATE_UNSUCCESSFUL",
    target: "UPDATE_UNSUCCESSFUL",
};

export class FakeAwsState {
    readonly region: string;
    readonly clock: Clock;
    durations: Durations;
    readonly resources = new Map<string, Rec>();
    readonly calls: RecordedCall[] = [];
    readonly logGroups = new Map<
        string,
        { createdAt: number; events: { timestamp: number; message: string; logStreamName: string }[]; tags?: Record<string, string> }
    >();
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
    /** IAM: what the identities are not granted (withholdPermission); everything else is allowed. */
    withheld: WithheldPermission[] = [];
    /** IAM: the roles of the account by name (STS AssumeRole records the roles it is asked for). */
    readonly iamRoles = new Map<string, IamRole>();
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
    /**
     * X-Ray's trace segment destination: CloudWatch Logs (Transaction Search on, spans in
     * `aws/spans`) unless a test switches it with UpdateTraceSegmentDestination.
     */
    traceSegmentDestination: { destination: "XRay" | "CloudWatchLogs"; activeFrom: number } = {
        destination: "CloudWatchLogs",
        activeFrom: 0,
    };
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
    /**
     * How many items a page of a List or Describe operation holds at most (a caller's smaller
     * maxResults wins): small, so that every caller must follow the next token as it must on AWS.
     */
    pageSize: number;
    /**
     * Answers AWS would not give (an error the operation's model does not list, or with another
     * HTTP status): each one is the endpoint's bug. tests/support/endpointContract.ts fails the
     * test that caused one.
     */
    readonly violations: string[] = [];
    /**
     * The rest of the account (IAM roles, Cognito user pools), as the test aws plugin holds it:
     * when set, requests that refer to a role or pool it does not hold, or to a role whose trust
     * policy does not admit the calling service, are refused as AWS refuses them (core/references.ts).
     * Unset in unit tests, which use the endpoint alone.
     */
    account?: AccountView;
    // What the endpoint's own parts keep (fault queues, held answers, ...): not for tests to touch.
    protected deploymentFailures: DeploymentFailure[] = [];
    protected readonly random: () => number;
    protected holds: (() => void)[] = [];
    protected readonly deleteFailures = new Map<ResourceKind, string[][]>();
    /** Answers already given, by operation and client token. */
    protected readonly answered = new Map<string, unknown>();
    protected faults: Fault[] = [];
    protected outcomes = new Map<string, Outcome[]>();
    /** ECR layer blobs by digest, served unsigned as S3 serves a layer download URL. */
    protected readonly blobs = new Map<string, string>();

    constructor(opts: FakeAwsOptions) {
        this.clock = opts.clock;
        this.region = opts.region ?? REGION;
        this.durations = { ...FAST_DURATIONS, ...opts.durations };
        this.random = opts.seed === undefined ? Math.random : seeded(opts.seed);
        this.pageSize = opts.pageSize ?? DEFAULT_PAGE_SIZE;
        this.seedAccount();
    }

    /** What a fresh account in the region holds: an identity, a default VPC, the default image, the catalogue's models. */
    private seedAccount(): void {
        const r = this.region;
        this.identities.set(DEFAULT_ACCESS_KEY_ID, { arn: userArn("local-tester"), userId: "AIDAFAKELOCALTESTER01", account: ACCOUNT });
        this.vpcs.push({ vpcId: "vpc-0a1b2c3d4e5f60718", isDefault: true, cidrBlock: "172.31.0.0/16" });
        ["a", "b", "c"].forEach((z, i) =>
            this.subnets.push({
                subnetId: `subnet-0${i + 1}a2b3c4d5e6f7a8b`,
                vpcId: "vpc-0a1b2c3d4e5f60718",
                availabilityZone: `${r}${z}`,
                cidrBlock: `172.31.${i * 16}.0/20`,
                defaultForAz: true,
            }),
        );
        const both = [
            { os: "linux", architecture: "amd64" },
            { os: "linux", architecture: "arm64" },
        ];
        this.images.set(ecrImageUri("zscaler/zscaler-mcp-server:0.10.4-bedrock", { registry: MARKETPLACE_REGISTRY, region: "us-east-1" }), {
            platforms: both,
        });
        this.images.set(ecrImageUri("zscaler/zscaler-mcp-server:0.15.4-bedrock", { registry: MARKETPLACE_REGISTRY, region: "us-east-1" }), {
            platforms: both,
        });
        const available: ModelAvailability = {
            agreementAvailability: { status: "AVAILABLE" },
            authorizationStatus: "AUTHORIZED",
            entitlementAvailability: "AVAILABLE",
            regionAvailability: "AVAILABLE",
        };
        for (const m of [
            "anthropic.claude-sonnet-4-5-20250929-v1:0",
            "anthropic.claude-opus-4-5-20250929-v1:0",
            "amazon.nova-pro-v1:0",
            "meta.llama3-3-70b-instruct-v1:0",
        ]) {
            this.models.set(m, { ...available, agreementAvailability: { status: "AVAILABLE" } });
            this.inferenceProfiles.set(`us.${m}`, [m]);
        }
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
        this.withheld = [];
        this.traceSegmentDestination = { destination: "CloudWatchLogs", activeFrom: 0 };
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

    /** Adds a secret (name or ARN lookups both work); `deletedAt` marks it scheduled for deletion. */
    putSecret(name: string, opts: { deletedAt?: number; tags?: Record<string, string>; value?: string } = {}): string {
        const arn = secretArn(`${name}-${rand(6, "abcdefABCDEF")}`, { region: this.region });
        this.secrets.set(name, { arn, ...opts });
        return arn;
    }

    /** Adds a log group with events (tests seed what the logs command reads). */
    putLogEvents(group: string, events: { timestamp: number; message: string; logStreamName?: string }[]): void {
        const g = this.logGroups.get(group) ?? { createdAt: this.clock.now(), events: [] };
        g.events.push(...events.map((e) => ({ logStreamName: "stream", ...e })));
        this.logGroups.set(group, g);
    }

    // -----------------------------------------------------------------------------------------
    // The store: records, their transitions, the outcomes queued for them

    protected queueOutcome(kind: ResourceKind, o: Outcome): void {
        const q = this.outcomes.get(kind) ?? [];
        q.push(o);
        this.outcomes.set(kind, q);
    }

    protected takeOutcome(kind: ResourceKind): Outcome | undefined {
        return this.outcomes.get(kind)?.shift();
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

    protected get(kind: ResourceKind, idOrName: string, notFound: () => AwsError): Rec {
        const rec = this.find(kind, idOrName);
        if (!rec) {
            throw notFound();
        }
        return rec;
    }

    protected startTransition(rec: Rec, pending: string, target: string, ms: number, isCreate: boolean): void {
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

    protected add(kind: ResourceKind, id: string, name: string, arn: string, data: Record<string, any>): Rec {
        const rec: Rec = { kind, id, name, arn, status: "", data, createdAt: this.clock.now(), updatedAt: this.clock.now() };
        this.resources.set(`${kind}:${id}`, rec);
        return rec;
    }

    protected ensureUniqueName(kind: ResourceKind, name: string, scope?: (r: Rec) => boolean): void {
        if (this.list(kind).some((r) => r.name === name && (scope === undefined || scope(r)))) {
            throw new AwsError("ConflictException", `A ${kind} named ${name} already exists`, 409);
        }
    }
}
