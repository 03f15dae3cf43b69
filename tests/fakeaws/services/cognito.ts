/**
 * Cognito (awsJson): the hosted domains a test seeds (FakeAws.cognitoDomains), as the doctor and
 * the deployment look a domain prefix up before they claim it.
 */
import { Handler, ServiceDef, ServiceHost } from "../core/endpoint";
import { AwsError } from "../core/types";
import { loadModel } from "../model";

export function cognito(host: ServiceHost): ServiceDef {
    const { fake } = host;

    const handlers: Record<string, Handler> = {
        DescribeUserPoolDomain: (input) => {
            const d = fake.cognitoDomains.get(input.Domain);
            // AWS answers a free prefix with an empty description, not an error.
            return {
                DomainDescription: d
                    ? { UserPoolId: d.userPoolId, AWSAccountId: d.account, Domain: input.Domain, Status: "ACTIVE", Version: "1" }
                    : {},
            };
        },
        ListTagsForResource: (input) => {
            const d = [...fake.cognitoDomains.values()].find((x) => input.ResourceArn.endsWith(`:userpool/${x.userPoolId}`));
            if (!d) {
                throw new AwsError("ResourceNotFoundException", `User pool ${input.ResourceArn} does not exist.`);
            }
            return { Tags: d.tags ?? {} };
        },
    };

    return {
        name: "cognito-idp",
        targetPrefix: "AWSCognitoIdentityProviderService",
        model: loadModel("cognito-idp.2016-04-18.json"),
        handlers,
        notImplemented: (op) => new AwsError("UnknownOperationException", `The local endpoint does not implement Cognito ${op}`),
    };
}
