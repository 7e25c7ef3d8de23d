#!/usr/bin/env bash
# Takes a tool out of Debian's packages without installing them system-wide: downloads the
# packages (apt-get download needs no root and installs nothing), unpacks them into the
# state dir and writes a wrapper in <state>/bin that points the loader at their libraries.
# Used by the scripts beside the tools (infra/kcat/kcat.sh, infra/wrk/wrk.sh, promtool).
#   take.sh install NAME BINARY PACKAGE...   e.g. take.sh install kcat usr/bin/kcat kcat librdkafka1
#   take.sh path NAME                        print the wrapper's path
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
STATE_DIR="${AZORA_STATE_DIR:-$REPO/.azora}"
BIN_DIR="$STATE_DIR/bin"
TMP=""

die() { echo "${NAME:-take}: $*" >&2; exit 1; }
say() { echo "$NAME: $*"; }

download() {
  # $1: directory to download into.
  (cd "$1" && apt-get download -q "${PACKAGES[@]}") >"$1/download.log" 2>&1
}

install() {
  local tree="$STATE_DIR/$NAME" wrapper="$BIN_DIR/$NAME"
  [[ -x "$wrapper" && -x "$tree/$BINARY" ]] && return 0
  command -v apt-get >/dev/null || die "needs apt-get and dpkg-deb (Debian's ${PACKAGES[0]} package provides $NAME)"
  command -v dpkg-deb >/dev/null || die "needs dpkg-deb to unpack Debian's packages"
  TMP="$(mktemp -d)"
  trap 'rm -rf "$TMP"' EXIT
  chmod 755 "$TMP"   # so apt's unprivileged download user may write into it when run as root
  local tmp="$TMP"
  say "downloading Debian's ${PACKAGES[*]} packages to take $NAME out of them"
  if ! download "$tmp"; then
    if [[ "$(id -u)" == 0 ]]; then
      say "download failed; refreshing the package lists once (apt-get update) and retrying"
      apt-get update -q >"$tmp/update.log" 2>&1 || { tail -20 "$tmp/update.log" >&2; die "apt-get update failed"; }
      download "$tmp" || { tail -20 "$tmp/download.log" >&2; die "apt-get download ${PACKAGES[*]} failed"; }
    else
      tail -20 "$tmp/download.log" >&2
      die "apt-get download ${PACKAGES[*]} failed; the package lists may be stale: run 'sudo apt-get update' and retry"
    fi
  fi
  local package deb
  for package in "${PACKAGES[@]}"; do
    deb="$(find "$tmp" -maxdepth 1 -name "${package}_*.deb" | head -n 1)"
    [[ -n "$deb" ]] || die "apt-get download left no ${package}_*.deb"
    dpkg-deb -x "$deb" "$tmp/root"
  done
  [[ -x "$tmp/root/$BINARY" ]] || die "the ${PACKAGES[0]} package has no $BINARY"
  # Swap the whole tree in at once, so a failed install never leaves half a tool behind.
  mkdir -p "$STATE_DIR" "$BIN_DIR"
  rm -rf "$tree.partial"
  mv "$tmp/root" "$tree.partial"
  rm -rf "$tree"
  mv "$tree.partial" "$tree"
  # Every directory holding a shared library the packages brought, relative to the tree.
  local libs
  libs="$(cd "$tree" && find . -name '*.so*' -printf '%h\n' | sort -u | sed 's|^\./||' | paste -sd: -)"
  # The wrapper finds the tree relative to itself, so a moved state dir keeps working.
  cat >"$wrapper.partial" <<WRAPPER
#!/usr/bin/env bash
# Written by infra/debian/take.sh: Debian's $NAME, with its libraries unpacked beside it.
tree="\$(cd "\$(dirname "\${BASH_SOURCE[0]}")/../$NAME" && pwd)"
libs="$libs"
if [[ -n "\$libs" ]]; then
  export LD_LIBRARY_PATH="\$(echo "\$libs" | sed "s|\([^:]*\)|\$tree/\1|g")\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
fi
exec "\$tree/$BINARY" "\$@"
WRAPPER
  chmod 755 "$wrapper.partial"
  mv "$wrapper.partial" "$wrapper"
  say "installed $NAME at $wrapper"
}

command="${1:-}"
NAME="${2:-}"
[[ -n "$NAME" ]] || die "usage: $0 install NAME BINARY PACKAGE... | path NAME"
case "$command" in
  install)
    [[ $# -ge 4 ]] || die "usage: $0 install NAME BINARY PACKAGE..."
    BINARY="$3"
    PACKAGES=("${@:4}")
    install
    ;;
  path) echo "$BIN_DIR/$NAME" ;;
  *) die "usage: $0 install NAME BINARY PACKAGE... | path NAME" ;;
esac
