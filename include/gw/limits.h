/* SPDX-License-Identifier: MIT */
/*
 * Every limit on untrusted input, in one place (SQLite's sqliteLimit.h). Each says what it bounds, why this
 * number and its hard ceiling. A limit the configuration can set has a default GW_MAX_X (or GW_X_DEFAULT)
 * and a GW_MAX_X_CEILING: configuration may lower it, never raise it past the ceiling. A limit without a
 * _CEILING is fixed: its value is its ceiling. The checks at the end of this file stop the build when a
 * default passes its ceiling or a buffer is too small for the values it holds. docs/limits.md restates
 * every limit.
 */
#ifndef GW_LIMITS_H
#define GW_LIMITS_H

#include <limits.h>
#include <stdint.h>

/* ---- XML documents: messages, receipts and notices (xml.c) ---- */

/* Bytes of one XML message (the daemon's max_body). The largest real message (a decision with long
 * reasoning) is ~40 KB; 4 MiB leaves room for a data report and a signature with a long chain. Ceiling
 * 16 MiB: the gateway holds a whole message in memory per worker, and libxml2 takes an int length. */
#define GW_MAX_DOC_BYTES (4u * 1024u * 1024u)
#define GW_MAX_DOC_BYTES_CEILING (16u * 1024u * 1024u)

/* Element nesting depth. The message model is at most ~8 deep, a signature adds ~5. Ceiling 256: the
 * checks that walk the tree recurse once per level. */
#define GW_MAX_XML_DEPTH 32u
#define GW_MAX_XML_DEPTH_CEILING 256u

/* Elements, comments and processing instructions in one document. A 4 MiB data report fits in far fewer.
 * Ceiling 1,000,000: each costs a libxml2 node of ~120 bytes. */
#define GW_MAX_XML_ELEMENTS 50000u
#define GW_MAX_XML_ELEMENTS_CEILING 1000000u

/* Attributes (namespace declarations included) on one element. The model uses at most 3. Fixed. */
#define GW_MAX_XML_ATTRS 16u

/* Bytes of one element or attribute name, prefix included. The longest name in the schemas is < 40.
 * Fixed. */
#define GW_MAX_XML_NAME 128u

/* Bytes of one text node, attribute value, comment or PI (libxml2 hands text over in pieces; we add them
 * up). The longest field is 20,000 characters of Latvian text (up to 2 bytes each), plus a certificate of a
 * few KB in base64. Fixed; never above the document size. */
#define GW_MAX_XML_TEXT (256u * 1024u)

/* Schema validation errors reported one by one (as "file:line: message") for one document; the rest are
 * only counted. The first few say what is wrong; a hostile document could otherwise produce one line per
 * element. Fixed. */
#define GW_MAX_REPORTED_ERRORS 20

/* ---- Signatures and certificates (verify.c, pki.c, sign.c) ---- */

/* Certificates in one KeyInfo (signer plus intermediates). Real chains have 1-3. Fixed. */
#define GW_MAX_CHAIN_CERTS 8u

/* Characters of base64 in one X509Certificate element (the check is "shorter than"). An RSA-4096
 * certificate with long extensions is ~3 KB in base64; 128 KiB leaves room for any real certificate and
 * keeps the decoded copy small. Fixed; never above GW_MAX_XML_TEXT, which bounds the text node anyway. */
#define GW_MAX_CERT_BASE64 (128u * 1024u)

/* Bytes of one PEM file (key, certificate, chain, CRL, trust anchors) read at start. A CRL of a busy CA
 * is the largest of them, and 1 MiB holds ~20,000 revoked serials. Fixed. */
#define GW_MAX_PEM_BYTES (1024u * 1024u)

/* CRL files given to the daemon (crl = ..., repeatable) or to the command line (--crl, repeatable). One
 * per CA of each trusted chain, usually 2 (issuing CA and root); 16 leaves room for several trust
 * anchors. Fixed: the configuration keeps one 512-byte path per slot. */
#define GW_MAX_CRLS 16

/* ---- HTTP server (server.c; the daemon's configuration, docs/config.md) ---- */

/* Bytes of all request headers (max_headers). Real clients send < 1 KiB. Ceiling 64 KiB: libevent itself
 * refuses more with its own page; between the configured value and the ceiling the gateway answers 431
 * and says why. */
#define GW_MAX_HEADERS (16u * 1024u)
#define GW_MAX_HEADERS_CEILING (64u * 1024u)

/* Bytes of the {id} path segment the router accepts (/v1/messages/{id}, /v1/inbox/{id}); a longer one is
 * no route (404). A MessageId is a 36-character UUID; the handlers say "not a message id" to anything
 * else up to this length. Fixed. */
#define GW_HTTP_MAX_ID 63

/* Open TLS connections (max_connections); past it the handshake is refused. A few peer gateways and the
 * organisation's own pipeline need tens. Ceiling 10,000: one descriptor and TLS state each. */
#define GW_MAX_CONNECTIONS 256u
#define GW_MAX_CONNECTIONS_CEILING 10000u

/* Of those, connections that have not finished the TLS handshake, i.e. nobody authenticated yet
 * (max_handshakes; at most max_connections takes effect). A handshake takes milliseconds, so a few dozen
 * cover bursts of real clients; when all are taken a new connection displaces the oldest of them. Ceiling:
 * that of max_connections. */
#define GW_MAX_HANDSHAKES 64u
#define GW_MAX_HANDSHAKES_CEILING GW_MAX_CONNECTIONS_CEILING

/* Of those, from one client address, an IPv6 one counted per /64 (max_handshakes_per_address); one more
 * is closed at once. A gateway or IT system opens a few connections at a time. Ceiling: as above. */
#define GW_MAX_HANDSHAKES_PER_ADDRESS 8u
#define GW_MAX_HANDSHAKES_PER_ADDRESS_CEILING GW_MAX_CONNECTIONS_CEILING

/* Seconds from accept until the TLS handshake must be complete (handshake_timeout), however many bytes
 * arrive meanwhile. A real handshake takes well under a second; 10 s leaves room for slow links. Ceiling
 * 120 s: the deadline is what bounds how long a client without a certificate holds a connection. */
#define GW_MAX_HANDSHAKE_SECONDS 10u
#define GW_MAX_HANDSHAKE_SECONDS_CEILING 120u

/* Seconds to read one request (request_timeout) and seconds a kept-alive connection may idle
 * (idle_timeout); libevent has one timer per connection, and the smaller of the two is used. A 4 MiB
 * message takes < 1 s on a slow link. Ceiling one hour for both. */
#define GW_MAX_REQUEST_SECONDS 30u
#define GW_MAX_IDLE_SECONDS 60u
#define GW_MAX_TIMEOUT_SECONDS_CEILING 3600u

/* How far in the past (created_window_past) and the future (created_window_future) a message's Created
 * time may be. 7 days covers a sender's retries through a long outage; 5 minutes of clock skew. Ceilings one
 * year and one hour. */
#define GW_MAX_CREATED_PAST_SECONDS (7u * 24u * 3600u)
#define GW_MAX_CREATED_PAST_SECONDS_CEILING (365u * 24u * 3600u)
#define GW_MAX_CREATED_FUTURE_SECONDS 300u
#define GW_MAX_CREATED_FUTURE_SECONDS_CEILING 3600u

/* ---- Delivery to peers (deliver.c) ---- */

/* Bytes of a peer's answer to a delivery (a signed receipt of ~5 KB). Fixed. */
#define GW_MAX_RECEIPT_BYTES (1024u * 1024u)

/* Seconds a peer may take to accept the TCP connection (fixed), and to answer one delivery attempt
 * (deliver_timeout; ceiling 10 minutes): a slow peer holds up only its own queue, but no longer. */
#define GW_MAX_CONNECT_SECONDS 5L
#define GW_MAX_DELIVER_SECONDS 30u
#define GW_MAX_DELIVER_SECONDS_CEILING 600u

/* Deliveries to one peer in flight at once (delivery_concurrency; ceiling 16): each is one kept-alive
 * connection and one thread of the sender. With four, delivery kept pace with eight submitting clients on
 * the 2-core development machine (docs/performance.md, "Delivery"). A peer admits
 * GW_MAX_HANDSHAKES_PER_ADDRESS (8) unfinished handshakes from one address by default; a pool above that
 * may see some of its first handshakes refused, which are retried like any transport failure. */
#define GW_DELIVERY_CONCURRENCY 4u
#define GW_DELIVERY_CONCURRENCY_CEILING 16u
/* Signed checkpoints of the audit log (docs/audit.md 6). The gateway signs one once the log grew by
 * checkpoint_every_entries entries (default 1000, ceiling 10^6; 0 = not by count) or, if it grew at all,
 * checkpoint_every_seconds after the last one (default 300, ceiling 1 day; 0 = not by time): a busy log gets
 * a root every few seconds at most, a quiet one at least every 5 minutes. It checks every GW_CHECKPOINT_POLL_MS
 * (1 s: the cost is one snapshot read of at most 64 stored nodes). A checkpoint read from a file or a peer
 * is at most GW_MAX_CHECKPOINT_BYTES: the signed envelope with a chain of GW_MAX_CHAIN_CERTS certificates
 * is under 16 KiB; 64 KiB leaves room for larger keys and is far below the document limit. */
#define GW_CHECKPOINT_ENTRIES 1000u
#define GW_MAX_CHECKPOINT_ENTRIES 1000000u
#define GW_CHECKPOINT_SECONDS 300u
#define GW_MAX_CHECKPOINT_SECONDS 86400u
#define GW_CHECKPOINT_POLL_MS 1000u
#define GW_MAX_CHECKPOINT_BYTES (64u * 1024u)
/* Checkpoints `gateway audit verify` compares with a log at once: the latest 32 stored ones and up to 32
 * given with --checkpoint (each a few KiB of fields and name; the command reads them into one array). */
#define GW_MAX_AUDIT_CHECKPOINTS 64u
/* Entries of one message `gateway audit proof` writes proofs for: a message has a handful (submitted,
 * attempts, delivered, notification); 256 covers a long run of retries, each a 2 KiB proof file at most. */
#define GW_MAX_PROOF_ENTRIES 256u

/* Retries of an undelivered message: the first back-off in ms (retry_initial, ceiling 1 minute), the
 * longest back-off in seconds (retry_max_interval, ceiling 1 day), and the age in seconds after which the
 * message fails (retry_max_age, ceiling 30 days). The defaults ride out a peer's restart quickly and a
 * day-long outage in the end. */
#define GW_RETRY_INITIAL_MS 500u
#define GW_RETRY_INITIAL_MS_CEILING 60000u
#define GW_MAX_RETRY_INTERVAL_SECONDS 300u
#define GW_MAX_RETRY_INTERVAL_SECONDS_CEILING 86400u
#define GW_MAX_RETRY_AGE_SECONDS 86400u
#define GW_MAX_RETRY_AGE_SECONDS_CEILING (30u * 86400u)

/* ---- Query strings and Created (parse.c) ---- */

/* Key=value pairs in one query string. The inbox takes two (after, limit); 16 leaves room for clients that
 * add their own and keeps the duplicate-key check (quadratic in this number) trivially cheap. Fixed. */
#define GW_MAX_QUERY_PAIRS 16u

/* Bytes of one query key: the longest this API uses is 5 ("limit"). Fixed. */
#define GW_MAX_QUERY_KEY 32u

/* Digits after the seconds' '.' of an xs:dateTime (Created): nanoseconds; no clock writes more. Fixed. */
#define GW_MAX_DATETIME_FRACTION 9u

/* ---- Inbox API (api_inbox.c) ---- */

/* Messages in one page of GET /v1/inbox: the default, and the most a limit= parameter may ask for. A
 * page of 1000 is ~350 KB of JSON; the pipeline pages on with after=. Fixed. */
#define GW_INBOX_PAGE_DEFAULT 100
#define GW_MAX_INBOX_PAGE 1000

/* Bytes of one page entry: its fields have fixed lengths (two UUIDs, a registration number, a SHA-256 in
 * hex, two 64-bit numbers, a type name < 16 bytes), ~350 bytes with the JSON around them. */
#define GW_INBOX_ENTRY_MAX_BYTES 512u

/* Bytes of one inbox page reply. Holds a full page many times over. Fixed. */
#define GW_MAX_INBOX_REPLY_BYTES (4u * 1024u * 1024u)

/* ---- Configuration file (config.c) ---- */

/* Bytes of the configuration file, and of one line without its line ending. The example file is ~2 KB;
 * a line holds one key and one value (a path is < 512 bytes). Fixed. */
#define GW_MAX_CONFIG_BYTES (256u * 1024u)
#define GW_MAX_CONFIG_LINE 4096u

/* Entries of the repeatable keys: peer gateways, allow rules and own-organisation submitters. Real
 * deployments have a handful of each. Fixed: the configuration holds them in arrays of this size. */
#define GW_MAX_PEERS 64
#define GW_MAX_RULES 128
#define GW_MAX_SUBMITTERS 16

/* ---- Audit log (audit.c) ---- */

/* Bytes of one text field of an audit entry (event, message id, peer, outcome, reason). Longer values (a
 * peer's error text in reason) are cut at a UTF-8 character boundary before they are hashed and stored,
 * so a long detail never fails the operation it describes. 1 KiB holds any reason code plus a line of
 * detail. Fixed; entries are read into stack buffers of this size, so never above 4 KiB. */
#define GW_AUDIT_MAX_FIELD 1024u

/* ---- RFC 3161 timestamps (tsp.c, tsa_client.c; docs/timestamps.md) ---- */

/* Bytes of one TSA reply or stored timestamp token. A token with a 3-certificate RSA-4096 chain is ~8 KB and
 * real TSAs send 3-7 KB. Checked before any decoding, and by the client while it reads, so a hostile TSA
 * cannot make us buffer or parse more. Ceiling 1 MiB (for a TSA setting of the XAdES work, which may only
 * lower it): OpenSSL's decoders take a long length and a token is held in memory. Certificates in a token
 * are bounded by GW_MAX_CHAIN_CERTS. */
#define GW_MAX_TSP_REPLY_BYTES (64u * 1024u)
#define GW_MAX_TSP_REPLY_BYTES_CEILING (1024u * 1024u)

/* ---- Merkle proofs of the audit log (merkle.c) ---- */

/* Leaves of a Merkle tree, so tree sizes and leaf indices in a proof: INT64_MAX, so that every size and
 * index fits a signed 64-bit SQL integer. Fixed. */
#define GW_MERKLE_MAX_SIZE ((uint64_t)INT64_MAX)

/* Hashes in one proof: an inclusion proof in a tree of at most GW_MERKLE_MAX_SIZE leaves has at most 63,
 * a consistency proof one more. More cannot be a proof; the parser and the verifiers refuse them. Fixed. */
#define GW_MERKLE_MAX_PATH 64u

/* Bytes of one proof file: the longest proof text (5 header lines of at most 80 bytes and
 * GW_MERKLE_MAX_PATH path lines of 70) is under 5 KB. Refused before it is read. Fixed. */
#define GW_MERKLE_MAX_PROOF_TEXT 8192u

/* ---- Compile-time checks (SQLite sqliteLimit.h) ---- */

_Static_assert(GW_MAX_DOC_BYTES <= GW_MAX_DOC_BYTES_CEILING, "max_body default above its ceiling");
_Static_assert(GW_MAX_DOC_BYTES_CEILING <= INT_MAX, "libxml2 takes a document length as int");
_Static_assert(GW_MAX_XML_DEPTH <= GW_MAX_XML_DEPTH_CEILING, "XML depth above its ceiling");
_Static_assert(GW_MAX_XML_ELEMENTS <= GW_MAX_XML_ELEMENTS_CEILING, "XML elements above their ceiling");
_Static_assert(GW_MAX_XML_TEXT <= GW_MAX_DOC_BYTES, "a text node cannot be larger than its document");
_Static_assert(GW_MAX_CERT_BASE64 <= GW_MAX_XML_TEXT, "the text node limit already bounds a certificate");
_Static_assert(GW_MAX_CERT_BASE64 <= INT_MAX, "OpenSSL's base64 decoder takes an int length");
_Static_assert(GW_MAX_CRLS > 0 && GW_MAX_CRLS <= 64, "each CRL slot is a 512-byte path in gw_config");
_Static_assert(GW_MAX_HEADERS <= GW_MAX_HEADERS_CEILING, "max_headers default above its ceiling");
_Static_assert(GW_MAX_HEADERS_CEILING <= INT32_MAX, "libevent's ev_ssize_t is 32 bits on some targets");
_Static_assert(GW_HTTP_MAX_ID >= 36, "a MessageId (GW_UUID_LEN, 36 characters) fits the {id} segment");
_Static_assert(GW_MAX_CONNECTIONS <= GW_MAX_CONNECTIONS_CEILING, "max_connections default above its ceiling");
_Static_assert(GW_MAX_HANDSHAKES <= GW_MAX_CONNECTIONS, "by default, unfinished handshakes leave slots free");
_Static_assert(GW_MAX_HANDSHAKES_PER_ADDRESS <= GW_MAX_HANDSHAKES, "one address cannot take every handshake");
_Static_assert(GW_MAX_HANDSHAKE_SECONDS <= GW_MAX_HANDSHAKE_SECONDS_CEILING,
               "handshake_timeout above its ceiling");
_Static_assert(GW_MAX_REQUEST_SECONDS <= GW_MAX_TIMEOUT_SECONDS_CEILING, "request_timeout above its ceiling");
_Static_assert(GW_MAX_IDLE_SECONDS <= GW_MAX_TIMEOUT_SECONDS_CEILING, "idle_timeout above its ceiling");
_Static_assert(GW_MAX_TIMEOUT_SECONDS_CEILING <= INT_MAX, "libevent takes the timeout as int seconds");
_Static_assert(GW_MAX_CREATED_PAST_SECONDS <= GW_MAX_CREATED_PAST_SECONDS_CEILING,
               "created_window_past default above its ceiling");
_Static_assert(GW_MAX_CREATED_FUTURE_SECONDS <= GW_MAX_CREATED_FUTURE_SECONDS_CEILING,
               "created_window_future default above its ceiling");
_Static_assert(GW_MAX_CHECKPOINT_BYTES <= GW_MAX_DOC_BYTES, "a checkpoint is parsed with the document limits");
_Static_assert(GW_CHECKPOINT_ENTRIES <= GW_MAX_CHECKPOINT_ENTRIES, "checkpoint_every_entries above its ceiling");
_Static_assert(GW_CHECKPOINT_SECONDS <= GW_MAX_CHECKPOINT_SECONDS, "checkpoint_every_seconds above its ceiling");
_Static_assert(GW_MAX_RECEIPT_BYTES <= GW_MAX_DOC_BYTES, "a receipt is parsed with the document limits");
_Static_assert(GW_MAX_DELIVER_SECONDS <= GW_MAX_DELIVER_SECONDS_CEILING, "deliver_timeout above its ceiling");
_Static_assert(GW_MAX_CONNECT_SECONDS <= GW_MAX_DELIVER_SECONDS, "by default, connecting fits in an attempt");
_Static_assert(GW_DELIVERY_CONCURRENCY >= 1 && GW_DELIVERY_CONCURRENCY <= GW_DELIVERY_CONCURRENCY_CEILING,
               "delivery_concurrency default within 1..its ceiling");
_Static_assert(GW_DELIVERY_CONCURRENCY <= GW_MAX_HANDSHAKES_PER_ADDRESS,
               "by default, a pool's connections fit what one peer admits from one address");
_Static_assert(GW_RETRY_INITIAL_MS <= GW_RETRY_INITIAL_MS_CEILING, "retry_initial default above its ceiling");
_Static_assert(GW_RETRY_INITIAL_MS <= GW_MAX_RETRY_INTERVAL_SECONDS * 1000u,
               "by default, the first back-off is shorter than the longest");
_Static_assert(GW_MAX_RETRY_INTERVAL_SECONDS <= GW_MAX_RETRY_INTERVAL_SECONDS_CEILING,
               "retry_max_interval default above its ceiling");
_Static_assert(GW_MAX_RETRY_AGE_SECONDS <= GW_MAX_RETRY_AGE_SECONDS_CEILING,
               "retry_max_age default above its ceiling");
_Static_assert(GW_INBOX_PAGE_DEFAULT > 0 && GW_INBOX_PAGE_DEFAULT <= GW_MAX_INBOX_PAGE,
               "the default inbox page is within 1..GW_MAX_INBOX_PAGE");
_Static_assert(GW_MAX_INBOX_REPLY_BYTES / GW_INBOX_ENTRY_MAX_BYTES >= GW_MAX_INBOX_PAGE,
               "the inbox reply buffer holds a full page");
_Static_assert(GW_MAX_CONFIG_LINE < GW_MAX_CONFIG_BYTES, "a configuration line fits in the file");
_Static_assert(GW_AUDIT_MAX_FIELD <= 4096u, "audit fields are read into stack buffers");
_Static_assert(GW_MAX_TSP_REPLY_BYTES <= GW_MAX_TSP_REPLY_BYTES_CEILING, "TSA reply limit above its ceiling");
_Static_assert(GW_MAX_TSP_REPLY_BYTES_CEILING <= INT_MAX, "OpenSSL's decoders and BIOs take int/long lengths");

_Static_assert(5u * 80u + GW_MERKLE_MAX_PATH * 70u <= GW_MERKLE_MAX_PROOF_TEXT,
               "the longest Merkle proof text fits the proof text limit (merkle.c writes into a buffer of it)");

#endif
