#!/bin/sh
# Interop with the xmlsec1 command-line tool, both directions, on the DESIGN §3 profile.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/cli/common.inc
. "$(dirname "$0")/common.inc"

if ! command -v xmlsec1 >/dev/null 2>&1; then
    fail "interop/xmlsec1-installed" "xmlsec1 not found (make deps installs it)"
    finish
fi

# 1. gateway signs, xmlsec1 verifies against the same CA (references restricted to the empty URI)
for k in ludza ludza-ec; do
    gw sign --key "$PKI/$k.key.pem" --cert "$PKI/$k.pem" --chain "$PKI/chain.pem" -o "$TMP/g-$k.xml" \
        "$EXAMPLES/decision-ludza.xml"
    if xmlsec1 --verify --trusted-pem "$PKI/trust.pem" --enabled-reference-uris empty,same-doc \
        "$TMP/g-$k.xml" >"$TMP/x.out" 2>&1; then
        pass "interop/gateway-signs-xmlsec1-verifies/$k"
    else
        fail "interop/gateway-signs-xmlsec1-verifies/$k" "$(tail -n 3 "$TMP/x.out")"
    fi
done

# 2. xmlsec1 signs a template of the same profile, the gateway verifies
template() { # FILE SIGNATURE-METHOD-URI
    sed "s|</env:Envelope>|<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>\
<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>\
<ds:SignatureMethod Algorithm=\"$2\"/>\
<ds:Reference URI=\"\"><ds:Transforms>\
<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>\
<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/></ds:Transforms>\
<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><ds:DigestValue/></ds:Reference>\
</ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data><ds:X509Certificate/></ds:X509Data></ds:KeyInfo>\
</ds:Signature></env:Envelope>|" "$1"
}
for case in "decision-ludza ludza rsa-sha256" "decision-talsi talsi ecdsa-sha256" "letter-invitation visc rsa-sha256"; do
    # shellcheck disable=SC2086 # split the case into its three words
    set -- $case
    template "$EXAMPLES/$1.xml" "http://www.w3.org/2001/04/xmldsig-more#$3" >"$TMP/t-$1.xml"
    if xmlsec1 --sign --privkey-pem "$PKI/$2.key.pem,$PKI/$2.pem,$PKI/chain.pem" --output "$TMP/x-$1.xml" \
        "$TMP/t-$1.xml" >"$TMP/x.out" 2>&1; then
        gw verify --trust "$PKI/trust.pem" --crl "$PKI/crl.pem" "$TMP/x-$1.xml"
        expect_out "interop/xmlsec1-signs-gateway-verifies/$1-$3" 0 "VERIFIED"
    else
        fail "interop/xmlsec1-signs-gateway-verifies/$1-$3" "xmlsec1 --sign failed: $(tail -n 3 "$TMP/x.out")"
    fi
done

finish
