/**
 * Waits for an ECS Express service's Host allow-list rollout to finish: for the service deployment
 * that rolls it out to succeed, and for the new configuration to be the only one active. It exists
 * so that the service can hand out its URL as soon as the rollout starts: the harness, which calls
 * the server only when invoked, is then created during the two-minute rollout instead of after it.
 * Nothing is created in AWS; delete does nothing.
 */
import * as pulumi from "@pulumi/pulumi";
import { inProject, ProjectResource } from "./projectProvider";
import type { ArgsOf } from "./args";
import { checkFields, currentClock, diffInputs, DiffSpec, inputsOf } from "./lifecycle";
import { waitActive, waitForDeployment } from "./expressGatewayService";

export interface ExpressGatewayServiceRolloutInputs {
    region: string;
    serviceArn: string;
    serviceName: string;
    cluster: string;
    /** The ZSCALER_MCP_ALLOWED_HOSTS value whose rollout is awaited. */
    allowedHostsValue: string;
    /** The rollout's deployment, as the service started it: the revision it deploys and the clock before the call. */
    revisionArn?: string;
    startedAt?: number;
}

export interface ExpressGatewayServiceRolloutOutputs extends ExpressGatewayServiceRolloutInputs {
    status: string;
}

// Nothing exists in AWS for a rollout, so nothing needs replacing: a new service (or, in a
// preview, a service whose ARN is not known yet) is simply waited for again, in place.
export const ROLLOUT_DIFF: DiffSpec = {
    createOnly: ["region"],
    updatable: ["serviceArn", "serviceName", "cluster", "allowedHostsValue", "revisionArn", "startedAt"],
};

async function waitRolledOut(i: ExpressGatewayServiceRolloutInputs): Promise<string> {
    if (!i.allowedHostsValue) {
        return "ACTIVE";
    }
    // The deployment the service started for the rollout (by its revision, or the first created
    // since the call; a service recorded before these were kept: its newest). The service is
    // recorded as working: only a refresh, which sees the failed deployment, makes the next up
    // deploy it again.
    const ref =
        i.revisionArn || i.startedAt !== undefined
            ? { revisionArn: i.revisionArn || undefined, since: i.startedAt ?? currentClock().now() }
            : undefined;
    await waitForDeployment(i, i.serviceArn, ref, { nextStep: "run pulumi up --refresh (it redeploys the service)" });
    const s = await waitActive(i, i.serviceArn, i.allowedHostsValue);
    return s?.status?.statusCode ?? "UNKNOWN";
}

export const expressGatewayServiceRolloutProvider: pulumi.dynamic.ResourceProvider<
    ExpressGatewayServiceRolloutInputs,
    ExpressGatewayServiceRolloutOutputs
> = {
    async check(_olds, news) {
        return { inputs: news, failures: checkFields(news as unknown as Record<string, unknown>, ["region", "serviceArn"]) };
    },

    async diff(_id, olds, news) {
        return diffInputs(olds as any, news as any, ROLLOUT_DIFF);
    },

    async create(inputs) {
        const status = await waitRolledOut(inputs);
        return { id: `${inputs.serviceArn}/allow-list`, outs: { ...inputs, status } };
    },

    async read(id, props) {
        return { id, props, inputs: inputsOf(props as any, ROLLOUT_DIFF) };
    },

    async update(_id, _olds, news) {
        return { outs: { ...news, status: await waitRolledOut(news) } };
    },

    async delete() {
        // Nothing exists in AWS for this resource.
    },
};

/** The resource's arguments: its provider's inputs, each one a pulumi.Input. */
export type ExpressGatewayServiceRolloutArgs = ArgsOf<ExpressGatewayServiceRolloutInputs>;

export class ExpressGatewayServiceRollout extends ProjectResource {
    declare readonly status: pulumi.Output<string>;

    constructor(name: string, args: ExpressGatewayServiceRolloutArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            inProject("expressGatewayServiceRollout", "expressGatewayServiceRolloutProvider"),
            name,
            { ...args, status: undefined },
            opts,
            "ecs",
            "ExpressGatewayServiceRollout",
        );
    }
}
