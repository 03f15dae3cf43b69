/**
 * What the local endpoint may answer, by AWS's models: the errors an operation's model lists, plus
 * the errors AWS documents as common to every operation of a protocol (credentials, throttling,
 * server failures, requests the protocol refuses), each with the HTTP status AWS gives it. An
 * answer outside this contract is the endpoint's own bug (a test would be checking a caller
 * against an answer AWS never gives): the endpoint records it as a violation, and the mocha hook
 * in tests/support/endpointContract.ts fails the test that caused it.
 *
 * Also the paging every List and Describe operation with a next token does on AWS.
 */
import { createHash } from "crypto";
import type { Operation, ServiceModel, Shape } from "../model";
import { AwsError } from "./types";

/** An operation's entry in the model: its errors too (model.ts reads no more than it needs to route). */
type ModelOperation = Operation & { errors?: { shape: string }[] };
type ErrorShape = Shape & { exception?: boolean; fault?: boolean; error?: { code?: string; httpStatusCode?: number } };

/**
 * The errors AWS documents as common to every action of a service (the "Common Errors" page of each
 * API reference, and the errors the SDKs' JSON protocols name for a request refused before it reaches
 * the operation), by protocol, with the statuses they come with.
 */
const COMMON_JSON: Record<string, number[]> = {
    AccessDeniedException: [400, 403],
    IncompleteSignature: [400],
    IncompleteSignatureException: [400],
    InternalFailure: [500],
    InternalServerException: [500],
    InvalidAction: [400],
    InvalidClientTokenId: [403],
    InvalidSignatureException: [400, 403],
    ExpiredToken: [400, 403],
    ExpiredTokenException: [400, 403],
    MissingAuthenticationToken: [403],
    MissingAuthenticationTokenException: [403],
    NotAuthorized: [400],
    OptInRequired: [403],
    RequestExpired: [400],
    ServiceUnavailable: [503],
    ServiceUnavailableException: [503],
    ThrottlingException: [400, 429],
    UnrecognizedClientException: [400, 403],
    UnknownOperationException: [400, 404],
    SerializationException: [400],
    ValidationException: [400],
    ValidationError: [400],
};

const COMMON_QUERY: Record<string, number[]> = {
    AccessDenied: [403],
    IncompleteSignature: [400],
    InternalFailure: [500],
    InvalidAction: [400],
    InvalidClientTokenId: [403],
    InvalidParameterCombination: [400],
    InvalidParameterValue: [400],
    MalformedQueryString: [404],
    MissingAction: [400],
    MissingParameter: [400],
    ExpiredToken: [400, 403],
    NotAuthorized: [400],
    OptInRequired: [403],
    RequestExpired: [400],
    ServiceUnavailable: [503],
    SignatureDoesNotMatch: [403],
    Throttling: [400],
    ValidationError: [400],
};

/**
 * EC2's model lists no errors: its API reference lists the codes instead (common client and server
 * errors, and the resource-specific ones of the operations the endpoint serves).
 */
const COMMON_EC2: Record<string, number[]> = {
    AuthFailure: [401],
    Blocked: [403],
    InternalError: [500],
    InvalidAction: [400],
    InvalidClientTokenId: [401, 403],
    InvalidFilter: [400],
    InvalidParameter: [400],
    InvalidParameterCombination: [400],
    InvalidParameterValue: [400],
    InvalidSubnetID: [400],
    "InvalidSubnetID.NotFound": [400],
    "InvalidVpcID.NotFound": [400],
    MissingParameter: [400],
    RequestExpired: [400],
    RequestLimitExceeded: [503],
    ServiceUnavailable: [503],
    Unavailable: [503],
    UnauthorizedOperation: [403],
    UnknownParameter: [400],
};

function commonErrors(model: ServiceModel): Record<string, number[]> {
    switch (model.metadata.protocol) {
        case "ec2":
            return COMMON_EC2;
        case "query":
            return COMMON_QUERY;
        default:
            return COMMON_JSON;
    }
}

/** The error codes an operation may answer, with the statuses each comes with. */
export function allowedErrors(model: ServiceModel, opName: string): Map<string, number[]> {
    const allowed = new Map(Object.entries(commonErrors(model)));
    const op = model.operations[opName] as ModelOperation | undefined;
    for (const { shape } of op?.errors ?? []) {
        const s = model.shapes[shape] as ErrorShape;
        // The query protocol names an error on the wire by its code; the JSON protocols by the shape.
        const code = s.error?.code ?? shape;
        const status = s.error?.httpStatusCode ?? (s.fault ? 500 : 400);
        allowed.set(code, [status]);
    }
    return allowed;
}

/** Why an error answer breaks the model's contract for an operation, or undefined when AWS could give it. */
export function contractBreach(model: ServiceModel, service: string, opName: string, e: AwsError): string | undefined {
    const statuses = allowedErrors(model, opName).get(e.code);
    if (!statuses) {
        return `${service} ${opName} answered ${e.code} (${e.status}: ${e.message}), an error AWS's model does not list for it`;
    }
    if (!statuses.includes(e.status)) {
        return `${service} ${opName} answered ${e.code} with HTTP ${e.status}; AWS answers it with ${statuses.join(" or ")}`;
    }
    return undefined;
}

// ---------------------------------------------------------------------------------------------
// Paging

/** Where an operation's pages are: the token member (in and out), the page size member, the list member. */
export interface Paging {
    token: string;
    limit?: string;
    items: string;
}

/** Operations whose answer holds more than one list: the one that pages (as botocore's paginators name it). */
const RESULT_KEYS: Record<string, string> = { FilterLogEvents: "events" };

/** How an operation pages, when its input and output both carry a next token and the output a list. */
export function pagingOf(model: ServiceModel, opName: string): Paging | undefined {
    const op = model.operations[opName];
    if (!op?.input || !op.output) {
        return undefined;
    }
    const inMembers = model.shapes[op.input.shape].members ?? {};
    const outMembers = model.shapes[op.output.shape].members ?? {};
    const token = Object.keys(inMembers).find((k) => /^next_?token$/i.test(k));
    if (!token || !outMembers[token]) {
        return undefined;
    }
    const lists = Object.keys(outMembers).filter((k) => model.shapes[outMembers[k].shape].type === "list");
    const items = RESULT_KEYS[opName] ?? (lists.length === 1 ? lists[0] : undefined);
    if (!items) {
        return undefined;
    }
    const limit = Object.keys(inMembers).find((k) => /^(maxResults|limit|maxItems)$/i.test(k));
    return { token, limit, items };
}

/** JSON with object keys sorted, so that the same request always hashes the same. */
function stableJson(v: unknown): string {
    if (Array.isArray(v)) {
        return `[${v.map(stableJson).join(",")}]`;
    }
    if (v && typeof v === "object") {
        return `{${Object.keys(v)
            .sort()
            .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
            .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
            .join(",")}}`;
    }
    return JSON.stringify(v);
}

/** The error an operation answers for a next token it did not give out, from the errors its model lists. */
function badToken(model: ServiceModel, opName: string): AwsError {
    const listed = allowedErrors(model, opName);
    const code = ["InvalidNextTokenException", "InvalidParameterException", "InvalidParameterValue", "ValidationException"].find((c) =>
        listed.has(c),
    );
    return new AwsError(code ?? "ValidationException", "The specified nextToken is not valid for this request.");
}

/**
 * One page of a handler's whole answer: at most `pageSize` items (or the caller's smaller page
 * size) from where the caller's token points, and a token for the rest. Tokens are opaque, as
 * AWS's are, and name the operation they were given for.
 */
export function pageOf(model: ServiceModel, opName: string, input: Record<string, any>, out: unknown, pageSize: number): unknown {
    const paging = pagingOf(model, opName);
    if (!paging || !out || typeof out !== "object") {
        return out;
    }
    const answer = out as Record<string, unknown>;
    const all = answer[paging.items];
    if (!Array.isArray(all) || answer[paging.token] !== undefined) {
        // A handler that pages for itself, or an answer without the list.
        return out;
    }
    // A token answers one request: the next page's request must ask the same (but for the page size).
    const { [paging.token]: token, ...rest } = input;
    if (paging.limit) {
        delete rest[paging.limit];
    }
    const request = createHash("sha256")
        .update(`${opName}:${stableJson(rest)}`)
        .digest("hex")
        .slice(0, 16);
    let from = 0;
    if (token !== undefined && token !== "") {
        const m = /^([A-Za-z]+):(\d+):([0-9a-f]+)$/.exec(Buffer.from(String(token), "base64").toString("utf8"));
        if (!m || m[1] !== opName || m[3] !== request) {
            throw badToken(model, opName);
        }
        from = Number(m[2]);
    }
    const asked = paging.limit ? Number(input[paging.limit]) : NaN;
    const size = Number.isInteger(asked) && asked > 0 ? Math.min(asked, pageSize) : pageSize;
    const to = from + size;
    return {
        ...answer,
        [paging.items]: all.slice(from, to),
        [paging.token]: to < all.length ? Buffer.from(`${opName}:${to}:${request}`).toString("base64") : undefined,
    };
}
