/**
 * The Node.js versions the program and the operator commands run on: the ones package.json's
 * engines field names, ^22.13.0 || >=24.0.0. @pulumi/pulumi supports Node 22 and later only (its
 * own engines field), and Node 20 is past its end of life, so the program and every command refuse
 * an older Node at start with one line instead of running on a version nobody supports. This
 * module imports nothing, so that the check runs before anything else loads.
 */

/** The rule as package.json's engines field writes it (a test keeps the two the same). */
export const SUPPORTED_NODE = "^22.13.0 || >=24.0.0";

/** Whether `version` (process.versions.node, "22.13.0") satisfies SUPPORTED_NODE. */
export function isSupportedNode(version: string): boolean {
    const [major, minor] = version.split(".").map(Number);
    return (major === 22 && minor >= 13) || major >= 24;
}

/** The one-line refusal for an unsupported Node.js, or undefined when `version` is supported. */
export function unsupportedNode(version: string = process.versions.node): string | undefined {
    if (isSupportedNode(version)) {
        return undefined;
    }
    return (
        `zscaler-mcp-harness needs Node.js 22 (22.13 or newer) or 24 and later; this is Node.js ${version}. ` +
        "Install Node.js 22 or 24 (for example nvm install 22), then run npm ci again."
    );
}
