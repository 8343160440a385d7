#!/bin/sh
# Run once by the postgres image on an empty data directory (docker-entrypoint-initdb.d):
# one role and one database per service, each owning only its own (services never read each
# other's tables). Names come from WUZHENG_DATABASES, the password from WUZHENG_DB_PASSWORD.
set -eu

: "${WUZHENG_DATABASES:?list the service databases, e.g. \"catalog issuance\"}"
: "${WUZHENG_DB_PASSWORD:?set the services' database password}"

for name in $WUZHENG_DATABASES; do
  echo "wuzheng: creating role and database ${name}"
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    --set=name="$name" --set=password="$WUZHENG_DB_PASSWORD" <<'SQL'
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name";
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
done
