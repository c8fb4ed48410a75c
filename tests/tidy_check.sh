#!/usr/bin/env bash
# Runs clang-tidy with the repository's .clang-tidy over every source file in
# src/, using BUILD_DIR/compile_commands.json; any warning fails.
# Usage: tidy_check.sh BUILD_DIR REPO_ROOT [JOBS]
set -u
build=${1:?usage: tidy_check.sh BUILD_DIR REPO_ROOT [JOBS]}
root=${2:?usage: tidy_check.sh BUILD_DIR REPO_ROOT [JOBS]}
jobs=${3:-2}
command -v clang-tidy >/dev/null || { echo "clang-tidy not found (scripts/deps installs it)"; exit 1; }
[[ -f $build/compile_commands.json ]] || { echo "no $build/compile_commands.json"; exit 1; }
cd "$root" || exit 1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
find src -name '*.cc' | sort |
  xargs -P "$jobs" -n 4 clang-tidy -p "$build" --quiet >"$log" 2>&1
status=$?
# clang-tidy prints "N warnings generated." for suppressed system-header
# warnings too; only diagnostics in our files count.
if grep -E '^/.*(warning|error):' "$log" >/dev/null || (( status != 0 )); then
  grep -E -A3 '^/.*(warning|error):' "$log" | head -200
  echo "tidy: $(grep -cE '^/.*(warning|error):' "$log") diagnostics (exit $status)"
  exit 1
fi
echo "tidy: ok ($(find src -name '*.cc' | wc -l) files)"
