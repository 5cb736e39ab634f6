#!/bin/sh
# Regenerate the hostile corpus: tests/hostile/NNN-slug.xml and tests/hostile/EXPECT (see README.md).
# A developer tool, not run by the test suite; the generated files are committed. Needs python3, xmlsec1,
# openssl and build/gateway (GATEWAY= overrides). Prints a table of what the gateway says for each file.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
GATEWAY=${GATEWAY:-$root/build/gateway}
export GATEWAY
[ -x "$GATEWAY" ] || { echo "make-corpus: $GATEWAY not built (make build/gateway)" >&2; exit 2; }
exec python3 "$here/make_corpus.py" "$@"
