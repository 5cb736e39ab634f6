// SPDX-License-Identifier: MIT
/*
 * Signed checkpoints of the audit log (docs/audit.md 6; DESIGN §6): built as a Checkpoint envelope from
 * fixed-form fields, parsed back through the one parser and signed by sign.c like any message; checked by
 * verify.c with the full profile and then read field by field, strictly. The scheduler tick decides when the
 * log has grown enough (or long enough ago) for a new one. It does not run a timer or talk to peers
 * (checkpointer.c runs the tick; exchanging checkpoints between gateways is not built yet).
 */
#include "gw/checkpoint.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/buf.h"
#include "gw/limits.h"
#include "gw/parse.h"
#include "gw/verify.h"
#include "gw/xml.h"

/* The payload's elements, in their order (schemas/checkpoint-v1.xsd). */
static const char *const fields[] = {"Origin", "TreeSize", "RootHash", "Timestamp"};
#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

enum gw_rc
gw_checkpoint_make(const struct gw_signer *signer, uint64_t size, const unsigned char root[GW_MERKLE_HASH_LEN],
                   int64_t now_ms, unsigned char **out, size_t *out_len, struct gw_err *err)
{
    enum gw_rc rc = GW_EINTERNAL;
    struct gw_buf b;
    char id[GW_UUID_LEN + 1];
    char when[GW_TIME_ISO_LEN + 1];
    char hex[2 * GW_MERKLE_HASH_LEN + 1];
    const char *org = gw_signer_regno(signer);
    xmlDoc *doc = NULL;
    struct gw_xml_limits lim;

    gw_buf_init(&b, GW_MAX_CHECKPOINT_BYTES);
    GW_CHECK(size <= GW_MERKLE_MAX_SIZE, GW_ELIMIT, GW_R_LIMIT_SIZE, "tree size %" PRIu64, size);
    GW_TRY(gw_ids_new_uuid(id, err));
    gw_time_format_iso(now_ms, when);
    gw_ids_encode_hex(root, GW_MERKLE_HASH_LEN, hex);
    /* Every value is digits, hex or a fixed form: nothing to escape. */
    GW_TRY(
        gw_buf_printf(&b, err,
                      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                      "<env:Envelope xmlns:env=\"" GW_NS_ENVELOPE "\">\n"
                      "  <env:Header>\n"
                      "    <env:MessageId>%s</env:MessageId>\n"
                      "    <env:Sender>%s</env:Sender>\n"
                      "    <env:Recipient>%s</env:Recipient>\n"
                      "    <env:MessageType>Checkpoint</env:MessageType>\n"
                      "    <env:Created>%s</env:Created>\n"
                      "    <env:Subject>Checkpoint %" PRIu64 "</env:Subject>\n"
                      "  </env:Header>\n"
                      "  <env:Body>\n"
                      "    <cp:Checkpoint xmlns:cp=\"" GW_NS_CHECKPOINT "\">\n"
                      "      <cp:Origin>%s</cp:Origin>\n"
                      "      <cp:TreeSize>%" PRIu64 "</cp:TreeSize>\n"
                      "      <cp:RootHash Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\">%s</cp:RootHash>\n"
                      "      <cp:Timestamp>%s</cp:Timestamp>\n"
                      "    </cp:Checkpoint>\n"
                      "  </env:Body>\n"
                      "</env:Envelope>\n",
                      id, org, org, when, size, org, size, hex, when));
    gw_xml_limits_default(&lim);
    GW_TRY(gw_xml_parse(b.data, b.len, "checkpoint", &lim, &doc, err));
    GW_TRY(gw_signer_sign(signer, doc, "checkpoint", err));
    GW_TRY(gw_xml_serialize(doc, out, out_len, err));
    rc = GW_OK;
out:
    xmlFreeDoc(doc);
    gw_buf_cleanup(&b);
    return rc;
}

static bool
is_timestamp(const char *s)
{
    /* "YYYY-MM-DDTHH:MM:SS.mmmZ": digits where the template has 9 */
    static const char form[] = "9999-99-99T99:99:99.999Z";

    if (strlen(s) != sizeof(form) - 1) {
        return false;
    }
    for (size_t i = 0; form[i] != '\0'; i++) {
        if (form[i] == '9' ? (s[i] < '0' || s[i] > '9') : s[i] != form[i]) {
            return false;
        }
    }
    return true;
}

static int
hex_digit(char ch)
{
    if (ch >= '0' && ch <= '9') {
        return ch - '0';
    }
    if (ch >= 'a' && ch <= 'f') {
        return ch - 'a' + 10;
    }
    return -1;
}

enum gw_rc
gw_checkpoint_read(const struct gw_envelope *env, struct gw_checkpoint *out, struct gw_err *err)
{
    enum gw_rc rc = GW_EINPUT;
    struct gw_checkpoint cp = {0};
    char *text[N_FIELDS] = {NULL};
    const xmlNode *c = NULL;
    size_t i = 0;

    GW_CHECK(env->type == GW_MSG_CHECKPOINT && env->payload != NULL &&
                 gw_xml_is(env->payload, GW_NS_CHECKPOINT, "Checkpoint"),
             GW_EINPUT, GW_R_CHECKPOINT_INVALID, "the document is a %s, not a Checkpoint",
             gw_msg_type_name(env->type));
    /* exactly the four elements, in order, each once */
    for (c = gw_xml_first_elem(env->payload); c != NULL; c = gw_xml_next_elem(c), i++) {
        GW_CHECK(i < N_FIELDS && gw_xml_is(c, GW_NS_CHECKPOINT, fields[i]), GW_EINPUT, GW_R_CHECKPOINT_INVALID,
                 "Checkpoint: unexpected element %.64s (Origin, TreeSize, RootHash, Timestamp in that order)",
                 (const char *)c->name);
        GW_CHECK(gw_xml_first_elem(c) == NULL, GW_EINPUT, GW_R_CHECKPOINT_INVALID,
                 "Checkpoint: %s has child elements", fields[i]);
        text[i] = gw_xml_text(c);
        GW_CHECK(text[i] != NULL, GW_ENOMEM, GW_R_NOMEM, "Checkpoint %s", fields[i]);
    }
    GW_CHECK(i == N_FIELDS, GW_EINPUT, GW_R_CHECKPOINT_INVALID, "Checkpoint: %s is missing", fields[i]);
    GW_CHECK(gw_ids_is_regno(text[0]), GW_EINPUT, GW_R_CHECKPOINT_INVALID,
             "Checkpoint: Origin is not a registration number");
    /* The organisation states its own log: from itself, to itself (the signer binds Sender, verify.c). */
    GW_CHECK(strcmp(text[0], env->sender) == 0 && strcmp(text[0], env->recipient) == 0, GW_EINPUT,
             GW_R_CHECKPOINT_INVALID, "Checkpoint: Origin %s is not the envelope's Sender %s and Recipient %s",
             text[0], env->sender, env->recipient);
    memcpy(cp.origin, text[0], sizeof(cp.origin));
    GW_CHECK(gw_parse_u64(text[1], 0, GW_MERKLE_MAX_SIZE, &cp.tree_size) == GW_OK, GW_EINPUT,
             GW_R_CHECKPOINT_INVALID,
             "Checkpoint: TreeSize '%.32s' is not a decimal number without leading zeros up to 2^63 - 1", text[1]);
    GW_CHECK(gw_ids_is_sha256_hex(text[2]), GW_EINPUT, GW_R_CHECKPOINT_INVALID,
             "Checkpoint: RootHash is not 64 lowercase hex digits");
    for (size_t k = 0; k < GW_MERKLE_HASH_LEN; k++) {
        cp.root[k] = (unsigned char)(hex_digit(text[2][2 * k]) * 16 + hex_digit(text[2][2 * k + 1]));
    }
    GW_CHECK(is_timestamp(text[3]), GW_EINPUT, GW_R_CHECKPOINT_INVALID,
             "Checkpoint: Timestamp '%.40s' is not UTC with milliseconds (2025-03-01T10:20:30.123Z)", text[3]);
    memcpy(cp.time, text[3], sizeof(cp.time));
    *out = cp;
    rc = GW_OK;
out:
    for (size_t k = 0; k < N_FIELDS; k++) {
        free(text[k]);
    }
    return rc;
}

enum gw_rc
gw_checkpoint_check(struct gw_pki *pki, const struct gw_schemas *schemas, const unsigned char *data, size_t len,
                    const char *name, const char *expected_origin, struct gw_checkpoint *out, struct gw_err *err)
{
    enum gw_rc rc = GW_EPOLICY;
    xmlDoc *doc = NULL;
    struct gw_xml_limits lim;
    struct gw_verified v = {0};
    struct gw_checkpoint cp;

    GW_CHECK(len <= GW_MAX_CHECKPOINT_BYTES, GW_ELIMIT, GW_R_LIMIT_SIZE, "checkpoint of %zu bytes (at most %u)",
             len, GW_MAX_CHECKPOINT_BYTES);
    gw_xml_limits_default(&lim);
    GW_TRY(gw_xml_parse(data, len, name, &lim, &doc, err));
    GW_TRY(gw_verify_message(pki, schemas, doc, name, &v, err));
    GW_TRY(gw_checkpoint_read(&v.env, &cp, err));
    GW_CHECK(expected_origin == NULL || strcmp(cp.origin, expected_origin) == 0, GW_EPOLICY,
             GW_R_CHECKPOINT_INVALID, "checkpoint of organisation %s, not of %s", cp.origin, expected_origin);
    *out = cp;
    rc = GW_OK;
out:
    if (rc != GW_OK) {
        gw_err_where(err, "%s", name);
    }
    gw_verified_cleanup(&v);
    xmlFreeDoc(doc);
    return rc;
}

/* Is a checkpoint of size entries due, the last one being of last_size at last_ms? */
static bool
is_due(const struct gw_checkpoint_policy *p, const struct gw_checkpoint_state *s, uint64_t size, int64_t now_ms)
{
    if (size <= s->last_size) {
        return false; /* nothing new to state (a smaller size is the store's problem, found by verify) */
    }
    return (p->every_entries > 0 && size - s->last_size >= p->every_entries) ||
           (p->every_ms > 0 && now_ms - s->last_ms >= p->every_ms);
}

enum gw_rc
gw_checkpoint_tick(struct gw_store *store, const struct gw_signer *signer,
                   const struct gw_checkpoint_policy *policy, struct gw_checkpoint_state *state, int64_t now_ms,
                   bool *written, struct gw_err *err)
{
    enum gw_rc rc;
    struct gw_checkpoint_row row = {0};
    struct gw_checkpoint_state next = *state;
    unsigned char root[GW_MERKLE_HASH_LEN];
    uint64_t size = 0;
    bool found = false;

    *written = false;
    if (!next.loaded) {
        GW_TRY(gw_store_latest_checkpoint(store, gw_signer_regno(signer), &row, &found, err));
        next.loaded = true;
        next.last_size = found ? row.tree_size : 0;
        next.last_ms = now_ms; /* the time trigger counts from the start, not from an old checkpoint */
        gw_checkpoint_row_cleanup(&row);
    }
    GW_TRY(gw_store_tree_head(store, &size, root, err));
    if (is_due(policy, &next, size, now_ms)) {
        memcpy(row.origin, gw_signer_regno(signer), sizeof(row.origin));
        row.tree_size = size;
        gw_ids_encode_hex(root, sizeof(root), row.root);
        gw_time_format_iso(now_ms, row.time);
        GW_TRY(gw_checkpoint_make(signer, size, root, now_ms, &row.body, &row.body_len, err));
        GW_TRY(gw_store_put_checkpoint(store, &row, NULL, err));
        next.last_size = size;
        next.last_ms = now_ms;
        *written = true;
    }
    *state = next;
    rc = GW_OK;
out:
    gw_checkpoint_row_cleanup(&row);
    return rc;
}
