/**
 * Waits for an AgentCore Runtime to be READY. It exists so that the runtime can hand out its ARN
 * and invocation URL as soon as AWS accepts it: the gateway, whose role needs only the runtime's
 * ARN, is created while the runtime starts, and only what calls the runtime (the gateway target)
 * waits for this resource. Nothing is created in AWS; delete does nothing.
 */
import * as pulumi from "@pulumi/pulumi";
import { inProject, ProjectResource } from "./projectProvider";
import type { ArgsOf } from "./args";
import { checkFields, diffInputs, DiffSpec, inputsOf } from "./lifecycle";
import { waitReady } from "./agentRuntime";

export interface AgentRuntimeReadyInputs {
    region: string;
    agentRuntimeId: string;
    agentRuntimeName: string;
    /** Passed through once the runtime is READY, so what uses it depends on the wait. */
    invocationUrl: string;
}

export interface AgentRuntimeReadyOutputs extends AgentRuntimeReadyInputs {
    status: string;
    agentRuntimeVersion: string;
}

// Nothing exists in AWS for this resource, so nothing is ever replaced: a new runtime is waited for in place.
export const AGENT_RUNTIME_READY_DIFF: DiffSpec = {
    createOnly: ["region"],
    updatable: ["agentRuntimeId", "agentRuntimeName", "invocationUrl"],
};

async function waitForRuntime(i: AgentRuntimeReadyInputs): Promise<AgentRuntimeReadyOutputs> {
    const ready = (await waitReady(i, i.agentRuntimeId))!;
    return { ...i, status: ready.status!, agentRuntimeVersion: ready.agentRuntimeVersion! };
}

export const agentRuntimeReadyProvider: pulumi.dynamic.ResourceProvider<AgentRuntimeReadyInputs, AgentRuntimeReadyOutputs> = {
    async check(_olds, news) {
        return {
            inputs: news,
            failures: checkFields(news as unknown as Record<string, unknown>, [
                "region",
                "agentRuntimeId",
                "agentRuntimeName",
                "invocationUrl",
            ]),
        };
    },

    async diff(_id, olds, news) {
        return diffInputs(olds as any, news as any, AGENT_RUNTIME_READY_DIFF);
    },

    async create(inputs) {
        return { id: `${inputs.agentRuntimeId}/ready`, outs: await waitForRuntime(inputs) };
    },

    async read(id, props) {
        return { id, props, inputs: inputsOf(props as any, AGENT_RUNTIME_READY_DIFF) };
    },

    async update(_id, _olds, news) {
        return { outs: await waitForRuntime(news) };
    },

    async delete() {
        // Nothing exists in AWS for this resource.
    },
};

/** The resource's arguments: its provider's inputs, each one a pulumi.Input. */
export type AgentRuntimeReadyArgs = ArgsOf<AgentRuntimeReadyInputs>;

export class AgentRuntimeReady extends ProjectResource {
    declare readonly status: pulumi.Output<string>;
    declare readonly agentRuntimeVersion: pulumi.Output<string>;
    declare readonly invocationUrl: pulumi.Output<string>;

    constructor(name: string, args: AgentRuntimeReadyArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            inProject("agentRuntimeReady", "agentRuntimeReadyProvider"),
            name,
            { ...args, status: undefined, agentRuntimeVersion: undefined },
            opts,
            "agentcore",
            "AgentRuntimeReady",
        );
    }
}
