#!/usr/bin/env bash
# NAV's mock-oauth2-server (no.nav.security:mock-oauth2-server, Maven Central), the
# OpenID Connect provider the sign-in tests run against. It publishes no standalone jar, so
# Maven resolves it with its runtime dependencies (infra/oidc/pom.xml) and every jar is
# checked against the SHA-256 sums pinned in infra/oidc/jars.sha256 before it is used.
#   mock-oauth2-server.sh install   fetch and check the jars into <state>/oidc/libs (once)
#   mock-oauth2-server.sh libs      print that directory (the tests start the server from it:
#                                   java -cp '<libs>/*' no.nav.security.mock.oauth2.StandaloneMockOAuth2ServerKt)
# After changing the version in pom.xml: `AZORA_OIDC_REPIN=1 mock-oauth2-server.sh install`
# rewrites jars.sha256 from what Maven verified (review the diff before committing it).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
STATE_DIR="${AZORA_STATE_DIR:-$REPO/.azora}"
LIBS="$STATE_DIR/oidc/libs"
SUMS="$HERE/jars.sha256"

say() { echo "mock-oauth2-server: $*"; }
die() { echo "mock-oauth2-server: ERROR: $*" >&2; exit 1; }

# The jars in $1 are exactly the pinned ones, each with its pinned digest.
checked() {
  local dir="$1"
  (cd "$dir" && sha256sum --quiet --strict -c "$SUMS") >/dev/null 2>&1 || return 1
  [[ "$(cd "$dir" && ls -1 ./*.jar | wc -l)" == "$(wc -l <"$SUMS")" ]]
}

install() {
  [[ -f "$LIBS/.complete" ]] && checked "$LIBS" && return 0
  command -v mvn >/dev/null || die "needs Maven (Debian: apt-get install maven)"
  command -v java >/dev/null || die "needs a JDK 17+ (Debian: apt-get install openjdk-17-jdk-headless)"
  mkdir -p "$STATE_DIR/oidc"
  [[ -e "$STATE_DIR/.gitignore" ]] || printf '*\n' >"$STATE_DIR/.gitignore"
  local tmp="$STATE_DIR/oidc/libs.tmp" log="$STATE_DIR/oidc/fetch.log"
  rm -rf "$tmp"
  say "fetching the server and its dependencies with Maven (log: $log)"
  # -C: a download whose checksum disagrees with the repository's fails, not just warns.
  if ! mvn -q -B -C -Dstyle.color=never -f "$HERE/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$tmp" >"$log" 2>&1; then
    tail -30 "$log" >&2
    die "Maven could not fetch the server; see $log"
  fi
  if [[ "${AZORA_OIDC_REPIN:-}" == 1 ]]; then
    (cd "$tmp" && sha256sum ./*.jar | sed 's|  \./|  |') >"$SUMS"
    say "re-pinned $(wc -l <"$SUMS") jars in $SUMS"
  fi
  checked "$tmp" || die "the fetched jars do not match $SUMS (a changed or extra jar); refusing them"
  touch "$tmp/.complete"
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
  say "$(wc -l <"$SUMS") checked jars in $LIBS"
}

case "${1:-}" in
  install) install ;;
  libs) echo "$LIBS" ;;
  *) echo "usage: $0 install|libs" >&2; exit 1 ;;
esac
