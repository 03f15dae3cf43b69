#!/usr/bin/env bash
# Prepares the Python programs the server tier runs, each in its own virtual environment in a cache
# outside the clone, and prints one line per environment: `<name> <directory>`.
#
#   zscaler-mcp-0.10.4, zscaler-mcp-0.15.4   the Zscaler MCP server from PyPI, with boto3 for its
#                                            Secrets Manager loader
#   mitmproxy                                a TLS-intercepting proxy, for the server's calls to
#                                            Zscaler's token endpoint
#
# Each environment installs exactly the pinned requirements-<name>.txt beside this script (no
# resolution, --no-deps, wheels preferred) and is reused while that file is unchanged; a cold build takes about a
# minute each on two cores, a warm call milliseconds. ZSCALER_MCP_PYTHON_CACHE moves the cache.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${ZSCALER_MCP_PYTHON_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/zscaler-mcp-harness/python}

# Python 3.11 to 3.13, with venv (the server requires 3.11 or newer; the pins were taken on 3.11).
python=""
for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
        "$candidate" -c 'import sys, ensurepip, venv; sys.exit(0 if (3, 11) <= sys.version_info[:2] <= (3, 13) else 1)' >/dev/null 2>&1; then
        python=$(command -v "$candidate")
        break
    fi
done
if [ -z "$python" ]; then
    echo "ensure-python-tools: no Python 3.11, 3.12 or 3.13 with venv found; install one, for example: apt-get install python3.11 python3.11-venv" >&2
    exit 1
fi

for requirements in "$here"/requirements-*.txt; do
    name=$(basename "$requirements" .txt)
    name=${name#requirements-}
    case "$name" in [0-9]*) name="zscaler-mcp-$name" ;; esac
    dir="$cache/$name"
    stamp=$(sha256sum "$requirements" | cut -d' ' -f1)
    if [ ! -f "$dir/.ready" ] || [ "$(cat "$dir/.ready")" != "$stamp" ]; then
        echo "ensure-python-tools: installing $name into $dir" >&2
        rm -rf "$dir"
        mkdir -p "$cache"
        "$python" -m venv "$dir"
        # Wheels where they exist (one pin, package-name, is published as source only and is pure Python).
        "$dir/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --prefer-binary --requirement "$requirements" >&2
        echo "$stamp" >"$dir/.ready"
    fi
    echo "$name $dir"
done
