/**
 * The arguments of a dynamic resource, derived from its provider's inputs: what a component passes
 * may still be unknown (another resource's output), so every field is a `pulumi.Input`, and so are
 * an array's elements and a string map's values (a list of hosts, a tag map built from outputs).
 * Deriving them keeps a resource's arguments and its provider's inputs from drifting apart.
 */
import type * as pulumi from "@pulumi/pulumi";

/**
 * One level of nesting may hold outputs too: an array's elements, a string map's values. Deeper
 * structures (an SDK configuration object) are passed whole, as one input.
 */
type InputElements<T> = T extends readonly (infer E)[]
    ? pulumi.Input<E>[]
    : T extends Record<string, string>
      ? Record<string, pulumi.Input<string>>
      : T;

/** A resource's arguments for inputs `T`: each field a `pulumi.Input`, optional where the input is. */
export type ArgsOf<T> = { readonly [K in keyof T]: pulumi.Input<InputElements<T[K]>> };

/**
 * Inputs `T` with the fields `K` made optional: those the provider's `check` fills with a default
 * (so a component may leave them out, while the provider always sees them).
 */
export type Defaulted<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;
