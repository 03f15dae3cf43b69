/**
 * AWS service models for the local endpoint: request validation against the shapes' constraints,
 * rest-json routing and (de)serialization. The models are botocore's JSON files under
 * tests/fixtures/aws-models.
 */
import * as fs from "fs";
import * as path from "path";

export interface Shape {
    type: string;
    members?: Record<string, { shape: string; location?: string; locationName?: string; idempotencyToken?: boolean }>;
    member?: { shape: string };
    key?: { shape: string };
    value?: { shape: string };
    required?: string[];
    enum?: string[];
    pattern?: string;
    min?: number;
    max?: number;
    union?: boolean;
    sensitive?: boolean;
    document?: boolean;
}

export interface Operation {
    name: string;
    http: { method: string; requestUri: string; responseCode?: number };
    input?: { shape: string };
    output?: { shape: string };
}

export interface ServiceModel {
    metadata: { protocol: string; targetPrefix?: string; serviceId: string; xmlNamespace?: string };
    operations: Record<string, Operation>;
    shapes: Record<string, Shape>;
}

const MODEL_DIR = path.join(__dirname, "..", "fixtures", "aws-models");

export function loadModel(file: string): ServiceModel {
    return JSON.parse(fs.readFileSync(path.join(MODEL_DIR, file), "utf8")) as ServiceModel;
}

const regexCache = new Map<string, RegExp>();
function compilePattern(pattern: string): RegExp {
    let re = regexCache.get(pattern);
    if (!re) {
        // Model patterns carry no anchors; AWS checks the whole value, so we do too.
        try {
            re = new RegExp(`^(?:${pattern})$`, "u");
        } catch {
            re = new RegExp(`^(?:${pattern})$`);
        }
        regexCache.set(pattern, re);
    }
    return re;
}

/**
 * Validates `value` against shape `shapeName`. Returns the violations, each with the member path,
 * in the wording AWS uses ("Value at 'x' failed to satisfy constraint: ...").
 */
export function validateShape(model: ServiceModel, shapeName: string, value: unknown, at = ""): string[] {
    const shape = model.shapes[shapeName];
    const errors: string[] = [];
    const where = at || shapeName;
    if (value === undefined || value === null) {
        return errors;
    }
    switch (shape.type) {
        case "structure": {
            if (shape.document) {
                return errors;
            }
            if (typeof value !== "object" || Array.isArray(value)) {
                return [`Value at '${where}' must be an object`];
            }
            const obj = value as Record<string, unknown>;
            const members = shape.members ?? {};
            for (const req of shape.required ?? []) {
                if (obj[req] === undefined || obj[req] === null) {
                    errors.push(`Value at '${at ? at + "." : ""}${req}' failed to satisfy constraint: Member must not be null`);
                }
            }
            const set = Object.keys(obj).filter((k) => obj[k] !== undefined && obj[k] !== null);
            if (shape.union && set.length !== 1) {
                errors.push(
                    `Value at '${where}' failed to satisfy constraint: exactly one member must be set, got ${set.length} (${set.join(", ") || "none"})`,
                );
            }
            for (const k of set) {
                const m = members[k];
                if (!m) {
                    if (!shape.union) {
                        continue; // AWS ignores unknown members of a structure
                    }
                    errors.push(`Value at '${where}' has an unknown union member '${k}'`);
                    continue;
                }
                errors.push(...validateShape(model, m.shape, obj[k], at ? `${at}.${k}` : k));
            }
            return errors;
        }
        case "list": {
            if (!Array.isArray(value)) {
                return [`Value at '${where}' must be a list`];
            }
            if (shape.min !== undefined && value.length < shape.min) {
                errors.push(
                    `Value at '${where}' failed to satisfy constraint: Member must have length greater than or equal to ${shape.min}`,
                );
            }
            if (shape.max !== undefined && value.length > shape.max) {
                errors.push(`Value at '${where}' failed to satisfy constraint: Member must have length less than or equal to ${shape.max}`);
            }
            value.forEach((item, i) => errors.push(...validateShape(model, shape.member!.shape, item, `${where}.${i + 1}.member`)));
            return errors;
        }
        case "map": {
            if (typeof value !== "object" || Array.isArray(value)) {
                return [`Value at '${where}' must be a map`];
            }
            const entries = Object.entries(value as object);
            if (shape.min !== undefined && entries.length < shape.min) {
                errors.push(`Value at '${where}' failed to satisfy constraint: Map must have at least ${shape.min} entries`);
            }
            if (shape.max !== undefined && entries.length > shape.max) {
                errors.push(`Value at '${where}' failed to satisfy constraint: Map must have at most ${shape.max} entries`);
            }
            for (const [k, v] of entries) {
                errors.push(...validateShape(model, shape.key!.shape, k, `${where}.key`));
                errors.push(...validateShape(model, shape.value!.shape, v, `${where}.${k}`));
            }
            return errors;
        }
        case "string": {
            if (typeof value !== "string") {
                return [`Value at '${where}' must be a string`];
            }
            if (shape.enum && !shape.enum.includes(value)) {
                errors.push(
                    `Value '${value}' at '${where}' failed to satisfy constraint: Member must satisfy enum value set: [${shape.enum.join(", ")}]`,
                );
            }
            if (shape.min !== undefined && value.length < shape.min) {
                errors.push(
                    `Value at '${where}' failed to satisfy constraint: Member must have length greater than or equal to ${shape.min}`,
                );
            }
            if (shape.max !== undefined && value.length > shape.max) {
                errors.push(`Value at '${where}' failed to satisfy constraint: Member must have length less than or equal to ${shape.max}`);
            }
            if (shape.pattern && !compilePattern(shape.pattern).test(value)) {
                errors.push(
                    `Value at '${where}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${shape.pattern}`,
                );
            }
            return errors;
        }
        case "integer":
        case "long":
        case "float":
        case "double": {
            if (typeof value !== "number" || Number.isNaN(value)) {
                return [`Value at '${where}' must be a number`];
            }
            if ((shape.type === "integer" || shape.type === "long") && !Number.isInteger(value)) {
                errors.push(`Value at '${where}' must be a whole number`);
            }
            if (shape.min !== undefined && value < shape.min) {
                errors.push(
                    `Value '${value}' at '${where}' failed to satisfy constraint: Member must have value greater than or equal to ${shape.min}`,
                );
            }
            if (shape.max !== undefined && value > shape.max) {
                errors.push(
                    `Value '${value}' at '${where}' failed to satisfy constraint: Member must have value less than or equal to ${shape.max}`,
                );
            }
            return errors;
        }
        case "boolean":
            return typeof value === "boolean" ? errors : [`Value at '${where}' must be a boolean`];
        default:
            return errors;
    }
}

export interface RestRoute {
    op: Operation;
    pathParams: Record<string, string>;
}

interface CompiledRoute {
    op: Operation;
    method: string;
    regex: RegExp;
    params: string[];
    literalLength: number;
    query: Record<string, string>;
}

/** Routes rest-json requests by method and URI template, most specific template first. */
export class RestRouter {
    private readonly routes: CompiledRoute[] = [];

    constructor(model: ServiceModel) {
        for (const [name, op] of Object.entries(model.operations)) {
            const [pathPart, queryPart] = op.http.requestUri.split("?");
            const params: string[] = [];
            let literalLength = 0;
            const source = pathPart
                .split(/(\{[^}]+\})/)
                .map((seg) => {
                    const m = /^\{([^}+]+)(\+?)\}$/.exec(seg);
                    if (m) {
                        params.push(m[1]);
                        return m[2] ? "(.+)" : "([^/]+)";
                    }
                    literalLength += seg.length;
                    return seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
                })
                .join("");
            const query: Record<string, string> = {};
            for (const kv of (queryPart ?? "").split("&").filter(Boolean)) {
                const [k, v] = kv.split("=");
                query[k] = v ?? "";
            }
            // Trailing slashes are not significant to the SDK's URI building.
            const regex = new RegExp(`^${source.replace(/\/$/, "")}/?$`);
            this.routes.push({ op: { ...op, name }, method: op.http.method, regex, params, literalLength, query });
        }
        this.routes.sort((a, b) => b.literalLength - a.literalLength);
    }

    match(method: string, pathname: string, query: URLSearchParams): RestRoute | undefined {
        for (const r of this.routes) {
            if (r.method !== method) {
                continue;
            }
            const m = r.regex.exec(pathname);
            if (!m) {
                continue;
            }
            if (!Object.entries(r.query).every(([k, v]) => query.has(k) && (v === "" || query.get(k) === v))) {
                continue;
            }
            const pathParams: Record<string, string> = {};
            r.params.forEach((p, i) => (pathParams[p] = decodeURIComponent(m[i + 1])));
            return { op: r.op, pathParams };
        }
        return undefined;
    }
}

/** Builds a rest-json operation's input from the path, query string, headers and JSON body. */
export function restInput(
    model: ServiceModel,
    op: Operation,
    pathParams: Record<string, string>,
    query: URLSearchParams,
    headers: Record<string, string | string[] | undefined>,
    body: unknown,
): Record<string, unknown> {
    if (!op.input) {
        return {};
    }
    const shape = model.shapes[op.input.shape];
    const input: Record<string, unknown> = {};
    const bodyObj = (body && typeof body === "object" ? body : {}) as Record<string, unknown>;
    for (const [name, m] of Object.entries(shape.members ?? {})) {
        const wire = m.locationName ?? name;
        const target = model.shapes[m.shape];
        const coerce = (v: string): unknown =>
            target.type === "integer" || target.type === "long" ? Number(v) : target.type === "boolean" ? v === "true" : v;
        if (m.location === "uri") {
            if (pathParams[wire] !== undefined) {
                input[name] = coerce(pathParams[wire]);
            }
        } else if (m.location === "querystring") {
            if (target.type === "list") {
                const all = query.getAll(wire);
                if (all.length > 0) {
                    input[name] = all;
                }
            } else if (query.has(wire)) {
                input[name] = coerce(query.get(wire)!);
            }
        } else if (m.location === "header") {
            const h = headers[wire.toLowerCase()];
            if (h !== undefined) {
                input[name] = coerce(Array.isArray(h) ? h.join(",") : h);
            }
        } else if (bodyObj[wire] !== undefined) {
            input[name] = bodyObj[wire];
        }
    }
    return input;
}

/**
 * Serializes an output value by its shape: timestamps (held as epoch milliseconds) become ISO
 * strings or epoch seconds as the shape's format says; undefined members are dropped.
 */
export function serializeShape(model: ServiceModel, shapeName: string, value: unknown): unknown {
    if (value === undefined || value === null) {
        return undefined;
    }
    const shape = model.shapes[shapeName] as Shape & { timestampFormat?: string };
    switch (shape.type) {
        case "timestamp": {
            const ms = typeof value === "number" ? value : Date.parse(String(value));
            return shape.timestampFormat === "iso8601" ? new Date(ms).toISOString() : ms / 1000;
        }
        case "structure": {
            if (shape.document || typeof value !== "object") {
                return value;
            }
            const out: Record<string, unknown> = {};
            for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
                const m = shape.members?.[k];
                const s = m ? serializeShape(model, m.shape, v) : v;
                if (s !== undefined) {
                    out[k] = s;
                }
            }
            return out;
        }
        case "list":
            return Array.isArray(value) ? value.map((v) => serializeShape(model, shape.member!.shape, v)) : value;
        case "map":
            return typeof value === "object"
                ? Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, serializeShape(model, shape.value!.shape, v)]))
                : value;
        default:
            return value;
    }
}

// ---------------------------------------------------------------------------------------------
// The query protocols (STS: query; EC2: ec2): form-encoded requests, XML answers

function capitalize(s: string): string {
    return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * Builds an operation's input from its form parameters (`Filter.1.Name=vpc-id`), by the shapes:
 * query lists are `Name.member.N` (or `Name.N` when flattened), EC2 lists always `Name.N` with the
 * member's queryName (or its capitalized locationName). Every parameter used is added to `used`.
 */
export function formInput(
    model: ServiceModel,
    shapeName: string,
    params: URLSearchParams,
    ec2: boolean,
    prefix = "",
    used: Set<string> = new Set(),
): unknown {
    const shape = model.shapes[shapeName] as Shape & { flattened?: boolean };
    const has = (p: string) => [...params.keys()].some((k) => k === p || k.startsWith(`${p}.`));
    switch (shape.type) {
        case "structure": {
            const out: Record<string, unknown> = {};
            for (const [name, m] of Object.entries(shape.members ?? {})) {
                const member = m as typeof m & { queryName?: string; flattened?: boolean };
                const key = ec2 ? (member.queryName ?? capitalize(member.locationName ?? name)) : (member.locationName ?? name);
                const p = prefix ? `${prefix}.${key}` : key;
                if (has(p)) {
                    out[name] = formInput(model, member.shape, params, ec2, p, used);
                }
            }
            return out;
        }
        case "list": {
            const items: unknown[] = [];
            const flat = ec2 || shape.flattened;
            // The query protocol sends an empty list as the bare name with no value (`ContextEntries=`).
            if (params.get(prefix) === "") {
                used.add(prefix);
            }
            for (let i = 1; ; i++) {
                const p = flat ? `${prefix}.${i}` : `${prefix}.member.${i}`;
                if (!has(p)) {
                    break;
                }
                items.push(formInput(model, shape.member!.shape, params, ec2, p, used));
            }
            return items;
        }
        default: {
            used.add(prefix);
            const v = params.get(prefix) ?? "";
            if (shape.type === "integer" || shape.type === "long") {
                return Number(v);
            }
            return shape.type === "boolean" ? v === "true" : v;
        }
    }
}

function xmlEscape(s: string): string {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Serializes an output value as the query and EC2 protocols write it, by its shape. */
export function xmlOf(model: ServiceModel, shapeName: string, value: unknown): string {
    if (value === undefined || value === null) {
        return "";
    }
    const shape = model.shapes[shapeName] as Shape & { flattened?: boolean };
    switch (shape.type) {
        case "structure":
            return Object.entries(shape.members ?? {})
                .map(([name, m]) => {
                    const v = (value as Record<string, unknown>)[name];
                    if (v === undefined || v === null) {
                        return "";
                    }
                    const tag = m.locationName ?? name;
                    return `<${tag}>${xmlOf(model, m.shape, v)}</${tag}>`;
                })
                .join("");
        case "list": {
            const member = shape.member as { shape: string; locationName?: string };
            const tag = member.locationName ?? "member";
            return (value as unknown[]).map((v) => `<${tag}>${xmlOf(model, member.shape, v)}</${tag}>`).join("");
        }
        case "timestamp":
            return new Date(typeof value === "number" ? value : Date.parse(String(value))).toISOString();
        default:
            return xmlEscape(String(value));
    }
}
