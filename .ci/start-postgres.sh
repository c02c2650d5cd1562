#!/usr/bin/env bash
# Installs (Debian packages) and starts a local PostgreSQL on 127.0.0.1:5432, then makes
# sure the role and database in DATABASE_URL exist. Idempotent: does nothing that is done.
set -euo pipefail

PG_USER=${PG_USER:-ecom}
PG_PASSWORD=${PG_PASSWORD:-ecom}
PG_DATABASE=${PG_DATABASE:-ecom}
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

if ! command -v pg_lsclusters >/dev/null 2>&1 || [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ]; then
  echo "[postgres] installing postgresql from Debian packages"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
fi

version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^${version} main$"; then
  echo "[postgres] creating cluster ${version}/main"
  $SUDO pg_createcluster "$version" main >/dev/null
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "[postgres] starting cluster ${version}/main"
  $SUDO pg_ctlcluster "$version" main start
fi
for _ in $(seq 1 60); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 0.5
done
pg_isready -h 127.0.0.1 -p 5432

as_postgres() { $SUDO -u postgres "$@" 2>/dev/null || su postgres -c "$(printf '%q ' "$@")"; }
as_postgres psql -q -v ON_ERROR_STOP=1 -d postgres <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${PG_USER}') THEN
    CREATE ROLE ${PG_USER} LOGIN CREATEDB PASSWORD '${PG_PASSWORD}';
  END IF;
END
\$\$;
SQL
if ! as_postgres psql -tA -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '${PG_DATABASE}'" | grep -q 1; then
  as_postgres createdb -O "$PG_USER" "$PG_DATABASE"
fi
# The same schemas docker compose creates from db/.
PGPASSWORD="$PG_PASSWORD" psql -q -h 127.0.0.1 -U "$PG_USER" -d "$PG_DATABASE" -v ON_ERROR_STOP=1 \
  -f "$(dirname "$0")/../db/init/01-schemas.sql"
echo "[postgres] ready: postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:5432/${PG_DATABASE}"
