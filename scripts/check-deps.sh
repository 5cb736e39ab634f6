#!/bin/sh
# make check-deps: dependencies run one way. Every gateway/*.c, gateway/*.h and include/gw/*.h belongs to
# one layer, and no file includes (#include "...") a header of a higher layer. The layers are read from the
# fenced ```layers block of docs/architecture.md, the one place they are written, so the documented rule
# and the checked rule cannot drift apart.
#
# usage: scripts/check-deps.sh [ROOT]   (ROOT: the source tree, default the current directory)
# exit 0: clean; 1: a violation (each named "file:line: ..."), or a file in no layer; 2: no usable table.
set -u
cd "${1:-.}" || exit 2
doc=docs/architecture.md
if [ ! -f "$doc" ]; then
    echo "check-deps: $doc not found" >&2
    exit 2
fi
set --
for f in gateway/*.c gateway/*.h include/gw/*.h; do
    [ -f "$f" ] && set -- "$@" "$f"
done

exec awk '
function module(path,    m) {           # "include/gw/pki.h" -> "pki"
    m = path
    sub(/^.*\//, "", m)
    sub(/\.[ch]$/, "", m)
    return m
}
function glob_re(g,    r) {             # a table entry ([a-z0-9_*]) as an anchored regex
    r = g
    gsub(/\*/, ".*", r)
    return "^" r "$"
}
function layer_of(m,    i, r) {         # rank of module m (1 = lowest), 0 if none, -1 if ambiguous
    r = 0
    for (i = 1; i <= npat; i++) {
        if (m ~ pat_re[i]) {
            if (r != 0 && r != pat_rank[i]) {
                return -1
            }
            r = pat_rank[i]
        }
    }
    return r
}
FNR == 1 { nfile++ }
nfile == 1 {
    if ($0 ~ /^```layers[ \t]*$/) { inblock = 1; seen = 1; next }
    if (inblock && $0 ~ /^```/) { inblock = 0; next }
    if (!inblock || $0 ~ /^[ \t]*(#.*)?$/) { next }
    if (!match($0, /^[a-z][a-z_-]*:/)) {
        print "check-deps: " FILENAME ":" FNR ": not \"layer: module ...\": " $0
        malformed = 1
        next
    }
    nlayer++
    layer_name[nlayer] = substr($0, 1, RLENGTH - 1)
    n = split(substr($0, RLENGTH + 1), mods, /[ \t]+/)
    for (i = 1; i <= n; i++) {
        if (mods[i] == "") { continue }
        if (mods[i] !~ /^[a-z0-9_*]+$/) {
            print "check-deps: " FILENAME ":" FNR ": \"" mods[i] "\" is not a module name or pattern"
            malformed = 1
        }
        if (mods[i] in listed) {
            print "check-deps: " FILENAME ":" FNR ": " mods[i] " is listed twice"
            malformed = 1
        }
        listed[mods[i]] = 1
        npat++
        pat_re[npat] = glob_re(mods[i])
        pat_rank[npat] = nlayer
    }
    next
}
FNR == 1 { rank = layer_of(module(FILENAME)) }
/^[ \t]*#[ \t]*include[ \t]*"/ {
    inc = $0
    sub(/^[^"]*"/, "", inc)
    sub(/".*$/, "", inc)
    r = layer_of(module(inc))
    if (r <= 0) {
        print FILENAME ":" FNR ": #include \"" inc "\": " module(inc) " is in " (r < 0 ? "more than one layer" : "no layer")
        bad = 1
    } else if (rank > 0 && r > rank) {
        print FILENAME ":" FNR ": #include \"" inc "\": " layer_name[r] " header in a file of layer " layer_name[rank]
        bad = 1
    }
}
END {
    if (!seen || nlayer == 0 || malformed) {
        print "check-deps: no usable ```layers block in " ARGV[1] " (see its section 1)"
        exit 2
    }
    for (i = 2; i < ARGC; i++) {
        r = layer_of(module(ARGV[i]))
        if (r <= 0) {
            print ARGV[i] ": " module(ARGV[i]) " is in " (r < 0 ? "more than one layer" : "no layer") " of " ARGV[1]
            bad = 1
        }
    }
    if (bad) {
        print "check-deps: a file includes a header of a higher layer, or is in no layer (" ARGV[1] " section 1)"
    }
    exit bad
}' "$doc" "$@"
