/**
 * What Pulumi stores in each dynamic resource's state as `__provider`, and runs in its
 * dynamic-provider host: a few lines that load the provider from this project's providers/
 * directory, instead of the whole provider serialized with everything it uses.
 *
 * Pulumi serializes a dynamic resource's provider into the resource's inputs and outputs, and runs
 * that text later, in another process, for every check, diff, create, update and delete. Serialized
 * whole, each of these providers is 26-45 KB (it carries the lifecycle kit and its helpers), stored
 * twice per resource, and costs about 100 ms of the program's time to serialize. The host runs in the
 * program's directory, with its node_modules, so the code can be loaded from there instead; tsx (a
 * dependency of the project) compiles the TypeScript on the way.
 *
 * The price: a resource is always handled by the providers/ of the project the command runs in,
 * so `pulumi` commands must run from this project's directory after `npm ci` (they always do, to
 * run the program). Pulumi itself already diffs and updates with the newest provider code.
 */
import type * as pulumi from "@pulumi/pulumi";

/**
 * A provider that loads `export`, exported by providers/<file>.ts, when the host first calls it.
 * It captures nothing but the two names, so its serialized text stays under 3 KB.
 */
export function projectProvider<I, O>(file: string, exported: string): pulumi.dynamic.ResourceProvider<I, O> {
    /** A module of providers/, compiled by tsx (whose loader is registered once per process). */
    const fromProject = (name: string, member: string) => {
        const dir = process.cwd();
        try {
            require(require.resolve("tsx/cjs", { paths: [dir] }));
            const value = require(require("path").join(dir, "providers", name))[member];
            if (!value) {
                throw new Error(`providers/${name}.ts exports no ${member}`);
            }
            return value;
        } catch (e) {
            throw new Error(
                `The dynamic-provider host could not load providers/${name}.ts from ${dir} (${String((e as Error).message).split("\n")[0]}). ` +
                    "Run pulumi from the project's directory, after npm ci.",
            );
        }
    };
    const load = (): pulumi.dynamic.ResourceProvider<I, O> => fromProject(file, exported);
    return {
        // The engine hands over the stack's configuration: its aws:* settings decide the identity.
        configure: async (req) => {
            const settings = fromProject("awsIdentity", "awsSettingsFromConfig")((key: string) => req.config.get(key));
            fromProject("awsIdentity", "useAwsSettings")(settings);
        },
        check: async (olds, news) => load().check!(olds, news),
        diff: async (id, olds, news) => load().diff!(id, olds, news),
        create: async (inputs) => load().create(inputs),
        read: async (id, props) => load().read!(id, props),
        update: async (id, olds, news) => load().update!(id, olds, news),
        delete: async (id, props) => load().delete!(id, props),
    };
}
