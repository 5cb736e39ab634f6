// SPDX-License-Identifier: MIT
/*
 * Signing (DESIGN §3 signing profile, §9 "never copy a key per message"). The xmlsec key is built once
 * from an EVP_PKEY and the certificates, and lent to each signature context, which gives it back before it
 * is destroyed. Private key bytes are cleansed after loading and never logged.
 */
#include "gw/sign.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xmlsec/crypto.h>
#include <xmlsec/keys.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/openssl/x509.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmldsig.h>

#include "gw/buf.h"
#include "gw/dsig.h"
#include "gw/envelope.h"
#include "gw/limits.h"
#include "gw/mem.h"
#include "gw/pki.h"
#include "gw/time.h"
#include "gw/xades.h"
#include "gw/xml.h"

struct gw_signer {
    xmlSecKeyPtr key;              /* private key + X509 data (leaf, chain) for KeyInfo */
    xmlDoc *key_info_doc;          /* holds key_info; read-only after load */
    xmlNode *key_info;             /* KeyInfo as xmlsec writes it for key, rendered once at load */
    xmlSecTransformId sign_method; /* chosen from the key type */
    char regno[GW_REGNO_LEN + 1];  /* from the certificate */
};

void
gw_signer_free(struct gw_signer *s)
{
    if (s == NULL) {
        return;
    }
    if (s->key != NULL) {
        xmlSecKeyDestroy(s->key);
    }
    xmlFreeDoc(s->key_info_doc);
    free(s);
}

const char *
gw_signer_regno(const struct gw_signer *s)
{
    return s->regno;
}

/* Never prompt for a pass phrase: an encrypted key is a configuration error here. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

/* What a file is, for the message refusing a key file that is not a regular one. */
static const char *
file_type(mode_t mode)
{
    if (S_ISDIR(mode)) {
        return "a directory";
    }
    if (S_ISFIFO(mode)) {
        return "a FIFO";
    }
    if (S_ISSOCK(mode)) {
        return "a socket";
    }
    if (S_ISCHR(mode) || S_ISBLK(mode)) {
        return "a device";
    }
    return "not a regular file";
}

/*
 * The rules a key file must meet for the daemon (docs/security.md 4), judged on the open descriptor so
 * that the file judged is the file read: a regular file (opened without following a symbolic link, see
 * read_key_file), owned by this process's user or by root, and closed to group and others (no bit of
 * 0077: a key others may write can be swapped as easily as one they may read can be copied).
 */
static enum gw_rc
check_key_file(int fd, struct gw_err *err)
{
    enum gw_rc rc = GW_ECONFIG;
    struct stat st;
    uid_t euid = geteuid();

    GW_CHECK(fstat(fd, &st) == 0, GW_EIO, GW_R_IO, "cannot stat key file: %s", strerror(errno));
    GW_CHECK(S_ISREG(st.st_mode), GW_ECONFIG, GW_R_CONFIG,
             "private key file is %s (mode %03o), not a regular file", file_type(st.st_mode),
             (unsigned)(st.st_mode & 0777));
    GW_CHECK((st.st_mode & (S_IRWXG | S_IRWXO)) == 0, GW_ECONFIG, GW_R_CONFIG,
             "private key file is accessible to group or others (mode %03o); chmod 600 it",
             (unsigned)(st.st_mode & 0777));
    GW_CHECK(st.st_uid == euid || st.st_uid == 0, GW_ECONFIG, GW_R_CONFIG,
             "private key file belongs to uid %lu, not to this process's uid %lu or root (mode %03o)",
             (unsigned long)st.st_uid, (unsigned long)euid, (unsigned)(st.st_mode & 0777));
    rc = GW_OK;
out:
    return rc;
}

/*
 * Read a key file into one buffer of GW_MAX_PEM_BYTES + 1 bytes, allocated once: a buffer that grew by
 * realloc would leave copies of the key in freed memory, which the cleansing could not reach. With
 * checks, a symbolic link as the last component of path is refused (O_NOFOLLOW) and check_key_file
 * judges the file. Without checks ('gateway sign'), '-' is stdin and a pipe is read like a file.
 * OUT: *out, *len; the caller cleanses *len bytes and frees *out.
 */
static enum gw_rc
read_key_file(const char *path, bool checks, unsigned char **out, size_t *len, struct gw_err *err)
{
    enum gw_rc rc = GW_EIO;
    bool is_stdin = !checks && strcmp(path, "-") == 0;
    int fd = -1;
    int open_errno = 0;
    unsigned char *data = NULL;
    size_t n = 0;

    if (is_stdin) {
        fd = STDIN_FILENO;
    } else {
        /* O_NONBLOCK: opening a FIFO must not wait for a writer; check_key_file refuses it anyway */
        fd = open(path, checks ? O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK : O_RDONLY | O_CLOEXEC);
        open_errno = errno;
    }
    GW_CHECK(fd >= 0 || !checks || open_errno != ELOOP, GW_ECONFIG, GW_R_CONFIG,
             "private key file is a symbolic link; name the file itself");
    GW_CHECK(fd >= 0, GW_EIO, GW_R_IO, "cannot open: %s", strerror(open_errno));
    if (checks) {
        GW_TRY(check_key_file(fd, err));
    }
    data = malloc(GW_MAX_PEM_BYTES + 1);
    GW_CHECK(data != NULL, GW_ENOMEM, GW_R_NOMEM, "key buffer");
    for (;;) {
        ssize_t r = read(fd, data + n, GW_MAX_PEM_BYTES + 1 - n);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        GW_CHECK(r >= 0, GW_EIO, GW_R_IO, "read failed: %s", strerror(errno));
        if (r == 0) {
            break;
        }
        n += (size_t)r;
        GW_CHECK(n <= GW_MAX_PEM_BYTES, GW_ELIMIT, GW_R_LIMIT_SIZE, "key file is larger than %u bytes",
                 GW_MAX_PEM_BYTES);
    }
    *out = data;
    *len = n;
    data = NULL;
    rc = GW_OK;
out:
    if (data != NULL) {
        OPENSSL_cleanse(data, n);
        free(data);
    }
    if (fd >= 0 && !is_stdin) {
        close(fd);
    }
    return rc;
}

enum gw_rc
gw_read_private_key(const char *path, bool private_mode_required, EVP_PKEY **out, struct gw_err *err)
{
    enum gw_rc rc = GW_ECONFIG;
    unsigned char *data = NULL;
    size_t len = 0;
    BIO *bio = NULL;
    EVP_PKEY *pkey = NULL;

    GW_TRY(read_key_file(path, private_mode_required, &data, &len, err));
    GW_CHECK(len <= INT_MAX, GW_ELIMIT, GW_R_LIMIT_SIZE, "key file too large");
    bio = BIO_new_mem_buf(data, (int)len);
    GW_CHECK(bio != NULL, GW_ENOMEM, GW_R_NOMEM, "BIO");
    pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
    GW_CHECK(pkey != NULL, GW_ECONFIG, GW_R_CONFIG, "no unencrypted PEM private key found");
    *out = pkey;
    pkey = NULL;
    rc = GW_OK;
out:
    if (rc != GW_OK) {
        gw_err_where(err, "%s", path);
    }
    ERR_clear_error();
    EVP_PKEY_free(pkey);
    BIO_free(bio);
    if (data != NULL) {
        OPENSSL_cleanse(data, len);
        free(data);
    }
    return rc;
}

static enum gw_rc
adopt_cert(xmlSecKeyDataPtr x509, X509 *cert, bool key_cert, struct gw_err *err)
{
    enum gw_rc rc = GW_ENOMEM;
    int ok;

    X509_up_ref(cert);
    ok = key_cert ? xmlSecOpenSSLKeyDataX509AdoptKeyCert(x509, cert)
                  : xmlSecOpenSSLKeyDataX509AdoptCert(x509, cert);
    if (ok < 0) {
        X509_free(cert);
    }
    GW_CHECK(ok >= 0, GW_ENOMEM, GW_R_NOMEM, "xmlsec: cannot attach certificate");
    rc = GW_OK;
out:
    return rc;
}

/*
 * KeyInfo is the same for every signature of a signer, and xmlsec's writing it (DER and base64 of each
 * certificate) costs more than an ECDSA signature: render it once here, by xmlSecDSigCtxSign itself over a
 * scratch document, and let gw_signer_sign copy it (docs/performance.md).
 */
static enum gw_rc
render_key_info(struct gw_signer *s, struct gw_err *err)
{
    enum gw_rc rc = GW_ENOMEM;
    xmlDoc *doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNode *root = NULL;
    xmlNode *sig = NULL;
    xmlNode *ref = NULL;
    xmlNode *key_info = NULL;
    xmlNode *x509 = NULL;
    xmlSecDSigCtxPtr ctx = NULL;
    int ok;

    GW_CHECK(doc != NULL, GW_ENOMEM, GW_R_NOMEM, "KeyInfo document");
    root = xmlNewDocNode(doc, NULL, (const xmlChar *)"r", NULL);
    GW_CHECK(root != NULL, GW_ENOMEM, GW_R_NOMEM, "KeyInfo document");
    xmlDocSetRootElement(doc, root);
    xmlResetLastError();
    sig = xmlSecTmplSignatureCreateNsPref(doc, xmlSecTransformExclC14NId, s->sign_method, NULL,
                                          (const xmlChar *)"ds");
    GW_CHECK(sig != NULL, GW_ENOMEM, GW_R_NOMEM, "xmlsec: signature template");
    xmlAddChild(root, sig);
    ref = xmlSecTmplSignatureAddReference(sig, xmlSecTransformSha256Id, NULL, (const xmlChar *)"", NULL);
    GW_CHECK(ref != NULL && xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId) != NULL, GW_ENOMEM,
             GW_R_NOMEM, "xmlsec: reference");
    key_info = xmlSecTmplSignatureEnsureKeyInfo(sig, NULL);
    GW_CHECK(key_info != NULL, GW_ENOMEM, GW_R_NOMEM, "xmlsec: KeyInfo");
    x509 = xmlSecTmplKeyInfoAddX509Data(key_info);
    GW_CHECK(x509 != NULL && xmlSecTmplX509DataAddCertificate(x509) != NULL, GW_ENOMEM, GW_R_NOMEM,
             "xmlsec: X509Data");
    ctx = xmlSecDSigCtxCreate(NULL);
    GW_CHECK(ctx != NULL, GW_ENOMEM, GW_R_NOMEM, "xmlsec: signature context");
    GW_TRY(gw_dsig_restrict(ctx, err));
    ctx->signKey = s->key; /* lent, as in gw_signer_sign */
    ok = xmlSecDSigCtxSign(ctx, sig);
    ctx->signKey = NULL;
    GW_CHECK(ok >= 0 && xmlGetLastError() == NULL, GW_ECRYPTO, GW_R_INTERNAL, "xmlsec: cannot write KeyInfo");
    s->key_info_doc = doc;
    s->key_info = key_info;
    doc = NULL;
    rc = GW_OK;
out:
    if (ctx != NULL) {
        ctx->signKey = NULL;
        xmlSecDSigCtxDestroy(ctx);
    }
    xmlFreeDoc(doc);
    return rc;
}

/* A copy of src (elements in the ds namespace and text only, as render_key_info makes them) for doc, its
 * elements in ns, the namespace already declared on the Signature it goes into: no new declarations. */
static xmlNode *
copy_rendered(xmlDoc *doc, xmlNs *ns, const xmlNode *src)
{
    xmlNode *n = NULL;

    if (src->type == XML_TEXT_NODE) {
        return xmlNewDocText(doc, src->content);
    }
    if (src->type != XML_ELEMENT_NODE || src->properties != NULL || src->nsDef != NULL || src->ns == NULL ||
        strcmp((const char *)src->ns->href, GW_NS_DSIG) != 0) {
        return NULL;
    }
    n = xmlNewDocNode(doc, ns, src->name, NULL);
    for (const xmlNode *c = src->children; n != NULL && c != NULL; c = c->next) {
        xmlNode *cc = copy_rendered(doc, ns, c);
        if (cc == NULL) {
            xmlFreeNode(n);
            return NULL;
        }
        xmlAddChild(n, cc);
    }
    return n;
}

/* Give the template's (empty) KeyInfo the children of the signer's rendered one. */
static enum gw_rc
fill_key_info(const struct gw_signer *s, xmlNode *key_info, struct gw_err *err)
{
    enum gw_rc rc = GW_ENOMEM;
    xmlNode *c = NULL;

    while (key_info->children != NULL) {
        c = key_info->children;
        xmlUnlinkNode(c);
        xmlFreeNode(c);
    }
    for (const xmlNode *src = s->key_info->children; src != NULL; src = src->next) {
        c = copy_rendered(key_info->doc, key_info->ns, src);
        GW_CHECK(c != NULL, GW_ENOMEM, GW_R_NOMEM, "KeyInfo copy");
        xmlAddChild(key_info, c);
    }
    rc = GW_OK;
out:
    return rc;
}

enum gw_rc
gw_signer_load(const char *key_pem, const char *cert_pem, const char *chain_pem, bool private_mode_required,
               struct gw_signer **out, struct gw_err *err)
{
    enum gw_rc rc = GW_ECONFIG;
    struct gw_signer *s = calloc(1, sizeof(*s));
    EVP_PKEY *pkey = NULL;
    STACK_OF(X509) *certs = NULL;
    STACK_OF(X509) *chain = NULL;
    xmlSecKeyDataPtr value = NULL;
    xmlSecKeyDataPtr x509 = NULL;
    X509 *leaf = NULL;

    GW_CHECK(s != NULL, GW_ENOMEM, GW_R_NOMEM, "signer");
    GW_TRY(gw_read_private_key(key_pem, private_mode_required, &pkey, err));
    GW_TRY(gw_pki_read_certs(cert_pem, &certs, err));
    leaf = sk_X509_value(certs, 0);
    if (chain_pem != NULL) {
        GW_TRY(gw_pki_read_certs(chain_pem, &chain, err));
    }
    GW_CHECK(X509_check_private_key(leaf, pkey) == 1, GW_ECONFIG, GW_R_KEY_MISMATCH,
             "private key %s does not match certificate %s", key_pem, cert_pem);
    ERR_clear_error();
    GW_CHECK(gw_pki_key_allowed(pkey), GW_ECONFIG, GW_R_SIG_ALGORITHM,
             "key is neither RSA of 2048+ bits nor EC P-256/P-384");
    GW_TRY(gw_pki_cert_regno(leaf, s->regno, err));
    switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_RSA:
        s->sign_method = xmlSecTransformRsaSha256Id;
        break;
    case EVP_PKEY_EC:
        s->sign_method =
            EVP_PKEY_get_bits(pkey) > 256 ? xmlSecTransformEcdsaSha384Id : xmlSecTransformEcdsaSha256Id;
        break;
    default:
        GW_CHECK(false, GW_ECONFIG, GW_R_SIG_ALGORITHM, "unsupported key type");
    }

    value = xmlSecOpenSSLEvpKeyAdopt(pkey);
    GW_CHECK(value != NULL, GW_ENOMEM, GW_R_NOMEM, "xmlsec: cannot adopt key");
    pkey = NULL; /* owned by value now */
    s->key = xmlSecKeyCreate();
    GW_CHECK(s->key != NULL, GW_ENOMEM, GW_R_NOMEM, "xmlsec: key");
    GW_CHECK(xmlSecKeySetValue(s->key, value) >= 0, GW_ENOMEM, GW_R_NOMEM, "xmlsec: key value");
    value = NULL;
    x509 = xmlSecKeyEnsureData(s->key, xmlSecOpenSSLKeyDataX509Id);
    GW_CHECK(x509 != NULL, GW_ENOMEM, GW_R_NOMEM, "xmlsec: X509 data");
    /* KeyInfo lists the certificates in this order: the signer's first, then the intermediates */
    GW_TRY(adopt_cert(x509, leaf, true, err));
    GW_TRY(adopt_cert(x509, leaf, false, err));
    for (int i = 0; chain != NULL && i < sk_X509_num(chain); i++) {
        GW_TRY(adopt_cert(x509, sk_X509_value(chain, i), false, err));
    }
    GW_TRY(render_key_info(s, err));
    *out = s;
    s = NULL;
    rc = GW_OK;
out:
    if (value != NULL) {
        xmlSecKeyDataDestroy(value);
    }
    EVP_PKEY_free(pkey);
    sk_X509_pop_free(certs, X509_free);
    sk_X509_pop_free(chain, X509_free);
    gw_signer_free(s);
    return rc;
}

static bool
has_signature(const xmlNode *node)
{
    for (const xmlNode *c = node; c != NULL; c = c->next) {
        if (gw_xml_is(c, GW_NS_DSIG, "Signature") || (c->children != NULL && has_signature(c->children))) {
            return true;
        }
    }
    return false;
}

enum gw_rc
gw_signer_sign(const struct gw_signer *s, xmlDoc *doc, const char *name, struct gw_err *err)
{
    enum gw_rc rc = GW_ECRYPTO;
    xmlNode *root = xmlDocGetRootElement(doc);
    xmlNode *sig = NULL;
    xmlNode *ref = NULL;
    xmlNode *key_info = NULL;
    xmlSecDSigCtxPtr ctx = NULL;
    struct gw_envelope env = {0};
    const unsigned long mark = gw_mem_mark();

    GW_TRY(gw_envelope_read(doc, name, &env, err));
    GW_CHECK(!has_signature(root->children), GW_EINPUT, GW_R_ALREADY_SIGNED,
             "message already has a ds:Signature; sign unsigned envelopes only");
    GW_CHECK(strcmp(env.sender, s->regno) == 0, GW_EPOLICY, GW_R_SENDER_MISMATCH,
             "Sender is %s but the certificate belongs to organisation %s", env.sender, s->regno);

    /* xmlsec ignores some libxml2 allocation failures (xmlSetNsProp, xmlNodeSetContent) and would sign a
     * partial template: libxml2's error record is what tells (allocation-failure tests, sign index 368) */
    xmlResetLastError();
    sig = xmlSecTmplSignatureCreateNsPref(doc, xmlSecTransformExclC14NId, s->sign_method, NULL,
                                          (const xmlChar *)"ds");
    GW_CHECK(sig != NULL, GW_ENOMEM, GW_R_NOMEM, "xmlsec: signature template");
    xmlAddChild(root, sig);
    ref = xmlSecTmplSignatureAddReference(sig, xmlSecTransformSha256Id, NULL, (const xmlChar *)"", NULL);
    GW_CHECK(ref != NULL, GW_ENOMEM, GW_R_NOMEM, "xmlsec: reference");
    GW_CHECK(xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId) != NULL &&
                 xmlSecTmplReferenceAddTransform(ref, xmlSecTransformExclC14NId) != NULL,
             GW_ENOMEM, GW_R_NOMEM, "xmlsec: transforms");
    /* left empty for xmlsec, which then writes nothing into it; filled from the rendered copy below */
    key_info = xmlSecTmplSignatureEnsureKeyInfo(sig, NULL);
    GW_CHECK(key_info != NULL, GW_ENOMEM, GW_R_NOMEM, "xmlsec: KeyInfo");
    /* XAdES B-B (DESIGN §3): SignedProperties, and the second Reference to them */
    GW_TRY(gw_xades_prepare(
        doc, sig, xmlSecOpenSSLKeyDataX509GetKeyCert(xmlSecKeyGetData(s->key, xmlSecOpenSSLKeyDataX509Id)),
        gw_time_now_ms() / 1000, err));

    ctx = xmlSecDSigCtxCreate(NULL);
    GW_CHECK(ctx != NULL, GW_ENOMEM, GW_R_NOMEM, "xmlsec: signature context");
    GW_TRY(gw_dsig_restrict(ctx, err));
    gw_xades_enable(ctx);
    /* lent, not copied (DESIGN §9): taken back below before the context is destroyed */
    ctx->signKey = s->key;
    {
        int ok = xmlSecDSigCtxSign(ctx, sig);
        ctx->signKey = NULL;
        GW_CHECK(ok >= 0, GW_ECRYPTO, GW_R_INTERNAL, "signing failed");
    }
    /* KeyInfo is outside SignedInfo and inside the enveloped Signature: no digest covers it */
    GW_TRY(fill_key_info(s, key_info, err));
    GW_CHECK(xmlGetLastError() == NULL, GW_ENOMEM, GW_R_NOMEM, "libxml2 failed while signing: %s",
             xmlGetLastError()->message != NULL ? xmlGetLastError()->message : "no message");
    /* libxml2's C14N ignores a failed xmlListInsert and leaves no error record: the digest then covers other
     * bytes and the signature does not verify (allocation-failure tests, sign 535-1150). Any library
     * allocation that failed while signing makes the signature untrusted. */
    GW_CHECK(!gw_mem_failed_since(mark), GW_ENOMEM, GW_R_NOMEM,
             "a library allocation failed while signing; the signature is not trusted");
    sig = NULL; /* part of the document now */
    rc = GW_OK;
out:
    rc = gw_mem_reblame(rc, mark, err);
    if (ctx != NULL) {
        ctx->signKey = NULL;
        xmlSecDSigCtxDestroy(ctx);
    }
    if (sig != NULL) {
        xmlUnlinkNode(sig);
        xmlFreeNode(sig);
    }
    if (rc != GW_OK) {
        gw_err_where(err, "%s", name);
    }
    gw_envelope_cleanup(&env);
    return rc;
}
