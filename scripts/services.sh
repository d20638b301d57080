#!/usr/bin/env bash
# PostgreSQL and Redis for the second half of `make test` (and for trying the real engines by
# hand). Installs both from Debian's packages when they are missing and we are root, starts
# them on 127.0.0.1 if they are not already answering, and creates the test role and database.
# Safe to run again: every step checks first. Prints the DATABASE_URL and REDIS_URL to use.
#
#   scripts/services.sh           install if needed, start, create role and database
#   scripts/services.sh --env     the same, then print only `export ...` lines (for eval)
#   scripts/services.sh --stop    stop the Redis server this script started (PostgreSQL is a
#                                 system cluster: `pg_ctlcluster <version> main stop`)
set -euo pipefail

PG_ROLE="${SERVICES_PG_ROLE:-exchange}"
PG_PASSWORD="${SERVICES_PG_PASSWORD:-exchange}"
PG_DATABASE="${SERVICES_PG_DATABASE:-exchange}"
PG_PORT="${SERVICES_PG_PORT:-5432}"
REDIS_PORT="${SERVICES_REDIS_PORT:-6379}"
REDIS_DB="${SERVICES_REDIS_DB:-1}"
RUN_DIR="${SERVICES_RUN_DIR:-$(cd "$(dirname "$0")/.." && pwd)/var/services}"

quiet=0
case "${1:-}" in
  --env) quiet=1 ;;
  --stop)
    if [ -f "$RUN_DIR/redis.pid" ] && kill -0 "$(cat "$RUN_DIR/redis.pid")" 2>/dev/null; then
      kill "$(cat "$RUN_DIR/redis.pid")" && echo "Stopped Redis"
    fi
    exit 0 ;;
  "") ;;
  *) echo "usage: $0 [--env|--stop]" >&2; exit 2 ;;
esac

say() { if [ "$quiet" = 0 ]; then echo "$@"; else echo "$@" >&2; fi; }

is_root() { [ "$(id -u)" = 0 ]; }

pg_bin_dir() {
  # The newest installed server's binaries (Debian keeps them out of PATH).
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  [ -n "$dir" ] && [ -x "$dir/postgres" ] && echo "$dir"
}

install_missing() {
  local packages=()
  [ -n "$(pg_bin_dir || true)" ] && command -v pg_ctlcluster >/dev/null 2>&1 || packages+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || packages+=(redis-server)
  [ "${#packages[@]}" = 0 ] && return 0
  if is_root && command -v apt-get >/dev/null 2>&1; then
    say "Installing ${packages[*]} from Debian's packages"
    apt-get update -qq >&2
    # policy-rc.d-less containers cannot start services at install time; we start them below.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
  else
    echo "Missing: ${packages[*]}. Install them (as root: apt-get install ${packages[*]})," >&2
    echo "or point DATABASE_URL and REDIS_URL at servers you already run." >&2
    exit 1
  fi
}

pg_ready() { "$(pg_bin_dir)/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" >/dev/null 2>&1; }

start_postgres() {
  if pg_ready; then
    say "PostgreSQL is answering on 127.0.0.1:$PG_PORT"
    return 0
  fi
  if ! is_root; then
    echo "PostgreSQL is not answering on 127.0.0.1:$PG_PORT and only root can start it here." >&2
    exit 1
  fi
  local version
  version="$(basename "$(dirname "$(pg_bin_dir)")")"
  if ! pg_lsclusters -h 2>/dev/null | awk '{print $1, $2}' | grep -qx "$version main"; then
    say "Creating PostgreSQL $version cluster 'main'"
    pg_createcluster --port "$PG_PORT" "$version" main >/dev/null
  fi
  say "Starting PostgreSQL $version"
  # Its messages ("Removed stale pid file") go to stderr: with --env, stdout is eval'd.
  pg_ctlcluster "$version" main start >&2
  for _ in $(seq 1 60); do pg_ready && return 0; sleep 0.5; done
  echo "PostgreSQL did not start; see /var/log/postgresql/" >&2
  exit 1
}

as_postgres() {
  if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

create_role_and_database() {
  # CREATEDB: pytest-django creates (and drops) test_<name> databases, one per xdist worker.
  local psql=(psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" -d postgres)
  if [ "$(as_postgres "${psql[@]}" -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$PG_ROLE'")" != 1 ]; then
    say "Creating role $PG_ROLE"
    as_postgres "${psql[@]}" -c "CREATE ROLE \"$PG_ROLE\""
  fi
  # Also for a role that already existed (made by hand, or by an older version of this script).
  as_postgres "${psql[@]}" -c "ALTER ROLE \"$PG_ROLE\" LOGIN CREATEDB PASSWORD '$PG_PASSWORD'"
  # Tests never need a commit to survive a crash; not waiting for the WAL flush makes the
  # many small transactions of a test run cheaper. Only this role's sessions are affected.
  as_postgres "${psql[@]}" -c "ALTER ROLE \"$PG_ROLE\" SET synchronous_commit = off"
  if [ "$(as_postgres "${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE'")" != 1 ]; then
    say "Creating database $PG_DATABASE"
    as_postgres "${psql[@]}" -c "CREATE DATABASE \"$PG_DATABASE\" OWNER \"$PG_ROLE\""
  fi
}

redis_ready() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

start_redis() {
  if redis_ready; then
    say "Redis is answering on 127.0.0.1:$REDIS_PORT"
    return 0
  fi
  mkdir -p "$RUN_DIR"
  say "Starting Redis on 127.0.0.1:$REDIS_PORT"
  # A cache only: no snapshots, no append-only file, nothing written to disk.
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes --save "" \
    --appendonly no --dir "$RUN_DIR" --pidfile "$RUN_DIR/redis.pid" \
    --logfile "$RUN_DIR/redis.log" >/dev/null
  for _ in $(seq 1 40); do redis_ready && return 0; sleep 0.25; done
  echo "Redis did not start; see $RUN_DIR/redis.log" >&2
  exit 1
}

install_missing
start_postgres
create_role_and_database
start_redis

database_url="postgres://$PG_ROLE:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DATABASE"
redis_url="redis://127.0.0.1:$REDIS_PORT/$REDIS_DB"
if [ "$quiet" = 1 ]; then
  echo "export DATABASE_URL='$database_url'"
  echo "export REDIS_URL='$redis_url'"
else
  echo "DATABASE_URL=$database_url"
  echo "REDIS_URL=$redis_url"
fi
