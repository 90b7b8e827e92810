#!/usr/bin/env bash
# Makes sure a Temporal CLI (which carries the dev server) is available.
# Order: $TEMPORAL_CLI_PATH, .tools/bin/temporal, `temporal` on PATH, else build
# the pinned official CLI from the Go module proxy into .tools/bin (ignored by
# git). The SDK's own downloader cannot reach its host on our machines.
set -euo pipefail
VERSION="v1.5.1" # newest tag `go install pkg@version` accepts (later ones carry a replace directive)
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/scripts/lib/go-tool.sh"
if [[ -n "${TEMPORAL_CLI_PATH:-}" && -x "${TEMPORAL_CLI_PATH}" ]]; then exit 0; fi
if [[ -x "$ROOT/.tools/bin/temporal" ]]; then exit 0; fi
if command -v temporal >/dev/null 2>&1; then exit 0; fi
if ! command -v go >/dev/null 2>&1; then
  echo "syncline: no temporal CLI and no Go toolchain to build one; install Go >= 1.23 or set TEMPORAL_ADDRESS" >&2
  exit 1
fi
go_tool_build temporal "github.com/temporalio/cli/cmd/temporal@$VERSION"
"$ROOT/.tools/bin/temporal" --version >&2
