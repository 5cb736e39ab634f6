# shellcheck shell=sh
# Shared helpers for the shell suites: source it, then call pass/fail/check. Every suite prints one
# "PASS name" or "FAIL name: why" line per test and exits 1 if any failed; a test this machine cannot
# run (a missing tool, not root) prints "SKIP name: why" instead, never a PASS.
# $GATEWAY is the binary under test (default build/gateway); $GW_VALGRIND, if set, prefixes it.
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
GATEWAY=${GATEWAY:-$ROOT/build/gateway}
# shellcheck disable=SC2034 # for the suites that source this file
PKI=$ROOT/tests/pki
# shellcheck disable=SC2034 # for the suites that source this file
EXAMPLES=$ROOT/examples
_failures=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gw-suite.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; _failures=$((_failures + 1)); }
skip() { echo "SKIP $1: $2"; }

# gw ARGS...: run the gateway, output in $TMP/out, status in $rc
gw() {
    # shellcheck disable=SC2086
    ${GW_VALGRIND:-} "$GATEWAY" "$@" >"$TMP/out" 2>&1
    rc=$?
}

# expect_rc NAME WANT: the last gw call exited WANT
expect_rc() {
    if [ "$rc" -eq "$2" ]; then pass "$1"; else fail "$1" "exit $rc, want $2: $(head -c 400 "$TMP/out")"; fi
}

# expect_out NAME STATUS PATTERN: last call exited STATUS and its output matches PATTERN (grep -E)
expect_out() {
    if [ "$rc" -eq "$2" ] && grep -qE -- "$3" "$TMP/out"; then
        pass "$1"
    else
        fail "$1" "exit $rc (want $2), output does not match '$3': $(head -c 400 "$TMP/out")"
    fi
}

finish() { [ "$_failures" -eq 0 ]; exit $?; }
