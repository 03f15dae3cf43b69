/**
 * What the local endpoint's parts share: the records it keeps, the calls it records, the options it
 * takes, the error it answers with, and the names tests import through server.ts.
 */
import type { Clock } from "../../../providers/lifecycle";

export { ACCOUNT } from "../../support/awsConstants";

export class AwsError extends Error {
    constructor(
        public readonly code: string,
        message: string,
        public readonly status = 400,
    ) {
        super(message);
    }
}

/** Timestamps are held as epoch ms; serializeShape writes them in each shape's wire format. */
export function ts(ms: number): number {
    return ms;
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

/**
 * A permission an identity lacks, as IAM's policy simulator finds it: the action (and resource, a
 * glob) it is not granted, or granted only when a request key has one of the given values (a
 * policy that allows iam:CreateRole only with a given iam:PermissionsBoundary, say).
 */
export interface WithheldPermission {
    /** The principal's IAM ARN (user or role), or "*" for every identity. */
    principal: string;
    action: string;
    /** A resource glob (`*` matches anything); every resource when unset. */
    resource?: string;
    /** Allowed after all when the request's context key has one of these values. */
    unless?: { key: string; values: string[] };
    /** An explicit Deny (a service control policy, say) rather than no Allow. */
    explicit?: boolean;
}

/** An IAM role the account holds, as GetRole answers it. */
export interface IamRole {
    name: string;
    path: string;
    arn: string;
}

/** The access key id the endpoint's env() hands to SDK clients. */
export const DEFAULT_ACCESS_KEY_ID = "AKIAFAKEFAKEFAKEFAKE";

/** Faults before the request is executed (it never happened) and after (it happened; the answer goes wrong). */
export type FaultKind = "throttle" | "server" | "iam" | "slr" | "denied" | "lost" | "dropped" | "slow" | "hung";
/** A fault a test queued: the next `remaining` calls of `op` ("*" for any) go wrong this way. */
export interface Fault {
    kind: FaultKind;
    op: string;
    remaining: number;
    /** For "slow": how long the answer takes, in AWS time. */
    delayMs?: number;
    /** For "denied": AWS's message. */
    message?: string;
}

/** What a queued failNext/landNext/neverReady makes of the next create or update of a kind. */
export type Outcome = { kind: "fail"; reasons: string[]; status?: string } | { kind: "never" };

/** One scripted InvokeHarness answer: the events, in order, or an error event part-way. */
export type StreamEvent = Record<string, unknown>;

export interface FakeAwsOptions {
    clock: Clock;
    region?: string;
    durations?: Partial<Durations>;
    /** Ids (harness, service endpoint, ...) from a seeded generator, the same in every run. */
    seed?: number;
    /** Items per page of every List and Describe operation that pages (default DEFAULT_PAGE_SIZE, in state.ts). */
    pageSize?: number;
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
