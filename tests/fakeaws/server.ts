/**
 * A local AWS endpoint for tests: the real SDK clients talk to it over HTTP on 127.0.0.1.
 *
 * It speaks rest-json (AgentCore control and data planes, including InvokeHarness's event stream;
 * Bedrock; X-Ray), awsJson1_1 (ECS, CloudWatch Logs, ECR, Cognito, Secrets Manager) and the query
 * protocols (STS, IAM; EC2), tells services apart by the SigV4 credential scope as AWS tells them apart
 * by host, validates every request against AWS's models, moves resources through their real
 * statuses on a clock the test controls, and injects the faults a test asks for. Each recorded
 * call carries the access key id its request was signed with.
 *
 * This module is the front door tests import. The endpoint itself is layered in core/ (state.ts:
 * what the account holds and the store's helpers; faults.ts: fault injection; endpoint.ts: HTTP,
 * protocols and dispatch) and each AWS service is a module in services/ that registers its
 * operations' handlers.
 */
import { FakeAwsCore } from "./core/endpoint";
import type { FakeAwsOptions } from "./core/types";
import { agentcoreControl } from "./services/agentcoreControl";
import { agentcoreData } from "./services/agentcoreData";
import { bedrock } from "./services/bedrock";
import { cognito } from "./services/cognito";
import { ec2 } from "./services/ec2";
import { ecr } from "./services/ecr";
import { ecs } from "./services/ecs";
import { iam } from "./services/iam";
import { logs } from "./services/logs";
import { secretsManager } from "./services/secretsManager";
import { sts } from "./services/sts";
import { SessionSpansInput, sessionSpans, SPANS_LOG_GROUP, xray } from "./services/xray";

export { fakeClock } from "./core/clock";
export { ACCOUNT, AwsError, DEFAULT_ACCESS_KEY_ID, FAST_DURATIONS, MARKETPLACE_REGISTRY } from "./core/types";
export type {
    ContainerOutcome,
    DeployedContainer,
    DeploymentFailure,
    Durations,
    FakeAwsOptions,
    FakeImage,
    Identity,
    ModelAvailability,
    Rec,
    RecordedCall,
    ResourceKind,
    StreamEvent,
} from "./core/types";
export { defaultConversation, encodeEventStreamMessage } from "./services/agentcoreData";
export { sessionSpans, SPANS_LOG_GROUP } from "./services/xray";
export type { OtelSpan, SessionSpansInput, SessionTool } from "./services/xray";
export type { AccountView } from "./core/references";

/** The local endpoint with every service the tests use. */
export class FakeAws extends FakeAwsCore {
    constructor(opts: FakeAwsOptions) {
        super(opts);
        for (const service of [agentcoreControl, agentcoreData, bedrock, ecs, logs, ecr, cognito, secretsManager, sts, iam, ec2, xray]) {
            this.register(service);
        }
    }

    /**
     * Records the spans one invocation of a harness session leaves (see sessionSpans), as AWS does:
     * in the CloudWatch Logs group `aws/spans` when Transaction Search is on (X-Ray's destination
     * CloudWatchLogs, ACTIVE), each span one event at its start time; nowhere the commands can
     * read otherwise. Returns the spans written.
     */
    recordSessionSpans(o: Omit<SessionSpansInput, "start" | "region"> & { start?: number }) {
        const d = this.traceSegmentDestination;
        if (d.destination !== "CloudWatchLogs" || this.clock.now() < d.activeFrom) {
            return [];
        }
        const spans = sessionSpans({ ...o, start: o.start ?? this.clock.now(), region: this.region });
        this.putLogEvents(
            SPANS_LOG_GROUP,
            spans.map((s) => ({
                timestamp: Math.floor(s.startTimeUnixNano / 1_000_000),
                message: JSON.stringify(s),
                logStreamName: "default",
            })),
        );
        return spans;
    }
}
