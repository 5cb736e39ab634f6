#!/bin/sh
# SPDX-License-Identifier: MIT
#
# make-pki.sh - write an EXAMPLE public-key infrastructure for the gateway
# (DESIGN §3 signature profile, §7 layout): a root CA, an issuing CA, a
# gateway certificate per example organisation carrying its eIDAS
# organizationIdentifier (NTRLV-<registration number>), client certificates for
# the organisations' own IT systems, CRLs, and the test-only certificates that
# the hostile tests need (revoked, expired, not yet valid, wrong key usage, no
# organizationIdentifier, rogue CA, self-signed, ECDSA P-256/P-384).
#
# Every key it writes is an example key: each key file starts with a line
# saying so (OpenSSL ignores text before "-----BEGIN"). Never use them for
# production. Only the openssl command line (OpenSSL 3.0+) is used.
#
# Usage: make-pki.sh [--force] OUTDIR

set -eu

PROG=${0##*/}
KEY_BANNER='# EXAMPLE KEY - for the demo and tests only, never for production'

# Fixed dates (UTC, YYYYMMDDHHMMSSZ). The CAs start before the oldest test
# certificate (expired: 2020) and end after the newest (2124), so every
# certificate lies inside its issuer's validity.
CA_START=20200101000000Z
CA_END=21250101000000Z
EE_START=20240101000000Z
EE_END=21240101000000Z
EXPIRED_START=20200101000000Z
EXPIRED_END=20210101000000Z
NOTYET_START=20990101000000Z
NOTYET_END=21000101000000Z
REVOKED_AT=20240101120000Z
CRL_LAST=20240102000000Z
CRL_NEXT=21240101000000Z

usage() {
    cat <<EOF
Usage: $PROG [--force] OUTDIR

Writes an example PKI (root CA, issuing CA, gateway, client and test
certificates, CRLs, README.md) into OUTDIR, creating it if missing.
An existing non-empty OUTDIR is refused unless --force is given; with
--force the files of the same names are replaced (others are left alone).

  -f, --force   overwrite the files in a non-empty OUTDIR
  -h, --help    show this help

All keys written are EXAMPLE keys, for the demo and the tests only.
EOF
}

die() {
    printf '%s: %s\n' "$PROG" "$*" >&2
    exit 1
}

FORCE=0
OUTDIR=
while [ $# -gt 0 ]; do
    case $1 in
        -f|--force) FORCE=1 ;;
        -h|--help) usage; exit 0 ;;
        --) shift; break ;;
        -*) printf '%s: unknown option: %s\n' "$PROG" "$1" >&2; usage >&2; exit 2 ;;
        *)
            if [ -n "$OUTDIR" ]; then
                usage >&2
                exit 2
            fi
            OUTDIR=$1
            ;;
    esac
    shift
done
if [ $# -gt 0 ]; then
    if [ -n "$OUTDIR" ] || [ $# -gt 1 ]; then
        usage >&2
        exit 2
    fi
    OUTDIR=$1
fi
if [ -z "$OUTDIR" ]; then
    usage >&2
    exit 2
fi

command -v openssl >/dev/null 2>&1 || die "openssl not found in PATH"
case $(openssl version) in
    "OpenSSL 3."*) ;;
    *) die "OpenSSL 3.0 or later is needed (found: $(openssl version))" ;;
esac

if [ -e "$OUTDIR" ] && [ ! -d "$OUTDIR" ]; then
    die "$OUTDIR exists and is not a directory"
fi
if [ -d "$OUTDIR" ] && [ -n "$(ls -A "$OUTDIR")" ] && [ "$FORCE" -ne 1 ]; then
    die "$OUTDIR is not empty; use --force to overwrite its files"
fi

umask 022
TMP=$(mktemp -d "${TMPDIR:-/tmp}/make-pki.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
STAGE=$TMP/out
LOG=$TMP/openssl.log
mkdir "$STAGE"
: >"$LOG"

# run CMD...: run an openssl command quietly; on failure show its output.
run() {
    if ! "$@" >>"$LOG" 2>&1; then
        printf '%s: command failed: %s\n' "$PROG" "$*" >&2
        tail -n 20 "$LOG" >&2
        exit 1
    fi
}

# The request config: UTF-8 input, UTF8String for every DirectoryString.
cat >"$TMP/req.cnf" <<'EOF'
[ req ]
distinguished_name = req_dn
string_mask        = utf8only
utf8               = yes
prompt             = no
[ req_dn ]
CN = unused
EOF

# init_db NAME: a scratch `openssl ca` database for the issuer NAME.
# rand_serial: 159-bit random serials, as real CAs issue (DESIGN §3 notes that
# libxml2's xs:integer cannot hold them: the tests must meet such serials).
# preserve: keep the request's DN order (C, O, organizationIdentifier, CN);
# unique_subject=no: several test certificates share ludza's subject.
init_db() {
    d=$TMP/db/$1
    mkdir -p "$d/newcerts"
    : >"$d/index.txt"
    echo 'unique_subject = no' >"$d/index.txt.attr"
    echo 01 >"$d/crlnumber"
    cat >"$d/ca.cnf" <<EOF
[ ca ]
default_ca = CA_default
[ CA_default ]
dir             = $d
database        = \$dir/index.txt
new_certs_dir   = \$dir/newcerts
serial          = \$dir/serial
crlnumber       = \$dir/crlnumber
rand_serial     = yes
default_md      = sha256
policy          = policy_any
preserve        = yes
email_in_dn     = no
unique_subject  = no
copy_extensions = none
string_mask     = utf8only
utf8            = yes
crl_extensions  = crl_ext
[ policy_any ]
countryName            = optional
organizationName       = optional
organizationIdentifier = optional
commonName             = optional
[ crl_ext ]
authorityKeyIdentifier = keyid:always
EOF
}

# genkey ALG FILE: write a new example private key, mode 0600, with the banner.
genkey() {
    case $1 in
        rsa2048) set -- "$2" -algorithm RSA -pkeyopt rsa_keygen_bits:2048 ;;
        rsa3072) set -- "$2" -algorithm RSA -pkeyopt rsa_keygen_bits:3072 ;;
        p256) set -- "$2" -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve ;;
        p384) set -- "$2" -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -pkeyopt ec_param_enc:named_curve ;;
        *) die "internal: unknown key type $1" ;;
    esac
    out=$1
    shift
    (
        umask 077
        run openssl genpkey -quiet "$@" -out "$TMP/key.pem"
        { echo "$KEY_BANNER"; cat "$TMP/key.pem"; } >"$out"
        rm -f "$TMP/key.pem"
    )
}

# ext_ca FILE [pathlen]: CA extensions (root without pathlen, issuing with 0).
ext_ca() {
    bc='critical, CA:TRUE'
    [ $# -lt 2 ] || bc="$bc, pathlen:$2"
    cat >"$1" <<EOF
[ ext ]
basicConstraints       = $bc
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
EOF
}

# ext_ee FILE KEYUSAGE EKU SAN: end-entity extensions.
ext_ee() {
    cat >"$1" <<EOF
[ ext ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, $2
extendedKeyUsage       = $3
subjectAltName         = $4
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
EOF
}

# issue ISSUER NAME ALG SUBJECT START END EXTFILE
# ISSUER is the basename of the issuing CA in OUTDIR, or "self" for a
# self-signed certificate. Writes NAME.pem and NAME.key.pem.
issue() {
    issuer=$1 name=$2 alg=$3 subj=$4 start=$5 end=$6 ext=$7
    genkey "$alg" "$STAGE/$name.key.pem"
    run openssl req -new -config "$TMP/req.cnf" -utf8 -key "$STAGE/$name.key.pem" \
        -subj "$subj" -out "$TMP/$name.csr"
    if [ "$issuer" = self ]; then
        db=$name
        set -- -selfsign -keyfile "$STAGE/$name.key.pem"
    else
        db=$issuer
        set -- -cert "$STAGE/$issuer.pem" -keyfile "$STAGE/$issuer.key.pem"
    fi
    [ -d "$TMP/db/$db" ] || init_db "$db"
    run openssl ca -batch -config "$TMP/db/$db/ca.cnf" "$@" -notext \
        -startdate "$start" -enddate "$end" -extfile "$ext" -extensions ext \
        -in "$TMP/$name.csr" -out "$STAGE/$name.pem"
}

# ---------------------------------------------------------------- the CAs
E=$TMP/ext
mkdir "$E"
ext_ca "$E/root"
ext_ca "$E/issuing" 0

issue self root-ca rsa3072 '/C=LV/O=Skola-Kopiena Example/CN=Skola-Kopiena Example Root CA' \
    "$CA_START" "$CA_END" "$E/root"
issue root-ca issuing-ca rsa3072 '/C=LV/O=Skola-Kopiena Example/CN=Skola-Kopiena Example Issuing CA' \
    "$CA_START" "$CA_END" "$E/issuing"
issue self rogue-ca rsa2048 '/C=LV/O=Rogue Example/CN=Rogue CA' \
    "$CA_START" "$CA_END" "$E/root"

# ------------------------------------------------------ the organisations
ORG_visc='Valsts izglītības satura centrs'
REG_visc=90001800413
ORG_ludza='Ludzas novada pašvaldība'
REG_ludza=90000017453
ORG_talsi='Talsu novada pašvaldība'
REG_talsi=90009113532
# org_subj ORG CN: the subject of an organisation's certificate.
org_subj() {
    case $1 in
        visc) o=$ORG_visc r=$REG_visc ;;
        ludza) o=$ORG_ludza r=$REG_ludza ;;
        talsi) o=$ORG_talsi r=$REG_talsi ;;
        *) die "internal: unknown organisation $1" ;;
    esac
    printf '/C=LV/O=%s/organizationIdentifier=NTRLV-%s/CN=%s' "$o" "$r" "$2"
}

SAN_BASE='DNS:localhost, IP:127.0.0.1'
GW_KU_RSA='digitalSignature, nonRepudiation, keyEncipherment'
GW_KU_EC='digitalSignature, nonRepudiation'
GW_EKU='serverAuth, clientAuth'

# gateway ISSUER NAME ORG ALG HOST START END [KEYUSAGE] [SUBJECT]
gateway() {
    g_ku=${8:-}
    if [ -z "$g_ku" ]; then
        case $4 in rsa*) g_ku=$GW_KU_RSA ;; *) g_ku=$GW_KU_EC ;; esac
    fi
    g_subj=${9:-$(org_subj "$3" "$5")}
    ext_ee "$E/$2" "$g_ku" "$GW_EKU" "$SAN_BASE, DNS:$5"
    issue "$1" "$2" "$4" "$g_subj" "$6" "$7" "$E/$2"
}

gateway issuing-ca visc visc rsa2048 gateway.visc.example "$EE_START" "$EE_END"
gateway issuing-ca ludza ludza rsa2048 gateway.ludza.example "$EE_START" "$EE_END"
gateway issuing-ca talsi talsi p256 gateway.talsi.example "$EE_START" "$EE_END"

for org in ludza talsi visc; do
    host=it-system.$org.example
    ext_ee "$E/$org-client" digitalSignature clientAuth "DNS:$host"
    issue issuing-ca "$org-client" p256 "$(org_subj "$org" "$host")" "$EE_START" "$EE_END" "$E/$org-client"
done

# ------------------------------------------------- test-only certificates
LH=gateway.ludza.example
gateway issuing-ca ludza-ec ludza p256 "$LH" "$EE_START" "$EE_END"
gateway issuing-ca ludza-p384 ludza p384 "$LH" "$EE_START" "$EE_END"
gateway issuing-ca revoked ludza rsa2048 revoked.ludza.example "$EE_START" "$EE_END"
gateway issuing-ca expired ludza rsa2048 "$LH" "$EXPIRED_START" "$EXPIRED_END"
gateway issuing-ca notyet ludza rsa2048 "$LH" "$NOTYET_START" "$NOTYET_END"
gateway issuing-ca nousage ludza rsa2048 "$LH" "$EE_START" "$EE_END" keyEncipherment
gateway issuing-ca noorgid ludza rsa2048 "$LH" "$EE_START" "$EE_END" "" \
    "/C=LV/O=$ORG_ludza/CN=$LH"
gateway rogue-ca rogue ludza rsa2048 "$LH" "$EE_START" "$EE_END"
gateway self selfsigned-ludza ludza rsa2048 "$LH" "$EE_START" "$EE_END"

# ------------------------------------------------------------------ CRLs
ISS_DB=$TMP/db/issuing-ca
run openssl ca -batch -config "$ISS_DB/ca.cnf" -cert "$STAGE/issuing-ca.pem" \
    -keyfile "$STAGE/issuing-ca.key.pem" -revoke "$STAGE/revoked.pem" -crl_reason keyCompromise
# `openssl ca -revoke` records the current time; pin the revocation date so
# the committed CRL does not depend on when it was made (and precedes lastUpdate).
awk -v at="${REVOKED_AT#20}" 'BEGIN { FS = OFS = "\t" }
    $1 == "R" { n = index($3, ","); $3 = at (n ? substr($3, n) : "") }
    { print }' "$ISS_DB/index.txt" >"$ISS_DB/index.new"
mv "$ISS_DB/index.new" "$ISS_DB/index.txt"
run openssl ca -batch -config "$ISS_DB/ca.cnf" -cert "$STAGE/issuing-ca.pem" \
    -keyfile "$STAGE/issuing-ca.key.pem" -gencrl \
    -crl_lastupdate "$CRL_LAST" -crl_nextupdate "$CRL_NEXT" -out "$STAGE/crl.pem"
run openssl ca -batch -config "$TMP/db/root-ca/ca.cnf" -cert "$STAGE/root-ca.pem" \
    -keyfile "$STAGE/root-ca.key.pem" -gencrl \
    -crl_lastupdate "$CRL_LAST" -crl_nextupdate "$CRL_NEXT" -out "$STAGE/root-crl.pem"

# ------------------------------------------------------- bundles, README
cp "$STAGE/root-ca.pem" "$STAGE/trust.pem"
cp "$STAGE/issuing-ca.pem" "$STAGE/chain.pem"

# iso YYYYMMDDHHMMSSZ: the date as 2024-01-01T00:00:00Z.
iso() {
    echo "$1" | sed 's/^\(....\)\(..\)\(..\)\(..\)\(..\)\(..\)Z$/\1-\2-\3T\4:\5:\6Z/'
}

# subject FILE: the certificate's subject as UTF-8 text.
subject() {
    openssl x509 -in "$1" -noout -subject -nameopt utf8,sep_comma_plus_space | sed 's/^subject=//'
}

cat >"$STAGE/README.md" <<EOF
# Example PKI - EXAMPLE KEYS, NEVER FOR PRODUCTION

**Every private key in this directory (\`*.key.pem\`) is an example key.** It
was made by \`certs-example/make-pki.sh\` and must be treated as public (the
test PKI in tests/pki/ is committed to the repository): it protects nothing.
Use these files for the demo and the tests only. A real gateway gets its key
and certificate from a real CA and its trust anchors and CRLs from the real
PKI; nothing here is loaded by default outside the demo and the tests. Each key
file starts with the line

    $KEY_BANNER

which OpenSSL ignores (it skips text before \`-----BEGIN\`).

Validity (UTC): the CAs $(iso "$CA_START") to $(iso "$CA_END"); the other
certificates $(iso "$EE_START") to $(iso "$EE_END") unless noted; both CRLs
lastUpdate $(iso "$CRL_LAST"), nextUpdate $(iso "$CRL_NEXT"). Serial numbers
are random 20-byte numbers, as real CAs issue them. Organisation certificates
carry organizationIdentifier (OID 2.5.4.97) = \`NTRLV-\` + the registration
number. The key files are written with mode 0600; git does not keep that mode,
so a checkout has them as 0644.

| Organisation | Registration No. | organizationIdentifier | gateway host |
|---|---|---|---|
| $ORG_visc | $REG_visc | NTRLV-$REG_visc | gateway.visc.example |
| $ORG_ludza | $REG_ludza | NTRLV-$REG_ludza | gateway.ludza.example |
| $ORG_talsi | $REG_talsi | NTRLV-$REG_talsi | gateway.talsi.example |

## Trust and revocation

| File | What it is |
|---|---|
| README.md | This file |
| root-ca.pem, root-ca.key.pem | Root CA "Skola-Kopiena Example Root CA", RSA 3072, self-signed, CA:TRUE, keyCertSign+cRLSign |
| issuing-ca.pem, issuing-ca.key.pem | Issuing CA, RSA 3072, signed by the root, CA:TRUE pathlen:0; issues every certificate below except rogue and selfsigned-ludza |
| trust.pem | The trust anchor: the root certificate only (\`--trust\`, \`-CAfile\`) |
| chain.pem | The intermediate: the issuing CA certificate only (\`--chain\`, \`-untrusted\`) |
| crl.pem | CRL of the issuing CA; lists revoked.pem (keyCompromise) |
| root-crl.pem | CRL of the root CA, empty (for a full-chain CRL check) |

## Gateway certificates (sign messages, TLS server and client between gateways)

keyUsage critical digitalSignature, nonRepudiation (+ keyEncipherment for RSA),
extendedKeyUsage serverAuth, clientAuth, subjectAltName DNS:localhost,
IP:127.0.0.1, DNS:<host>.

| File | Subject | Key |
|---|---|---|
| visc.pem, visc.key.pem | $(subject "$STAGE/visc.pem") | RSA 2048 |
| ludza.pem, ludza.key.pem | $(subject "$STAGE/ludza.pem") | RSA 2048 |
| talsi.pem, talsi.key.pem | $(subject "$STAGE/talsi.pem") | ECDSA P-256 |

## Client certificates (an organisation's IT system submitting to its own gateway over mutual TLS)

keyUsage critical digitalSignature, extendedKeyUsage clientAuth only: not for
signing messages and not a gateway identity.

| File | Subject | Key |
|---|---|---|
| ludza-client.pem, ludza-client.key.pem | $(subject "$STAGE/ludza-client.pem") | ECDSA P-256 |
| talsi-client.pem, talsi-client.key.pem | $(subject "$STAGE/talsi-client.pem") | ECDSA P-256 |
| visc-client.pem, visc-client.key.pem | $(subject "$STAGE/visc-client.pem") | ECDSA P-256 |

## Test-only certificates (hostile and negative tests)

All name Ludzas novada pašvaldība (NTRLV-$REG_ludza) unless noted.

| File | What it is | Expected result |
|---|---|---|
| ludza-ec.pem, ludza-ec.key.pem | Valid second ludza gateway certificate, ECDSA P-256 | accepted |
| ludza-p384.pem, ludza-p384.key.pem | Valid ludza gateway certificate, ECDSA P-384 | accepted |
| revoked.pem, revoked.key.pem | CN revoked.ludza.example, listed in crl.pem (revoked $(iso "$REVOKED_AT")) | certificate revoked |
| expired.pem, expired.key.pem | Valid $(iso "$EXPIRED_START") to $(iso "$EXPIRED_END") | certificate has expired |
| notyet.pem, notyet.key.pem | Valid $(iso "$NOTYET_START") to $(iso "$NOTYET_END") | certificate is not yet valid |
| nousage.pem, nousage.key.pem | keyUsage critical keyEncipherment only | no digitalSignature/nonRepudiation: rejected for signing |
| noorgid.pem, noorgid.key.pem | No organizationIdentifier in the subject | identity cannot be bound: rejected |
| rogue-ca.pem, rogue-ca.key.pem | Separate self-signed root "Rogue CA" (RSA 2048), not trusted | - |
| rogue.pem, rogue.key.pem | Ludza's exact subject, issued by the rogue CA | unable to get local issuer certificate |
| selfsigned-ludza.pem, selfsigned-ludza.key.pem | Self-signed certificate with ludza's subject | self-signed certificate |

## Check

    openssl verify -CAfile trust.pem -untrusted chain.pem ludza.pem
    openssl verify -CAfile trust.pem -untrusted chain.pem -crl_check_all \\
        -CRLfile crl.pem -CRLfile root-crl.pem revoked.pem   # certificate revoked
EOF

# ------------------------------------------------------------ install
mkdir -p "$OUTDIR"
for f in "$STAGE"/*; do
    b=${f##*/}
    rm -f "$OUTDIR/$b"
    cp -p "$f" "$OUTDIR/$b"
done

for f in visc ludza talsi; do
    printf '%s: %s\n' "$OUTDIR/$f.pem" "$(subject "$OUTDIR/$f.pem")"
done
