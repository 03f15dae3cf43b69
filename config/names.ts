/**
 * The names section: each resource's physical name, the stack's default or the user's own.
 */
import { defaultNames, NAME_RULES, Names } from "../aws/names";
import { shown } from "./messages";
import type { ConfigReader } from "./reader";

export function readNames(r: ConfigReader, stack: string): Names {
    const dn = defaultNames(stack);
    const names: Names = {
        ...dn,
        harness: r.name("harnessName", dn.harness),
        apiKeyProvider: r.name("apiKeyProviderName", dn.apiKeyProvider),
        oauthProvider: r.name("oauthProviderName", dn.oauthProvider),
        runtime: r.name("runtimeName", dn.runtime),
        gateway: r.name("gatewayName", dn.gateway),
        service: r.name("ecsServiceName", dn.service),
    };
    const domainPrefix = r.str("cognitoDomainPrefix");
    if (domainPrefix !== undefined) {
        // Cognito's pattern, and its refusal of its own brand names in a prefix.
        if (!NAME_RULES.cognitoDomainPrefix.re.test(domainPrefix) || /aws|amazon|cognito/.test(domainPrefix)) {
            r.problems.push(
                `cognitoDomainPrefix: ${shown(domainPrefix)} must be 1-63 lowercase letters, digits and hyphens, ` +
                    `not start or end with a hyphen, and not contain "aws", "amazon" or "cognito". Run: pulumi config set cognitoDomainPrefix <unique prefix>`,
            );
        }
        names.cognitoDomainPrefix = domainPrefix;
    }
    return names;
}
