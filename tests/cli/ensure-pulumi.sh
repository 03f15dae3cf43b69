#!/usr/bin/env bash
# Makes sure a Pulumi CLI exists for the end-to-end tests and prints its path.
#
# - A `pulumi` already on PATH (or named by ZSCALER_MCP_PULUMI) is used as is.
# - Otherwise the CLI is built from its Go modules, at the version go.mod here names (the newest
#   the Go module proxy serves that fits the project's @pulumi/pulumi), into a cache outside the
#   clone (ZSCALER_MCP_CLI_CACHE, by default ~/.cache/zscaler-mcp-harness/pulumi-cli/<version>)
#   and reused from there: a cold build takes a few minutes, a warm run milliseconds.
#
# The Node.js language host and the dynamic-provider launcher that go with a CLI install are
# supplied by the test suite itself (tests/e2e/workspace.ts); see tests/cli/README.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

if [ -n "${ZSCALER_MCP_PULUMI:-}" ]; then
    echo "$ZSCALER_MCP_PULUMI"
    exit 0
fi
if own=$(command -v pulumi 2>/dev/null); then
    echo "$own"
    exit 0
fi

sdk=$(node -p "require('$root/package.json').dependencies['@pulumi/pulumi']")
version=$(sed -n 's#^[[:space:]]*github.com/pulumi/pulumi/pkg/v3 v\([0-9.]*\).*#\1#p' "$here/go.mod")
if [ "${sdk%%.*}" != "${version%%.*}" ]; then
    echo "tests/cli/go.mod builds pulumi $version but package.json has @pulumi/pulumi $sdk: bump both pulumi requirements in go.mod and run go mod tidy there." >&2
    exit 1
fi
cache=${ZSCALER_MCP_CLI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/zscaler-mcp-harness/pulumi-cli}/v$version
if [ -x "$cache/pulumi" ] && "$cache/pulumi" version >/dev/null 2>&1; then
    echo "$cache/pulumi"
    exit 0
fi

if ! command -v go >/dev/null 2>&1; then
    echo "No pulumi on PATH and no Go toolchain to build one: install the Pulumi CLI, or Go 1.25+." >&2
    exit 1
fi
mkdir -p "$cache"
echo "Building the Pulumi CLI $version (for @pulumi/pulumi $sdk) into $cache (once; a few minutes)..." >&2
start=$(date +%s)
# Built beside the final name and moved into place, so a concurrent run never sees half a binary.
(cd "$here" && go build -buildvcs=false -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version" \
    -o "$cache/pulumi.$$" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi) >&2
mv -f "$cache/pulumi.$$" "$cache/pulumi"
echo "Built $("$cache/pulumi" version) in $(( $(date +%s) - start )) s." >&2
echo "$cache/pulumi"
