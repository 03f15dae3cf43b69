import { expect } from "chai";
import { commandRequestMs, realMs, scaledClock } from "../../providers/clock";
import {
    AdoptSpec,
    captureAdoptionWarnings,
    createOrAdopt,
    diffInputs,
    installClock,
    isEcsServiceGone,
    isNotFound,
    isServiceLinkedRoleThrottled,
    isThrottleOrServerError,
    pollDelay,
    stableStringify,
    UNKNOWN,
    waitForStatus,
    withRetries,
} from "../../providers/lifecycle";
import { useAwsSettings } from "../../providers/awsIdentity";
import { fakeClock } from "../fakeaws/server";
import { rejection } from "../support/fakeAwsHooks";

function awsError(name: string, message = name, status = 400): Error {
    return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

describe("lifecycle kit", () => {
    let clock: ReturnType<typeof fakeClock>;
    beforeEach(() => {
        clock = fakeClock(0);
        installClock(clock);
    });
    afterEach(() => installClock(undefined));

    describe("waitForStatus", () => {
        function script(statuses: (string | undefined)[]) {
            let i = 0;
            return async () => {
                const s = statuses[Math.min(i++, statuses.length - 1)];
                return s === undefined ? undefined : { status: s, reasons: `reason of ${s}` };
            };
        }

        it("returns once the target is seen twice in a row, backing off 1 s doubling to 5 s", async () => {
            const item = await waitForStatus({
                resource: "thing",
                read: script(["CREATING", "CREATING", "CREATING", "CREATING", "CREATING", "CREATING", "READY", "READY"]),
                status: (x) => x.status,
                pending: ["CREATING"],
                target: ["READY"],
                timeoutMs: 60_000,
            });
            expect(item).to.deep.equal({ status: "READY", reasons: "reason of READY" });
            expect(clock.slept).to.deep.equal([1000, 2000, 4000, 5000, 5000, 5000, 1000]);
            expect([1, 2, 3, 4, 5, 9].map(pollDelay)).to.deep.equal([1000, 2000, 4000, 5000, 5000, 5000]);
        });

        it("does not accept a target that flips back to pending", async () => {
            await waitForStatus({
                resource: "thing",
                read: script(["READY", "UPDATING", "READY", "READY"]),
                status: (x) => x.status,
                pending: ["UPDATING"],
                target: ["READY"],
                timeoutMs: 60_000,
            });
            expect(clock.slept).to.have.length(3);
        });

        it("fails at once on a status outside pending and target, with the service's reasons", async () => {
            const err = await rejection(
                waitForStatus({
                    resource: 'harness "h"',
                    read: script(["CREATING", "CREATE_FAILED"]),
                    status: (x) => x.status,
                    reasons: (x) => x.reasons,
                    pending: ["CREATING"],
                    target: ["READY"],
                    timeoutMs: 60_000,
                }),
            );
            expect(err.message).to.equal('harness "h" reached status CREATE_FAILED: reason of CREATE_FAILED.');
        });

        it("tolerates a few not-found reads after a create, then gives up", async () => {
            const ok = await waitForStatus({
                resource: "thing",
                read: script([undefined, undefined, "READY", "READY"]),
                status: (x) => x.status,
                pending: [],
                target: ["READY"],
                timeoutMs: 60_000,
            });
            expect(ok!.status).to.equal("READY");
            const err = await rejection(
                waitForStatus({
                    resource: "thing",
                    read: script([undefined]),
                    status: (x) => x.status,
                    pending: [],
                    target: ["READY"],
                    timeoutMs: 60_000,
                }),
            );
            expect(err.message).to.equal("thing disappeared while waiting for READY.");
        });

        it("treats not-found as done while deleting", async () => {
            const gone = await waitForStatus({
                resource: "thing",
                read: script(["DELETING", undefined]),
                status: (x) => x.status,
                pending: ["DELETING"],
                target: [],
                goneIsTarget: true,
                timeoutMs: 60_000,
            });
            expect(gone).to.equal(undefined);
        });

        it("names the last status and reasons at the deadline", async () => {
            const err = await rejection(
                waitForStatus({
                    resource: "gateway g",
                    read: script(["CREATING"]),
                    status: (x) => x.status,
                    reasons: (x) => x.reasons,
                    pending: ["CREATING"],
                    target: ["READY"],
                    timeoutMs: 5 * 60_000,
                }),
            );
            expect(err.message).to.equal(
                "gateway g did not reach READY within 5 min; last status CREATING (reason of CREATING). It stays in the stack: run pulumi up again to repair it.",
            );
            expect(clock.now()).to.be.at.most(5 * 60_000);
        });

        it("keeps polling through throttling but not through other errors", async () => {
            let n = 0;
            const item = await waitForStatus({
                resource: "t",
                read: async () => {
                    n++;
                    if (n <= 2) {
                        throw awsError("ThrottlingException");
                    }
                    return { status: "READY" };
                },
                status: (x) => x.status,
                pending: [],
                target: ["READY"],
                timeoutMs: 60_000,
            });
            expect(item!.status).to.equal("READY");
            const err = await rejection(
                waitForStatus({
                    resource: "t",
                    read: async () => {
                        throw awsError("AccessDeniedException", "nope", 403);
                    },
                    status: () => "x",
                    pending: [],
                    target: ["READY"],
                    timeoutMs: 60_000,
                }),
            );
            expect(err.name).to.equal("AccessDeniedException");
        });
    });

    describe("withRetries", () => {
        it("retries throttling and 5xx with jittered, growing delays", async () => {
            const errors = [awsError("ThrottlingException"), awsError("InternalServerException", "x", 500), awsError("Whatever", "x", 503)];
            const result = await withRetries(
                async () => {
                    const e = errors.shift();
                    if (e) {
                        throw e;
                    }
                    return "done";
                },
                { what: "call" },
            );
            expect(result).to.equal("done");
            expect(clock.slept).to.have.length(3);
            expect(clock.slept[0]).to.be.within(250, 500);
            expect(clock.slept[1]).to.be.within(500, 1000);
            expect(clock.slept[2]).to.be.within(1000, 2000);
        });

        it("fails at once on a name that does not resolve, and gives a resolver that does not answer three attempts", async () => {
            const lookup = (code: string) => Object.assign(new Error(`getaddrinfo ${code} sts.example`), { code, hostname: "sts.example" });
            let calls = 0;
            const missing = await withRetries(
                async () => {
                    calls++;
                    throw lookup("ENOTFOUND");
                },
                { what: "call" },
            ).catch((e: Error) => e);
            expect([calls, (missing as { code?: string }).code]).to.deep.equal([1, "ENOTFOUND"]);
            calls = 0;
            const silent = await withRetries(
                async () => {
                    calls++;
                    throw lookup("EAI_AGAIN");
                },
                { what: "call" },
            ).catch((e: Error) => e);
            expect(calls).to.equal(3);
            expect((silent as Error).message).to.equal("call: still failing after 3 attempts: Error: getaddrinfo EAI_AGAIN sts.example");
        });

        it("retries only the IAM-propagation messages it is given", async () => {
            let calls = 0;
            await withRetries(
                async () => {
                    if (++calls < 3) {
                        throw awsError("ValidationException", "Role validation failed for arn");
                    }
                },
                { what: "create", propagation: [{ name: "ValidationException", message: "Role validation failed" }] },
            );
            expect(calls).to.equal(3);
            const err = await rejection(
                withRetries(
                    async () => {
                        throw awsError("ValidationException", "harnessName is invalid");
                    },
                    { what: "create", propagation: [{ name: "ValidationException", message: "Role validation failed" }] },
                ),
            );
            expect(err.message).to.equal("harnessName is invalid");
            expect(clock.slept).to.have.length(2);
        });

        it("gives throttling as many retries as aws:maxRetries allows, and IAM propagation its whole time limit", async () => {
            useAwsSettings({ maxRetries: 1 });
            try {
                let calls = 0;
                const throttled = await rejection(
                    withRetries(
                        async () => {
                            calls++;
                            throw awsError("ThrottlingException", "Rate exceeded");
                        },
                        { what: "create harness h" },
                    ),
                );
                expect(throttled.message).to.equal("create harness h: still failing after 2 attempts: ThrottlingException: Rate exceeded");
                expect(calls).to.equal(2);
                calls = 0;
                await withRetries(
                    async () => {
                        if (++calls < 6) {
                            throw awsError("ValidationException", "Role validation failed for arn");
                        }
                    },
                    { what: "create", propagation: [{ name: "ValidationException", message: "Role validation failed" }] },
                );
                expect(calls).to.equal(6);
            } finally {
                useAwsSettings({});
            }
        });

        it("stops at the time limit with the last error", async () => {
            const err = await rejection(
                withRetries(
                    async () => {
                        throw awsError("ThrottlingException", "Rate exceeded");
                    },
                    { what: "create harness h", timeoutMs: 30_000 },
                ),
            );
            expect(err.message).to.match(/^create harness h: still failing after \d+ attempts: ThrottlingException: Rate exceeded$/);
            expect(clock.now()).to.be.at.most(30_000);
        });
    });

    describe("errors", () => {
        it("recognises not-found and retryable errors", () => {
            for (const n of ["ResourceNotFoundException", "ServiceNotFoundException", "ServiceNotActiveException"]) {
                expect(isNotFound(awsError(n)), n).to.equal(true);
            }
            expect(isNotFound(awsError("ValidationException"))).to.equal(false);
            expect(isThrottleOrServerError(awsError("TooManyRequestsException"))).to.equal(true);
            expect(isThrottleOrServerError(awsError("ConflictException", "x", 409))).to.equal(false);
        });

        it("tells IAM's throttling of a service-linked role, worded as a quota, from a real quota", () => {
            const slr = "Failed creating service linked role: Rate limit exceeded";
            expect(isServiceLinkedRoleThrottled(awsError("ServiceQuotaExceededException", slr, 402))).to.equal(true);
            // An error the SDK could not name: only the status and the message.
            expect(isServiceLinkedRoleThrottled(awsError("Unknown", slr, 402))).to.equal(true);
            expect(
                isServiceLinkedRoleThrottled(awsError("ServiceQuotaExceededException", "Maximum number of harnesses reached", 402)),
            ).to.equal(false);
            expect(isServiceLinkedRoleThrottled(awsError("ValidationException", "Service linked role is missing", 400))).to.equal(false);
        });

        it("recognises an ECS Express service ECS has forgotten: DescribeExpressGatewayService's InvalidParameterException", () => {
            expect(isEcsServiceGone(awsError("InvalidParameterException", "Resource not found: arn:aws:ecs:..."))).to.equal(true);
            expect(isEcsServiceGone(awsError("ServiceNotFoundException"))).to.equal(true);
            expect(isEcsServiceGone(awsError("InvalidParameterException", "cpu must be one of 256, 512, ..."))).to.equal(false);
            expect(isNotFound(awsError("InvalidParameterException", "Resource not found"))).to.equal(false);
        });
    });

    describe("diffInputs", () => {
        const spec = { createOnly: ["name"], updatable: ["a", "b"], nameField: "name" };

        it("ignores key order and undefined members", () => {
            expect(stableStringify({ b: 1, a: { d: undefined, c: [1, { y: 2, x: 1 }] } })).to.equal('{"a":{"c":[1,{"x":1,"y":2}]},"b":1}');
            const d = diffInputs({ name: "n", a: { x: 1, y: 2 }, b: undefined }, { name: "n", a: { y: 2, x: 1 } }, spec);
            expect(d.changes).to.equal(false);
        });

        it("splits updates from replacements and asks for delete-before-replace only when the name is kept", () => {
            expect(diffInputs({ name: "n", a: 1 }, { name: "n", a: 2 }, spec)).to.deep.include({
                changes: true,
                replaces: [],
                changed: ["a"],
                deleteBeforeReplace: false,
            });
            expect(diffInputs({ name: "n" }, { name: "m" }, spec)).to.deep.include({ replaces: ["name"], deleteBeforeReplace: false });
            const kept = diffInputs({ name: "n", region: "a" }, { name: "n", region: "b" }, { ...spec, createOnly: ["name", "region"] });
            expect(kept).to.deep.include({ replaces: ["region"], deleteBeforeReplace: true });
        });

        it("counts an unknown preview value as a change, even deep inside", () => {
            expect(diffInputs({ name: "n", a: { x: 1 } }, { name: "n", a: { x: UNKNOWN } }, spec).changed).to.deep.equal(["a"]);
        });
    });
});

describe("createOrAdopt", () => {
    const OURS = { "pulumi-project": "p", "pulumi-stack": "dev", "pulumi-stack-id": "id-of-this-stack" };
    type Found = { name: string; tags: Record<string, string>; status?: string };

    /** A spec whose every call is recorded; `over` changes any part. */
    function spec(over: Partial<AdoptSpec<Found, string, string>> & { existing?: Found; createError?: unknown } = {}) {
        const calls: string[] = [];
        const s: AdoptSpec<Found, string, string> = {
            what: 'thing "t"',
            wayOut: "Choose another name.",
            create: async () => {
                calls.push("create");
                if (over.createError) {
                    throw over.createError;
                }
                return "res";
            },
            created: async (res) => `created:${res}`,
            find: async () => {
                calls.push("find");
                return over.existing;
            },
            owner: { tagsOf: async (f) => f.tags, desiredTags: OURS },
            takeOver: async (f, tags) => `adopted:${f.name}:${tags["pulumi-stack"]}`,
            ...over,
        };
        return { s, calls };
    }
    const taken = awsError("ConflictException", "already exists", 409);

    it("creates, and looks nothing up when the name is free", async () => {
        const { s, calls } = spec();
        expect(await createOrAdopt(s)).to.equal("created:res");
        expect(calls).to.deep.equal(["create"]);
    });

    it("rethrows any other error of the create, and the create's own when nothing holds the name after all", async () => {
        const other = awsError("ValidationException", "bad role");
        const a = spec({ createError: other, existing: { name: "t", tags: OURS } });
        expect(await rejection(createOrAdopt(a.s))).to.equal(other);
        expect(a.calls).to.deep.equal(["create"]);
        const b = spec({ createError: taken });
        expect(await rejection(createOrAdopt(b.s))).to.equal(taken);
    });

    it("takes over this stack's own after a name-taken answer, or before creating with lookFirst", async () => {
        const a = spec({ createError: taken, existing: { name: "t", tags: OURS } });
        expect(await createOrAdopt(a.s)).to.equal("adopted:t:dev");
        const b = spec({ lookFirst: true, existing: { name: "t", tags: OURS } });
        expect(await createOrAdopt(b.s)).to.equal("adopted:t:dev");
        expect(b.calls).to.deep.equal(["find"]);
    });

    it("refuses anyone else's, by its tags or by what only this stack's own holds, naming it and the way out", async () => {
        const a = spec({
            createError: taken,
            existing: { name: "t", tags: { "pulumi-project": "p", "pulumi-stack": "prod", "pulumi-stack-id": "id-of-this-stack" } },
        });
        expect((await rejection(createOrAdopt(a.s))).message).to.equal(
            'thing "t" already exists and is not this stack\'s (it has pulumi-project=p, pulumi-stack=prod; this stack is pulumi-project=p, pulumi-stack=dev), ' +
                "so it is left alone. Choose another name.",
        );
        const b = spec({
            createError: taken,
            existing: { name: "t", tags: {} },
            owner: { notOwnBecause: () => "for another client (c1)" },
        });
        expect((await rejection(createOrAdopt(b.s))).message).to.equal(
            'thing "t" already exists for another client (c1), so it is left alone. Choose another name.',
        );
    });

    it("deletes and creates again one whose create failed, and updates one that settled", async () => {
        const removed: string[] = [];
        const settling = (status: string) => ({
            settle: async (f: Found) => ({ ...f, status }),
            createFailed: (f: Found) => f.status === "CREATE_FAILED",
            remove: async (f: Found) => {
                removed.push(f.name);
            },
            recreate: async () => "recreated",
        });
        const failed = spec({ createError: taken, existing: { name: "t", tags: OURS }, settling: settling("CREATE_FAILED") });
        expect(await createOrAdopt(failed.s)).to.equal("recreated");
        expect(removed).to.deep.equal(["t"]);
        const ready = spec({ createError: taken, existing: { name: "t", tags: OURS }, settling: settling("READY") });
        expect(await createOrAdopt(ready.s)).to.equal("adopted:t:dev");
        expect(removed).to.deep.equal(["t"]);
    });

    it("refuses one of another deployment of the same project and stack name: another identity, or none", async () => {
        const anotherBackend = spec({ createError: taken, existing: { name: "t", tags: { ...OURS, "pulumi-stack-id": "id-of-another" } } });
        const wayOut =
            "If that deployment is still in use, give this one another stack name (pulumi stack init <other name>) or other " +
            "resource names (the name config keys); if it is not, delete the resource (or destroy that deployment) and run " +
            "pulumi up again. If it is this stack's own from before a destroy that retained it, tag it with this stack's " +
            "identity and run pulumi up again. Choose another name.";
        expect((await rejection(createOrAdopt(anotherBackend.s))).message).to.equal(
            'thing "t" already exists and belongs to another deployment of the same project and stack name (another backend or ' +
                "Pulumi organization: it has pulumi-stack-id=id-of-another, this stack is pulumi-stack-id=id-of-this-stack), so it " +
                `is left alone. ${wayOut}`,
        );
        expect(anotherBackend.calls).to.deep.equal(["create", "find"]);
        const { "pulumi-stack-id": _id, ...withoutIdentity } = OURS;
        const noIdentity = spec({ lookFirst: true, existing: { name: "t", tags: withoutIdentity } });
        expect((await rejection(createOrAdopt(noIdentity.s))).message).to.equal(
            'thing "t" already exists and belongs to another deployment of the same project and stack name (another backend or ' +
                "Pulumi organization: it has no stack identity, this stack is pulumi-stack-id=id-of-this-stack), so it is left " +
                `alone. ${wayOut}`,
        );
        // Nothing was taken over, created or removed.
        expect(noIdentity.calls).to.deep.equal(["find"]);
    });

    it("replaces its own whose create-only settings differ, with a warning, and takes over one whose do not", async () => {
        const warnings: string[] = [];
        const restore = captureAdoptionWarnings((m) => warnings.push(m));
        try {
            const steps: string[] = [];
            const replacement = (differs: string | undefined) => ({
                differs: () => differs,
                remove: async (f: Found) => {
                    steps.push(`remove ${f.name}`);
                },
                recreate: async () => {
                    steps.push("recreate");
                    return "recreated";
                },
            });
            const other = spec({ createError: taken, existing: { name: "t", tags: OURS }, replacement: replacement("role r1, not r2") });
            expect(await createOrAdopt(other.s)).to.equal("recreated");
            expect(steps).to.deep.equal(["remove t", "recreate"]);
            expect(warnings).to.deep.equal([
                'thing "t" was this stack\'s own but was created with role r1, not r2, which cannot change in place: it is replaced.',
            ]);
            const same = spec({ createError: taken, existing: { name: "t", tags: OURS }, replacement: replacement(undefined) });
            expect(await createOrAdopt(same.s)).to.equal("adopted:t:dev");
            expect(steps).to.have.length(2);
            expect(warnings).to.have.length(1);
            // Another deployment's is refused before anything is compared or removed.
            const foreign = spec({
                createError: taken,
                existing: { name: "t", tags: { ...OURS, "pulumi-stack-id": "x" } },
                replacement: replacement("role r1, not r2"),
            });
            expect((await rejection(createOrAdopt(foreign.s))).message).to.contain("belongs to another deployment");
            expect(steps).to.have.length(2);
        } finally {
            restore();
        }
    });
});

describe("compressed clock", () => {
    afterEach(() => delete process.env.ZSCALER_MCP_TIME_SCALE);

    it("compresses every span, and gives one request of an operator command at least two real seconds", () => {
        const clock = scaledClock(0.005);
        expect(clock.realMs!(30_000)).to.equal(150);
        installClock(undefined);
        process.env.ZSCALER_MCP_TIME_SCALE = "0.005";
        expect(realMs(30_000)).to.equal(150);
        expect(commandRequestMs(600_000)).to.equal(3_000);
        expect(commandRequestMs(30_000)).to.equal(2_000);
        expect(commandRequestMs(500)).to.equal(500);
        delete process.env.ZSCALER_MCP_TIME_SCALE;
        expect(commandRequestMs(30_000)).to.equal(30_000);
    });

    it("leaves a test's own clock in charge of a command's request timeout", () => {
        installClock({ now: () => 0, sleep: async () => undefined, realMs: () => 200 });
        try {
            expect(commandRequestMs(30_000)).to.equal(200);
        } finally {
            installClock(undefined);
        }
    });
});
