#!/bin/sh
# The happy path of every message type between three gateways (the centre, Ludza, Talsi) on 127.0.0.1:
# submission, delivery with a signed receipt, message status, intake paging and byte-exact retrieval,
# idempotent acknowledgement, the Delivered notification (a Receipt message) travelling back, /healthz and
# /metrics, offline receipt verification, and the audit log of each store (intact, then tampered).
# shellcheck source=tests/integration/common.inc
. "$(dirname "$0")/common.inc"
S=exchange

it_pki || { fail "$S/setup" "cannot make the PKI"; finish; }
it_ports
for n in visc ludza talsi; do
    it_config "$n"
    it_start "$n" || it_finish "$S"
done
pass "$S/start-three-gateways"

# /healthz
body=$(gw_curl visc visc-client-full /healthz)
if [ "$(cat "$WORK/status")" = 200 ] && [ "$body" = ok ]; then pass "$S/healthz"; else
    fail "$S/healthz" "HTTP $(cat "$WORK/status"): $body"; fi

m_dec_sub0=$(metric ludza 'gateway_messages_total{type="Decision",outcome="submitted"}')
m_dec_acc0=$(metric visc 'gateway_messages_total{type="Decision",outcome="accepted"}')
m_let_dlv0=$(metric visc 'gateway_messages_total{type="Letter",outcome="delivered"}')

# 1. Submissions: every type that travels on its own, from the organisation allowed to send it.
#    FROM EXAMPLE (the Receipt type travels as the Delivered notification, below)
cat >"$WORK/plan" <<EOF
ludza decision-ludza
ludza datareport-ludza-2025q1
talsi confirmation-talsi-readiness
talsi decision-talsi
visc letter-invitation
EOF
: >"$WORK/sent"
while read -r from ex; do
    id=$(fresh_copy "$EXAMPLES/$ex.xml" "$WORK/$ex.xml")
    got=$(gw_curl "$from" "$from-client-full" /v1/messages -H 'Content-Type: application/xml' \
        --data-binary "@$WORK/$ex.xml" -D "$WORK/hdr" | sed -n 's/.*"id":"\([0-9a-f-]*\)".*/\1/p')
    st=$(cat "$WORK/status")
    loc=$(sed -n 's/^[Ll]ocation: *\([^[:space:]]*\).*/\1/p' "$WORK/hdr")
    if [ "$st" = 202 ] && [ "$got" = "$id" ] && [ "$loc" = "/v1/messages/$id" ]; then
        pass "$S/submit/$ex"
        echo "$from $id $ex" >>"$WORK/sent"
    else
        fail "$S/submit/$ex" "HTTP $st, id '$got' (want $id), Location '$loc': $(snip "$WORK/body" 300)"
    fi
done <"$WORK/plan"

# 2. Delivered, with a receipt that verifies offline against the message as sent.
while read -r from id ex; do
    if ! wait_state "$from" "$id" delivered 30 2>"$WORK/ws.err"; then
        fail "$S/delivered/$ex" "$(snip "$WORK/ws.err")"
        continue
    fi
    gw_curl "$from" "$from-client-full" "/v1/messages/$id" >"$WORK/st.json"
    attempts=$(json_field "$WORK/st.json" attempts)
    rlink=$(json_field "$WORK/st.json" receipt)
    if [ "$(json_field "$WORK/st.json" state)" = delivered ] && [ "${attempts:-0}" -ge 1 ] &&
        [ "$rlink" = "/v1/messages/$id/receipt" ] && [ "$(json_field "$WORK/st.json" id)" = "$id" ]; then
        pass "$S/status/$ex"
    else
        fail "$S/status/$ex" "$(snip "$WORK/st.json")"
    fi
    gw_curl "$from" "$from-client-full" "/v1/messages/$id/receipt" >"$WORK/$id.receipt.xml"
    gw_curl "$from" "$from-client-full" "/v1/messages/$id/message" >"$WORK/$id.sent.xml"
    $GW receipt verify --trust "$WORK/pki/trust.pem" --crl "$WORK/pki/crl.pem" \
        --message "$WORK/$id.sent.xml" "$WORK/$id.receipt.xml" >"$WORK/rv" 2>&1
    rc=$?
    if [ $rc -eq 0 ] && grep -q 'VALID Accepted' "$WORK/rv" &&
        grep -q '<r:Status>Accepted</r:Status>' "$WORK/$id.receipt.xml"; then
        pass "$S/receipt-verifies/$ex"
    else
        fail "$S/receipt-verifies/$ex" "exit $rc: $(snip "$WORK/rv" 300)"
    fi
done <"$WORK/sent"

# 3. A receipt checked against another message is refused.
id1=$(awk 'NR == 1 {print $2}' "$WORK/sent")
id2=$(awk 'NR == 2 {print $2}' "$WORK/sent")
$GW receipt verify --trust "$WORK/pki/trust.pem" --message "$WORK/$id2.sent.xml" "$WORK/$id1.receipt.xml" >"$WORK/rv" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q RECEIPT_INVALID "$WORK/rv"; then pass "$S/receipt-of-another-message-rejected"; else
    fail "$S/receipt-of-another-message-rejected" "exit $rc: $(snip "$WORK/rv" 300)"; fi

# 4. Intake at the centre: four messages, paged two at a time.
awk '$1 != "visc" {print $2}' "$WORK/sent" | sort >"$WORK/to-visc"
gw_curl visc visc-client-full "/v1/inbox?after=0&limit=2" >"$WORK/p1.json"
s1=$(cat "$WORK/status")
n1=$(grep -o '"seq":' "$WORK/p1.json" | wc -l)
a1=$(sed -n 's/.*"next_after":\([0-9]*\).*/\1/p' "$WORK/p1.json")
gw_curl visc visc-client-full "/v1/inbox?after=${a1:-0}&limit=2" >"$WORK/p2.json"
n2=$(grep -o '"seq":' "$WORK/p2.json" | wc -l)
a2=$(sed -n 's/.*"next_after":\([0-9]*\).*/\1/p' "$WORK/p2.json")
gw_curl visc visc-client-full "/v1/inbox?after=${a2:-0}&limit=2" >"$WORK/p3.json"
n3=$(grep -o '"seq":' "$WORK/p3.json" | wc -l)
a3=$(sed -n 's/.*"next_after":\([0-9]*\).*/\1/p' "$WORK/p3.json")
cat "$WORK/p1.json" "$WORK/p2.json" | sed 's/{"seq"/\n{"seq"/g' |
    sed -n 's/.*"id":"\([0-9a-f-]\{36\}\)".*/\1/p' | sort >"$WORK/paged"
if [ "$s1" = 200 ] && [ "$n1" -eq 2 ] && [ "$n2" -eq 2 ] && [ "$n3" -eq 0 ] && [ "${a2:-0}" -gt "${a1:-0}" ] &&
    [ "$a3" = "$a2" ] && cmp -s "$WORK/paged" "$WORK/to-visc"; then
    pass "$S/inbox-paging"
else
    fail "$S/inbox-paging" "pages of $n1/$n2/$n3 (want 2/2/0), next_after $a1/$a2/$a3, ids: $(tr '\n' ' ' <"$WORK/paged")"
fi
gw_curl visc visc-client-full "/v1/inbox?after=0&limit=0" >/dev/null
st=$(cat "$WORK/status")
if [ "$st" = 400 ] && grep -q '^400 HTTP_BAD_REQUEST' "$WORK/body"; then pass "$S/inbox-bad-limit-400"; else
    fail "$S/inbox-bad-limit-400" "HTTP $st: $(snip "$WORK/body" 200)"; fi
# a query string is refused whole, with its reason, rather than truncated or guessed at (docs/api.md 3.5)
for c in "repeated-key|after=0&after=1|'after' is given twice" \
    "percent-encoding|after=%31|percent-encoding is not decoded" \
    "overlong-value|after=1234567890123456789012345678901234|value of 'after' is longer than 31 bytes" \
    "malformed-pair|after=0&limit|'limit' is not a key=value pair"; do
    label=${c%%|*} qr=${c#*|} # not "name": gw_curl sets it
    gw_curl visc visc-client-full "/v1/inbox?${qr%%|*}" >/dev/null
    st=$(cat "$WORK/status")
    if [ "$st" = 400 ] && grep -qF "400 HTTP_BAD_REQUEST: query: " "$WORK/body" && grep -qF -- "${qr#*|}" "$WORK/body"
    then
        pass "$S/inbox-bad-query-400/$label"
    else
        fail "$S/inbox-bad-query-400/$label" "HTTP $st: $(snip "$WORK/body" 200)"
    fi
done

# 5. Each received message comes out exactly as it was sent; acknowledgement is idempotent.
while read -r from id ex; do
    to=visc
    [ "$from" = visc ] && to=talsi
    gw_curl "$to" "$to-client-full" "/v1/inbox/$id" >"$WORK/$id.in.xml"
    st=$(cat "$WORK/status")
    want=$(sha256sum <"$WORK/$id.sent.xml" | cut -d' ' -f1)
    have=$(sha256sum <"$WORK/$id.in.xml" | cut -d' ' -f1)
    gw_curl "$to" "$to-client-full" "/v1/inbox?after=0&limit=1000" | sed 's/{"seq"/\n{"seq"/g' | grep "\"id\":\"$id\"" >"$WORK/entry"
    listed=$(json_field "$WORK/entry" sha256)
    if [ "$st" = 200 ] && [ "$want" = "$have" ] && [ "$listed" = "$want" ] && [ -s "$WORK/$id.sent.xml" ]; then
        pass "$S/inbox-bytes-exact/$ex"
    else
        fail "$S/inbox-bytes-exact/$ex" "HTTP $st, sha256 sent $want, got $have, listed $listed"
    fi
    gw_curl "$to" "$to-client-full" "/v1/inbox/$id/ack" -X POST >"$WORK/ack1"
    s1=$(cat "$WORK/status")
    gw_curl "$to" "$to-client-full" "/v1/inbox/$id/ack" -X POST >"$WORK/ack2"
    s2=$(cat "$WORK/status")
    if [ "$s1" = 200 ] && [ "$s2" = 200 ] && grep -q '"already":false' "$WORK/ack1" && grep -q '"already":true' "$WORK/ack2"; then
        pass "$S/ack-idempotent/$ex"
    else
        fail "$S/ack-idempotent/$ex" "HTTP $s1 $(snip "$WORK/ack1") then HTTP $s2 $(snip "$WORK/ack2")"
    fi
done <"$WORK/sent"
gw_curl visc visc-client-full "/v1/inbox?after=0&limit=1000" >"$WORK/all.json"
if grep -q '"acked":false' "$WORK/all.json" || [ "$(grep -o '"acked":true' "$WORK/all.json" | wc -l)" -ne 4 ]; then
    fail "$S/inbox-shows-acked" "$(snip "$WORK/all.json" 400)"
else
    pass "$S/inbox-shows-acked"
fi

# 6. The Receipt type: a signed Delivered notification goes back to the sender after the intake ack,
#    and verifies against the message.
while read -r from id ex; do
    i=0
    until gw_curl "$from" "$from-client-full" "/v1/messages/$id/notification" >"$WORK/$id.notice.xml" &&
        [ "$(cat "$WORK/status")" = 200 ]; do
        i=$((i + 1))
        [ $i -gt 200 ] && break
        sleep 0.1
    done
    if [ "$(cat "$WORK/status")" != 200 ]; then
        fail "$S/delivered-notification/$ex" "none after 20 s: $(snip "$WORK/$id.notice.xml" 200)"
        continue
    fi
    $GW receipt verify --trust "$WORK/pki/trust.pem" --message "$WORK/$id.sent.xml" "$WORK/$id.notice.xml" >"$WORK/rv" 2>&1
    rc=$?
    gw_curl "$from" "$from-client-full" "/v1/messages/$id" >"$WORK/st.json"
    if [ $rc -eq 0 ] && grep -q 'VALID Delivered' "$WORK/rv" &&
        [ "$(json_field "$WORK/st.json" delivered_notification)" = "/v1/messages/$id/notification" ]; then
        pass "$S/delivered-notification/$ex"
    else
        fail "$S/delivered-notification/$ex" "exit $rc: $(snip "$WORK/rv" 300) status: $(snip "$WORK/st.json")"
    fi
done <"$WORK/sent"

# 7. Unknown ids are 404 with a reason.
gw_curl ludza ludza-client-full "/v1/messages/$(cat /proc/sys/kernel/random/uuid)" >/dev/null
s1=$(cat "$WORK/status")
gw_curl visc visc-client-full "/v1/inbox/$(cat /proc/sys/kernel/random/uuid)" >/dev/null
s2=$(cat "$WORK/status")
if [ "$s1" = 404 ] && [ "$s2" = 404 ] && grep -q '^404 NOT_FOUND' "$WORK/body"; then pass "$S/unknown-id-404"; else
    fail "$S/unknown-id-404" "HTTP $s1 and $s2: $(snip "$WORK/body" 200)"; fi

# 8. /metrics: the documented series are there and count what happened.
gw_curl visc visc-client-full /metrics >"$WORK/metrics.visc"
m_dec_sub1=$(metric ludza 'gateway_messages_total{type="Decision",outcome="submitted"}')
m_dec_acc1=$(metric visc 'gateway_messages_total{type="Decision",outcome="accepted"}')
m_let_dlv1=$(metric visc 'gateway_messages_total{type="Letter",outcome="delivered"}')
qd=$(metric ludza gateway_queue_depth)
if grep -q '^gateway_messages_total{' "$WORK/metrics.visc" && grep -q '^gateway_queue_depth [0-9]' "$WORK/metrics.visc" &&
    [ "$m_dec_sub1" -eq $((m_dec_sub0 + 1)) ] && [ "$m_dec_acc1" -eq $((m_dec_acc0 + 2)) ] &&
    [ "$m_let_dlv1" -eq $((m_let_dlv0 + 1)) ]; then
    pass "$S/metrics"
else
    fail "$S/metrics" "Decision submitted at Ludza $m_dec_sub0->$m_dec_sub1 (want +1), accepted at the centre $m_dec_acc0->$m_dec_acc1 (want +2), Letter delivered $m_let_dlv0->$m_let_dlv1 (want +1), queue depth $qd"
fi

# 9. The audit logs, offline, after a clean stop: intact, and each store recorded its side.
it_stop_all
for n in visc ludza talsi; do
    it_audit_verify "$n" "$S/audit-verify/$n"
done
$GW audit show --store "$WORK/visc.db" >"$WORK/visc.audit" 2>&1
missing=""
while read -r id; do
    grep -q " received $id " "$WORK/visc.audit" || missing="$missing received:$id"
    grep -q " acked $id " "$WORK/visc.audit" || missing="$missing acked:$id"
    # the second ack queued no second Delivered notification
    [ "$(grep -c " notification_queued $id " "$WORK/visc.audit")" -eq 1 ] || missing="$missing one-notification:$id"
done <"$WORK/to-visc"
if [ -z "$missing" ]; then pass "$S/audit-records-receipt-and-ack"; else
    fail "$S/audit-records-receipt-and-ack" "not in the centre's log:$missing"; fi

# 10. Tampering: an UPDATE of entry 3 (after dropping the append-only trigger) is found and named.
cp "$WORK/visc.db" "$WORK/tampered.db"
if sqlite3 "$WORK/tampered.db" "DROP TRIGGER audit_no_update; UPDATE audit SET outcome = 'forged' WHERE seq = 3;" 2>"$WORK/sq.err"; then
    $GW audit verify --store "$WORK/tampered.db" >"$WORK/av" 2>&1
    rc=$?
    if [ $rc -eq 1 ] && grep -q 'BROKEN at entry 3' "$WORK/av"; then pass "$S/audit-tamper-detected"; else
        fail "$S/audit-tamper-detected" "exit $rc: $(snip "$WORK/av")"; fi
else
    fail "$S/audit-tamper-detected" "sqlite3: $(snip "$WORK/sq.err")"
fi

it_finish "$S"
