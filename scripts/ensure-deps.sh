#!/usr/bin/env bash
# Installs what the project needs on a fresh clone, and only what changed since:
# npm packages (when package-lock.json changed), the Prisma client (when the
# schema changed), the Temporal CLI (unless TEMPORAL_ADDRESS is set) and stripe-mock.
# What only the tests need (Chromium, docker-compose) is scripts/ensure-test-deps.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
stamp() { sha256sum "$@" | sha256sum | cut -c1-16; }

# The lock alone decides what is installed; an edit to package.json scripts must not reinstall.
lock_stamp="$(stamp package-lock.json)"
if [[ ! -f node_modules/.syncline-stamp || "$(cat node_modules/.syncline-stamp)" != "$lock_stamp" ]]; then
  echo "syncline: installing npm packages..." >&2
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_stamp" > node_modules/.syncline-stamp
fi

schema_stamp="$(stamp prisma/schema.prisma package-lock.json)"
if [[ ! -f src/generated/prisma/.stamp || "$(cat src/generated/prisma/.stamp)" != "$schema_stamp" ]]; then
  # `prisma generate` does not run the schema engine, but the CLI insists on
  # finding one; pointing it at any file stops it from trying to download it.
  # node_modules/.bin/prisma may point at the 6.19 alias used for offline diffs, so name v7 exactly.
  PRISMA_SCHEMA_ENGINE_BINARY="$ROOT/package.json" node node_modules/prisma/build/index.js generate >/dev/null
  echo "$schema_stamp" > src/generated/prisma/.stamp
fi

if [[ -z "${TEMPORAL_ADDRESS:-}" ]]; then bash scripts/ensure-temporal.sh; fi

# stripe-mock backs the stripe connector's tests and the demo Stripe connection of `npm start`;
# without it those are skipped with a warning, nothing else depends on it.
bash scripts/ensure-stripe-mock.sh || echo "syncline: warning: stripe-mock could not be built; the Stripe demo and tests will not run" >&2
