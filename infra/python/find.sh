#!/usr/bin/env bash
# Prints the path of a Python interpreter of the given minor version (default 3.11), or fails
# saying where one can come from. Azora supports 3.11, 3.12 and 3.13 (pyproject.toml).
#
# Usage: infra/python/find.sh [3.11|3.12|3.13]
# Looks, in order, at: python<version> on PATH (a pyenv shim counts only if it runs), then
# pyenv's own versions (<pyenv root>/versions/<version>.*), newest patch first.
set -euo pipefail

version="${1:-3.11}"
[[ "$version" =~ ^3\.[0-9]+$ ]] || { echo "find.sh: a minor version like 3.12, not '$version'" >&2; exit 2; }

runs() { "$1" -c 'import sys; sys.exit(0)' >/dev/null 2>&1; }
is_version() { [[ "$("$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" == "$version" ]]; }

if candidate="$(command -v "python$version" 2>/dev/null)" && runs "$candidate" && is_version "$candidate"; then
  echo "$candidate"
  exit 0
fi
root="${PYENV_ROOT:-$HOME/.pyenv}"
if [[ -d "$root/versions" ]]; then
  while read -r dir; do
    candidate="$dir/bin/python$version"
    if [[ -x "$candidate" ]] && runs "$candidate" && is_version "$candidate"; then
      echo "$candidate"
      exit 0
    fi
  done < <(find "$root/versions" -maxdepth 1 -name "$version.*" | sort -V -r)
fi
echo "find.sh: no Python $version here: install python$version from your distribution's" \
  "packages (Debian 13 has python3.13) or a pyenv version $version.x" >&2
exit 1
