#!/bin/sh
# gateway validate: every example is valid; each broken example is reported with its file and line.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

for f in "$EXAMPLES"/*.xml; do
    gw validate "$f"
    expect_out "validate/$(basename "$f" .xml)" 0 ": valid \("
done

# examples/invalid/*.xml carry a comment "line N" naming the broken line
for f in "$EXAMPLES"/invalid/*.xml; do
    line=$(grep -oE 'line [0-9]+' "$f" | head -n 1 | cut -d' ' -f2)
    gw validate "$f"
    expect_out "validate/invalid/$(basename "$f" .xml)" 1 "$(basename "$f"):$line: "
done

gw validate "$TMP/does-not-exist.xml"
expect_out "validate/missing-file-is-io-error" 2 "does-not-exist.xml.*cannot open"

printf '<a><b></a>' >"$TMP/broken.xml"
gw validate "$TMP/broken.xml"
expect_out "validate/not-well-formed" 1 "broken.xml:1: Opening and ending tag mismatch"

gw validate "$EXAMPLES/decision-ludza.xml" "$TMP/does-not-exist.xml" "$EXAMPLES/invalid/bad-date.xml"
expect_rc "validate/worst-status-wins" 2

gw validate - <"$EXAMPLES/letter-invitation.xml"
expect_out "validate/stdin" 0 "<stdin>: valid \(Letter\)"

gw validate
expect_rc "validate/no-args-is-usage" 2
gw validate --help
expect_out "validate/help" 0 "usage: gateway validate"
gw --version
expect_out "version" 0 "^gateway [0-9]+\.[0-9]+"
gw frobnicate
expect_out "unknown-command" 2 "unknown command"
finish
