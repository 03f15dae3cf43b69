/**
 * Start-up time of the operator commands. They run under tsx (`node -r tsx/cjs`), whose loader
 * reads every .js file it is asked for, looks for ESM syntax and compiles it itself; for the AWS
 * SDK's CommonJS builds (a few hundred kilobytes) that costs more than twice Node's own loading.
 * Installed packages written as CommonJS are handed to Node's loader instead; the project's own
 * TypeScript, and any package that declares itself an ES module, still go through tsx.
 */
import * as fs from "fs";
import * as path from "path";

type Loader = (module: NodeModule & { _compile(code: string, filename: string): unknown }, filename: string) => unknown;

const NODE_MODULES = `${path.sep}node_modules${path.sep}`;
const packageTypes = new Map<string, string | undefined>();

/** The `type` of the package.json nearest to `dir` ("module", "commonjs" or undefined). */
function packageType(dir: string): string | undefined {
    if (packageTypes.has(dir)) {
        return packageTypes.get(dir);
    }
    let type: string | undefined;
    const file = path.join(dir, "package.json");
    if (fs.existsSync(file)) {
        try {
            type = (JSON.parse(fs.readFileSync(file, "utf8")) as { type?: string }).type ?? "commonjs";
        } catch {
            type = "commonjs";
        }
    } else {
        const parent = path.dirname(dir);
        type = parent === dir ? "commonjs" : packageType(parent);
    }
    packageTypes.set(dir, type);
    return type;
}

/** Routes CommonJS files of installed packages to Node's own compile step, once per process. */
export function loadPackagesNatively(): void {
    const Module = require("module") as { _extensions: Record<string, Loader> };
    const current = Module._extensions[".js"];
    if ((current as { native?: boolean }).native) {
        return;
    }
    const native: Loader = function (this: unknown, module, filename) {
        if (filename.includes(NODE_MODULES) && packageType(path.dirname(filename)) !== "module") {
            return module._compile(fs.readFileSync(filename, "utf8"), filename);
        }
        return current.call(this, module, filename);
    };
    (native as { native?: boolean }).native = true;
    Module._extensions[".js"] = native;
}
