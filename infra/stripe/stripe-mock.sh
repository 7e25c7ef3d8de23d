#!/usr/bin/env bash
# stripe-mock, Stripe's own API mock, for development and tests: installed with
# `go install` (once) into the state dir, run on 127.0.0.1.
#   stripe-mock.sh install|start|stop|status|url
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
STATE_DIR="${AZORA_STATE_DIR:-$REPO/.azora}"
VERSION="v0.203.0"
PORT="${AZORA_STRIPE_MOCK_PORT:-12111}"
BIN_DIR="$STATE_DIR/bin"
BIN="$BIN_DIR/stripe-mock"
RUN_DIR="$STATE_DIR/stripe-mock"
PIDFILE="$RUN_DIR/stripe-mock.pid"
LOG="$RUN_DIR/stripe-mock.log"

say() { echo "stripe-mock: $*"; }
die() { echo "stripe-mock: $*" >&2; exit 1; }

running() { [[ -f "$PIDFILE" ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

answers() {
  # Any HTTP answer (401 without a key) means it is serving.
  curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/v1/customers" 2>/dev/null \
    | grep -q '^[1-5][0-9][0-9]$'
}

install() {
  [[ -x "$BIN" ]] && return 0
  command -v go >/dev/null || die "needs Go (go install github.com/stripe/stripe-mock@$VERSION)"
  mkdir -p "$BIN_DIR" "$RUN_DIR"
  say "installing $VERSION with go install (log: $RUN_DIR/install.log)"
  GOBIN="$BIN_DIR" go install "github.com/stripe/stripe-mock@$VERSION" >"$RUN_DIR/install.log" 2>&1 \
    || { tail -20 "$RUN_DIR/install.log" >&2; die "go install failed"; }
}

start() {
  install
  if running && answers; then return 0; fi
  mkdir -p "$RUN_DIR"
  # Its HTTPS listener (unused) on the next port up: left to its default 12112, a second
  # stripe-mock on another AZORA_STRIPE_MOCK_PORT would collide with the first one there.
  setsid nohup "$BIN" -http-addr "127.0.0.1:$PORT" -https-addr "127.0.0.1:$((PORT + 1))" \
    >"$LOG" 2>&1 < /dev/null &
  echo $! >"$PIDFILE"
  for _ in $(seq 1 100); do
    answers && { say "running on http://127.0.0.1:$PORT (pid $(cat "$PIDFILE"))"; return 0; }
    running || { tail -20 "$LOG" >&2; die "exited at start (log: $LOG)"; }
    sleep 0.1
  done
  die "not answering on port $PORT after 10 s (log: $LOG)"
}

stop() {
  if running; then
    kill "$(cat "$PIDFILE")" 2>/dev/null || true
    say "stopped"
  fi
  rm -f "$PIDFILE"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) if running; then echo "running (port $PORT)"; else echo "stopped"; exit 1; fi ;;
  url) echo "http://127.0.0.1:$PORT" ;;
  *) die "usage: $0 install|start|stop|status|url" ;;
esac
