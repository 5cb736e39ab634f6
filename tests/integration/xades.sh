#!/bin/sh
# XAdES B-T and verification at signing time (docs/verification.md 2a, 3a, 4a, 5a): `gateway sign --tsa` against
# the test TSA ($BUILD/test-tsa on 127.0.0.1, port 0) in good and failing modes, with failover; `gateway
# verify --tsa-trust` checks the SignatureTimeStamp (imprint over the canonicalised SignatureValue, chain to
# the TSA anchors), refuses a token moved from another signature or tampered with, and `--at signing-time`
# judges a signer certificate that expired after it was timestamped as valid, while verification now refuses
# it. The short-lived signer certificate is minted here (notAfter a few seconds ahead); the suite waits on
# the condition "now > notAfter", never for a fixed time.
# shellcheck source=tests/integration/common.inc
. "$(dirname "$0")/common.inc"
S=xades
B=$ROOT/${BUILD:-build}
P=$WORK/tsapki
M="examples/decision-ludza.xml"

if ! sh "$ROOT/tests/tsa/make-tsa-pki.sh" "$P" >"$WORK/pki.err" 2>&1; then
    fail "$S/setup" "make-tsa-pki.sh: $(snip "$WORK/pki.err")"
    finish
fi

# tsa_start NAME [test-tsa args]: start a TSA, wait for its port file. false if it did not come up.
tsa_start() {
    _n=$1
    shift
    rm -f "$WORK/$_n.port"
    it_bg "$B/test-tsa" --cert "$P/tsa.pem" --key "$P/tsa.key.pem" --chain "$P/tsa-chain.pem" \
        --untrusted-cert "$P/tsa-untrusted.pem" --untrusted-key "$P/tsa-untrusted.key.pem" \
        --port-file "$WORK/$_n.port" "$@" 2>"$WORK/tsa-$_n.log"
    if ! wait_for 10 test -s "$WORK/$_n.port"; then
        fail "$S/start-$_n" "no port file: $(snip "$WORK/tsa-$_n.log")"
        return 1
    fi
}
url() { echo "http://127.0.0.1:$(cat "$WORK/$1.port")/"; }
# shellcheck disable=SC2317 # run through wait_for
past_end() { [ "$(date +%s)" -gt "$end_epoch" ]; } # the short-lived certificate has expired by the clock

tsa_start good || finish
tsa_start down --fail http500 || finish
tsa_start nonce --fail nonce || finish
GOOD=$(url good)
DOWN=$(url down)
NONCE=$(url nonce)

# sign_bt OUT [KEY CERT] [--tsa URL]...: a B-T signature by Ludza (or KEY/CERT) with the given TSAs
sign_bt() {
    _out=$1
    shift
    _key=$PKI/ludza.key.pem _cert=$PKI/ludza.pem
    if [ $# -ge 2 ] && [ "${1#--}" = "$1" ]; then
        _key=$1 _cert=$2
        shift 2
    fi
    gw sign --key "$_key" --cert "$_cert" --chain "$PKI/chain.pem" --tsa-trust "$P/tsa-root.pem" "$@" \
        -o "$_out" "$ROOT/$M"
}
verify() { # FILE [verify args]
    _f=$1
    shift
    gw verify --trust "$PKI/trust.pem" --crl "$PKI/crl.pem" "$@" "$_f"
}

# --- B-T signing, verification, interop ------------------------------------------------------------------
sign_bt "$WORK/bt.xml" --tsa "$GOOD"
expect_rc "$S/sign-b-t" 0
verify "$WORK/bt.xml" --tsa-trust "$P/tsa-root.pem"
expect_out "$S/verify-b-t" 0 "XAdES B-T: SigningTime "
expect_out "$S/verify-b-t-names-tsa" 0 "signature timestamp: .* by '.*Example TSA 1"
verify "$WORK/bt.xml"
expect_out "$S/verify-b-t-without-tsa-trust-leaves-it-unchecked" 0 "present, not checked \(no --tsa-trust\)"
if command -v xmlsec1 >/dev/null 2>&1; then
    if xmlsec1 --verify --trusted-pem "$PKI/trust.pem" --enabled-reference-uris empty,same-doc "$WORK/bt.xml" \
        >"$WORK/x.out" 2>&1; then
        pass "$S/xmlsec1-verifies-b-t"
    else
        fail "$S/xmlsec1-verifies-b-t" "$(tail -n 3 "$WORK/x.out" | tr '\n' ' ')"
    fi
else
    skip "$S/xmlsec1-verifies-b-t" "xmlsec1 not installed"
fi
# openssl ts, an independent implementation, verifies the token over the digest of the exclusive C14N of
# ds:SignatureValue written out by hand (for this element: the ds namespace declared on it, text as is)
sed -n 's:.*<xades\:EncapsulatedTimeStamp>\([^<]*\)</xades\:EncapsulatedTimeStamp>.*:\1:p' "$WORK/bt.xml" |
    base64 -d >"$WORK/token.der" 2>/dev/null
awk '/<ds:SignatureValue>/ { on = 1 } on { print } /<\/ds:SignatureValue>/ { exit }' "$WORK/bt.xml" |
    sed 's|<ds:SignatureValue>|<ds:SignatureValue xmlns:ds="http://www.w3.org/2000/09/xmldsig#">|' |
    head -c -1 >"$WORK/sv.c14n"
sv_digest=$(openssl dgst -sha256 -r "$WORK/sv.c14n" | cut -d' ' -f1)
if openssl ts -verify -digest "$sv_digest" -token_in -in "$WORK/token.der" -CAfile "$P/tsa-root.pem" \
    -untrusted "$P/tsa.pem" >"$WORK/ts.out" 2>&1 && grep -q "Verification: OK" "$WORK/ts.out"; then
    pass "$S/openssl-ts-verifies-imprint-over-signature-value"
else
    fail "$S/openssl-ts-verifies-imprint-over-signature-value" "$(snip "$WORK/ts.out")"
fi

# --- TSA failures: failover, and no output when every TSA fails ----------------------------------------
sign_bt "$WORK/failover.xml" --tsa "$DOWN" --tsa "$GOOD"
expect_rc "$S/sign-fails-over-to-next-tsa" 0
verify "$WORK/failover.xml" --tsa-trust "$P/tsa-root.pem"
expect_out "$S/failover-result-verifies" 0 "XAdES B-T"
rm -f "$WORK/none.xml"
sign_bt "$WORK/none.xml" --tsa "$DOWN"
if [ "$rc" -ne 0 ] && grep -q "TSA_HTTP" "$TMP/out" && [ ! -e "$WORK/none.xml" ]; then
    pass "$S/sign-tsa-down-writes-nothing"
else
    fail "$S/sign-tsa-down-writes-nothing" "exit $rc: $(head -c 300 "$TMP/out")"
fi
sign_bt "$WORK/nonce.xml" --tsa "$NONCE"
expect_out "$S/sign-wrong-nonce-refused" 1 "TSA_NONCE"
gw sign --key "$PKI/ludza.key.pem" --cert "$PKI/ludza.pem" --tsa "$GOOD" -o "$WORK/x.xml" "$ROOT/$M"
expect_rc "$S/sign-tsa-without-tsa-trust-is-usage" 2

# --- the token checked on verification ------------------------------------------------------------------
verify "$WORK/bt.xml" --tsa-trust "$PKI/trust.pem"
expect_out "$S/verify-tsa-not-trusted" 1 "TSA_UNTRUSTED"
# a valid token of another signature moved into this one: its imprint is not this SignatureValue
sign_bt "$WORK/bt2.xml" --tsa "$GOOD"
tok1=$(sed -n 's:.*<xades\:EncapsulatedTimeStamp>\([^<]*\)</xades\:EncapsulatedTimeStamp>.*:\1:p' "$WORK/bt.xml")
tok2=$(sed -n 's:.*<xades\:EncapsulatedTimeStamp>\([^<]*\)</xades\:EncapsulatedTimeStamp>.*:\1:p' "$WORK/bt2.xml")
sed "s:$tok2:$tok1:" "$WORK/bt2.xml" >"$WORK/moved.xml"
verify "$WORK/moved.xml" --tsa-trust "$P/tsa-root.pem"
expect_out "$S/verify-token-from-another-signature" 1 "TSA_IMPRINT"
# without TSA anchors the token is not judged, and its time is not used: the B-B signature stands alone
verify "$WORK/moved.xml"
expect_out "$S/verify-moved-token-unchecked-is-b-b" 0 "XAdES B-B: "
sed 's:<xades\:EncapsulatedTimeStamp>MI:<xades\:EncapsulatedTimeStamp>MA:' "$WORK/bt.xml" >"$WORK/broken.xml"
verify "$WORK/broken.xml" --tsa-trust "$P/tsa-root.pem"
expect_out "$S/verify-token-not-der" 1 "TSA_MALFORMED"
sed 's:<xades\:EncapsulatedTimeStamp>:<xades\:EncapsulatedTimeStamp>!:' "$WORK/bt.xml" >"$WORK/b64.xml"
verify "$WORK/b64.xml" --tsa-trust "$P/tsa-root.pem"
expect_out "$S/verify-token-not-base64" 1 "XADES_TIMESTAMP"

# --- the daemon: with tsa_trust, a received B-T message's timestamp must check out -----------------------
if it_pki && it_ports && it_config visc "tsa_trust = $P/tsa-root.pem" && it_start visc; then
    G=$WORK/pki
    # exchange NAME FILE: POST FILE to the centre as Ludza's gateway; status in $WORK/status, receipt in $WORK/body
    exchange() {
        fresh_copy "$ROOT/$M" "$WORK/$1.xml" >/dev/null
        $GW sign --key "$G/ludza.key.pem" --cert "$G/ludza.pem" --chain "$G/chain.pem" --tsa "$GOOD" \
            --tsa-trust "$P/tsa-root.pem" -o "$WORK/$1.signed.xml" "$WORK/$1.xml" >"$WORK/sign.err" 2>&1
        if [ -n "${2:-}" ]; then sed -i "$2" "$WORK/$1.signed.xml"; fi
        gw_curl visc ludza-full /v1/exchange -H 'Content-Type: application/xml' \
            --data-binary "@$WORK/$1.signed.xml" >/dev/null
    }
    exchange good
    if [ "$(cat "$WORK/status")" = 200 ] && [ "$(reason_of "$WORK/body")" = "" ] && grep -q Accepted "$WORK/body"; then
        pass "$S/daemon-accepts-b-t"
    else
        fail "$S/daemon-accepts-b-t" "HTTP $(cat "$WORK/status"): $(snip "$WORK/body") $(snip "$WORK/sign.err")"
    fi
    exchange moved "s:<xades\:EncapsulatedTimeStamp>[^<]*<:<xades\:EncapsulatedTimeStamp>$tok1<:"
    if [ "$(cat "$WORK/status")" = 400 ] && [ "$(reason_of "$WORK/body")" = TSA_IMPRINT ]; then
        pass "$S/daemon-refuses-moved-timestamp"
    else
        fail "$S/daemon-refuses-moved-timestamp" "HTTP $(cat "$WORK/status"): $(snip "$WORK/body")"
    fi
fi

# --- verification at signing time ---------------------------------------------------------------------------
# A Ludza certificate from the example issuing CA whose notAfter is a few seconds ahead.
C=$WORK/short
mkdir -p "$C"
: >"$C/index.txt"
echo 0123456789ABCDEF0123456789ABCDEF01234567 >"$C/serial"
cat >"$C/ca.cnf" <<'CNF'
[ca]
default_ca = mint
[mint]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = anything
unique_subject = no
[anything]
commonName = optional
[ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = serverAuth, clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
start=$(date -u -d '-1 hour' +%Y%m%d%H%M%SZ)
end_epoch=$(($(date +%s) + 8))
end=$(date -u -d "@$end_epoch" +%Y%m%d%H%M%SZ)
if (cd "$C" && openssl req -new -utf8 -key "$PKI/ludza.key.pem" -out req.csr \
    -subj "/C=LV/O=Ludzas novada pašvaldība/organizationIdentifier=NTRLV-90000017453/CN=short.ludza.example" &&
    openssl ca -batch -config ca.cnf -cert "$PKI/issuing-ca.pem" -keyfile "$PKI/issuing-ca.key.pem" \
        -in req.csr -out short.pem -startdate "$start" -enddate "$end" -preserveDN -utf8 -notext -md sha256 \
        -extfile ca.cnf -extensions ext) >"$WORK/mint.log" 2>&1; then
    sign_bt "$WORK/short-bt.xml" "$PKI/ludza.key.pem" "$C/short.pem" --tsa "$GOOD"
    expect_rc "$S/sign-b-t-short-lived" 0
    gw sign --key "$PKI/ludza.key.pem" --cert "$C/short.pem" --chain "$PKI/chain.pem" -o "$WORK/short-bb.xml" \
        "$ROOT/$M"
    expect_rc "$S/sign-b-b-short-lived" 0
    verify "$WORK/short-bt.xml" --tsa-trust "$P/tsa-root.pem"
    expect_rc "$S/short-lived-valid-before-expiry" 0
    # wait on the condition: the certificate has expired by the clock
    if wait_for 30 past_end; then
        verify "$WORK/short-bt.xml" --tsa-trust "$P/tsa-root.pem"
        expect_out "$S/expired-refused-now" 1 "CERT_EXPIRED"
        verify "$WORK/short-bt.xml" --tsa-trust "$P/tsa-root.pem" --at signing-time
        expect_out "$S/expired-valid-at-signing-time" 0 "the certificate was judged at this time"
        verify "$WORK/short-bb.xml" --tsa-trust "$P/tsa-root.pem" --at signing-time
        expect_out "$S/at-signing-time-without-timestamp-refused" 1 "REJECTED \[XADES_TIMESTAMP\]"
        verify "$WORK/short-bt.xml" --at signing-time
        expect_rc "$S/at-signing-time-needs-tsa-trust" 2
        gw verify --trust "$PKI/trust.pem" --tsa-trust "$P/tsa-root.pem" --at yesterday "$WORK/short-bt.xml"
        expect_rc "$S/at-takes-signing-time-only" 2
    else
        fail "$S/expired-refused-now" "the clock did not pass notAfter"
    fi
else
    fail "$S/mint-short-lived" "$(snip "$WORK/mint.log")"
fi
it_finish "$S"
