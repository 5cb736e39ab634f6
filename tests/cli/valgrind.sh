#!/bin/sh
# The command-line paths under valgrind: no invalid access, no definite or indirect leak, on success and
# on each kind of failure (valgrind exits 99 on an error; the gateway's own statuses are 0, 1, 2).
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

if ! command -v valgrind >/dev/null 2>&1; then
    fail "valgrind/installed" "valgrind not found (make deps installs it)"
    finish
fi
VG="valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect"

vg() { # NAME WANT-STATUS ARGS...
    name=$1 want=$2
    shift 2
    $VG "$GATEWAY" "$@" >"$TMP/vg.out" 2>&1
    got=$?
    if [ "$got" -eq "$want" ]; then
        pass "valgrind/$name"
    else
        fail "valgrind/$name" "exit $got, want $want: $(grep -m 5 '==' "$TMP/vg.out" | tr '\n' ' ')"
    fi
}

vg validate-ok 0 validate "$EXAMPLES/decision-ludza.xml"
vg validate-invalid 1 validate "$EXAMPLES/invalid/bad-date.xml"
vg sign-rsa 0 sign --key "$PKI/ludza.key.pem" --cert "$PKI/ludza.pem" --chain "$PKI/chain.pem" -o "$TMP/s.xml" \
    "$EXAMPLES/decision-ludza.xml"
vg sign-ecdsa 0 sign --key "$PKI/talsi.key.pem" --cert "$PKI/talsi.pem" --chain "$PKI/chain.pem" \
    -o "$TMP/t.xml" "$EXAMPLES/decision-talsi.xml"
vg sign-refused 1 sign --key "$PKI/talsi.key.pem" --cert "$PKI/talsi.pem" -o "$TMP/x.xml" \
    "$EXAMPLES/decision-ludza.xml"
vg sign-key-mismatch 2 sign --key "$PKI/ludza.key.pem" --cert "$PKI/talsi.pem" -o "$TMP/x.xml" \
    "$EXAMPLES/decision-talsi.xml"
vg verify-ok 0 verify --trust "$PKI/trust.pem" --crl "$PKI/crl.pem" "$TMP/s.xml" "$TMP/t.xml"
sed 's/Ludzā/Ludza/' "$TMP/s.xml" >"$TMP/bad.xml"
vg verify-tampered 1 verify --trust "$PKI/trust.pem" "$TMP/bad.xml"
# every hostile file in one run: each rejection path, none may leak
vg verify-hostile-corpus 1 verify -q --trust "$PKI/trust.pem" --crl "$PKI/crl.pem" "$ROOT"/tests/hostile/*.xml
finish
