#!/usr/bin/env bash
# Alertmanager and amtool, taken out of Debian's `prometheus-alertmanager` package
# (downloaded, never installed system-wide; infra/debian/take.sh): the alerting test
# (tests/alerting) runs Alertmanager, the unit tests check alertmanager.yml with amtool.
#   alertmanager.sh install   fetch both into <state>/bin (once; a no-op afterwards)
#   alertmanager.sh path      print Alertmanager's path
#   alertmanager.sh amtool    print amtool's path
#   alertmanager.sh check     amtool check-config alertmanager.yml
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TAKE="$HERE/../debian/take.sh"

die() { echo "alertmanager: $*" >&2; exit 1; }

case "${1:-}" in
  install)
    "$TAKE" install alertmanager usr/bin/prometheus-alertmanager prometheus-alertmanager
    "$TAKE" install amtool usr/bin/amtool prometheus-alertmanager
    "$("$TAKE" path alertmanager)" --version >/dev/null 2>&1 \
      || die "installed, but 'alertmanager --version' fails"
    ;;
  path) "$TAKE" path alertmanager ;;
  amtool) "$TAKE" path amtool ;;
  check)
    amtool="$("$TAKE" path amtool)"
    [[ -x "$amtool" ]] || die "amtool is not installed at $amtool: run 'make alerting' (or '$0 install')"
    "$amtool" check-config "$HERE/alertmanager.yml"
    ;;
  *) die "usage: $0 install|path|amtool|check" ;;
esac
