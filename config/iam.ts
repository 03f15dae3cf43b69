/**
 * The IAM section: what the account asks of every role the stack creates (a permissions boundary,
 * a path).
 */
import { KEYS } from "./keys";
import { refusedPartition } from "./partition";
import type { ConfigReader } from "./reader";

export interface IamSettings {
    /** The managed policy every role carries as its permissions boundary, when the account requires one. */
    permissionsBoundary?: string;
    /** The IAM path of every role: "/" unless the account keeps its roles under another. */
    rolePath: string;
}

export function readIam(r: ConfigReader): IamSettings {
    const boundary = r.str("iamPermissionsBoundary");
    const permissionsBoundary = refusedPartition(
        r,
        "iamPermissionsBoundary",
        boundary,
        `Run: pulumi config set iamPermissionsBoundary ${KEYS.iamPermissionsBoundary.fix}`,
    )
        ? boundary
        : r.matching("iamPermissionsBoundary");
    const rolePath = r.matching("iamRolePath") ?? "/";
    return { permissionsBoundary, rolePath };
}
