#!/bin/sh
# SPDX-License-Identifier: MIT
#
# make-tsa-pki.sh - write the EXAMPLE time-stamping PKI of the test TSA (tests/tsa/tsa.c) into OUTDIR:
#   tsa-root.pem, tsa-root.key.pem        the TSA root CA (the TSA trust anchor of the tests)
#   tsa.pem, tsa.key.pem                  the TSA certificate, issued by the root: keyUsage digitalSignature,
#                                         extendedKeyUsage timeStamping only and CRITICAL (RFC 3161 2.3)
#   tsa-chain.pem                         tsa.pem followed by tsa-root.pem
#   tsa-untrusted.pem, tsa-untrusted.key.pem  a self-signed TSA certificate nobody trusts (failure mode)
# EC P-256 keys (fast to make). Separate from certs-example/make-pki.sh: TSA anchors are kept apart from the
# signers' anchors (DESIGN §3), and that script's output (cached by the integration tests) stays unchanged.
# Every key is an EXAMPLE key for the tests and the demo only, never for production.
#
# usage: make-tsa-pki.sh OUTDIR
set -eu
[ $# -eq 1 ] || { echo "usage: make-tsa-pki.sh OUTDIR" >&2; exit 2; }
OUT=$1
mkdir -p "$OUT"
BANNER='# EXAMPLE KEY - for the demo and tests only, never for production'

key() { # NAME
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$OUT/$1.key.tmp" 2>/dev/null
    { echo "$BANNER"; cat "$OUT/$1.key.tmp"; } >"$OUT/$1.key.pem"
    rm -f "$OUT/$1.key.tmp"
    chmod 600 "$OUT/$1.key.pem"
}

cat >"$OUT/ext.cnf" <<'CNF'
[root]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[tsa]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF

key tsa-root
openssl req -x509 -new -key "$OUT/tsa-root.key.pem" -subj "/C=LV/O=Example TSA/CN=Example TSA Root (TEST ONLY)" \
    -days 36500 -sha256 -config "$OUT/ext.cnf" -extensions root -out "$OUT/tsa-root.pem" 2>/dev/null

key tsa
openssl req -new -key "$OUT/tsa.key.pem" -subj "/C=LV/O=Example TSA/CN=Example TSA 1 (TEST ONLY)" \
    -out "$OUT/tsa.csr" 2>/dev/null
openssl x509 -req -in "$OUT/tsa.csr" -CA "$OUT/tsa-root.pem" -CAkey "$OUT/tsa-root.key.pem" -set_serial 4097 \
    -days 36000 -sha256 -extfile "$OUT/ext.cnf" -extensions tsa -out "$OUT/tsa.pem" 2>/dev/null
cat "$OUT/tsa.pem" "$OUT/tsa-root.pem" >"$OUT/tsa-chain.pem"

key tsa-untrusted
openssl req -x509 -new -key "$OUT/tsa-untrusted.key.pem" -subj "/C=LV/O=Nobody/CN=Untrusted TSA (TEST ONLY)" \
    -days 36000 -sha256 -config "$OUT/ext.cnf" -extensions tsa -out "$OUT/tsa-untrusted.pem" 2>/dev/null

rm -f "$OUT/tsa.csr" "$OUT/ext.cnf"
