#!/bin/sh
# The deliverer's pool of connections per peer (delivery_concurrency, docs/config.md):
# - bounds: a backlog of messages to one peer is posted on at most delivery_concurrency connections, kept
#   alive, and on more than one when the pool has more (3); with 1, on exactly one;
# - exactly once: a backlog posted by a pool of 4 while the receiving gateway is killed with -9 twice in the
#   middle, then restarted: every accepted message is delivered, and is in the centre's inbox exactly once.
# Backlogs are queued while the centre is down; Ludza's gateway is then restarted with every message due at
# once (the failed first attempts had put them in back-off), so that the pool has work for all its
# connections from the start.
# shellcheck source=tests/integration/common.inc
. "$(dirname "$0")/common.inc"
S=pool
N=200

it_pki || { fail "$S/setup" "cannot make the PKI"; finish; }
it_ports
it_config visc
it_config ludza "delivery_concurrency = 3"
it_start visc ludza || it_finish "$S"

# backlog TAG COUNT: with the centre down, COUNT fresh decisions submitted at Ludza over one kept-alive
# connection (ids in TAG.ids); then Ludza's gateway is stopped, every message made due now, and the centre
# started. Ludza's gateway is left stopped. False (with a FAIL line) if a submission was not accepted.
backlog() {
    gw_stop visc
    : >"$WORK/$1.curl"
    : >"$WORK/$1.ids"
    _bl_i=0
    while [ $_bl_i -lt "$2" ]; do
        _bl_i=$((_bl_i + 1))
        fresh_copy "$EXAMPLES/decision-ludza.xml" "$WORK/$1.$_bl_i.xml" >>"$WORK/$1.ids"
        [ $_bl_i -gt 1 ] && echo "next" >>"$WORK/$1.curl"
        {
            echo "url = \"https://127.0.0.1:$PORT_ludza/v1/messages\""
            echo "cacert = \"$WORK/pki/trust.pem\""
            echo "cert = \"$WORK/pki/ludza-client-full.pem\""
            echo "key = \"$WORK/pki/ludza-client.key.pem\""
            echo "header = \"Content-Type: application/xml\""
            echo "data-binary = \"@$WORK/$1.$_bl_i.xml\""
            echo "output = \"/dev/null\""
            echo "max-time = 20"
            printf 'write-out = "%%{http_code}\\n"\n'
            echo "silent"
        } >>"$WORK/$1.curl"
    done
    curl -K "$WORK/$1.curl" >"$WORK/$1.codes" 2>"$WORK/$1.err"
    _bl_ok=$(grep -c '^202$' "$WORK/$1.codes")
    if [ "$_bl_ok" -ne "$2" ]; then
        fail "$S/$1/queued" "$_bl_ok of $2 submissions got 202: $(snip "$WORK/$1.err" 200)"
        return 1
    fi
    gw_stop ludza
    sqlite3 "$WORK/ludza.db" "UPDATE outbox SET next_attempt_ms = 0 WHERE state IN ('queued', 'delivering')"
    it_start visc
}

# delivered_count TAG: how many of TAG's messages Ludza's outbox holds as delivered
delivered_count() {
    sqlite3 -readonly "$WORK/ludza.db" \
        "SELECT count(*) FROM outbox WHERE state = 'delivered' AND id IN ($(sed "s/.*/'&'/" "$WORK/$1.ids" | paste -sd,))" 2>/dev/null
}

# received_count: rows in the centre's inbox (read from its store: no connection to it is opened)
received_count() {
    sqlite3 -readonly "$WORK/visc.db" "SELECT count(*) FROM inbox" 2>/dev/null || echo 0
}

# posted_again TAG: how many of TAG's messages the centre's audit log shows as delivered more than once
# (a "duplicate" entry: the same message again, answered with the stored receipt)
posted_again() {
    sort -u "$WORK/$1.ids" >"$WORK/$1.sorted"
    $GW audit show --store "$WORK/visc.db" 2>/dev/null | awk '$3 == "duplicate" {print $4}' | sort -u |
        comm -12 - "$WORK/$1.sorted" | wc -l | tr -d ' '
}

# conns OUT: the local ports of Ludza's gateway's established connections to the centre, appended to OUT
conns() {
    ss -Htnp state established "( dport = :$PORT_visc )" 2>/dev/null |
        grep "pid=$(cat "$WORK/ludza.pid")," | awk '{print $3}' | sed 's/.*://' >>"$1"
}

# ---- 1. bounds: at most delivery_concurrency connections, and more than one when it allows ----
# bounds TAG POOL MIN: drain a backlog with delivery_concurrency = POOL, sampling Ludza's connections to the
# centre until everything is delivered; PASS if they were at most POOL (all samples together) and at least
# MIN at the end (kept alive)
bounds() {
    if ! command -v ss >/dev/null; then
        skip "$S/bounds-$2" "ss (iproute2) is needed to count connections"
        return
    fi
    backlog "$1" $N || return
    it_config ludza "delivery_concurrency = $2"
    it_start ludza || return
    : >"$WORK/$1.ports"
    _bd_i=0
    while [ "$(delivered_count "$1")" != $N ] && [ $_bd_i -lt 600 ]; do
        conns "$WORK/$1.ports"
        _bd_i=$((_bd_i + 1))
        sleep 0.05
    done
    : >"$WORK/$1.end"
    conns "$WORK/$1.end"
    seen=$(sort -u "$WORK/$1.ports" "$WORK/$1.end" | grep -c .)
    open=$(sort -u "$WORK/$1.end" | grep -c .)
    got=$(delivered_count "$1")
    again=$(posted_again "$1")
    if [ "$got" = $N ] && [ "$seen" -le "$2" ] && [ "$open" -ge "$3" ]; then
        pass "$S/bounds-$2 delivered=$got connections_seen=$seen open_after=$open"
    else
        fail "$S/bounds-$2" "delivered=$got of $N, $seen connections seen (at most $2), $open open after (at least $3)"
    fi
    # nothing failed, so no message may have been posted twice: each is held by one connection at a time
    if [ "$again" = 0 ]; then pass "$S/bounds-$2/each-posted-once"; else
        fail "$S/bounds-$2/each-posted-once" "$again messages posted again"; fi
}
bounds b3 3 2
bounds b1 1 1

# ---- 2. exactly once while the receiver is killed with -9 twice in the middle of a backlog ----
backlog k 300 || it_finish "$S"
base=$(received_count)
it_config ludza "delivery_concurrency = 4"
it_start ludza || it_finish "$S"
kills=0
for at in 40 160; do
    # shellcheck disable=SC2317 # run through wait_for
    reached() { [ $(($(received_count) - base)) -ge "$at" ]; }
    wait_for 60 reached || break
    gw_stop visc KILL
    got=$(($(received_count) - base))
    echo "$S/kill9-receiver: killed the centre's gateway with $got of 300 received, $(delivered_count k) recorded delivered at Ludza"
    [ "$got" -lt 300 ] && kills=$((kills + 1))
    it_start visc || it_finish "$S"
done
if [ $kills -eq 2 ]; then pass "$S/kill9-receiver/killed-twice-mid-stream"; else
    fail "$S/kill9-receiver/killed-twice-mid-stream" "$kills kills before the whole backlog was received"; fi
# shellcheck disable=SC2317 # run through wait_for
all_delivered() { [ "$(delivered_count k)" = 300 ]; }
wait_for 120 all_delivered
delivered=$(delivered_count k)
inbox_ids visc "$WORK/k.inbox" || true
sort "$WORK/k.inbox" | uniq -c | awk '{print $2, $1}' >"$WORK/k.counts"
sort -u "$WORK/k.ids" >"$WORK/k.sorted"
in_inbox=$(awk 'NR==FNR {want[$1]=1; next} ($1 in want) {n++} END {print n+0}' "$WORK/k.sorted" "$WORK/k.counts")
duplicates=$(awk '$2 > 1 {n += $2 - 1} END {print n+0}' "$WORK/k.counts")
redelivered=$(posted_again k)
counts="accepted=300 delivered=$delivered in_inbox=$in_inbox duplicates=$duplicates"
echo "$S/kill9-receiver: $counts; $redelivered posted again after the centre had stored them (answer lost in a kill)"
if [ "$delivered" = 300 ] && [ "$in_inbox" = 300 ] && [ "$duplicates" = 0 ]; then pass "$S/kill9-receiver $counts"; else
    fail "$S/kill9-receiver $counts" "$(sort -u "$WORK/k.inbox" | comm -13 - "$WORK/k.sorted" | head -n 3 | tr '\n' ' ')"; fi
# only a delivery in flight when the centre died can have been stored there without its answer arriving
if [ "$redelivered" -le $((kills * 4)) ]; then pass "$S/kill9-receiver/posted-again-at-most-in-flight"; else
    fail "$S/kill9-receiver/posted-again-at-most-in-flight" "$redelivered posted again after $kills kills with 4 connections"; fi

it_stop_all
for n in visc ludza; do
    it_audit_verify "$n" "$S/audit-verify/$n"
done

it_finish "$S"
