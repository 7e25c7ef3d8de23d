#!/usr/bin/env bash
# promtool, Prometheus's own checker, for the alert rules and their unit tests: taken out of
# Debian's `prometheus` package (downloaded, never installed system-wide; infra/debian/take.sh).
#   promtool.sh install   fetch promtool into <state>/bin/promtool (once; a no-op afterwards)
#   promtool.sh path      print the binary's path
#   promtool.sh check     check alerts.yml and prometheus.yml, run the rule tests (alerts_test.yml)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TAKE="$HERE/../debian/take.sh"
BIN="$("$TAKE" path promtool)"

install() {
  "$TAKE" install promtool usr/bin/promtool prometheus
  "$BIN" --version >/dev/null 2>&1 || { echo "promtool: installed, but 'promtool --version' fails" >&2; exit 1; }
}

die() { echo "promtool: $*" >&2; exit 1; }

check() {
  [[ -x "$BIN" ]] || die "not installed at $BIN: run 'make promtool' (or '$0 install')"
  cd "$HERE"
  "$BIN" check rules alerts.yml
  "$BIN" check config prometheus.yml
  "$BIN" test rules alerts_test.yml
}

case "${1:-}" in
  install) install ;;
  path) echo "$BIN" ;;
  check) check ;;
  *) die "usage: $0 install|path|check" ;;
esac
