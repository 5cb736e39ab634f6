// SPDX-License-Identifier: MIT
/*
 * Parsing of untrusted XML (DESIGN §2, §3 "reject any DOCTYPE"). libxml2 2.9.14 has no entity amplification
 * limit, so the DOCTYPE is refused from the SAX internalSubset callback, before the internal subset is read.
 * Depth, element count, attribute count, name and text length are checked from wrapped SAX2 callbacks and
 * stop the parser at the first violation. Nothing here validates the schema or looks at signatures.
 */
#include "gw/xml.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gw/limits.h"
#include "gw/mem.h"
#include "gw/parse.h"

/* Set once by gw_xml_init before threads start; read-only afterwards. The entity loader hook of libxml2 is
 * process-global, so its policy has to be too. */
static char allowed_schema_dir[PATH_MAX];

void
gw_xml_limits_default(struct gw_xml_limits *lim)
{
    lim->max_bytes = GW_MAX_DOC_BYTES;
    lim->max_depth = GW_MAX_XML_DEPTH;
    lim->max_elements = GW_MAX_XML_ELEMENTS;
    lim->max_attrs = GW_MAX_XML_ATTRS;
    lim->max_name = GW_MAX_XML_NAME;
    lim->max_text = GW_MAX_XML_TEXT;
}

/* Only our own schema files may be loaded, never anything named by a document. */
static xmlParserInputPtr
restricted_entity_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
    char resolved[PATH_MAX];
    size_t dirlen = strlen(allowed_schema_dir);

    (void)id;
    if (url != NULL && dirlen > 0 && strstr(url, "://") == NULL && realpath(url, resolved) != NULL &&
        strncmp(resolved, allowed_schema_dir, dirlen) == 0 && resolved[dirlen] == '/') {
        return xmlNewInputFromFile(ctxt, resolved);
    }
    return NULL;
}

enum gw_rc
gw_xml_init(const char *schema_dir, struct gw_err *err)
{
    enum gw_rc rc = GW_ECONFIG;
    char resolved[PATH_MAX];

    xmlInitParser();
    GW_CHECK(realpath(schema_dir, resolved) != NULL, GW_ECONFIG, GW_R_CONFIG, "schema directory %s not found",
             schema_dir);
    memcpy(allowed_schema_dir, resolved, sizeof(allowed_schema_dir));
    xmlSetExternalEntityLoader(restricted_entity_loader);
    rc = GW_OK;
out:
    return rc;
}

struct parse_state {
    const struct gw_xml_limits *lim;
    size_t depth;
    size_t nodes;
    size_t text_run; /* bytes of the current text node so far */
    enum gw_reason stop_reason;
    char stop_msg[160];
    int stop_line;
    int first_error_line; /* the first well-formedness error, which names the cause; later ones follow */
    char first_error[200];
};

static void
stop(xmlParserCtxtPtr ctxt, enum gw_reason reason, const char *what, size_t limit)
{
    struct parse_state *st = ctxt->_private;

    if (st->stop_reason == GW_R_OK) {
        st->stop_reason = reason;
        st->stop_line = xmlSAX2GetLineNumber(ctxt);
        snprintf(st->stop_msg, sizeof(st->stop_msg), "%s (limit %zu)", what, limit);
    }
    xmlStopParser(ctxt);
}

static void
on_internal_subset(void *ctx, const xmlChar *name, const xmlChar *external_id, const xmlChar *system_id)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct parse_state *st = ctxt->_private;

    (void)name;
    (void)external_id;
    (void)system_id;
    if (st->stop_reason == GW_R_OK) {
        st->stop_reason = GW_R_XML_DTD;
        st->stop_line = xmlSAX2GetLineNumber(ctxt);
        snprintf(st->stop_msg, sizeof(st->stop_msg), "DOCTYPE declarations are not accepted");
    }
    xmlStopParser(ctxt);
}

static bool
count_node(xmlParserCtxtPtr ctxt)
{
    struct parse_state *st = ctxt->_private;

    st->text_run = 0;
    if (++st->nodes > st->lim->max_elements) {
        stop(ctxt, GW_R_LIMIT_NODES, "too many elements, comments or processing instructions",
             st->lim->max_elements);
        return false;
    }
    return true;
}

static void
on_start_element(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri, int nb_namespaces,
                 const xmlChar **namespaces, int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct parse_state *st = ctxt->_private;
    size_t name_len = strlen((const char *)localname) + (prefix != NULL ? strlen((const char *)prefix) + 1 : 0);

    if (!count_node(ctxt)) {
        return;
    }
    if (++st->depth > st->lim->max_depth) {
        stop(ctxt, GW_R_LIMIT_DEPTH, "elements nested too deeply", st->lim->max_depth);
        return;
    }
    if ((size_t)nb_namespaces + (size_t)nb_attributes > st->lim->max_attrs) {
        stop(ctxt, GW_R_LIMIT_ATTRS, "too many attributes on one element", st->lim->max_attrs);
        return;
    }
    if (name_len > st->lim->max_name) {
        stop(ctxt, GW_R_LIMIT_NAME, "element name too long", st->lim->max_name);
        return;
    }
    /* attributes: nb_attributes tuples of (localname, prefix, URI, value, end) */
    for (int i = 0; i < nb_attributes; i++) {
        const xmlChar *aname = attributes[i * 5];
        const xmlChar *aprefix = attributes[i * 5 + 1];
        const xmlChar *auri = attributes[i * 5 + 2];
        size_t alen = strlen((const char *)aname) + (aprefix != NULL ? strlen((const char *)aprefix) + 1 : 0);
        if (alen > st->lim->max_name) {
            stop(ctxt, GW_R_LIMIT_NAME, "attribute name too long", st->lim->max_name);
            return;
        }
        if ((size_t)(attributes[i * 5 + 4] - attributes[i * 5 + 3]) > st->lim->max_text) {
            stop(ctxt, GW_R_LIMIT_TEXT, "attribute value too long", st->lim->max_text);
            return;
        }
        /* DESIGN §3: exclusive C14N leaves prefixes used only in xsi:type values unsigned */
        if (auri != NULL && strcmp((const char *)auri, GW_NS_XSI) == 0) {
            if (st->stop_reason == GW_R_OK) {
                st->stop_reason = GW_R_XSI_ATTR;
                st->stop_line = xmlSAX2GetLineNumber(ctxt);
                snprintf(st->stop_msg, sizeof(st->stop_msg), "attribute xsi:%s is not accepted",
                         (const char *)aname);
            }
            xmlStopParser(ctxt);
            return;
        }
    }
    xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes, nb_defaulted,
                          attributes);
}

static void
on_end_element(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct parse_state *st = ctxt->_private;

    st->text_run = 0;
    if (st->depth > 0) {
        st->depth--;
    }
    xmlSAX2EndElementNs(ctx, localname, prefix, uri);
}

static bool
count_text(xmlParserCtxtPtr ctxt, int len)
{
    struct parse_state *st = ctxt->_private;

    if (len < 0 || (size_t)len > st->lim->max_text - st->text_run) {
        stop(ctxt, GW_R_LIMIT_TEXT, "text node too long", st->lim->max_text);
        return false;
    }
    st->text_run += (size_t)len;
    return true;
}

static void
on_characters(void *ctx, const xmlChar *ch, int len)
{
    if (count_text(ctx, len)) {
        xmlSAX2Characters(ctx, ch, len);
    }
}

static void
on_cdata(void *ctx, const xmlChar *ch, int len)
{
    if (count_text(ctx, len)) {
        xmlSAX2CDataBlock(ctx, ch, len);
    }
}

static void
on_comment(void *ctx, const xmlChar *value)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct parse_state *st = ctxt->_private;

    if (count_node(ctxt)) {
        if (strlen((const char *)value) > st->lim->max_text) {
            stop(ctxt, GW_R_LIMIT_TEXT, "comment too long", st->lim->max_text);
            return;
        }
        xmlSAX2Comment(ctx, value);
    }
}

static void
on_pi(void *ctx, const xmlChar *target, const xmlChar *data)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct parse_state *st = ctxt->_private;

    if (count_node(ctxt)) {
        if (data != NULL && strlen((const char *)data) > st->lim->max_text) {
            stop(ctxt, GW_R_LIMIT_TEXT, "processing instruction too long", st->lim->max_text);
            return;
        }
        xmlSAX2ProcessingInstruction(ctx, target, data);
    }
}

/* The encoding named in the XML declaration, if any, must be UTF-8. The parser itself is told to ignore
 * the declaration (so no converter ever runs), hence this look at the first bytes: the declaration must
 * be at the very start and ends at the first "?>". */
static bool
declared_encoding_is_utf8(const unsigned char *data, size_t len)
{
    struct gw_rd r;
    struct gw_rd d;
    struct gw_span decl;
    struct gw_span before;
    unsigned char quote = 0;

    gw_rd_init(&r, data, len < 256 ? len : 256);
    if (gw_rd_expect_lit(&r, "<?xml") != GW_OK) {
        return true; /* no declaration: UTF-8 by definition */
    }
    if (gw_rd_take_until_lit(&r, "?>", 256, &decl) != GW_OK) {
        return false;
    }
    gw_rd_init(&d, decl.p, decl.n);
    if (gw_rd_take_until_lit(&d, "encoding", 256, &before) != GW_OK || gw_rd_expect_lit(&d, "encoding") != GW_OK) {
        return true;
    }
    gw_rd_skip(&d, gw_parse_is_space);
    if (gw_rd_expect(&d, '=') != GW_OK) {
        return false;
    }
    gw_rd_skip(&d, gw_parse_is_space);
    return gw_rd_peek(&d, &quote) == GW_OK && (quote == '"' || quote == '\'') &&
           gw_rd_expect(&d, quote) == GW_OK && gw_rd_expect_lit_ci(&d, "UTF-8") == GW_OK &&
           gw_rd_expect(&d, quote) == GW_OK;
}

/* libxml2 messages end with a newline; copy one into buf without it. */
static const char *
one_line(const char *msg, char *buf, size_t n)
{
    size_t len;

    if (msg == NULL) {
        return "not well-formed";
    }
    len = strcspn(msg, "\n");
    if (len >= n) {
        len = n - 1;
    }
    memcpy(buf, msg, len);
    buf[len] = '\0';
    gw_utf8_repair(buf);
    return buf;
}

/* Keep parser errors off stderr and remember the first one. */
static void
quiet_error(void *ctx, xmlErrorPtr error)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct parse_state *st = ctxt != NULL ? ctxt->_private : NULL;

    if (st != NULL && error != NULL && error->level >= XML_ERR_ERROR && st->first_error[0] == '\0') {
        st->first_error_line = error->line;
        one_line(error->message, st->first_error, sizeof(st->first_error));
    }
}

/*
 * The pre-scan: one linear pass over the bytes before libxml2 sees them (security review F1). libxml2 2.9.14
 * checks attribute and namespace-declaration uniqueness with a nested loop over the attributes of a start tag,
 * in xmlParseStartTag2, before any SAX callback runs; and after its first well-formedness error it keeps
 * tokenising the rest of the document with SAX disabled, so no callback limit applies there at all. The
 * pre-scan therefore bounds what libxml2 will do whatever the document looks like:
 *  - every byte is a well-formed UTF-8 sequence of an XML character, so libxml2 never ends a comment, CDATA
 *    section, processing instruction or attribute value early at a bad character, and never falls back to
 *    reading the rest as Latin-1;
 *  - any "<!DOCTYPE" is refused (an ATTLIST of a DTD read with SAX disabled would add defaulted attributes
 *    to every start tag, uncounted);
 *  - comments, CDATA sections and processing instructions are skipped exactly as libxml2 skips them, and are
 *    refused above max_text (well below libxml2's own 10,000,000-byte cut-off, which would end them early);
 *  - every other '<' opens a tag region that lasts until '>' outside a quoted value, or until the next '<'
 *    (which ends any start tag in libxml2, quoted or not); each '=' outside a quoted value counts one
 *    attribute. A libxml2 start tag lies inside one region and each of its attributes has such a '=', so
 *    the count is never below libxml2's; in a well-formed document it is exact.
 * The checks after parsing (SAX callbacks) stay as they are and give the same reason codes.
 */

static bool
is_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* XML 1.0 Char, for a code point that UTF-8 can carry (surrogates and > U+10FFFF are already excluded). */
static bool
is_xml_char(uint32_t cp)
{
    return cp >= 0x20 ? cp != 0xfffe && cp != 0xffff : cp == '\t' || cp == '\n' || cp == '\r';
}

/* The line of byte pos, counted as libxml2 counts it (for the error location only). */
static int
line_of(const unsigned char *d, size_t pos)
{
    int line = 1;

    for (size_t i = 0; i < pos; i++) {
        if ((d[i] == '\n' || (d[i] == '\r' && d[i + 1] != '\n')) && line < INT_MAX) {
            line++;
        }
    }
    return line;
}

/* Does d[i..] start with the string s? */
static bool
starts(const unsigned char *d, size_t len, size_t i, const char *s)
{
    size_t n = strlen(s);

    return n <= len - i && memcmp(d + i, s, n) == 0;
}

/* Where the terminator `end` first occurs at or after `from` (len if nowhere), and the length of what lies
 * between as libxml2 hands it on (a CR LF pair becomes one LF). */
static size_t
find_end(const unsigned char *d, size_t len, size_t from, const char *end, size_t *text_len)
{
    const unsigned char *p = memmem(d + from, len - from, end, strlen(end));
    size_t at = p != NULL ? (size_t)(p - d) : len;
    size_t crlf = 0;

    for (size_t i = from; i + 1 < at; i++) {
        crlf += d[i] == '\r' && d[i + 1] == '\n';
    }
    *text_len = at - from - crlf;
    return at;
}

/* One tag region from the '<' at d[i]; returns where scanning goes on. */
static enum gw_rc
prescan_tag(const unsigned char *d, size_t len, size_t i, const char *name, const struct gw_xml_limits *lim,
            size_t *next, struct gw_err *err)
{
    enum gw_rc rc = GW_ELIMIT;
    size_t attrs = 0;
    size_t j = i + 1;
    bool after_eq = false;

    while (j < len && d[j] != '<') {
        unsigned char c = d[j];
        if (after_eq && (c == '"' || c == '\'')) {
            /* a quoted value ends at its quote, or at a '<' where libxml2 ends the start tag */
            for (j++; j < len && d[j] != c && d[j] != '<'; j++) {
            }
            if (j < len && d[j] == c) {
                j++;
            }
            after_eq = false;
            continue;
        }
        if (c == '>') {
            j++;
            break;
        }
        if (c == '=') {
            attrs++;
            if (attrs > lim->max_attrs) {
                gw_err_where(err, "%s:%d", name, line_of(d, j));
            }
            GW_CHECK(attrs <= lim->max_attrs, GW_ELIMIT, GW_R_LIMIT_ATTRS,
                     "too many attributes on one element (limit %zu)", lim->max_attrs);
            after_eq = true;
        } else if (!is_blank(c)) {
            after_eq = false;
        }
        j++;
    }
    *next = j;
    rc = GW_OK;
out:
    return rc;
}

static enum gw_rc
prescan(const unsigned char *d, size_t len, const char *name, const struct gw_xml_limits *lim, struct gw_err *err)
{
    enum gw_rc rc = GW_EINPUT;
    /* libxml2 cuts a longer comment, CDATA section or PI short (XML_MAX_TEXT_LENGTH) and reads on as content */
    size_t max_text = lim->max_text < XML_MAX_TEXT_LENGTH ? lim->max_text : XML_MAX_TEXT_LENGTH - 1;
    size_t i = 0;
    size_t text_len = 0;
    size_t bad = len;
    bool utf8 = true;
    uint32_t cp = 0;

    for (size_t k = 0; k < len && bad == len;) {
        size_t n;
        uint64_t w;
        /* eight bytes at a time while all are printable ASCII (0x20..0x7f): no top bit set in a byte, and
         * the top bit set in each byte plus 0x60 (no carries once the first test holds) */
        while (len - k >= sizeof(w)) {
            memcpy(&w, d + k, sizeof(w));
            if ((w & 0x8080808080808080u) != 0 || (~(w + 0x6060606060606060u) & 0x8080808080808080u) != 0) {
                break;
            }
            k += sizeof(w);
        }
        if (k >= len) {
            break;
        }
        if (d[k] >= 0x20 && d[k] < 0x80) {
            k++;
            continue;
        }
        n = gw_utf8_decode(d + k, len - k, &cp, NULL);
        if (n == 0 || !is_xml_char(cp)) {
            bad = k;
            utf8 = n != 0;
        }
        k += n;
    }
    if (bad < len) {
        gw_err_where(err, "%s:%d", name, line_of(d, bad));
    }
    GW_CHECK(bad == len || utf8, GW_EINPUT, GW_R_XML_MALFORMED, "invalid UTF-8 at byte %zu; messages are UTF-8",
             bad);
    GW_CHECK(bad == len, GW_EINPUT, GW_R_XML_MALFORMED, "character U+%04X at byte %zu is not allowed in XML",
             (unsigned)cp, bad);
    if (starts(d, len, 0, "\xef\xbb\xbf")) {
        i = 3;
    }
    if (starts(d, len, i, "<?xml") && i + 5 < len && is_blank(d[i + 5])) {
        /* libxml2 ends a broken XML declaration at the first '>' (MOVETO_ENDTAG), a good one too */
        const unsigned char *gt = memchr(d + i, '>', len - i);
        i = gt != NULL ? (size_t)(gt - d) + 1 : len;
    }
    while (i < len) {
        const unsigned char *lt = memchr(d + i, '<', len - i);
        size_t at;
        if (lt == NULL) {
            break;
        }
        at = i = (size_t)(lt - d);
        if (starts(d, len, i, "<!--")) {
            i = find_end(d, len, i + 4, "-->", &text_len) + 3;
            if (text_len > max_text) {
                gw_err_where(err, "%s:%d", name, line_of(d, at));
            }
            GW_CHECK(text_len <= max_text, GW_ELIMIT, GW_R_LIMIT_TEXT, "comment too long (limit %zu)", max_text);
        } else if (starts(d, len, i, "<![CDATA[")) {
            i = find_end(d, len, i + 9, "]]>", &text_len) + 3;
            if (text_len > max_text) {
                gw_err_where(err, "%s:%d", name, line_of(d, at));
            }
            GW_CHECK(text_len <= max_text, GW_ELIMIT, GW_R_LIMIT_TEXT, "text node too long (limit %zu)", max_text);
        } else if (starts(d, len, i, "<?")) {
            /* a PI only where libxml2 reads a target name (ASCII name start, at most max_name bytes); anything
             * else after "<?" libxml2 reads on as content, and so does the scan */
            size_t t = i + 2;
            while (t < len && !is_blank(d[t]) && d[t] != '?' && t - i - 2 <= lim->max_name) {
                t++;
            }
            i += 2;
            if (t > i && t - i <= lim->max_name &&
                (d[i] == '_' || d[i] == ':' || (d[i] >= 'a' && d[i] <= 'z') || (d[i] >= 'A' && d[i] <= 'Z'))) {
                while (t < len && is_blank(d[t])) {
                    t++;
                }
                i = find_end(d, len, t, "?>", &text_len) + 2;
                if (text_len > max_text) {
                    gw_err_where(err, "%s:%d", name, line_of(d, at));
                }
                GW_CHECK(text_len <= max_text, GW_ELIMIT, GW_R_LIMIT_TEXT,
                         "processing instruction too long (limit %zu)", max_text);
            }
        } else {
            if (starts(d, len, i, "<!DOCTYPE")) {
                gw_err_where(err, "%s:%d", name, line_of(d, at));
            }
            GW_CHECK(!starts(d, len, i, "<!DOCTYPE"), GW_EPOLICY, GW_R_XML_DTD,
                     "DOCTYPE declarations are not accepted");
            GW_TRY(prescan_tag(d, len, i, name, lim, &i, err));
        }
    }
    rc = GW_OK;
out:
    return rc;
}

enum gw_rc
gw_xml_parse(const unsigned char *data, size_t len, const char *name, const struct gw_xml_limits *lim,
             xmlDoc **out, struct gw_err *err)
{
    enum gw_rc rc = GW_EINPUT;
    xmlParserCtxtPtr ctxt = NULL;
    xmlDoc *doc = NULL;
    struct parse_state st = {.lim = lim, .stop_reason = GW_R_OK};
    /* read every document as UTF-8 whatever it declares: no converter runs, and bytes that are not UTF-8
     * fail as malformed instead of being transcoded */
    const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_IGNORE_ENC;
    const unsigned long mark = gw_mem_mark();

    GW_CHECK(len <= lim->max_bytes, GW_ELIMIT, GW_R_LIMIT_SIZE, "document has %zu bytes (limit %zu)", len,
             lim->max_bytes);
    GW_CHECK(len <= INT_MAX, GW_ELIMIT, GW_R_LIMIT_SIZE, "document too large");
    /* messages are UTF-8 (DESIGN §2): UTF-16/32 and anything else with NUL bytes is refused before parsing */
    GW_CHECK(memchr(data, '\0', len) == NULL, GW_EINPUT, GW_R_XML_MALFORMED,
             "NUL byte in the document: not UTF-8 XML");
    GW_CHECK(declared_encoding_is_utf8(data, len), GW_EINPUT, GW_R_XML_MALFORMED,
             "the XML declaration names an encoding other than UTF-8; messages are UTF-8");
    GW_TRY(prescan(data, len, name, lim, err));
    ctxt = xmlNewParserCtxt();
    GW_CHECK(ctxt != NULL, GW_ENOMEM, GW_R_NOMEM, "cannot create parser");
    ctxt->_private = &st;
    ctxt->sax->internalSubset = on_internal_subset;
    ctxt->sax->startElementNs = on_start_element;
    ctxt->sax->endElementNs = on_end_element;
    ctxt->sax->characters = on_characters;
    ctxt->sax->ignorableWhitespace = on_characters;
    ctxt->sax->cdataBlock = on_cdata;
    ctxt->sax->comment = on_comment;
    ctxt->sax->processingInstruction = on_pi;
    ctxt->sax->serror = quiet_error;

    doc = xmlCtxtReadMemory(ctxt, (const char *)data, (int)len, NULL, "UTF-8", options);
    if (st.stop_reason != GW_R_OK) {
        gw_err_where(err, "%s:%d", name, st.stop_line);
        GW_CHECK(false, st.stop_reason == GW_R_XML_DTD || st.stop_reason == GW_R_XSI_ATTR ? GW_EPOLICY : GW_ELIMIT,
                 st.stop_reason, "%s", st.stop_msg);
    }
    /* libxml2 2.9's SAX2 callbacks stop the parse on a failed allocation but leave wellFormed set */
    if (doc == NULL || !ctxt->wellFormed || !ctxt->nsWellFormed || ctxt->errNo == XML_ERR_NO_MEMORY) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        if ((e != NULL && e->code == XML_ERR_NO_MEMORY) || ctxt->errNo == XML_ERR_NO_MEMORY) {
            GW_CHECK(false, GW_ENOMEM, GW_R_NOMEM, "out of memory while parsing");
        }
        char why[200];
        if (st.first_error[0] != '\0') {
            gw_err_where(err, "%s:%d", name, st.first_error_line);
            GW_CHECK(false, GW_EINPUT, GW_R_XML_MALFORMED, "%s", st.first_error);
        }
        gw_err_where(err, "%s:%d", name, e != NULL ? e->line : 0);
        GW_CHECK(false, GW_EINPUT, GW_R_XML_MALFORMED, "%s",
                 one_line(e != NULL ? e->message : NULL, why, sizeof(why)));
    }
    GW_CHECK(doc->encoding == NULL || strcasecmp((const char *)doc->encoding, "UTF-8") == 0, GW_EINPUT,
             GW_R_XML_MALFORMED, "encoding %s is not accepted; messages are UTF-8", (const char *)doc->encoding);
    GW_CHECK(xmlDocGetRootElement(doc) != NULL, GW_EINPUT, GW_R_XML_MALFORMED, "no root element");
    /* libxml2 2.9 does not report every failed allocation (include/gw/mem.h): a document built while one
     * failed may lack text or attributes */
    GW_CHECK(!gw_mem_failed_since(mark), GW_ENOMEM, GW_R_NOMEM,
             "a library allocation failed while parsing; the document may be incomplete");
    *out = doc;
    doc = NULL;
    rc = GW_OK;
out:
    rc = gw_mem_reblame(rc, mark, err);
    if (rc != GW_OK) {
        gw_err_where(err, "%s", name);
    }
    xmlFreeDoc(doc);
    if (ctxt != NULL) {
        xmlFreeParserCtxt(ctxt);
    }
    return rc;
}

enum gw_rc
gw_xml_serialize(xmlDoc *doc, unsigned char **out, size_t *len, struct gw_err *err)
{
    enum gw_rc rc = GW_ENOMEM;
    xmlChar *mem = NULL;
    int size = 0;

    /* libxml2 2.9 returns what it wrote so far when its buffer cannot grow: only its error says so */
    xmlResetLastError();
    xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
    GW_CHECK(mem != NULL && size >= 0 && xmlGetLastError() == NULL, GW_ENOMEM, GW_R_NOMEM,
             "cannot serialise document");
    *out = (unsigned char *)mem; /* xmlFree is free() in this build (xmlMemSetup is never called) */
    *len = (size_t)size;
    mem = NULL;
    rc = GW_OK;
out:
    xmlFree(mem);
    return rc;
}

bool
gw_xml_is(const xmlNode *node, const char *ns, const char *local)
{
    return node != NULL && node->type == XML_ELEMENT_NODE && node->ns != NULL && node->ns->href != NULL &&
           strcmp((const char *)node->ns->href, ns) == 0 && strcmp((const char *)node->name, local) == 0;
}

bool
gw_xml_only_attrs(const xmlNode *n, const char *const *names)
{
    for (const xmlAttr *a = n->properties; a != NULL; a = a->next) {
        bool ok = false;
        for (size_t i = 0; names[i] != NULL; i++) {
            ok = ok || (a->ns == NULL && strcmp((const char *)a->name, names[i]) == 0);
        }
        if (!ok) {
            return false;
        }
    }
    return true;
}

xmlNode *
gw_xml_first_elem(const xmlNode *node)
{
    for (xmlNode *c = node->children; c != NULL; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            return c;
        }
    }
    return NULL;
}

xmlNode *
gw_xml_next_elem(const xmlNode *node)
{
    for (xmlNode *c = node->next; c != NULL; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            return c;
        }
    }
    return NULL;
}

char *
gw_xml_text(const xmlNode *node)
{
    xmlChar *t = xmlNodeGetContent(node);
    char *copy;

    if (t == NULL) {
        return strdup("");
    }
    copy = strdup((const char *)t);
    xmlFree(t);
    return copy;
}

const char *
gw_xml_attr(const xmlNode *node, const char *name)
{
    for (const xmlAttr *a = node->properties; a != NULL; a = a->next) {
        if (a->ns == NULL && strcmp((const char *)a->name, name) == 0) {
            if (a->children == NULL) {
                return "";
            }
            if (a->children->type == XML_TEXT_NODE && a->children->next == NULL) {
                return (const char *)a->children->content;
            }
            return NULL; /* a value made of several nodes is not read as anything: fail closed */
        }
    }
    return NULL;
}
