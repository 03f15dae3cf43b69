/**
 * Bedrock model ids and the geographies of its system inference profiles. Pure: no Pulumi imports.
 */

/** Bedrock's model identifier: vendor.model[:version[:variant]], lower case. */
export const FOUNDATION_MODEL_ID = /^[a-z0-9-]{1,63}\.[a-z0-9-]{2,63}(:[a-z0-9-]{1,63}){0,2}$/;

/**
 * Geographies of Bedrock's system inference profiles: where each may be called from, and the
 * regions AWS routes its calls to (a global profile's foundation-model ARN may name no region).
 */
export const INFERENCE_GEOGRAPHIES = {
    us: { sources: (r: string) => /^us-(east|west)-\d$/.test(r), destinations: ["us-*"], example: "us-east-1" },
    eu: { sources: (r: string) => r.startsWith("eu-"), destinations: ["eu-*"], example: "eu-central-1" },
    apac: { sources: (r: string) => r.startsWith("ap-"), destinations: ["ap-*"], example: "ap-southeast-2" },
    jp: {
        sources: (r: string) => r === "ap-northeast-1" || r === "ap-northeast-3",
        destinations: ["ap-northeast-1", "ap-northeast-3"],
        example: "ap-northeast-1",
    },
    au: {
        sources: (r: string) => r === "ap-southeast-2" || r === "ap-southeast-4",
        destinations: ["ap-southeast-2", "ap-southeast-4"],
        example: "ap-southeast-2",
    },
    global: { sources: () => true, destinations: ["*", ""], example: "us-east-1" },
} as const;
export type Geography = keyof typeof INFERENCE_GEOGRAPHIES;

export type ModelRef =
    { kind: "foundation-model"; modelId: string } | { kind: "inference-profile"; profileId: string; geography: Geography; modelId: string };

/** A Bedrock model id or system inference profile id (`<geography>.<model id>`), or undefined. */
export function parseModelId(id: string): ModelRef | undefined {
    const dot = id.indexOf(".");
    const prefix = id.slice(0, dot);
    if (dot > 0 && prefix in INFERENCE_GEOGRAPHIES) {
        const modelId = id.slice(dot + 1);
        // Inference profile ids are at most 64 characters.
        return id.length <= 64 && FOUNDATION_MODEL_ID.test(modelId)
            ? { kind: "inference-profile", profileId: id, geography: prefix as Geography, modelId }
            : undefined;
    }
    return FOUNDATION_MODEL_ID.test(id) ? { kind: "foundation-model", modelId: id } : undefined;
}
