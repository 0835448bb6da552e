# Sourced by .ci/test.sh. start_postgres starts a throwaway PostgreSQL cluster
# on 127.0.0.1 for the web/postgres tests and exports PLANNER_TEST_POSTGRES_URL;
# the cluster is stopped and deleted when the calling shell exits. For the soak
# harness's pg-restart fault it also exports PLANNER_TEST_POSTGRES_DATA (the
# data directory) and PLANNER_TEST_POSTGRES_RESTART (a shell command that
# restarts the server, dropping every connection; run it with bash -c). Try it alone:
#
#	bash -c 'source .ci/postgres.sh && start_postgres && psql "$PLANNER_TEST_POSTGRES_URL" -c "select 1"'
#
# The cluster trusts every local connection (it lives in a private temporary
# directory, listens on loopback only, and is gone after the run). Durability
# is switched off to make the tests faster.

# pg_bindir prints the directory holding initdb and pg_ctl, or nothing.
pg_bindir() {
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v initdb)")"
    return
  fi
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
      echo "$d"
      return
    fi
  done
}

# pg_as_owner runs a command as the cluster's owner: the postgres user when we
# are root (PostgreSQL refuses to run as root), else ourselves.
pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# port_in_use reports whether something listens on 127.0.0.1:$1.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start_postgres() {
  if [ -n "${PLANNER_TEST_POSTGRES_URL:-}" ]; then
    echo "PostgreSQL tests use PLANNER_TEST_POSTGRES_URL from the environment"
    return 0
  fi
  local bin
  bin=$(pg_bindir)
  if [ -z "$bin" ]; then
    if [ "$(id -u)" = 0 ]; then
      echo "installing Debian postgresql"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
      bin=$(pg_bindir)
    fi
    if [ -z "$bin" ]; then
      echo "PostgreSQL (initdb, pg_ctl) is not available: the PostgreSQL tests will skip" >&2
      echo "(install it, e.g. 'sudo apt-get install -y postgresql', or set PLANNER_TEST_POSTGRES_URL)" >&2
      return 0
    fi
  fi
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    echo "there is no postgres user to run the cluster as: the PostgreSQL tests will skip" >&2
    return 0
  fi

  PG_TEST_DIR=$(mktemp -d /tmp/planner-pg.XXXXXX)
  trap stop_postgres EXIT
  if [ "$(id -u)" = 0 ]; then chown postgres: "$PG_TEST_DIR"; fi
  chmod 700 "$PG_TEST_DIR"
  pg_as_owner "$bin/initdb" -D "$PG_TEST_DIR/data" -U postgres -A trust -E UTF8 --locale=C >"$PG_TEST_DIR/initdb.log" 2>&1 || {
    cat "$PG_TEST_DIR/initdb.log" >&2
    return 1
  }
  local port tries
  for tries in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 20000))
    if port_in_use "$port"; then continue; fi
    if pg_as_owner "$bin/pg_ctl" -D "$PG_TEST_DIR/data" -l "$PG_TEST_DIR/server.log" -w -t 60 \
      -o "-p $port -k $PG_TEST_DIR -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null; then
      PG_TEST_BIN=$bin
      pg_as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres planner_test || return 1
      export PLANNER_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/planner_test?sslmode=disable"
      export PLANNER_TEST_POSTGRES_DATA="$PG_TEST_DIR/data"
      # pg_ctl restart keeps the options of the last start (postmaster.opts).
      local restart
      restart=$(printf '%q ' "$bin/pg_ctl" -D "$PG_TEST_DIR/data" -l "$PG_TEST_DIR/server.log" -m fast -w -t 60 restart)
      if [ "$(id -u)" = 0 ]; then restart="cd / && runuser -u postgres -- $restart"; fi
      export PLANNER_TEST_POSTGRES_RESTART="$restart >/dev/null"
      echo "PostgreSQL $("$bin/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$port (data in $PG_TEST_DIR)"
      return 0
    fi
  done
  cat "$PG_TEST_DIR/server.log" >&2 || true
  echo "could not start the throwaway PostgreSQL cluster" >&2
  return 1
}

# stop_postgres stops the throwaway cluster and deletes it.
stop_postgres() {
  if [ -z "${PG_TEST_DIR:-}" ]; then return 0; fi
  if [ -n "${PG_TEST_BIN:-}" ]; then
    pg_as_owner "$PG_TEST_BIN/pg_ctl" -D "$PG_TEST_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$PG_TEST_DIR"
  PG_TEST_DIR=
}
