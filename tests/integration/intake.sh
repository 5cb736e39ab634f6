#!/bin/sh
# Intake races and ids, and the deliverer when it cannot write its store:
# - parallel acknowledgements of one inbox message queue exactly one Delivered notification;
# - MessageIds are unique per sender: two municipalities that use the same MessageId both get their
#   message accepted at the centre, each addressed there with ?sender=, and a redelivery by the same sender
#   still gets the stored receipt;
# - a deliverer that cannot record an outcome backs off instead of posting the message again at once.
# shellcheck source=tests/integration/common.inc
. "$(dirname "$0")/common.inc"
S=intake

it_pki || { fail "$S/setup" "cannot make the PKI"; finish; }
it_ports
# the ack race below opens 48 connections at once from 127.0.0.1: more unfinished handshakes from one
# address than the default max_handshakes_per_address (8) lets through
it_config visc "max_handshakes_per_address = 64"
it_config ludza
it_config talsi
it_start visc ludza talsi || it_finish "$S"

# audit_count STORE EVENT ID: the audit entries EVENT about ID in STORE
audit_count() {
    $GW audit show --store "$1" 2>/dev/null | awk -v e="$2" -v id="$3" '$3 == e && $4 == id' | wc -l | tr -d ' '
}

# ---- parallel acknowledgements: one notification per message ----
ACKS=8
MSGS=6
: >"$WORK/ack.ids"
i=0
while [ $i -lt $MSGS ]; do
    i=$((i + 1))
    id=$(fresh_copy "$EXAMPLES/decision-ludza.xml" "$WORK/a$i.xml")
    code=$(it_submit "$WORK/a$i.resp" ludza "$WORK/a$i.xml")
    [ "$code" = 202 ] || fail "$S/ack-race-submit-$i" "HTTP $code: $(snip "$WORK/a$i.resp")"
    echo "$id" >>"$WORK/ack.ids"
done
ack_ids=$(cat "$WORK/ack.ids")
for id in $ack_ids; do wait_state ludza "$id" delivered 20 || fail "$S/ack-race-delivered" "$id"; done
for id in $ack_ids; do
    k=0
    while [ $k -lt $ACKS ]; do
        k=$((k + 1))
        it_bg it_req "$WORK/ack.$id.$k" visc visc-client-full "/v1/inbox/$id/ack" -X POST >"$WORK/ack.$id.$k.code"
    done
done
# shellcheck disable=SC2317 # run through wait_for
acks_done() {
    for id in $ack_ids; do
        for k in $(seq 1 "$ACKS"); do [ -s "$WORK/ack.$id.$k.code" ] || return 1; done
    done
}
wait_for 60 acks_done || fail "$S/ack-race-finish" "not every acknowledgement was answered in 60 s"
bad=""
for id in $ack_ids; do
    first=0
    for k in $(seq 1 $ACKS); do
        [ "$(cat "$WORK/ack.$id.$k.code")" = 200 ] || bad="$bad $id:HTTP$(cat "$WORK/ack.$id.$k.code")"
        grep -q '"already":false' "$WORK/ack.$id.$k" && first=$((first + 1))
    done
    queued=$(audit_count "$WORK/visc.db" notification_queued "$id")
    rows=$(sqlite3 -readonly "$WORK/visc.db" "SELECT count(*) FROM outbox WHERE in_reply_to = '$id'")
    [ "$first" = 1 ] && [ "$queued" = 1 ] && [ "$rows" = 1 ] ||
        bad="$bad $id:first=$first,queued=$queued,outbox=$rows"
done
if [ -z "$bad" ]; then pass "$S/ack-race-one-notification $MSGS messages x $ACKS acks"; else
    fail "$S/ack-race-one-notification" "$bad"; fi
missing=""
for id in $ack_ids; do
    wait_for 20 sh -c "curl -sS --cacert '$WORK/pki/trust.pem' --cert '$WORK/pki/ludza-client-full.pem' \
        --key '$WORK/pki/ludza-client.key.pem' 'https://127.0.0.1:$PORT_ludza/v1/messages/$id' |
        grep -q '\"delivered_notification\":\"/v1/'" || missing="$missing $id"
done
if [ -z "$missing" ]; then pass "$S/ack-race-notified"; else fail "$S/ack-race-notified" "none for$missing"; fi

# ---- the same MessageId from two senders ----
id=$(fresh_copy "$EXAMPLES/decision-talsi.xml" "$WORK/t.xml")
sed -e "s|<env:MessageId>[^<]*</env:MessageId>|<env:MessageId>$id</env:MessageId>|" \
    -e "s|<env:Created>[^<]*</env:Created>|<env:Created>$(date -u +%Y-%m-%dT%H:%M:%SZ)</env:Created>|" \
    "$EXAMPLES/decision-ludza.xml" >"$WORK/l.xml"
code=$(it_submit "$WORK/t.resp" talsi "$WORK/t.xml")
[ "$code" = 202 ] || fail "$S/same-id-submit-talsi" "HTTP $code: $(snip "$WORK/t.resp")"
wait_state talsi "$id" delivered 20 || fail "$S/same-id-talsi-delivered" "$id"
code=$(it_submit "$WORK/l.resp" ludza "$WORK/l.xml")
[ "$code" = 202 ] || fail "$S/same-id-submit-ludza" "HTTP $code: $(snip "$WORK/l.resp")"
if wait_state ludza "$id" delivered 20; then pass "$S/same-id-both-accepted"; else
    fail "$S/same-id-both-accepted" "$(gw_curl ludza ludza-client-full "/v1/messages/$id")"; fi
# both in the inbox, each listed with an href that names its sender
inbox_ids visc "$WORK/inbox.ids"
n=$(grep -c "^$id\$" "$WORK/inbox.ids")
gw_curl visc visc-client-full "/v1/inbox?after=0&limit=1000" >"$WORK/list.json"
if [ "$n" = 2 ] && grep -q "\"href\":\"/v1/inbox/$id?sender=$ORG_ludza\"" "$WORK/list.json" &&
    grep -q "\"href\":\"/v1/inbox/$id?sender=$ORG_talsi\"" "$WORK/list.json"; then
    pass "$S/same-id-listed-twice"
else
    fail "$S/same-id-listed-twice" "$n entries: $(grep -o "[^{]*${id}[^}]*" "$WORK/list.json" | head -c 400)"
fi
# without sender the id is ambiguous; with it, each sender's own message
code=$(it_req "$WORK/g0" visc visc-client-full "/v1/inbox/$id")
if [ "$code" = 409 ] && grep -q "sender=" "$WORK/g0"; then pass "$S/same-id-get-ambiguous"; else
    fail "$S/same-id-get-ambiguous" "HTTP $code: $(snip "$WORK/g0")"; fi
code=$(it_req "$WORK/ga" visc visc-client-full "/v1/inbox/$id/ack" -X POST)
if [ "$code" = 409 ]; then pass "$S/same-id-ack-ambiguous"; else
    fail "$S/same-id-ack-ambiguous" "HTTP $code: $(snip "$WORK/ga")"; fi
for who in ludza talsi; do
    eval "org=\$ORG_$who"
    code=$(it_req "$WORK/g.$who" visc visc-client-full "/v1/inbox/$id?sender=$org")
    if [ "$code" = 200 ] && grep -q "<env:Sender>$org</env:Sender>" "$WORK/g.$who"; then
        pass "$S/same-id-get-$who"
    else
        fail "$S/same-id-get-$who" "HTTP $code: $(snip "$WORK/g.$who")"
    fi
    code=$(it_req "$WORK/k.$who" visc visc-client-full "/v1/inbox/$id/ack?sender=$org" -X POST)
    if [ "$code" = 200 ] && grep -q '"already":false' "$WORK/k.$who"; then pass "$S/same-id-ack-$who"; else
        fail "$S/same-id-ack-$who" "HTTP $code: $(snip "$WORK/k.$who")"
    fi
    if wait_for 20 sh -c "curl -sS --cacert '$WORK/pki/trust.pem' --cert '$WORK/pki/$who-client-full.pem' \
        --key '$WORK/pki/$who-client.key.pem' 'https://127.0.0.1:$(eval echo \$PORT_$who)/v1/messages/$id' |
        grep -q '\"delivered_notification\":\"/v1/'"; then
        pass "$S/same-id-notified-$who"
    else
        fail "$S/same-id-notified-$who" "no Delivered notification at $who"
    fi
done
code=$(it_req "$WORK/gx" visc visc-client-full "/v1/inbox/$id?sender=90000000000")
if [ "$code" = 404 ]; then pass "$S/same-id-get-other-sender-404"; else fail "$S/same-id-get-other-sender-404" "HTTP $code"; fi
for bad in 9000001745 900000174530 9000001745x; do
    code=$(it_req "$WORK/gy" visc visc-client-full "/v1/inbox/$id?sender=$bad")
    if [ "$code" = 400 ]; then pass "$S/same-id-get-bad-sender-400-$bad"; else
        fail "$S/same-id-get-bad-sender-400-$bad" "HTTP $code"; fi
done
# a redelivery by the same sender is still a duplicate: the stored receipt again
gw_curl ludza ludza-client-full "/v1/messages/$id/message" >"$WORK/l.signed.xml"
gw_curl ludza ludza-client-full "/v1/messages/$id/receipt" >"$WORK/l.receipt.xml"
code=$(it_req "$WORK/redo" visc ludza-full /v1/exchange -H 'Content-Type: application/xml' \
    --data-binary "@$WORK/l.signed.xml")
if [ "$code" = 200 ] && cmp -s "$WORK/redo" "$WORK/l.receipt.xml" &&
    [ "$(audit_count "$WORK/visc.db" duplicate "$id")" = 1 ]; then
    pass "$S/same-id-redelivery-same-receipt"
else
    fail "$S/same-id-redelivery-same-receipt" "HTTP $code: $(snip "$WORK/redo" 200)"
fi

# ---- a store that cannot record the outcome: the deliverer backs off ----
sqlite3 -cmd '.timeout 5000' "$WORK/ludza.db" \
    "CREATE TRIGGER test_fail BEFORE UPDATE ON outbox BEGIN SELECT RAISE(ABORT, 'injected failure'); END;" ||
    fail "$S/no-record-setup" "cannot add the trigger"
id=$(fresh_copy "$EXAMPLES/decision-ludza.xml" "$WORK/f.xml")
code=$(it_submit "$WORK/f.resp" ludza "$WORK/f.xml")
[ "$code" = 202 ] || fail "$S/no-record-submit" "HTTP $code: $(snip "$WORK/f.resp")"
# shellcheck disable=SC2317 # run through wait_for
received() { [ "$(audit_count "$WORK/visc.db" received "$id")" = 1 ]; }
wait_for 20 received || fail "$S/no-record-received" "the centre never received $id"
# retry_initial = 100 ms, retry_max_interval = 2 s (gw_config): at most 8 attempts in 3 s; without back-off, dozens
# shellcheck disable=SC2317 # run through wait_for
too_many() { [ "$(audit_count "$WORK/visc.db" duplicate "$id")" -ge 15 ]; }
if wait_for 3 too_many; then
    fail "$S/no-record-backs-off" "$(audit_count "$WORK/visc.db" duplicate "$id") redeliveries within 3 s"
else
    pass "$S/no-record-backs-off $(audit_count "$WORK/visc.db" duplicate "$id") redeliveries in 3 s"
fi
sqlite3 -cmd '.timeout 5000' "$WORK/ludza.db" "DROP TRIGGER test_fail" || fail "$S/no-record-setup" "drop"
if wait_state ludza "$id" delivered 20; then pass "$S/no-record-recovers"; else fail "$S/no-record-recovers" "$id"; fi

it_finish "$S"
