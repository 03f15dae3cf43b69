import { expect } from "chai";
import { ChildProcess, spawn } from "child_process";
import { EventEmitter, once } from "events";
import * as path from "path";
import { PassThrough } from "stream";
import { main } from "../../scripts/cli";
import { sanitize } from "../../scripts/io";
import { defaultConversation, StreamEvent } from "../fakeaws/server";
import { useFakeAws } from "../support/fakeAwsHooks";
import { captureIo, createHarness } from "./support";

const ROOT = path.join(__dirname, "..", "..");

/** An answer that stops after "Let me look" until the test lets it go on (or the client gives up). */
function heldAnswer(): StreamEvent[] {
    return [
        { messageStart: { role: "assistant" } },
        { contentBlockDelta: { contentBlockIndex: 0, delta: { text: "Let me look" } } },
        { $hold: true },
        ...defaultConversation().slice(1),
    ];
}

describe("npm run chat", () => {
    const ctx = useFakeAws();

    describe("with piped input", () => {
        it("keeps one session for the conversation, /new starts another, the end of input leaves", async () => {
            const { arn } = await createHarness();
            const stdin = new PassThrough();
            const io = captureIo({ stdin, pulumi: () => JSON.stringify({ harnessArn: arn, harnessName: "ops_harness" }) });
            const done = main(["chat"], io);
            stdin.end("list my zpa segment groups\n\nand their applications?\n/new\nhello\n/bogus\n");
            expect(await done).to.equal(0);
            const calls = ctx.fake.callsTo("InvokeHarness");
            expect(calls.map((c) => c.input.messages[0].content[0].text)).to.deep.equal([
                "list my zpa segment groups",
                "and their applications?",
                "hello",
            ]);
            const [first, second, third] = calls.map((c) => c.input.runtimeSessionId as string);
            expect(second).to.equal(first);
            expect(third).to.not.equal(first);
            const text = io.out.join("");
            expect(text.split("\n")[0]).to.equal(`Chat with ops_harness (session ${first})`);
            expect(text).to.contain(`New session ${third}\n`);
            expect(
                text.match(
                    /→ tool zpa_list_segment_groups\nYou have 2 segment groups: Finance and Engineering\.\ntokens in 1200, out 34, total 1234 · model latency 2150 ms\n/g,
                ),
            ).to.have.length(3);
            expect(text).to.contain("Unknown command /bogus.");
        });

        it("Ctrl-C cancels the answer in progress, not the chat", async () => {
            const { arn } = await createHarness();
            ctx.fake.invokeQueue.push(heldAnswer());
            const stdin = new PassThrough();
            const interrupts = new EventEmitter();
            const io = captureIo({ stdin, interrupts, pulumi: () => JSON.stringify({ harnessArn: arn }) });
            const done = main(["chat"], io);
            const held = once(ctx.fake.events, "held");
            stdin.write("a slow question\n");
            await held;
            if (!io.out.join("").includes("Let me look")) {
                await once(io.written, "Let me look");
            }
            interrupts.emit("interrupt");
            stdin.end("a quick one\n");
            expect(await done).to.equal(0);
            expect(io.screen.join("")).to.contain("Let me look\nInterrupted.\n");
            expect(io.out.join("")).to.contain("You have 2 segment groups: Finance and Engineering.");
            expect(ctx.fake.callsTo("InvokeHarness")).to.have.length(2);
            expect(interrupts.listenerCount("interrupt")).to.equal(0);
        });

        it("reminds how to leave when Ctrl-C comes between answers", async () => {
            const { arn } = await createHarness();
            const stdin = new PassThrough();
            const interrupts = new EventEmitter();
            const io = captureIo({ stdin, interrupts, pulumi: () => JSON.stringify({ harnessArn: arn }) });
            const done = main(["chat"], io);
            await once(io.written, "Chat with");
            interrupts.emit("interrupt");
            stdin.end();
            expect(await done).to.equal(0);
            expect(io.out.join("")).to.contain("(/exit or Ctrl-D leaves the chat)");
        });
    });

    describe("in a pseudo-terminal", () => {
        interface Terminal {
            child: ChildProcess;
            screen(): string;
            type(keys: string): void;
            until(what: string, test: (screen: string) => boolean): Promise<void>;
            exited: Promise<number | null>;
        }

        /**
         * The chat under util-linux `script`, which gives it a pseudo-terminal and relays keys and
         * output. `script` starts the command through $SHELL; `exec` makes node the only process in
         * the terminal's foreground group, as when a user types the command, whichever shell that
         * is (dash, left waiting, would take the Ctrl-C too and exit 130 after node).
         */
        function terminal(args: string[]): Terminal {
            const command = ["exec", ...[process.execPath, "-r", "tsx/cjs", "scripts/cli.ts", "chat", ...args].map((a) => `'${a}'`)].join(
                " ",
            );
            const child = spawn("script", ["-qefc", command, "/dev/null"], {
                cwd: ROOT,
                env: { ...process.env, ...ctx.fake.env(), SHELL: "/bin/sh", TERM: "xterm-256color", NO_COLOR: "" },
                stdio: ["pipe", "pipe", "pipe"],
            });
            let raw = "";
            const waiters: { test: (s: string) => boolean; resolve: () => void }[] = [];
            const screen = () => sanitize(raw.replace(/\r/g, ""));
            const check = () => {
                for (const w of [...waiters]) {
                    if (w.test(screen())) {
                        waiters.splice(waiters.indexOf(w), 1);
                        w.resolve();
                    }
                }
            };
            child.stdout!.on("data", (d: Buffer) => {
                raw += d.toString("utf8");
                check();
            });
            child.stderr!.on("data", (d: Buffer) => (raw += d.toString("utf8")));
            const exited = new Promise<number | null>((resolve) =>
                child.on("exit", (code) => {
                    resolve(code);
                    check();
                }),
            );
            return {
                child,
                screen,
                type: (keys) => child.stdin!.write(keys),
                until: (what, test) =>
                    new Promise<void>((resolve, reject) => {
                        const timer = setTimeout(() => reject(new Error(`the terminal never showed ${what}:\n${screen()}`)), 15_000);
                        waiters.push({ test, resolve: () => (clearTimeout(timer), resolve()) });
                        check();
                    }),
                exited,
            };
        }

        const count = (s: string, part: string) => s.split(part).length - 1;
        /** The chat waits for a line: its prompt is the last thing on the screen (keys typed before it would be echoed raw). */
        const waiting = (s: string) => s.endsWith("you> ");

        it("edits lines with history, streams answers, cancels one with Ctrl-C and leaves with Ctrl-D", async function () {
            this.timeout(60_000);
            const { arn } = await createHarness();
            const t = terminal(["--harness-arn", arn]);
            try {
                await t.until("the prompt", (s) => s.includes("you> "));
                t.type("list my zpa segment groups\r");
                await t.until("the first answer", (s) => count(s, "tokens in 1200") === 1 && waiting(s));
                // Up arrow: the last line comes back; Enter sends it again.
                t.type("\u001b[A");
                await t.until("the recalled line", (s) => s.slice(s.lastIndexOf("tokens in")).includes("you> list my zpa segment groups"));
                t.type("\r");
                await t.until("the second answer", (s) => count(s, "tokens in 1200") === 2 && waiting(s));

                ctx.fake.invokeQueue.push(heldAnswer());
                t.type("a slow question\r");
                await t.until("the answer so far", (s) => s.includes("Let me look"));
                t.type("\u0003");
                // The terminal itself echoes the key as ^C.
                await t.until("the cancelled answer", (s) => /Let me look(\^C)?\nInterrupted\.\nyou> /.test(s));
                t.type("/new\r");
                await t.until("a new session", (s) => s.includes("New session ") && waiting(s));
                t.type("hello\r");
                await t.until("the answer in the new session", (s) => count(s, "tokens in 1200") === 3 && waiting(s));
                t.type("\u0004");
                await t.until("the end of the chat", () => t.child.exitCode !== null);
                expect(await t.exited).to.equal(0);
            } finally {
                t.child.kill("SIGKILL");
            }
            const sessions = ctx.fake.callsTo("InvokeHarness").map((c) => c.input.runtimeSessionId as string);
            const messages = ctx.fake.callsTo("InvokeHarness").map((c) => c.input.messages[0].content[0].text as string);
            expect(messages).to.deep.equal(["list my zpa segment groups", "list my zpa segment groups", "a slow question", "hello"]);
            expect(new Set(sessions.slice(0, 3)).size).to.equal(1);
            expect(sessions[3]).to.not.equal(sessions[0]);
            expect(t.screen()).to.contain(`New session ${sessions[3]}`);
        });
    });
});
