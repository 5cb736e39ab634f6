#!/bin/sh
# The store failing under a running gateway, and bad store files at start (the short form of rows 4-6 of
# `make reliability`, tests/reliability/run.sh):
# - Ludza's store made immutable while it runs (chattr +i: writes through the open files fail, as on a file
#   system gone read-only): a submission gets a clean "500 IO" refusal that names no host path, the log says
#   why, and the same bytes are accepted once the store is writable again; nothing accepted is lost;
# - `gateway serve` on a store with a damaged page, and on another application's SQLite database, exits 2
#   and says why, and leaves the file as it was.
# The first part needs root and a file system that enforces the immutable flag on open files (ext4, xfs);
# elsewhere it is SKIPPED.
# shellcheck source=tests/integration/common.inc
. "$(dirname "$0")/common.inc"
S=storefault

it_pki || { fail "$S/setup" "cannot make the PKI"; finish; }
it_ports
it_config visc
it_config ludza
it_start visc ludza || it_finish "$S"

# can_freeze: root, chattr, and a file system under $WORK where an immutable file refuses writes through a
# descriptor opened before (tmpfs accepts the flag but not this).
can_freeze() {
    [ "$(id -u)" = 0 ] && command -v chattr >/dev/null || return 1
    : >"$WORK/probe"
    exec 5>>"$WORK/probe"
    chattr +i "$WORK/probe" 2>/dev/null || { exec 5>&-; return 1; }
    if printf x >&5 2>/dev/null; then _cf=1; else _cf=0; fi
    exec 5>&-
    chattr -i "$WORK/probe"
    [ "$_cf" = 0 ]
}

if can_freeze; then
    id1=$(fresh_copy "$EXAMPLES/decision-ludza.xml" "$WORK/m1.xml")
    c1=$(it_submit "$WORK/r1" ludza "$WORK/m1.xml")
    wait_state ludza "$id1" delivered 20 2>/dev/null || fail "$S/setup" "the first message was not delivered"
    id2=$(fresh_copy "$EXAMPLES/decision-ludza.xml" "$WORK/m2.xml")
    chattr +i "$WORK"/ludza.db "$WORK"/ludza.db-wal
    c2=$(it_submit "$WORK/r2" ludza "$WORK/m2.xml")
    chattr -i "$WORK"/ludza.db "$WORK"/ludza.db-wal
    if [ "$c1" = 202 ] && [ "$c2" = 500 ] && grep -q '^500 IO: ' "$WORK/r2"; then
        pass "$S/read-only-store/refused-500-io"
    else
        fail "$S/read-only-store/refused-500-io" "HTTP $c1 then $c2: $(snip "$WORK/r2")"
    fi
    # the answer is the client's, the store's path the operator's (a peer gets the same text on a 503)
    if [ "$c2" = 500 ] && ! grep -qF "$WORK" "$WORK/r2" && ! grep -q 'ludza\.db' "$WORK/r2"; then
        pass "$S/read-only-store/refusal-names-no-host-path"
    else
        fail "$S/read-only-store/refusal-names-no-host-path" "$(snip "$WORK/r2")"
    fi
    if grep -qE 'submission from it-system\.ludza\.example refused: .*\[IO\]' "$WORK/ludza.log"; then
        pass "$S/read-only-store/refusal-logged"
    else
        fail "$S/read-only-store/refusal-logged" "$(tail -n 3 "$WORK/ludza.log" | tr '\n' ' ')"
    fi
    c3=$(it_submit "$WORK/r3" ludza "$WORK/m2.xml")
    if [ "$c3" = 202 ]; then pass "$S/read-only-store/writable-again-accepted"; else
        fail "$S/read-only-store/writable-again-accepted" "HTTP $c3: $(snip "$WORK/r3")"; fi
    wait_state ludza "$id2" delivered 20 2>/dev/null
    inbox_ids visc "$WORK/inbox.ids" || true
    if [ "$(grep -c "^$id1\$" "$WORK/inbox.ids")" = 1 ] && [ "$(grep -c "^$id2\$" "$WORK/inbox.ids")" = 1 ]; then
        pass "$S/read-only-store/each-accepted-in-inbox-once"
    else
        fail "$S/read-only-store/each-accepted-in-inbox-once" "$(grep -c "^$id1\$" "$WORK/inbox.ids") and $(grep -c "^$id2\$" "$WORK/inbox.ids") rows"
    fi
else
    skip "$S/read-only-store" "needs root, chattr and a file system that enforces +i on open files under ${TMPDIR:-/tmp}"
fi

# --- bad store files at start ---------------------------------------------------------------------------
it_stop_all
pages=$(sqlite3 -readonly "$WORK/visc.db" 'PRAGMA page_count')
psize=$(sqlite3 -readonly "$WORK/visc.db" 'PRAGMA page_size')
cp "$WORK/visc.db" "$WORK/damaged.db"
head -c "$psize" /dev/zero | tr '\000' 'Z' | dd of="$WORK/damaged.db" bs="$psize" seek=$((pages / 2)) conv=notrunc 2>/dev/null
sqlite3 "$WORK/foreign.db" 'CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT)'
for kind in damaged:'the store is damaged' foreign:'not a gateway store'; do
    f=${kind%%:*} want=${kind#*:}
    sed "s|^store = .*|store = $WORK/$f.db|" "$WORK/visc.conf" >"$WORK/$f.conf"
    sum=$(sha256sum <"$WORK/$f.db")
    timeout 20 "$GW" serve --config "$WORK/$f.conf" >"$WORK/$f.out" 2>&1
    st=$?
    if [ $st -eq 2 ] && grep -q "$want" "$WORK/$f.out" && [ "$(sha256sum <"$WORK/$f.db")" = "$sum" ]; then
        pass "$S/start/$f-store-refused"
    else
        fail "$S/start/$f-store-refused" "exit $st: $(snip "$WORK/$f.out")"
    fi
done

it_finish "$S"
