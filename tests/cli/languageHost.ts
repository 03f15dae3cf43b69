/**
 * A test-only Node.js language host (`pulumi-language-nodejs`) for the real Pulumi CLI.
 *
 * The CLI runs a TypeScript program through a language host: it starts the host with the engine's
 * address, reads the port it prints, and calls it over gRPC (Handshake, GetRequiredPackages, Run,
 * ...). Pulumi's own host is a Go module that the Go module proxy does not serve, so this one
 * stands in for it. It keeps the contract that matters to a program: `Run` starts Node.js on
 * `@pulumi/pulumi/cmd/run` from the program's own node_modules, with the same flags and the same
 * environment (PULUMI_CONFIG with `<namespace>:config:<name>` keys, PULUMI_CONFIG_SECRET_KEYS,
 * PULUMI_NODEJS_TYPESCRIPT), and reports the exit the way the engine expects (32 means "the
 * program already printed an actionable message"). It differs from Pulumi's host in what no test
 * here depends on: no monitor proxy and no synchronous-invoke pipes (the program makes no
 * synchronous invokes), plugins found in node_modules one level deep (plus scopes) rather than
 * recursively, and no dependency installation (the suite runs `npm ci`).
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";

const PULUMI = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const langpb = require(path.join(PULUMI, "proto", "language_pb"));
const langgrpc = require(path.join(PULUMI, "proto", "language_grpc_pb"));
const pluginpb = require(path.join(PULUMI, "proto", "plugin_pb"));
const emptypb = require("google-protobuf/google/protobuf/empty_pb");
const SDK_VERSION: string = require(path.join(PULUMI, "package.json")).version;

/** The exit code with which @pulumi/pulumi says it already told the user what went wrong. */
const BAIL_EXIT_CODE = 32;

type Callback = (err: grpc.ServiceError | null, resp?: unknown) => void;

function unimplementedError(method: string): grpc.ServiceError {
    return Object.assign(new Error(`${method} is not implemented by the test language host`), {
        code: grpc.status.UNIMPLEMENTED,
        details: `${method} is not implemented by the test language host`,
        metadata: new grpc.Metadata(),
    });
}

function unimplemented(method: string) {
    return (_call: unknown, callback: Callback) => callback(unimplementedError(method));
}

/** The same for a server-streaming method. */
function unimplementedStream(method: string) {
    return (call: grpc.ServerWritableStream<unknown, unknown>) => call.destroy(unimplementedError(method));
}

/** Resource plugins the program needs: packages in node_modules whose package.json says `pulumi.resource`. */
export function requiredPackages(programDir: string): { name: string; version: string; server?: string }[] {
    const root = path.join(programDir, "node_modules");
    const dirs: string[] = [];
    for (const entry of fs.existsSync(root) ? fs.readdirSync(root) : []) {
        if (entry.startsWith("@")) {
            dirs.push(...fs.readdirSync(path.join(root, entry)).map((p) => path.join(root, entry, p)));
        } else if (!entry.startsWith(".")) {
            dirs.push(path.join(root, entry));
        }
    }
    const found: { name: string; version: string; server?: string }[] = [];
    for (const dir of dirs) {
        const file = path.join(dir, "package.json");
        if (!fs.existsSync(file)) {
            continue;
        }
        const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
        if (pkg.pulumi?.resource !== true) {
            continue;
        }
        const name: string = pkg.pulumi.name ?? String(pkg.name).replace(/^@pulumi\//, "");
        const version: string = pkg.pulumi.version ?? pkg.version;
        found.push({ name, version: version.startsWith("v") ? version : `v${version}`, server: pkg.pulumi.server });
    }
    return found;
}

/** The configuration as @pulumi/pulumi reads it: `<namespace>:config:<name>` keys. */
export function programConfig(config: Map<string, string> | [string, string][]): string {
    const out: Record<string, string> = {};
    for (const [key, value] of config) {
        const i = key.indexOf(":");
        out[i < 0 ? key : `${key.slice(0, i)}:config:${key.slice(i + 1)}`] = value;
    }
    return JSON.stringify(out);
}

class LanguageHost {
    private engineAddress: string;
    private readonly children = new Set<ChildProcess>();

    constructor(engineAddress: string) {
        this.engineAddress = engineAddress;
    }

    handshake = (call: any, callback: Callback) => {
        this.engineAddress = call.request.getEngineAddress() || this.engineAddress;
        callback(null, new langpb.LanguageHandshakeResponse());
    };

    getPluginInfo = (_call: any, callback: Callback) => {
        const info = new pluginpb.PluginInfo();
        info.setVersion(SDK_VERSION);
        callback(null, info);
    };

    getRequiredPackages = (call: any, callback: Callback) => {
        const resp = new langpb.GetRequiredPackagesResponse();
        resp.setPackagesList(
            requiredPackages(call.request.getInfo().getProgramDirectory()).map((p) => {
                const dep = new pluginpb.PackageDependency();
                dep.setName(p.name);
                dep.setKind("resource");
                dep.setVersion(p.version);
                dep.setServer(p.server ?? "");
                return dep;
            }),
        );
        callback(null, resp);
    };

    getProgramDependencies = (call: any, callback: Callback) => {
        const dir = call.request.getInfo().getProgramDirectory();
        const lock = JSON.parse(fs.readFileSync(path.join(dir, "package-lock.json"), "utf8"));
        const direct = Object.keys({ ...lock.packages[""].dependencies, ...lock.packages[""].devDependencies });
        const resp = new langpb.GetProgramDependenciesResponse();
        resp.setDependenciesList(
            direct.map((name) => {
                const d = new langpb.DependencyInfo();
                d.setName(name);
                d.setVersion(lock.packages[`node_modules/${name}`]?.version ?? "");
                return d;
            }),
        );
        callback(null, resp);
    };

    about = (_call: any, callback: Callback) => {
        const resp = new langpb.AboutResponse();
        resp.setExecutable(process.execPath);
        resp.setVersion(process.version);
        callback(null, resp);
    };

    cancel = (_call: any, callback: Callback) => {
        for (const child of this.children) {
            child.kill("SIGINT");
        }
        callback(null, new emptypb.Empty());
    };

    run = (call: any, callback: Callback) => {
        const req = call.request;
        const info = req.getInfo();
        const programDir: string = info.getProgramDirectory();
        const options: Record<string, unknown> = info.getOptions()?.toJavaScript() ?? {};
        const located = spawnSync(process.execPath, ["-p", "require.resolve('@pulumi/pulumi/cmd/run')"], {
            cwd: programDir,
            encoding: "utf8",
        });
        const reply = (error: string, bail = false) => {
            const resp = new langpb.RunResponse();
            resp.setError(error);
            resp.setBail(bail);
            callback(null, resp);
        };
        if (located.status !== 0) {
            reply(`@pulumi/pulumi is not installed in ${programDir}; run npm ci there first.`);
            return;
        }
        const args = [located.stdout.trim()];
        const flag = (name: string, value: string | undefined) => {
            if (value) {
                args.push(`--${name}`, value);
            }
        };
        flag("monitor", req.getMonitorAddress());
        flag("engine", this.engineAddress);
        flag("organization", req.getOrganization());
        flag("project", req.getProject());
        flag("root-directory", info.getRootDirectory());
        flag("stack", req.getStack());
        flag("pwd", programDir);
        if (req.getDryrun()) {
            args.push("--dry-run");
        }
        flag("parallel", String(req.getParallel()));
        args.push(info.getEntryPoint(), ...req.getArgsList());
        const env: NodeJS.ProcessEnv = {
            ...process.env,
            PULUMI_CONFIG: programConfig(req.getConfigMap().toArray()),
            PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(req.getConfigsecretkeysList()),
        };
        // TypeScript is on unless Pulumi.yaml turns it off, as with Pulumi's own host.
        if (options.typescript !== false) {
            env.PULUMI_NODEJS_TYPESCRIPT = "true";
        }
        if (typeof options.tsconfig === "string") {
            env.PULUMI_NODEJS_TSCONFIG_PATH = options.tsconfig;
        }
        const nodeArgs = typeof options.nodeargs === "string" ? options.nodeargs.split(/\s+/).filter(Boolean) : [];
        const child = spawn(process.execPath, [...nodeArgs, ...args], { cwd: programDir, env, stdio: ["ignore", "inherit", "inherit"] });
        this.children.add(child);
        child.on("error", (e) => reply(`could not start Node.js: ${e.message}`));
        child.on("exit", (code, signal) => {
            this.children.delete(child);
            if (code === 0) {
                reply("");
            } else if (code === BAIL_EXIT_CODE) {
                reply("", true);
            } else {
                reply(signal ? `Program was stopped by ${signal}` : `Program exited with non-zero exit code: ${code}`);
            }
        });
    };

    /** Exits once the engine stops answering, as Pulumi's plugins do, so a killed CLI leaves no host behind. */
    watchEngine(): void {
        const timer = setInterval(() => {
            const [host, port] = splitAddress(this.engineAddress);
            const socket = net.connect({ host, port }, () => socket.end());
            socket.on("error", () => {
                for (const child of this.children) {
                    child.kill("SIGKILL");
                }
                process.exit(1);
            });
        }, 1_000);
        timer.unref();
    }
}

function splitAddress(address: string): [string, number] {
    const i = address.lastIndexOf(":");
    return [address.slice(0, i) || "127.0.0.1", Number(address.slice(i + 1))];
}

function main(): void {
    const engineAddress = process.argv.slice(2).find((a) => !a.startsWith("-")) ?? "";
    const host = new LanguageHost(engineAddress);
    const server = new grpc.Server();
    server.addService(langgrpc.LanguageRuntimeService, {
        handshake: host.handshake,
        getPluginInfo: host.getPluginInfo,
        getRequiredPlugins: unimplemented("GetRequiredPlugins"),
        getRequiredPackages: host.getRequiredPackages,
        getProgramDependencies: host.getProgramDependencies,
        about: host.about,
        run: host.run,
        cancel: host.cancel,
        installDependencies: unimplementedStream("InstallDependencies"),
        runtimeOptionsPrompts: unimplemented("RuntimeOptionsPrompts"),
        template: unimplemented("Template"),
        runPlugin: unimplementedStream("RunPlugin"),
        generateProgram: unimplemented("GenerateProgram"),
        generateProject: unimplemented("GenerateProject"),
        generatePackage: unimplemented("GeneratePackage"),
        pack: unimplemented("Pack"),
        link: unimplemented("Link"),
    });
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => {
        if (err) {
            console.error(`test language host: ${err.message}`);
            process.exit(1);
        }
        process.stdout.write(`${port}\n`);
        if (engineAddress) {
            host.watchEngine();
        }
    });
}

if (require.main === module) {
    main();
}
