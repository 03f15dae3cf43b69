/**
 * A user's machine for the end-to-end tests: a copy of the project (with the installed
 * node_modules), a local Pulumi backend and PULUMI_HOME in a temporary directory, the real Pulumi
 * CLI, the test-only aws plugin installed with `pulumi plugin install`, and the project's local AWS
 * endpoint for the dynamic resources. Commands run as a user types them, through a shell.
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { scaledClock } from "../../providers/lifecycle";
import { Cloud } from "../awsplugin/cloud";
import { FakeAws } from "../fakeaws/server";
import { ServerHosting } from "../mcpserver/hosting";
import { ACCOUNT, roleArn } from "../support/awsConstants";

export const ROOT = path.join(__dirname, "..", "..");
const AWS_VERSION: string = require("@pulumi/aws/package.json").version;

export interface Cli {
    pulumi: string;
    /**
     * built: the CLI tests/cli/ensure-pulumi.sh built, with Pulumi's Node.js language host and
     * dynamic-provider launcher beside it; own: a Pulumi install of the user's.
     */
    kind: "built" | "own";
}

/** The plugins a CLI install carries beside the `pulumi` binary to run a Node.js program. */
export const NODEJS_PLUGINS = ["pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"];

/**
 * The CLI the suite runs: ZSCALER_MCP_PULUMI, a `pulumi` on PATH, or the one
 * tests/cli/ensure-pulumi.sh built. Undefined when there is none, or when the built one lacks the
 * plugins the script puts beside it.
 */
export function locateCli(): Cli | undefined {
    const built = builtCliPath();
    const explicit = process.env.ZSCALER_MCP_PULUMI;
    if (explicit) {
        return complete({ pulumi: explicit, kind: realpath(explicit) === realpath(built) ? "built" : "own" });
    }
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
        const candidate = path.join(dir, "pulumi");
        if (dir && fs.existsSync(candidate)) {
            return { pulumi: candidate, kind: "own" };
        }
    }
    return fs.existsSync(built) ? complete({ pulumi: built, kind: "built" }) : undefined;
}

/** Where tests/cli/ensure-pulumi.sh puts the CLI it builds. */
export function builtCliPath(): string {
    const cache =
        process.env.ZSCALER_MCP_CLI_CACHE ??
        path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "zscaler-mcp-harness", "pulumi-cli");
    return path.join(cache, `v${builtCliVersion()}`, "pulumi");
}

function complete(cli: Cli): Cli | undefined {
    const dir = path.dirname(realpath(cli.pulumi));
    return cli.kind === "own" || NODEJS_PLUGINS.every((p) => fs.existsSync(path.join(dir, p))) ? cli : undefined;
}

function realpath(file: string): string {
    try {
        return fs.realpathSync(file);
    } catch {
        return path.resolve(file);
    }
}

/** The CLI version tests/cli/go.mod builds. */
export function builtCliVersion(): string {
    const gomod = fs.readFileSync(path.join(ROOT, "tests", "cli", "go.mod"), "utf8");
    const m = /^\s*github\.com\/pulumi\/pulumi\/pkg\/v3 v(\S+)/m.exec(gomod);
    if (!m) {
        throw new Error("tests/cli/go.mod does not require github.com/pulumi/pulumi/pkg/v3");
    }
    return m[1];
}

export interface RunResult {
    command: string;
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
    /** stdout and stderr as a terminal would show them. */
    output: string;
    ms: number;
}

export interface RunOptions {
    /** Stop the command with this signal once `when` says so (checked on every chunk of output and every 100 ms). */
    interrupt?: { signal: NodeJS.Signals; when: (output: string) => boolean };
    timeoutMs?: number;
}

export const PLACEHOLDERS: Record<string, string> = {
    "<client id>": "e2e-client-id",
    "<client secret>": "e2e-client-secret-3c7a9f1d",
    "<customer id>": "e2e-customer-42",
    "<vanity domain>": "e2e-vanity",
    "<unique prefix>": "zscaler-mcp-e2e-7f3a",
    "<name or ARN>": "team/zscaler-e2e",
    "<profile>": "e2e-profile",
    "<role ARN>": roleArn("e2e-deployer"),
    "<account id>": ACCOUNT,
    "<boundary policy name>": "e2e-developer-boundary",
};

/** Zscaler client credentials the tenant accepts: the README's placeholders, and the secret they rotate to. */
export const ZSCALER_ROTATED_SECRET = "e2e-client-secret-rotated-5b1e";

export class Workspace {
    readonly fake: FakeAws;
    readonly cloud: Cloud;
    /** ECS, AgentCore and Cognito running the real MCP server for what the stack deploys. */
    readonly hosting: ServerHosting;
    private readonly children = new Set<ChildProcess>();
    /**
     * The network of a machine behind an inspecting proxy: AWS's own https endpoints (no
     * AWS_ENDPOINT_URL), reached only through the hosting's proxy, which ends their TLS with its CA
     * and hands the requests to the local endpoint; with `trustsProxy` false, neither
     * NODE_EXTRA_CA_CERTS nor AWS_CA_BUNDLE is set, as on a machine nobody has told about the
     * organisation's CA; `systemTrustsProxy` puts the CA in "the system's store" instead, which
     * the aws provider (Go) reads and Node does not.
     */
    network: { awsThroughProxy: boolean; trustsProxy: boolean; systemTrustsProxy?: boolean } = {
        awsThroughProxy: false,
        trustsProxy: true,
    };

    private constructor(
        readonly cli: Cli,
        readonly dir: string,
        readonly scale: number,
        readonly anchor: number,
    ) {
        this.fake = new FakeAws({ clock: scaledClock(scale, anchor) });
        this.cloud = new Cloud(path.join(dir, "aws-account.json"));
        // One account for both stand-ins: the endpoint refuses roles and user pools the plugin's account does not hold.
        this.fake.account = this.cloud.accountView();
        const id = PLACEHOLDERS["<client id>"];
        this.hosting = new ServerHosting(this.fake, this.cloud, [
            `${id}:${PLACEHOLDERS["<client secret>"]}`,
            `${id}:${ZSCALER_ROTATED_SECRET}`,
        ]);
    }

    get project(): string {
        return path.join(this.dir, "project");
    }

    /** The user's home: ~/.pulumi (plugins, `pulumi login --local` stacks) and ~/.aws live here. */
    get home(): string {
        return path.join(this.dir, "home");
    }

    /** A fresh machine: project copy, backend, PULUMI_HOME, CLI install, aws plugin, local endpoint. */
    static async create(cli: Cli, scale: number): Promise<Workspace> {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zscaler-mcp-e2e-"));
        const ws = new Workspace(cli, dir, scale, Date.now());
        await ws.fake.start();
        await ws.hosting.start();
        fs.mkdirSync(ws.home);
        fs.mkdirSync(path.join(dir, "backend"));
        ws.copyProject();
        ws.installCli();
        ws.installAwsPlugin();
        return ws;
    }

    private copyProject(): void {
        const skip = new Set(["node_modules", ".git", "tests", "bin", ".ci"]);
        fs.mkdirSync(this.project);
        for (const entry of fs.readdirSync(ROOT)) {
            if (!skip.has(entry) && !/^Pulumi\.(?!dev\.yaml$).+\.yaml$/.test(entry)) {
                fs.cpSync(path.join(ROOT, entry), path.join(this.project, entry), { recursive: true });
            }
        }
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(this.project, "node_modules"));
    }

    /**
     * The CLI on the user's PATH: a link to it. The CLI finds the plugins it starts for a Node.js
     * program beside the file the link resolves to (the built one's were put there by
     * tests/cli/ensure-pulumi.sh).
     */
    private installCli(): void {
        const bin = path.join(this.dir, "bin");
        fs.mkdirSync(bin);
        fs.symlinkSync(path.resolve(this.cli.pulumi), path.join(bin, "pulumi"));
    }

    private installAwsPlugin(): void {
        const tsx = require.resolve("tsx/cjs", { paths: [ROOT] });
        const launcher = path.join(this.dir, "plugin", "pulumi-resource-aws");
        fs.mkdirSync(path.dirname(launcher));
        write(
            launcher,
            `#!/bin/sh\nexec "${process.execPath}" --require "${tsx}" "${path.join(ROOT, "tests", "awsplugin", "main.ts")}" "$@"\n`,
        );
        execFileSync(path.join(this.dir, "bin", "pulumi"), ["plugin", "install", "resource", "aws", AWS_VERSION, "--file", launcher], {
            env: this.env(),
            stdio: "pipe",
        });
    }

    env(): NodeJS.ProcessEnv {
        const { AWS_ENDPOINT_URL: endpoint, ...fake } = this.fake.env();
        const { NODE_EXTRA_CA_CERTS: proxyCa, ...hosting } = this.hosting.env();
        return {
            ...process.env,
            ...fake,
            AWS_ENDPOINT_URL: this.network.awsThroughProxy ? undefined : endpoint,
            NODE_EXTRA_CA_CERTS: this.network.trustsProxy ? proxyCa : undefined,
            // The aws provider (Go) reads only AWS_CA_BUNDLE, as the README says to set.
            AWS_CA_BUNDLE: this.network.awsThroughProxy && this.network.trustsProxy ? proxyCa : undefined,
            ZSCALER_MCP_TEST_SYSTEM_CA: this.network.systemTrustsProxy ? proxyCa : undefined,
            // The MCP server's public names (and Cognito's) reach the hosting through its proxy.
            ...hosting,
            PATH: `${path.join(this.dir, "bin")}${path.delimiter}${process.env.PATH}`,
            HOME: this.home,
            // The CLI takes its home from the user database, not from HOME: name it.
            PULUMI_HOME: path.join(this.home, ".pulumi"),
            PULUMI_BACKEND_URL: undefined,
            PULUMI_ACCESS_TOKEN: undefined,
            AWS_PROFILE: undefined,
            AWS_CONFIG_FILE: undefined,
            AWS_SHARED_CREDENTIALS_FILE: undefined,
            npm_config_cache: path.join(os.homedir(), ".npm"),
            PULUMI_CONFIG_PASSPHRASE: "e2e-passphrase",
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
            ZSCALER_MCP_TEST_CLOUD: this.cloud.file,
            ZSCALER_MCP_TIME_SCALE: String(this.scale),
            ZSCALER_MCP_TIME_ANCHOR: String(this.anchor),
            NO_COLOR: "1",
            FORCE_COLOR: "0",
        };
    }

    /** Runs one command line as a user types it, in the project directory. */
    run(command: string, opts: RunOptions = {}): Promise<RunResult> {
        const started = Date.now();
        return new Promise((resolve, reject) => {
            const child = spawn("/bin/sh", ["-c", command], {
                cwd: this.project,
                env: this.env(),
                detached: true,
                stdio: ["ignore", "pipe", "pipe"],
            });
            this.children.add(child);
            let stdout = "";
            let stderr = "";
            let output = "";
            let stopped = false;
            const maybeInterrupt = () => {
                if (opts.interrupt && !stopped && opts.interrupt.when(output)) {
                    stopped = true;
                    // A terminal's Ctrl-C, or a stopped runner, reaches the whole process group.
                    process.kill(-child.pid!, opts.interrupt.signal);
                }
            };
            const poll = opts.interrupt ? setInterval(maybeInterrupt, 100) : undefined;
            const timer = setTimeout(() => {
                process.kill(-child.pid!, "SIGKILL");
                reject(new Error(`${command} did not finish within ${(opts.timeoutMs ?? 600_000) / 1000} s:\n${output}`));
            }, opts.timeoutMs ?? 600_000);
            child.stdout!.on("data", (d) => {
                stdout += d;
                output += d;
                maybeInterrupt();
            });
            child.stderr!.on("data", (d) => {
                stderr += d;
                output += d;
                maybeInterrupt();
            });
            child.on("close", (code, signal) => {
                clearTimeout(timer);
                if (poll) {
                    clearInterval(poll);
                }
                this.children.delete(child);
                resolve({ command, code, signal, stdout, stderr, output, ms: Date.now() - started });
            });
        });
    }

    /** Runs a command that must succeed; fails with its whole output otherwise. */
    async expectOk(command: string, opts: RunOptions = {}): Promise<RunResult> {
        const r = await this.run(command, opts);
        if (r.code !== 0) {
            throw new Error(`\`${command}\` exited with ${r.code ?? r.signal}:\n${r.output}`);
        }
        return r;
    }

    /** The stack's outputs, as `pulumi stack output --json` prints them. */
    async outputs(): Promise<Record<string, any>> {
        return JSON.parse((await this.expectOk("pulumi stack output --json")).stdout);
    }

    /** The stack's state, as `pulumi stack export` prints it. */
    async exported(): Promise<any> {
        return JSON.parse((await this.expectOk("pulumi stack export")).stdout);
    }

    /**
     * The processes running with this workspace's environment, found by its cloud file in their
     * environment: between commands, what a killed CLI left behind (the engine starts each plugin
     * in its own process group, which a kill of the CLI's group does not reach).
     */
    strays(): { pid: number; command: string }[] {
        const found: { pid: number; command: string }[] = [];
        const marker = `ZSCALER_MCP_TEST_CLOUD=${this.cloud.file}`;
        for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
            if (Number(pid) === process.pid) {
                continue;
            }
            try {
                if (fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(marker)) {
                    const command = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
                    found.push({ pid: Number(pid), command });
                }
            } catch {
                // gone, or not ours to read
            }
        }
        return found;
    }

    async dispose(): Promise<void> {
        for (const child of this.children) {
            try {
                process.kill(-child.pid!, "SIGKILL");
            } catch {
                // already gone
            }
        }
        // Whatever a killed CLI left running ends with the test.
        for (const { pid } of this.strays()) {
            try {
                process.kill(pid, "SIGKILL");
            } catch {
                // already gone
            }
        }
        await this.hosting.stop();
        await this.fake.stop();
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

function write(file: string, text: string): void {
    fs.writeFileSync(file, text);
    fs.chmodSync(file, 0o755);
}
