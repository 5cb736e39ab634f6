#!/bin/sh
# sign -> verify round trip of every example with RSA, ECDSA P-256 and P-384 keys; Latvian text intact;
# the refusals of sign; verify's output and exit statuses.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/cli/common.inc
. "$(dirname "$0")/common.inc"

VERIFY="verify --trust $PKI/trust.pem --crl $PKI/crl.pem"
latvian='āčēģīķļņšūžĀČĒĢĪĶĻŅŠŪŽ'

for f in "$EXAMPLES"/*.xml; do
    base=$(basename "$f" .xml)
    org=$(signer_of "$f")
    keys=$org
    [ "$org" = ludza ] && keys="ludza ludza-ec ludza-p384"
    for k in $keys; do
        out="$TMP/$base.$k.xml"
        gw sign --key "$PKI/$k.key.pem" --cert "$PKI/$k.pem" --chain "$PKI/chain.pem" -o "$out" "$f"
        expect_rc "sign/$base/$k" 0
        # shellcheck disable=SC2086
        gw $VERIFY "$out"
        expect_out "verify/$base/$k" 0 "VERIFIED .* from [0-9]{11} to [0-9]{11}"
        # every Latvian letter of the unsigned message is still there, as many times
        for ch in $(echo "$latvian" | sed 's/./& /g'); do
            a=$(grep -o "$ch" "$f" | wc -l)
            b=$(grep -o "$ch" "$out" | wc -l)
            if [ "$a" -ne "$b" ]; then
                fail "utf8/$base/$k" "'$ch' occurs $a times unsigned, $b times signed"
                continue 2
            fi
        done
        pass "utf8/$base/$k"
    done
done

s="$TMP/decision-ludza.ludza.xml"
gw verify --trust "$PKI/trust.pem" "$s"
expect_out "verify/reports-signer" 0 "signer organisation: Ludzas novada pašvaldība \(registration number 90000017453\)"
expect_out "verify/reports-subject" 0 "certificate subject: .*organizationIdentifier=NTRLV-90000017453"
expect_out "verify/reports-what" 0 "over the whole document"

gw sign --key "$PKI/talsi.key.pem" --cert "$PKI/talsi.pem" -o "$TMP/x.xml" "$EXAMPLES/decision-ludza.xml"
expect_out "sign/refuses-other-organisation" 1 "SENDER_MISMATCH"
gw sign --key "$PKI/ludza.key.pem" --cert "$PKI/talsi.pem" -o "$TMP/x.xml" "$EXAMPLES/decision-talsi.xml"
expect_out "sign/refuses-key-not-matching-cert" 2 "KEY_MISMATCH"
gw sign --key "$PKI/ludza.key.pem" --cert "$PKI/ludza.pem" -o "$TMP/x.xml" "$EXAMPLES/invalid/bad-date.xml"
expect_out "sign/refuses-invalid-message" 1 "bad-date.xml:[0-9]+: .*SCHEMA_INVALID"
gw sign --key "$PKI/ludza.key.pem" --cert "$PKI/ludza.pem" -o "$TMP/x.xml" "$s"
expect_out "sign/refuses-signed-message" 1 "ALREADY_SIGNED"
gw sign --key "$PKI/ludza.key.pem" --cert "$PKI/ludza.pem" -o "$TMP/x.xml" "$TMP/nope.xml"
expect_out "sign/missing-input-is-io-error" 2 "nope.xml: cannot open"
gw sign --key "$PKI/nokey.pem" --cert "$PKI/ludza.pem" -o "$TMP/x.xml" "$EXAMPLES/decision-ludza.xml"
expect_out "sign/missing-key-is-io-error" 2 "nokey.pem: cannot open"
gw sign --cert "$PKI/ludza.pem" "$EXAMPLES/decision-ludza.xml"
expect_rc "sign/usage-without-key" 2
gw sign --key "$PKI/ludza.key.pem" --cert "$PKI/ludza.pem" - <"$EXAMPLES/decision-ludza.xml"
if [ "$rc" -eq 0 ] && grep -q "<ds:SignatureValue>" "$TMP/out"; then pass "sign/stdin-to-stdout"; else fail "sign/stdin-to-stdout" "exit $rc"; fi
if [ ! -e "$TMP/x.xml" ]; then pass "sign/no-output-on-refusal"; else fail "sign/no-output-on-refusal" "x.xml was written"; fi

# verify: several files, worst status wins; an unreadable trust file is a configuration error
sed 's/Ludzā/Ludza/' "$s" >"$TMP/tampered.xml"
gw verify --trust "$PKI/trust.pem" "$s" "$TMP/tampered.xml"
expect_out "verify/tampered-among-good" 1 "tampered.xml: REJECTED \[DIGEST_MISMATCH\]"
gw verify --trust "$PKI/trust.pem" "$s" "$TMP/nope.xml"
expect_rc "verify/missing-file-is-io-error" 2
gw verify --trust "$TMP/nope.pem" "$s"
expect_out "verify/missing-trust-is-config-error" 2 "nope.pem"
gw verify "$s"
expect_rc "verify/usage-without-trust" 2
crl17=""
for _ in $(seq 17); do crl17="$crl17 --crl $PKI/crl.pem"; done
# shellcheck disable=SC2086
gw verify --trust "$PKI/trust.pem" $crl17 "$s"
expect_out "verify/too-many-crl-files-is-usage" 2 "at most 16 --crl files"
# shellcheck disable=SC2086
gw receipt verify --trust "$PKI/trust.pem" $crl17 --message "$s" "$s"
expect_out "receipt/too-many-crl-files-is-usage" 2 "at most 16 --crl files"
gw verify -q --trust "$PKI/trust.pem" - <"$s"
expect_out "verify/stdin" 0 "<stdin>: VERIFIED"
finish
