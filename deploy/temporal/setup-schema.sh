#!/bin/sh
# Creates or upgrades Temporal's two PostgreSQL databases, idempotently and
# versioned: `create` (an existing database is fine), `setup-schema -v 0.0`
# (which leaves a database already past 0.0 alone), then `update-schema` from
# the server's versioned schema folder (only the versions above the recorded one). Run by docker-compose.yml's one-shot
# temporal-schema job (temporalio/admin-tools) and by cluster mode (dev/cluster).
# Environment (docker-compose gives deploy/temporal/temporal.env plus the DB login):
#   DB, DBNAME, VISIBILITY_DBNAME, POSTGRES_SEEDS, DB_PORT, POSTGRES_USER, POSTGRES_PWD,
#   SQL_TOOL (default temporal-sql-tool), SCHEMA_DIR (default /etc/temporal/schema: admin-tools' copy).
set -eu
tool="${SQL_TOOL:-temporal-sql-tool}"
schema="${SCHEMA_DIR:-/etc/temporal/schema}"
: "${DB:?}" "${DBNAME:?}" "${VISIBILITY_DBNAME:?}" "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}"
[ "$DB" = postgres12 ] || { echo "setup-schema.sh: only DB=postgres12 is supported, not $DB" >&2; exit 2; }

sql() { SQL_PASSWORD="${POSTGRES_PWD:-}" "$tool" --plugin "$DB" --ep "$POSTGRES_SEEDS" -p "${DB_PORT:-5432}" -u "$POSTGRES_USER" --db "$@"; }

setup() { # <database> <schema folder under postgresql/v12>
  out="$(sql "$1" create 2>&1)" || case "$out" in
    *"already exists"*) ;;
    *) echo "$out" >&2; exit 1 ;;
  esac
  # Records version 0.0 in a new database; skips a database already past it.
  sql "$1" setup-schema -v 0.0
  # Applies only the versions above the recorded one.
  sql "$1" update-schema -d "$schema/postgresql/v12/$2/versioned"
  echo "setup-schema.sh: $1 is at the newest $2 schema version"
}

setup "$DBNAME" temporal
setup "$VISIBILITY_DBNAME" visibility
