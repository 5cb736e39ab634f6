#!/bin/sh
# The main job, on this machine: make a fresh example PKI, sign every example message with its
# organisation's key, verify each one, then show that a tampered copy and a forged signer are rejected.
set -eu
cd "$(dirname "$0")/.."
GW=build/gateway
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gw-demo.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM

say() { printf '\n== %s\n' "$*"; }

say "1. A fresh example PKI (root CA, issuing CA, one gateway certificate per organisation, a CRL)"
sh certs-example/make-pki.sh "$WORK/pki" | sed 's/^/   /'
P=$WORK/pki

say "2. Every example validates against the schemas"
$GW validate examples/*.xml | sed 's/^/   /'

say "3. Each organisation signs its own messages"
for f in examples/*.xml; do
    case "$(sed -n 's:.*<env\:Sender>\([0-9]*\)</env\:Sender>.*:\1:p' "$f")" in
    90000017453) org=ludza ;;
    90009113532) org=talsi ;;
    *) org=visc ;;
    esac
    $GW sign --key "$P/$org.key.pem" --cert "$P/$org.pem" --chain "$P/chain.pem" \
        -o "$WORK/$(basename "$f")" "$f"
    echo "   $(basename "$f"): signed by $org"
done

say "4. The recipient verifies them (trust anchor and CRL only)"
$GW verify --trust "$P/trust.pem" --crl "$P/crl.pem" "$WORK"/*.xml | sed 's/^/   /'

say "5. A copy changed after signing is rejected"
sed 's/Iesaistīties/Neiesaistīties/' "$WORK/decision-ludza.xml" >"$WORK/tampered.xml"
$GW verify --trust "$P/trust.pem" --crl "$P/crl.pem" "$WORK/tampered.xml" | sed 's/^/   /' || true

say "6. Talsi's key cannot sign in Ludza's name"
$GW sign --key "$P/talsi.key.pem" --cert "$P/talsi.pem" -o "$WORK/forged.xml" examples/decision-ludza.xml \
    2>&1 | sed 's/^/   /' || true

say "7. A revoked certificate is refused"
$GW sign --key "$P/revoked.key.pem" --cert "$P/revoked.pem" --chain "$P/chain.pem" -o "$WORK/revoked.xml" \
    examples/decision-ludza.xml
$GW verify --trust "$P/trust.pem" --crl "$P/crl.pem" "$WORK/revoked.xml" | sed 's/^/   /' || true
echo
echo "demo finished"
