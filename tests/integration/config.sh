#!/bin/sh
# `gateway serve` refuses to start on a bad configuration (docs/config.md): exit status 2 and one message
# naming the file, the line where there is one, the key and the reason; it never starts listening. Also
# a private key file others could read, write or swap (docs/security.md 4), root without `allow_root =
# yes` (docs/security.md 5), and a certificate of another organisation than `organisation`.
# shellcheck source=tests/integration/common.inc
. "$(dirname "$0")/common.inc"
S=config

it_pki || { fail "$S/setup" "cannot make the PKI"; finish; }
it_ports
it_config visc
cp "$WORK/visc.conf" "$WORK/good.conf"

# serve_conf FILE: run `gateway serve` on FILE in the foreground (at most 20 s); exit status in $rc,
# stderr and stdout in $WORK/serve.out.
serve_conf() {
    # shellcheck disable=SC2086 # $SERVE_AS is a command prefix or empty
    timeout 20 ${SERVE_AS:-} "$GW" serve --config "$1" >"$WORK/serve.out" 2>&1
    rc=$?
    cat "$WORK/serve.out" >>"$WORK/serve.log" # it_finish looks for sanitizer reports in every *.log
}

# refused NAME FILE PATTERN: serve FILE exits 2 with a message matching PATTERN (grep -E), and nothing
# listens on its port.
refused() {
    serve_conf "$2"
    if [ $rc -eq 124 ]; then
        fail "$1" "gateway serve was still running after 20 s"
    elif [ $rc -eq 2 ] && grep -qE -- "$3" "$WORK/serve.out" && [ ! -s "$WORK/visc.port" ]; then
        pass "$1"
    else
        fail "$1" "exit $rc (want 2), message does not match '$3': $(snip "$WORK/serve.out" 300)"
    fi
    rm -f "$WORK/visc.port"
}

# line_of KEY FILE: the line number of the first "KEY = ..." line
line_of() { grep -n "^$1 = " "$2" | head -n 1 | cut -d: -f1; }

# a control: the unmodified file starts, and stops cleanly on SIGTERM
if it_start visc; then
    gw_stop visc
    pass "$S/good-config-starts"
fi
rm -f "$WORK/visc.port"

C=$WORK/c.conf
# case NAME SED-EXPR: c.conf = the good file edited
edit() { sed "$1" "$WORK/good.conf" >"$C"; }
# append LINE: c.conf = the good file plus LINE at the end; $last = its line number
append() {
    cp "$WORK/good.conf" "$C"
    printf '%s\n' "$1" >>"$C"
    last=$(wc -l <"$C" | tr -d ' ')
}
Q=$(printf '%s' "$C" | sed 's/[.[\*^$]/\\&/g') # the path as a regular expression

append 'frobnicate = 1'
refused "$S/unknown-key" "$C" "^gateway serve: $Q:$last: frobnicate: unknown key"

append 'Workers = 4'
refused "$S/key-wrong-case" "$C" "$Q:$last: Workers: unknown key"

n=$(line_of workers "$WORK/good.conf")
edit "s/^workers = .*/workers = 0/"
refused "$S/bad-value/out-of-range" "$C" "$Q:$n: workers: 0 is out of range"

edit "s/^workers = .*/workers = 4 # four/"
refused "$S/bad-value/trailing-comment" "$C" "$Q:$n: workers: .*not a number"

append 'max_body = 4M'
refused "$S/bad-value/not-a-number" "$C" "$Q:$last: max_body: '4M' is not a number"

append 'max_body = 017'
refused "$S/bad-value/leading-zero" "$C" "$Q:$last: max_body: "

append 'request_timeout = 0'
refused "$S/bad-value/timeout-zero" "$C" "$Q:$last: request_timeout: "

n=$(line_of listen "$WORK/good.conf")
edit "s/^listen = .*/listen = 10.1:8443/"
refused "$S/bad-value/listen-short-dotted-quad" "$C" "$Q:$n: listen: "

n=$(grep -n '^peer = ' "$WORK/good.conf" | head -n 1 | cut -d: -f1)
edit "${n}s|\$|/|"
refused "$S/bad-value/peer-url-trailing-slash" "$C" "$Q:$n: peer: .*must not end with '/'"

n=$(grep -n '^allow = ' "$WORK/good.conf" | head -n 1 | cut -d: -f1)
edit "${n}s|Decision|Invoice|"
refused "$S/bad-value/allow-unknown-type" "$C" "$Q:$n: allow: unknown message type 'Invoice'"

append "peer = $ORG_visc https://127.0.0.1:1"
refused "$S/bad-value/peer-is-own-organisation" "$C" "$Q:$last: peer: $ORG_visc is this gateway's own organisation"

n=$(line_of workers "$WORK/good.conf")
append 'workers = 3'
refused "$S/single-key-given-twice" "$C" "$Q:$last: workers: given twice \\(first at line $n\\)"

for k in organisation key cert trust store listen; do
    edit "/^$k = /d"
    refused "$S/missing-required/$k" "$C" "$Q: $k: required key is missing"
done

# a private key readable by group and others: refused, the message names the key file
cp -p "$WORK/pki/visc.key.pem" "$WORK/loose.key.pem"
chmod 0644 "$WORK/loose.key.pem"
edit "s|^key = .*|key = $WORK/loose.key.pem|"
refused "$S/key-mode-0644" "$C" "loose\\.key\\.pem.*accessible to group or others|accessible to group or others.*loose\\.key\\.pem"
chmod 0640 "$WORK/loose.key.pem"
refused "$S/key-mode-0640" "$C" "accessible to group or others"

chmod 0602 "$WORK/loose.key.pem"
refused "$S/key-mode-0602-others-write" "$C" "loose\\.key\\.pem.*mode 602"

# a symbolic link to a good key, a directory and a FIFO in its place: refused, naming the file
chmod 0600 "$WORK/loose.key.pem"
ln -s "$WORK/loose.key.pem" "$WORK/link.key.pem"
edit "s|^key = .*|key = $WORK/link.key.pem|"
refused "$S/key-symlink" "$C" "link\\.key\\.pem.*symbolic link"
mkdir -m 0700 "$WORK/dir.key.pem"
edit "s|^key = .*|key = $WORK/dir.key.pem|"
refused "$S/key-directory" "$C" "dir\\.key\\.pem.*a directory \\(mode 700\\)"
mkfifo -m 0600 "$WORK/fifo.key.pem"
edit "s|^key = .*|key = $WORK/fifo.key.pem|"
refused "$S/key-fifo" "$C" "fifo\\.key\\.pem.*a FIFO"

# a key file that does not parse is refused without a byte of it in the message
printf -- '-----BEGIN PRIVATE KEY-----\nU0VDUkVUTUFSS0VSc2VjcmV0bWFya2Vy\n-----END PRIVATE KEY-----\n' >"$WORK/bad.key.pem"
chmod 0600 "$WORK/bad.key.pem"
edit "s|^key = .*|key = $WORK/bad.key.pem|"
refused "$S/key-unparsable" "$C" "bad\\.key\\.pem.*no unencrypted PEM private key found"
if grep -q "U0VDUkVUTUFSS0VS" "$WORK/serve.out"; then
    fail "$S/key-unparsable-not-echoed" "the refusal quotes the key file: $(snip "$WORK/serve.out" 300)"
else
    pass "$S/key-unparsable-not-echoed"
fi

# a key of another user (only root can make one; the suites run as root on CI)
if [ "$(id -u)" = 0 ]; then
    cp -p "$WORK/pki/visc.key.pem" "$WORK/other.key.pem"
    chown 1:1 "$WORK/other.key.pem"
    edit "s|^key = .*|key = $WORK/other.key.pem|"
    refused "$S/key-other-owner" "$C" "other\\.key\\.pem.*belongs to uid 1, not to this process's uid 0 or root \\(mode 600\\)"
else
    skip "$S/key-other-owner" "not root: cannot make a key file of another user"
fi

# root without the opt-in is refused before a key is read. As root (CI), the good file without its
# allow_root line; otherwise as root of a user namespace (unshare -r), where the user's files are root's.
if [ "$(id -u)" = 0 ]; then
    edit "/^allow_root = /d"
    refused "$S/root-without-allow-root" "$C" "refusing to run as root \\(uid 0\\).*allow_root = yes.*$Q"
elif unshare -r true 2>/dev/null; then
    cp "$WORK/good.conf" "$C"
    SERVE_AS="unshare -r"
    refused "$S/root-without-allow-root" "$C" "refusing to run as root \\(uid 0\\).*allow_root = yes.*$Q"
    SERVE_AS=""
else
    skip "$S/root-without-allow-root" "not root and no user namespace (unshare -r) to become root in"
fi
sed '/^allow_root = /d' "$WORK/good.conf" >"$C"
printf 'allow_root = maybe\n' >>"$C"
last=$(wc -l <"$C" | tr -d ' ')
refused "$S/bad-value/allow-root" "$C" "$Q:$last: allow_root: 'maybe' is neither yes nor no"

# the certificate and key of another organisation than `organisation`
edit "s|^key = .*|key = $WORK/pki/ludza.key.pem|; s|^cert = .*|cert = $WORK/pki/ludza.pem|"
refused "$S/certificate-of-another-organisation" "$C" "ludza\\.pem.*$ORG_ludza.*$ORG_visc|$ORG_ludza.*ludza\\.pem"

# a key that does not belong to the certificate
edit "s|^key = .*|key = $WORK/pki/ludza.key.pem|"
refused "$S/key-does-not-match-certificate" "$C" "KEY_MISMATCH|does not match"

# files that cannot be read: an I/O error, still exit 2, naming the file
edit "s|^trust = .*|trust = $WORK/no-such-trust.pem|"
refused "$S/missing-trust-file" "$C" "no-such-trust\\.pem"
refused "$S/missing-config-file" "$WORK/no-such.conf" "no-such\\.conf"

# nothing any run above printed contains a line of a private key's base64 body
if grep -v -- '-----' "$WORK/pki/visc.key.pem" | grep -qF -f - "$WORK/serve.log"; then
    fail "$S/no-key-bytes-in-any-output" "serve.log holds a line of visc.key.pem"
elif [ ! -s "$WORK/serve.log" ]; then
    fail "$S/no-key-bytes-in-any-output" "serve.log is empty: nothing was checked"
else
    pass "$S/no-key-bytes-in-any-output"
fi

it_finish "$S"
