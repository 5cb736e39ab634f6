# shellcheck shell=sh
# Shell helpers that run gateways on this machine: a PKI, one config per organisation, start/stop,
# and curl calls with each organisation's client certificates. Sourced by scripts/demo.sh and the
# integration tests. Everything listens on 127.0.0.1 only, on free ports.
#
# Needs: GW (the gateway binary), GWROOT (the repository), WORK (a scratch directory).

ORG_visc=90001800413
# shellcheck disable=SC2034 # read through eval ("ORG_$name")
ORG_ludza=90000017453
# shellcheck disable=SC2034 # read through eval ("ORG_$name")
ORG_talsi=90009113532

# A TCP port on 127.0.0.1 that the kernel chose and holds back for about a minute from other binds and
# from outgoing connections, so that a gateway started within that time can bind it (reserve-port.c says
# how). Checking a random port for listeners instead races with every connect() on the machine.
free_port() {
    "$(dirname "$GW")/reserve-port" || { echo "free_port: $(dirname "$GW")/reserve-port failed" >&2; return 1; }
}

# gw_pki DIR: a fresh example PKI in DIR/pki with combined client chains for curl.
gw_pki() {
    _gp_pki=$1/pki
    sh "$GWROOT/certs-example/make-pki.sh" "$_gp_pki" >/dev/null
    for o in ludza talsi visc; do
        cat "$_gp_pki/$o-client.pem" "$_gp_pki/chain.pem" >"$_gp_pki/$o-client-full.pem"
        cat "$_gp_pki/$o.pem" "$_gp_pki/chain.pem" >"$_gp_pki/$o-full.pem"
    done
}

# gw_config NAME: write $WORK/NAME.conf for organisation NAME (visc, ludza, talsi), listening on
# $PORT_<name>, with the other two as peers. The centre takes decisions, attestations and reports from
# the municipalities and sends them letters. Extra lines may follow on stdin-less calls via $EXTRA_CONF.
gw_config() {
    name=$1
    eval "org=\$ORG_$name port=\$PORT_$name"
    # shellcheck disable=SC2154 # org, port, porg, pport and morg are set by the evals
    {
        echo "# $name gateway (demo/test configuration)"
        echo "organisation = $org"
        echo "key = $WORK/pki/$name.key.pem"
        echo "cert = $WORK/pki/$name.pem"
        echo "chain = $WORK/pki/chain.pem"
        echo "trust = $WORK/pki/trust.pem"
        echo "crl = $WORK/pki/crl.pem"
        echo "schemas = $GWROOT/schemas"
        echo "store = $WORK/$name.db"
        echo "listen = 127.0.0.1:$port"
        echo "port_file = $WORK/$name.port"
        echo "workers = 2"
        echo "submitter = it-system.$name.example"
        echo "retry_initial = 100"
        echo "retry_max_interval = 2"
        # the test machines run the suites as root; a real gateway runs as its own user (docs/security.md)
        if [ "$(id -u)" = 0 ]; then echo "allow_root = yes"; fi
        for peer in visc ludza talsi; do
            [ "$peer" = "$name" ] && continue
            eval "porg=\$ORG_$peer pport=\$PORT_$peer"
            echo "peer = $porg https://127.0.0.1:$pport"
        done
        for m in ludza talsi; do
            [ "$name" = visc ] || [ "$name" = "$m" ] || continue
            eval "morg=\$ORG_$m"
            echo "allow = $morg $ORG_visc Decision,Confirmation,DataReport"
            echo "allow = $ORG_visc $morg Letter"
        done
        if [ -n "${EXTRA_CONF:-}" ]; then printf "%s\n" "$EXTRA_CONF"; fi
    } >"$WORK/$name.conf"
}

# gw_start NAME: start the gateway of NAME in the background and wait until it listens.
gw_start() {
    name=$1
    rm -f "$WORK/$name.port"
    $GW serve --config "$WORK/$name.conf" >>"$WORK/$name.log" 2>&1 &
    echo $! >"$WORK/$name.pid"
    i=0
    while [ ! -s "$WORK/$name.port" ]; do
        i=$((i + 1))
        if [ $i -gt 200 ] || ! kill -0 "$(cat "$WORK/$name.pid")" 2>/dev/null; then
            echo "gateway $name did not start:" >&2
            tail -n 20 "$WORK/$name.log" >&2
            return 1
        fi
        sleep 0.05
    done
}

# gw_stop NAME [SIGNAL]: stop it (TERM by default, KILL for a crash) and wait for it to exit.
gw_stop() {
    [ -f "$WORK/$1.pid" ] || return 0
    pid=$(cat "$WORK/$1.pid")
    kill "-${2:-TERM}" "$pid" 2>/dev/null || true
    i=0
    while kill -0 "$pid" 2>/dev/null; do
        i=$((i + 1))
        [ $i -gt 300 ] && kill -KILL "$pid" 2>/dev/null
        sleep 0.05
    done
    wait "$pid" 2>/dev/null || true
    rm -f "$WORK/$1.pid"
}

gw_stop_all() {
    for n in visc ludza talsi; do gw_stop "$n"; done
}

# gw_curl NAME AS PATH [curl args...]: call NAME's gateway as AS (NAME-client for its own systems,
# or another gateway's certificate "ludza-full"), printing the body; HTTP status in $WORK/status.
gw_curl() {
    name=$1 as=$2 path=$3
    shift 3
    eval "port=\$PORT_$name"
    key="$WORK/pki/${as%-full}.key.pem"
    curl -sS --cacert "$WORK/pki/trust.pem" --cert "$WORK/pki/$as.pem" --key "$key" \
        -o "$WORK/body" -w '%{http_code}' "$@" "https://127.0.0.1:$port$path" >"$WORK/status" 2>"$WORK/curl.err" || true
    cat "$WORK/body" 2>/dev/null
}

# gw_submit NAME FILE: submit FILE to NAME's gateway as its own IT system; prints the MessageId.
gw_submit() {
    gw_curl "$1" "$1-client-full" /v1/messages -H 'Content-Type: application/xml' --data-binary "@$2" |
        sed -n 's/.*"id":"\([0-9a-f-]*\)".*/\1/p'
}

# fresh_copy FILE OUT: the example with a new MessageId and Created = now (what a real system sends).
fresh_copy() {
    id=$(cat /proc/sys/kernel/random/uuid)
    now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    sed -e "s|<env:MessageId>[^<]*</env:MessageId>|<env:MessageId>$id</env:MessageId>|" \
        -e "s|<env:Created>[^<]*</env:Created>|<env:Created>$now</env:Created>|" "$1" >"$2"
    echo "$id"
}

# wait_state NAME ID STATE [TIMEOUT_S]: poll the message status until it is STATE.
wait_state() {
    i=0
    limit=$(( ${4:-20} * 10 ))
    while :; do
        s=$(gw_curl "$1" "$1-client-full" "/v1/messages/$2" | sed -n 's/.*"state":"\([a-z]*\)".*/\1/p')
        [ "$s" = "$3" ] && return 0
        i=$((i + 1))
        [ $i -gt $limit ] && { echo "message $2 at $1 is '$s', not '$3'" >&2; return 1; }
        sleep 0.1
    done
}
