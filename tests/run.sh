#!/bin/sh
# Run every test suite against one or more build directories and print "N passed, N failed".
#
# usage: tests/run.sh [--valgrind] BUILD_DIR...
#
# A suite is an executable that prints one line per test, "PASS <name>" or "FAIL <name>: <why>", and exits
# non-zero if any failed; "SKIP <name>: <why>" marks a test this machine could not run, listed and counted
# apart, never as passed. Suites: build/unit-tests, tests/hostile/run.sh, tests/cli/*.sh,
# tests/integration/*.sh, and build-asan/fault-tests (--own, --c14n --every 16, --selftest) on the sanitizer
# build. Each receives the gateway binary in $GATEWAY and the build dir in $BUILD.
set -u
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
VALGRIND=""
if [ "${1:-}" = "--valgrind" ]; then
    VALGRIND="valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect"
    shift
fi
[ $# -ge 1 ] || { echo "usage: tests/run.sh [--valgrind] BUILD_DIR..." >&2; exit 2; }

LOG=$(mktemp -d "${TMPDIR:-/tmp}/gw-tests.XXXXXX")
trap 'rm -rf "$LOG"' EXIT INT TERM
passed=0
failed=0
skipped=0

run_suite() { # build label command...
    build=$1; label=$2; shift 2
    out="$LOG/out"
    start=$(date +%s)
    GATEWAY="$ROOT/$build/gateway" BUILD="$build" GW_VALGRIND="$VALGRIND" "$@" >"$out" 2>"$LOG/err"
    rc=$?
    p=$(grep -c '^PASS ' "$out")
    f=$(grep -c '^FAIL ' "$out")
    grep '^FAIL ' "$out" | sed "s|^|  [$build] |"
    grep '^SKIP ' "$out" | sed "s|^|  [$build] |"
    skipped=$((skipped + $(grep -c '^SKIP ' "$out")))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "  [$build] FAIL $label: suite exited $rc without naming a failed test"
        tail -n 20 "$LOG/err" | sed 's/^/      /'
        f=1
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    printf '%-14s %-34s %4d passed %3d failed  %3ds\n' "[$build]" "$label" "$p" "$f" $(( $(date +%s) - start ))
}

for build in "$@"; do
    if [ -n "$VALGRIND" ]; then
        run_suite "$build" "cli under valgrind" sh tests/cli/valgrind.sh
        continue
    fi
    run_suite "$build" "unit" "$build/unit-tests"
    run_suite "$build" "fuzz corpora replay" "$build/fuzz-verify" tests/fuzz/corpus/verify
    run_suite "$build" "fuzz config replay" "$build/fuzz-config" tests/fuzz/corpus/config
    run_suite "$build" "fuzz parse replay" "$build/fuzz-parse" tests/fuzz/corpus/parse
    run_suite "$build" "fuzz tsp replay" "$build/fuzz-tsp" tests/fuzz/corpus/tsp
    run_suite "$build" "fuzz merkle replay" "$build/fuzz-merkle" tests/fuzz/corpus/merkle
    run_suite "$build" "fuzz envelope replay" "$build/fuzz-envelope" tests/fuzz/corpus/envelope
    run_suite "$build" "fuzz receipt replay" "$build/fuzz-receipt" tests/fuzz/corpus/receipt
    run_suite "$build" "fuzz http replay" "$build/fuzz-http" tests/fuzz/corpus/http
    run_suite "$build" "fuzz xades replay" "$build/fuzz-xades" tests/fuzz/corpus/xades
    run_suite "$build" "fuzz checkpoint replay" "$build/fuzz-checkpoint" tests/fuzz/corpus/checkpoint
    run_suite "$build" "hostile corpus" sh tests/hostile/run.sh
    # sanitizer build only: every allocation the gateway's own code makes, failed in turn (make fault: all)
    if [ -x "$build/fault-tests" ]; then
        run_suite "$build" "fault: own allocations" "$build/fault-tests" --own
        # every 16th allocation made under libxml2's C14N (make fault runs them all): never a verdict on
        # the input, never a signature that does not verify
        run_suite "$build" "fault: C14N allocations, sampled" "$build/fault-tests" --c14n --every 16
        # the known-library-defects list never excuses a defect of ours
        run_suite "$build" "fault: skip-list self-test" "$build/fault-tests" --selftest
    fi
    for s in tests/cli/*.sh tests/integration/*.sh; do
        [ -f "$s" ] || continue
        case "$s" in tests/cli/valgrind.sh) continue ;; esac
        run_suite "$build" "$(basename "$(dirname "$s")")/$(basename "$s" .sh)" sh "$s"
    done
done
if [ -z "$VALGRIND" ] && [ -n "${GW_SKIP_VALGRIND:-}" ]; then
    :
elif [ -z "$VALGRIND" ] && command -v valgrind >/dev/null 2>&1; then
    run_suite "$1" "cli under valgrind" sh tests/cli/valgrind.sh
fi
# the summary line stays in the plain form CI reads: "N passed, N failed" with ", N skipped" after it
if [ "$skipped" -gt 0 ]; then
    echo "(the $skipped skipped tests could not run on this machine: the SKIP lines above say why)"
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
