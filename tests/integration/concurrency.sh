#!/bin/sh
# Four IT-system clients submit at once to Ludza's gateway (4 x 15 decisions, as fast as they can): every
# one is acknowledged, delivered to the centre exactly once, and both audit logs verify afterwards with
# one submitted/received event per message.
# shellcheck source=tests/integration/common.inc
. "$(dirname "$0")/common.inc"
S=concurrency
CLIENTS=4
PER_CLIENT=15
TOTAL=$((CLIENTS * PER_CLIENT))

it_pki || { fail "$S/setup" "cannot make the PKI"; finish; }
it_ports
it_config visc
it_config ludza
it_start visc ludza || it_finish "$S"

# submitter K: PER_CLIENT fresh decisions, one after the other; ids with 202 in K.ok, anything else in K.bad
# shellcheck disable=SC2317 # run through it_bg
submitter() {
    : >"$WORK/c$1.ok"
    : >"$WORK/c$1.bad"
    j=0
    while [ "$j" -lt "$PER_CLIENT" ]; do
        j=$((j + 1))
        id=$(fresh_copy "$EXAMPLES/decision-ludza.xml" "$WORK/c$1.$j.xml")
        code=$(it_submit "$WORK/c$1.resp" ludza "$WORK/c$1.$j.xml")
        if [ "$code" = 202 ] && grep -q "\"id\":\"$id\"" "$WORK/c$1.resp"; then echo "$id" >>"$WORK/c$1.ok"; else
            echo "$id HTTP $code $(snip "$WORK/c$1.resp" 120)" >>"$WORK/c$1.bad"; fi
    done
    : >"$WORK/c$1.done"
}

t0=$(it_now)
k=0
while [ $k -lt $CLIENTS ]; do
    k=$((k + 1))
    it_bg submitter $k
done
# shellcheck disable=SC2317 # run through wait_for
done_all() {
    for c in $(seq 1 "$CLIENTS"); do [ -f "$WORK/c$c.done" ] || return 1; done
}
wait_for 90 done_all || fail "$S/submitters-finish" "not all $CLIENTS submitters finished in 90 s"
t1=$(it_now)
cat "$WORK"/c*.ok | sort >"$WORK/ok.ids"
cat "$WORK"/c*.bad >"$WORK/bad"
n_ok=$(wc -l <"$WORK/ok.ids" | tr -d ' ')
n_uniq=$(sort -u "$WORK/ok.ids" | wc -l | tr -d ' ')
if [ "$n_ok" -eq $TOTAL ] && [ "$n_uniq" -eq $TOTAL ] && [ ! -s "$WORK/bad" ]; then
    echo "$S: $TOTAL submissions from $CLIENTS clients accepted in $((t1 - t0)) s"
    pass "$S/all-$TOTAL-accepted"
else
    fail "$S/all-$TOTAL-accepted" "$n_ok accepted ($n_uniq distinct) of $TOTAL: $(snip "$WORK/bad" 300)"
fi

# all delivered: the centre's inbox holds each once
# shellcheck disable=SC2317 # run through wait_for
in_inbox() {
    inbox_ids visc "$WORK/inbox.ids" || return 1
    [ "$(sort -u "$WORK/inbox.ids" | comm -12 - "$WORK/ok.ids" | wc -l)" -ge "$n_ok" ]
}
wait_for 60 in_inbox
sort "$WORK/inbox.ids" | uniq -c | awk '$1 > 1' >"$WORK/dups"
found=$(sort -u "$WORK/inbox.ids" | comm -12 - "$WORK/ok.ids" | wc -l | tr -d ' ')
extra=$(sort -u "$WORK/inbox.ids" | comm -23 - "$WORK/ok.ids" | wc -l | tr -d ' ')
if [ "$found" -eq "$n_ok" ] && [ ! -s "$WORK/dups" ] && [ "$extra" -eq 0 ]; then
    pass "$S/inbox-holds-each-once in_inbox=$found duplicates=0"
else
    fail "$S/inbox-holds-each-once" "in_inbox=$found of $n_ok, duplicates: $(snip "$WORK/dups" 200), others: $extra"
fi
delivered=0
while read -r id; do wait_state ludza "$id" delivered 10 2>/dev/null && delivered=$((delivered + 1)); done <"$WORK/ok.ids"
if [ $delivered -eq "$n_ok" ]; then pass "$S/all-delivered delivered=$delivered"; else
    fail "$S/all-delivered" "$delivered of $n_ok delivered at Ludza"; fi
qd=$(metric ludza gateway_queue_depth)
if [ "$qd" = 0 ]; then pass "$S/queue-empty"; else fail "$S/queue-empty" "gateway_queue_depth $qd"; fi

# audit: verify beside the live gateways, then offline after the stop; one event per message each side
it_audit_verify ludza "$S/audit-verify-live/ludza"
it_stop_all
for n in visc ludza; do
    it_audit_verify "$n" "$S/audit-verify/$n"
done
$GW audit show --store "$WORK/ludza.db" >"$WORK/ludza.audit" 2>&1
$GW audit show --store "$WORK/visc.db" >"$WORK/visc.audit" 2>&1
sub=$(awk '$3 == "submitted" {print $4}' "$WORK/ludza.audit" | sort -u | comm -12 - "$WORK/ok.ids" | wc -l | tr -d ' ')
rcv=$(awk '$3 == "received" {print $4}' "$WORK/visc.audit" | sort | comm -12 - "$WORK/ok.ids" | wc -l | tr -d ' ')
if [ "$sub" -eq "$n_ok" ] && [ "$rcv" -eq "$n_ok" ]; then pass "$S/audit-one-event-per-message"; else
    fail "$S/audit-one-event-per-message" "submitted events at Ludza: $sub, received events at the centre: $rcv, of $n_ok"; fi

it_finish "$S"
