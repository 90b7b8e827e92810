#!/usr/bin/env bash
# Writes prisma/migrations/<timestamp>_<name>/migration.sql with the SQL that
# turns the last committed prisma/schema.prisma into the working copy's.
# Usage: bash scripts/new-migration.sh <name>
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
NAME="${1:?usage: new-migration.sh <name>}"
URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
BASE="$(mktemp --suffix=.prisma)"
git show HEAD:prisma/schema.prisma > "$BASE"
DIR="prisma/migrations/$(date -u +%Y%m%d%H%M%S)_${NAME}"
mkdir -p "$DIR"
node_modules/.bin/tsx scripts/prisma-diff.ts "$BASE" prisma/schema.prisma "$URL" > "$DIR/migration.sql"
rm -f "$BASE"
echo "wrote $DIR/migration.sql"
