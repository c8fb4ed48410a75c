#!/usr/bin/env bash
# The layering check must catch each kind of crossing: an include of a layer
# not listed, a third-party header outside its layers, I/O in a pure layer,
# and a folder no layer declares; and pass a tree that crosses nothing.
set -u
check=$(dirname "$0")/layering_check.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src/low" "$tmp/src/high/sub" "$tmp/src/pure"
cat >"$tmp/layers.txt" <<'L'
# layer|deps|third-party header prefixes|pure
low|||
pure|low|zlib/|pure
high|low||
high/sub|high low||
L
printf '#include "low/a.h"\n' >"$tmp/src/high/b.h"
printf '#include "high/b.h"\n#include "low/a.h"\n' >"$tmp/src/high/sub/c.h"
printf '#include <zlib/z.h>\n#include "low/a.h"\n' >"$tmp/src/pure/p.cc"
printf 'int a;\n' >"$tmp/src/low/a.h"
fail=0
out=$(bash "$check" "$tmp/src" "$tmp/layers.txt") || { echo "clean tree refused: $out"; fail=1; }
expect_refused() {  # WHAT FILE CONTENT PATTERN
  local saved; saved=$(cat "$2" 2>/dev/null)
  printf '%s\n' "$3" >>"$2"
  if out=$(bash "$check" "$tmp/src" "$tmp/layers.txt"); then
    echo "not caught: $1"; fail=1
  elif [[ $out != *"$4"* ]]; then
    echo "caught $1, but said: $out"; fail=1
  fi
  printf '%s\n' "$saved" >"$2"
}
expect_refused "upward include" "$tmp/src/low/a.h" '#include "high/b.h"' "low/ may not include high/"
expect_refused "sub-layer include from parent" "$tmp/src/high/b.h" '#include "high/sub/c.h"' "high/ may not include high/sub/"
expect_refused "third-party header" "$tmp/src/high/b.h" '#include <zlib/z.h>' "<zlib/...>"
expect_refused "I/O in a pure layer" "$tmp/src/pure/p.cc" 'std::cout << 1;' "I/O in pure layer pure/"
mkdir "$tmp/src/stray"
expect_refused "undeclared folder" "$tmp/src/stray/s.h" '' "outside every declared layer folder"
rm -rf "$tmp/src/stray"
[ $fail = 0 ] && echo "layering_check_test: ok"
exit $fail
