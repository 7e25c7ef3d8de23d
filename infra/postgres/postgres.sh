#!/usr/bin/env bash
# Local private PostgreSQL cluster for Azora dev and CI (no Docker, no system service).
#
# Usage: infra/postgres/postgres.sh <command>
#   init      initdb the cluster if it does not exist yet
#   start     init if needed, start it if not running, ensure role + database "azora" exist
#   wait [s]  block until pg_isready answers on 127.0.0.1 (default 60 s)
#   stop      pg_ctl stop -m fast; fine if not running
#   status    print running/stopped; exit 0 if running, 1 if not
#   url       print the connection URL: postgresql://azora@127.0.0.1:<port>/azora
#   clean     stop and delete this cluster's data (including the /var/tmp fallback, see below)
#
# Environment:
#   AZORA_STATE_DIR        state root (default: <repo>/.azora); the cluster lives in <state>/postgres
#   AZORA_PG_PORT          TCP port on 127.0.0.1, default 54329
#   AZORA_PG_BIN           PostgreSQL bin dir, default /usr/lib/postgresql/15/bin
#                          (else the newest /usr/lib/postgresql/*/bin)
#   AZORA_PG_WAIT_TIMEOUT  seconds `wait` waits, default 60
#
# Users: the server refuses to run as root. Run as root (CI), every server-side command runs as
# the `postgres` OS user (runuser); as a normal user, everything runs as that user.
# If the `postgres` user cannot traverse into the state dir (e.g. repo under /root, mode 700),
# the cluster goes to /var/tmp/azora-<sha1 of the state dir path, 10 chars>/postgres instead;
# <state>/postgres.location then records that path, and `clean` removes it too.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd -P)"
STATE_DIR="${AZORA_STATE_DIR:-$REPO_ROOT/.azora}"

PG_PORT="${AZORA_PG_PORT:-54329}"
WAIT_TIMEOUT="${AZORA_PG_WAIT_TIMEOUT:-60}"
DB_NAME=azora
DB_ROLE=azora
SUPERUSER=postgres

say() { echo "postgres: $*"; }
note() { echo "postgres: note: $*" >&2; }
die() { echo "postgres: ERROR: $*" >&2; exit 1; }
show_tail() {
  [[ -s "$1" ]] || return 0
  echo "---- last lines of $1 ----" >&2
  tail -n "${2:-25}" "$1" >&2 || true
  echo "----" >&2
}

[[ "$PG_PORT" =~ ^[0-9]+$ ]] || die "AZORA_PG_PORT must be a port number, got '$PG_PORT'"

find_pg_bin() {
  if [[ -n "${AZORA_PG_BIN:-}" ]]; then
    [[ -x "$AZORA_PG_BIN/pg_ctl" ]] || die "AZORA_PG_BIN=$AZORA_PG_BIN has no pg_ctl"
    echo "$AZORA_PG_BIN"; return
  fi
  if [[ -x /usr/lib/postgresql/15/bin/pg_ctl ]]; then echo /usr/lib/postgresql/15/bin; return; fi
  local d
  d="$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n1)"
  [[ -n "$d" && -x "$d/pg_ctl" ]] || die "PostgreSQL server binaries not found (expected /usr/lib/postgresql/15/bin; Debian: apt-get install postgresql-15, or set AZORA_PG_BIN)"
  echo "$d"
}
PG_BIN="$(find_pg_bin)"

# Server-side commands run as the postgres OS user when we are root.
if [[ "$(id -u)" -eq 0 ]]; then
  AS_ROOT=1
  id -u postgres >/dev/null 2>&1 || die "running as root, but there is no 'postgres' OS user to run the server as (Debian's postgresql packages create it; or: useradd --system --create-home postgres)"
else
  AS_ROOT=0
fi
as_pg() {
  if (( AS_ROOT )); then runuser -u postgres -- "$@"; else "$@"; fi
}

# Where the cluster lives: <state>/postgres, or the /var/tmp fallback (see header).
# Set by setup_paths (not for `url`, which must not touch the disk).
# The fallback is keyed on the state dir path (= <repo>/.azora by default, so one per checkout),
# so that two state dirs of one checkout never share a cluster.
FALLBACK_ROOT="/var/tmp/azora-$(printf '%s' "$STATE_DIR" | sha1sum | cut -c1-10)/postgres"
# In fallback mode this file in the state dir records where the cluster is. If the state dir
# was wiped (make clean) the marker is gone, and a leftover stopped fallback cluster is
# deleted instead of being silently reused.
FALLBACK_MARKER="$STATE_DIR/postgres.location"
setup_paths() {
  PG_ROOT="$STATE_DIR/postgres"
  if (( AS_ROOT )); then
    mkdir -p "$STATE_DIR"
    runuser -u postgres -- test -x "$STATE_DIR" || PG_ROOT="$FALLBACK_ROOT"
  fi
  DATA="$PG_ROOT/data"
  LOGS="$PG_ROOT/logs"
  SOCKDIR="$PG_ROOT/run"   # unix socket dir: beside the data dir, owned by the server's user
  LOGFILE="$LOGS/postgres.log"
}

# Create <root>/{logs,run} owned by the server's user (chown only what we create).
ensure_dirs() {
  mkdir -p "$STATE_DIR"
  [[ -e "$STATE_DIR/.gitignore" ]] || printf '*\n' >"$STATE_DIR/.gitignore"
  if [[ "$PG_ROOT" == "$FALLBACK_ROOT" ]]; then
    if [[ ! -e "$FALLBACK_MARKER" ]]; then
      if [[ -d "$PG_ROOT" ]] && ! is_running; then
        rm -rf "$PG_ROOT"
        note "state dir was reset; removed the old cluster in $PG_ROOT"
      fi
      note "user 'postgres' cannot enter $STATE_DIR; the cluster lives in $PG_ROOT instead"
      printf '%s\n' "$PG_ROOT" >"$FALLBACK_MARKER"
    fi
  fi
  mkdir -p "$PG_ROOT" "$LOGS" "$SOCKDIR"
  if (( AS_ROOT )); then chown postgres:postgres "$PG_ROOT" "$LOGS" "$SOCKDIR"; fi
  # 711/755: other local users (a test runner that is neither root nor postgres) can reach the
  # socket in run/ without being able to list the cluster's root.
  chmod 711 "$PG_ROOT"
  chmod 755 "$SOCKDIR"
  chmod 700 "$LOGS"
}

# Take a lock so concurrent init/start/stop calls do not race; fd 9 must not leak into the
# postmaster (pg_ctl start is run with 9>&-).
take_lock() {
  exec 9>"$PG_ROOT/.lock"
  flock -w 300 9 || die "could not lock $PG_ROOT/.lock (another postgres.sh is stuck?)"
}

is_initialised() { [[ -f "$DATA/PG_VERSION" ]]; }

# Settings owned by this script; rewritten on every start so a changed AZORA_PG_PORT applies.
write_conf() {
  local tmp="$DATA/azora.conf.tmp"
  cat >"$tmp" <<EOF
# Written by infra/postgres/postgres.sh on every start; edit the script, not this file.
# Private development cluster: listens on loopback only.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$SOCKDIR'
shared_buffers = 128MB
max_connections = 200
# Keep durability on: tests should see the same crash semantics as production.
fsync = on
# Each transaction's commit time (a few bytes per commit): the end-to-end benchmark reads
# when a batch committed from it (bench/hop_marks.py). Takes effect at a restart.
track_commit_timestamp = on
# The outbox is a queue (each row deleted within milliseconds of its insert) and the inbox
# loses its oldest ids every prune: their dead rows pile up until autovacuum visits, a
# minute's worth of the load by default. Every 10 s keeps them small (docs/operating.md).
autovacuum_naptime = 10s
EOF
  if (( AS_ROOT )); then chown postgres:postgres "$tmp"; fi
  mv "$tmp" "$DATA/azora.conf"
}

cmd_init() {
  ensure_dirs
  if is_initialised; then write_conf; return 0; fi
  [[ ! -e "$DATA" ]] || [[ -z "$(ls -A "$DATA" 2>/dev/null)" ]] || die "$DATA exists but is not a PostgreSQL cluster; remove it (or run: $0 clean)"
  local log="$LOGS/initdb.log"
  # trust authentication: this is a private development cluster that only listens on 127.0.0.1
  # and on a socket inside the state dir; initdb's pg_hba.conf only has host entries for
  # 127.0.0.1/32 and ::1/128, so "trust" applies to loopback connections only.
  if ! ( cd / && as_pg "$PG_BIN/initdb" -D "$DATA" -U "$SUPERUSER" \
          --auth-local=trust --auth-host=trust --encoding=UTF8 --locale=C \
          --no-instructions ) >"$log" 2>&1; then
    show_tail "$log"
    die "initdb failed; see $log"
  fi
  if (( AS_ROOT )); then chown postgres:postgres "$log"; fi
  printf "\n# Azora settings (port, socket dir, memory): see infra/postgres/postgres.sh\ninclude = 'azora.conf'\n" \
    | as_pg tee -a "$DATA/postgresql.conf" >/dev/null
  write_conf
  say "initialised cluster in $DATA"
}

is_running() { ( cd / && as_pg "$PG_BIN/pg_ctl" -D "$DATA" status ) >/dev/null 2>&1; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

psql_super() {
  ( cd / && "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCKDIR" -p "$PG_PORT" -U "$SUPERUSER" -d postgres "$@" )
}

ensure_role_and_db() {
  local out
  out="$(psql_super -tA -c "SELECT 1 FROM pg_roles WHERE rolname = '$DB_ROLE'" 2>&1)" \
    || die "could not query the server as $SUPERUSER: $out (see $LOGFILE)"
  if [[ "$out" != 1 ]]; then
    psql_super -c "CREATE ROLE $DB_ROLE LOGIN CREATEDB" >/dev/null || die "could not create role $DB_ROLE; see $LOGFILE"
    say "created role $DB_ROLE"
  fi
  out="$(psql_super -tA -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" 2>&1)" \
    || die "could not query the server as $SUPERUSER: $out (see $LOGFILE)"
  if [[ "$out" != 1 ]]; then
    psql_super -c "CREATE DATABASE $DB_NAME OWNER $DB_ROLE" >/dev/null || die "could not create database $DB_NAME; see $LOGFILE"
    say "created database $DB_NAME"
  fi
}

cmd_start() {
  ensure_dirs
  take_lock
  if is_running; then
    ensure_role_and_db
    say "already running on 127.0.0.1:$PG_PORT"
    return 0
  fi
  cmd_init
  port_in_use "$PG_PORT" && die "127.0.0.1:$PG_PORT is already in use by another process (not the cluster in $DATA); stop it or set AZORA_PG_PORT"
  # A stale socket lock from a killed server would make start fail; postgres removes it itself
  # when the pid in it is dead, so nothing to do here.
  if ! ( cd / && as_pg "$PG_BIN/pg_ctl" -D "$DATA" -l "$LOGFILE" -w -t "$WAIT_TIMEOUT" start ) >"$LOGS/pg_ctl.out" 2>&1 9>&-; then
    show_tail "$LOGS/pg_ctl.out" 10; show_tail "$LOGFILE"
    die "could not start PostgreSQL; see $LOGFILE"
  fi
  say "started on 127.0.0.1:$PG_PORT (data $DATA, log $LOGFILE)"
  cmd_wait >/dev/null
  ensure_role_and_db
}

cmd_wait() {
  local timeout="${1:-$WAIT_TIMEOUT}" start=$SECONDS
  [[ "$timeout" =~ ^[0-9]+$ ]] || die "wait: timeout must be a number of seconds, got '$timeout'"
  # -U/-d only so the server does not log 'role "<os user>" does not exist' for each probe.
  until "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U "$SUPERUSER" -d postgres -t 2; do
    if (( SECONDS - start >= timeout )); then
      show_tail "$LOGFILE"
      die "PostgreSQL not ready on 127.0.0.1:$PG_PORT after ${timeout}s; see $LOGFILE"
    fi
    sleep 0.25
  done
  say "ready on 127.0.0.1:$PG_PORT"
}

cmd_stop() {
  [[ -d "$PG_ROOT" ]] || { say "not running"; return 0; }
  take_lock
  if ! is_running; then
    say "not running"
    return 0
  fi
  if ! ( cd / && as_pg "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop ) >"$LOGS/pg_ctl.out" 2>&1; then
    show_tail "$LOGS/pg_ctl.out" 10
    die "could not stop PostgreSQL; see $LOGFILE"
  fi
  say "stopped"
}

cmd_status() {
  if [[ -d "$DATA" ]] && is_running; then
    echo "running (127.0.0.1:$PG_PORT, data $DATA)"
    return 0
  fi
  echo "stopped"
  return 1
}

cmd_url() { echo "postgresql://$DB_ROLE@127.0.0.1:$PG_PORT/$DB_NAME"; }

cmd_clean() {
  cmd_stop
  local d
  for d in "$STATE_DIR/postgres" "$FALLBACK_ROOT" "$FALLBACK_MARKER"; do
    if [[ -e "$d" ]]; then
      rm -rf "$d"
      say "removed $d"
    fi
  done
  rmdir "$(dirname "$FALLBACK_ROOT")" 2>/dev/null || true
}

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
  exit 2
}

main() {
  [[ $# -ge 1 ]] || usage
  local cmd="$1"; shift
  case "$cmd" in
    url|-h|--help|help) ;;
    *) setup_paths ;;
  esac
  case "$cmd" in
    init)   ensure_dirs; take_lock; cmd_init ;;
    start)  cmd_start ;;
    wait)   cmd_wait "$@" ;;
    stop)   cmd_stop ;;
    status) cmd_status ;;
    url)    cmd_url ;;
    clean)  cmd_clean ;;
    -h|--help|help) usage ;;
    *) echo "postgres: unknown command '$cmd'" >&2; usage ;;
  esac
}

main "$@"
