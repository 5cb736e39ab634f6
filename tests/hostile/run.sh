#!/bin/sh
# Hostile-input suite (STYLE §6): every tests/hostile/NNN-slug.xml goes through
#   gateway verify -q --trust tests/pki/trust.pem --crl tests/pki/crl.pem FILE
# and must give the exit status and the [REASON] code of its EXPECT line (CODE VERIFIED: exit 0 and a VERIFIED
# line, a positive control), within 2 s and 256 MiB of address space. EXPECT and the directory must list the
# same files. Then three inputs
# that are not committed as corpus files: a document over the 4 MiB size limit and one over the element limit
# (generated here, too large to commit) and a root CRL that revokes the issuing CA (an extra --crl).
# Prints "PASS hostile/NAME" or "FAIL hostile/NAME: why" per test; exits 1 if any failed.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

HOSTILE=$ROOT/tests/hostile
MAX_MS=2000      # wall time allowed for one verify
KILL_AFTER=10    # seconds before timeout(1) stops a verify that hangs
# Bounded memory: each verify runs with a 256 MiB address-space limit (a signed 4 MiB message needs ~30 MB
# resident). Not under ASan, whose shadow memory needs terabytes of address space, nor under valgrind.
MEM_LIMIT=""
case "${BUILD:-build}" in
*asan*) ;;
*) if [ -z "${GW_VALGRIND:-}" ] && command -v prlimit >/dev/null 2>&1; then MEM_LIMIT="prlimit --as=268435456 --"; fi ;;
esac

# Milliseconds since the epoch (whole seconds where date(1) has no %N).
now_ms() {
    _t=$(date +%s%N 2>/dev/null)
    case $_t in
    '' | *[!0-9]*) echo $(($(date +%s) * 1000)) ;;
    *) echo $((_t / 1000000)) ;;
    esac
}

# check NAME WANT_EXIT WANT_CODE FILE [EXTRA_VERIFY_ARGS...]
check() {
    _name=$1
    _want_rc=$2
    _want_code=$3
    _file=$4
    shift 4
    _saved=${GW_VALGRIND:-}
    GW_VALGRIND="timeout $KILL_AFTER $MEM_LIMIT $_saved"
    _start=$(now_ms)
    gw verify -q --trust "$PKI/trust.pem" --crl "$PKI/crl.pem" "$@" "$_file" </dev/null
    _ms=$(($(now_ms) - _start))
    GW_VALGRIND=$_saved
    _got=$(sed -n 's/.*: REJECTED \[\([A-Z_]*\)\].*/\1/p' "$TMP/out" | head -n 1)
    if [ -z "$_got" ] && grep -q ': VERIFIED ' "$TMP/out"; then
        _got=VERIFIED
    fi
    _why=""
    if [ "$rc" -eq 124 ]; then
        _why="timed out: no answer after ${KILL_AFTER} s"
    elif [ "$rc" -gt 125 ]; then
        _why="crashed: exit $rc (signal $((rc - 128))): $(head -c 300 "$TMP/out" | tr '\n' ' ')"
    elif [ "$rc" -ne "$_want_rc" ] || [ "$_got" != "$_want_code" ]; then
        _why="got exit $rc ${_got:-(no code)}, want exit $_want_rc $_want_code: $(head -c 300 "$TMP/out" | tr '\n' ' ')"
    elif [ -z "${GW_VALGRIND:-}" ] && [ "$_ms" -gt "$MAX_MS" ]; then
        _why="took $_ms ms (limit $MAX_MS ms)"
    fi
    if [ -z "$_why" ]; then
        pass "$_name"
    else
        fail "$_name" "$_why"
    fi
}

# --- the committed corpus, as EXPECT lists it: FILE EXIT CODE  # description ----------------------------------
if [ ! -f "$HOSTILE/EXPECT" ]; then
    fail hostile/EXPECT "tests/hostile/EXPECT is missing"
    finish
fi
listed=$TMP/listed
: >"$listed"
while read -r file want_rc want_code rest; do
    case $file in '' | '#'*) continue ;; esac
    name=hostile/${file%.xml}
    echo "$file" >>"$listed"
    case $file in
    [0-9][0-9][0-9]-*.xml) ;;
    *) fail "$name" "EXPECT names '$file', which is not NNN-slug.xml"; continue ;;
    esac
    case $want_rc in
    0 | 1 | 2) ;;
    *) fail "$name" "EXPECT line has exit status '$want_rc' (0, 1 or 2)"; continue ;;
    esac
    case $want_code in
    '' | *[!A-Z_]*) fail "$name" "EXPECT line has no reason code"; continue ;;
    esac
    if [ ! -f "$HOSTILE/$file" ]; then
        fail "$name" "listed in EXPECT but tests/hostile/$file does not exist"
        continue
    fi
    check "$name" "$want_rc" "$want_code" "$HOSTILE/$file"
done <"$HOSTILE/EXPECT"

for file in $(sort "$listed" | uniq -d); do
    fail "hostile/${file%.xml}" "listed more than once in EXPECT"
done
for path in "$HOSTILE"/*.xml; do
    [ -e "$path" ] || continue
    file=${path##*/}
    grep -qxF "$file" "$listed" || fail "hostile/${file%.xml}" "tests/hostile/$file has no EXPECT line"
done

# --- generated at test time ------------------------------------------------------------------------------------
control=""
for path in "$HOSTILE"/[0-9][0-9][0-9]-control-signed-datareport.xml; do
    [ -f "$path" ] && control=$path
done
if [ -z "$control" ]; then
    fail hostile/generated "no NNN-control-signed-datareport.xml in tests/hostile to build on"
    finish
fi

# A validly signed message followed by 4 MiB + 1 KiB of white space (well-formed XML, only too large).
{
    cat "$control"
    dd if=/dev/zero bs=1024 count=4097 2>/dev/null | tr '\0' ' '
} >"$TMP/too-large.xml"
check hostile/generated-limit-size 1 LIMIT_SIZE "$TMP/too-large.xml"

# 50,001 empty elements in the envelope (limit 50,000 elements), 200 KB.
{
    printf '<?xml version="1.0" encoding="UTF-8"?>\n<env:Envelope xmlns:env="urn:lv:skola-kopiena:envelope:v1">\n'
    awk 'BEGIN { for (i = 0; i < 50001; i++) printf "<x/>"; printf "\n" }'
    printf '</env:Envelope>\n'
} >"$TMP/too-many-elements.xml"
check hostile/generated-limit-nodes 1 LIMIT_NODES "$TMP/too-many-elements.xml"

# The control message again, with a second CRL configured: the root's, revoking the issuing CA
# (root-crl-revokes-issuing-ca.pem, made by make-corpus.sh). The signer's chain is revoked above the leaf.
check hostile/revoked-intermediate-ca 1 CERT_REVOKED "$control" --crl "$HOSTILE/root-crl-revokes-issuing-ca.pem"

finish
