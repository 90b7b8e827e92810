#!/usr/bin/env bash
# Makes sure stripe-mock, Stripe's official API mock (a Go program), is in
# .tools/bin: the stripe connector's tests fetch from it and `npm start` syncs
# from it. Built once from the Go module proxy, pinned, like the Temporal CLI.
# Exits non-zero when it cannot be built; callers decide whether that is fatal.
set -euo pipefail
VERSION="v0.203.0"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/scripts/lib/go-tool.sh"
if [[ -n "${STRIPE_MOCK_PATH:-}" && -x "${STRIPE_MOCK_PATH}" ]]; then exit 0; fi
if [[ -x "$ROOT/.tools/bin/stripe-mock" ]]; then exit 0; fi
if ! command -v go >/dev/null 2>&1; then
  echo "syncline: no stripe-mock and no Go toolchain to build it (the stripe connector's tests and demo need it)" >&2
  exit 1
fi
go_tool_build stripe-mock "github.com/stripe/stripe-mock@$VERSION"
