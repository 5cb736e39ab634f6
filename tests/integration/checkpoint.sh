#!/bin/sh
# Signed checkpoints of the audit log (docs/audit.md 6) written by running gateways: Ludza signs one every
# 3 entries, the centre one a second after its log grew. Each checkpoint verifies with the strict profile
# against the trust anchor alone, states a size its log has reached, and its RootHash is the root computed
# here from the store's entries with sqlite3 and sha256sum as docs/audit.md 5.1 defines the leaves, not
# with the gateway. Ludza killed with -9 and restarted goes on from its stored checkpoints, and both logs
# (with their trees) still verify.
# shellcheck source=tests/integration/common.inc
. "$(dirname "$0")/common.inc"
S=checkpoint
export LC_ALL=C # ${#x} counts bytes

for tool in sqlite3 sha256sum awk; do
    command -v "$tool" >/dev/null 2>&1 || { fail "$S/tools" "$tool not found (make deps installs it)"; finish; }
done
it_pki || { fail "$S/setup" "cannot make the PKI"; finish; }
it_ports
it_config ludza "checkpoint_every_entries = 3" "checkpoint_every_seconds = 0"
it_config visc "checkpoint_every_entries = 0" "checkpoint_every_seconds = 1"
it_start visc ludza || it_finish "$S"

# --- the root of a log, from its entries (docs/audit.md 2 and 5.1) ---
ns() { printf '%s:%s,' "${#1}" "$1"; }
unhex() {
    # shellcheck disable=SC2059 # the format is the point: awk writes the bytes as octal escapes
    printf "$(awk '{ for (i = 1; i < length($0); i += 2) printf "\\%03o", \
        16 * (index("0123456789abcdef", substr($0, i, 1)) - 1) + index("0123456789abcdef", substr($0, i + 1, 1)) - 1 }')"
}
node() { printf '01%s%s' "$1" "$2" | unhex | sha256sum | cut -c1-64; }
# leaves DB N: the leaf hash of entries 1..N, one per line
leaves() {
    US=$(printf '\037')
    v2_from=$(sqlite3 "$1" "SELECT value FROM meta WHERE key = 'audit_v2_from'")
    sqlite3 -separator "$US" "$1" "SELECT seq, time, event, message_id, peer, outcome, reason, prev_hash, sha256,
        row_ref FROM audit WHERE seq <= $2 ORDER BY seq" |
        while IFS=$US read -r seq time event id peer outcome reason prev sha row; do
            if [ "$seq" -ge "$v2_from" ]; then
                { printf '\000'; ns gw-audit-v2; ns "$prev"; ns "$seq"; ns "$time"; ns "$event"; ns "$id"
                    ns "$peer"; ns "$outcome"; ns "$reason"; ns "$sha"; ns "$row"; } | sha256sum | cut -c1-64
            else
                { printf '\000'; ns gw-audit-v1; ns "$prev"; ns "$seq"; ns "$time"; ns "$event"; ns "$id"
                    ns "$peer"; ns "$outcome"; ns "$reason"; } | sha256sum | cut -c1-64
            fi
        done
}
# mth FILE FROM TO: MTH of the leaves on lines FROM..TO-1 (0-based) of FILE (RFC 9162 2.1.1)
mth() {
    _n=$(($3 - $2))
    if [ "$_n" -eq 1 ]; then sed -n "$(($2 + 1))p" "$1"; return; fi
    _k=1
    while [ $((_k * 2)) -lt "$_n" ]; do _k=$((_k * 2)); done
    _l=$(mth "$1" "$2" $(($2 + _k)))
    _r=$(mth "$1" $(($2 + _k)) "$3")
    node "$_l" "$_r"
}

# check_latest NAME: the latest checkpoint in NAME's store verifies and states the root of its entries
check_latest() {
    db=$WORK/$1.db
    sqlite3 "$db" "SELECT writefile('$WORK/$1.cp.xml', body) FROM checkpoints ORDER BY seq DESC LIMIT 1" >/dev/null
    if ! "$GW" verify --trust "$WORK/pki/trust.pem" --crl "$WORK/pki/crl.pem" "$WORK/$1.cp.xml" >"$WORK/v.out" 2>&1; then
        fail "$S/$1/verifies" "$(snip "$WORK/v.out" 300)"
        return
    fi
    pass "$S/$1/verifies"
    size=$(sed -n 's|.*<cp:TreeSize>\([0-9]*\)</cp:TreeSize>.*|\1|p' "$WORK/$1.cp.xml")
    root=$(sed -n 's|.*<cp:RootHash[^>]*>\([0-9a-f]*\)</cp:RootHash>.*|\1|p' "$WORK/$1.cp.xml")
    origin=$(sed -n 's|.*<cp:Origin>\([0-9]*\)</cp:Origin>.*|\1|p' "$WORK/$1.cp.xml")
    eval "org=\$ORG_$1"
    # shellcheck disable=SC2154 # org is set by the eval
    if [ "$origin" != "$org" ] || [ -z "$size" ] || [ "$size" -lt 1 ]; then
        fail "$S/$1/fields" "origin '$origin' size '$size'"
        return
    fi
    leaves "$db" "$size" >"$WORK/$1.leaves"
    want=$(mth "$WORK/$1.leaves" 0 "$size")
    if [ "$(wc -l <"$WORK/$1.leaves")" -eq "$size" ] && [ "$want" = "$root" ]; then
        pass "$S/$1/root-of-the-entries size=$size"
    else
        fail "$S/$1/root-of-the-entries" "size $size: checkpoint says $root, the entries make $want"
    fi
}
count_cp() { sqlite3 "$WORK/$1.db" "SELECT count(*) FROM checkpoints" 2>/dev/null || echo 0; }

for ex in decision-ludza datareport-ludza-2025q1; do
    id=$(fresh_copy "$EXAMPLES/$ex.xml" "$WORK/$ex.xml")
    [ "$(gw_submit ludza "$WORK/$ex.xml")" = "$id" ] || fail "$S/submit/$ex" "$(snip "$WORK/body")"
    wait_state ludza "$id" delivered 30 2>"$WORK/ws.err" || fail "$S/delivered/$ex" "$(snip "$WORK/ws.err")"
done
# Ludza's log: 2 submitted + 2 delivery attempts at least: a checkpoint by count; the centre's by time
if wait_for 10 sh -c "[ \$(sqlite3 '$WORK/ludza.db' 'SELECT count(*) FROM checkpoints') -ge 1 ]"; then
    pass "$S/ludza/by-count"
else
    fail "$S/ludza/by-count" "no checkpoint after $(sqlite3 "$WORK/ludza.db" 'SELECT count(*) FROM audit') entries"
fi
if wait_for 10 sh -c "[ \$(sqlite3 '$WORK/visc.db' 'SELECT count(*) FROM checkpoints') -ge 1 ]"; then
    pass "$S/visc/by-time"
else
    fail "$S/visc/by-time" "no checkpoint after $(sqlite3 "$WORK/visc.db" 'SELECT count(*) FROM audit') entries"
fi
check_latest ludza
check_latest visc
# a by-count checkpoint is of a size at least 3 past the previous one
gaps=$(sqlite3 "$WORK/ludza.db" "SELECT count(*) FROM checkpoints a JOIN checkpoints b ON b.seq = a.seq + 1
    WHERE b.tree_size - a.tree_size < 3")
if [ "$gaps" = 0 ]; then pass "$S/ludza/every-3-entries"; else
    fail "$S/ludza/every-3-entries" "$gaps checkpoints less than 3 entries after the previous"; fi

# --- peers fetch checkpoints and consistency proofs over mutual TLS (docs/api.md) ---
TRUST="--trust $WORK/pki/trust.pem --crl $WORK/pki/crl.pem"
st=$(it_req "$WORK/latest.xml" ludza visc-full /v1/checkpoints/latest)
sqlite3 "$WORK/ludza.db" "SELECT writefile('$WORK/stored.xml', body) FROM checkpoints ORDER BY seq DESC LIMIT 1" >/dev/null
# shellcheck disable=SC2086 # TRUST is two options
if [ "$st" = 200 ] && cmp -s "$WORK/latest.xml" "$WORK/stored.xml" &&
    "$GW" verify $TRUST "$WORK/latest.xml" >/dev/null 2>&1; then pass "$S/api/latest"; else
    fail "$S/api/latest" "HTTP $st: $(snip "$WORK/latest.xml")"; fi
st=$(it_req "$WORK/own.out" ludza ludza-client-full /v1/checkpoints/latest)
if [ "$st" = 403 ]; then pass "$S/api/latest-peers-only"; else fail "$S/api/latest-peers-only" "HTTP $st"; fi
lat_n=$(sed -n 's|.*<cp:TreeSize>\([0-9]*\)</cp:TreeSize>.*|\1|p' "$WORK/latest.xml")
st=$(it_req "$WORK/api.proof" ludza visc-full "/v1/checkpoints/consistency?from=1&to=$lat_n")
# shellcheck disable=SC2086 # TRUST is two options
if [ "$st" = 200 ] && "$GW" audit verify-proof $TRUST --checkpoint "$WORK/latest.xml" "$WORK/api.proof" >"$WORK/vp" 2>&1; then
    pass "$S/api/consistency"; else fail "$S/api/consistency" "HTTP $st: $(snip "$WORK/api.proof") $(snip "$WORK/vp")"; fi
st=$(it_req "$WORK/bad.out" ludza visc-full "/v1/checkpoints/consistency?from=0&to=1")
if [ "$st" = 400 ]; then pass "$S/api/consistency-bad-size"; else fail "$S/api/consistency-bad-size" "HTTP $st"; fi
st=$(it_req "$WORK/bad.out" ludza visc-full "/v1/checkpoints/consistency?from=1&to=99999")
if [ "$st" = 404 ]; then pass "$S/api/consistency-beyond-log"; else fail "$S/api/consistency-beyond-log" "HTTP $st"; fi

# a consistent copy of Ludza's store as it is now, for the truncation and fork cases below
sqlite3 "$WORK/ludza.db" ".backup '$WORK/snap.db'"
snap_n=$(sqlite3 "$WORK/snap.db" "SELECT value FROM meta WHERE key = 'audit_last_seq'")

# kill -9 and restart: the checkpoints and the log survive, the scheduler goes on from the stored one
before=$(count_cp ludza)
last_size=$(sqlite3 "$WORK/ludza.db" "SELECT max(tree_size) FROM checkpoints")
gw_stop ludza KILL
it_start ludza || it_finish "$S"
for k in 1 2; do # 2 more entries each: 3 past the last checkpoint at least
    id=$(fresh_copy "$EXAMPLES/decision-ludza.xml" "$WORK/d$k.xml")
    [ "$(gw_submit ludza "$WORK/d$k.xml")" = "$id" ] || fail "$S/submit/after-kill-$k" "$(snip "$WORK/body")"
    wait_state ludza "$id" delivered 30 2>"$WORK/ws.err" || fail "$S/delivered/after-kill-$k" "$(snip "$WORK/ws.err")"
done
if wait_for 10 sh -c "[ \$(sqlite3 '$WORK/ludza.db' 'SELECT count(*) FROM checkpoints') -gt $before ]"; then
    new_size=$(sqlite3 "$WORK/ludza.db" "SELECT tree_size FROM checkpoints ORDER BY seq DESC LIMIT 1")
    if [ "$new_size" -ge $((last_size + 3)) ]; then pass "$S/ludza/after-kill9"; else
        fail "$S/ludza/after-kill9" "new checkpoint of size $new_size, the last before the kill was $last_size"; fi
else
    fail "$S/ludza/after-kill9" "no new checkpoint after the restart"
fi
check_latest ludza

it_stop_all
for n in ludza visc; do
    "$GW" audit verify --store "$WORK/$n.db" >"$WORK/av" 2>&1
    if grep -q 'audit log OK' "$WORK/av"; then pass "$S/audit-verify/$n"; else
        fail "$S/audit-verify/$n" "$(snip "$WORK/av")"; fi
done

# --- the auditor: Ludza's latest checkpoint, held outside the gateway, against stores ---
cp "$WORK/ludza.cp.xml" "$WORK/held.xml"
held_n=$(sed -n 's|.*<cp:TreeSize>\([0-9]*\)</cp:TreeSize>.*|\1|p' "$WORK/held.xml")
# av NAME STORE WANT_RC PATTERN [ARGS]: audit verify STORE with ARGS; exit WANT_RC and PATTERN in the output
av() {
    _n=$1 _db=$2 _want=$3 _pat=$4
    shift 4
    "$GW" audit verify --store "$_db" "$@" >"$WORK/av" 2>&1
    _rc=$?
    if [ "$_rc" -eq "$_want" ] && grep -qE "$_pat" "$WORK/av"; then pass "$S/auditor/$_n"; else
        fail "$S/auditor/$_n" "exit $_rc (want $_want): $(snip "$WORK/av" 400)"; fi
}
# shellcheck disable=SC2086 # TRUST is two options
av intact "$WORK/ludza.db" 0 "^$WORK/ludza.db: [0-9]+ checkpoints \([0-9]+ stored, 1 given\) match the log; signatures verified" \
    $TRUST --checkpoint "$WORK/held.xml"
av stored-without-trust "$WORK/ludza.db" 0 "signatures NOT checked"
# the copy taken before: shorter than what the held checkpoint signed
# shellcheck disable=SC2086
av truncated "$WORK/snap.db" 1 "BROKEN at entry $((snap_n + 1)): checkpoint .*held.xml .* states $held_n entries but the log has $snap_n .*truncated" \
    $TRUST --checkpoint "$WORK/held.xml"
# a forked log: the gateway restarted on the old copy and wrote other entries, consistently (chain, tree, head)
mv "$WORK/ludza.db" "$WORK/real.db"
rm -f "$WORK/ludza.db-wal" "$WORK/ludza.db-shm"
cp "$WORK/snap.db" "$WORK/ludza.db"
it_start ludza visc || it_finish "$S"
k=0
while [ "$(sqlite3 "$WORK/ludza.db" "SELECT value FROM meta WHERE key = 'audit_last_seq'")" -lt "$held_n" ] && [ $k -lt 10 ]; do
    k=$((k + 1))
    id=$(fresh_copy "$EXAMPLES/datareport-ludza-2025q1.xml" "$WORK/f$k.xml")
    gw_submit ludza "$WORK/f$k.xml" >/dev/null
    wait_state ludza "$id" delivered 30 2>/dev/null || true
done
it_stop_all
"$GW" audit verify --store "$WORK/ludza.db" >"$WORK/av" 2>&1
if grep -q 'audit log OK' "$WORK/av"; then pass "$S/auditor/fork-is-consistent-alone"; else
    fail "$S/auditor/fork-is-consistent-alone" "$(snip "$WORK/av")"; fi
# shellcheck disable=SC2086
av forked "$WORK/ludza.db" 1 "BROKEN.*(FORK: .*held.xml|held.xml .* has another root for $held_n entries)" \
    $TRUST --checkpoint "$WORK/held.xml"
# a changed checkpoint file proves nothing: refused
sed 's|<cp:TreeSize>[0-9]*<|<cp:TreeSize>1<|' "$WORK/held.xml" >"$WORK/forged.xml"
# shellcheck disable=SC2086
av forged-checkpoint "$WORK/real.db" 1 "DIGEST_MISMATCH" $TRUST --checkpoint "$WORK/forged.xml"
# a stored checkpoint changed behind the gateway
cp "$WORK/real.db" "$WORK/t.db"
sqlite3 "$WORK/t.db" "DROP TRIGGER checkpoints_no_update;
    UPDATE checkpoints SET body = CAST(replace(CAST(body AS TEXT), '<cp:TreeSize>', '<cp:TreeSize>1') AS BLOB)
    WHERE seq = 1"
# shellcheck disable=SC2086
av stored-checkpoint-changed "$WORK/t.db" 1 "BROKEN: stored checkpoint 1: .*DIGEST_MISMATCH" $TRUST
# --- proofs: written from the stored tree, checked alone against a checkpoint and the trust anchor ---
mid=$(sqlite3 "$WORK/real.db" "SELECT message_id FROM audit WHERE event = 'submitted' ORDER BY seq LIMIT 1")
mkdir -p "$WORK/proofs"
"$GW" audit proof --store "$WORK/real.db" --message "$mid" -o "$WORK/proofs" >"$WORK/pr" 2>&1
rc=$?
first=$(sed -n 's|^entry \([0-9]*\): .*\.proof$|\1|p' "$WORK/pr" | head -n 1)
if [ $rc -eq 0 ] && [ -n "$first" ] && [ -s "$WORK/proofs/entry-$first.proof" ]; then pass "$S/proof/written"; else
    fail "$S/proof/written" "exit $rc: $(snip "$WORK/pr" 300)"; fi
# vp NAME WANT_RC PATTERN ARGS: audit verify-proof
vp() {
    _n=$1 _want=$2 _pat=$3
    shift 3
    # shellcheck disable=SC2086
    "$GW" audit verify-proof $TRUST "$@" >"$WORK/vp" 2>&1
    _rc=$?
    if [ "$_rc" -eq "$_want" ] && grep -qE "$_pat" "$WORK/vp"; then pass "$S/proof/$_n"; else
        fail "$S/proof/$_n" "exit $_rc (want $_want): $(snip "$WORK/vp" 300)"; fi
}
P=$WORK/proofs/entry-$first.proof
vp inclusion-ok 0 "OK: entry $first .* is in the log of 90000017453" --checkpoint "$WORK/proofs/checkpoint.xml" "$P"
# the leaf in the proof is the entry's leaf as docs/audit.md 5.1 defines it, computed here
leaves "$WORK/real.db" "$first" >"$WORK/real.leaves"
if [ "$(sed -n 's/^leaf_hash //p' "$P")" = "$(sed -n "${first}p" "$WORK/real.leaves")" ]; then
    pass "$S/proof/leaf-is-the-entry"; else fail "$S/proof/leaf-is-the-entry" "leaf hashes differ"; fi
# any hash changed: the proof fails
for key in leaf_hash root path; do
    awk -v k="$key" '!done && $1 == k { c = substr($2, 1, 1); sub(/^./, c == "0" ? "1" : "0", $2); done = 1 } { print }' \
        "$P" >"$WORK/bad.proof"
    vp "inclusion-$key-changed" 1 "does NOT hold" --checkpoint "$WORK/proofs/checkpoint.xml" "$WORK/bad.proof"
done
# consistency from the oldest stored checkpoint to the held one
sqlite3 "$WORK/real.db" "SELECT writefile('$WORK/old.xml', body) FROM checkpoints ORDER BY seq LIMIT 1" >/dev/null
old_n=$(sed -n 's|.*<cp:TreeSize>\([0-9]*\)</cp:TreeSize>.*|\1|p' "$WORK/old.xml")
"$GW" audit consistency --store "$WORK/real.db" "$old_n" "$held_n" >"$WORK/c.proof" 2>"$WORK/c.err"
vp consistency-ok 0 "OK: the log of 90000017453 at $old_n entries \(root of the old checkpoint\) is a prefix" \
    --checkpoint "$WORK/held.xml" --old-checkpoint "$WORK/old.xml" "$WORK/c.proof"
for key in old_root root path; do
    awk -v k="$key" '!done && $1 == k { c = substr($2, 1, 1); sub(/^./, c == "0" ? "1" : "0", $2); done = 1 } { print }' \
        "$WORK/c.proof" >"$WORK/bad.proof"
    vp "consistency-$key-changed" 1 "does NOT hold" --checkpoint "$WORK/held.xml" --old-checkpoint "$WORK/old.xml" \
        "$WORK/bad.proof"
done
# the forked log cannot prove that it extends what the held checkpoint signed
"$GW" audit consistency --store "$WORK/ludza.db" "$old_n" "$held_n" >"$WORK/f.proof" 2>"$WORK/c.err"
vp consistency-fork 1 "does NOT hold" --checkpoint "$WORK/held.xml" --old-checkpoint "$WORK/old.xml" "$WORK/f.proof"

# --- search: the entries an auditor asks for, against the same question put to sqlite3 ---
# sr NAME WANT_LINES ARGS: audit search on real.db prints WANT_LINES lines, exit 0
sr() {
    _n=$1 _want=$2
    shift 2
    "$GW" audit search --store "$WORK/real.db" "$@" >"$WORK/sr" 2>&1
    _rc=$?
    if [ $_rc -eq 0 ] && [ "$(wc -l <"$WORK/sr")" -eq "$_want" ]; then pass "$S/search/$_n"; else
        fail "$S/search/$_n" "exit $_rc, $(wc -l <"$WORK/sr") lines, want $_want: $(snip "$WORK/sr" 300)"; fi
}
q() { sqlite3 "$WORK/real.db" "$1"; }
sr message "$(q "SELECT count(*) FROM audit WHERE message_id = '$mid'")" --message "$mid"
sr event-json "$(q "SELECT count(*) FROM audit WHERE event = 'submitted'")" --event submitted --json
if grep -qv '^{"seq":[0-9]*,"time":"[^"]*","event":"submitted",.*"hash":"[0-9a-f]\{64\}"}$' "$WORK/sr"; then
    fail "$S/search/json-form" "$(snip "$WORK/sr" 300)"; else pass "$S/search/json-form"; fi
sr type-recipient "$(q "SELECT count(*) FROM audit a WHERE EXISTS (SELECT 1 FROM outbox o WHERE o.id = a.message_id
    AND o.type = 'DataReport' AND o.recipient = '90001800413')")" --type DataReport --recipient 90001800413
sr outcome-limit 1 --outcome ok --limit 1
sr future 0 --from 2999-01-01
sr window "$(q "SELECT count(*) FROM audit")" --from 2000 --to 2999-12-31T23:59:59.999Z
"$GW" audit search --store "$WORK/real.db" --from yesterday >/dev/null 2>&1
rc=$?
if [ $rc -eq 2 ]; then pass "$S/search/usage-bad-time"; else fail "$S/search/usage-bad-time" "exit $rc, not 2"; fi

# usage: a given checkpoint needs trust anchors
"$GW" audit verify --store "$WORK/real.db" --checkpoint "$WORK/held.xml" >/dev/null 2>&1
rc=$?
if [ $rc -eq 2 ]; then pass "$S/auditor/usage-checkpoint-without-trust"; else
    fail "$S/auditor/usage-checkpoint-without-trust" "exit $rc, not 2"; fi
it_finish "$S"
