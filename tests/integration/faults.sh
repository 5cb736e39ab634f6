#!/bin/sh
# Answers and failures the gateway must not turn into the wrong outcome:
# - a peer that answers a delivery with a valid signed receipt that is no verdict on it (a Delivered
#   notification with 200, an Accepted receipt with a 4xx) leaves the message to be retried, never
#   final; the fake peer is a small TLS server (python3) with the centre's certificate;
# - when libevent cannot make the TLS bufferevent of an accepted connection (made to fail with an
#   LD_PRELOAD shim, as out of memory would), the connection is never served in plain text.
# shellcheck source=tests/integration/common.inc
. "$(dirname "$0")/common.inc"
S=faults

command -v python3 >/dev/null || { fail "$S/setup" "python3 is needed for the fake peer"; finish; }
command -v cc >/dev/null || { fail "$S/setup" "cc is needed for the fault shim"; finish; }
it_pki || { fail "$S/setup" "cannot make the PKI"; finish; }
it_ports
it_config ludza
it_start ludza || it_finish "$S"

# ---- a peer whose answers contradict themselves ----
# fakepeer.py PORT: serve POST /v1/exchange as the centre. The answer is set by $WORK/mode ("STATUS HTTP",
# e.g. "Delivered 200"): a receipt about the posted message with that Status, signed with the centre's key.
cat >"$WORK/fakepeer.py" <<'EOF'
import hashlib, http.server, os, re, ssl, subprocess, sys, time, uuid
port, work, gw = int(sys.argv[1]), sys.argv[2], sys.argv[3]
pki = os.path.join(work, "pki")
template = open(sys.argv[4], encoding="utf-8").read()
VISC, LUDZA = "90001800413", "90000017453"

class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        status, code = open(os.path.join(work, "mode")).read().split()
        mid = re.search(rb"<env:MessageId>([^<]*)<", body).group(1).decode()
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        r = template
        for a, b in (("649942f7-d900-4c4e-ba34-37500fade8fa", str(uuid.uuid4())),
                     ("50519a4c-ce1a-4979-9b22-96f51d745df0", mid),
                     ("<env:Recipient>90009113532<", "<env:Recipient>" + LUDZA + "<"),
                     ("<Status>Accepted<", "<Status>" + status + "<")):
            r = r.replace(a, b)
        r = re.sub(r"<env:Created>[^<]*<", "<env:Created>" + now + "<", r)
        r = re.sub(r"(<MessageDigest[^>]*>)[0-9a-f]*<", r"\g<1>" + hashlib.sha256(body).hexdigest() + "<", r)
        src, out = os.path.join(work, "r.xml"), os.path.join(work, "r.signed.xml")
        open(src, "w", encoding="utf-8").write(r)
        subprocess.run([gw, "sign", "--key", pki + "/visc.key.pem", "--cert", pki + "/visc.pem",
                        "--chain", pki + "/chain.pem", "-o", out, src], check=True, capture_output=True)
        data = open(out, "rb").read()
        self.send_response(int(code))
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        with open(os.path.join(work, "answers"), "a") as f:
            f.write("%s %s %s\n" % (mid, status, code))

# one thread per connection: the deliverer may post on any connection of its pool (delivery_concurrency)
srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(pki + "/visc-full.pem", pki + "/visc.key.pem")
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
open(os.path.join(work, "fakepeer.up"), "w").close()
srv.serve_forever()
EOF
echo "Delivered 200" >"$WORK/mode"
it_bg python3 "$WORK/fakepeer.py" "$PORT_visc" "$WORK" "$GW" "$EXAMPLES/receipt-accepted-decision-talsi.xml"
fake_pid=$!
wait_for 20 test -f "$WORK/fakepeer.up" || fail "$S/fake-peer" "the fake peer did not start"

# answered(ID STATUS CODE N): the fake peer gave that answer at least N times
# shellcheck disable=SC2317 # run through wait_for
answered() {
    _an=$(grep -c "^$1 $2 $3\$" "$WORK/answers" 2>/dev/null)
    [ "${_an:-0}" -ge "$4" ]
}
# status_of ID: Ludza's view of the message, one line
status_of() { gw_curl ludza ludza-client-full "/v1/messages/$1"; }

id=$(fresh_copy "$EXAMPLES/decision-ludza.xml" "$WORK/d.xml")
code=$(it_submit "$WORK/d.resp" ludza "$WORK/d.xml")
[ "$code" = 202 ] || fail "$S/submit" "HTTP $code: $(snip "$WORK/d.resp")"
for answer in "Delivered 200" "Accepted 409"; do
    echo "$answer" >"$WORK/mode"
    status=${answer% *}
    http=${answer#* }
    kind=$(echo "$status-$http" | tr '[:upper:]' '[:lower:]')
    # two answers of this kind: the second proves the first left the message to be retried
    if wait_for 30 answered "$id" "$status" "$http" 2 && status_of "$id" >"$WORK/st" &&
        grep -q '"state":"delivering"' "$WORK/st" && grep -q "signed $status receipt" "$WORK/st"; then
        pass "$S/peer-$kind-retried"
    else
        fail "$S/peer-$kind-retried" "$(grep -c "^$id $status $http\$" "$WORK/answers" 2>/dev/null) such answers; $(snip "$WORK/st")"
    fi
done
echo "Accepted 200" >"$WORK/mode"
if wait_state ludza "$id" delivered 30; then pass "$S/peer-accepted-200-delivered"; else
    fail "$S/peer-accepted-200-delivered" "$(status_of "$id")"; fi

kill "$fake_pid" 2>/dev/null
wait "$fake_pid" 2>/dev/null

# ---- no plain-text connection when the TLS bufferevent cannot be made ----
cat >"$WORK/shim.c" <<'EOF'
/* Makes the first GW_TEST_FAIL_BEV calls of bufferevent_openssl_socket_new fail the way libevent 2.1.12 fails
 * (out of memory): it frees the SSL when BEV_OPT_CLOSE_ON_FREE (1) is set, and returns NULL. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
struct bufferevent;
struct event_base;
typedef struct bufferevent *(*bev_new_fn)(struct event_base *, int, void *, int, int);
void SSL_free(void *ssl);
static int calls;
struct bufferevent *
bufferevent_openssl_socket_new(struct event_base *base, int fd, void *ssl, int state, int options)
{
    const char *n = getenv("GW_TEST_FAIL_BEV");
    bev_new_fn real;

    if (n != NULL && __atomic_fetch_add(&calls, 1, __ATOMIC_SEQ_CST) < strtol(n, NULL, 10)) {
        if (options & 1) {
            SSL_free(ssl);
        }
        return NULL;
    }
    real = (bev_new_fn)(void (*)(void))dlsym(RTLD_NEXT, "bufferevent_openssl_socket_new");
    return real(base, fd, ssl, state, options);
}
EOF
if cc -shared -fPIC -o "$WORK/shim.so" "$WORK/shim.c" -ldl 2>"$WORK/shim.err"; then
    it_config visc
    # ASan wants to be first among the preloaded libraries; the shim does not allocate
    export LD_PRELOAD="$WORK/shim.so" GW_TEST_FAIL_BEV=1 ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
    it_start visc || it_finish "$S"
    unset LD_PRELOAD GW_TEST_FAIL_BEV
    pid=$(cat "$WORK/visc.pid")
    code=$(curl -sS --max-time 10 -o "$WORK/plain" -w '%{http_code}' "http://127.0.0.1:$PORT_visc/healthz" 2>/dev/null)
    if [ "${code:-000}" = 000 ]; then pass "$S/no-plain-text"; else
        fail "$S/no-plain-text" "HTTP $code in plain text: $(snip "$WORK/plain" 100)"; fi
    # shellcheck disable=SC2317 # run through wait_for
    gone() { ! kill -0 "$pid" 2>/dev/null; }
    if wait_for 10 gone; then
        wait "$pid" 2>/dev/null
        st=$?
        rm -f "$WORK/visc.pid"
        if [ "$st" = 134 ]; then pass "$S/bufferevent-failure-aborts"; else
            fail "$S/bufferevent-failure-aborts" "exit status $st"; fi
    else
        fail "$S/bufferevent-failure-aborts" "the gateway still runs after a connection it could not secure"
    fi
else
    fail "$S/shim" "cannot build the shim: $(snip "$WORK/shim.err")"
fi

it_finish "$S"
