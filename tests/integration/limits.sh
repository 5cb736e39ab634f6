#!/bin/sh
# Request limits (DESIGN §5: "request size, header, time and connection limits are configured and
# enforced; every error response says why"): body size, header size, malformed HTTP, a client that never
# sends its request, and max_connections. After each abuse the gateway must still answer /healthz.
#
# Two gateways with different limits run side by side:
#   the centre: max_body = 65536, request_timeout = idle_timeout = 2 s    (body and slow-client tests)
#   Ludza:      max_headers = 4096, max_connections = 4, timeouts 30 s     (headers, garbage, connections)
# shellcheck source=tests/integration/common.inc
. "$(dirname "$0")/common.inc"
S=limits

it_pki || { fail "$S/setup" "cannot make the PKI"; finish; }
it_ports
it_config visc "max_body = 65536" "request_timeout = 2" "idle_timeout = 2"
it_config ludza "max_headers = 4096" "max_connections = 4" "request_timeout = 30" "idle_timeout = 30"
it_start visc ludza || it_finish "$S"
P=$WORK/pki

# healthy NAME: /healthz answers 200 (retrying for up to 5 s: a freed connection slot may lag a little).
healthy() {
    wait_for 5 sh -c "[ \"\$(curl -s --max-time 5 --cacert '$P/trust.pem' --cert '$P/$1-client-full.pem' \
        --key '$P/$1-client.key.pem' -o /dev/null -w '%{http_code}' https://127.0.0.1:$2/healthz)\" = 200 ]"
}

# tls_send NAME PORT: send stdin over TLS with NAME's IT-system certificate, print what comes back.
# -quiet implies -ign_eof: it leaves only when the server closes the connection; exit 124 when the
# connection is still open after 15 s.
tls_send() {
    timeout 15 openssl s_client -quiet -connect "127.0.0.1:$2" -cert "$P/$1-client.pem" -cert_chain "$P/chain.pem" \
        -key "$P/$1-client.key.pem" -CAfile "$P/trust.pem" 2>/dev/null
}

# established PORT: server-side TCP connections of PORT in state ESTABLISHED
established() {
    ss -Htn state established "( sport = :$1 )" 2>/dev/null | wc -l
}

# --- body size --------------------------------------------------------------------------------------
# a well-formed 100 KB submission: the decision with a long reasoning text
big=$WORK/big.xml
fresh_copy "$EXAMPLES/decision-ludza.xml" "$WORK/d.xml" >/dev/null
sed 's|<env:Sender>90000017453</env:Sender>|<env:Sender>90001800413</env:Sender>|' "$WORK/d.xml" >"$big"
head -c 102400 /dev/zero | tr '\0' 'a' >"$WORK/pad"
printf '<!-- %s -->\n' "$(cat "$WORK/pad")" >>"$big"
# got_413 CODE FILE: the server answered 413. It closes while curl may still be uploading, and curl then
# reports no status (000) although it read the response: the response body decides then.
got_413() {
    [ "$1" = 413 ] || { [ "$1" = 000 ] && grep -q '413 Request Entity Too Large' "$2"; }
}
# With a declared length the verdict comes before the body: the client asks first (Expect: 100-continue,
# which curl sends by itself only above 1 MiB), and no upload races the server's close.
code=$(it_req "$WORK/r" visc visc-client-full /v1/messages -H 'Content-Type: application/xml' \
    -H 'Expect: 100-continue' --data-binary "@$big")
if got_413 "$code" "$WORK/r" && grep -qiE 'large|size|limit' "$WORK/r"; then
    pass "$S/body-too-large-413"
else
    fail "$S/body-too-large-413" "HTTP $code (want 413 with a reason): $(snip "$WORK/r")"
fi
# A chunked body is over the limit only once the server has read past it; it then answers 413 and closes
# while the rest is still in flight, and the client's TCP stack may drop that answer when the close
# resets the connection (RFC 9112 9.6). So a reset with no answer at all (000, nothing read) is tried
# again, at most five times; any other answer decides at once.
chunked_413() {
    _c_try=0
    while [ $_c_try -lt 5 ]; do
        _c_try=$((_c_try + 1))
        rm -f "$WORK/r"
        code=$(it_req "$WORK/r" visc visc-client-full /v1/messages -H 'Content-Type: application/xml' \
            -H 'Transfer-Encoding: chunked' --data-binary "@$big")
        [ "$code" = 000 ] && [ ! -s "$WORK/r" ] && continue
        got_413 "$code" "$WORK/r"
        return
    done
    return 1
}
if chunked_413; then
    pass "$S/body-too-large-chunked-413"
else
    fail "$S/body-too-large-chunked-413" "HTTP $code (want 413): $(snip "$WORK/r")"
fi
code=$(it_req "$WORK/r" visc ludza-full /v1/exchange -H 'Content-Type: application/xml' -H 'Expect: 100-continue' \
    --data-binary "@$big")
if got_413 "$code" "$WORK/r"; then pass "$S/body-too-large-exchange-413"; else
    fail "$S/body-too-large-exchange-413" "HTTP $code (want 413): $(snip "$WORK/r")"; fi
if healthy visc "$PORT_visc"; then pass "$S/healthy-after-large-bodies"; else fail "$S/healthy-after-large-bodies" "no 200 from /healthz"; fi

# --- header size ------------------------------------------------------------------------------------
hdr=$(head -c 8000 /dev/zero | tr '\0' 'h')
t0=$(it_now)
printf 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: %s\r\n\r\n' "$hdr" | tls_send ludza "$PORT_ludza" >"$WORK/hdr.out"
rc=$?
t1=$(it_now)
line=$(head -n 1 "$WORK/hdr.out" | tr -d '\r')
if [ $rc -ne 124 ] && echo "$line" | grep -qE '^HTTP/1\.[01] 4[0-9][0-9]'; then
    pass "$S/headers-too-large-4xx-and-closed"
elif [ $rc -ne 124 ] && [ -z "$line" ]; then
    # closed without a word: refused, but the client is not told why
    fail "$S/headers-too-large-4xx-and-closed" "connection closed without an HTTP response"
else
    fail "$S/headers-too-large-4xx-and-closed" "first line '$line', connection $([ $rc -eq 124 ] && echo 'still open after 15 s' || echo closed) ($((t1 - t0)) s)"
fi
# DESIGN §5: every error response says why. Between max_headers and the 64 KiB ceiling libevent holds,
# the gateway answers "431 HTTP_HEADERS_TOO_LARGE: request headers exceed max_headers (N bytes)".
if grep -qiE 'header|431' "$WORK/hdr.out"; then pass "$S/headers-too-large-says-why"; else
    fail "$S/headers-too-large-says-why" "the response does not say the headers were too large: $(snip "$WORK/hdr.out" 200)"; fi
code=$(it_req "$WORK/r" ludza ludza-client-full /healthz -H "X-Big: $hdr")
if [ "$code" != 200 ] && { [ "$code" = 000 ] || [ "$code" -ge 400 ]; }; then pass "$S/headers-too-large-curl-refused"; else
    fail "$S/headers-too-large-curl-refused" "HTTP $code"; fi
if healthy ludza "$PORT_ludza"; then pass "$S/healthy-after-large-headers"; else fail "$S/healthy-after-large-headers" "no 200 from /healthz"; fi

# --- malformed HTTP ---------------------------------------------------------------------------------
n=0
for garbage in 'GARBAGE\r\n\r\n' 'GET\r\n\r\n' 'GET /healthz HTTP/9.9\r\n\r\n' 'G\001T / HTTP/1.1\r\nHost: x\r\n\r\n' \
    'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n' 'POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n' \
    'GET /healthz HTTP/1.1\r\nNo colon here\r\n\r\n'; do
    n=$((n + 1))
    # shellcheck disable=SC2059 # the escapes in $garbage are meant to be expanded
    printf "$garbage" | tls_send ludza "$PORT_ludza" >"$WORK/g.out"
    rc=$?
    line=$(head -n 1 "$WORK/g.out" | tr -d '\r')
    what=$(printf '%s' "$garbage" | sed 's/\\r\\n.*//' | cut -c1-40)
    if [ $rc -ne 124 ] && { [ -z "$line" ] || echo "$line" | grep -qE '^HTTP/1\.[01] (4[0-9][0-9]|501)'; }; then
        pass "$S/malformed-http/$n"
    else
        fail "$S/malformed-http/$n" "'$what': first line '$line', $([ $rc -eq 124 ] && echo 'connection still open after 15 s' || echo closed)"
    fi
done
if healthy ludza "$PORT_ludza"; then pass "$S/healthy-after-malformed-http"; else fail "$S/healthy-after-malformed-http" "no 200 from /healthz"; fi

# --- slow clients: request_timeout = 2 s at the centre ------------------------------------------------
# A TLS client that sends nothing, and one that sends half a request line, each fed from a FIFO that
# stays open (fd 7 / fd 8 of this shell) so that they never see end of input.
mkfifo "$WORK/slow1" "$WORK/slow2"
exec 7<>"$WORK/slow1" 8<>"$WORK/slow2"
t0=$(it_now)
it_bg sh -c "openssl s_client -quiet -connect 127.0.0.1:$PORT_visc -cert '$P/visc-client.pem' -cert_chain '$P/chain.pem' \
    -key '$P/visc-client.key.pem' -CAfile '$P/trust.pem' <'$WORK/slow1' >'$WORK/slow1.out' 2>&1; echo \$? >'$WORK/slow1.done'"
it_bg sh -c "openssl s_client -quiet -connect 127.0.0.1:$PORT_visc -cert '$P/visc-client.pem' -cert_chain '$P/chain.pem' \
    -key '$P/visc-client.key.pem' -CAfile '$P/trust.pem' <'$WORK/slow2' >'$WORK/slow2.out' 2>&1; echo \$? >'$WORK/slow2.done'"
printf 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n' >&8
wait_for 5 sh -c "[ \$(ss -Htn state established '( sport = :$PORT_visc )' | wc -l) -ge 2 ]"
# the gateway keeps answering others meanwhile
code=$(it_req "$WORK/r" visc visc-client-full /healthz)
if [ "$code" = 200 ]; then pass "$S/healthz-while-slow-clients-wait"; else fail "$S/healthz-while-slow-clients-wait" "HTTP $code"; fi
wait_for 12 sh -c "[ -f '$WORK/slow1.done' ] && [ -f '$WORK/slow2.done' ]"
t1=$(it_now)
if [ -f "$WORK/slow1.done" ]; then pass "$S/silent-client-dropped"; else
    fail "$S/silent-client-dropped" "a TLS client that sent nothing is still connected after $((t1 - t0)) s (request_timeout = 2)"; fi
if [ -f "$WORK/slow2.done" ]; then pass "$S/half-request-client-dropped"; else
    fail "$S/half-request-client-dropped" "a client that sent half a request is still connected after $((t1 - t0)) s (request_timeout = 2)"; fi
if [ -f "$WORK/slow1.done" ] && [ -f "$WORK/slow2.done" ] && [ $((t1 - t0)) -le 9 ]; then
    pass "$S/slow-clients-dropped-in-time"
else
    fail "$S/slow-clients-dropped-in-time" "took $((t1 - t0)) s or more, for a 2 s request_timeout"
fi
exec 7>&- 8>&-
if healthy visc "$PORT_visc"; then pass "$S/healthy-after-slow-clients"; else fail "$S/healthy-after-slow-clients" "no 200 from /healthz"; fi

# --- max_connections = 4 at Ludza ---------------------------------------------------------------------
mkfifo "$WORK/hold"
exec 7<>"$WORK/hold"
holders=""
for i in 1 2 3 4; do
    openssl s_client -quiet -connect "127.0.0.1:$PORT_ludza" -cert "$P/ludza-client.pem" -cert_chain "$P/chain.pem" \
        -key "$P/ludza-client.key.pem" -CAfile "$P/trust.pem" <"$WORK/hold" >"$WORK/hold$i.out" 2>&1 &
    holders="$holders $!"
    _bg_pids="$_bg_pids $!"
done
if wait_for 10 sh -c "[ \$(ss -Htn state established '( sport = :$PORT_ludza )' | wc -l) -ge 4 ]"; then
    sleep 0.3 # let the four handshakes finish on the server
    code=$(it_req "$WORK/r" ludza ludza-client-full /healthz)
    if [ "$code" = 000 ]; then pass "$S/max-connections-fifth-refused"; else
        fail "$S/max-connections-fifth-refused" "a fifth connection got HTTP $code while four were held open (max_connections = 4)"; fi
    alive=0
    for p in $holders; do kill -0 "$p" 2>/dev/null && alive=$((alive + 1)); done
    if [ $alive -eq 4 ]; then pass "$S/max-connections-four-held"; else
        fail "$S/max-connections-four-held" "only $alive of the four idle connections are still open"; fi
else
    fail "$S/max-connections-fifth-refused" "could not open four connections: $(established "$PORT_ludza") established"
fi
for p in $holders; do kill "$p" 2>/dev/null; done
for p in $holders; do wait "$p" 2>/dev/null; done
exec 7>&-
if healthy ludza "$PORT_ludza"; then pass "$S/max-connections-service-resumes"; else
    fail "$S/max-connections-service-resumes" "no 200 from /healthz within 5 s after the four connections closed"; fi
# and again: the slots really came back (four at once, then a fifth)
ok=0
for i in 1 2 3 4; do
    [ "$(it_req "$WORK/r$i" ludza ludza-client-full /healthz)" = 200 ] && ok=$((ok + 1))
done
if [ $ok -eq 4 ]; then pass "$S/max-connections-slots-released"; else fail "$S/max-connections-slots-released" "$ok of 4 sequential requests answered"; fi

it_finish "$S"
