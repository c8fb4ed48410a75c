#!/usr/bin/env bash
# Fails when an #include crosses the layer matrix of ../shared/DESIGN.md or a
# third-party header leaves its layer. Usage: layering_check.sh SRC_DIR
set -u
src=${1:?usage: layering_check.sh SRC_DIR}
declare -A allowed=(
  [util]="util"
  [sys]="sys util"
  [crypto]="crypto util"
  [http]="http util"
  [acme]="acme crypto http util"
  [issuance]="issuance acme crypto http util"
  [solvers]="solvers issuance acme crypto http nginx sys util"
  [storage]="storage crypto sys util"
  [nginx]="nginx sys util"
  [app]="app solvers issuance acme crypto http storage nginx sys util"
  [cli]="cli app util"
)
declare -A third_party=(
  ['openssl/']="crypto solvers"
  ['curl/']="http"
  ['ldns/']="solvers"
  ['nlohmann/']="acme storage app"
  ['CLI/']="cli"
)
fail=0
for layer in "${!allowed[@]}"; do
  [ -d "$src/$layer" ] || continue
  while IFS=: read -r file line inc; do
    target=${inc#*\"}; target=${target%%/*}
    if [[ " ${allowed[$layer]} " != *" $target "* ]]; then
      echo "$file:$line: $layer/ may not include $target/ ($inc)"; fail=1
    fi
  done < <(grep -HnE '^#include "[a-z_]+/' "$src/$layer"/* 2>/dev/null)
  for prefix in "${!third_party[@]}"; do
    if [[ " ${third_party[$prefix]} " != *" $layer "* ]]; then
      hits=$(grep -lE "^#include <${prefix}" "$src/$layer"/* 2>/dev/null)
      [ -n "$hits" ] && { echo "$hits: <${prefix}...> outside its layer"; fail=1; }
    fi
  done
done
# acme/ and crypto/ are values in, values out: no I/O, printing or sleeping.
io=$(grep -lE '#include <(fstream|filesystem|unistd\.h|fcntl\.h|thread|iostream)>|std::cout|std::cerr|sleep_for' \
     "$src"/acme/* "$src"/crypto/* 2>/dev/null)
[ -n "$io" ] && { echo "I/O in acme/ or crypto/: $io"; fail=1; }
[ $fail = 0 ] && echo "layering: ok"
exit $fail
