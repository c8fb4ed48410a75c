#!/usr/bin/env bash
# Fails when an #include crosses the layer matrix. The matrix is stated once,
# by the certpilot_layer() calls in CMakeLists.txt, which write LAYERS_FILE:
#   name|deps|third-party header prefixes|pure
# A layer's files are src/<name>/* (not its sub-folders, which are layers of
# their own). A layer may include itself and its listed deps; a third-party
# header that some layer declares may be included only where declared; a
# "pure" layer does no I/O, printing or sleeping (values in, values out).
# Usage: layering_check.sh SRC_DIR LAYERS_FILE
set -u
src=${1:?usage: layering_check.sh SRC_DIR LAYERS_FILE}
layers_file=${2:?usage: layering_check.sh SRC_DIR LAYERS_FILE}

declare -A deps headers pure
names=()
while IFS='|' read -r name d h p; do
  [[ -z $name || $name == \#* ]] && continue
  names+=("$name"); deps[$name]=$d; headers[$name]=$h; pure[$name]=$p
done <"$layers_file"
(( ${#names[@]} )) || { echo "no layers in $layers_file"; exit 1; }

all_prefixes=$(printf '%s\n' "${headers[@]}" | tr ' ' '\n' | sed '/^$/d' | sort -u)

# owner_of DIR: the layer whose folder is the longest prefix of DIR.
owner_of() {
  local dir=$1 best="" n
  for n in "${names[@]}"; do
    if [[ $dir == "$n" || $dir == "$n"/* ]] && (( ${#n} > ${#best} )); then best=$n; fi
  done
  printf '%s' "$best"
}

fail=0
covered=0
for layer in "${names[@]}"; do
  dir=$src/$layer
  [[ -d $dir ]] || { echo "layer $layer: no folder $dir"; fail=1; continue; }
  files=()
  for f in "$dir"/*.h "$dir"/*.cc; do [[ -f $f ]] && files+=("$f"); done
  (( ${#files[@]} )) || continue
  covered=$((covered + ${#files[@]}))
  allowed=" $layer ${deps[$layer]} "
  while IFS=: read -r file line inc; do
    path=${inc#*\"}; path=${path%\"*}
    target=$(owner_of "$(dirname "$path")")
    [[ -z $target ]] && { echo "$file:$line: $path is in no layer"; fail=1; continue; }
    if [[ $allowed != *" $target "* ]]; then
      echo "$file:$line: $layer/ may not include $target/ ($path)"; fail=1
    fi
  done < <(grep -HnE '^#include "' "${files[@]}")
  for prefix in $all_prefixes; do
    [[ " ${headers[$layer]} " == *" $prefix "* ]] && continue
    hits=$(grep -lE "^#include <${prefix}" "${files[@]}")
    [[ -n $hits ]] && { echo "$hits: <${prefix}...> outside the layers that declare it"; fail=1; }
  done
  if [[ ${pure[$layer]} == pure ]]; then
    io=$(grep -lE '#include <(fstream|filesystem|unistd\.h|fcntl\.h|thread|iostream|cstdio)>|std::cout|std::cerr|sleep_for|getenv' \
         "${files[@]}" | grep -v '_test\.')
    [[ -n $io ]] && { echo "I/O in pure layer $layer/: $io"; fail=1; }
  fi
done
# Every source file belongs to some layer (a new folder must be declared).
total=$(find "$src" \( -name '*.h' -o -name '*.cc' \) | wc -l)
if (( covered != total )); then
  echo "$((total - covered)) source files lie outside every declared layer folder:"
  find "$src" \( -name '*.h' -o -name '*.cc' \) | while read -r f; do
    d=$(dirname "${f#"$src"/}")
    [[ " ${names[*]} " == *" $d "* ]] || echo "  $f"
  done
  fail=1
fi
[ $fail = 0 ] && echo "layering: ok (${#names[@]} layers, $covered files)"
exit $fail
