#!/usr/bin/env bash
# Fails when a C++ file differs from what clang-format makes of it with the
# checked-in .clang-format, and names each such file with the first lines
# that differ. Fix with: clang-format -i FILE...
# Usage: format_check.sh REPO_ROOT
set -u
root=${1:?usage: format_check.sh REPO_ROOT}
cd "$root" || exit 1
command -v clang-format >/dev/null || { echo "clang-format not found (scripts/deps installs it)"; exit 1; }
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.cc' '*.h')
else
  mapfile -t files < <(find src tests bench -name '*.cc' -o -name '*.h')
fi
bad=0
for f in "${files[@]}"; do
  [[ -f $f ]] || continue
  if ! clang-format --style=file "$f" | cmp -s - "$f"; then
    echo "not formatted: $f"
    clang-format --style=file "$f" | diff -u "$f" - | sed -n '3,12p'
    bad=$((bad + 1))
  fi
done
if (( bad )); then
  echo "$bad of ${#files[@]} files differ from .clang-format; run: clang-format -i FILE..."
  exit 1
fi
echo "format: ok (${#files[@]} files)"
