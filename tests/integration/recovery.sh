#!/bin/sh
# Nothing acknowledged is lost, nothing is stored twice (DESIGN §6): a recipient that is down and comes
# back, kill -9 of the sending gateway and of the receiving gateway in the middle of a stream of
# submissions, and a graceful SIGTERM stop of the sender while submissions are in flight. After each,
# every message Ludza's gateway acknowledged (202) reaches the centre's inbox exactly once.
# shellcheck source=tests/integration/common.inc
. "$(dirname "$0")/common.inc"
S=recovery

it_pki || { fail "$S/setup" "cannot make the PKI"; finish; }
it_ports
it_config visc
it_config ludza
it_start visc ludza || it_finish "$S"

# stream TAG N: submit N fresh decisions at Ludza as fast as possible (run in the background). A
# submission that gets no answer (the gateway is down or restarting) is retried with the same bytes until
# it gets one: 202, or 409 DUPLICATE when an earlier attempt was stored although its answer was lost.
# Files: TAG.attempted (every id tried), TAG.accepted (202 or 409-after-retry), TAG.retried (the 409s),
# TAG.errors (any other answer), TAG.finished.
# shellcheck disable=SC2317 # run through it_bg
stream() {
    tag=$1 n=$2 i=0
    : >"$WORK/$tag.attempted"
    : >"$WORK/$tag.accepted"
    : >"$WORK/$tag.retried"
    : >"$WORK/$tag.errors"
    while [ "$i" -lt "$n" ]; do
        i=$((i + 1))
        f=$WORK/$tag.$i.xml
        id=$(fresh_copy "$EXAMPLES/decision-ludza.xml" "$f")
        echo "$id" >>"$WORK/$tag.attempted"
        it_submit_retry "$tag" "$f" "$id" 400
    done
    : >"$WORK/$tag.finished"
}

# count_lines FILE
count_lines() { [ -f "$1" ] && wc -l <"$1" | tr -d ' ' || echo 0; }

# wait_accepted TAG K: until K submissions of the stream were accepted (at most 60 s)
wait_accepted() {
    wait_for 60 sh -c "[ \$(wc -l <'$WORK/$1.accepted' 2>/dev/null || echo 0) -ge $2 ] || [ -f '$WORK/$1.finished' ]"
}

# check_stream TAG NAME: wait until every accepted id of the stream is in the centre's inbox and
# delivered at Ludza, then count; one PASS/FAIL line NAME with the counts.
check_stream() {
    _cs_tag=$1 _cs_name=$2
    wait_for 60 test -f "$WORK/$_cs_tag.finished" || { fail "$_cs_name" "the submitting loop did not finish in 60 s"; return; }
    sort -u "$WORK/$_cs_tag.accepted" >"$WORK/$_cs_tag.acc.sorted"
    accepted=$(count_lines "$WORK/$_cs_tag.acc.sorted")
    _cs_i=0
    while :; do
        inbox_ids visc "$WORK/$_cs_tag.inbox" || true
        sort "$WORK/$_cs_tag.inbox" | uniq -c | awk '{print $2, $1}' >"$WORK/$_cs_tag.inbox.counts"
        in_inbox=$(awk 'NR==FNR {want[$1]=1; next} ($1 in want) {n++} END {print n+0}' "$WORK/$_cs_tag.acc.sorted" "$WORK/$_cs_tag.inbox.counts")
        [ "$in_inbox" -ge "$accepted" ] && break
        _cs_i=$((_cs_i + 1))
        [ $_cs_i -gt 120 ] && break
        sleep 0.5
    done
    delivered=0
    while read -r id; do
        wait_state ludza "$id" delivered 10 2>/dev/null && delivered=$((delivered + 1))
    done <"$WORK/$_cs_tag.acc.sorted"
    duplicates=$(awk 'NR==FNR {want[$1]=1; next} ($1 in want) && $2 > 1 {n += $2 - 1} END {print n+0}' "$WORK/$_cs_tag.attempted" "$WORK/$_cs_tag.inbox.counts")
    unexpected=$(awk 'NR==FNR {acc[$1]=1; next} !($1 in acc) {print $1}' "$WORK/$_cs_tag.acc.sorted" "$WORK/$_cs_tag.attempted" |
        awk 'NR==FNR {stray[$1]=1; next} ($1 in stray) {n++} END {print n+0}' - "$WORK/$_cs_tag.inbox.counts")
    retried=$(count_lines "$WORK/$_cs_tag.retried")
    counts="accepted=$accepted delivered=$delivered in_inbox=$in_inbox duplicates=$duplicates"
    echo "$_cs_name: $counts (of $(count_lines "$WORK/$_cs_tag.attempted") submitted; $retried accepted on a retry after a lost answer; unexpected=$unexpected)"
    if [ "$accepted" -eq "$(count_lines "$WORK/$_cs_tag.attempted")" ] && [ "$delivered" -eq "$accepted" ] &&
        [ "$in_inbox" -eq "$accepted" ] && [ "$duplicates" -eq 0 ] && [ "$unexpected" -eq 0 ] && [ ! -s "$WORK/$_cs_tag.errors" ]; then
        pass "$_cs_name $counts"
    else
        fail "$_cs_name $counts" "unexpected=$unexpected, errors: $(snip "$WORK/$_cs_tag.errors" 300)"
    fi
}

# --- 1. the recipient is down, then comes back on the same port with the same store --------------------
gw_stop visc
: >"$WORK/down.ids"
ok=0
for i in 1 2 3 4 5; do
    id=$(fresh_copy "$EXAMPLES/decision-ludza.xml" "$WORK/down$i.xml")
    [ "$(it_submit "$WORK/r" ludza "$WORK/down$i.xml")" = 202 ] && ok=$((ok + 1)) && echo "$id" >>"$WORK/down.ids"
done
if [ $ok -eq 5 ]; then pass "$S/recipient-down/submissions-accepted"; else fail "$S/recipient-down/submissions-accepted" "$ok of 5 got 202"; fi
# every one tried at least once, and waiting with the transport failure recorded
# shellcheck disable=SC2317 # run through wait_for
retrying() {
    while read -r id; do
        it_req "$WORK/st.json" ludza ludza-client-full "/v1/messages/$id" >/dev/null
        st=$(json_field "$WORK/st.json" state)
        a=$(json_field "$WORK/st.json" attempts)
        { [ "$st" = queued ] || [ "$st" = delivering ]; } && [ "${a:-0}" -ge 1 ] && grep -q '"last_error":"[^"]*transport' "$WORK/st.json" || return 1
    done <"$WORK/down.ids"
}
if wait_for 15 retrying; then pass "$S/recipient-down/queued-with-transport-error"; else
    fail "$S/recipient-down/queued-with-transport-error" "$(snip "$WORK/st.json" 400)"; fi
it_start visc || it_finish "$S"
missing=0
while read -r id; do wait_state ludza "$id" delivered 20 2>/dev/null || missing=$((missing + 1)); done <"$WORK/down.ids"
inbox_ids visc "$WORK/inbox.ids" || true
once=0
while read -r id; do [ "$(grep -c "^$id\$" "$WORK/inbox.ids")" -eq 1 ] && once=$((once + 1)); done <"$WORK/down.ids"
if [ $missing -eq 0 ] && [ $once -eq 5 ]; then pass "$S/recipient-down/delivered-after-restart"; else
    fail "$S/recipient-down/delivered-after-restart" "$missing of 5 not delivered, $once of 5 in the inbox exactly once"; fi

# --- 2. kill -9 of the sending gateway in the middle of a stream -------------------------------------
it_bg stream s1 40
if wait_accepted s1 15; then
    gw_stop ludza KILL
    echo "$S/kill9-sender: killed Ludza's gateway after $(count_lines "$WORK/s1.accepted") accepted submissions"
    pass "$S/kill9-sender/killed-mid-stream"
    it_start ludza || it_finish "$S"
else
    fail "$S/kill9-sender/killed-mid-stream" "15 submissions were not accepted within 60 s"
fi
check_stream s1 "$S/kill9-sender"

# --- 3. kill -9 of the receiving gateway while it receives -------------------------------------------
inbox_ids visc "$WORK/before-s2.ids" || true
it_bg stream s2 40
if wait_accepted s2 15; then
    gw_stop visc KILL
    # how far the centre had got: messages of this stream durable in its store at the moment of the kill
    got=$(($(sqlite3 -readonly "$WORK/visc.db" 'SELECT count(*) FROM inbox' 2>/dev/null || echo 0) - $(count_lines "$WORK/before-s2.ids")))
    echo "$S/kill9-receiver: killed the centre's gateway after $(count_lines "$WORK/s2.accepted") submissions at Ludza, $got of them received"
    pass "$S/kill9-receiver/killed-mid-stream"
    it_start visc || it_finish "$S"
else
    fail "$S/kill9-receiver/killed-mid-stream" "15 submissions were not accepted within 60 s"
fi
check_stream s2 "$S/kill9-receiver"

# --- 4. SIGTERM of the sender while submissions are in flight ----------------------------------------
it_bg stream s3 20
if wait_accepted s3 8; then
    gw_stop ludza TERM
    if grep -q ' info stopped' "$WORK/ludza.log"; then pass "$S/sigterm-sender/clean-stop"; else
        fail "$S/sigterm-sender/clean-stop" "log ends: $(tail -n 3 "$WORK/ludza.log" | tr '\n' ' ')"; fi
    it_start ludza || it_finish "$S"
else
    fail "$S/sigterm-sender/clean-stop" "8 submissions were not accepted within 60 s"
fi
check_stream s3 "$S/sigterm-sender"

# --- the audit logs survived all of it ---------------------------------------------------------------
it_stop_all
for n in visc ludza; do
    it_audit_verify "$n" "$S/audit-verify/$n"
done

# --- a log damaged while the gateway was stopped: it starts, and says so (security review F14) -------
if grep -q 'audit log .* does not verify' "$WORK/ludza.log"; then
    fail "$S/audit-intact-no-warning" "$(grep 'does not verify' "$WORK/ludza.log" | head -n 1)"
else
    pass "$S/audit-intact-no-warning"
fi
last=$(sqlite3 "$WORK/visc.db" "SELECT max(seq) FROM audit")
sqlite3 "$WORK/visc.db" "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq > $last - 2"
if it_start visc; then
    if grep -q "audit log of $WORK/visc.db does not verify: audit entry $((last - 1)): entry missing" "$WORK/visc.log"; then
        pass "$S/audit-broken-warning-at-start"
    else
        fail "$S/audit-broken-warning-at-start" "no warning in the log: $(tail -n 3 "$WORK/visc.log" | tr '\n' ' ')"
    fi
    it_stop_all
fi

it_finish "$S"
