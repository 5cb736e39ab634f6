#!/bin/sh
# scripts/check-deps.sh (make check-deps): the layer table of docs/architecture.md decides; a file that
# includes a header of a higher layer, or that is in no layer, fails the check with file, line and include.
# Each case runs on a fresh copy of the tree in $TMP, with one thing changed.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
CHECK=$ROOT/scripts/check-deps.sh
T=$TMP/tree

fresh() {
    rm -rf "$T"
    mkdir -p "$T/docs" "$T/include"
    cp -R "$ROOT/gateway" "$T/gateway"
    cp -R "$ROOT/include/gw" "$T/include/gw"
    cp "$ROOT/docs/architecture.md" "$T/docs/architecture.md"
}

# check: run the script on the copy; output in $TMP/out, status in $rc
check() {
    sh "$CHECK" "$T" >"$TMP/out" 2>&1
    rc=$?
}

# add_include FILE HEADER: append an include to a file of the copy; prints the line it is on
add_include() {
    printf '#include "%s"\n' "$2" >>"$T/$1"
    echo $(($(wc -l <"$T/$1")))
}

fresh
check
expect_rc "check-deps/tree-is-clean" 0

fresh
line=$(add_include gateway/pki.c gw/daemon.h)
check
expect_out "check-deps/infrastructure-includes-faces" 1 "^gateway/pki\.c:$line: #include \"gw/daemon\.h\""

fresh
line=$(add_include gateway/log.c gw/receipt.h)
check
expect_out "check-deps/infrastructure-includes-domain" 1 "^gateway/log\.c:$line: #include \"gw/receipt\.h\""

fresh
line=$(add_include include/gw/ids.h gw/envelope.h)
check
expect_out "check-deps/header-includes-higher-header" 1 "^include/gw/ids\.h:$line: #include \"gw/envelope\.h\""

fresh
line=$(add_include gateway/receipt.c gw/daemon.h)
check
expect_out "check-deps/domain-includes-faces" 1 "^gateway/receipt\.c:$line: #include \"gw/daemon\.h\""

fresh
printf '#  include   "gw/cli.h"\n' >>"$T/gateway/store.c"
check
expect_out "check-deps/spaced-include-is-seen" 1 "^gateway/store\.c:[0-9]+: #include \"gw/cli\.h\""

fresh
add_include gateway/cmd_verify.c gw/tls.h >/dev/null
add_include gateway/verify.c gw/time.h >/dev/null
add_include gateway/xml.c gw/ids.h >/dev/null
check
expect_rc "check-deps/same-or-lower-layer-is-fine" 0

fresh
line=$(add_include gateway/buf.c gw/nosuch.h)
check
expect_out "check-deps/header-in-no-layer" 1 "^gateway/buf\.c:$line: #include \"gw/nosuch\.h\""

fresh
printf '// SPDX-License-Identifier: MIT\n' >"$T/gateway/newmod.c"
check
expect_out "check-deps/file-in-no-layer" 1 "^gateway/newmod\.c: "

# The table is read from the page: with time moved up to the faces, log.c may no longer include it.
fresh
awk '/^infrastructure:/ { sub(/ time /, " ") } /^faces:/ { $0 = $0 " time" } { print }' \
    "$ROOT/docs/architecture.md" >"$T/docs/architecture.md"
check
expect_out "check-deps/table-comes-from-the-doc" 1 "^gateway/log\.c:[0-9]+: #include \"gw/time\.h\""

# Without the table the check cannot pass.
fresh
grep -v '^```layers' "$ROOT/docs/architecture.md" >"$T/docs/architecture.md"
check
expect_out "check-deps/no-table-fails" 2 "no usable"

fresh
awk '/^domain:/ { $0 = $0 " pki" } { print }' "$ROOT/docs/architecture.md" >"$T/docs/architecture.md"
check
expect_out "check-deps/module-in-two-layers-fails" 2 "pki is listed twice"
finish
