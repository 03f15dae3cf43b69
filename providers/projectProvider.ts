/**
 * How each dynamic resource of this project names its provider in Pulumi's state.
 *
 * The engine starts Pulumi's dynamic-provider host for every `pulumi-nodejs:dynamic/...` resource
 * and hands it the resource's `__provider` property: the text of a CommonJS module whose
 * `handler()` returns the provider. `pulumi.dynamic.Resource` fills it by serializing the provider
 * object with everything it captures, which for these providers meant 26-45 KB per resource (the
 * lifecycle kit and its helpers), stored twice (inputs and outputs), and about 100 ms of the
 * program's time per provider. The host runs in the program's directory, with its node_modules, so
 * the module here is eight lines that load the provider from this project's providers/ instead
 * (tsx, a dependency of the project, compiles the TypeScript on the way): some 600 bytes.
 *
 * The price: a resource is always handled by the providers/ of the project the command runs in,
 * so `pulumi` commands must run from this project's directory after `npm ci` (they always do, to
 * run the program). Pulumi itself already diffs and updates with the newest provider code.
 */
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";

/** Where a provider lives: providers/<file>.ts, as its export <exported>. */
export interface ProviderRef {
    file: string;
    exported: string;
}

export function inProject(file: string, exported: string): ProviderRef {
    return { file, exported };
}

const LOAD_FAILED = (name: string, dir: string, e: unknown) =>
    `The dynamic-provider host could not load providers/${name}.ts from ${dir} (${String((e as Error)?.message).split("\n")[0]}). ` +
    "Run pulumi from the project's directory, after npm ci.";

/** The `__provider` text of a resource whose provider is `ref`: the host evaluates it and calls handler(). */
export function providerModule(ref: ProviderRef): string {
    const args = `${JSON.stringify(ref.file)}, ${JSON.stringify(ref.exported)}`;
    return [
        "exports.handler = () => {",
        "    const dir = process.cwd();",
        "    try {",
        '        require(require.resolve("tsx/cjs", { paths: [dir] }));',
        `        return require(require("path").join(dir, "providers", "projectProvider")).hostProvider(${args});`,
        "    } catch (e) {",
        '        throw new Error(`The dynamic-provider host could not load providers/projectProvider.ts from ${dir} (${String(e && e.message).split("\\n")[0]}). Run pulumi from the project\'s directory, after npm ci.`);',
        "    }",
        "};",
        "",
    ].join("\n");
}

/**
 * What the host runs: the provider `ref` names, loaded on its first call (so a missing file is an
 * error of that call, naming the file), and a `configure` that installs the stack's aws:* settings.
 */
export function hostProvider<I, O>(file: string, exported: string): pulumi.dynamic.ResourceProvider<I, O> {
    const fromProject = (name: string, member: string) => {
        try {
            const value = require(path.join(__dirname, name))[member];
            if (!value) {
                throw new Error(`providers/${name}.ts exports no ${member}`);
            }
            return value;
        } catch (e) {
            throw new Error(LOAD_FAILED(name, path.dirname(__dirname), e));
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

/**
 * A dynamic resource of this project: registered as `pulumi.dynamic.Resource` registers one (type
 * `pulumi-nodejs:dynamic/<module>:<type>`, served by Pulumi's dynamic-provider host), with
 * `providerModule` as its `__provider`.
 */
export class ProjectResource extends pulumi.CustomResource {
    constructor(
        provider: ProviderRef,
        name: string,
        props: pulumi.Inputs,
        opts: pulumi.CustomResourceOptions | undefined,
        module: string,
        type: string,
    ) {
        if ("__provider" in props) {
            throw new Error("A dynamic resource must not define the __provider key");
        }
        super(`pulumi-nodejs:dynamic/${module}:${type}`, name, { ...props, __provider: providerModule(provider) }, opts);
    }
}
