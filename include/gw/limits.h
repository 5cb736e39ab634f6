/* SPDX-License-Identifier: MIT */
/*
 * Every limit on untrusted input, in one place. Each says what it bounds, why this number and its hard
 * ceiling: configuration may lower a limit, never raise it past the ceiling. docs/limits.md restates them.
 */
#ifndef GW_LIMITS_H
#define GW_LIMITS_H

/* Bytes of one XML message. The largest real message (a decision with long reasoning) is ~40 KB; 4 MiB
 * leaves room for a data report and a signature with a long chain. Ceiling 16 MiB. */
#define GW_MAX_DOC_BYTES (4u * 1024u * 1024u)
#define GW_MAX_DOC_BYTES_CEILING (16u * 1024u * 1024u)

/* Element nesting depth. The message model is at most ~8 deep, a signature adds ~5. Ceiling 256. */
#define GW_MAX_XML_DEPTH 32u
#define GW_MAX_XML_DEPTH_CEILING 256u

/* Elements in one document. A 4 MiB data report fits in far fewer. Ceiling 1,000,000. */
#define GW_MAX_XML_ELEMENTS 50000u
#define GW_MAX_XML_ELEMENTS_CEILING 1000000u

/* Attributes (namespace declarations included) on one element. The model uses at most 3. */
#define GW_MAX_XML_ATTRS 16u

/* Bytes of one element or attribute name, prefix included. */
#define GW_MAX_XML_NAME 128u

/* Bytes of one text node (libxml2 hands it to us in pieces; we add them up). The longest field is
 * 20,000 characters of Latvian text (up to 2 bytes each), plus a certificate of a few KB in base64. */
#define GW_MAX_XML_TEXT (256u * 1024u)

/* Certificates in one KeyInfo (signer plus intermediates). Real chains have 1-3. */
#define GW_MAX_CHAIN_CERTS 8u

/* Bytes of all request headers: libevent refuses more than the ceiling with its own page; between the
 * configured max_headers and the ceiling the gateway answers 431 and says why. */
#define GW_MAX_HEADERS_CEILING (64u * 1024u)

/* Bytes of one PEM file (key, certificate, chain, CRL, trust anchors) read at start. */
#define GW_MAX_PEM_BYTES (1024u * 1024u)

/* Connections that have not finished the TLS handshake, i.e. not yet authenticated (max_handshakes). A
 * handshake takes a few milliseconds, so a few dozen cover bursts of real clients; when they are all taken,
 * a new connection displaces the oldest of them. Ceiling: the max_connections ceiling. */
#define GW_MAX_HANDSHAKES 64u
#define GW_MAX_HANDSHAKES_CEILING 10000u

/* Of those, from one client address (an IPv6 address counts per /64) (max_handshakes_per_address). A
 * gateway or IT system opens a few connections at a time; more from one address are refused at once. */
#define GW_MAX_HANDSHAKES_PER_ADDRESS 8u
#define GW_MAX_HANDSHAKES_PER_ADDRESS_CEILING 10000u

/* Seconds from accept until the TLS handshake must be complete (handshake_timeout), however many bytes
 * arrive meanwhile. A real handshake takes well under a second; 10 s leaves room for slow links. */
#define GW_HANDSHAKE_TIMEOUT_S 10u
#define GW_HANDSHAKE_TIMEOUT_S_CEILING 120u

#endif
