/**
 * The AWS partition: Amazon Bedrock AgentCore Harness exists only in the `aws` partition, so the
 * deploy region and every ARN the configuration names must be of that partition.
 */
import { FORMATS } from "../aws/names";
import { DEFAULTS } from "./keys";
import { shown } from "./messages";
import type { ConfigReader } from "./reader";

/** The partitions other than `aws` whose regions look like AWS regions, by the prefix of their regions. */
const OTHER_PARTITIONS: readonly { region: RegExp; name: string; partition: (region: string) => string }[] = [
    { region: /^cn-/, name: "AWS China", partition: () => "aws-cn" },
    { region: /^us-gov-/, name: "AWS GovCloud (US)", partition: () => "aws-us-gov" },
    {
        region: /^[a-z]{2}-iso[a-z]?-/,
        name: "an AWS isolated (ISO) partition",
        partition: (region) => `aws-iso${/-iso([a-z]?)-/.exec(region)![1].replace(/^(.)$/, "-$1")}`,
    },
];

/** True when `region` is an AWS region of the `aws` partition. */
export function inAwsPartition(region: string): boolean {
    return FORMATS.region.test(region) && !OTHER_PARTITIONS.some((p) => p.region.test(region));
}

/** The partition an ARN names, when it is not `aws`. */
function otherPartitionOf(arn: string): string | undefined {
    const partition = /^arn:([^:]*):/i.exec(arn)?.[1];
    return partition !== undefined && partition !== "aws" ? partition : undefined;
}

/** The deploy region (`aws:region`, or the default), refused unless it is an AWS region of the `aws` partition. */
export function readRegion(r: ConfigReader, configured: string | undefined): string {
    const region = configured?.trim() || DEFAULTS.region;
    const fix = `Run: pulumi config set aws:region ${DEFAULTS.region}`;
    if (!FORMATS.region.test(region)) {
        r.problems.push(`aws:region: ${shown(region)} is not an AWS region. ${fix}`);
        return region;
    }
    const other = OTHER_PARTITIONS.find((p) => p.region.test(region));
    if (other) {
        r.problems.push(
            `aws:region: ${shown(region)} is a region of ${other.name} (partition ${other.partition(region)}); Amazon Bedrock ` +
                `AgentCore Harness exists only in the aws partition. Deploy to a region of it. ${fix}`,
        );
    }
    return region;
}

/**
 * True (after reporting it) when a key's ARN is of another partition than `aws`: nothing of
 * another partition can be used from a stack in the aws partition.
 */
export function refusedPartition(r: ConfigReader, key: string, value: string | undefined, fix: string): boolean {
    const partition = value === undefined ? undefined : otherPartitionOf(value);
    if (partition === undefined) {
        return false;
    }
    r.problems.push(
        `${key}: ${shown(value!)} is an ARN of partition ${shown(partition)}; the stack deploys to the aws partition ` +
            `(the only one with Amazon Bedrock AgentCore Harness), which cannot use another partition's resources. ${fix}`,
    );
    return true;
}
