/**
 * Recognising AWS's errors (not found, access denied, throttling, IAM propagation), and the error
 * that keeps a created resource in Pulumi's state when the operation around it failed.
 */
import { RUNTIME_IDENTITY_ROLE } from "../../aws/serviceLinkedRoles";

export function errorName(e: unknown): string {
    const err = e as { name?: string; Code?: string; code?: string; __type?: string };
    return String(err?.name ?? err?.Code ?? err?.code ?? err?.__type ?? "");
}

export function errorMessage(e: unknown): string {
    const err = e as { message?: string; Message?: string };
    return String(err?.message ?? err?.Message ?? e);
}

function httpStatus(e: unknown): number | undefined {
    return (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

const NOT_FOUND_NAMES = [
    "ResourceNotFoundException",
    "NotFoundException",
    "ServiceNotFoundException",
    "ServiceNotActiveException",
    "ClusterNotFoundException",
];

/** True when AWS refuses the caller (a missing permission, or an id some services treat as such). */
export function isAccessDenied(e: unknown): boolean {
    return (
        ["AccessDeniedException", "AccessDenied", "UnauthorizedException", "UnauthorizedOperation"].includes(errorName(e)) ||
        httpStatus(e) === 403
    );
}

/** True when AWS says the resource does not exist. */
export function isNotFound(e: unknown): boolean {
    return NOT_FOUND_NAMES.includes(errorName(e));
}

/**
 * True when ECS no longer holds an Express service. DescribeExpressGatewayService's model lists no
 * not-found error: ECS answers a service it has forgotten with InvalidParameterException
 * "Resource not found" (as terraform-provider-aws reads it); Update and Delete may name it
 * ServiceNotFoundException, and ServiceNotActiveException once it is INACTIVE.
 */
export function isEcsServiceGone(e: unknown): boolean {
    return isNotFound(e) || (errorName(e) === "InvalidParameterException" && /resource not found/i.test(errorMessage(e)));
}

const THROTTLE_NAMES = [
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "ServiceUnavailableException",
    "InternalServerException",
    "ServerException",
];

// Not ENOTFOUND: a name that does not exist will not exist on the next try either (a missing
// network, a region without the service), so it fails at once; EAI_AGAIN (the resolver did not
// answer) is retried, briefly (see withRetries). A certificate this process does not trust is not
// retried either: the network inspects TLS, and the message says what to set (network.ts).
const NETWORK_CODES = ["ECONNRESET", "EPIPE", "ETIMEDOUT", "ECONNREFUSED", "EAI_AGAIN", "ECONNABORTED"];

/** A connection dropped, refused or timed out: no answer came, so the request may or may not have run. */
function isNetworkError(e: unknown): boolean {
    const err = e as { code?: string; name?: string; message?: string };
    return (
        NETWORK_CODES.includes(String(err?.code)) ||
        err?.name === "TimeoutError" ||
        err?.name === "RequestTimeout" ||
        /socket hang up|request has exceeded the configured .* requestTimeout/i.test(String(err?.message))
    );
}

/** Throttling, server-side failures and lost connections: always worth another try. */
export function isThrottleOrServerError(e: unknown): boolean {
    const status = httpStatus(e);
    return THROTTLE_NAMES.includes(errorName(e)) || (status !== undefined && status >= 500) || status === 429 || isNetworkError(e);
}

/**
 * True when AgentCore could not create its service-linked role because IAM throttled it. AgentCore
 * words this as a quota (ServiceQuotaExceededException, HTTP 402: "Failed creating service linked
 * role ... Rate limit exceeded"), but no quota of the account is reached: it passes, like any
 * throttling. Recognised by the message, whatever name or status carries it.
 */
export function isServiceLinkedRoleThrottled(e: unknown): boolean {
    const message = errorMessage(e);
    return /service[- ]linked role/i.test(message) && /rate (limit )?exceeded|throttl|too many requests/i.test(message);
}

/** What to tell a user when IAM kept throttling the service-linked role past the retry window. */
export function serviceLinkedRoleAdvice(e: unknown): string {
    const { roleName, servicePrincipal } = RUNTIME_IDENTITY_ROLE;
    return (
        `IAM is throttling the creation of the service-linked role AgentCore makes on first use (${roleName}). ` +
        `AgentCore reports it as ${errorName(e) || "an error"}${httpStatus(e) ? ` (HTTP ${httpStatus(e)})` : ""}: "${errorMessage(e)}", ` +
        "but no quota of your account is exhausted. Wait a few minutes and run pulumi up again, or create the role yourself " +
        `(once per account): aws iam create-service-linked-role --aws-service-name ${servicePrincipal}`
    );
}

/** A rule that recognises one IAM-propagation failure: the error's name and a message fragment. */
export interface PropagationRule {
    name: string;
    message: string;
}

/** The IAM-propagation messages AWS answers while a new role is not yet visible to it. */
export const IAM_PROPAGATION = {
    runtime: [
        { name: "ValidationException", message: "Role validation failed" },
        { name: "ValidationException", message: "Access denied while validating ECR URI" },
    ],
    harness: [
        { name: "ValidationException", message: "Role validation failed" },
        { name: "ValidationException", message: "Access denied while validating ECR URI" },
    ],
    gatewayTarget: [{ name: "ValidationException", message: "Gateway execution role lacks permission" }],
    ecs: [
        { name: "AccessDeniedException", message: "Cannot assume role" },
        { name: "AccessDeniedException", message: "is not authorized to perform: sts:AssumeRole" },
        { name: "ClientException", message: "AWS was not able to validate the provided access credentials" },
        { name: "InvalidParameterException", message: "Unable to assume role" },
    ],
} satisfies Record<string, PropagationRule[]>;

export function matchesPropagation(e: unknown, rules: readonly PropagationRule[]): boolean {
    const name = errorName(e);
    const message = errorMessage(e);
    return rules.some((r) => r.name === name && message.includes(r.message));
}

/**
 * An error that tells Pulumi the resource exists although the operation failed, so the engine
 * records it (and a later `up` or `destroy` can deal with it) instead of orphaning it.
 *
 * The dynamic-provider host reads `id`, `properties` and `reasons` from the error. The
 * properties must carry `__provider`: the host needs it to load the provider for later deletes.
 */
export function initFailed(
    message: string,
    id: string,
    outputs: Record<string, unknown>,
    inputs: Record<string, unknown>,
): Error & { id: string; properties: Record<string, unknown>; reasons: string[] } {
    const err = new Error(message) as Error & { id: string; properties: Record<string, unknown>; reasons: string[] };
    err.id = id;
    err.properties = { ...inputs, ...outputs, __provider: inputs.__provider };
    err.reasons = [message];
    return err;
}

/**
 * What follows a create of its own: the resource with its outputs once `ready` has them, or, when
 * it never gets there, an initFailed error that keeps it in state with the `failed` outputs, so
 * the next `pulumi up` repairs it instead of creating a second one.
 */
export async function readyOrInitFailed<I extends object, O extends object>(
    id: string,
    inputs: I,
    ready: () => Promise<O>,
    failed: Record<string, unknown>,
): Promise<{ id: string; outs: I & O }> {
    try {
        return { id, outs: { ...inputs, ...(await ready()) } };
    } catch (e) {
        throw initFailed(String((e as Error).message), id, failed, inputs as Record<string, unknown>);
    }
}
