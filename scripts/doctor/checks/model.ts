/**
 * Access to the stack's model: the model or inference profile exists in the region, and the
 * account may use it (access granted, agreement accepted, Anthropic's use-case form submitted).
 */
import { parseModelId } from "../../../aws/models";
import { clientConfig } from "../../identity";
import { isNotFound } from "../../io";
import { CheckResult, Context, fail, failIfDenied, ok } from "../check";

export async function checkModel(ctx: Context): Promise<CheckResult> {
    const { modelId } = ctx.settings.model;
    const region = ctx.settings.region;
    const setModel = "pulumi config set modelId <model or inference profile id>";
    const bedrock = await import("@aws-sdk/client-bedrock");
    const client = new bedrock.BedrockClient(clientConfig(ctx.aws, "bedrock"));
    const opts = { abortSignal: ctx.signal };
    let foundationModel = modelId;
    let kind = "model";
    const get = async <T>(call: () => Promise<T>, permission: string): Promise<T | undefined> => {
        try {
            return await call();
        } catch (e) {
            if (isNotFound(e)) {
                return undefined;
            }
            failIfDenied(e, permission, `grant your AWS identity ${permission}, or check the model id (${setModel})`);
            throw e;
        }
    };
    // A system inference profile (us.*, eu.*, apac.*, global.*, ...) names the models behind it.
    if (parseModelId(modelId)?.kind === "inference-profile") {
        const profile = await get(
            () => client.send(new bedrock.GetInferenceProfileCommand({ inferenceProfileIdentifier: modelId }), opts),
            "bedrock:GetInferenceProfile",
        );
        if (!profile) {
            fail(`${modelId} is not an inference profile in ${region}`, setModel);
        }
        const arns = (profile!.models ?? []).map((m) => m.modelArn ?? "");
        const local = arns.find((a) => a.includes(`:${region}::`)) ?? arns[0];
        foundationModel = local?.split("/").pop() ?? modelId;
        kind = "inference profile";
    } else if (
        !(await get(
            () => client.send(new bedrock.GetFoundationModelCommand({ modelIdentifier: modelId }), opts),
            "bedrock:GetFoundationModel",
        ))
    ) {
        fail(`${modelId} is not a Bedrock model in ${region}`, setModel);
    }
    const a = await get(
        () => client.send(new bedrock.GetFoundationModelAvailabilityCommand({ modelId: foundationModel }), opts),
        "bedrock:GetFoundationModelAvailability",
    );
    if (!a) {
        fail(`Bedrock knows no model ${foundationModel} in ${region}`, setModel);
    }
    const console = `the Bedrock console in ${region}, Model access`;
    if (a!.regionAvailability === "NOT_AVAILABLE") {
        fail(`${foundationModel} is not offered in ${region}`, `choose a model offered there (${setModel}), or another region`);
    }
    if (a!.authorizationStatus === "NOT_AUTHORIZED") {
        fail(
            `your AWS identity is not authorized to use ${foundationModel}`,
            "allow bedrock:InvokeModel for it, and check no SCP denies the model",
        );
    }
    if (a!.entitlementAvailability === "NOT_AVAILABLE") {
        fail(`model access to ${foundationModel} is not granted in this account`, `request access in ${console}`);
    }
    if (a!.agreementAvailability?.status && a!.agreementAvailability.status !== "AVAILABLE") {
        fail(
            `the model's agreement is ${a!.agreementAvailability.status}${a!.agreementAvailability.errorMessage ? ` (${a!.agreementAvailability.errorMessage})` : ""}`,
            `accept the model's offer in ${console}`,
        );
    }
    if (foundationModel.startsWith("anthropic.")) {
        try {
            await client.send(new bedrock.GetUseCaseForModelAccessCommand({}), opts);
        } catch (e) {
            if (isNotFound(e)) {
                fail("Anthropic models need the use-case form, and this account has not submitted it", `submit it once in ${console}`);
            }
            throw e;
        }
    }
    return ok(`${modelId} (${kind}${kind === "model" ? "" : ` for ${foundationModel}`}): access granted in ${region}`);
}
