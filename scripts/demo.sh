#!/bin/sh
# The main job, on this machine: the centre's gateway and the Ludza and Talsi gateways on 127.0.0.1,
# a real exchange between them, and an account of what happened. Stops everything it started.
set -eu
GWROOT=$(cd "$(dirname "$0")/.." && pwd)
GW=$GWROOT/build/gateway
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gw-demo.XXXXXX")
# shellcheck source=scripts/gateways.sh
. "$GWROOT/scripts/gateways.sh"
cleanup() {
    gw_stop_all
    if [ -n "${KEEP:-}" ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT INT TERM

say() { printf '\n== %s\n' "$*"; }
ok() { printf '   %s\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; for n in visc ludza talsi; do tail -n 5 "$WORK/$n.log" >&2 || true; done; exit 1; }

say "1. A fresh example PKI: root and issuing CA, one certificate per gateway and IT system, a CRL"
gw_pki "$WORK"
for o in visc ludza talsi; do
    ok "$o: $(openssl x509 -in "$WORK/pki/$o.pem" -noout -subject -nameopt utf8,sep_comma_plus_space | sed 's/^subject=//')"
done

say "2. Three gateways on 127.0.0.1: the centre (VISC), Ludza and Talsi"
# shellcheck disable=SC2034 # read through eval ("PORT_$name") by gw_config and gw_curl
PORT_visc=$(free_port) PORT_ludza=$(free_port) PORT_talsi=$(free_port)
for n in visc ludza talsi; do
    gw_config "$n"
    gw_start "$n" || die "gateway $n did not start"
    eval "ok \"$n listens on https://127.0.0.1:\$PORT_$n (mutual TLS)\""
done

say "3. The municipalities' IT systems submit their documents to their own gateways"
: >"$WORK/sent"
submit() { # NAME EXAMPLE
    id=$(fresh_copy "$GWROOT/examples/$2.xml" "$WORK/$2.xml")
    got=$(gw_submit "$1" "$WORK/$2.xml")
    { [ "$(cat "$WORK/status")" = 202 ] && [ "$got" = "$id" ]; } || die "submission of $2 failed: $(cat "$WORK/body")"
    echo "$1 $id $2" >>"$WORK/sent"
    ok "$1 -> centre: $2 accepted for delivery (202, id $id)"
}
submit ludza decision-ludza
submit ludza datareport-ludza-2025q1
submit talsi decision-talsi
submit talsi confirmation-talsi-readiness
submit talsi confirmation-talsi-conflict-of-interest

say "4. Delivered over mutual TLS; each gateway verifies the centre's signed receipt"
while read -r from id what; do
    wait_state "$from" "$id" delivered 30 || die "$what not delivered"
    gw_curl "$from" "$from-client-full" "/v1/messages/$id/receipt" >"$WORK/$id.receipt.xml"
    gw_curl "$from" "$from-client-full" "/v1/messages/$id/message" >"$WORK/$id.sent.xml"
    $GW receipt verify --trust "$WORK/pki/trust.pem" --crl "$WORK/pki/crl.pem" --message "$WORK/$id.sent.xml" \
        "$WORK/$id.receipt.xml" >"$WORK/rv" || die "receipt of $what does not verify: $(cat "$WORK/rv")"
    ok "$what: $(head -n 1 "$WORK/rv" | sed 's/^[^:]*: //')"
done <"$WORK/sent"

say "5. The centre's intake pipeline pulls its inbox, verifies each message offline and acknowledges it"
gw_curl visc visc-client-full "/v1/inbox?after=0&limit=100" >"$WORK/inbox.json"
sed 's/"id":"/\n/g' "$WORK/inbox.json" | sed -n 's/^\([0-9a-f-]\{36\}\)".*/\1/p' >"$WORK/inbox.ids"
while read -r id; do
    gw_curl visc visc-client-full "/v1/inbox/$id" >"$WORK/in-$id.xml"
    $GW verify -q --trust "$WORK/pki/trust.pem" --crl "$WORK/pki/crl.pem" "$WORK/in-$id.xml" | sed 's|^[^:]*: |   |'
    gw_curl visc visc-client-full "/v1/inbox/$id/ack" -X POST >/dev/null
    [ "$(cat "$WORK/status")" = 200 ] || die "ack of $id failed"
done <"$WORK/inbox.ids"
ok "all acknowledged"

say "6. Signed Delivered notifications travel back; each municipality checks them"
while read -r from id what; do
    i=0
    until gw_curl "$from" "$from-client-full" "/v1/messages/$id/notification" >"$WORK/$id.notice.xml" &&
        [ "$(cat "$WORK/status")" = 200 ]; do
        i=$((i + 1)); [ $i -gt 300 ] && die "no Delivered notification for $what"; sleep 0.1
    done
    $GW receipt verify --trust "$WORK/pki/trust.pem" --message "$WORK/$id.sent.xml" "$WORK/$id.notice.xml" \
        >"$WORK/rv" || die "notification for $what does not verify: $(cat "$WORK/rv")"
    ok "$what: $(head -n 1 "$WORK/rv" | sed 's/^[^:]*: //')"
done <"$WORK/sent"

say "7. Attacks on the centre's exchange endpoint"
first=$(head -n 1 "$WORK/sent" | cut -d' ' -f2)
sed 's/Iesaistīties/Neiesaistīties/' "$WORK/$first.sent.xml" >"$WORK/forged.xml"
gw_curl visc ludza-full /v1/exchange -H 'Content-Type: application/xml' --data-binary "@$WORK/forged.xml" >"$WORK/r.xml"
ok "forged (text changed after signing): HTTP $(cat "$WORK/status"), $(sed -n 's:.*<r\:ReasonCode>\(.*\)</r\:ReasonCode>.*:\1:p' "$WORK/r.xml")"
gw_curl visc talsi-full /v1/exchange -H 'Content-Type: application/xml' --data-binary "@$WORK/$first.sent.xml" >"$WORK/r.xml"
ok "Ludza's message delivered by Talsi's gateway: HTTP $(cat "$WORK/status"), $(sed -n 's:.*<r\:ReasonCode>\(.*\)</r\:ReasonCode>.*:\1:p' "$WORK/r.xml")"
gw_curl visc ludza-full /v1/exchange -H 'Content-Type: application/xml' --data-binary "@$WORK/$first.sent.xml" >"$WORK/r.xml"
ok "exact replay: HTTP $(cat "$WORK/status"), the original receipt again ($(cmp -s "$WORK/r.xml" "$WORK/$first.receipt.xml" && echo identical || echo DIFFERENT)), stored once"
sed "s|<Title>Par sadarbību|<Title>Grozīts: Par sadarbību|" "$WORK/decision-ludza.xml" >"$WORK/replay-edit.xml"
$GW sign --key "$WORK/pki/ludza.key.pem" --cert "$WORK/pki/ludza.pem" --chain "$WORK/pki/chain.pem" \
    -o "$WORK/replay-signed.xml" "$WORK/replay-edit.xml"
gw_curl visc ludza-full /v1/exchange -H 'Content-Type: application/xml' --data-binary "@$WORK/replay-signed.xml" >"$WORK/r.xml"
ok "same MessageId, other content: HTTP $(cat "$WORK/status"), $(sed -n 's:.*<r\:ReasonCode>\(.*\)</r\:ReasonCode>.*:\1:p' "$WORK/r.xml")"
$GW sign --key "$WORK/pki/ludza.key.pem" --cert "$WORK/pki/ludza.pem" --chain "$WORK/pki/chain.pem" \
    -o "$WORK/old.xml" "$GWROOT/examples/decision-ludza.xml"
gw_curl visc ludza-full /v1/exchange -H 'Content-Type: application/xml' --data-binary "@$WORK/old.xml" >"$WORK/r.xml"
ok "replay of a 2024 message: HTTP $(cat "$WORK/status"), $(sed -n 's:.*<r\:ReasonCode>\(.*\)</r\:ReasonCode>.*:\1:p' "$WORK/r.xml")"
n=$(gw_curl visc visc-client-full "/v1/inbox?after=0&limit=1000" | grep -o '"seq"' | wc -l)
ok "the centre's inbox holds $n messages: the 5 sent, nothing forged or replayed"

say "8. Auditors check each gateway's hash-chained audit log"
gw_stop_all
for n in visc ludza talsi; do
    $GW audit verify --store "$WORK/$n.db" | sed 's|^.*/||; s/^/   /'
done
echo
echo "demo finished: every gateway stopped"
