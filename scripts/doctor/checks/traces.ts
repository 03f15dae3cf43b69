/**
 * CloudWatch Transaction Search, which `npm run traces` reads: X-Ray's trace segment destination
 * is CloudWatchLogs and ACTIVE, so the spans of the harness's sessions land in the log group
 * `aws/spans`. The deploy itself does not need it; the line says how to turn it on and what it
 * costs.
 *
 * What it costs, as AWS documents it (read 2026-12-06):
 * - https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Enable-TransactionSearch.html:
 *   Transaction Search switches all span ingestion through X-Ray to CloudWatch pricing, and by
 *   default indexes 1% of the ingested spans as X-Ray trace summaries for free.
 * - https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Transaction-Search-ingesting-span-log-groups.html:
 *   span ingestion (into aws/spans) is charged separately from log ingestion, by the GB, at the
 *   rate of https://aws.amazon.com/cloudwatch/pricing/ (Application Signals and Transaction
 *   Search), which varies by region; indexing more than 1% is charged as X-Ray trace summaries.
 * The same pages give the resource policy X-Ray needs to write aws/spans (below).
 */
import { clientConfig } from "../../identity";
import { sanitize } from "../../io";
import { CheckResult, Context, fail, failIfDenied, ok } from "../check";

function partition(region: string): string {
    return region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
}

/** The commands that turn Transaction Search on for the account, in the region. */
export function transactionSearchFix(region: string, account: string): string {
    const p = partition(region);
    const policy = JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "TransactionSearchXRayAccess",
                Effect: "Allow",
                Principal: { Service: "xray.amazonaws.com" },
                Action: "logs:PutLogEvents",
                Resource: [
                    `arn:${p}:logs:${region}:${account}:log-group:aws/spans:*`,
                    `arn:${p}:logs:${region}:${account}:log-group:/aws/application-signals/data:*`,
                ],
                Condition: {
                    ArnLike: { "aws:SourceArn": `arn:${p}:xray:${region}:${account}:*` },
                    StringEquals: { "aws:SourceAccount": account },
                },
            },
        ],
    });
    return (
        `let X-Ray write spans to CloudWatch Logs (aws logs put-resource-policy --region ${region} --policy-name TransactionSearchXRayAccess ` +
        `--policy-document '${policy}'), then send them there (aws xray update-trace-segment-destination --region ${region} ` +
        "--destination CloudWatchLogs), keeping X-Ray's trace summaries at the 1% that is free " +
        `(aws xray update-indexing-rule --region ${region} --name Default --rule '{"Probabilistic":{"DesiredSamplingPercentage":1}}'); ` +
        "the CloudWatch console's Transaction Search page does the same. Spans are then billed as CloudWatch span ingestion, by the GB " +
        "(https://aws.amazon.com/cloudwatch/pricing/), and spans reach aws/spans within about ten minutes"
    );
}

export async function checkTransactionSearch(ctx: Context): Promise<CheckResult> {
    const region = ctx.settings.region;
    const xray = await import("@aws-sdk/client-xray");
    const client = new xray.XRayClient(clientConfig(ctx.aws, "xray"));
    let answer: { Destination?: string; Status?: string };
    try {
        answer = await client.send(new xray.GetTraceSegmentDestinationCommand({}), { abortSignal: ctx.signal });
    } catch (e) {
        failIfDenied(
            e,
            "xray:GetTraceSegmentDestination",
            "grant your AWS identity xray:GetTraceSegmentDestination to check it (npm run traces needs Transaction Search; the deploy does not)",
        );
        throw e;
    }
    const destination = sanitize(answer.Destination ?? "XRay");
    const status = sanitize(answer.Status ?? "ACTIVE");
    if (destination === "CloudWatchLogs" && status === "ACTIVE") {
        return ok(`CloudWatch Transaction Search is on in ${region}: the harness's spans go to the log group aws/spans (npm run traces)`);
    }
    if (destination === "CloudWatchLogs") {
        fail(
            `CloudWatch Transaction Search is being turned on in ${region} (X-Ray's destination CloudWatchLogs is ${status})`,
            "wait a few minutes (up to ten), then run npm run doctor again",
        );
    }
    return fail(
        `CloudWatch Transaction Search is off in ${region}: X-Ray sends spans to ${destination} (status ${status}), not to the log group ` +
            "aws/spans, so npm run traces has no spans to show (the deploy does not need it)",
        transactionSearchFix(region, ctx.account ?? "<account id>"),
    );
}
