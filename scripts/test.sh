#!/usr/bin/env bash
# README command 2: the whole test suite. Installs what it needs, then lint,
# type check, unit tests and integration tests (which start their own Temporal
# dev server and a fresh PostgreSQL database), then the cluster tests (a
# production-shaped Temporal cluster, built with Go on first use). Extra
# arguments go to one vitest run over every project instead.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
bash scripts/ensure-deps.sh
bash scripts/ensure-test-deps.sh
echo "== lint" && node_modules/.bin/eslint . && node_modules/.bin/prettier --check "**/*.{ts,mts,mjs}" && node_modules/.bin/tsx scripts/import-graph.ts
echo "== typecheck" && node_modules/.bin/tsc --noEmit -p .
echo "== tests"
mkdir -p .data
rm -f .data/vitest-report.json .data/vitest-report-cluster.json
status=0
report() { echo --reporter=default --reporter=json "--outputFile.json=.data/$1"; }
if [[ $# -eq 0 ]]; then
  # unit + integration first; the cluster project after them, on its own, so its four
  # Temporal services and the Web UI never run beside the integration files (2 cores).
  # SYNCLINE_CLUSTER_TESTS=0 leaves the cluster tests out (a quick local run); CI and a plain `npm test` run them.
  # One 2,000-change chaos run keeps the suite inside its 30 minutes: the cluster's
  # (test/cluster/chaos.cluster.test.ts: the dev-server run's faults plus history, matching, frontend and
  # PostgreSQL restarts and the overload burst), or the dev server's (test/integration/chaos.integration.test.ts)
  # when the cluster tests are left out or SYNCLINE_CLUSTER_CHAOS=0 asks for it.
  dev_chaos=(--exclude test/integration/chaos.integration.test.ts)
  cluster_chaos=()
  if [[ "${SYNCLINE_CLUSTER_CHAOS:-1}" == "0" || "${SYNCLINE_CLUSTER_TESTS:-1}" == "0" ]]; then
    dev_chaos=()
    cluster_chaos=(--exclude test/cluster/chaos.cluster.test.ts)
  fi
  node_modules/.bin/vitest run --project unit --project integration "${dev_chaos[@]}" $(report vitest-report.json) || status=$?
  if [[ "${SYNCLINE_CLUSTER_TESTS:-1}" != "0" ]]; then
    echo "== cluster tests (Temporal cluster: frontend, history, matching, worker on PostgreSQL, mutual TLS, Web UI; chaos across its services)"
    # Built once per machine with Go (a warm Go cache makes it a link step); the cluster's own setup would build too.
    if bash scripts/ensure-temporal-cluster.sh >/dev/null; then
      node_modules/.bin/vitest run --project cluster "${cluster_chaos[@]}" $(report vitest-report-cluster.json) || status=$?
    else
      echo "the Temporal cluster could not be built (logs in .data/temporal-*-build.log): cluster tests FAILED"
      status=1
    fi
  else
    echo "== cluster tests skipped (SYNCLINE_CLUSTER_TESTS=0)"
  fi
else
  node_modules/.bin/vitest run $(report vitest-report.json) "$@" || status=$?
fi
# The same code on the current Node.js LTS: the unit tests and the integration files that
# exercise every runtime-sensitive part (HTTP, the Temporal worker and client, child
# processes and signals, PostgreSQL, the workflow bundle). SYNCLINE_LTS_PASS=0 skips it.
lts_summary=""
if [[ "${SYNCLINE_LTS_PASS:-1}" != "0" && $# -eq 0 ]]; then
  if lts_bin="$(bash scripts/ensure-node.sh)"; then
    echo "== tests on Node.js $("$lts_bin/node" --version) (current LTS)"
    lts_status=0
    PATH="$lts_bin:$PATH" "$lts_bin/node" node_modules/vitest/vitest.mjs run test/unit/ \
      test/integration/fastPath.integration.test.ts test/integration/forgedInput.integration.test.ts \
      test/integration/quickstart.integration.test.ts test/integration/processEventWorkflow.integration.test.ts \
      test/integration/replay.integration.test.ts test/integration/shutdownSignals.integration.test.ts \
      test/integration/badInput.integration.test.ts || lts_status=$?
    lts_summary="Node.js LTS pass: $([[ $lts_status -eq 0 ]] && echo passed || echo FAILED)"
    [[ $lts_status -eq 0 ]] || status=$lts_status
  else
    lts_summary="Node.js LTS pass: skipped (could not install it)"
  fi
fi
# One plain closing line that any CI reader understands.
node -e '
  const fs = require("fs");
  const reports = [".data/vitest-report.json", ".data/vitest-report-cluster.json"].filter((f) => fs.existsSync(f));
  let passed = 0, failed = 0, skipped = 0;
  for (const file of reports) {
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    // A file that fails before any of its tests runs counts as one failure too.
    const brokenFiles = r.testResults.filter((f) => f.status === "failed" && !f.assertionResults.some((a) => a.status === "failed")).length;
    passed += r.numPassedTests;
    failed += r.numFailedTests + brokenFiles;
    skipped += r.numPendingTests + r.numTodoTests;
  }
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
' || true
[[ -z "$lts_summary" ]] || echo "$lts_summary"
exit "$status"
