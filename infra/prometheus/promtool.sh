#!/usr/bin/env bash
# promtool, Prometheus's own checker, for the alert rules and their unit tests: taken out of
# Debian's `prometheus` package (downloaded, never installed system-wide) into the state dir.
#   promtool.sh install   fetch promtool into <state>/bin/promtool (once; a no-op afterwards)
#   promtool.sh path      print the binary's path
#   promtool.sh check     check alerts.yml and prometheus.yml, run the rule tests (alerts_test.yml)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
STATE_DIR="${AZORA_STATE_DIR:-$REPO/.azora}"
BIN_DIR="$STATE_DIR/bin"
BIN="$BIN_DIR/promtool"
PACKAGE="prometheus"
TMP=""

say() { echo "promtool: $*"; }
die() { echo "promtool: $*" >&2; exit 1; }

download() {
  # $1: directory to download into. apt-get download needs no root and installs nothing.
  (cd "$1" && apt-get download -q "$PACKAGE") >"$1/download.log" 2>&1
}

install() {
  [[ -x "$BIN" ]] && return 0
  command -v apt-get >/dev/null || die "needs apt-get and dpkg-deb (Debian's $PACKAGE package provides promtool)"
  command -v dpkg-deb >/dev/null || die "needs dpkg-deb to unpack Debian's $PACKAGE package"
  TMP="$(mktemp -d)"
  trap 'rm -rf "$TMP"' EXIT
  local tmp="$TMP"
  say "downloading Debian's $PACKAGE package to take promtool out of it"
  if ! download "$tmp"; then
    if [[ "$(id -u)" == 0 ]]; then
      say "download failed; refreshing the package lists once (apt-get update) and retrying"
      apt-get update -q >"$tmp/update.log" 2>&1 || { tail -20 "$tmp/update.log" >&2; die "apt-get update failed"; }
      download "$tmp" || { tail -20 "$tmp/download.log" >&2; die "apt-get download $PACKAGE failed"; }
    else
      tail -20 "$tmp/download.log" >&2
      die "apt-get download $PACKAGE failed; the package lists may be stale: run 'sudo apt-get update' and retry"
    fi
  fi
  local deb
  deb="$(find "$tmp" -maxdepth 1 -name "${PACKAGE}_*.deb" | head -n 1)"
  [[ -n "$deb" ]] || die "apt-get download left no ${PACKAGE}_*.deb"
  dpkg-deb -x "$deb" "$tmp/root"
  [[ -x "$tmp/root/usr/bin/promtool" ]] || die "$(basename "$deb") has no usr/bin/promtool"
  mkdir -p "$BIN_DIR"
  cp "$tmp/root/usr/bin/promtool" "$BIN.partial"
  chmod 755 "$BIN.partial"
  "$BIN.partial" --version >/dev/null 2>&1 || die "unpacked, but '$BIN.partial --version' fails"
  mv "$BIN.partial" "$BIN"
  say "installed $("$BIN" --version 2>&1 | head -n 1) from $(basename "$deb") at $BIN"
}

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
