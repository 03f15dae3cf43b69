/**
 * The AWS account and region the tests stand in, and the ARNs built from them: defined once, so the
 * local endpoint, the Pulumi mocks, the test-only aws plugin, the IAM simulator and the scenarios
 * cannot drift apart on which account they pretend to be.
 */

/** The account id of every fake identity, mock and local endpoint. */
export const ACCOUNT = "123456789012";

/** The region the tests deploy to unless a test picks another. */
export const REGION = "us-east-1";

/** Where an ARN points: region and account default to REGION and ACCOUNT. */
export interface ArnScope {
    region?: string;
    account?: string;
}

/** `arn:aws:<service>:<region>:<account>:<resource>`. */
export function arn(service: string, resource: string, scope: ArnScope = {}): string {
    return `arn:aws:${service}:${scope.region ?? REGION}:${scope.account ?? ACCOUNT}:${resource}`;
}

/** An IAM role's ARN (IAM is global: no region). */
export function roleArn(name: string, account = ACCOUNT): string {
    return arn("iam", `role/${name}`, { region: "", account });
}

/** An IAM user's ARN. */
export function userArn(name: string, account = ACCOUNT): string {
    return arn("iam", `user/${name}`, { region: "", account });
}

/** A Secrets Manager secret's ARN; `name` carries the random suffix AWS appends (`<name>-AbCdEf`). */
export function secretArn(name: string, scope: ArnScope = {}): string {
    return arn("secretsmanager", `secret:${name}`, scope);
}

/** An ECR image URI: `<registry>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>`. */
export function ecrImageUri(repositoryAndTag: string, scope: { region?: string; registry?: string } = {}): string {
    return `${scope.registry ?? ACCOUNT}.dkr.ecr.${scope.region ?? REGION}.amazonaws.com/${repositoryAndTag}`;
}
