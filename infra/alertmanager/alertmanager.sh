#!/usr/bin/env bash
# Alertmanager and amtool, built from their Go module with `go install` (once) into the state
# dir, at the version compose.yml runs (prom/alertmanager). Not Debian's package: its build
# reads its notification templates from /usr/share/prometheus/alertmanager, a path it cannot
# be told otherwise, so it runs only installed system-wide. The alerting test (tests/alerting)
# runs Alertmanager; the unit tests check alertmanager.yml with amtool.
#   alertmanager.sh install   build both into <state>/bin (once; a no-op afterwards)
#   alertmanager.sh path      print Alertmanager's path
#   alertmanager.sh amtool    print amtool's path
#   alertmanager.sh check     amtool check-config alertmanager.yml
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
STATE_DIR="${AZORA_STATE_DIR:-$REPO/.azora}"
VERSION="v0.28.1"
MODULE="github.com/prometheus/alertmanager"
BIN_DIR="$STATE_DIR/bin"
LOG_DIR="$STATE_DIR/alertmanager"

say() { echo "alertmanager: $*"; }
die() { echo "alertmanager: $*" >&2; exit 1; }

installed() {
  # Both there, and of this version (a version bump, or another build, is rebuilt).
  [[ -x "$BIN_DIR/amtool" ]] \
    && "$BIN_DIR/alertmanager" --version 2>&1 | grep -q "version ${VERSION#v} "
}

install() {
  installed && return 0
  command -v go >/dev/null || die "needs Go (go install $MODULE/cmd/alertmanager@$VERSION)"
  mkdir -p "$BIN_DIR" "$LOG_DIR"
  say "building $VERSION with go install, once (a few minutes; log: $LOG_DIR/install.log)"
  local started=$SECONDS
  # Stamped as Alertmanager's release builds stamp it, so `--version` tells the truth.
  GOBIN="$BIN_DIR" go install \
    -ldflags "-X github.com/prometheus/common/version.Version=${VERSION#v}" \
    "$MODULE/cmd/alertmanager@$VERSION" "$MODULE/cmd/amtool@$VERSION" \
    >"$LOG_DIR/install.log" 2>&1 \
    || { tail -20 "$LOG_DIR/install.log" >&2; die "go install failed"; }
  "$BIN_DIR/alertmanager" --version >/dev/null 2>&1 || die "built, but 'alertmanager --version' fails"
  say "installed alertmanager and amtool $VERSION in $BIN_DIR in $((SECONDS - started)) s"
}

case "${1:-}" in
  install) install ;;
  path) echo "$BIN_DIR/alertmanager" ;;
  amtool) echo "$BIN_DIR/amtool" ;;
  check)
    [[ -x "$BIN_DIR/amtool" ]] || die "amtool is not installed: run 'make alerting' (or '$0 install')"
    "$BIN_DIR/amtool" check-config "$HERE/alertmanager.yml"
    ;;
  *) die "usage: $0 install|path|amtool|check" ;;
esac
