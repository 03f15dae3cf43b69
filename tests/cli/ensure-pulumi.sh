#!/usr/bin/env bash
# Makes sure a Pulumi CLI exists for the end-to-end tests and prints its path (stdout carries that
# path only; what the script builds is logged on stderr).
#
# - A `pulumi` already on PATH (or named by ZSCALER_MCP_PULUMI) is used as is.
# - Otherwise the CLI is built from its Go modules, at the version go.mod here names (the newest
#   the Go module proxy serves that fits the project's @pulumi/pulumi), into a cache outside the
#   clone (ZSCALER_MCP_CLI_CACHE, by default ~/.cache/zscaler-mcp-harness/pulumi-cli/<version>)
#   and reused from there: a cold build takes a few minutes, a warm run milliseconds.
# - Beside it go the two plugins a CLI install carries for a Node.js program, so that the cached
#   CLI is a complete install: Pulumi's Node.js language host, built from its source
#   (ZSCALER_MCP_LANGUAGE_HOST_SRC, by default ../shared/pulumi-language-nodejs from the clone's
#   root), and Pulumi's dynamic-provider launcher, copied from the installed @pulumi/pulumi.
#   ZSCALER_MCP_PULUMI naming the cached CLI gets these too. See tests/cli/README.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

sdk=$(node -p "require('$root/package.json').dependencies['@pulumi/pulumi']")
version=$(sed -n 's#^[[:space:]]*github.com/pulumi/pulumi/pkg/v3 v\([0-9.]*\).*#\1#p' "$here/go.mod")
cache=${ZSCALER_MCP_CLI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/zscaler-mcp-harness/pulumi-cli}/v$version

# A file's path with every link resolved (as the CLI resolves its own when it looks for its plugins).
resolved() { node -e 'try { console.log(require("fs").realpathSync(process.argv[1])) } catch { console.log(require("path").resolve(process.argv[1])) }' "$1"; }

if [ -n "${ZSCALER_MCP_PULUMI:-}" ]; then
    # Someone else's CLI is theirs to complete; only the cached one gets its plugins here.
    if [ "$(resolved "$ZSCALER_MCP_PULUMI")" != "$(resolved "$cache/pulumi")" ]; then
        echo "$ZSCALER_MCP_PULUMI"
        exit 0
    fi
elif own=$(command -v pulumi 2>/dev/null); then
    echo "$own"
    exit 0
fi

if [ "${sdk%%.*}" != "${version%%.*}" ]; then
    echo "tests/cli/go.mod builds pulumi $version but package.json has @pulumi/pulumi $sdk: bump both pulumi requirements in go.mod and run go mod tidy there." >&2
    exit 1
fi
need_go() {
    if ! command -v go >/dev/null 2>&1; then
        echo "No pulumi on PATH and no Go toolchain to build $1: install the Pulumi CLI, or Go 1.25+." >&2
        exit 1
    fi
}
mkdir -p "$cache"

# The CLI. Each binary is built beside its final name and moved into place, so a concurrent run
# never sees half a binary.
if ! { [ -x "$cache/pulumi" ] && "$cache/pulumi" version >/dev/null 2>&1; }; then
    need_go "one"
    echo "Building the Pulumi CLI $version (for @pulumi/pulumi $sdk) into $cache (once; a few minutes)..." >&2
    start=$(date +%s)
    (cd "$here" && go build -buildvcs=false -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version" \
        -o "$cache/pulumi.$$" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi) >&2
    mv -f "$cache/pulumi.$$" "$cache/pulumi"
    echo "Built $("$cache/pulumi" version) in $(( $(date +%s) - start )) s." >&2
fi

# Pulumi's Node.js language host. Its Go module is not served by the Go module proxy, so it is
# built from a copy of its source kept outside the clone, against the CLI's own Pulumi modules.
if [ ! -x "$cache/pulumi-language-nodejs" ]; then
    src=${ZSCALER_MCP_LANGUAGE_HOST_SRC:-$root/../shared/pulumi-language-nodejs}
    if [ ! -f "$src/main.go" ]; then
        echo "No source of Pulumi's Node.js language host at $src (set ZSCALER_MCP_LANGUAGE_HOST_SRC), so the Pulumi CLI in $cache cannot run the program: install the Pulumi CLI instead." >&2
        exit 1
    fi
    if ! grep -Eq "^[[:space:]]*github.com/pulumi/pulumi/sdk/v3 v$version([[:space:]]|$)" "$src/go.mod"; then
        echo "The language host in $src is not built against Pulumi $version (its go.mod): take its source from Pulumi $version." >&2
        exit 1
    fi
    need_go "its language host"
    echo "Building Pulumi's Node.js language host $version from $src into $cache (once)..." >&2
    start=$(date +%s)
    (cd "$src" && go build -mod=readonly -buildvcs=false -trimpath \
        -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version" \
        -o "$cache/pulumi-language-nodejs.$$" .) >&2
    mv -f "$cache/pulumi-language-nodejs.$$" "$cache/pulumi-language-nodejs"
    echo "Built pulumi-language-nodejs in $(( $(date +%s) - start )) s." >&2
fi

# Pulumi's dynamic-provider launcher, as @pulumi/pulumi ships it: it starts the host in the
# program's own @pulumi/pulumi (the engine runs it in the program's directory).
launcher=$root/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs
if [ ! -f "$launcher" ]; then
    echo "No $launcher: run npm ci first." >&2
    exit 1
fi
if ! cmp -s "$launcher" "$cache/pulumi-resource-pulumi-nodejs"; then
    cp "$launcher" "$cache/pulumi-resource-pulumi-nodejs.$$"
    chmod 755 "$cache/pulumi-resource-pulumi-nodejs.$$"
    mv -f "$cache/pulumi-resource-pulumi-nodejs.$$" "$cache/pulumi-resource-pulumi-nodejs"
    echo "Copied Pulumi's dynamic-provider launcher from @pulumi/pulumi $(node -p "require('$root/node_modules/@pulumi/pulumi/package.json').version") into $cache." >&2
fi
echo "$cache/pulumi"
