/**
 * Bedrock's control plane (rest-json, told apart by its signature): the foundation models and
 * inference profiles of the region, their availability to the account, and the Anthropic use-case
 * form, as the doctor checks them.
 */
import { arn } from "../../support/awsConstants";
import { Handler, ServiceDef, ServiceHost } from "../core/endpoint";
import { AwsError } from "../core/types";
import { loadModel } from "../model";

export function bedrock(host: ServiceHost): ServiceDef {
    const { fake } = host;
    const r = fake.region;
    const where = { region: r };
    const notFound = (what: string) => new AwsError("ResourceNotFoundException", `${what} not found`, 404);

    const handlers: Record<string, Handler> = {
        GetInferenceProfile: (input) => {
            const models = fake.inferenceProfiles.get(input.inferenceProfileIdentifier);
            if (!models) {
                throw notFound(`Inference profile ${input.inferenceProfileIdentifier}`);
            }
            return {
                inferenceProfileName: input.inferenceProfileIdentifier,
                inferenceProfileId: input.inferenceProfileIdentifier,
                inferenceProfileArn: arn("bedrock", `inference-profile/${input.inferenceProfileIdentifier}`, where),
                models: models.flatMap((m) =>
                    ["us-east-1", "us-east-2", "us-west-2"].map((reg) => ({ modelArn: `arn:aws:bedrock:${reg}::foundation-model/${m}` })),
                ),
                status: "ACTIVE",
                type: "SYSTEM_DEFINED",
            };
        },
        GetFoundationModel: (input) => {
            if (!fake.models.has(input.modelIdentifier)) {
                throw notFound(`Model ${input.modelIdentifier}`);
            }
            const id = input.modelIdentifier as string;
            return {
                modelDetails: {
                    modelArn: `arn:aws:bedrock:${r}::foundation-model/${id}`,
                    modelId: id,
                    providerName: id.split(".")[0],
                    responseStreamingSupported: true,
                },
            };
        },
        GetFoundationModelAvailability: (input) => {
            const a = fake.models.get(input.modelId);
            if (!a) {
                throw notFound(`Model ${input.modelId}`);
            }
            return { modelId: input.modelId, ...a };
        },
        GetUseCaseForModelAccess: () => {
            if (!fake.useCaseSubmitted) {
                throw notFound("Use case for model access");
            }
            return { formData: Buffer.from(JSON.stringify({ companyName: "Example" })).toString("base64") };
        },
    };

    return {
        name: "bedrock",
        model: loadModel("bedrock.2023-04-20.json"),
        handlers,
        notImplemented: (op) => new AwsError("UnknownOperationException", `The local endpoint does not implement Bedrock ${op}`, 501),
    };
}
