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
# a signed checkpoint of the audit log every 4 entries (default 1000), so that this short exchange
# leaves several for the auditors of sections 8 and 9, and the receipts carry them to the peers
for n in visc ludza talsi; do
    EXTRA_CONF="checkpoint_every_entries = 4" gw_config "$n"
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
# the centre signs a checkpoint of its log within a second of 4 new entries; the receipts and Delivered
# notifications it signs from then on carry it to the municipalities (docs/audit.md 7)
i=0
until [ "$(sqlite3 "$WORK/visc.db" "SELECT count(*) FROM checkpoints" 2>/dev/null || echo 0)" -ge 1 ]; do
    i=$((i + 1)); [ $i -gt 300 ] && die "the centre signed no checkpoint"; sleep 0.1
done
ok "the centre signed a checkpoint of its audit log at $(sqlite3 "$WORK/visc.db" "SELECT max(tree_size) FROM checkpoints") entries"

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

say "8. Auditors check each gateway's log, its tree and its signed checkpoints, offline"
gw_stop_all
T="--trust $WORK/pki/trust.pem --crl $WORK/pki/crl.pem"
for n in visc ludza talsi; do
    # shellcheck disable=SC2086 # T is four words
    $GW audit verify --store "$WORK/$n.db" $T >"$WORK/av" 2>&1 || die "audit log of $n: $(cat "$WORK/av")"
    sed 's|^.*/||; s/^/   /' "$WORK/av"
done
ok "Ludza's decision ($first) in the centre's log, proved against the centre's latest checkpoint:"
mkdir "$WORK/proof"
$GW audit proof --store "$WORK/visc.db" --message "$first" -o "$WORK/proof" >"$WORK/pr" 2>&1 ||
    die "audit proof: $(cat "$WORK/pr")"
sed -n 's|^entry [0-9]*: ||p' "$WORK/pr" >"$WORK/proofs"
np=0
while read -r p; do
    # shellcheck disable=SC2086
    $GW audit verify-proof $T --checkpoint "$WORK/proof/checkpoint.xml" "$p" >"$WORK/vp" 2>&1 ||
        die "proof $p: $(cat "$WORK/vp")"
    sed "s|$WORK/||g; s/^/   /" "$WORK/vp"
    np=$((np + 1))
done <"$WORK/proofs"
[ $np -gt 0 ] || die "no inclusion proof for $first: $(cat "$WORK/pr")"
C=$WORK/proof/checkpoint.xml
ok "(each against the tree size and root that checkpoint.xml signs: $(sed -n 's|.*<cp:TreeSize>\([0-9]*\)<.*|\1|p' "$C") entries," \
    "root $(sed -n 's|.*<cp:RootHash[^>]*>\([0-9a-f]*\)<.*|\1|p' "$C"))"
ok "what the centre's log says about it (audit search --message):"
$GW audit search --store "$WORK/visc.db" --message "$first" >"$WORK/sr" 2>&1 || die "audit search: $(cat "$WORK/sr")"
[ -s "$WORK/sr" ] || die "audit search found nothing for $first"
sed 's/^/   /' "$WORK/sr"

say "9. An insider cuts the tail off a copy of the centre's log; the checkpoint Ludza holds catches it"
# the newest good checkpoint Ludza's gateway holds from the centre, as a receipt brought it
sqlite3 "$WORK/ludza.db" "SELECT writefile('$WORK/held.xml', body) FROM peer_checkpoints
    WHERE peer = '$ORG_visc' AND fork = 0 ORDER BY seq DESC LIMIT 1" >/dev/null
[ -s "$WORK/held.xml" ] || die "Ludza holds no checkpoint of the centre"
# shellcheck disable=SC2086
$GW verify -q $T "$WORK/held.xml" >"$WORK/hv" 2>&1 || die "the checkpoint Ludza holds: $(cat "$WORK/hv")"
held=$(sed -n 's|.*<cp:TreeSize>\([0-9]*\)</cp:TreeSize>.*|\1|p' "$WORK/held.xml")
ok "Ludza holds the centre's checkpoint of $held entries, root $(sed -n 's|.*<cp:RootHash[^>]*>\([0-9a-f]*\)<.*|\1|p' "$WORK/held.xml")"
keep=$((held / 2))
total=$(sqlite3 "$WORK/visc.db" "SELECT value FROM meta WHERE key = 'audit_last_seq'")
cp "$WORK/visc.db" "$WORK/cut.db"
# all that would betray the cut goes with it: the guard triggers, the entries after $keep and the rows
# they recorded, the head in meta, the tree nodes and the stored checkpoints beyond $keep entries
sqlite3 "$WORK/cut.db" "SELECT 'DROP TRIGGER ' || name || ';' FROM sqlite_master WHERE type = 'trigger'" >"$WORK/cut.sql"
{
    echo "DELETE FROM inbox WHERE 'inbox:' || seq IN (SELECT row_ref FROM audit WHERE seq > $keep);"
    echo "DELETE FROM outbox WHERE 'outbox:' || id IN (SELECT row_ref FROM audit WHERE seq > $keep);"
    echo "DELETE FROM rejected WHERE 'rejected:' || seq IN (SELECT row_ref FROM audit WHERE seq > $keep);"
    echo "DELETE FROM audit WHERE seq > $keep;"
    echo "UPDATE meta SET value = $keep WHERE key = 'audit_last_seq';"
    echo "UPDATE meta SET value = (SELECT hash FROM audit WHERE seq = $keep) WHERE key = 'audit_last_hash';"
    echo "DELETE FROM merkle WHERE (idx + 1) << level > $keep;"
    echo "DELETE FROM checkpoints WHERE tree_size > $keep;"
} >>"$WORK/cut.sql"
sqlite3 "$WORK/cut.db" <"$WORK/cut.sql" || die "sqlite3 could not cut the copy"
ok "the copy keeps entries 1..$keep of $total; the rows, tree nodes and checkpoints beyond are gone"
# shellcheck disable=SC2086
$GW audit verify --store "$WORK/cut.db" $T >"$WORK/av" 2>&1 || die "the cut copy should pass the plain checks: $(cat "$WORK/av")"
ok "without the checkpoint Ludza holds, the cut copy verifies (that is the point: a chain cannot tell):"
sed 's|^.*/||; s/^/   /' "$WORK/av"
# shellcheck disable=SC2086
if $GW audit verify --store "$WORK/cut.db" $T --checkpoint "$WORK/held.xml" >"$WORK/av" 2>&1; then
    die "the truncation was not caught: $(cat "$WORK/av")"
fi
grep -q "BROKEN at entry $((keep + 1)): .*truncated" "$WORK/av" || die "unexpected report: $(cat "$WORK/av")"
ok "with it (--checkpoint held.xml), exit 1:"
sed "s|$WORK/||g; s/^/   /" "$WORK/av"
edit=$(sqlite3 "$WORK/visc.db" "SELECT min(seq) FROM audit WHERE message_id = '$first' AND event = 'received'")
if [ -z "$edit" ] || [ "$edit" -gt "$held" ]; then die "no received entry for $first among the first $held"; fi
cp "$WORK/visc.db" "$WORK/edit.db"
sqlite3 "$WORK/edit.db" "SELECT 'DROP TRIGGER ' || name || ';' FROM sqlite_master WHERE type = 'trigger'
    AND tbl_name = 'audit'" >"$WORK/edit.sql"
echo "UPDATE audit SET peer = '$ORG_talsi' WHERE seq = $edit;" >>"$WORK/edit.sql"
sqlite3 "$WORK/edit.db" <"$WORK/edit.sql" || die "sqlite3 could not edit the copy"
# shellcheck disable=SC2086
if $GW audit verify --store "$WORK/edit.db" $T --checkpoint "$WORK/held.xml" >"$WORK/av" 2>&1; then
    die "the edit was not caught: $(cat "$WORK/av")"
fi
grep -q "BROKEN at entry $edit:" "$WORK/av" || die "unexpected report: $(cat "$WORK/av")"
ok "another copy, entry $edit rewritten to say that Talsi delivered Ludza's decision, exit 1:"
sed "s|$WORK/||g; s/^/   /" "$WORK/av"
echo
echo "demo finished: every gateway stopped"
