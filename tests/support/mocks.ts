/**
 * Strict Pulumi mocks: every resource is recorded with its inputs (secret values keep Pulumi's
 * secret wrapper, so tests can tell a secret from plaintext), realistic ids and ARNs come back,
 * and any invoke the tests did not expect fails the run.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ACCOUNT, arn, REGION, roleArn, secretArn, userArn } from "./awsConstants";

export { ACCOUNT };
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export interface Registered {
    type: string;
    name: string;
    inputs: Record<string, any>;
    custom: boolean;
    retainOnDelete: boolean;
    /** URNs this resource depends on, as the engine would order them. */
    dependencies: string[];
}

// The mock monitor drops resource options; capture the ones the tests check from the request.
interface CapturedOptions {
    retainOnDelete: boolean;
    dependencies: string[];
    additionalSecretOutputs: string[];
    /** Parent URNs of the aliases the resource was registered with. */
    aliasParents: string[];
    /** The id given with the import option ("" for none). */
    importId: string;
    deleteBeforeReplace: boolean;
}
const registered = new Map<string, CapturedOptions>();
const mocksModule = require("@pulumi/pulumi/runtime/mocks") as { MockMonitor: { prototype: Record<string, any> } };
const originalRegister = mocksModule.MockMonitor.prototype.registerResource;
mocksModule.MockMonitor.prototype.registerResource = function (req: any, callback: any) {
    registered.set(`${req.getType()}::${req.getName()}`, {
        retainOnDelete: req.getRetainondelete() === true,
        dependencies: req.getDependenciesList(),
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
        aliasParents: req
            .getAliasesList()
            .map((a: any) => a.getSpec?.()?.getParenturn?.() ?? "")
            .filter(Boolean),
        importId: req.getImportid(),
        deleteBeforeReplace: req.getDeletebeforereplace() === true,
    });
    return originalRegister.call(this, req, callback);
};

export interface ProgramRun {
    resources: Registered[];
    invokes: { token: string; inputs: any }[];
    outputs: Record<string, unknown>;
    warnings: string[];
}

export function isSecretWrapper(v: unknown): v is { value: unknown } {
    return !!v && typeof v === "object" && (v as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG;
}

const outputModule = require("@pulumi/pulumi/output") as { isUnknown(v: unknown): boolean };
const UNKNOWN_WIRE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Replaces the values a preview does not know yet with the marker the engine sends providers in their place. */
export function unknownsAsWire(v: any): any {
    if (outputModule.isUnknown(v)) {
        return UNKNOWN_WIRE;
    }
    if (isSecretWrapper(v)) {
        return { ...v, value: unknownsAsWire(v.value) };
    }
    if (Array.isArray(v)) {
        return v.map(unknownsAsWire);
    }
    if (v && typeof v === "object") {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unknownsAsWire(x)]));
    }
    return v;
}

/** Removes secret wrappers, for assertions on the values. */
export function unwrap(v: any): any {
    if (isSecretWrapper(v)) {
        return unwrap(v.value);
    }
    if (Array.isArray(v)) {
        return v.map(unwrap);
    }
    if (v && typeof v === "object") {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x)]));
    }
    return v;
}

/** Paths where `needle` appears outside any secret wrapper. */
export function plaintextOccurrences(v: unknown, needle: string, at = "$"): string[] {
    if (isSecretWrapper(v)) {
        return [];
    }
    if (typeof v === "string") {
        return v.includes(needle) ? [at] : [];
    }
    if (Array.isArray(v)) {
        return v.flatMap((x, i) => plaintextOccurrences(x, needle, `${at}[${i}]`));
    }
    if (v && typeof v === "object") {
        return Object.entries(v).flatMap(([k, x]) => plaintextOccurrences(x, needle, `${at}.${k}`));
    }
    return [];
}

/** Resource options the engine would see, captured from the registration request. */
export function registrationOptions(type: string, name: string): CapturedOptions {
    return (
        registered.get(`${type}::${name}`) ?? {
            retainOnDelete: false,
            dependencies: [],
            additionalSecretOutputs: [],
            aliasParents: [],
            importId: "",
            deleteBeforeReplace: false,
        }
    );
}

export function mockState(
    type: string,
    name: string,
    inputs: Record<string, any>,
    region: string,
): { id: string; state: Record<string, any> } {
    const i = unwrap(inputs);
    const suffix = "a1b2c3d4e5";
    switch (type) {
        case "pulumi:providers:aws":
            return { id: `${name}-provider`, state: inputs };
        case "aws:iam/role:Role":
            // IAM puts the role's path in its ARN: arn:aws:iam::<account>:role/<path without the leading />name.
            return {
                id: `${name}-${suffix}`,
                state: { ...inputs, name: `${name}-${suffix}`, arn: roleArn(`${(i.path ?? "/").slice(1)}${name}-${suffix}`) },
            };
        case "aws:iam/rolePolicy:RolePolicy":
        case "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
        case "aws:cognito/resourceServer:ResourceServer":
            return { id: `${name}-id`, state: inputs };
        case "aws:secretsmanager/secret:Secret": {
            const n = `${i.namePrefix}${suffix}`;
            return { id: n, state: { ...inputs, name: n, arn: secretArn(`${n}-AbCdEf`, { region }) } };
        }
        case "aws:secretsmanager/secretVersion:SecretVersion":
            return {
                id: `${name}-version`,
                state: { ...inputs, versionId: "1c2d3e4f-0000-4a5b-8c9d-0123456789ab", versionStages: ["AWSCURRENT"] },
            };
        case "aws:ecs/cluster:Cluster":
            return { id: i.name, state: { ...inputs, arn: arn("ecs", `cluster/${i.name}`, { region }) } };
        case "aws:cloudwatch/logGroup:LogGroup":
            return { id: i.name, state: { ...inputs, arn: arn("logs", `log-group:${i.name}`, { region }) } };
        case "aws:cognito/userPool:UserPool":
            return { id: `${region}_AbCdEf123`, state: { ...inputs, arn: arn("cognito-idp", `userpool/${region}_AbCdEf123`, { region }) } };
        case "aws:cognito/userPoolClient:UserPoolClient":
            return { id: "3n4b5c6d7e8f9g0h1i2j3k4l5m", state: { ...inputs, clientSecret: COGNITO_CLIENT_SECRET } };
        case "aws:cognito/userPoolDomain:UserPoolDomain":
            return { id: i.domain, state: inputs };
        case "pulumi-nodejs:dynamic/agentcore:Harness": {
            const id = `${i.harnessName}-AbCdE12345`;
            return {
                id,
                state: {
                    ...inputs,
                    harnessId: id,
                    arn: arn("bedrock-agentcore", `harness/${id}`, { region }),
                    status: "READY",
                    runtimeId: `harness_${i.harnessName}-r1`,
                },
            };
        }
        case "pulumi-nodejs:dynamic/agentcore:ApiKeyCredentialProvider":
            return {
                id: i.name,
                state: {
                    ...inputs,
                    credentialProviderArn: arn("bedrock-agentcore", `token-vault/default/apikeycredentialprovider/${i.name}`, { region }),
                    apiKeySecretArn: secretArn(`bedrock-agentcore-identity!default/apikey/${i.name}`, { region }),
                },
            };
        case "pulumi-nodejs:dynamic/agentcore:Oauth2CredentialProvider":
            return {
                id: i.name,
                state: {
                    ...inputs,
                    credentialProviderArn: arn("bedrock-agentcore", `token-vault/default/oauth2credentialprovider/${i.name}`, { region }),
                    clientSecretArn: secretArn(`bedrock-agentcore-identity!default/oauth2/${i.name}-Gh5Jk7`, { region }),
                },
            };
        case "pulumi-nodejs:dynamic/ecs:ExpressGatewayService": {
            const endpoint = `zs-ab12cd34.ecs.${region}.on.aws`;
            return {
                id: arn("ecs", `service/${i.cluster}/${i.serviceName}`, { region }),
                state: {
                    ...inputs,
                    serviceArn: arn("ecs", `service/${i.cluster}/${i.serviceName}`, { region }),
                    endpoint,
                    url: `https://${endpoint}`,
                    mcpUrl: `https://${endpoint}/mcp`,
                    status: "ACTIVE",
                    allowedHostsValue:
                        i.hostValidation === "disabled"
                            ? ""
                            : [endpoint, "127.0.0.1:*", "localhost:*", ...(i.allowedHosts ?? [])].join(","),
                },
            };
        }
        case "pulumi-nodejs:dynamic/ecs:ExpressGatewayServiceRollout":
            return { id: `${i.serviceArn}/allow-list`, state: { ...inputs, status: "ACTIVE" } };
        case "pulumi-nodejs:dynamic/agentcore:AgentRuntime": {
            const id = `${i.agentRuntimeName}-k9j8h7g6f5`;
            const runtimeArn = arn("bedrock-agentcore", `runtime/${id}`, { region });
            return {
                id,
                state: {
                    ...inputs,
                    agentRuntimeId: id,
                    agentRuntimeArn: runtimeArn,
                    agentRuntimeVersion: "1",
                    status: "READY",
                    invocationUrl: `https://bedrock-agentcore.${region}.amazonaws.com/runtimes/${encodeURIComponent(runtimeArn)}/invocations?qualifier=DEFAULT`,
                },
            };
        }
        case "pulumi-nodejs:dynamic/agentcore:AgentRuntimeReady":
            return { id: `${i.agentRuntimeId}/ready`, state: { ...inputs, status: "READY", agentRuntimeVersion: "1" } };
        case "pulumi-nodejs:dynamic/agentcore:Gateway": {
            const id = `${String(i.name).toLowerCase()}-q1w2e3r4t5`;
            return {
                id,
                state: {
                    ...inputs,
                    gatewayId: id,
                    gatewayArn: arn("bedrock-agentcore", `gateway/${id}`, { region }),
                    gatewayUrl: `https://${id}.gateway.bedrock-agentcore.${region}.amazonaws.com/mcp`,
                    status: "READY",
                },
            };
        }
        case "pulumi-nodejs:dynamic/mcp:ToolCheck": {
            const { authorization: _a, clientSecret: _c, ...plain } = inputs;
            return {
                id: `${i.kind}:${i.url}`,
                state: {
                    ...plain,
                    serverName: "zscaler-mcp",
                    serverVersion: "0.15.4",
                    protocolVersion: "2025-06-18",
                    toolCount: 42,
                    credentialsDigest: "d1g3st",
                },
            };
        }
        case "pulumi-nodejs:dynamic/stack:StackIdentity":
            return { id: MOCK_STACK_ID, state: { ...inputs, stackId: MOCK_STACK_ID } };
        case "pulumi-nodejs:dynamic/agentcore:GatewayTarget":
            return { id: `${i.gatewayId}/TGT1234567`, state: { ...inputs, targetId: "TGT1234567", status: "READY" } };
        default:
            if (type.startsWith("zscaler-mcp:")) {
                return { id: "", state: {} };
            }
            throw new Error(`unexpected resource type ${type} (${name})`);
    }
}

/** The identity the mocked stack's StackIdentity is given. */
export const MOCK_STACK_ID = "0123456789abcdef0123456789abcdef";

export const COGNITO_CLIENT_SECRET = "cognito-generated-client-secret-0123456789";

export interface RunOptions {
    config: Record<string, string>;
    secretKeys?: string[];
    stack?: string;
    /** Answers for the invokes the test expects: token -> result. */
    invokes?: Record<string, (inputs: any) => Record<string, unknown>>;
}

export interface ExecuteOptions {
    config: Record<string, string>;
    /** Run as `pulumi preview` does: computed outputs of new and updated resources are unknown. */
    preview?: boolean;
    secretKeys?: string[];
    stack?: string;
    mocks: pulumi.runtime.Mocks;
    /** Settles once every resource registration the program started has finished. */
    settled?: () => Promise<void>;
}

export const PROJECT = "zscaler-mcp-harness";

/**
 * Runs the real index.ts under the given mocks with this stack configuration; returns the stack
 * outputs, or the program's error, and the warnings it logged.
 */
export async function executeProgram(
    opts: ExecuteOptions,
): Promise<{ outputs: Record<string, unknown>; warnings: string[]; error?: Error }> {
    const warnings: string[] = [];
    const outputs: Record<string, unknown> = {};
    await pulumi.runtime.setMocks(opts.mocks, PROJECT, opts.stack ?? "dev", opts.preview ?? false);
    const full: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.config)) {
        full[k.includes(":") ? k : `${PROJECT}:${k}`] = v;
    }
    const secretKeys = (opts.secretKeys ?? []).map((k) => (k.includes(":") ? k : `${PROJECT}:${k}`));
    pulumi.runtime.setAllConfig(full, secretKeys);
    // As the language host hands them to a program.
    process.env.PULUMI_CONFIG_SECRET_KEYS = JSON.stringify(secretKeys);
    const originalWarn = pulumi.log.warn;
    (pulumi.log as any).warn = (msg: string) => {
        warnings.push(msg);
        return Promise.resolve();
    };
    let error: Error | undefined;
    // A failed registration rejects the outputs of everything that depends on it; the engine
    // reports those as one failed update, and so do we, instead of crashing the test process.
    const onRejection = (e: unknown) => {
        error = error ?? (e as Error);
    };
    process.on("unhandledRejection", onRejection);
    try {
        const indexPath = path.join(__dirname, "..", "..", "index.ts");
        delete require.cache[require.resolve(indexPath)];
        // The program exports its outputs once it has read what it must read first (a promise).
        const exported = (await require(indexPath)) as Record<string, unknown>;
        if (opts.settled) {
            // With live providers a registration can fail; outputs that depend on it never
            // settle under mocks, so wait for the registrations instead, then take what resolved.
            await opts.settled();
        }
        for (const [k, v] of Object.entries(exported)) {
            try {
                const value = pulumi.Output.isInstance(v) ? (v as any).promise() : Promise.resolve(v);
                outputs[k] = opts.settled
                    ? await Promise.race([value, new Promise((r) => setTimeout(() => r(undefined), 50))])
                    : await value;
            } catch (e) {
                error = error ?? (e as Error);
            }
        }
    } catch (e) {
        error = e as Error;
    } finally {
        if (opts.settled) {
            // Every registration has finished; Pulumi's own RPC counter never drains after a
            // failed registration under mocks, so it is not waited on here.
            await opts.settled();
        } else {
            await (require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> }).waitForRPCs().catch((e: Error) => {
                error = error ?? e;
            });
        }
        (pulumi.log as any).warn = originalWarn;
        await new Promise((r) => setImmediate(r));
        process.off("unhandledRejection", onRejection);
    }
    return { outputs, warnings, error };
}

/** Runs the real index.ts under strict mocks and waits for every registration. */
export async function runProgram(opts: RunOptions): Promise<ProgramRun> {
    const run: ProgramRun = { resources: [], invokes: [], outputs: {}, warnings: [] };
    const region = opts.config["aws:region"] ?? REGION;
    const invokes = { ...DEFAULT_INVOKES, ...opts.invokes };
    const result = await executeProgram({
        config: opts.config,
        secretKeys: opts.secretKeys,
        stack: opts.stack,
        mocks: {
            newResource(args) {
                const { retainOnDelete, dependencies } = registrationOptions(args.type, args.name);
                run.resources.push({
                    type: args.type,
                    name: args.name,
                    inputs: args.inputs,
                    custom: args.custom ?? true,
                    retainOnDelete,
                    dependencies,
                });
                return mockState(args.type, args.name, args.inputs, region);
            },
            call(args) {
                run.invokes.push({ token: args.token, inputs: args.inputs });
                return strictInvoke(invokes, args.token, args.inputs);
            },
        },
    });
    if (result.error) {
        throw result.error;
    }
    run.outputs = result.outputs;
    run.warnings = result.warnings;
    return run;
}

/** The current value of an external secret in these tests: every credential key the server needs. */
export const EXTERNAL_SECRET_VALUE = {
    ZSCALER_CLIENT_ID: "external-client",
    ZSCALER_CLIENT_SECRET: "external-client-secret-5d6e7f",
    ZSCALER_CUSTOMER_ID: "external-customer",
    ZSCALER_VANITY_DOMAIN: "external",
};
export const EXTERNAL_SECRET_VERSION = "9f8e7d6c-0000-4b3a-9c2d-fedcba987654";

export const DEFAULT_INVOKES: Record<string, (inputs: any) => Record<string, unknown>> = {
    // A new stack: its ECS log group is not in the account yet.
    "aws:cloudwatch/getLogGroup:getLogGroup": (i: any) => {
        throw new Error(`reading CloudWatch Logs Log Group (${i.name}): couldn't find resource`);
    },
    "aws:index/getCallerIdentity:getCallerIdentity": () => ({ accountId: ACCOUNT, arn: userArn("deployer"), userId: "AIDA" }),
    "aws:secretsmanager/getSecretVersion:getSecretVersion": (i: any) => ({
        arn: i.secretId,
        id: `${i.secretId}|AWSCURRENT`,
        secretId: i.secretId,
        secretString: JSON.stringify(EXTERNAL_SECRET_VALUE),
        versionId: EXTERNAL_SECRET_VERSION,
        versionStages: ["AWSCURRENT"],
    }),
};

/** Answers an invoke the test expects; any other fails the run. */
export function strictInvoke(
    invokes: Record<string, (inputs: any) => Record<string, unknown>>,
    token: string,
    inputs: any,
): Record<string, unknown> {
    const answer = invokes[token];
    if (!answer) {
        throw new Error(`unexpected invoke ${token}`);
    }
    return answer(inputs);
}

export function byType(run: ProgramRun, type: string): Registered[] {
    return run.resources.filter((r) => r.type === type);
}

export function one(run: ProgramRun, type: string, nameSuffix?: string): Registered {
    const found = byType(run, type).filter((r) => nameSuffix === undefined || r.name.endsWith(nameSuffix));
    if (found.length !== 1) {
        throw new Error(`expected one ${type}${nameSuffix ? ` named *${nameSuffix}` : ""}, found ${found.length}`);
    }
    return found[0];
}
