/**
 * EC2 (its own query protocol): the region's VPCs and subnets, a default VPC with three subnets to
 * begin with, filtered as EC2 filters them.
 */
import { Handler, ServiceDef, ServiceHost } from "../core/endpoint";
import { ACCOUNT, AwsError } from "../core/types";
import { loadModel } from "../model";

export function ec2(host: ServiceHost): ServiceDef {
    const { fake } = host;

    /** A test of an item against the request's filters; an unknown filter is refused when it is applied. */
    function matcher(input: Record<string, any>) {
        const filters = (input.Filters ?? []) as { Name: string; Values?: string[] }[];
        const match = (item: Record<string, unknown>, names: Record<string, string>) =>
            filters.every((f) => {
                const key = names[f.Name];
                if (!key) {
                    throw new AwsError("InvalidParameterValue", `The filter '${f.Name}' is invalid`);
                }
                return (f.Values ?? []).includes(String(item[key]));
            });
        return match;
    }

    const handlers: Record<string, Handler> = {
        DescribeVpcs: (input) => {
            const match = matcher(input);
            return {
                Vpcs: fake.vpcs
                    .filter((v) => match(v, { "is-default": "isDefault", "vpc-id": "vpcId" }))
                    .map((v) => ({ VpcId: v.vpcId, IsDefault: v.isDefault, CidrBlock: v.cidrBlock, State: "available", OwnerId: ACCOUNT })),
            };
        },
        DescribeSubnets: (input) => {
            const match = matcher(input);
            return {
                Subnets: fake.subnets
                    .filter((sn) =>
                        match(sn, { "vpc-id": "vpcId", "default-for-az": "defaultForAz", "availability-zone": "availabilityZone" }),
                    )
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
        },
    };

    return {
        name: "ec2",
        model: loadModel("ec2.2016-11-15.json"),
        handlers,
        notImplemented: (op) => new AwsError("InvalidAction", `The local endpoint does not implement EC2 ${op}`),
    };
}
