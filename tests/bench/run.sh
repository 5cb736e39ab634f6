#!/bin/sh
# SPDX-License-Identifier: MIT
# make bench (docs/performance.md): the in-process costs (build/bench), then end to end with two gateways on
# 127.0.0.1 (Ludza's and the centre's, started here with a fresh example PKI, stopped at the end, also on
# failure or interrupt) and the load generator (build/loadgen), for P-256 and RSA-2048 gateway keys. Writes
# bench/results/summary.tsv (metric<TAB>value) and prints it as one table. Figures never fail the run; it
# exits 1 if a message is lost, refused or listed twice, or a receipt does not verify, 2 on set-up errors.
#
# usage: sh tests/bench/run.sh BUILD_DIR   (from the repository root)
# Environment: BENCH_ITERATIONS (in-process, at 8 KB; default 200), BENCH_MESSAGES (per saturated run;
# default 500), BENCH_CONCURRENCY (parallel keep-alive submitters; default 8), BENCH_BYTES (end-to-end
# message size; default 8192), BENCH_TIMEOUT (seconds per run; default 180), BENCH_PERF (a path: record both
# gateways with perf during each saturated run into PATH.p256 and PATH.rsa2048; docs/performance.md 6.2).
set -u

BUILD=${1:?usage: tests/bench/run.sh BUILD_DIR}
GWROOT=$(pwd)
GW=$GWROOT/$BUILD/gateway
LOADGEN=$GWROOT/$BUILD/loadgen
ITER=${BENCH_ITERATIONS:-200}
N=${BENCH_MESSAGES:-500}
CONC=${BENCH_CONCURRENCY:-8}
BYTES=${BENCH_BYTES:-8192}
TIMEOUT=${BENCH_TIMEOUT:-180}
OUT=$GWROOT/bench/results
SUMMARY=$OUT/summary.tsv
for f in "$GW" "$LOADGEN" "$GWROOT/$BUILD/bench" "$GWROOT/$BUILD/bench-mem" "$GWROOT/$BUILD/reserve-port"; do
    [ -x "$f" ] || { echo "bench: $f is not built" >&2; exit 2; }
done

BASE=$(mktemp -d "${TMPDIR:-/tmp}/gw-bench.XXXXXX") || exit 2
WORK=$BASE
STARTED=
# shellcheck source=scripts/gateways.sh
. "$GWROOT/scripts/gateways.sh"

# stop every gateway started here (each run's own directory), then remove the scratch directory
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    for d in $STARTED; do
        WORK=$d
        gw_stop_all
    done
    rm -rf "$BASE"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$OUT"
TSV=$BASE/summary.tsv
: >"$TSV"
status=0

echo "bench: in-process costs ($BUILD/bench -n $ITER)" >&2
if ! "$GWROOT/$BUILD/bench" -n "$ITER" -o "$BASE/inproc.tsv" -d "$BASE"; then
    echo "bench: the in-process benchmark failed" >&2
    exit 2
fi
cat "$BASE/inproc.tsv" >>"$TSV"
echo "bench: heap high-water marks ($BUILD/bench-mem)" >&2
if ! "$GWROOT/$BUILD/bench-mem" -o "$BASE/mem.tsv"; then
    echo "bench: the memory benchmark failed" >&2
    exit 2
fi
cat "$BASE/mem.tsv" >>"$TSV"

# value METRIC: the value of METRIC in the summary so far ("" if absent)
value() {
    awk -F '\t' -v m="$1" '$1 == m { v = $2 } END { print v }' "$TSV"
}

# ec_gateway PKI NAME ORG REGNO HOST: a P-256 gateway certificate NAME-ec.pem (and key) for the organisation,
# issued by the example issuing CA with the extensions certs-example/make-pki.sh gives gateway certificates.
ec_gateway() {
    p=$1
    (
        umask 077
        {
            echo '# EXAMPLE KEY - for the demo and tests only, never for production'
            openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve
        } >"$p/$2-ec.key.pem"
    ) || return 1
    printf '[ req ]\ndistinguished_name = dn\nstring_mask = utf8only\nutf8 = yes\nprompt = no\n[ dn ]\nCN = x\n' \
        >"$BASE/req.cnf"
    cat >"$BASE/ext.cnf" <<EOF
[ ext ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, nonRepudiation
extendedKeyUsage       = serverAuth, clientAuth
subjectAltName         = DNS:localhost, IP:127.0.0.1, DNS:$5
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
EOF
    if ! openssl req -new -config "$BASE/req.cnf" -utf8 -key "$p/$2-ec.key.pem" \
        -subj "/C=LV/O=$3/organizationIdentifier=NTRLV-$4/CN=$5" -out "$BASE/$2-ec.csr" 2>"$BASE/openssl.log" ||
        ! openssl x509 -req -in "$BASE/$2-ec.csr" -CA "$p/issuing-ca.pem" -CAkey "$p/issuing-ca.key.pem" \
            -set_serial "0x$(openssl rand -hex 19)" -days 3650 -extfile "$BASE/ext.cnf" -extensions ext \
            -out "$p/$2-ec.pem" 2>>"$BASE/openssl.log"; then
        cat "$BASE/openssl.log" >&2
        return 1
    fi
}

echo "bench: example PKI" >&2
gw_pki "$BASE" || exit 2
ec_gateway "$BASE/pki" visc 'Valsts izglītības satura centrs' "$ORG_visc" gateway.visc.example || exit 2

# cpu_ticks PID: user + system CPU time the process has used so far, in clock ticks (proc(5) stat fields 14
# and 15; the command name in field 2 is a fixed "gateway" here, without spaces)
cpu_ticks() {
    awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# e2e KEYS: start the centre's and Ludza's gateways with KEYS (p256 or rsa2048) gateway certificates in
# $BASE/KEYS, run the saturated load and, for p256, the half load; the gateways stay up until cleanup.
e2e() {
    keys=$1
    WORK=$BASE/$keys
    mkdir -p "$WORK"
    cp -R "$BASE/pki" "$WORK/pki"
    if [ "$keys" = p256 ]; then
        for o in ludza visc; do
            cp "$WORK/pki/$o-ec.pem" "$WORK/pki/$o.pem"
            cp "$WORK/pki/$o-ec.key.pem" "$WORK/pki/$o.key.pem"
            cat "$WORK/pki/$o.pem" "$WORK/pki/chain.pem" >"$WORK/pki/$o-full.pem"
        done
    fi
    chmod 600 "$WORK"/pki/*.key.pem
    PORT_visc=$(free_port) && PORT_ludza=$(free_port) && PORT_talsi=$(free_port) || return 2
    export PORT_visc PORT_ludza PORT_talsi
    gw_config visc
    gw_config ludza
    STARTED="$STARTED $WORK"
    gw_start visc || return 2
    gw_start ludza || return 2
    set -- -s "https://127.0.0.1:$PORT_ludza" -r "https://127.0.0.1:$PORT_visc" \
        -a "$WORK/pki/ludza-client-full.pem" -k "$WORK/pki/ludza-client.key.pem" \
        -A "$WORK/pki/visc-client-full.pem" -K "$WORK/pki/visc-client.key.pem" \
        -C "$WORK/pki/trust.pem" -L "$WORK/pki/crl.pem" -b "$BYTES" -t "$TIMEOUT" -l "$keys" -o "$TSV"
    echo "bench: end to end, $keys gateway keys: $N messages, $CONC keep-alive submitters" >&2
    lpid=$(cat "$WORK/ludza.pid") && vpid=$(cat "$WORK/visc.pid") || return 2
    l0=$(cpu_ticks "$lpid") && v0=$(cpu_ticks "$vpid") || return 2
    perf_pid=
    if [ -n "${BENCH_PERF:-}" ]; then
        perf record -F 499 --call-graph dwarf,16384 -p "$lpid,$vpid" -o "$BENCH_PERF.$keys" \
            2>"$BASE/perf.$keys.log" &
        perf_pid=$!
    fi
    "$LOADGEN" "$@" -n "$N" -c "$CONC" || return 1
    if [ -n "$perf_pid" ]; then
        kill -INT "$perf_pid" && wait "$perf_pid"
    fi
    l1=$(cpu_ticks "$lpid") && v1=$(cpu_ticks "$vpid") || return 2
    awk -v l="$((l1 - l0))" -v v="$((v1 - v0))" -v hz="$(getconf CLK_TCK)" -v n="$N" -v k="$keys" 'BEGIN {
        printf "e2e.gateway_cpu_us_per_msg.ludza.%s\t%.0f\n", k, l * 1e6 / hz / n
        printf "e2e.gateway_cpu_us_per_msg.visc.%s\t%.0f\n", k, v * 1e6 / hz / n
        printf "e2e.gateway_cpu_us_per_msg.%s\t%.0f\n", k, (l + v) * 1e6 / hz / n
    }' >>"$TSV"
    if [ "$keys" = p256 ]; then
        rate=$(awk -v r="$(value e2e.msgs_per_s.p256)" 'BEGIN { h = int(r / 2); print (h < 1 ? 1 : h) }')
        half_n=$(awk -v r="$rate" 'BEGIN { n = r * 15; print (n < 60 ? 60 : (n > 600 ? 600 : int(n))) }')
        echo "bench: end to end, p256, half load: $half_n messages at $rate/s (open loop)" >&2
        "$LOADGEN" "$@" -n "$half_n" -c "$CONC" -R "$rate" || return 1
    fi
    gw_stop_all
}

for keys in p256 rsa2048; do
    e2e "$keys"
    rc=$?
    if [ $rc -ne 0 ]; then
        echo "bench: end to end with $keys keys failed; last gateway log lines:" >&2
        tail -n 5 "$BASE/$keys"/*.log >&2 2>/dev/null
        [ $rc -gt $status ] && status=$rc
    fi
done

# derived rows: everything lost in all runs, and each measured rate against the CPU-bound rate
lost=$(awk -F '\t' '$1 ~ /^e2e\.lost/ { s += $2 } END { print s + 0 }' "$TSV")
printf 'e2e.lost\t%s\n' "$lost" >>"$TSV"
for keys in p256 rsa2048; do
    rate=$(value "e2e.msgs_per_s.$keys")
    cost=$(value "cpu.msg_cost.${keys}_us")
    cores=$(value cores)
    if [ -n "$rate" ] && [ -n "$cost" ] && [ -n "$cores" ]; then
        awk -v r="$rate" -v c="$cost" -v n="$cores" -v k="$keys" \
            'BEGIN { printf "e2e.efficiency.%s\t%.3f\n", k, r * c / 1e6 / n }' >>"$TSV"
    fi
    # how much of the gateways' CPU per message is the message's own work (the rest: TLS, HTTP, the store's
    # reads and writes beyond the commits counted, the deliverer's reads, the load generator's reads)
    used=$(value "e2e.gateway_cpu_us_per_msg.$keys")
    if [ -n "$used" ] && [ -n "$cost" ] && [ "$used" -gt 0 ]; then
        awk -v c="$cost" -v u="$used" -v k="$keys" \
            'BEGIN { printf "e2e.cpu_own_work_share.%s\t%.3f\n", k, c / u }' >>"$TSV"
    fi
done
[ "$lost" -eq 0 ] || status=1
cp "$TSV" "$SUMMARY.tmp" && mv "$SUMMARY.tmp" "$SUMMARY"

# one table: the headline rows first, then every row
awk -F '\t' '
BEGIN {
    n = split("ratio.submit.rsa2048 ratio.submit.p256 ratio.receive.rsa2048 ratio.receive.p256 " \
              "ratio.validate_vs_libxml2 e2e.msgs_per_s.p256 e2e.msgs_per_s.rsa2048 e2e.efficiency.p256 " \
              "e2e.p99_ms_half_load.p256 e2e.lost mem.peak_per_msg_1mb_ratio", head, " ")
}
{ v[$1] = $2; order[++rows] = $1 }
END {
    printf "%-44s %14s\n", "metric", "value"
    for (i = 1; i <= n; i++) printf "%-44s %14s\n", head[i], (head[i] in v) ? v[head[i]] : "(not measured)"
    printf "%-44s %14s\n", "--- every row (bench/results/summary.tsv) ---", ""
    for (i = 1; i <= rows; i++) printf "%-44s %14s\n", order[i], v[order[i]]
}' "$SUMMARY"
if [ $status -ne 0 ]; then
    echo "bench: FAILED (lost or unverified messages, or a gateway failed): see above" >&2
fi
exit $status
