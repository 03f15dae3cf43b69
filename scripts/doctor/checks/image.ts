/**
 * The image the deploy runs: that it can be pulled from Amazon ECR (the default one through an AWS
 * Marketplace subscription), and that it is built for the architecture that runs it.
 */
import { parseEcrImage } from "../../../aws/images";
import { clientConfig, requestSignal } from "../../identity";
import { awsErrorName, isAccessDenied } from "../../io";
import { CheckResult, Context, fail, failIfDenied, ok, skip } from "../check";

/** The AWS Marketplace registry that serves the default image. */
const MARKETPLACE_REGISTRY = "709825985650";
const MANIFEST_TYPES = [
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
];

interface Platform {
    os?: string;
    architecture?: string;
}

/** The platforms an ECR image is built for: from its index, or from its config blob. */
async function ecrPlatforms(
    ctx: Context,
    image: { account: string; region: string },
    repository: string,
    ref: { imageTag?: string; imageDigest?: string },
): Promise<Platform[]> {
    const ecr = await import("@aws-sdk/client-ecr");
    // The image's own region: for topology ecs, the default image's registry is not the deploy region's.
    const client = new ecr.ECRClient(clientConfig(ctx.aws, "ecr", { region: image.region }));
    const opts = { abortSignal: ctx.signal };
    const answer = await client.send(
        new ecr.BatchGetImageCommand({
            registryId: image.account,
            repositoryName: repository,
            imageIds: [ref],
            acceptedMediaTypes: MANIFEST_TYPES,
        }),
        opts,
    );
    const manifestText = answer.images?.[0]?.imageManifest;
    if (!manifestText) {
        // BatchGetImage answers a missing image with a failure, not an error: name it as one.
        const f = answer.failures?.[0];
        throw Object.assign(new Error(f?.failureReason ?? "no such image"), { name: f?.failureCode ?? "ImageNotFound" });
    }
    const manifest = JSON.parse(manifestText) as { manifests?: { platform?: Platform }[]; config?: { digest?: string } };
    if (manifest.manifests) {
        return manifest.manifests.map((m) => m.platform ?? {}).filter((p) => p.architecture && p.architecture !== "unknown");
    }
    const digest = manifest.config?.digest;
    if (!digest) {
        return [];
    }
    const layer = await client.send(
        new ecr.GetDownloadUrlForLayerCommand({ registryId: image.account, repositoryName: repository, layerDigest: digest }),
        opts,
    );
    // A presigned URL (S3 on AWS): the URL is the grant, nothing to sign.
    const blob = await fetch(layer.downloadUrl!, { signal: requestSignal(ctx.signal) });
    if (!blob.ok) {
        throw Object.assign(new Error(`the image's config ${digest} answered HTTP ${blob.status}`), { name: "ImageConfigUnreadable" });
    }
    const config = (await blob.json()) as Platform;
    return [{ os: config.os, architecture: config.architecture }];
}

export async function checkImage(ctx: Context): Promise<CheckResult> {
    const s = ctx.settings;
    const uri = s.imageUri;
    const needed = s.topology === "gateway" ? "arm64" : "amd64";
    const runs = s.topology === "gateway" ? "AgentCore Runtime runs linux/arm64" : "Fargate runs linux/amd64";
    const ecr = parseEcrImage(uri);
    if (!ecr) {
        return skip(`${uri} is outside Amazon ECR: its architecture is not checked (${runs})`);
    }
    const { repository, reference: ref } = ecr;
    let platforms: Platform[];
    try {
        platforms = await ecrPlatforms(ctx, ecr, repository, ref);
    } catch (e) {
        if (isAccessDenied(e) && ecr.account === MARKETPLACE_REGISTRY) {
            fail(
                `ECR refused the default image: this account is not subscribed to the Zscaler MCP Server in AWS Marketplace (${awsErrorName(e)})`,
                "subscribe to it in AWS Marketplace, or copy the image into your own ECR and pulumi config set imageUri <uri>",
            );
        }
        failIfDenied(
            e,
            "ecr:BatchGetImage",
            "grant ecr:BatchGetImage on the repository, or use an image you can pull",
            `on ${ecr.account}/${repository}`,
        );
        if (/NotFound/.test(awsErrorName(e)) || awsErrorName(e) === "ImageTagDoesNotMatchDigest") {
            fail(`${uri} does not exist in ECR (${awsErrorName(e)})`, "push the image, or pulumi config set imageUri <uri>");
        }
        throw e;
    }
    const archs = [...new Set(platforms.filter((p) => !p.os || p.os === "linux").map((p) => p.architecture!))];
    if (archs.length > 0 && !archs.includes(needed)) {
        fail(
            `${uri} is built for ${archs.map((a) => `linux/${a}`).join(", ")}; ${runs}`,
            `build it for linux/${needed} (docker buildx build --platform linux/amd64,linux/arm64 ...), push it, then pulumi config set imageUri <uri>`,
        );
    }
    const where = s.topology === "gateway" ? ` in ECR in ${s.region}` : "";
    return ok(`${uri}${where}: linux/${needed}${archs.length > 1 ? ` (of ${archs.join(", ")})` : ""}`);
}
