#!/bin/sh
# RFC 3161: the test TSA ($BUILD/test-tsa, tests/tsa/tsa.c) in each failure mode, checked two ways: with
# `openssl ts` (an independent implementation of the protocol) and with the gateway's own client and token
# checker through $BUILD/tsa-check (tests/tsa/tsa-check.c: gw_tsa_client_post, gw_tsp_check_reply,
# gw_tsp_check_token). Every TSA listens on 127.0.0.1, port 0, and writes its port to a file.
# shellcheck source=tests/integration/common.inc
. "$(dirname "$0")/common.inc"
S=tsa
B=$ROOT/${BUILD:-build}
P=$WORK/tsapki

if ! sh "$ROOT/tests/tsa/make-tsa-pki.sh" "$P" >"$WORK/pki.err" 2>&1; then
    fail "$S/setup" "make-tsa-pki.sh: $(snip "$WORK/pki.err")"
    finish
fi
printf 'a council decision\n' >"$WORK/data"

# tsa_start NAME [test-tsa args]: start a TSA (log $WORK/tsa-NAME.log, pid $WORK/tsa-NAME.pid, which
# it_cleanup kills at exit), wait for its port file. false if it did not come up.
tsa_start() {
    _n=$1
    shift
    rm -f "$WORK/$_n.port"
    it_bg "$B/test-tsa" --cert "$P/tsa.pem" --key "$P/tsa.key.pem" --chain "$P/tsa-chain.pem" \
        --untrusted-cert "$P/tsa-untrusted.pem" --untrusted-key "$P/tsa-untrusted.key.pem" \
        --port-file "$WORK/$_n.port" "$@" 2>"$WORK/tsa-$_n.log"
    echo $! >"$WORK/tsa-$_n.pid"
    if ! wait_for 10 test -s "$WORK/$_n.port"; then
        fail "$S/start-$_n" "no port file: $(snip "$WORK/tsa-$_n.log")"
        return 1
    fi
}

# url NAME: the URL of TSA NAME
url() {
    echo "http://127.0.0.1:$(cat "$WORK/$1.port")/"
}

# check NAME URL [tsa-check args]: the gateway's checker against URL; output in $WORK/NAME.out, status in $rc.
check() {
    _cn=$1 _cu=$2
    shift 2
    "$B/tsa-check" --url "$_cu" --anchors "$P/tsa-root.pem" --data "$WORK/data" --query-out "$WORK/$_cn.tsq" \
        --reply-out "$WORK/$_cn.tsr" "$@" >"$WORK/$_cn.out" 2>&1
    rc=$?
}

# expect_reason NAME URL CODE [tsa-check args]: the checker refuses with CODE.
expect_reason() {
    _en=$1 _eu=$2 _ec=$3
    shift 3
    check "$_en" "$_eu" "$@"
    if [ "$rc" -ne 0 ] && grep -q "^FAIL $_ec:" "$WORK/$_en.out"; then
        pass "$S/$_en"
    else
        fail "$S/$_en" "exit $rc, want FAIL $_ec: $(snip "$WORK/$_en.out")"
    fi
}

# post NAME URL QUERYFILE: POST a query with curl; prints "HTTP_CODE CONTENT_TYPE", reply in $WORK/NAME.tsr
post() {
    curl -sS --max-time 20 -H 'Content-Type: application/timestamp-query' --data-binary "@$3" \
        -o "$WORK/$1.tsr" -w '%{http_code} %{content_type}' "$2" 2>"$WORK/$1.curl.err"
}

# ossl_verify NAME [extra args]: openssl's verdict on $WORK/NAME.tsr for the query $WORK/NAME.tsq
ossl_verify() {
    _on=$1
    shift
    openssl ts -verify -queryfile "$WORK/$_on.tsq" -in "$WORK/$_on.tsr" -CAfile "$P/tsa-root.pem" "$@" \
        >"$WORK/$_on.verify" 2>&1
}

tsa_start main --delay-ms 3000 || it_finish "$S"
tsa_start pol --policy 1.3.6.1.4.1.99999.7 || it_finish "$S"
for m in http429 http500 reject nonce imprint untrusted; do
    tsa_start "$m" --fail "$m" || it_finish "$S"
done
tsa_start future --fail future --future 7200 || it_finish "$S"
tsa_start slow --fail slow --delay-ms 2000 || it_finish "$S"

# --- the responder itself, judged by openssl --------------------------------------------------------
if ss -Hltn 2>/dev/null | grep -q "127.0.0.1:$(cat "$WORK/main.port") "; then
    pass "$S/listens-on-loopback"
else
    fail "$S/listens-on-loopback" "$(ss -Hltn 2>/dev/null | grep ":$(cat "$WORK/main.port") ")"
fi
for md in sha256 sha384 sha512; do
    openssl ts -query -data "$WORK/data" -"$md" -cert -out "$WORK/o-$md.tsq" 2>/dev/null
    got=$(post "o-$md" "$(url main)" "$WORK/o-$md.tsq")
    if [ "$got" = "200 application/timestamp-reply" ] && ossl_verify "o-$md" && grep -q 'Verification: OK' "$WORK/o-$md.verify"; then
        pass "$S/openssl-verifies-$md"
    else
        fail "$S/openssl-verifies-$md" "HTTP $got; $(snip "$WORK/o-$md.verify")"
    fi
done
openssl ts -reply -in "$WORK/o-sha256.tsr" -text >"$WORK/o.txt" 2>&1
qnonce=$(openssl ts -query -in "$WORK/o-sha256.tsq" -text 2>/dev/null | sed -n 's/^Nonce: //p')
rnonce=$(sed -n 's/^Nonce: //p' "$WORK/o.txt")
if grep -q 'Status: Granted' "$WORK/o.txt" && grep -qE 'Policy OID: (1\.2\.3\.4\.1|tsa_policy1)$' "$WORK/o.txt" &&
    [ -n "$qnonce" ] && [ "$qnonce" = "$rnonce" ]; then
    pass "$S/granted-default-policy-nonce-echoed"
else
    fail "$S/granted-default-policy-nonce-echoed" "nonce $qnonce vs $rnonce: $(snip "$WORK/o.txt" 600)"
fi
openssl ts -query -data "$WORK/data" -sha256 -cert -out "$WORK/pol.tsq" 2>/dev/null
post pol "$(url pol)" "$WORK/pol.tsq" >/dev/null
if openssl ts -reply -in "$WORK/pol.tsr" -text 2>/dev/null | grep -q 'Policy OID: 1.3.6.1.4.1.99999.7'; then
    pass "$S/policy-configurable"
else
    fail "$S/policy-configurable" "$(openssl ts -reply -in "$WORK/pol.tsr" -text 2>&1 | head -c 400)"
fi
# (openssl's default configuration names 1.2.3.4.1 "tsa_policy1")
# certReq false: no certificate in the token, so openssl needs the TSA certificate given separately
openssl ts -query -data "$WORK/data" -sha256 -out "$WORK/nocert.tsq" 2>/dev/null
post nocert "$(url main)" "$WORK/nocert.tsq" >/dev/null
if ! ossl_verify nocert && ossl_verify nocert -untrusted "$P/tsa.pem"; then
    pass "$S/certreq-honoured"
else
    fail "$S/certreq-honoured" "$(snip "$WORK/nocert.verify")"
fi
# the failure modes, as openssl sees them
openssl ts -query -data "$WORK/data" -sha256 -cert -out "$WORK/q.tsq" 2>/dev/null
for m in reject nonce imprint untrusted; do
    cp "$WORK/q.tsq" "$WORK/o-$m.tsq"
    post "o-$m" "$(url "$m")" "$WORK/o-$m.tsq" >/dev/null
done
if openssl ts -reply -in "$WORK/o-reject.tsr" -text 2>/dev/null | grep -q 'Status: Rejected' &&
    openssl ts -reply -in "$WORK/o-reject.tsr" -text 2>/dev/null | grep -qi 'system failure'; then
    pass "$S/openssl-sees-rejection"
else
    fail "$S/openssl-sees-rejection" "$(openssl ts -reply -in "$WORK/o-reject.tsr" -text 2>&1 | head -c 400)"
fi
for m in nonce:'nonce mismatch' imprint:'message imprint mismatch' untrusted:'self-signed certificate'; do
    n=${m%%:*} why=${m#*:}
    if ! ossl_verify "o-$n" && grep -q "$why" "$WORK/o-$n.verify"; then
        pass "$S/openssl-refuses-$n"
    else
        fail "$S/openssl-refuses-$n" "want '$why': $(snip "$WORK/o-$n.verify")"
    fi
done
for m in http429:429 http500:500; do
    n=${m%%:*} code=${m#*:}
    got=$(post "o-$n" "$(url "$n")" "$WORK/q.tsq")
    if [ "${got%% *}" = "$code" ]; then pass "$S/http-$code"; else fail "$S/http-$code" "HTTP $got"; fi
done

# --- the gateway's checker --------------------------------------------------------------------------
before=$(it_now)
check good "$(url main)"
after=$(it_now)
gen=$(sed -n 's/^OK gen_time=\([0-9]*\) .*/\1/p' "$WORK/good.out")
if [ "$rc" -eq 0 ] && [ -n "$gen" ] && [ "$gen" -ge $((before - 2)) ] && [ "$gen" -le $((after + 2)) ] &&
    grep -q 'policy=1.2.3.4.1 ' "$WORK/good.out" && grep -q 'tsa=.*Example TSA 1' "$WORK/good.out"; then
    pass "$S/checker-accepts-good"
else
    fail "$S/checker-accepts-good" "exit $rc: $(snip "$WORK/good.out")"
fi
# the gateway's own request and the reply it accepted pass openssl too
if ossl_verify good && grep -q 'Verification: OK' "$WORK/good.verify"; then
    pass "$S/openssl-agrees-on-gateway-request"
else
    fail "$S/openssl-agrees-on-gateway-request" "$(snip "$WORK/good.verify")"
fi
expect_reason checker-http429 "$(url http429)" TSA_HTTP
grep -q '429' "$WORK/checker-http429.out" || fail "$S/checker-http429-says-429" "$(snip "$WORK/checker-http429.out")"
expect_reason checker-http500 "$(url http500)" TSA_HTTP
expect_reason checker-rejection "$(url reject)" TSA_STATUS
expect_reason checker-wrong-nonce "$(url nonce)" TSA_NONCE
expect_reason checker-wrong-imprint "$(url imprint)" TSA_IMPRINT
expect_reason checker-future-gentime "$(url future)" TSA_TIME
expect_reason checker-untrusted-tsa "$(url untrusted)" TSA_UNTRUSTED
expect_reason checker-slow-times-out "$(url slow)" IO --timeout-ms 500
check slow-waited "$(url slow)" --timeout-ms 15000
if [ "$rc" -eq 0 ]; then pass "$S/checker-slow-within-timeout"; else fail "$S/checker-slow-within-timeout" "$(snip "$WORK/slow-waited.out")"; fi
# TSA trust anchors are separate: the signers' anchors (tests/pki) do not make the TSA trusted
"$B/tsa-check" --url "$(url main)" --anchors "$PKI/trust.pem" --data "$WORK/data" >"$WORK/sep.out" 2>&1
if grep -q '^FAIL TSA_UNTRUSTED:' "$WORK/sep.out"; then
    pass "$S/checker-signer-anchors-not-tsa-anchors"
else
    fail "$S/checker-signer-anchors-not-tsa-anchors" "$(snip "$WORK/sep.out")"
fi

# --- per request failure modes (?fail=MODE) on the well-behaved TSA -----------------------------------
expect_reason query-nonce "$(url main)?fail=nonce" TSA_NONCE
expect_reason query-reject "$(url main)?fail=reject" TSA_STATUS
expect_reason query-untrusted "$(url main)?fail=untrusted" TSA_UNTRUSTED
expect_reason query-http429 "$(url main)?fail=http429" TSA_HTTP
expect_reason query-wrong-content-type "$(url main)?fail=wrongtype" TSA_MALFORMED
expect_reason query-oversize-reply "$(url main)?fail=oversize" LIMIT_SIZE
got=$(post badmode "$(url main)?fail=bogus" "$WORK/q.tsq")
if [ "${got%% *}" = 400 ]; then pass "$S/query-unknown-mode-400"; else fail "$S/query-unknown-mode-400" "HTTP $got"; fi

# --- a slow reply does not hold up other requests (event timer, not sleep) ---------------------------
cp "$WORK/q.tsq" "$WORK/bg.tsq"
curl -sS --max-time 20 -H 'Content-Type: application/timestamp-query' --data-binary "@$WORK/bg.tsq" \
    -o "$WORK/bg.tsr" "$(url main)?fail=slow" 2>/dev/null &
bg=$!
if wait_for 10 grep -q 'mode slow' "$WORK/tsa-main.log"; then
    check during-slow "$(url main)"
    if [ "$rc" -eq 0 ] && kill -0 "$bg" 2>/dev/null; then
        pass "$S/slow-reply-does-not-block"
    else
        fail "$S/slow-reply-does-not-block" "exit $rc, slow request still pending: $(kill -0 "$bg" 2>/dev/null && echo yes || echo no)"
    fi
else
    fail "$S/slow-reply-does-not-block" "the slow request never reached the TSA"
fi
wait "$bg"
if ossl_verify bg && grep -q 'Verification: OK' "$WORK/bg.verify"; then
    pass "$S/slow-reply-arrives"
else
    fail "$S/slow-reply-arrives" "$(snip "$WORK/bg.verify")"
fi

# --- HTTP hygiene ---------------------------------------------------------------------------------------
code=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' "$(url main)")
if [ "$code" = 405 ]; then pass "$S/get-405"; else fail "$S/get-405" "HTTP $code"; fi
code=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/octet-stream' \
    --data-binary "@$WORK/q.tsq" "$(url main)")
if [ "$code" = 415 ]; then pass "$S/wrong-content-type-415"; else fail "$S/wrong-content-type-415" "HTTP $code"; fi
head -c 5000 /dev/zero >"$WORK/big.tsq"
code=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/timestamp-query' \
    --data-binary "@$WORK/big.tsq" "$(url main)")
if [ "$code" = 413 ]; then pass "$S/oversize-request-413"; else fail "$S/oversize-request-413" "HTTP $code"; fi
if "$B/test-tsa" --help >/dev/null 2>&1; then pass "$S/help"; else fail "$S/help" "--help did not exit 0"; fi
"$B/test-tsa" --cert "$P/tsa.pem" --bogus x >/dev/null 2>&1
st=$?
if [ "$st" -eq 2 ]; then pass "$S/bad-option-exit-2"; else fail "$S/bad-option-exit-2" "exit $st, want 2"; fi

# --- stop every TSA with TERM (the sanitizer build then checks for leaks) ---------------------------
for n in main pol http429 http500 reject nonce imprint untrusted future slow; do
    kill -TERM "$(cat "$WORK/tsa-$n.pid")" 2>/dev/null
done
# exited: gone, or a zombie waiting for us to reap it
# shellcheck disable=SC2317 # run through wait_for
exited() { ! kill -0 "$1" 2>/dev/null || grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null; }
stopped=yes
for n in main pol http429 http500 reject nonce imprint untrusted future slow; do
    pid=$(cat "$WORK/tsa-$n.pid")
    if wait_for 10 exited "$pid"; then
        wait "$pid"
        st=$?
        rm -f "$WORK/tsa-$n.pid"
        [ "$st" -eq 0 ] || stopped="$n exited $st: $(tail -n 5 "$WORK/tsa-$n.log" | tr '\n' ' ')"
    else
        stopped="$n still running"
    fi
done
if [ "$stopped" = yes ]; then pass "$S/stop-on-term-exit-0"; else fail "$S/stop-on-term-exit-0" "$stopped"; fi
it_finish "$S"
