/**
 * The harness section: its model, prompt and limits.
 */
import { INFERENCE_GEOGRAPHIES, parseModelId } from "../aws/models";
import { DEFAULTS } from "./keys";
import { hasControl, hidable, shown } from "./messages";
import { inAwsPartition } from "./partition";
import type { ConfigReader } from "./reader";

export const MAX_SYSTEM_PROMPT_LENGTH = 16_000;

export const DEFAULT_SYSTEM_PROMPT = [
    "You help administrators run their Zscaler Zero Trust Exchange tenant. Your only tool is the",
    "Zscaler MCP server, which exposes operations for ZIA, ZPA, ZDX, ZCC, ZTW, ZIdentity, EASM,",
    "Z-Insights and ZMS.",
    "- Answer in plain language; do not describe tool calls or their plumbing.",
    "- An empty list is a real answer: report it and ask the user how to proceed instead of",
    "  retrying with other filters.",
    "- Before changing anything, look up the current state with list or get operations, then ask",
    "  the user to confirm the exact change. Never write without that confirmation.",
    "- After any ZIA change, call zia_activate_configuration so it takes effect.",
    "- Identifiers are strings. Use the ones the tools return; never make one up.",
    "- The tools you can see are all there are. If a service has no tools loaded, say so.",
].join("\n");

export interface HarnessSettings {
    model: { modelId: string; maxTokens: number; temperature: number };
    harness: { systemPrompt: string; maxIterations?: number; timeoutSeconds?: number };
}

export function readHarness(r: ConfigReader, region: string): HarnessSettings {
    const modelId = r.str("modelId") ?? DEFAULTS.modelId;
    const model = parseModelId(modelId);
    const prefix = /^([a-z-]{2,8})\.[^.]+\.[^.]+$/.exec(modelId)?.[1];
    if (!model && prefix !== undefined && !(prefix in INFERENCE_GEOGRAPHIES)) {
        r.problems.push(
            `modelId: ${shown(modelId)} starts with ${shown(`${prefix}.`)}, which is not an inference profile geography this program ` +
                `knows (${Object.keys(INFERENCE_GEOGRAPHIES).join(", ")}). Run: pulumi config set modelId ${DEFAULTS.modelId}`,
        );
    } else if (!model) {
        r.problems.push(
            `modelId: ${shown(modelId)} is neither a Bedrock model id (vendor.model[:version], lower case, e.g. ` +
                `anthropic.claude-sonnet-4-5-20250929-v1:0) nor an inference profile id (${Object.keys(INFERENCE_GEOGRAPHIES).join(", ")} ` +
                `and a dot before a model id, at most 64 characters). Run: pulumi config set modelId ${DEFAULTS.modelId}`,
        );
    } else if (model.kind === "inference-profile" && inAwsPartition(region) && !INFERENCE_GEOGRAPHIES[model.geography].sources(region)) {
        r.problems.push(
            `modelId: ${shown(modelId)} is an inference profile of geography ${model.geography}, which cannot be called from ${region}. ` +
                `Use a profile of the deploy region's geography, or ${hidable(`global.${model.modelId}`)}: pulumi config set modelId ${hidable(`global.${model.modelId}`)}`,
        );
    }
    const modelMaxTokens = r.int("modelMaxTokens", 1, 1_000_000) ?? DEFAULTS.modelMaxTokens;
    let temperature: number = DEFAULTS.temperature;
    const rawTemp = r.str("temperature");
    if (rawTemp !== undefined) {
        const t = /^\d+(\.\d+)?$/.test(rawTemp) ? Number(rawTemp) : NaN;
        if (!Number.isFinite(t) || t < 0 || t > 2) {
            r.problems.push(
                `temperature: ${shown(rawTemp)} must be a number from 0 to 2 in decimal notation. Run: pulumi config set temperature 0.2`,
            );
        } else {
            temperature = t;
        }
    }
    let systemPrompt = DEFAULT_SYSTEM_PROMPT;
    const rawPrompt = r.raw.get("systemPrompt")?.trim();
    if (rawPrompt) {
        if (rawPrompt.length > MAX_SYSTEM_PROMPT_LENGTH) {
            r.problems.push(
                `systemPrompt: ${shown(rawPrompt)} is longer than ${MAX_SYSTEM_PROMPT_LENGTH} characters. Shorten it, ` +
                    "or run pulumi config rm systemPrompt for the default prompt.",
            );
        } else if (hasControl(rawPrompt, "\t\n\r")) {
            r.problems.push(
                `systemPrompt: ${shown(rawPrompt)} contains a control character other than tab and line break. Remove it, ` +
                    "or run pulumi config rm systemPrompt for the default prompt.",
            );
        } else {
            systemPrompt = rawPrompt;
        }
    }
    const maxIterations = r.int("maxIterations", 1, 1000, true);
    const timeoutSeconds = r.int("timeoutSeconds", 1, 28_800, true);
    return { model: { modelId, maxTokens: modelMaxTokens, temperature }, harness: { systemPrompt, maxIterations, timeoutSeconds } };
}
