/**
 * mitmproxy on 127.0.0.1 with its own CA and the `intercept.py` addon: the Zscaler token endpoint
 * answered here, chosen public names routed to servers on this machine, everything else refused.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

const HERE = __dirname;

/** One environment the server tier needs, by name (`zscaler-mcp-0.15.4`, `mitmproxy`): its directory. */
let tools: Promise<Map<string, string>> | undefined;
export function pythonTools(): Promise<Map<string, string>> {
    tools ??= promisify(execFile)(path.join(HERE, "ensure-python-tools.sh"), [], { maxBuffer: 16 * 1024 * 1024 }).then(
        ({ stdout }) =>
            new Map(
                stdout
                    .trim()
                    .split("\n")
                    .map((line) => line.split(" ", 2) as [string, string]),
            ),
    );
    return tools;
}

export async function toolDir(name: string): Promise<string> {
    const dir = (await pythonTools()).get(name);
    if (!dir) {
        throw new Error(`tests/mcpserver/ensure-python-tools.sh prepared no environment named ${name}`);
    }
    return dir;
}

/** A port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
}

/** Resolves once something accepts connections on 127.0.0.1:port, or rejects when `exited` does first. */
export async function waitForPort(port: number, exited: Promise<unknown>, timeoutMs: number, what: string): Promise<void> {
    let gone = false;
    void exited.then(() => (gone = true));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const open = await new Promise<boolean>((resolve) => {
            const socket = net.connect(port, "127.0.0.1");
            socket.once("connect", () => {
                socket.destroy();
                resolve(true);
            });
            socket.once("error", () => resolve(false));
        });
        if (open) {
            return;
        }
        if (gone) {
            throw new Error(`${what} exited before it listened on port ${port}`);
        }
        if (Date.now() > deadline) {
            throw new Error(`${what} did not listen on port ${port} within ${timeoutMs} ms`);
        }
        await new Promise((r) => setTimeout(r, 100));
    }
}

export interface InterceptLogEntry {
    host: string;
    path: string;
    action: "token" | "routed" | "refused";
    clientId?: string;
    accepted?: boolean;
    to?: string;
}

export interface InterceptingProxy {
    /** `http://127.0.0.1:<port>`, for HTTPS_PROXY. */
    url: string;
    /** The proxy's CA certificate (PEM), for REQUESTS_CA_BUNDLE or NODE_EXTRA_CA_CERTS. */
    caFile: string;
    /** What the proxy was asked for, oldest first. */
    log(): InterceptLogEntry[];
    stop(): Promise<void>;
}

export interface InterceptOptions {
    /** Zscaler client credentials the token endpoint accepts, as `id:secret`. */
    accept?: string[];
    /** Host regular expression -> `http://127.0.0.1:<port>`. */
    routes?: Record<string, string>;
}

export async function startInterceptingProxy(opts: InterceptOptions = {}): Promise<InterceptingProxy> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "intercept-"));
    const logFile = path.join(dir, "requests.jsonl");
    const port = await freePort();
    const mitmdump = path.join(await toolDir("mitmproxy"), "bin", "mitmdump");
    const child: ChildProcess = spawn(
        mitmdump,
        [
            "--quiet",
            "--listen-host",
            "127.0.0.1",
            "--listen-port",
            String(port),
            "--set",
            `confdir=${dir}`,
            "--set",
            "connection_strategy=lazy",
            "-s",
            path.join(HERE, "intercept.py"),
        ],
        {
            env: {
                PATH: process.env.PATH ?? "/usr/bin:/bin",
                HOME: dir,
                INTERCEPT_ACCEPT: JSON.stringify(opts.accept ?? []),
                INTERCEPT_ROUTES: JSON.stringify(opts.routes ?? {}),
                INTERCEPT_LOG: logFile,
            },
            stdio: ["ignore", "pipe", "pipe"],
        },
    );
    let output = "";
    child.stdout!.on("data", (d) => (output += d));
    child.stderr!.on("data", (d) => (output += d));
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
        await waitForPort(port, exited, 60_000, "mitmdump");
    } catch (e) {
        child.kill("SIGKILL");
        throw new Error(`${(e as Error).message}\n${output}`);
    }
    return {
        url: `http://127.0.0.1:${port}`,
        caFile: path.join(dir, "mitmproxy-ca-cert.pem"),
        log: () =>
            fs.existsSync(logFile)
                ? fs
                      .readFileSync(logFile, "utf8")
                      .split("\n")
                      .filter(Boolean)
                      .map((l) => JSON.parse(l) as InterceptLogEntry)
                : [],
        stop: async () => {
            if (child.exitCode === null) {
                child.kill("SIGTERM");
                await exited;
            }
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}
