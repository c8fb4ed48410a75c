# Sourced, not run: starts build/tests/certpilot-testca (a throwaway Pebble CA
# on free loopback ports) as a coprocess and imports its CERTPILOT_TEST_*
# variables. Stops it on EXIT.
#   start_testca TESTCA_BINARY [certpilot-testca flags...]

start_testca() {
  local testca=$1
  shift
  # certpilot-testca prints CERTPILOT_TEST_*=... lines and runs until its
  # stdin closes: a coprocess gives us both ends.
  coproc TESTCA { exec "$testca" "$@"; }
  testca_pid=$TESTCA_PID
  testca_in=${TESTCA[1]}
  local testca_out=${TESTCA[0]} line
  trap stop_testca EXIT
  while true; do
    if ! IFS= read -r -t 60 line <&"$testca_out"; then
      echo "certpilot-testca did not report ready (see its messages above)" >&2
      return 1
    fi
    if [[ ! $line =~ ^CERTPILOT_TEST_[A-Z_]+= ]]; then
      echo "unexpected line from certpilot-testca: $line" >&2
      return 1
    fi
    eval "export $line"   # shell-quoted by certpilot-testca
    [[ $line == CERTPILOT_TEST_READY=1 ]] && break
  done
}

stop_testca() {
  if [[ -n ${testca_in:-} ]]; then
    exec {testca_in}>&-   # EOF on its stdin: it stops Pebble and exits
    testca_in=
    wait "$testca_pid" 2>/dev/null || true
  fi
}
