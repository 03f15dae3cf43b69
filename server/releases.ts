/**
 * Which releases of the Zscaler MCP server can serve which topology, judged from the image's tag.
 * Pure: no Pulumi imports.
 *
 * The facts come from running each release's published code with the environment this program
 * gives it (tests/mcpserver/): 0.10.4 answers the load balancer's `/health` with 404, so ECS would
 * stop every task, and it has neither the platform-trust setting nor the MCP revision that
 * AgentCore Runtime needs; 0.15.4 serves both topologies. The first release of each feature is
 * read from the server's own source: `/health` since 0.12.3, platform trust and MCP 2026-07-28
 * since 0.15.0.
 */
export type ServerTopology = "ecs" | "gateway";

/** The release the program deploys by default, and the ones its tests start. */
export const RECOMMENDED_SERVER_VERSION = "0.15.4";
export const TESTED_SERVER_VERSIONS = ["0.10.4", "0.15.4"] as const;

/** The recommended release from the AWS Marketplace's registry: the default imageUri. */
export const MARKETPLACE_IMAGE = `709825985650.dkr.ecr.us-east-1.amazonaws.com/zscaler/zscaler-mcp-server:${RECOMMENDED_SERVER_VERSION}-bedrock`;

/** The first release that can serve each topology, and why an older one cannot. */
export const MINIMUM_SERVER_VERSION: Record<ServerTopology, { version: string; why: string }> = {
    ecs: {
        version: "0.12.3",
        why: "answers the load balancer's health check (/health) with 404, so ECS stops every task it starts",
    },
    gateway: {
        version: "0.15.0",
        why:
            "cannot accept the calls AgentCore Gateway forwards: it has no ZSCALER_MCP_TRUST_PLATFORM_AUTH, so a call " +
            "without Zscaler credentials is refused, and it does not speak MCP 2026-07-28, the only revision AgentCore Runtime serves",
    },
};

/** The server release an image's tag names (`0.15.4`, `0.15.4-bedrock`, `v0.15.4`), or undefined for a digest, `latest` or any other tag. */
export function serverImageVersion(imageUri: string): string | undefined {
    if (imageUri.includes("@")) {
        return undefined;
    }
    const name = imageUri.slice(imageUri.lastIndexOf("/") + 1);
    const colon = name.lastIndexOf(":");
    const m = colon >= 0 ? /^v?(\d+\.\d+\.\d+)(?:-[A-Za-z0-9][A-Za-z0-9._-]*)?$/.exec(name.slice(colon + 1)) : null;
    return m?.[1];
}

function compareVersions(a: string, b: string): number {
    const [x, y] = [a, b].map((v) => v.split(".").map(Number));
    for (let i = 0; i < 3; i++) {
        if (x[i] !== y[i]) {
            return x[i] - y[i];
        }
    }
    return 0;
}

/** The AWS Marketplace repository of the server's images. */
const MARKETPLACE_REPOSITORY = /^709825985650\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/zscaler\/zscaler-mcp-server$/;

/** An image reference without its tag. */
function repositoryOf(imageUri: string): string {
    const colon = imageUri.lastIndexOf(":");
    return colon > imageUri.lastIndexOf("/") ? imageUri.slice(0, colon) : imageUri;
}

/**
 * The image to suggest instead: in the AWS Marketplace repository, that repository at the
 * recommended release; elsewhere (a copy in the user's own registry, which may not hold that
 * release) `marketplaceImage`, which the user copies from.
 */
export function withRecommendedTag(imageUri: string, marketplaceImage: string): string {
    const repository = repositoryOf(imageUri);
    return MARKETPLACE_REPOSITORY.test(repository) ? `${repository}:${RECOMMENDED_SERVER_VERSION}-bedrock` : marketplaceImage;
}

/**
 * Why the image's server release cannot serve the topology, with the fix; undefined when it can
 * or when the tag names no release (the deploy's tool check then finds out).
 */
export function serverImageProblem(
    imageUri: string,
    topology: ServerTopology,
    marketplaceImage: string,
    show: (text: string) => string = (t) => t,
): string | undefined {
    const version = serverImageVersion(imageUri);
    const minimum = MINIMUM_SERVER_VERSION[topology];
    if (version === undefined || compareVersions(version, minimum.version) >= 0) {
        return undefined;
    }
    const own = !MARKETPLACE_REPOSITORY.test(repositoryOf(imageUri));
    return (
        `imageUri: the tag ${version} is read as a release of the Zscaler MCP server, and the server ${version} ${minimum.why}. ` +
        `Topology ${topology} needs ${minimum.version} or newer; ${RECOMMENDED_SERVER_VERSION} is tested. ` +
        `Run: pulumi config set imageUri ${show(withRecommendedTag(imageUri, marketplaceImage))}` +
        (own ? ", or push that release to your own registry and name it there" : "")
    );
}
