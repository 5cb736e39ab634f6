#!/bin/sh
# Merkle proofs checked by hand with the sh functions of docs/audit.md section 5.5 (POSIX sh, awk and
# sha256sum only, without the gateway). The proofs are the worked examples of that section, kept in
# tests/fuzz/corpus/merkle/ (tests/unit/test_merkle.c checks that gateway/merkle.c writes exactly these
# files), so if the code, the file format and the page disagree, this suite fails. Then each hash is
# changed and the check must fail.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

if ! command -v sha256sum >/dev/null 2>&1; then
    fail "merkle/tools" "sha256sum not found (make deps installs it)"
    finish
fi
CORPUS=$ROOT/tests/fuzz/corpus/merkle

# The checker is the sh block of docs/audit.md 5.5 itself, read from the page (less its last line, which
# checks an example file name).
awk '/^### 5\.5 /{s = 1} s && /^```sh$/{b = 1; next} b && /^```$/{exit} b' "$ROOT/docs/audit.md" |
    grep -v '^check_inclusion proof.txt' >"$TMP/check.sh"
if ! grep -q '^check_consistency()' "$TMP/check.sh"; then
    fail "merkle/doc-block" "no sh block with check_inclusion and check_consistency in docs/audit.md 5.5"
    finish
fi
# shellcheck source=/dev/null # written above from the page
. "$TMP/check.sh"

# expect NAME WANT(0|1) CHECK FILE
expect() {
    "$3" "$4"
    got=$?
    [ "$got" -ne 0 ] && got=1
    if [ "$got" -eq "$2" ]; then pass "$1"; else fail "$1" "$3 $(basename "$4") returned $got, want $2"; fi
}

# The leaf of the example: entry 0x40414243 is leaf 5 of the RFC 6962 reference leaves.
h=$(leaf 40414243)
if [ "$h" = "$(sed -n 's/^leaf_hash //p' "$CORPUS/inclusion-8-5.txt")" ]; then
    pass "merkle/leaf-hash-by-hand"
else
    fail "merkle/leaf-hash-by-hand" "got $h"
fi
h=$(leaf '')
if [ "$h" = 6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d ]; then
    pass "merkle/empty-leaf-by-hand"
else
    fail "merkle/empty-leaf-by-hand" "got $h"
fi

expect "merkle/inclusion-8-5" 0 check_inclusion "$CORPUS/inclusion-8-5.txt"
expect "merkle/inclusion-1-0" 0 check_inclusion "$CORPUS/inclusion-1-0.txt"
expect "merkle/consistency-3-7" 0 check_consistency "$CORPUS/consistency-3-7.txt"
expect "merkle/consistency-5-5" 0 check_consistency "$CORPUS/consistency-5-5.txt"
expect "merkle/inclusion-bad-bit" 1 check_inclusion "$CORPUS/inclusion-bad-bit.txt"

# Every hash line changed in its last digit, one at a time, must fail; so must another leaf index.
for f in inclusion-8-5 consistency-3-7; do
    check=check_inclusion
    case $f in consistency-*) check=check_consistency ;; esac
    n=$(wc -l <"$CORPUS/$f.txt")
    i=1
    while [ "$i" -le "$n" ]; do
        line=$(sed -n "${i}p" "$CORPUS/$f.txt")
        case $line in
        *" "????????????????????????????????????????????????????????????????)
            awk -v i="$i" 'NR == i { c = substr($0, length($0))
                $0 = substr($0, 1, length($0) - 1) (c == "0" ? "1" : "0") } 1' "$CORPUS/$f.txt" >"$TMP/t.txt"
            expect "merkle/$f-line-$i-changed" 1 $check "$TMP/t.txt"
            ;;
        esac
        i=$((i + 1))
    done
done
for i in 0 1 2 3 4 6 7; do
    sed "s/^leaf_index 5\$/leaf_index $i/" "$CORPUS/inclusion-8-5.txt" >"$TMP/t.txt"
    expect "merkle/inclusion-as-leaf-$i" 1 check_inclusion "$TMP/t.txt"
done
sed 's/^old_size 3$/old_size 4/' "$CORPUS/consistency-3-7.txt" >"$TMP/t.txt"
expect "merkle/consistency-other-old-size" 1 check_consistency "$TMP/t.txt"
finish
