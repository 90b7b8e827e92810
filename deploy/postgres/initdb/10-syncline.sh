#!/bin/sh
# Run once by the official postgres image when it initialises an empty data
# volume (docker-compose.yml mounts this folder as /docker-entrypoint-initdb.d):
# syncline's own login and database, apart from Temporal's. The superuser
# (POSTGRES_USER) is Temporal's; syncline never gets it.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres -v pw="${SYNCLINE_DB_PASSWORD:?}" <<'SQL'
CREATE ROLE syncline LOGIN PASSWORD :'pw';
CREATE DATABASE syncline OWNER syncline;
SQL
