#!/bin/sh
# The application's and the sandbox bank's own PostgreSQL users: neither is a superuser, each owns
# its database (so it can run its migrations) and is the only user besides the superuser that may
# connect to it. The postgres image runs this once, when it initialises an empty data volume (an
# existing volume keeps its users: see docs/deployment.md, "Database users").
set -eu
: "${ALPES_DB_USER:?}" "${ALPES_DB_PASSWORD:?}" "${ALPES_DB_NAME:?}"
: "${SANDBOX_BANK_DB_USER:?}" "${SANDBOX_BANK_DB_PASSWORD:?}" "${SANDBOX_BANK_DB:?}"

# psql fills :"name" (identifier) and :'value' (literal) in, quoted; the values never reach a shell.
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname postgres \
  -v app_user="$ALPES_DB_USER" -v app_password="$ALPES_DB_PASSWORD" -v app_db="$ALPES_DB_NAME" \
  -v bank_user="$SANDBOX_BANK_DB_USER" -v bank_password="$SANDBOX_BANK_DB_PASSWORD" -v bank_db="$SANDBOX_BANK_DB" <<'SQL'
CREATE ROLE :"app_user" LOGIN PASSWORD :'app_password' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
CREATE ROLE :"bank_user" LOGIN PASSWORD :'bank_password' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
CREATE DATABASE :"app_db" OWNER :"app_user";
CREATE DATABASE :"bank_db" OWNER :"bank_user";
REVOKE ALL ON DATABASE :"app_db" FROM PUBLIC;
REVOKE ALL ON DATABASE :"bank_db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"app_db" TO :"app_user";
GRANT CONNECT, TEMPORARY ON DATABASE :"bank_db" TO :"bank_user";
SQL
echo "created database users $ALPES_DB_USER ($ALPES_DB_NAME) and $SANDBOX_BANK_DB_USER ($SANDBOX_BANK_DB)"
