/**
 * Starts the real Zscaler MCP server, as published on PyPI, with a given environment: the one the
 * program computes for a container, plus what this machine needs in place of AWS (the local
 * endpoint for Secrets Manager) and Zscaler (the intercepting proxy for the token endpoint).
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { toolDir, waitForPort, type InterceptingProxy } from "./proxy";

export interface RunningServer {
    version: string;
    port: number;
    /** `http://127.0.0.1:<port>`: the tests always connect over loopback. */
    base: string;
    /** What the server printed so far. */
    output(): string;
    stop(): Promise<void>;
}

export interface ServerExit {
    code: number | null;
    output: string;
}

/** The server stopped before it listened: its exit code and what it printed. */
export class ServerExited extends Error {
    constructor(
        readonly version: string,
        readonly code: number | null,
        readonly output: string,
    ) {
        super(`zscaler-mcp ${version} exited with ${code} before it listened:\n${output}`);
    }
}

export interface StartOptions {
    /** The server's container environment, as the program computes it (its port included). */
    env: Record<string, string>;
    /** Zscaler's token endpoint is reached through this proxy, which trusts nothing else. */
    proxy?: InterceptingProxy;
    /** AWS for the server's boto3 (Secrets Manager at boot): the local endpoint's environment. */
    aws?: Record<string, string>;
}

function serverEnvironment(version: string, opts: StartOptions, home: string): NodeJS.ProcessEnv {
    return {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: home,
        // One PID file per instance, so that servers started side by side do not share one.
        ZSCALER_MCP_PID_FILE: path.join(home, `zscaler-mcp-${version}.pid`),
        ...(opts.proxy
            ? {
                  HTTPS_PROXY: opts.proxy.url,
                  HTTP_PROXY: opts.proxy.url,
                  NO_PROXY: "127.0.0.1,localhost",
                  REQUESTS_CA_BUNDLE: opts.proxy.caFile,
              }
            : {}),
        ...opts.aws,
        ...opts.env,
    };
}

function launch(
    version: string,
    opts: StartOptions,
): Promise<{ child: ChildProcess; home: string; output: () => string; exited: Promise<ServerExit> }> {
    return toolDir(`zscaler-mcp-${version}`).then((dir) => {
        const home = fs.mkdtempSync(path.join(os.tmpdir(), `zscaler-mcp-${version}-`));
        const child = spawn(path.join(dir, "bin", "zscaler-mcp"), [], {
            env: serverEnvironment(version, opts, home),
            stdio: ["ignore", "pipe", "pipe"],
        });
        let output = "";
        child.stdout!.on("data", (d) => (output += d));
        child.stderr!.on("data", (d) => (output += d));
        const exited = new Promise<ServerExit>((resolve) => child.once("exit", (code) => resolve({ code, output })));
        return { child, home, output: () => output, exited };
    });
}

/** Starts the server and resolves once it listens; rejects with its output when it exits first. */
export async function startZscalerMcp(version: string, opts: StartOptions): Promise<RunningServer> {
    const port = Number(opts.env.ZSCALER_MCP_PORT);
    const { child, home, output, exited } = await launch(version, opts);
    const stop = async () => {
        if (child.exitCode === null && child.signalCode === null) {
            child.kill("SIGTERM");
            const killer = setTimeout(() => child.kill("SIGKILL"), 5_000);
            await exited;
            clearTimeout(killer);
        }
        fs.rmSync(home, { recursive: true, force: true });
    };
    try {
        await waitForPort(port, exited, 90_000, `zscaler-mcp ${version}`);
    } catch (e) {
        await stop();
        if (child.exitCode !== null) {
            throw new ServerExited(version, child.exitCode, output());
        }
        throw new Error(`${(e as Error).message}\n${output()}`);
    }
    return { version, port, base: `http://127.0.0.1:${port}`, output, stop };
}

/** Runs the server expecting it to refuse to start; resolves with its exit, or rejects if it listens. */
export async function expectRefusal(version: string, opts: StartOptions): Promise<ServerExit> {
    const port = Number(opts.env.ZSCALER_MCP_PORT);
    const { child, home, exited } = await launch(version, opts);
    const listening = waitForPort(port, exited, 90_000, `zscaler-mcp ${version}`).then(
        () => true,
        () => false,
    );
    const result = await Promise.race([exited.then((x) => ({ exit: x })), listening.then((l) => ({ listening: l }))]);
    if ("listening" in result && result.listening) {
        child.kill("SIGKILL");
        await exited;
        fs.rmSync(home, { recursive: true, force: true });
        throw new Error(`zscaler-mcp ${version} started and listened on port ${port}; it was expected to refuse`);
    }
    const exit = await exited;
    fs.rmSync(home, { recursive: true, force: true });
    return exit;
}
