#!/usr/bin/env bash
# README command 2: the whole test suite. Installs what it needs, then lint,
# type check, unit tests and integration tests (which start their own Temporal
# dev server and a fresh PostgreSQL database). Extra arguments go to vitest.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
bash scripts/ensure-deps.sh
bash scripts/ensure-test-deps.sh
echo "== lint" && node_modules/.bin/eslint . && node_modules/.bin/prettier --check "**/*.{ts,mts,mjs}" && node_modules/.bin/tsx scripts/import-graph.ts
echo "== typecheck" && node_modules/.bin/tsc --noEmit -p .
echo "== tests"
mkdir -p .data
status=0
node_modules/.bin/vitest run --reporter=default --reporter=json --outputFile.json=.data/vitest-report.json "$@" || status=$?
# One plain closing line that any CI reader understands.
node -e '
  const r = JSON.parse(require("fs").readFileSync(".data/vitest-report.json", "utf8"));
  // A file that fails before any of its tests runs counts as one failure too.
  const brokenFiles = r.testResults.filter((f) => f.status === "failed" && !f.assertionResults.some((a) => a.status === "failed")).length;
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests + brokenFiles} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' || true
exit "$status"
