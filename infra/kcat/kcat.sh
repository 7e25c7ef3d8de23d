#!/usr/bin/env bash
# kcat, the Kafka command-line client the replay tests check `azora replay export` against:
# taken out of Debian's `kcat` package and the two libraries it needs (downloaded, never
# installed system-wide) into the state dir, behind a wrapper that points the loader at them.
#   kcat.sh install   fetch kcat into <state>/kcat and write <state>/bin/kcat (once; a no-op afterwards)
#   kcat.sh path      print the wrapper's path
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
STATE_DIR="${AZORA_STATE_DIR:-$REPO/.azora}"
KCAT_DIR="$STATE_DIR/kcat"
BIN_DIR="$STATE_DIR/bin"
WRAPPER="$BIN_DIR/kcat"
# kcat links librdkafka and yajl; their own dependencies (libssl, libsasl2, zstd, lz4, zlib)
# are part of every Debian base system, so only these three are taken.
PACKAGES=(kcat librdkafka1 libyajl2)
TMP=""

say() { echo "kcat: $*"; }
die() { echo "kcat: $*" >&2; exit 1; }

download() {
  # $1: directory to download into. apt-get download needs no root and installs nothing.
  (cd "$1" && apt-get download -q "${PACKAGES[@]}") >"$1/download.log" 2>&1
}

installed() { [[ -x "$WRAPPER" && -x "$KCAT_DIR/usr/bin/kcat" ]]; }

install() {
  installed && return 0
  command -v apt-get >/dev/null || die "needs apt-get and dpkg-deb (Debian's kcat package provides kcat)"
  command -v dpkg-deb >/dev/null || die "needs dpkg-deb to unpack Debian's packages"
  TMP="$(mktemp -d)"
  trap 'rm -rf "$TMP"' EXIT
  chmod 755 "$TMP"   # so apt's unprivileged download user may write into it when run as root
  local tmp="$TMP"
  say "downloading Debian's ${PACKAGES[*]} packages to take kcat out of them"
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
  [[ -x "$tmp/root/usr/bin/kcat" ]] || die "the kcat package has no usr/bin/kcat"
  # Swap the whole tree in at once, so a failed install never leaves half a kcat behind.
  rm -rf "$KCAT_DIR.partial"
  mkdir -p "$STATE_DIR" "$BIN_DIR"
  mv "$tmp/root" "$KCAT_DIR.partial"
  rm -rf "$KCAT_DIR"
  mv "$KCAT_DIR.partial" "$KCAT_DIR"
  local lib
  lib="$(cd "$KCAT_DIR" && find . -name 'librdkafka.so.1' | head -n 1)"
  [[ -n "$lib" ]] || die "the librdkafka1 package has no librdkafka.so.1"
  lib="$(dirname "${lib#./}")"
  # The wrapper finds the tree relative to itself, so a moved state dir keeps working.
  cat >"$WRAPPER.partial" <<EOF
#!/usr/bin/env bash
# Written by infra/kcat/kcat.sh: Debian's kcat, with the libraries unpacked beside it.
tree="\$(cd "\$(dirname "\${BASH_SOURCE[0]}")/../kcat" && pwd)"
export LD_LIBRARY_PATH="\$tree/$lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
exec "\$tree/usr/bin/kcat" "\$@"
EOF
  chmod 755 "$WRAPPER.partial"
  mv "$WRAPPER.partial" "$WRAPPER"
  "$WRAPPER" -V >/dev/null 2>&1 || die "installed, but '$WRAPPER -V' fails (missing system libraries?)"
  say "installed kcat $("$WRAPPER" -V 2>&1 | sed -n 's/^Version \([^ ]*\).*/\1/p') at $WRAPPER"
}

case "${1:-}" in
  install) install ;;
  path) echo "$WRAPPER" ;;
  *) die "usage: $0 install|path" ;;
esac
