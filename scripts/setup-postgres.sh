#!/usr/bin/env bash
# Makes a PostgreSQL database ready for the tests and prints its URL on stdout (the one
# line this script prints there); progress goes to stderr.
#
# Uses Debian's `postgresql` package: installs it when missing (root; `apt-get update`
# first), starts the cluster when down, creates the role and database when absent.
# Idempotent, and quick when the database already answers. A preset
# PARLEY_TEST_POSTGRES_URL that answers is used as it is.
#
# The role's password is a fixed test value on a loopback-only server, not a secret.
set -euo pipefail

ROLE=parley
PASSWORD=parley
DATABASE=parley_test

log() { echo "[setup-postgres] $*" >&2; }
# The reason also goes to stdout, where test/globalSetup.ts picks it up for the tests.
fail() { echo "[setup-postgres] FAILED: $*" >&2; echo "FAILED: $*"; exit 1; }

answers() {
  command -v psql >/dev/null 2>&1 \
    && PGCONNECT_TIMEOUT=3 psql "$1" -XAtqc 'select 1' >/dev/null 2>&1
}

if [ -n "${PARLEY_TEST_POSTGRES_URL:-}" ]; then
  answers "$PARLEY_TEST_POSTGRES_URL" || fail "PARLEY_TEST_POSTGRES_URL is set but does not answer"
  log "database: using PARLEY_TEST_POSTGRES_URL"
  echo "$PARLEY_TEST_POSTGRES_URL"
  exit 0
fi

is_root() { [ "$(id -u)" = 0 ]; }

# Several vitest runs may start at once; one does the work, the others wait for it.
# Every command below that may start the server runs with fd 9 closed (`9>&-`): a server
# started with it open would hold this lock for its whole life and block every later run.
CACHE="$(cd "$(dirname "$0")/.." && pwd)/.cache"
mkdir -p "$CACHE"
exec 9>"$CACHE/setup-postgres.lock"
flock -w 780 9 || fail "another setup-postgres.sh has held $CACHE/setup-postgres.lock for 13 minutes"

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! command -v pg_lsclusters >/dev/null 2>&1; then
  is_root || fail "PostgreSQL is not installed and this is not root: run 'apt-get install -y postgresql' as root"
  log "server: installing Debian's postgresql (first time only) ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || fail "apt-get update"
  apt-get install -y -qq postgresql >&2 9>&- || fail "apt-get install postgresql"
fi

# The first cluster Debian knows: "<version> <name> <port> <status> ...".
read -r VERSION CLUSTER PORT STATUS _ < <(pg_lsclusters -h | head -n1) || true
if [ -z "${VERSION:-}" ]; then
  is_root || fail "no PostgreSQL cluster exists and this is not root"
  VERSION="$(ls /usr/lib/postgresql | sort -V | tail -n1)"
  [ -n "$VERSION" ] || fail "no PostgreSQL server version under /usr/lib/postgresql"
  log "server: creating cluster $VERSION/main ..."
  pg_createcluster "$VERSION" main >&2 9>&- || fail "pg_createcluster $VERSION main"
  read -r VERSION CLUSTER PORT STATUS _ < <(pg_lsclusters -h | head -n1)
fi

URL="postgres://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DATABASE"
if answers "$URL"; then
  log "database: ready ($VERSION/$CLUSTER on 127.0.0.1:$PORT)"
  echo "$URL"
  exit 0
fi

is_root || fail "database $DATABASE does not answer at 127.0.0.1:$PORT and this is not root to set it up"

if [ "$STATUS" != online ]; then
  log "server: starting cluster $VERSION/$CLUSTER ..."
  pg_ctlcluster "$VERSION" "$CLUSTER" start >&2 9>&- || fail "pg_ctlcluster $VERSION $CLUSTER start"
elif ! pg_isready -q -h 127.0.0.1 -p "$PORT"; then
  # Online but silent here: it was started in another network namespace (unshare -n), where
  # it listens only. A restart from this namespace makes it listen where the tests run.
  log "server: cluster $VERSION/$CLUSTER says online but does not answer on 127.0.0.1:$PORT; restarting ..."
  pg_ctlcluster "$VERSION" "$CLUSTER" restart >&2 9>&- || fail "pg_ctlcluster $VERSION $CLUSTER restart"
fi
for _ in $(seq 1 60); do
  pg_isready -q -h 127.0.0.1 -p "$PORT" && break
  sleep 0.5
done
pg_isready -q -h 127.0.0.1 -p "$PORT" || fail "the server does not accept connections on 127.0.0.1:$PORT"

as_postgres() { runuser -u postgres -- psql -XAtq -v ON_ERROR_STOP=1 -p "$PORT" "$@"; }

if [ "$(as_postgres -c "select 1 from pg_roles where rolname = '$ROLE'")" != 1 ]; then
  log "database: creating role $ROLE ..."
  as_postgres -c "create role $ROLE login createdb password '$PASSWORD'" >&2 || fail "create role $ROLE"
fi
if [ "$(as_postgres -c "select 1 from pg_database where datname = '$DATABASE'")" != 1 ]; then
  log "database: creating $DATABASE ..."
  as_postgres -c "create database $DATABASE owner $ROLE" >&2 || fail "create database $DATABASE"
fi

answers "$URL" || fail "database $DATABASE does not answer at 127.0.0.1:$PORT after setup"
log "database: ready ($VERSION/$CLUSTER on 127.0.0.1:$PORT)"
echo "$URL"
