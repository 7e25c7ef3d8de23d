#!/usr/bin/env bash
# helm, for the chart's checks (`helm lint`, `helm template`): built from its Go module with
# `go install` (once) into the state dir. The first build takes a few minutes on 2 cores.
#   helm.sh install   build helm into <state>/bin/helm (once; a no-op afterwards)
#   helm.sh path      print the binary's path
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
STATE_DIR="${AZORA_STATE_DIR:-$REPO/.azora}"
VERSION="v3.22.0"
BIN_DIR="$STATE_DIR/bin"
BIN="$BIN_DIR/helm"
LOG_DIR="$STATE_DIR/helm"

say() { echo "helm: $*"; }
die() { echo "helm: $*" >&2; exit 1; }

install() {
  [[ -x "$BIN" ]] && return 0
  command -v go >/dev/null || die "needs Go (go install helm.sh/helm/v3/cmd/helm@$VERSION)"
  mkdir -p "$BIN_DIR" "$LOG_DIR"
  say "building $VERSION with go install, once (a few minutes; log: $LOG_DIR/install.log)"
  local started=$SECONDS
  # helm stamps its version with -ldflags in its own release builds; do the same here so
  # `helm version` and the chart's .Capabilities.HelmVersion tell the truth.
  GOBIN="$BIN_DIR" go install \
    -ldflags "-X helm.sh/helm/v3/internal/version.version=$VERSION" \
    "helm.sh/helm/v3/cmd/helm@$VERSION" >"$LOG_DIR/install.log" 2>&1 \
    || { tail -20 "$LOG_DIR/install.log" >&2; die "go install failed"; }
  "$BIN" version --short >/dev/null 2>&1 || die "built, but '$BIN version' fails"
  say "installed $("$BIN" version --short) at $BIN in $((SECONDS - started)) s"
}

case "${1:-}" in
  install) install ;;
  path) echo "$BIN" ;;
  *) die "usage: $0 install|path" ;;
esac
