#!/bin/sh
# Cross-witnessing (docs/audit.md 7): the centre's receipts and Delivered notifications carry its latest
# signed checkpoint, and Ludza, which sends to it, checks each against the last one it holds from the
# centre, fetching consistency proofs over mutual TLS. A consistent centre raises nothing over many
# checkpoints. The centre restarted on an old copy of its store (a real fork: a log that lost entries and
# then wrote other ones) is reported live by Ludza (metric, log line, audit event with both sizes and roots)
# while messages still flow.
# shellcheck source=tests/integration/common.inc
. "$(dirname "$0")/common.inc"
S=witness

command -v sqlite3 >/dev/null 2>&1 || { fail "$S/tools" "sqlite3 not found (make deps installs it)"; finish; }
it_pki || { fail "$S/setup" "cannot make the PKI"; finish; }
it_ports
it_config ludza "checkpoint_every_entries = 0" "checkpoint_every_seconds = 0"
it_config visc "checkpoint_every_entries = 2" "checkpoint_every_seconds = 0"
it_start visc ludza || it_finish "$S"
FORKS="gateway_checkpoint_forks_total{peer=\"$ORG_visc\"}"

# send K: K decisions from Ludza to the centre, each delivered before the next; their ids in $WORK/sent
send() {
    _k=0
    while [ $_k -lt "$1" ]; do
        _k=$((_k + 1))
        id=$(fresh_copy "$EXAMPLES/decision-ludza.xml" "$WORK/m.xml")
        [ "$(gw_submit ludza "$WORK/m.xml")" = "$id" ] || { fail "$S/submit" "$(snip "$WORK/body")"; return 1; }
        wait_state ludza "$id" delivered 30 2>"$WORK/ws.err" || { fail "$S/delivered" "$(snip "$WORK/ws.err")"; return 1; }
        echo "$id" >>"$WORK/sent"
    done
}
# send_until MAX CMD...: send one message at a time until CMD succeeds; false after MAX messages
send_until() {
    _max=$1
    shift
    _n=0
    until "$@"; do
        [ $_n -ge "$_max" ] && return 1
        _n=$((_n + 1))
        send 1 || return 1
        sleep 0.2 # the centre signs once a second at most: spread the messages over several checkpoints
    done
}
held() { sqlite3 "$WORK/ludza.db" "SELECT count(*) FROM peer_checkpoints WHERE peer = '$ORG_visc' AND fork = $1"; }
forks_audited() { sqlite3 "$WORK/ludza.db" "SELECT count(*) FROM audit WHERE event = 'checkpoint_fork'"; }

# --- a consistent peer: many checkpoints, no alarm ---
send_until 60 sh -c "[ \$(sqlite3 '$WORK/ludza.db' 'SELECT count(*) FROM peer_checkpoints WHERE fork = 0') -ge 4 ]"
# the receipts carry the centre's checkpoint, inside their signature
n=$(sqlite3 "$WORK/ludza.db" "SELECT count(*) FROM outbox WHERE CAST(receipt AS TEXT) LIKE '%<r:Checkpoint>%'")
if [ "$n" -ge 4 ]; then pass "$S/receipts-carry-checkpoint"; else fail "$S/receipts-carry-checkpoint" "$n receipts"; fi
# two Delivered notifications: the intake acknowledges two messages at the centre
for id in $(head -n 2 "$WORK/sent"); do gw_curl visc visc-client-full "/v1/inbox/$id/ack" -X POST >/dev/null; done
if wait_for 20 sh -c "[ \$(sqlite3 '$WORK/ludza.db' \"SELECT count(*) FROM outbox WHERE CAST(notice AS TEXT) LIKE '%<r:Checkpoint>%'\") -ge 2 ]"; then
    pass "$S/notifications-carry-checkpoint"
else
    fail "$S/notifications-carry-checkpoint" "$(sqlite3 "$WORK/ludza.db" "SELECT count(*) FROM outbox WHERE notice IS NOT NULL")"
fi
good=$(held 0)
if [ "$good" -ge 4 ]; then pass "$S/consistent/held good=$good"; else fail "$S/consistent/held" "$good checkpoints held"; fi
# what Ludza holds is what the centre signed, byte for byte, and verifies with the trust anchor alone
sqlite3 "$WORK/ludza.db" "SELECT writefile('$WORK/held.xml', body) FROM peer_checkpoints ORDER BY seq DESC LIMIT 1" >/dev/null
same=$(sqlite3 "$WORK/ludza.db" "ATTACH '$WORK/visc.db' AS v; SELECT count(*) FROM v.checkpoints c JOIN peer_checkpoints p
    ON p.body = c.body WHERE p.seq = (SELECT max(seq) FROM peer_checkpoints)")
if [ "$same" = 1 ] && "$GW" verify --trust "$WORK/pki/trust.pem" --crl "$WORK/pki/crl.pem" "$WORK/held.xml" >"$WORK/v.out" 2>&1; then
    pass "$S/consistent/held-is-signed"
else
    fail "$S/consistent/held-is-signed" "in the centre's store: $same; $(snip "$WORK/v.out")"
fi
# growing past the held size needed proofs from the centre: every one held verified, none was a fork
if [ "$(metric ludza "$FORKS")" = 0 ] && [ "$(held 1)" = 0 ] && [ "$(forks_audited)" = 0 ] &&
    ! grep -q 'checkpoint FORK' "$WORK/ludza.log" && grep -qF "$FORKS 0" "$WORK/metrics.txt"; then
    pass "$S/consistent/no-alarm"
else
    fail "$S/consistent/no-alarm" "metric $(metric ludza "$FORKS"), fork rows $(held 1), audit $(forks_audited)"
fi
if grep -q 'not witnessed' "$WORK/ludza.log"; then
    fail "$S/consistent/all-witnessed" "$(grep -m 1 'not witnessed' "$WORK/ludza.log")"
else
    pass "$S/consistent/all-witnessed"
fi

# --- a fork: the centre restarted on an older copy of its store ---
sqlite3 "$WORK/visc.db" ".backup '$WORK/snap.db'"
snap_n=$(sqlite3 "$WORK/snap.db" "SELECT value FROM meta WHERE key = 'audit_last_seq'")
send_until 30 sh -c "[ \$(sqlite3 '$WORK/ludza.db' 'SELECT max(tree_size) FROM peer_checkpoints WHERE fork = 0') -gt $snap_n ]"
held_n=$(sqlite3 "$WORK/ludza.db" "SELECT max(tree_size) FROM peer_checkpoints WHERE fork = 0")
if [ "$held_n" -gt "$snap_n" ]; then pass "$S/fork/held-past-the-copy"; else
    fail "$S/fork/held-past-the-copy" "held $held_n, copy $snap_n"; fi
gw_stop visc
rm -f "$WORK/visc.db-wal" "$WORK/visc.db-shm"
cp "$WORK/snap.db" "$WORK/visc.db"
it_start visc || it_finish "$S"
: >"$WORK/sent"
send_until 40 grep -q 'checkpoint FORK' "$WORK/ludza.log"
k=$(wc -l <"$WORK/sent")
if [ "$(metric ludza "$FORKS")" -ge 1 ]; then pass "$S/fork/metric after=$k"; else
    fail "$S/fork/metric" "no fork counted after $k messages"; fi
if grep -q "checkpoint FORK of peer $ORG_visc: held $held_n entries root [0-9a-f]\{64\}" "$WORK/ludza.log" ||
    grep -q "checkpoint FORK of peer $ORG_visc: held [0-9]* entries root [0-9a-f]\{64\} .*received [0-9]* entries root" "$WORK/ludza.log"; then
    pass "$S/fork/log-line"
else
    fail "$S/fork/log-line" "$(grep -m 1 FORK "$WORK/ludza.log")"
fi
ev=$(sqlite3 "$WORK/ludza.db" "SELECT peer || ' ' || outcome || ' ' || reason FROM audit WHERE event = 'checkpoint_fork' LIMIT 1")
case "$ev" in
"$ORG_visc fork held "*" entries root "*", received "*" entries root "*) pass "$S/fork/audit-event" ;;
*) fail "$S/fork/audit-event" "'$ev'" ;;
esac
# the contradicting checkpoint is kept as evidence, and is the one the audit entry's digest names
d=$(sqlite3 "$WORK/ludza.db" "SELECT sha256 FROM audit WHERE event = 'checkpoint_fork' LIMIT 1")
sqlite3 "$WORK/ludza.db" "SELECT writefile('$WORK/fork.xml', body) FROM peer_checkpoints WHERE fork = 1 LIMIT 1" >/dev/null
if [ "$(held 1)" -ge 1 ] && [ "$(sha256sum <"$WORK/fork.xml" | cut -c1-64)" = "$d" ]; then
    pass "$S/fork/evidence-kept"
else
    fail "$S/fork/evidence-kept" "fork rows $(held 1), digest $d"
fi
# messages still flow, and go on flowing after the alarm
send 2 && pass "$S/fork/messages-flow sent=$(wc -l <"$WORK/sent")"
it_stop_all
"$GW" audit verify --store "$WORK/ludza.db" >"$WORK/av" 2>&1
if grep -q 'audit log OK' "$WORK/av"; then pass "$S/ludza-log-verifies"; else fail "$S/ludza-log-verifies" "$(snip "$WORK/av")"; fi
it_finish "$S"
