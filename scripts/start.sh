#!/usr/bin/env bash
# README command 1: start the whole system on embedded defaults.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
bash scripts/ensure-deps.sh
exec node_modules/.bin/tsx dev/quickstart.ts
