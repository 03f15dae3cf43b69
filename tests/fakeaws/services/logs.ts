/**
 * CloudWatch Logs (awsJson): the log groups tests seed with FakeAws.putLogEvents and failed ECS
 * deployments write their container's output to, and `aws/spans` (FakeAws.recordSessionSpans).
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
            const matches = termMatcher(input.filterPattern);
            const events = g.events
                .filter(
                    (e) =>
                        (input.startTime === undefined || e.timestamp >= input.startTime) &&
                        (input.endTime === undefined || e.timestamp <= input.endTime) &&
                        matches(e.message),
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

/**
 * The terms of a filter pattern as CloudWatch Logs matches unstructured events: every plain or
 * quoted term must occur, case-sensitively; `?term`s match when any one of them occurs; `-term`
 * excludes. JSON (`{ ... }`), space-delimited (`[ ... ]`) and regular-expression (`%...%`)
 * patterns are not implemented: the endpoint fails loudly rather than answer wrongly.
 */
export function termMatcher(pattern: string | undefined): (message: string) => boolean {
    const text = (pattern ?? "").trim();
    if (text === "") {
        return () => true;
    }
    if (/^[{[%]/.test(text)) {
        throw new Error(`the local endpoint does not implement the filter pattern ${text}`);
    }
    const all: string[] = [];
    const any: string[] = [];
    const none: string[] = [];
    for (const m of text.matchAll(/([?-]?)(?:"((?:[^"\\]|\\.)*)"|(\S+))/g)) {
        const term = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3];
        (m[1] === "?" ? any : m[1] === "-" ? none : all).push(term);
    }
    return (message) =>
        all.every((t) => message.includes(t)) &&
        (any.length === 0 || any.some((t) => message.includes(t))) &&
        !none.some((t) => message.includes(t));
}
