/**
 * The stack's identity: a random id made once, on the stack's first `pulumi up`, and kept in its
 * state. The project and stack names are not enough to tell deployments apart: two backends (two
 * Pulumi Cloud organizations, a laptop's local backend beside CI's) can each hold a stack of the
 * same name, deploying the same physical names into one account. The id is what only this stack's
 * state holds: every resource carries it as the `pulumi-stack-id` tag, and adoption takes over only
 * what carries it (see kit/adoption.ts).
 *
 * Nothing in AWS backs it. It never changes: no input of the resource can alter it, refresh reads
 * back what state holds, and delete (with the stack) lets it go.
 */
import * as pulumi from "@pulumi/pulumi";
import { randomBytes } from "crypto";
import { IDENTITY_TAG } from "./kit/adoption";
import { inProject, ProjectResource } from "./projectProvider";

/** The tag (and stack output) carrying the stack's identity: the one adoption requires. */
export const STACK_ID_TAG = IDENTITY_TAG;

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface StackIdentityInputs {}

export interface StackIdentityOutputs extends StackIdentityInputs {
    stackId: string;
}

/** A new identity: 128 random bits as 32 hex digits (a valid tag value everywhere in AWS). */
export function newStackId(): string {
    return randomBytes(16).toString("hex");
}

export const stackIdentityProvider: pulumi.dynamic.ResourceProvider<StackIdentityInputs, StackIdentityOutputs> = {
    async check(_olds, news) {
        return { inputs: news };
    },

    async diff() {
        // Made once: nothing replaces or updates it.
        return { changes: false };
    },

    async create() {
        const stackId = newStackId();
        return { id: stackId, outs: { stackId } };
    },

    async read(id, props) {
        // Nothing in AWS to read: the identity is what state holds (its id, should the outputs be lost).
        const read = { ...props, stackId: props?.stackId || id };
        return { id, props: read };
    },

    async delete() {
        // Nothing in AWS to delete.
    },
};

export class StackIdentity extends ProjectResource {
    declare readonly stackId: pulumi.Output<string>;

    constructor(name: string, opts?: pulumi.CustomResourceOptions) {
        super(inProject("stackIdentity", "stackIdentityProvider"), name, { stackId: undefined }, opts, "stack", "StackIdentity");
    }
}
