/**
 * The AgentCore control plane (rest-json): harnesses, agent runtimes, gateways and their targets,
 * API-key and OAuth2 credential providers, and their tags. Resources move through their real
 * statuses on the endpoint's clock, and fail where a test queued a failure.
 */
import { arn, secretArn } from "../../support/awsConstants";
import { Handler, ServiceDef, ServiceHost } from "../core/endpoint";
import { rand } from "../core/ids";
import { AwsError, Rec, ts } from "../core/types";
import { loadModel } from "../model";

/** The error AgentCore answers for an operation the endpoint does not implement. */
export function notImplemented(op: string): AwsError {
    return new AwsError("UnknownOperationException", `The local endpoint does not implement ${op}`, 501);
}

export function agentcoreControl(host: ServiceHost): ServiceDef {
    const { fake } = host;
    const where = { region: fake.region };
    const notFound = (what: string) => () => new AwsError("ResourceNotFoundException", `${what} not found`, 404);

    function readApiKeyProvider(op: string, input: Record<string, any>): unknown {
        const rec = host.get("apikey", input.name, notFound(`Credential provider ${input.name}`));
        if (op === "UpdateApiKeyCredentialProvider") {
            rec.data.apiKey = input.apiKey;
            rec.updatedAt = fake.clock.now();
        }
        return {
            name: rec.name,
            credentialProviderArn: rec.arn,
            apiKeySecretArn: { secretArn: rec.data.apiKeySecretArn },
            createdTime: ts(rec.createdAt),
            lastUpdatedTime: ts(rec.updatedAt),
        };
    }

    function onGatewayTarget(op: string, input: Record<string, any>): unknown {
        const rec = fake
            .list("target")
            .find(
                (t) =>
                    t.id === input.targetId &&
                    (t.data.gatewayId === input.gatewayIdentifier || t.data.gatewayArn === input.gatewayIdentifier),
            );
        if (!rec) {
            throw new AwsError("ResourceNotFoundException", `Target ${input.targetId} not found`, 404);
        }
        if (op === "UpdateGatewayTarget") {
            const { gatewayIdentifier: _g, targetId: _t, ...rest } = input;
            rec.data = { ...rec.data, ...rest };
            host.startTransition(rec, "UPDATING", "READY", fake.durations.target, false);
        } else if (op === "DeleteGatewayTarget") {
            rec.status = "DELETING";
            const failure = host.takeDeleteFailure("target");
            rec.transition = failure
                ? { until: fake.clock.now() + fake.durations.target, next: "FAILED", reasons: failure }
                : { until: fake.clock.now() + fake.durations.target, next: "GONE" };
            return { gatewayArn: rec.data.gatewayArn, targetId: rec.id, status: "DELETING" };
        }
        return targetView(rec);
    }

    function tagResource(op: string, input: Record<string, any>): unknown {
        const rec = fake.list().find((x) => x.arn === input.resourceArn);
        if (!rec) {
            throw new AwsError("ResourceNotFoundException", `${input.resourceArn} not found`, 404);
        }
        const tags = { ...(rec.data.tags ?? {}) };
        if (op === "TagResource") {
            Object.assign(tags, input.tags);
        } else {
            for (const k of input.tagKeys as string[]) {
                delete tags[k];
            }
        }
        rec.data.tags = tags;
        return {};
    }

    const handlers: Record<string, Handler> = {
        // Harness
        CreateHarness: (input) => {
            host.ensureUniqueName("harness", input.harnessName);
            const id = `${input.harnessName}-${rand(10, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")}`;
            const runtimeId = `harness_${input.harnessName}-${rand(10)}`.slice(0, 48);
            const rec = host.add("harness", id, input.harnessName, arn("bedrock-agentcore", `harness/${id}`, where), {
                ...input,
                runtimeId,
            });
            host.startTransition(rec, "CREATING", "READY", fake.durations.harness, true);
            return { harness: harnessView(rec) };
        },
        GetHarness: (input) => {
            return { harness: harnessView(host.get("harness", input.harnessId, notFound(`Harness ${input.harnessId}`))) };
        },
        UpdateHarness: (input) => {
            const rec = host.get("harness", input.harnessId, notFound(`Harness ${input.harnessId}`));
            if (rec.status !== "READY" && rec.status !== "UPDATE_FAILED" && rec.status !== "CREATE_FAILED") {
                throw new AwsError("ConflictException", `Harness is ${rec.status}`, 409);
            }
            for (const [k, v] of Object.entries(input)) {
                if (k === "harnessId" || k === "clientToken" || v === undefined) {
                    continue;
                }
                // Updated*Configuration wrappers carry the new value in optionalValue.
                rec.data[k] = v && typeof v === "object" && "optionalValue" in v ? v.optionalValue : v;
            }
            host.startTransition(rec, "UPDATING", "READY", fake.durations.harness, false);
            return { harness: harnessView(rec) };
        },
        DeleteHarness: (input) => {
            const rec = host.get("harness", input.harnessId, notFound(`Harness ${input.harnessId}`));
            rec.status = "DELETING";
            rec.transition = { until: fake.clock.now() + fake.durations.harness, next: "GONE" };
            return { harness: harnessView(rec) };
        },
        ListHarnesses: () => {
            return {
                harnesses: fake.list("harness").map((h) => ({
                    harnessId: h.id,
                    harnessName: h.name,
                    arn: h.arn,
                    status: h.status,
                    createdAt: ts(h.createdAt),
                    updatedAt: ts(h.updatedAt),
                })),
            };
        },

        // API-key credential provider
        CreateApiKeyCredentialProvider: (input) => {
            host.ensureUniqueName("apikey", input.name);
            const providerArn = arn("bedrock-agentcore", `token-vault/default/apikeycredentialprovider/${input.name}`, where);
            const rec = host.add("apikey", input.name, input.name, providerArn, {
                apiKey: input.apiKey,
                tags: input.tags,
                apiKeySecretArn: secretArn(`bedrock-agentcore-identity!default/apikey/${input.name}-${rand(6)}`, where),
            });
            rec.status = "READY";
            return { name: input.name, credentialProviderArn: providerArn, apiKeySecretArn: { secretArn: rec.data.apiKeySecretArn } };
        },
        GetApiKeyCredentialProvider: (input) => readApiKeyProvider("GetApiKeyCredentialProvider", input),
        UpdateApiKeyCredentialProvider: (input) => readApiKeyProvider("UpdateApiKeyCredentialProvider", input),
        DeleteApiKeyCredentialProvider: (input) => {
            const rec = host.get("apikey", input.name, notFound(`Credential provider ${input.name}`));
            fake.resources.delete(`apikey:${rec.id}`);
            return {};
        },

        // OAuth2 credential provider
        CreateOauth2CredentialProvider: (input) => {
            host.ensureUniqueName("oauth2", input.name);
            const providerArn = arn("bedrock-agentcore", `token-vault/default/oauth2credentialprovider/${input.name}`, where);
            const rec = host.add("oauth2", input.name, input.name, providerArn, {
                vendor: input.credentialProviderVendor,
                config: input.oauth2ProviderConfigInput,
                clientSecretArn: secretArn(`bedrock-agentcore-identity!default/oauth2/${input.name}-${rand(6)}`, where),
                tags: input.tags,
            });
            rec.status = "READY";
            return oauthView(rec);
        },
        GetOauth2CredentialProvider: (input) => {
            return oauthView(host.get("oauth2", input.name, notFound(`Credential provider ${input.name}`)));
        },
        UpdateOauth2CredentialProvider: (input) => {
            const rec = host.get("oauth2", input.name, notFound(`Credential provider ${input.name}`));
            if (input.credentialProviderVendor !== rec.data.vendor) {
                throw new AwsError("ValidationException", "credentialProviderVendor cannot be changed");
            }
            rec.data.config = input.oauth2ProviderConfigInput;
            rec.updatedAt = fake.clock.now();
            return oauthView(rec);
        },
        DeleteOauth2CredentialProvider: (input) => {
            const rec = host.get("oauth2", input.name, notFound(`Credential provider ${input.name}`));
            fake.resources.delete(`oauth2:${rec.id}`);
            return {};
        },

        // Agent runtime
        CreateAgentRuntime: (input) => {
            host.ensureUniqueName("runtime", input.agentRuntimeName);
            const id = `${input.agentRuntimeName}-${rand(10)}`;
            const rec = host.add("runtime", id, input.agentRuntimeName, arn("bedrock-agentcore", `runtime/${id}`, where), {
                ...input,
                version: 1,
            });
            host.startTransition(rec, "CREATING", "READY", fake.durations.runtime, true);
            return {
                agentRuntimeArn: rec.arn,
                agentRuntimeId: id,
                agentRuntimeVersion: "1",
                createdAt: ts(rec.createdAt),
                status: rec.status,
            };
        },
        GetAgentRuntime: (input) => {
            return runtimeView(host.get("runtime", input.agentRuntimeId, notFound(`Runtime ${input.agentRuntimeId}`)));
        },
        UpdateAgentRuntime: (input) => {
            const rec = host.get("runtime", input.agentRuntimeId, notFound(`Runtime ${input.agentRuntimeId}`));
            if (rec.status !== "READY" && rec.status !== "UPDATE_FAILED") {
                throw new AwsError("ConflictException", `Runtime is ${rec.status}`, 409);
            }
            const { agentRuntimeId: _id, clientToken: _t, ...rest } = input;
            // An update replaces the whole configuration and makes a new version.
            // Tags are not part of the configuration: they survive, as on AWS.
            rec.data = { agentRuntimeName: rec.name, ...rest, version: rec.data.version + 1, tags: rec.data.tags };
            host.startTransition(rec, "UPDATING", "READY", fake.durations.runtime, false);
            const v = runtimeView(rec);
            return {
                agentRuntimeArn: v.agentRuntimeArn,
                agentRuntimeId: v.agentRuntimeId,
                agentRuntimeVersion: v.agentRuntimeVersion,
                createdAt: v.createdAt,
                lastUpdatedAt: v.lastUpdatedAt,
                status: v.status,
            };
        },
        DeleteAgentRuntime: (input) => {
            const rec = fake.find("runtime", input.agentRuntimeId);
            if (!rec) {
                // AgentCore answers a missing runtime id with AccessDenied, not NotFound.
                throw new AwsError(
                    "AccessDeniedException",
                    `User is not authorized to perform: bedrock-agentcore:DeleteAgentRuntime on resource ${input.agentRuntimeId}`,
                    403,
                );
            }
            rec.status = "DELETING";
            rec.transition = { until: fake.clock.now() + fake.durations.runtime, next: "GONE" };
            return { agentRuntimeId: rec.id, status: "DELETING" };
        },

        // Gateway
        CreateGateway: (input) => {
            host.ensureUniqueName("gateway", input.name);
            const id = `${String(input.name).toLowerCase()}-${rand(10)}`;
            const rec = host.add("gateway", id, input.name, arn("bedrock-agentcore", `gateway/${id}`, where), {
                ...input,
                gatewayUrl: `https://${id}.gateway.bedrock-agentcore.${fake.region}.amazonaws.com/mcp`,
            });
            host.startTransition(rec, "CREATING", "READY", fake.durations.gateway, true);
            return gatewayView(rec);
        },
        GetGateway: (input) => {
            return gatewayView(host.get("gateway", input.gatewayIdentifier, notFound(`Gateway ${input.gatewayIdentifier}`)));
        },
        UpdateGateway: (input) => {
            const rec = host.get("gateway", input.gatewayIdentifier, notFound(`Gateway ${input.gatewayIdentifier}`));
            if (input.name !== rec.name) {
                throw new AwsError("ValidationException", "Gateway name cannot be changed");
            }
            const { gatewayIdentifier: _g, ...rest } = input;
            rec.data = { ...rest, gatewayUrl: rec.data.gatewayUrl, tags: rec.data.tags };
            host.startTransition(rec, "UPDATING", "READY", fake.durations.gateway, false);
            return gatewayView(rec);
        },
        DeleteGateway: (input) => {
            const rec = host.get("gateway", input.gatewayIdentifier, notFound(`Gateway ${input.gatewayIdentifier}`));
            const targets = fake.list("target").filter((t) => t.data.gatewayId === rec.id);
            if (targets.length > 0) {
                throw new AwsError(
                    "ConflictException",
                    `Gateway ${rec.id} has ${targets.length} target(s); delete them before deleting the gateway`,
                    409,
                );
            }
            rec.status = "DELETING";
            rec.transition = { until: fake.clock.now() + fake.durations.gateway, next: "GONE" };
            return { gatewayId: rec.id, status: "DELETING" };
        },

        // Gateway target
        CreateGatewayTarget: (input) => {
            const gw = host.get("gateway", input.gatewayIdentifier, notFound(`Gateway ${input.gatewayIdentifier}`));
            host.ensureUniqueName("target", input.name, (t) => t.data.gatewayId === gw.id);
            const id = rand(10, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
            const rec = host.add("target", id, input.name, `${gw.arn}/target/${id}`, { ...input, gatewayId: gw.id, gatewayArn: gw.arn });
            host.startTransition(rec, "CREATING", "READY", fake.durations.target, true);
            return targetView(rec);
        },
        GetGatewayTarget: (input) => onGatewayTarget("GetGatewayTarget", input),
        UpdateGatewayTarget: (input) => onGatewayTarget("UpdateGatewayTarget", input),
        DeleteGatewayTarget: (input) => onGatewayTarget("DeleteGatewayTarget", input),
        ListGatewayTargets: (input) => {
            return {
                items: fake
                    .list("target")
                    .filter((t) => t.data.gatewayId === input.gatewayIdentifier)
                    .map((t) => ({
                        targetId: t.id,
                        name: t.name,
                        status: t.status,
                        createdAt: ts(t.createdAt),
                        updatedAt: ts(t.updatedAt),
                    })),
            };
        },
        ListGateways: () => {
            return {
                items: fake.list("gateway").map((g) => ({
                    gatewayId: g.id,
                    name: g.name,
                    status: g.status,
                    createdAt: ts(g.createdAt),
                    updatedAt: ts(g.updatedAt),
                    authorizerType: g.data.authorizerType,
                    protocolType: "MCP",
                })),
            };
        },
        ListAgentRuntimes: () => {
            return {
                agentRuntimes: fake.list("runtime").map((x) => ({
                    agentRuntimeArn: x.arn,
                    agentRuntimeId: x.id,
                    agentRuntimeVersion: String(x.data.version),
                    agentRuntimeName: x.name,
                    description: "",
                    lastUpdatedAt: ts(x.updatedAt),
                    status: x.status,
                })),
            };
        },
        TagResource: (input) => tagResource("TagResource", input),
        UntagResource: (input) => tagResource("UntagResource", input),
        ListTagsForResource: (input) => {
            const rec = [...fake.resources.values()].find((x) => x.arn === input.resourceArn);
            if (!rec) {
                throw new AwsError("ResourceNotFoundException", `${input.resourceArn} not found`, 404);
            }
            return { tags: rec.data.tags ?? {} };
        },
    };

    function harnessView(rec: Rec): Record<string, unknown> {
        const d = rec.data;
        return {
            harnessId: rec.id,
            harnessName: rec.name,
            arn: rec.arn,
            status: rec.status,
            executionRoleArn: d.executionRoleArn,
            createdAt: ts(rec.createdAt),
            updatedAt: ts(rec.updatedAt),
            model: d.model ?? { bedrockModelConfig: { modelId: "default" } },
            systemPrompt: d.systemPrompt ?? [],
            tools: d.tools ?? [],
            skills: d.skills ?? [],
            allowedTools: d.allowedTools ?? ["*"],
            truncation: d.truncation ?? { strategy: "sliding_window" },
            maxIterations: d.maxIterations,
            maxTokens: d.maxTokens,
            timeoutSeconds: d.timeoutSeconds,
            memory: d.memory,
            failureReason: d.failureReason,
            environment: {
                agentCoreRuntimeEnvironment: {
                    agentRuntimeArn: arn("bedrock-agentcore", `runtime/${d.runtimeId}`, where),
                    agentRuntimeName: d.runtimeId.replace(/-[a-z0-9]{10}$/, ""),
                    agentRuntimeId: d.runtimeId,
                    lifecycleConfiguration: { idleRuntimeSessionTimeout: 900, maxLifetime: 28800 },
                    networkConfiguration: { networkMode: "PUBLIC" },
                },
            },
        };
    }

    function oauthView(rec: Rec): Record<string, unknown> {
        const custom = rec.data.config?.customOauth2ProviderConfig ?? {};
        return {
            name: rec.name,
            credentialProviderArn: rec.arn,
            credentialProviderVendor: rec.data.vendor,
            clientSecretArn: { secretArn: rec.data.clientSecretArn },
            callbackUrl: `https://bedrock-agentcore.${fake.region}.amazonaws.com/identities/oauth2/callback/${rec.id}`,
            // AWS returns the discovery and client id, never the client secret.
            oauth2ProviderConfigOutput: {
                customOauth2ProviderConfig: {
                    oauthDiscovery: custom.oauthDiscovery,
                    clientId: custom.clientId,
                },
            },
            status: "READY",
            createdTime: ts(rec.createdAt),
            lastUpdatedTime: ts(rec.updatedAt),
        };
    }

    function runtimeView(rec: Rec) {
        const d = rec.data;
        return {
            agentRuntimeArn: rec.arn,
            agentRuntimeName: rec.name,
            agentRuntimeId: rec.id,
            agentRuntimeVersion: String(d.version),
            agentRuntimeArtifact: d.agentRuntimeArtifact,
            roleArn: d.roleArn,
            networkConfiguration: d.networkConfiguration,
            protocolConfiguration: d.protocolConfiguration,
            environmentVariables: d.environmentVariables,
            authorizerConfiguration: d.authorizerConfiguration,
            requestHeaderConfiguration: d.requestHeaderConfiguration,
            lifecycleConfiguration: { idleRuntimeSessionTimeout: 900, maxLifetime: 28800 },
            failureReason: d.failureReason,
            status: rec.status,
            createdAt: ts(rec.createdAt),
            lastUpdatedAt: ts(rec.updatedAt),
        };
    }

    function gatewayView(rec: Rec): Record<string, unknown> {
        const d = rec.data;
        return {
            gatewayArn: rec.arn,
            gatewayId: rec.id,
            gatewayUrl: d.gatewayUrl,
            name: rec.name,
            description: d.description,
            roleArn: d.roleArn,
            protocolType: d.protocolType,
            authorizerType: d.authorizerType,
            authorizerConfiguration: d.authorizerConfiguration,
            status: rec.status,
            statusReasons: d.statusReasons,
            createdAt: ts(rec.createdAt),
            updatedAt: ts(rec.updatedAt),
        };
    }

    function targetView(rec: Rec): Record<string, unknown> {
        const d = rec.data;
        return {
            gatewayArn: d.gatewayArn,
            targetId: rec.id,
            name: rec.name,
            description: d.description,
            status: rec.status,
            statusReasons: d.statusReasons,
            targetConfiguration: d.targetConfiguration,
            credentialProviderConfigurations: d.credentialProviderConfigurations ?? [],
            createdAt: ts(rec.createdAt),
            updatedAt: ts(rec.updatedAt),
        };
    }

    return {
        name: "bedrock-agentcore-control",
        model: loadModel("bedrock-agentcore-control.2023-06-05.json"),
        handlers,
        notImplemented,
    };
}
