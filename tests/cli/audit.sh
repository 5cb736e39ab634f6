#!/bin/sh
# gateway audit verify|show on stores built here with sqlite3 and sha256sum from the encoding written in
# docs/audit.md (section 2), not with the gateway: if the code and the document disagree, "verify-ok" fails.
# Then the database is changed behind the gateway's back and verify must name the right entry.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

for tool in sqlite3 sha256sum; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        fail "audit/tools" "$tool not found (make deps installs it)"
        finish
    fi
done
export LC_ALL=C # ${#x} counts bytes

ZEROS=0000000000000000000000000000000000000000000000000000000000000000
ns() { printf '%s:%s,' "${#1}" "$1"; }

# entry_hash PREV SEQ TIME EVENT MESSAGE_ID PEER OUTCOME REASON
entry_hash() {
    { ns gw-audit-v1; ns "$1"; ns "$2"; ns "$3"; ns "$4"; ns "$5"; ns "$6"; ns "$7"; ns "$8"; } |
        sha256sum | cut -d' ' -f1
}

# make_store FILE N: a store holding only what verify reads (meta and audit), with N chained entries.
# Entries vary: empty fields, a UTF-8 reason (byte lengths), a seq past 9 (two digits).
make_store() {
    db=$1 n=$2
    prev=$ZEROS
    sql="CREATE TABLE meta(key TEXT PRIMARY KEY NOT NULL, value ANY NOT NULL) STRICT, WITHOUT ROWID;
CREATE TABLE audit(seq INTEGER PRIMARY KEY, time TEXT NOT NULL, event TEXT NOT NULL, message_id TEXT NOT NULL,
  peer TEXT NOT NULL, outcome TEXT NOT NULL, reason TEXT NOT NULL, prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL) STRICT;
BEGIN;"
    i=1
    while [ "$i" -le "$n" ]; do
        time=$(printf '2025-03-01T10:20:%02d.%03dZ' $((i % 60)) $((i * 7 % 1000)))
        id=$(printf '00000000-0000-4000-8000-%012d' "$i")
        case $((i % 3)) in
        0) event=submitted peer=90000017453 outcome=ok reason="" ;;
        1) event=rejected peer=90009113532 outcome=rejected reason="SIG_INVALID: Ludzā novads" ;;
        *) event=delivery_attempt peer=90000017453 outcome=retry reason="connect: refused" id="" ;;
        esac
        hash=$(entry_hash "$prev" "$i" "$time" "$event" "$id" "$peer" "$outcome" "$reason")
        sql="$sql
INSERT INTO audit VALUES ($i, '$time', '$event', '$id', '$peer', '$outcome', '$reason', '$prev', '$hash');"
        prev=$hash
        i=$((i + 1))
    done
    sql="$sql
INSERT INTO meta VALUES ('schema_version', 1), ('audit_last_seq', $n), ('audit_last_hash', '$prev');
COMMIT;"
    rm -f "$db"
    printf '%s\n' "$sql" | sqlite3 "$db"
}

make_store "$TMP/good.db" 12
gw audit verify --store "$TMP/good.db"
expect_out audit/verify-ok 0 "^$TMP/good.db: audit log OK, 12 entries\$"

make_store "$TMP/empty.db" 0
gw audit verify --store "$TMP/empty.db"
expect_out audit/verify-empty 0 "audit log OK, 0 entries"

gw audit show --store "$TMP/good.db"
if [ "$rc" -eq 0 ] && [ "$(wc -l <"$TMP/out")" -eq 12 ] &&
    grep -q '^2 2025-03-01T10:20:02.014Z delivery_attempt - 90000017453 retry connect: refused$' "$TMP/out"; then
    pass audit/show
else
    fail audit/show "exit $rc: $(head -c 400 "$TMP/out")"
fi
gw audit show --store "$TMP/good.db" --limit 2
if [ "$rc" -eq 0 ] && [ "$(wc -l <"$TMP/out")" -eq 2 ] && head -n 1 "$TMP/out" | grep -q '^11 '; then
    pass audit/show-limit
else
    fail audit/show-limit "exit $rc: $(head -c 400 "$TMP/out")"
fi

# tampered NAME SQL: verify a copy of the good store changed by SQL (false if SQL cannot be applied)
tampered() {
    cp "$TMP/good.db" "$TMP/t.db"
    if ! sqlite3 "$TMP/t.db" "$2"; then
        fail "audit/$1" "sqlite3 could not apply: $2"
        return 1
    fi
    gw audit verify --store "$TMP/t.db"
}

# tamper NAME ENTRY WHY SQL: change a copy of the good store; verify exits 1 naming ENTRY
tamper() {
    tampered "$1" "$4" && expect_out "audit/$1" 1 "^$TMP/t.db: audit log BROKEN at entry $2: .*$3"
}

tamper changed 5 "hash mismatch" "UPDATE audit SET outcome = 'ok' WHERE seq = 5"
tamper changed-reason-utf8 4 "hash mismatch" "UPDATE audit SET reason = 'SIG_INVALID: Ludza novads' WHERE seq = 4"
tamper removed 3 "missing" "DELETE FROM audit WHERE seq = 3"
tamper removed-first 1 "missing" "DELETE FROM audit WHERE seq = 1"
tamper removed-last 12 "removed from the end" "DELETE FROM audit WHERE seq = 12"
tamper reordered 2 "hash mismatch" "CREATE TEMP TABLE t AS SELECT * FROM audit WHERE seq IN (2, 6);
UPDATE audit SET (time, event, message_id, peer, outcome, reason, prev_hash, hash) =
  (SELECT time, event, message_id, peer, outcome, reason, prev_hash, hash FROM t WHERE t.seq = 8 - audit.seq)
  WHERE seq IN (2, 6);"
# entry 7 rewritten with a correctly recomputed hash: entry 8 no longer links to it
h7=$(sqlite3 "$TMP/good.db" "SELECT prev_hash || '|' || time FROM audit WHERE seq = 7")
forged=$(entry_hash "${h7%%|*}" 7 "${h7#*|}" submitted "" 90000017453 ok "")
tamper rehashed 8 "broken link" "UPDATE audit SET event = 'submitted', message_id = '', peer = '90000017453',
  outcome = 'ok', reason = '', hash = '$forged' WHERE seq = 7"
last=$(sqlite3 "$TMP/good.db" "SELECT hash FROM audit WHERE seq = 12")
added=$(entry_hash "$last" 13 2025-03-02T00:00:00.000Z delivered "" 90000017453 ok "")
tamper added 13 "added" "INSERT INTO audit VALUES (13, '2025-03-02T00:00:00.000Z', 'delivered', '', '90000017453',
  'ok', '', '$last', '$added')"

# damage to what verify compares the chain with, or to the table itself: BROKEN (exit 1) like a changed
# entry, so that a monitor alerting on exit 1 sees it (security review F14); a newer schema stays exit 2
tamper_meta() {
    tampered "$1" "$3" && expect_out "audit/$1" 1 "^$TMP/t.db: audit log BROKEN: .*$2"
}
tamper_meta meta-last-seq-removed "audit head" "DELETE FROM meta WHERE key = 'audit_last_seq'"
tamper_meta meta-last-hash-removed "audit head" "DELETE FROM meta WHERE key = 'audit_last_hash'"
tamper_meta meta-last-seq-retyped "audit head" "UPDATE meta SET value = '12' WHERE key = 'audit_last_seq'"
tamper_meta meta-last-hash-retyped "audit head" "UPDATE meta SET value = 12 WHERE key = 'audit_last_hash'"
tamper_meta meta-schema-version-removed "schema version" "DELETE FROM meta WHERE key = 'schema_version'"
tamper_meta meta-schema-version-retyped "schema version" "UPDATE meta SET value = 'one' WHERE key = 'schema_version'"
tamper_meta audit-table-dropped "audit table" "DROP TABLE audit"
tamper_meta audit-table-column-renamed "audit table" "ALTER TABLE audit RENAME COLUMN reason TO why"

# Version 2 (docs/audit.md 2.2): entries carry the SHA-256 of the bytes they concern and the row they
# created, and verify checks the stored messages against them (security review F8). A store of schema
# version 3 with the tables and columns verify reads, built here from the documented encoding.
# entry_hash_v2 PREV SEQ TIME EVENT MESSAGE_ID PEER OUTCOME REASON SHA256 ROW_REF
entry_hash_v2() {
    { ns gw-audit-v2; ns "$1"; ns "$2"; ns "$3"; ns "$4"; ns "$5"; ns "$6"; ns "$7"; ns "$8"; ns "$9"
        ns "${10}"; } | sha256sum | cut -d' ' -f1
}
sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
ID1=00000000-0000-4000-8000-000000000001 ID2=00000000-0000-4000-8000-000000000002
ID3=00000000-0000-4000-8000-000000000003 ID4=00000000-0000-4000-8000-000000000004
B1='<submitted/>' B2='<received-two/>' B3='<received-three/>' B4='<rejected/>'
make_store_v2() {
    db=$1 prev=$ZEROS i=0 sql=""
    # add EVENT MESSAGE_ID PEER OUTCOME REASON SHA256 ROW_REF
    add() {
        i=$((i + 1))
        time=$(printf '2025-03-02T08:00:%02d.000Z' "$i")
        hash=$(entry_hash_v2 "$prev" "$i" "$time" "$1" "$2" "$3" "$4" "$5" "$6" "$7")
        sql="$sql
INSERT INTO audit VALUES ($i, '$time', '$1', '$2', '$3', '$4', '$5', '$prev', '$hash', '$6', '$7');"
        prev=$hash
    }
    add submitted "$ID1" client ok "" "$(sha "$B1")" "outbox:$ID1"
    add received "$ID2" 90009113532 accepted "" "$(sha "$B2")" "inbox:1"
    add received "$ID3" 90009113532 accepted "" "$(sha "$B3")" "inbox:2"
    add rejected "$ID4" 90009113532 rejected SIG_INVALID "$(sha "$B4")" "rejected:1"
    add rejected "" 90009113532 rejected HTTP_BAD_REQUEST "" "rejected:2"
    add delivery_attempt "$ID1" 90009113532 retry "connect: refused" "" ""
    rm -f "$db"
    sqlite3 "$db" "CREATE TABLE meta(key TEXT PRIMARY KEY NOT NULL, value ANY NOT NULL) STRICT, WITHOUT ROWID;
CREATE TABLE audit(seq INTEGER PRIMARY KEY, time TEXT NOT NULL, event TEXT NOT NULL, message_id TEXT NOT NULL,
  peer TEXT NOT NULL, outcome TEXT NOT NULL, reason TEXT NOT NULL, prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL, sha256 TEXT NOT NULL, row_ref TEXT NOT NULL) STRICT;
CREATE TABLE outbox(id TEXT PRIMARY KEY NOT NULL, type TEXT NOT NULL, in_reply_to TEXT NOT NULL,
  sha256 TEXT NOT NULL, body BLOB NOT NULL) STRICT;
CREATE TABLE inbox(seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, sender TEXT NOT NULL,
  sha256 TEXT NOT NULL, body BLOB NOT NULL) STRICT;
CREATE TABLE rejected(seq INTEGER PRIMARY KEY AUTOINCREMENT, message_id TEXT NOT NULL, body BLOB) STRICT;
BEGIN;$sql
INSERT INTO outbox VALUES ('$ID1', 'Decision', '', '$(sha "$B1")', CAST('$B1' AS BLOB));
INSERT INTO inbox VALUES (1, '$ID2', '90009113532', '$(sha "$B2")', CAST('$B2' AS BLOB));
INSERT INTO inbox VALUES (2, '$ID3', '90009113532', '$(sha "$B3")', CAST('$B3' AS BLOB));
INSERT INTO rejected VALUES (1, '$ID4', CAST('$B4' AS BLOB));
INSERT INTO rejected VALUES (2, '', NULL);
INSERT INTO meta VALUES ('schema_version', 3), ('audit_last_seq', $i), ('audit_last_hash', '$prev'),
  ('audit_v2_from', 1);
COMMIT;"
}
make_store_v2 "$TMP/v2.db"
gw audit verify --store "$TMP/v2.db"
expect_out audit/v2-verify-ok 0 "^$TMP/v2.db: audit log OK, 6 entries\$"

# rows NAME PATTERN SQL: change a copy of the v2 store; verify exits 1 and its line matches PATTERN
rows() {
    cp "$TMP/v2.db" "$TMP/t.db"
    if sqlite3 "$TMP/t.db" "$3"; then
        gw audit verify --store "$TMP/t.db"
        expect_out "audit/$1" 1 "^$TMP/t.db: audit log BROKEN$2"
    else
        fail "audit/$1" "sqlite3 could not apply: $3"
    fi
}
# the four reproductions of security review F8, then variants
rows rows-inbox-body-and-digest-swapped ": row inbox:1 .*does not hash to its sha256 column" \
    "UPDATE inbox SET body = CAST('<forged/>' AS BLOB), sha256 = '00' WHERE seq = 1"
rows rows-inbox-row-deleted " at entry 3: its row inbox:2 is missing" "DELETE FROM inbox WHERE seq = 2"
rows rows-outbox-body-changed ": row outbox:$ID1 .*does not hash to its sha256 column" \
    "UPDATE outbox SET body = CAST('<forged/>' AS BLOB) WHERE rowid = 1"
rows rows-rejected-deleted " at entry 4: its row rejected:1 is missing" "DELETE FROM rejected"
rows rows-inbox-rehashed " at entry 2: row inbox:1 .*not the one this entry recorded" \
    "UPDATE inbox SET body = CAST('<forged/>' AS BLOB), sha256 = '$(sha '<forged/>')' WHERE seq = 1"
rows rows-rejected-body-changed " at entry 4: row rejected:1 .*not the one this entry recorded" \
    "UPDATE rejected SET body = CAST('<other/>' AS BLOB) WHERE seq = 1"
rows rows-inbox-id-changed " at entry 3: row inbox:2 holds message $ID1" "UPDATE inbox SET id = '$ID1' WHERE seq = 2"
rows rows-inbox-added ": row inbox:3 .*recorded by no audit entry" \
    "INSERT INTO inbox VALUES (3, '$ID1', '90009113532', '$(sha "$B1")', CAST('$B1' AS BLOB))"
rows rows-outbox-added ": row outbox:$ID4 .*recorded by no audit entry" \
    "INSERT INTO outbox VALUES ('$ID4', 'Receipt', '$ID2', '$(sha "$B1")', CAST('$B1' AS BLOB))"
rows rows-v2-from-moved " at entry 1: a version 1 entry with a digest" "UPDATE meta SET value = 7 WHERE key = 'audit_v2_from'"
rows rows-v2-from-removed ": the audit head" "DELETE FROM meta WHERE key = 'audit_v2_from'"
rows rows-digest-cleared " at entry 2: hash mismatch" "UPDATE audit SET sha256 = '' WHERE seq = 2"

gw audit verify --store "$TMP/no-such.db"
expect_out audit/missing-file 2 "cannot read"
printf 'not a database at all, just text of some length\n' >"$TMP/text.db"
gw audit verify --store "$TMP/text.db"
expect_rc audit/not-a-store 2
cp "$TMP/good.db" "$TMP/new.db"
sqlite3 "$TMP/new.db" "UPDATE meta SET value = 99 WHERE key = 'schema_version'"
gw audit verify --store "$TMP/new.db"
expect_out audit/newer-schema 2 "newer than this gateway"
gw audit verify
expect_rc audit/usage-no-store 2
gw audit verify --store "$TMP/good.db" extra
expect_rc audit/usage-extra-arg 2
gw audit verify --store "$TMP/good.db" --limit 3
expect_rc audit/usage-limit-on-verify 2
gw audit show --store "$TMP/good.db" --limit x
expect_rc audit/usage-bad-limit 2
gw audit frobnicate --store "$TMP/good.db"
expect_rc audit/usage-unknown-action 2
gw audit --help
expect_out audit/help 0 "usage: gateway audit verify --store FILE"
finish
