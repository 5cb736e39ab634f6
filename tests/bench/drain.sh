#!/bin/sh
# End-to-end delivery figures between two gateways on 127.0.0.1 (docs/performance.md, "Delivery"): Ludza's
# gateway delivers to the centre's. Prints figures, never PASS/FAIL: the machine is shared and noisy.
#
# usage: GATEWAY=build/gateway sh tests/bench/drain.sh [MESSAGES [CLIENTS]]     (defaults 300 and 8)
#   DRAIN_CONF="delivery_concurrency = 1"   extra configuration lines for Ludza's gateway (newline-separated)
#
# Two runs on one pair of gateways (fresh MessageIds in each):
#  1. "stream": CLIENTS curl processes, each one keep-alive mutual-TLS connection posting its share of
#     MESSAGES fresh decisions one after the other, while the deliverer delivers them;
#  2. "drain": the centre's gateway is stopped, MESSAGES are queued at Ludza, then the centre is started
#     and the queue drains.
# Figures, from the stores' own timestamps (ms): submissions/s; delivered messages/s from the first
# submission to the last delivery (stream) or from the first delivery to the last (drain); the time between
# deliveries; submission-to-delivered latency p50/p99 (stream).
# shellcheck source=tests/integration/common.inc
. "$(dirname "$0")/../integration/common.inc"
S=drain
N=${1:-300}
CLIENTS=${2:-8}

it_pki || { echo "drain: cannot make the PKI" >&2; exit 2; }
it_ports
it_config visc
it_config ludza ${DRAIN_CONF:+"$DRAIN_CONF"}
it_start visc ludza || exit 2

q() { sqlite3 -readonly "$WORK/$1.db" "$2" 2>/dev/null; }
# cpu_ms NAME: user + system CPU time the gateway NAME has used so far, ms (proc(5): fields 14 and 15, after
# the command name in parentheses)
cpu_ms() {
    sed 's/^.*) //' "/proc/$(cat "$WORK/$1.pid")/stat" | awk -v hz="$(getconf CLK_TCK)" '{print int(($12 + $13) * 1000 / hz)}'
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# prepare TAG: N fresh decisions split into CLIENTS curl config files TAG.K.curl
prepare() {
    k=0
    while [ $k -lt "$CLIENTS" ]; do
        k=$((k + 1))
        : >"$WORK/$1.$k.curl"
    done
    i=0
    while [ $i -lt "$N" ]; do
        k=$((i % CLIENTS + 1))
        i=$((i + 1))
        fresh_copy "$EXAMPLES/decision-ludza.xml" "$WORK/$1.$i.xml" >>"$WORK/$1.ids"
        cf=$WORK/$1.$k.curl
        [ -s "$cf" ] && echo "next" >>"$cf"
        {
            echo "url = \"https://127.0.0.1:$PORT_ludza/v1/messages\""
            echo "cacert = \"$WORK/pki/trust.pem\""
            echo "cert = \"$WORK/pki/ludza-client-full.pem\""
            echo "key = \"$WORK/pki/ludza-client.key.pem\""
            echo "header = \"Content-Type: application/xml\""
            echo "data-binary = \"@$WORK/$1.$i.xml\""
            echo "output = \"/dev/null\""
            printf 'write-out = "%%{http_code}\\n"\n'
            echo "silent"
        } >>"$cf"
    done
}

# submit TAG: run the CLIENTS curl processes at once; every answer must be 202
submit() {
    k=0
    pids=""
    while [ $k -lt "$CLIENTS" ]; do
        k=$((k + 1))
        curl -K "$WORK/$1.$k.curl" >"$WORK/$1.$k.codes" 2>"$WORK/$1.$k.err" &
        pids="$pids $!"
    done
    for p in $pids; do wait "$p"; done
    ok=$(cat "$WORK/$1".*.codes | grep -c '^202$')
    [ "$ok" -eq "$N" ] || { echo "drain: $ok of $N submissions got 202: $(cat "$WORK/$1".*.err | head -c 300)" >&2; exit 2; }
}

# delivered TAG: how many of TAG's messages Ludza's outbox holds as delivered
delivered() {
    q ludza "SELECT count(*) FROM outbox WHERE state = 'delivered' AND id IN ($(sed "s/.*/'&'/" "$WORK/$1.ids" | paste -sd,))"
}

# shellcheck disable=SC2317 # run through wait_for
all_delivered() { [ "$(delivered "$1")" = "$N" ]; }

wait_delivered() {
    wait_for 600 all_delivered "$1" || { echo "drain: only $(delivered "$1") of $N delivered after 600 s" >&2; exit 2; }
}

# figures TAG FROM_MS: rate and latencies from the outbox rows of TAG
figures() {
    ids=$(sed "s/.*/'&'/" "$WORK/$1.ids" | paste -sd,)
    q ludza "SELECT created_ms, delivered_ms FROM outbox WHERE id IN ($ids) ORDER BY delivered_ms" | tr '|' ' ' >"$WORK/$1.rows"
    q visc "SELECT count(*), count(DISTINCT id) FROM inbox WHERE id IN ($ids)" | tr '|' ' ' >"$WORK/$1.inbox"
    awk -v from="$2" -v tag="$1" -v n="$N" -v clients="$CLIENTS" -v sub_ms="$3" '
        NR == FNR { inbox = $1; distinct = $2; next }
        { c[FNR] = $1; d[FNR] = $2; lat[FNR] = $2 - $1; if (FNR == 1 || $1 < first_c) first_c = $1 }
        END {
            m = FNR - 0; last = d[m]; first_d = d[1]
            start = (from == "created") ? first_c : first_d
            span = last - start; if (span < 1) span = 1
            # latency percentiles
            for (i = 1; i <= m; i++) s[i] = lat[i]
            for (i = 2; i <= m; i++) { v = s[i]; j = i - 1; while (j >= 1 && s[j] > v) { s[j + 1] = s[j]; j-- } s[j + 1] = v }
            p50 = s[int((m - 1) * 0.50) + 1]; p99 = s[int((m - 1) * 0.99) + 1]
            gap = (m > 1) ? (last - first_d) / (m - 1) : 0
            printf "%s: %d messages, %d clients: submitted in %d ms (%.1f/s); delivered %.1f msgs/s (%d ms %s); %.2f ms between deliveries; submission-to-delivered p50 %d ms, p99 %d ms; centre inbox %d rows, %d distinct\n",
                tag, m, clients, sub_ms, m * 1000 / (sub_ms > 0 ? sub_ms : 1), m * 1000 / span, span,
                (from == "created") ? "first submission to last delivery" : "first delivery to last", gap, p50, p99, inbox, distinct
            printf "drain.%s.msgs_per_s\t%.1f\ndrain.%s.ms_between_deliveries\t%.2f\ndrain.%s.p50_ms\t%d\ndrain.%s.p99_ms\t%d\n",
                tag, m * 1000 / span, tag, gap, tag, p50, tag, p99 > "/dev/stderr"
        }' "$WORK/$1.inbox" "$WORK/$1.rows"
}

# warm-up: one message, so that both gateways have loaded their caches and the deliverer has a connection
fresh_copy "$EXAMPLES/decision-ludza.xml" "$WORK/warm.xml" >"$WORK/warm.id"
[ "$(it_submit "$WORK/warm.resp" ludza "$WORK/warm.xml")" = 202 ] || { echo "drain: warm-up refused" >&2; exit 2; }
wait_state ludza "$(cat "$WORK/warm.id")" delivered 30 || exit 2

# 1. stream
prepare stream
l0=$(cpu_ms ludza)
v0=$(cpu_ms visc)
t0=$(now_ms)
submit stream
t1=$(now_ms)
wait_delivered stream
l1=$(cpu_ms ludza)
v1=$(cpu_ms visc)
figures stream created $((t1 - t0))
echo "stream: CPU per message (submission, delivery, receipt): sender $(((l1 - l0) * 1000 / N)) us, recipient $(((v1 - v0) * 1000 / N)) us; $(nproc) cores"
printf 'drain.stream.cpu_us_per_msg\t%d\n' $(((l1 - l0 + v1 - v0) * 1000 / N)) >&2

# 2. drain: queue while the centre is down; the failed first attempts put the messages in back-off, so
# Ludza's gateway is stopped, their next attempt set to now, and both started again: the deliverer then
# finds the whole queue due at once
gw_stop visc
prepare queued
t0=$(now_ms)
submit queued
t1=$(now_ms)
gw_stop ludza
sqlite3 "$WORK/ludza.db" "UPDATE outbox SET next_attempt_ms = 0 WHERE state IN ('queued', 'delivering')"
it_start visc ludza || exit 2
wait_delivered queued
figures queued delivery $((t1 - t0))

it_stop_all
