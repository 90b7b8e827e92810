#!/usr/bin/env bash
# Makes sure the parts of a production-shaped Temporal cluster are in
# .tools/bin, each built once from the Go module proxy at the versions .env
# pins for docker-compose.yml (so both deployments run the same server):
#   temporal-server    go.temporal.io/server/cmd/server          (frontend, history, matching, worker)
#   temporal-sql-tool  go.temporal.io/server/cmd/tools/sql       (schema create/setup/update on PostgreSQL)
#   temporal-ui-server github.com/temporalio/ui-server/v2/cmd/server (the Web UI)
# Prints the server module's directory (its schema/ folder holds the versioned
# schema) on stdout. Exits non-zero when a part cannot be built.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/scripts/lib/go-tool.sh"
pin() { sed -n "s/^$1=//p" "$ROOT/.env"; }
SERVER_VERSION="v$(pin TEMPORAL_VERSION)"
UI_VERSION="v$(pin TEMPORAL_UI_VERSION)"
mkdir -p "$ROOT/.data"
[[ -x "$SYNCLINE_TOOLS/bin/temporal-server" ]] ||
  go_tool_build temporal-server "go.temporal.io/server/cmd/server@$SERVER_VERSION" "$ROOT/.data/temporal-server-build.log"
[[ -x "$SYNCLINE_TOOLS/bin/temporal-sql-tool" ]] ||
  go_tool_build temporal-sql-tool "go.temporal.io/server/cmd/tools/sql@$SERVER_VERSION" "$ROOT/.data/temporal-sql-tool-build.log"
[[ -x "$SYNCLINE_TOOLS/bin/temporal-ui-server" ]] ||
  go_tool_build temporal-ui-server "github.com/temporalio/ui-server/v2/cmd/server@$UI_VERSION" "$ROOT/.data/temporal-ui-server-build.log"
# The module is in the cache now (go install put it there); -mod=mod lets `go list` run outside a module.
GOFLAGS=-mod=mod go list -m -f '{{.Dir}}' "go.temporal.io/server@$SERVER_VERSION" 2>/dev/null ||
  echo "$(go env GOMODCACHE)/go.temporal.io/server@$SERVER_VERSION"
