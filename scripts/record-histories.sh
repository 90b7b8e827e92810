#!/usr/bin/env bash
# Records workflow histories made by the code at a commit into
# test/fixtures/histories/<label>.*.json, for the replay test. Uses a
# throwaway worktree that shares this checkout's node_modules and tools.
#   bash scripts/record-histories.sh <commit> <label>
set -euo pipefail
commit=${1:?commit}
label=${2:?label}
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/test/fixtures/histories"
# The worktree borrows this checkout's node_modules, so both must want the same packages.
# SHARE_NODE_MODULES=1 overrides, after checking that the difference does not matter to the workflows.
if [[ -z "${SHARE_NODE_MODULES:-}" ]] && ! git -C "$root" diff --quiet "$commit" HEAD -- package-lock.json; then
  echo "package-lock.json at $commit differs from HEAD's; record from a clone with its own npm ci (or SHARE_NODE_MODULES=1)" >&2
  exit 1
fi
tree=$(mktemp -d)/tree
git -C "$root" worktree add -f --detach "$tree" "$commit" >/dev/null
trap 'git -C "$root" worktree remove --force "$tree"; git -C "$root" worktree prune' EXIT
ln -s "$root/node_modules" "$tree/node_modules"
# Borrowed node_modules come with their lock, or the worktree's ensure-deps would reinstall them from its own.
[[ -n "${SHARE_NODE_MODULES:-}" ]] && cp "$root/package-lock.json" "$tree/package-lock.json"
[ -d "$root/.tools" ] && ln -s "$root/.tools" "$tree/.tools"
cp "$root/test/recorder/record-histories.integration.test.ts" "$tree/test/integration/"
mkdir -p "$out"
(cd "$tree" && bash scripts/ensure-deps.sh >/dev/null && HISTORY_OUT="$out" HISTORY_TAG="$label" npx vitest run --project integration test/integration/record-histories.integration.test.ts)
ls -1 "$out" | grep "^$label\." 
