#!/usr/bin/env bash
# Makes sure promtool (Prometheus's rule checker) is in .tools/bin, built from
# the Go module proxy like the Temporal CLI; the rule tests run it. Order:
# $PROMTOOL_PATH, .tools/bin/promtool, `promtool` on PATH, else build the pin.
# v0.316.0: the v0.307.x tags carry `exclude` directives that `go install
# pkg@version` refuses; v0.316.0 has none and builds with Go 1.26.
set -euo pipefail
VERSION="v0.316.0"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/scripts/lib/go-tool.sh"
if [[ -n "${PROMTOOL_PATH:-}" && -x "${PROMTOOL_PATH}" ]]; then exit 0; fi
if [[ -x "$ROOT/.tools/bin/promtool" ]]; then exit 0; fi
if command -v promtool >/dev/null 2>&1; then exit 0; fi
if ! command -v go >/dev/null 2>&1; then
  echo "syncline: warning: no promtool and no Go to build it; the Prometheus rule tests will fail" >&2
  exit 0
fi
if ! go_tool_build promtool "github.com/prometheus/prometheus/cmd/promtool@$VERSION" "$ROOT/.data/promtool-build.log"; then
  echo "syncline: warning: promtool did not build (see .data/promtool-build.log); the Prometheus rule tests will fail" >&2
fi
