#!/bin/sh
# Clients that never finish the TLS handshake (no certificate, a record trickled one byte at a time) must
# not keep authenticated clients out: the handshake has its own deadline that bytes do not extend
# (handshake_timeout), at most max_handshakes_per_address unfinished handshakes come from one address, and
# past max_handshakes the oldest unfinished one gives way to a new connection. An own system must be served
# within a second meanwhile. The holders connect from other loopback addresses (127.0.0.2 and up) so that
# the per-address cap does not apply to the authenticated client on 127.0.0.1.
#
# The centre: max_connections = 8 (the held connections would otherwise take every slot),
# max_handshakes = 4, max_handshakes_per_address = 2, handshake_timeout = 4, and a 30 s inactivity timeout
# that the trickle keeps resetting.
# shellcheck source=tests/integration/common.inc
. "$(dirname "$0")/common.inc"
S=handshake

it_pki || { fail "$S/setup" "cannot make the PKI"; finish; }
it_ports
it_config visc "max_connections = 8" "max_handshakes = 4" "max_handshakes_per_address = 2" \
    "handshake_timeout = 4" "request_timeout = 30" "idle_timeout = 30"
it_start visc || it_finish "$S"

# hold.py PORT SOURCE N STATUS: N connections from SOURCE, each sending a TLS record header and then one
# byte of its body every 0.5 s (never a whole ClientHello), for at most 15 s. STATUS is rewritten after
# every round: "open=N closed=M early=E last=T" (E: closed by the server within 1.5 s of connecting; T: the
# longest a closed one stayed open, seconds), and "done" is appended once all are closed.
cat >"$WORK/hold.py" <<'EOF'
import os, select, socket, sys, time
port, src, n, status = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
record = bytes.fromhex('1603010200') + b'\x01' * 512
conns = []
for _ in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((src, 0))
    s.connect(('127.0.0.1', port))
    s.setblocking(False)
    conns.append({'s': s, 'sent': 0, 't0': time.monotonic(), 'closed': None})
start = time.monotonic()

def close(c):
    if c['closed'] is None:
        c['closed'] = time.monotonic() - c['t0']
        c['s'].close()

def report(final):
    live = [c for c in conns if c['closed'] is None]
    done = [c['closed'] for c in conns if c['closed'] is not None]
    early = sum(1 for t in done if t < 1.5)
    line = 'open=%d closed=%d early=%d last=%.1f\n' % (len(live), len(done), early, max(done) if done else 0)
    with open(status + '.tmp', 'w') as f:
        f.write(line + ('done\n' if final else ''))
    os.rename(status + '.tmp', status)

while time.monotonic() - start < 15:
    live = [c for c in conns if c['closed'] is None]
    if not live:
        break
    for c in live:
        try:
            c['s'].send(record[c['sent']:c['sent'] + 1])
            c['sent'] += 1
        except OSError:
            close(c)
    live = [c for c in conns if c['closed'] is None]
    report(False)
    if live:
        readable, _, _ = select.select([c['s'] for c in live], [], [], 0.5)
        for c in live:
            if c['s'] in readable:
                try:
                    if c['s'].recv(4096) == b'':
                        close(c)
                except OSError:
                    close(c)
report(all(c['closed'] is not None for c in conns))
EOF

# shellcheck disable=SC2317 # run through wait_for
# status_has FILE PATTERN: FILE exists and matches the grep -E PATTERN.
status_has() { [ -f "$1" ] && grep -qE "$2" "$1"; }
field() { sed -n "s/.*$2=\([0-9.]*\).*/\1/p" "$1" | head -n 1; }

# healthz_fast NAME: GET /healthz as the centre's own system; 200 within a second.
healthz_fast() {
    out=$(curl -sS --max-time 5 --cacert "$WORK/pki/trust.pem" --cert "$WORK/pki/visc-client-full.pem" \
        --key "$WORK/pki/visc-client.key.pem" -o "$WORK/hz.body" -w '%{http_code} %{time_total}' \
        "https://127.0.0.1:$PORT_visc/healthz" 2>"$WORK/hz.err")
    code=${out% *}
    secs=${out#* }
    if [ "$code" = 200 ] && awk "BEGIN { exit !($secs < 1.0) }"; then pass "$1"; else
        fail "$1" "HTTP $code after $secs s: $(snip "$WORK/hz.err")"; fi
}

# --- one address: two unfinished handshakes are kept, the other three are closed at once -------------
it_bg python3 "$WORK/hold.py" "$PORT_visc" 127.0.0.2 5 "$WORK/h1"
if wait_for 5 status_has "$WORK/h1" 'closed=[3-9]'; then
    early=$(field "$WORK/h1" early)
    open=$(field "$WORK/h1" open)
    if [ "$early" = 3 ] && [ "$open" = 2 ]; then pass "$S/per-address-cap"; else
        fail "$S/per-address-cap" "max_handshakes_per_address = 2: $(cat "$WORK/h1")"; fi
else
    fail "$S/per-address-cap" "none of five connections from one address was closed: $(cat "$WORK/h1" 2>/dev/null)"
fi
healthz_fast "$S/served-while-one-address-holds-handshakes"

# --- the deadline counts from accept: the trickle does not extend it ---------------------------------
if wait_for 12 status_has "$WORK/h1" '^done'; then
    last=$(field "$WORK/h1" last)
    if awk "BEGIN { exit !($last <= 6.5) }"; then pass "$S/deadline-not-extended-by-bytes"; else
        fail "$S/deadline-not-extended-by-bytes" "handshake_timeout = 4, but a trickling client stayed $last s"; fi
else
    fail "$S/deadline-not-extended-by-bytes" "trickling clients still connected: $(cat "$WORK/h1" 2>/dev/null)"
fi

# --- many addresses: more unfinished handshakes than max_connections ---------------------------------
# Eight addresses with two connections each would hold all eight slots without the handshake caps.
i=3
while [ $i -le 10 ]; do
    it_bg python3 "$WORK/hold.py" "$PORT_visc" "127.0.0.$i" 2 "$WORK/h$i"
    i=$((i + 1))
done
# shellcheck disable=SC2317 # run through wait_for
all_connected() {
    for j in 3 4 5 6 7 8 9 10; do [ -f "$WORK/h$j" ] || return 1; done
}
if wait_for 5 all_connected; then pass "$S/holders-connected"; else fail "$S/holders-connected" "not every holder connected"; fi
for k in 1 2 3; do
    healthz_fast "$S/served-while-handshake-caps-full/$k"
done
# the gateway keeps at most max_handshakes of them (plus one being replaced)
# shellcheck disable=SC2317 # run through wait_for
held() {
    n=0
    for j in 3 4 5 6 7 8 9 10; do n=$((n + $(field "$WORK/h$j" open))); done
    [ "$n" -le 5 ]
}
if wait_for 3 held; then pass "$S/unfinished-handshakes-bounded"; else
    fail "$S/unfinished-handshakes-bounded" "$(for j in 3 4 5 6 7 8 9 10; do printf '%s ' "$(head -n 1 "$WORK/h$j")"; done)"; fi
# and all of them are gone by the deadline
# shellcheck disable=SC2317 # run through wait_for
all_done() {
    for j in 3 4 5 6 7 8 9 10; do status_has "$WORK/h$j" '^done' || return 1; done
}
if wait_for 12 all_done; then pass "$S/all-unfinished-closed"; else fail "$S/all-unfinished-closed" "some still connected"; fi
healthz_fast "$S/served-after-holders"

it_finish "$S"
