/**
 * ECR (awsJson): the images a test seeds (FakeAws.putImage, plus the default image in the AWS
 * Marketplace registry), their manifests or image indexes, and the layer download URLs the doctor
 * follows to read a single manifest's platform. Registries in FakeAws.deniedRegistries refuse the
 * account as an unsubscribed Marketplace product does.
 */
import { userArn } from "../../support/awsConstants";
import { Handler, ServiceDef, ServiceHost } from "../core/endpoint";
import { rand } from "../core/ids";
import { ACCOUNT, AwsError } from "../core/types";
import { loadModel } from "../model";

export function ecr(host: ServiceHost): ServiceDef {
    const { fake } = host;

    /**
     * The repository a request names, and its images: every ECR operation, implemented or not, is
     * first refused for a denied registry or a repository that does not exist.
     */
    function repository(op: string, input: Record<string, any>) {
        const registry = input.registryId ?? ACCOUNT;
        if (fake.deniedRegistries.has(registry)) {
            throw new AwsError(
                "AccessDeniedException",
                `User: ${userArn("local-tester")} is not authorized to perform: ecr:${op} on resource: arn:aws:ecr:${fake.region}:${registry}:repository/${input.repositoryName} because no resource-based policy allows the ecr:${op} action`,
            );
        }
        const prefix = `${registry}.dkr.ecr.`;
        const repoImages = [...fake.images.entries()].filter(
            ([uri]) => uri.startsWith(prefix) && uri.includes(`.amazonaws.com/${input.repositoryName}:`),
        );
        if (repoImages.length === 0) {
            throw new AwsError(
                "RepositoryNotFoundException",
                `The repository with name '${input.repositoryName}' does not exist in the registry with id '${registry}'`,
            );
        }
        return { registry, repoImages };
    }

    const handlers: Record<string, Handler> = {
        BatchGetImage: (input) => {
            const { registry, repoImages } = repository("BatchGetImage", input);
            const images: unknown[] = [];
            const failures: unknown[] = [];
            for (const id of input.imageIds as { imageTag?: string; imageDigest?: string }[]) {
                const hit = repoImages.find(([uri]) => uri.endsWith(`:${id.imageTag}`));
                if (!hit) {
                    failures.push({ imageId: id, failureCode: "ImageNotFound", failureReason: "Requested image not found" });
                    continue;
                }
                const [, image] = hit;
                const configDigest = `sha256:${rand(64, "0123456789abcdef")}`;
                const manifest = image.single
                    ? {
                          schemaVersion: 2,
                          mediaType: "application/vnd.oci.image.manifest.v1+json",
                          config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: configDigest, size: 1 },
                          layers: [],
                      }
                    : {
                          schemaVersion: 2,
                          mediaType: "application/vnd.oci.image.index.v1+json",
                          manifests: image.platforms.map((pl) => ({
                              mediaType: "application/vnd.oci.image.manifest.v1+json",
                              digest: `sha256:${rand(64, "0123456789abcdef")}`,
                              size: 1,
                              platform: pl,
                          })),
                      };
                if (image.single) {
                    host.blobs.set(
                        configDigest,
                        JSON.stringify({ architecture: image.platforms[0].architecture, os: image.platforms[0].os }),
                    );
                }
                images.push({
                    registryId: registry,
                    repositoryName: input.repositoryName,
                    imageId: id,
                    imageManifest: JSON.stringify(manifest),
                    imageManifestMediaType: manifest.mediaType,
                });
            }
            return { images, failures };
        },
        GetDownloadUrlForLayer: (input) => {
            repository("GetDownloadUrlForLayer", input);
            if (!host.blobs.has(input.layerDigest)) {
                throw new AwsError("LayersNotFoundException", `The layer ${input.layerDigest} does not exist`);
            }
            return { downloadUrl: `${fake.url}/__ecr-blobs/${encodeURIComponent(input.layerDigest)}`, layerDigest: input.layerDigest };
        },
    };

    return {
        name: "ecr",
        targetPrefix: "AmazonEC2ContainerRegistry_V20150921",
        model: loadModel("ecr.2015-09-21.json"),
        handlers,
        notImplemented: (op, input) => {
            repository(op, input);
            return new AwsError("UnknownOperationException", `The local endpoint does not implement ECR ${op}`);
        },
    };
}
