/**
 * CloudWatch Logs (awsJson): the log groups tests seed with FakeAws.putLogEvents and failed ECS
 * deployments write their container's output to.
 */
import { arn } from "../../support/awsConstants";
import { Handler, ServiceDef, ServiceHost } from "../core/endpoint";
import { AwsError } from "../core/types";
import { loadModel } from "../model";

export function logs(host: ServiceHost): ServiceDef {
    const { fake } = host;
    const where = { region: fake.region };

    const handlers: Record<string, Handler> = {
        DescribeLogGroups: (input) => {
            const groups = [...fake.logGroups.entries()]
                .filter(([name]) => (input.logGroupNamePrefix ? name.startsWith(input.logGroupNamePrefix) : true))
                .filter(([name]) => (input.logGroupNamePattern ? name.includes(input.logGroupNamePattern) : true))
                .map(([name, g]) => ({ logGroupName: name, creationTime: g.createdAt, arn: arn("logs", `log-group:${name}:*`, where) }));
            return { logGroups: groups };
        },
        ListTagsForResource: (input) => {
            const name = /:log-group:(.+)$/.exec(input.resourceArn)?.[1];
            const g = name === undefined ? undefined : fake.logGroups.get(name);
            if (!g) {
                throw new AwsError("ResourceNotFoundException", "The specified log group does not exist.");
            }
            return { tags: g.tags ?? {} };
        },
        FilterLogEvents: (input) => {
            const g = fake.logGroups.get(input.logGroupName);
            if (!g) {
                throw new AwsError("ResourceNotFoundException", "The specified log group does not exist.");
            }
            const events = g.events
                .filter(
                    (e) =>
                        (input.startTime === undefined || e.timestamp >= input.startTime) &&
                        (input.endTime === undefined || e.timestamp <= input.endTime),
                )
                .sort((a, b) => a.timestamp - b.timestamp)
                .map((e, i) => ({ ...e, eventId: `${e.timestamp}-${i}`, ingestionTime: e.timestamp }));
            return { events };
        },
    };

    return {
        name: "logs",
        targetPrefix: "Logs_20140328",
        model: loadModel("logs.2014-03-28.json"),
        handlers,
        notImplemented: (op) => new AwsError("InvalidOperationException", `The local endpoint does not implement Logs ${op}`),
    };
}
