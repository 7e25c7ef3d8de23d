#!/usr/bin/env bash
# The schemas the deployment checks validate against, fetched once from the Go module proxy
# (`go mod download`; nothing is built) into the state dir:
#   - the Compose Specification's JSON schema, as compose-go (Docker Compose's own loader)
#     ships it, for compose.yml;
#   - the CustomResourceDefinitions of the kinds the chart renders beyond Kubernetes' own:
#     ServiceMonitor, PrometheusRule and AlertmanagerConfig (prometheus-operator),
#     ScaledObject (KEDA).
# Kubernetes' own kinds are checked against the schemas the kubernetes-validate package
# bundles (a dev dependency in pyproject.toml).
#   schemas.sh install   fetch them into <state>/schemas (once; a no-op afterwards)
#   schemas.sh path      print that folder
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
STATE_DIR="${AZORA_STATE_DIR:-$REPO/.azora}"
DIR="$STATE_DIR/schemas"
# module@version   file inside the module   name under <state>/schemas
FILES=(
  "github.com/compose-spec/compose-go/v2@v2.16.2 schema/compose-spec.json compose-spec.json"
  "github.com/prometheus-operator/prometheus-operator@v0.85.0 example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml crd-servicemonitors.yaml"
  "github.com/prometheus-operator/prometheus-operator@v0.85.0 example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml crd-prometheusrules.yaml"
  "github.com/prometheus-operator/prometheus-operator@v0.85.0 example/prometheus-operator-crd/monitoring.coreos.com_alertmanagerconfigs.yaml crd-alertmanagerconfigs.yaml"
  "github.com/kedacore/keda/v2@v2.21.0 config/crd/bases/keda.sh_scaledobjects.yaml crd-scaledobjects.yaml"
)

say() { echo "schemas: $*"; }
die() { echo "schemas: $*" >&2; exit 1; }

installed() {
  local entry
  for entry in "${FILES[@]}"; do
    read -r _ _ name <<<"$entry"
    [[ -s "$DIR/$name" ]] || return 1
  done
}

module_dir() {
  # $1: module@version. Prints the folder `go mod download` unpacked it into.
  local json
  json="$(cd "$TMP" && GOFLAGS=-mod=mod go mod download -json "$1" 2>"$TMP/download.log")" \
    || { cat "$TMP/download.log" >&2; echo "$json" >&2; die "go mod download $1 failed"; }
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$json"
}

install() {
  installed && return 0
  command -v go >/dev/null || die "needs Go (go mod download fetches the schemas)"
  TMP="$(mktemp -d)"
  trap 'rm -rf "$TMP"' EXIT
  mkdir -p "$DIR"
  local entry module file name dir
  for entry in "${FILES[@]}"; do
    read -r module file name <<<"$entry"
    [[ -s "$DIR/$name" ]] && continue
    dir="$(module_dir "$module")"
    [[ -n "$dir" && -f "$dir/$file" ]] || die "$module has no $file"
    cp "$dir/$file" "$DIR/$name.partial"
    chmod 644 "$DIR/$name.partial"
    mv "$DIR/$name.partial" "$DIR/$name"
    say "$name from $module"
  done
  say "installed in $DIR"
}

TMP=""
case "${1:-}" in
  install) install ;;
  path) echo "$DIR" ;;
  *) die "usage: $0 install|path" ;;
esac
