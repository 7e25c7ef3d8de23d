#!/usr/bin/env bash
# wrk, the HTTP load generator the ingress benchmark drives both servers with, taken out of
# Debian's packages (infra/debian/take.sh).
#   wrk.sh install   fetch wrk into <state>/wrk and write <state>/bin/wrk (once; a no-op afterwards)
#   wrk.sh path      print the wrapper's path
set -euo pipefail

TAKE="$(cd "$(dirname "${BASH_SOURCE[0]}")/../debian" && pwd)/take.sh"

case "${1:-}" in
  install)
    "$TAKE" install wrk usr/bin/wrk wrk libluajit-5.1-2 libluajit-5.1-common
    # wrk --version prints its version and exits 1.
    version="$("$("$TAKE" path wrk)" --version 2>&1 || true)"
    [[ "$version" == wrk* ]] || { echo "wrk: installed, but 'wrk --version' fails: $version" >&2; exit 1; }
    ;;
  path) "$TAKE" path wrk ;;
  *) echo "usage: $0 install|path" >&2; exit 1 ;;
esac
