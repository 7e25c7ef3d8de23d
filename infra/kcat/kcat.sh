#!/usr/bin/env bash
# kcat, the Kafka command-line client the replay tests and benchmark check
# `azora replay export` against, taken out of Debian's packages (infra/debian/take.sh).
#   kcat.sh install   fetch kcat into <state>/kcat and write <state>/bin/kcat (once; a no-op afterwards)
#   kcat.sh path      print the wrapper's path
set -euo pipefail

TAKE="$(cd "$(dirname "${BASH_SOURCE[0]}")/../debian" && pwd)/take.sh"

case "${1:-}" in
  install)
    # kcat links librdkafka and yajl; their own dependencies (libssl, libsasl2, zstd, lz4,
    # zlib) are part of every Debian base system.
    "$TAKE" install kcat usr/bin/kcat kcat librdkafka1 libyajl2
    "$("$TAKE" path kcat)" -V >/dev/null 2>&1 || { echo "kcat: installed, but 'kcat -V' fails" >&2; exit 1; }
    ;;
  path) "$TAKE" path kcat ;;
  *) echo "usage: $0 install|path" >&2; exit 1 ;;
esac
