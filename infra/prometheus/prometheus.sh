#!/usr/bin/env bash
# The Prometheus server, for the alerting test (tests/alerting): taken out of Debian's
# `prometheus` package (downloaded, never installed system-wide; infra/debian/take.sh).
#   prometheus.sh install   fetch it into <state>/bin/prometheus (once; a no-op afterwards)
#   prometheus.sh path      print the binary's path
set -euo pipefail

TAKE="$(cd "$(dirname "${BASH_SOURCE[0]}")/../debian" && pwd)/take.sh"

case "${1:-}" in
  install)
    "$TAKE" install prometheus usr/bin/prometheus prometheus
    "$("$TAKE" path prometheus)" --version >/dev/null 2>&1 \
      || { echo "prometheus: installed, but 'prometheus --version' fails" >&2; exit 1; }
    ;;
  path) "$TAKE" path prometheus ;;
  *) echo "usage: $0 install|path" >&2; exit 1 ;;
esac
