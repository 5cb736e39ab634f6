/* SPDX-License-Identifier: MIT */
/*
 * The identifiers of the message model (DESIGN §2): message ids (lowercase UUIDs), organisations'
 * registration numbers, message types with their names and payload namespaces, and SHA-256 digests written
 * as hex. A leaf of the infrastructure layer (docs/architecture.md): the length constants and syntax checks
 * every layer needs, so that no header has to include envelope.h for a buffer size.
 */
#ifndef GW_IDS_H
#define GW_IDS_H

#include <stdbool.h>
#include <stddef.h>

#include "gw/err.h"

#define GW_UUID_LEN 36                                     /* "7228649c-d108-458e-8bc1-fe490fc800e3" */
#define GW_NIL_UUID "00000000-0000-0000-0000-000000000000" /* a message that could not be identified */
#define GW_REGNO_LEN 11                                    /* registration number: 11 digits */
#define GW_SHA256_HEX_LEN 64                               /* SHA-256 as lowercase hex */

enum gw_msg_type {
    GW_MSG_LETTER,
    GW_MSG_DECISION,
    GW_MSG_CONFIRMATION,
    GW_MSG_DATAREPORT,
    GW_MSG_RECEIPT,
    GW_MSG_CHECKPOINT, /* a signed tree head of the audit log (docs/audit.md 6); never exchanged as a message */
};
#define GW_MSG_TYPE_COUNT 6

/* Name of a message type as in MessageType ("Decision"); "?" for a value out of range. */
const char *gw_msg_type_name(enum gw_msg_type t);
/* Namespace of a payload type's schema; "" for a value out of range. */
const char *gw_msg_type_ns(enum gw_msg_type t);
/* The type named name (case-sensitive, as in MessageType). OUT: *out, untouched when false. */
bool gw_msg_type_from_name(const char *name, enum gw_msg_type *out);

/* Is s (NUL-terminated) a lowercase UUID, 8-4-4-4-12 hex digits, as the envelope schema writes it? */
bool gw_ids_is_uuid(const char *s);
/* Is s exactly GW_REGNO_LEN ASCII digits? */
bool gw_ids_is_regno(const char *s);
/* Is s exactly GW_SHA256_HEX_LEN lowercase hex digits? */
bool gw_ids_is_sha256_hex(const char *s);

/* A fresh random (version 4, RFC 4122 variant) UUID, lowercase. OUT: out, untouched on failure.
 * Reasons: INTERNAL (rc GW_ECRYPTO: OpenSSL has no randomness). */
GW_MUST_CHECK enum gw_rc gw_ids_new_uuid(char out[GW_UUID_LEN + 1], struct gw_err *err);

/* The len bytes of data as 2 * len lowercase hex digits and a NUL into out (2 * len + 1 bytes). */
void gw_ids_encode_hex(const unsigned char *data, size_t len, char *out);

/* SHA-256 of the len bytes of data (NULL with len 0 is the empty input) as hex into out. Aborts if OpenSSL
 * cannot allocate a digest context: a wrong digest would be worse than stopping, and callers have no error
 * path. */
void gw_ids_hash_sha256(const unsigned char *data, size_t len, char out[GW_SHA256_HEX_LEN + 1]);

#endif
