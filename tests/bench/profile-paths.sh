#!/bin/sh
# SPDX-License-Identifier: MIT
# Instructions per message of each path of build/bench-paths and of its floor, counted by callgrind
# (repeatable on a shared, noisy machine where wall time is not). Usage, from the repository root:
#   sh tests/bench/profile-paths.sh [N] [OUTDIR]
# N messages per path (default 20, after one warm-up that is not counted); callgrind files go to OUTDIR
# (default build/profile), one per path, for callgrind_annotate.
set -eu
n=${1:-20}
out=${2:-build/profile}
bin=build/bench-paths
[ -x "$bin" ] || { echo "profile-paths: $bin not built (make build/bench-paths)" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "profile-paths: valgrind not installed" >&2; exit 2; }
mkdir -p "$out"
count() {
    valgrind --tool=callgrind --collect-atstart=no --toggle-collect=measured \
        --callgrind-out-file="$out/callgrind.$1" "$bin" --one "$1" "$n" 2>"$out/valgrind.$1.log" >/dev/null ||
        { echo "profile-paths: $1 failed, see $out/valgrind.$1.log" >&2; exit 2; }
    total=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$out/callgrind.$1")
    echo $((total / n))
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
parse=$(count parse)
raw_parse=$(count raw-parse)
printf '%-22s %10s instructions/message   floor %10s   ratio %s\n' parse+validate "$parse" "$raw_parse" \
    "$(ratio "$parse" "$raw_parse")"
for alg in rsa ec; do
    s=$(count "submit-$alg")
    rs=$(count "raw-sign-$alg")
    r=$(count "receive-$alg")
    rv=$(count "raw-verify-$alg")
    printf '%-22s %10s instructions/message   floor %10s   ratio %s\n' "submit-$alg" "$s" "$rs" "$(ratio "$s" "$rs")"
    printf '%-22s %10s instructions/message   floor %10s   ratio %s\n' "receive-$alg" "$r" "$rv" "$(ratio "$r" "$rv")"
done
