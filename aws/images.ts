/**
 * Container images in Amazon ECR, and where AgentCore Runtime may pull them from. Pure: no Pulumi
 * imports.
 */

/** Parsed ECR image reference, or undefined for images outside ECR. */
export function parseEcrImage(
    imageUri: string,
): { account: string; region: string; repository: string; reference: { imageTag: string } | { imageDigest: string } } | undefined {
    const m = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\/([^@]+)(?:@(.+))?$/.exec(imageUri);
    if (!m) {
        return undefined;
    }
    const path = m[4];
    const tag = path.indexOf(":", path.lastIndexOf("/"));
    return {
        account: m[1],
        region: m[2],
        repository: tag >= 0 ? path.slice(0, tag) : path,
        // A digest names the image exactly; a tag (latest when none is given) names what it points to now.
        reference: m[5] !== undefined ? { imageDigest: m[5] } : { imageTag: tag >= 0 ? path.slice(tag + 1) : "latest" },
    };
}

/**
 * AgentCore Runtime pulls only from ECR in its own region. Returns the problem (with the copy
 * commands) or undefined when the image can run in `region`.
 */
export function imageRegionProblem(imageUri: string, region: string, show: (text: string) => string = (t) => t): string | undefined {
    const ecr = parseEcrImage(imageUri);
    if (!ecr || ecr.region === region) {
        return undefined;
    }
    const repoAndTag = imageUri.slice(imageUri.indexOf("/") + 1);
    const target = show(`<your-account-id>.dkr.ecr.${region}.amazonaws.com/${repoAndTag}`);
    const source = show(imageUri);
    const from = show(ecr.region);
    return (
        `imageUri: the image is in ECR region ${from}, but AgentCore Runtime only runs images from ` +
        `the deploy region ${region}. Copy it into your own registry in ${region}:\n` +
        `      aws ecr get-login-password --region ${from} | docker login --username AWS --password-stdin ${show(`${ecr.account}.dkr.ecr.${ecr.region}.amazonaws.com`)}\n` +
        `      docker pull ${source}\n` +
        `      aws ecr create-repository --region ${region} --repository-name ${show(ecr.repository)}\n` +
        `      docker tag ${source} ${target}\n` +
        `      docker push ${target}\n` +
        `    then run: pulumi config set imageUri ${target}\n` +
        `    (or deploy in ${from}: pulumi config set aws:region ${from})`
    );
}
