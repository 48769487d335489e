"""The truth corpus (issue 11): certificate sets made in code, each with the Milvus server files, the tlsMode and
the pymilvus client parameters, and nothing about the expected outcome: the outcome is OBSERVED (the Go front of a
Milvus line or real Milvus 2.3.5, with a real pymilvus client) and the doctor is held to it.

    from milvus_tls_lab.corpus import corpus
    for case in corpus():
        paths = case.write(tmp / case.name)
        case.client_params(paths)      # -> facts.pymilvus.ClientParams
        case.doctor_args(paths)        # -> milvus-tls doctor flags (files, --tls-mode, client flags, --server-name)

Classes (issue 11): 1 client-side failures that must never be overruled, 2 client certificates Go rejects,
3 Go's LoadX509KeyPair, 4 server_name with a port; 0 the earlier classes (docs procedure, names, validity, keys,
chains, algorithms, usages). `corpus()` builds every set once per process (RSA key generation is the slow part,
~5 s); the openssl CLI makes what `cryptography` refuses (SHA-1, negative serials, 512-bit RSA, RSA-PSS keys,
`openssl ecparam` key files, the docs' procedure).

Lab code: the doctor never imports it.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import ipaddress
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.certfactory import Issued, good_set, make_ca, make_leaf, new_key
from milvus_tls_check.facts.pymilvus import ClientParams
from milvus_tls_check.facts.x509 import quiet_parsing
from .material import docs_openssl_set

EARLIER = "0-earlier"
CLIENT_SIDE = "1-client-side"
GO_CLIENT_CERT = "2-go-client-cert"
GO_LOAD = "3-go-load"
NAME_PORT = "4-server-name-port"
CLASSES = (EARLIER, CLIENT_SIDE, GO_CLIENT_CERT, GO_LOAD, NAME_PORT)

BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Case:
    """One certificate set: Milvus's files + tlsMode, and the pymilvus keywords of one client.

    Mode 1 cases carry no caPemPath (Milvus never reads it there). Client side: either `client_server_pem`
    (pymilvus server_pem_path, one-way trust) or the mutual three; `server_name` always set (the URI dials
    127.0.0.1)."""

    name: str
    klass: str
    mode: int
    desc: str
    server_pem: bytes
    server_key: bytes
    ca_pem: Optional[bytes] = None
    client_server_pem: Optional[bytes] = None
    client_pem: Optional[bytes] = None
    client_key: Optional[bytes] = None
    client_ca_pem: Optional[bytes] = None
    server_name: str = "localhost"

    @property
    def server_setup(self) -> str:
        """Same value = same Milvus configuration (tlsMode and file contents): one server can serve them all."""
        h = hashlib.sha256(str(self.mode).encode())
        for part in (self.server_pem, self.server_key, self.ca_pem if self.mode == 2 else None):
            h.update(b"\0" + (part if part is not None else b"-"))
        return f"m{self.mode}-{h.hexdigest()[:12]}"

    def write(self, d: Path) -> dict[str, Path]:
        """Write the files under `d`: server.pem, server.key, [ca.pem], and the client's files."""
        d.mkdir(parents=True, exist_ok=True)
        files = {"server.pem": self.server_pem, "server.key": self.server_key, "ca.pem": self.ca_pem,
                 "client-trust.pem": self.client_server_pem, "client.pem": self.client_pem,
                 "client.key": self.client_key, "client-ca.pem": self.client_ca_pem}
        out: dict[str, Path] = {}
        for name, data in files.items():
            if data is None:
                continue
            p = d / name
            p.write_bytes(data)
            if name.endswith(".key"):
                p.chmod(0o600)
            out[name] = p
        return out

    def client_params(self, paths: dict[str, Path]) -> ClientParams:
        def s(k):
            return str(paths[k]) if k in paths else None
        return ClientParams(s("client-trust.pem"), s("client.pem"), s("client.key"), s("client-ca.pem"),
                            self.server_name)

    def doctor_args(self, paths: dict[str, Path]) -> list[str]:
        args = ["--tls-mode", str(self.mode), "--server-pem", str(paths["server.pem"]),
                "--server-key", str(paths["server.key"]), "--server-name", self.server_name]
        if "ca.pem" in paths:
            args += ["--ca-pem", str(paths["ca.pem"])]
        if "client-trust.pem" in paths:
            args += ["--client-server-pem", str(paths["client-trust.pem"])]
        for flag, k in (("--client-pem", "client.pem"), ("--client-key", "client.key"),
                        ("--client-ca-pem", "client-ca.pem")):
            if k in paths:
                args += [flag, str(paths[k])]
        return args


# ---- material helpers ----------------------------------------------------------------------------------------------

def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _sh(cmd: Sequence[str], cwd: Path, stdin: Optional[bytes] = None) -> bytes:
    cp = subprocess.run([str(c) for c in cmd], cwd=cwd, input=stdin, capture_output=True, check=False)
    if cp.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed: {cp.stderr.decode(errors='replace')}")
    return cp.stdout


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key, password: Optional[bytes] = None) -> bytes:
    enc = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc)


def _ski(cert: x509.Certificate):
    return cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value


_KU_NAMES = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
             "key_cert_sign", "crl_sign")


def custom_cert(issuer: Optional[Issued], cn: str, key, *, dns: Sequence[str] = (), ips: Sequence[str] = (),
                eku: Sequence = (), ku: Optional[Sequence[str]] = ("digital_signature", "key_encipherment"),
                ca: bool = False, path_length: Optional[int] = None, extra: Sequence = (),
                pss_salt: Optional[object] = None, days: int = 365) -> Issued:
    """A certificate with knobs tests/certfactory.py has not: extra extensions [(ext, critical)], EKU OIDs (anyExtendedKeyUsage),
    RSA-PSS signatures (pss_salt = padding.PSS.MAX_LENGTH or padding.PSS.DIGEST_LENGTH). issuer None = self-signed."""
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "milvus-tls-check corpus"),
                         x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = _now()
    b = (x509.CertificateBuilder().subject_name(subject)
         .issuer_name(issuer.cert.subject if issuer else subject).public_key(key.public_key())
         .serial_number(x509.random_serial_number())
         .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=days))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length if ca else None), critical=True))
    if ku is not None:
        b = b.add_extension(x509.KeyUsage(**{n: n in ku for n in _KU_NAMES}, encipher_only=False,
                                          decipher_only=False), critical=True)
    if eku:
        b = b.add_extension(x509.ExtendedKeyUsage(list(eku)), critical=False)
    names = [x509.DNSName(n) for n in dns] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    if names:
        b = b.add_extension(x509.SubjectAlternativeName(names), critical=False)
    b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    if issuer is not None:
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(_ski(issuer.cert)),
                            critical=False)
    for ext, critical in extra:
        b = b.add_extension(ext, critical=critical)
    signer = issuer.key if issuer else key
    if pss_salt is not None:
        cert = b.sign(signer, hashes.SHA256(),
                      rsa_padding=padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=pss_salt))
    else:
        cert = b.sign(signer, hashes.SHA256())
    return Issued(cert, key, chain=issuer.chain if issuer else ())


def openssl_leaf(issuer: Issued, cn: str, *, key_pem: Optional[bytes] = None, digest: str = "sha256",
                 eku: str = "serverAuth", san: str = "DNS:localhost", serial: Optional[int] = None) -> tuple[bytes, bytes]:
    """(cert PEM, key PEM) signed by the openssl CLI: SHA-1, negative serials, keys cryptography cannot write."""
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        (t / "ca.pem").write_bytes(issuer.cert_pem())
        (t / "ca.key").write_bytes(issuer.key_pem())
        if key_pem is None:
            key_pem = _key_pem(new_key("rsa2048"))
        (t / "leaf.key").write_bytes(key_pem)
        (t / "ext.cnf").write_text("basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature, "
                                   f"keyEncipherment\nextendedKeyUsage = {eku}\nsubjectAltName = {san}\n")
        _sh(["openssl", "req", "-new", "-key", "leaf.key", "-subj", f"/O=milvus-tls-check corpus/CN={cn}",
             "-out", "leaf.csr"], t)
        serial_args = ["-set_serial", str(serial)] if serial is not None else ["-CAcreateserial"]
        _sh(["openssl", "x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", *serial_args,
             f"-{digest}", "-days", "365", "-extfile", "ext.cnf", "-out", "leaf.pem"], t)
        return (t / "leaf.pem").read_bytes(), key_pem


def _openssl_key(args: Sequence[str]) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        return _sh(["openssl", *args], Path(tmp))


def rsa_key_openssl(bits: int):
    """An RSA key of any size (cryptography refuses to generate keys under 1024 bits)."""
    pem = _openssl_key(["genrsa", str(bits)])
    return serialization.load_pem_private_key(pem, None, unsafe_skip_rsa_key_validation=True)


def _docs_set(san: bool) -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp) / "docs"
        docs_openssl_set(d, san=san)
        return {n: (d / n).read_bytes() for n in ("ca.pem", "server.pem", "server.key", "client.pem", "client.key")}


def _crlf(b: bytes) -> bytes:
    return b.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


# ---- the corpus ----------------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def corpus() -> tuple[Case, ...]:  # noqa: C901 - one long, flat list of sets
    cases: list[Case] = []
    g = good_set()                              # CA, server (SAN localhost + IP 127.0.0.1, serverAuth), client
    ca = g.ca.cert_pem()
    srv, skey = g.server.cert_pem(True), g.server.key_pem()
    cli, ckey = g.client.cert_pem(True), g.client.key_pem()

    def one_way(name, klass, desc, server_pem=srv, server_key=skey, trust=ca, sn="localhost"):
        cases.append(Case(name, klass, 1, desc, server_pem, server_key, None, client_server_pem=trust,
                          server_name=sn))

    def mutual(name, klass, desc, server_pem=srv, server_key=skey, server_ca=ca, client_pem=cli,
               client_key=ckey, client_ca=ca, sn="localhost"):
        cases.append(Case(name, klass, 2, desc, server_pem, server_key, server_ca, client_pem=client_pem,
                          client_key=client_key, client_ca_pem=client_ca, server_name=sn))

    # ---- 0: the docs' procedure (openssl CLI, as the Milvus page writes it)
    for san in (True, False):
        d = _docs_set(san)
        tag = "docs-san" if san else "docs-cn-only"
        one_way(f"{tag}-m1", EARLIER, f"docs procedure ({'SAN DNS:localhost' if san else 'CN=localhost, no SAN'}), "
                "trust ca.pem", d["server.pem"], d["server.key"], d["ca.pem"])
        mutual(f"{tag}-m2", EARLIER, f"docs procedure ({'SAN' if san else 'CN only'}), mutual", d["server.pem"],
               d["server.key"], d["ca.pem"], d["client.pem"], d["client.key"], d["ca.pem"])
        if san:
            one_way("docs-san-trust-leaf-m1", EARLIER, "docs procedure, server_pem_path = the server cert itself",
                    d["server.pem"], d["server.key"], d["server.pem"])

    # ---- 0: the good set and what goes wrong on the client's side of it
    one_way("good-m1", EARLIER, "good set, trust ca.pem")
    mutual("good-m2", EARLIER, "good set, mutual")
    other = good_set()
    one_way("wrong-ca-m1", EARLIER, "client trusts another CA", trust=other.ca.cert_pem())
    mutual("wrong-ca-m2", EARLIER, "client's ca_pem_path is another CA", client_ca=other.ca.cert_pem())
    one_way("name-mismatch-m1", EARLIER, "server_name not in the SAN", sn="milvus.example.com")
    mutual("name-mismatch-m2", EARLIER, "server_name not in the SAN, mutual", sn="milvus.example.com")
    one_way("trailing-dot-m1", EARLIER, "server_name 'localhost.' (trailing dot)", sn="localhost.")
    one_way("upper-case-name-m1", EARLIER, "server_name 'LOCALHOST'", sn="LOCALHOST")
    mutual("client-other-ca-m2", EARLIER, "client cert from another CA", client_pem=other.client.cert_pem(True),
           client_key=other.client.key_pem())
    cases.append(Case("one-way-params-vs-m2", EARLIER, 2, "client sends no certificate (server_pem_path only) to mode 2",
                      srv, skey, ca, client_server_pem=ca))
    cases.append(Case("mutual-params-vs-m1", EARLIER, 1, "mutual client params against mode 1", srv, skey, None,
                      client_pem=cli, client_key=ckey, client_ca_pem=ca))

    # ---- 0: names on the server certificate
    wild = make_leaf(g.ca, "*.example.com", dns=("*.example.com",))
    for sn, tag in (("a.example.com", "one-label"), ("a.b.example.com", "two-labels"), ("example.com", "apex")):
        one_way(f"wildcard-{tag}-m1", EARLIER, f"SAN *.example.com, server_name {sn}", wild.cert_pem(),
                wild.key_pem(), sn=sn)
    ip_only = make_leaf(g.ca, "127.0.0.1", dns=(), ips=("127.0.0.1",))
    one_way("ip-san-ip-name-m1", EARLIER, "SAN IP:127.0.0.1 only, server_name 127.0.0.1", ip_only.cert_pem(),
            ip_only.key_pem(), sn="127.0.0.1")
    one_way("ip-san-dns-name-m1", EARLIER, "SAN IP:127.0.0.1 only, server_name localhost", ip_only.cert_pem(),
            ip_only.key_pem())

    # ---- 0: validity
    now = _now()
    expired = make_leaf(g.ca, not_before=now - dt.timedelta(days=30), not_after=now - dt.timedelta(days=1))
    one_way("expired-server-m1", EARLIER, "server cert expired yesterday", expired.cert_pem(), expired.key_pem())
    future = make_leaf(g.ca, not_before=now + dt.timedelta(days=1), not_after=now + dt.timedelta(days=60))
    one_way("not-yet-valid-server-m1", EARLIER, "server cert valid from tomorrow", future.cert_pem(), future.key_pem())
    exp_client = make_leaf(g.ca, "milvus-client", dns=("milvus-client",), eku=("client",),
                           not_before=now - dt.timedelta(days=30), not_after=now - dt.timedelta(days=1))
    mutual("expired-client-m2", EARLIER, "client cert expired yesterday", client_pem=exp_client.cert_pem(),
           client_key=exp_client.key_pem())

    # ---- 0: keys on the server
    stray = _key_pem(new_key("rsa2048"))
    one_way("key-mismatch-m1", EARLIER, "server.key belongs to another cert", server_key=stray)
    mutual("key-mismatch-m2", EARLIER, "server.key belongs to another cert, mutual", server_key=stray)
    one_way("encrypted-key-m1", EARLIER, "server.key encrypted (PKCS#8, passphrase)",
            server_key=_key_pem(g.server.key, b"secret-pass"))

    # ---- 0: usages
    eku_srv_only = make_leaf(g.ca, "milvus-client", dns=("milvus-client",), eku=("server",))
    mutual("client-eku-serverauth-m2", EARLIER, "client cert EKU serverAuth only", client_pem=eku_srv_only.cert_pem(),
           client_key=eku_srv_only.key_pem())
    any_eku = custom_cert(g.ca, "milvus-client", new_key("rsa2048"), dns=("milvus-client",),
                          eku=(ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,))
    mutual("client-eku-any-m2", EARLIER, "client cert EKU anyExtendedKeyUsage", client_pem=any_eku.cert_pem(),
           client_key=any_eku.key_pem())
    no_eku = make_leaf(g.ca, "milvus-client", dns=("milvus-client",), eku=None)
    mutual("client-no-eku-m2", EARLIER, "client cert without EKU", client_pem=no_eku.cert_pem(),
           client_key=no_eku.key_pem())
    srv_eku_client = make_leaf(g.ca, eku=("client",))
    one_way("server-eku-clientauth-m1", EARLIER, "server cert EKU clientAuth only", srv_eku_client.cert_pem(),
            srv_eku_client.key_pem())
    ku_srv = make_leaf(g.ca, key_usage=("key_encipherment",))
    one_way("server-ku-no-digsig-m1", EARLIER, "RSA server cert keyUsage keyEncipherment only", ku_srv.cert_pem(),
            ku_srv.key_pem())
    ku_cli = make_leaf(g.ca, "milvus-client", dns=("milvus-client",), eku=("client",), key_usage=("key_encipherment",))
    mutual("client-ku-no-digsig-m2", EARLIER, "RSA client cert keyUsage keyEncipherment only",
           client_pem=ku_cli.cert_pem(), client_key=ku_cli.key_pem())

    # ---- 0: intermediates
    root = make_ca("corpus root")
    inter = make_ca("corpus intermediate", issuer=root)
    leaf = make_leaf(inter)
    rca = root.cert_pem()
    one_way("server-chain-complete-m1", EARLIER, "server.pem = leaf + intermediate, client trusts the root",
            leaf.cert_pem(True), leaf.key_pem(), rca)
    one_way("server-chain-missing-m1", EARLIER, "server.pem = leaf only, client trusts the root",
            leaf.cert_pem(False), leaf.key_pem(), rca)
    one_way("server-chain-wrong-order-m1", EARLIER, "server.pem = intermediate then leaf",
            inter.cert_pem() + leaf.cert_pem(False), leaf.key_pem(), rca)
    one_way("server-chain-trust-intermediate-m1", EARLIER, "server.pem = leaf only, client trusts the intermediate",
            leaf.cert_pem(False), leaf.key_pem(), inter.cert_pem())
    ileaf_cli = make_leaf(inter, "milvus-client", dns=("milvus-client",), eku=("client",))
    mutual("client-chain-complete-m2", EARLIER, "client.pem = leaf + intermediate, server trusts the root",
           leaf.cert_pem(True), leaf.key_pem(), rca, ileaf_cli.cert_pem(True), ileaf_cli.key_pem(), rca)
    mutual("client-chain-missing-m2", EARLIER, "client.pem = leaf only, server trusts the root",
           leaf.cert_pem(True), leaf.key_pem(), rca, ileaf_cli.cert_pem(False), ileaf_cli.key_pem(), rca)
    p_root = make_ca("pathlen0 root", path_length=0)
    p_inter = make_ca("pathlen0 intermediate", issuer=p_root)
    p_leaf = make_leaf(p_inter)
    p_cli = make_leaf(p_inter, "milvus-client", dns=("milvus-client",), eku=("client",))
    one_way("server-pathlen-violated-m1", EARLIER, "root pathlen 0 above an intermediate (server chain)",
            p_leaf.cert_pem(True), p_leaf.key_pem(), p_root.cert_pem())
    mutual("client-pathlen-violated-m2", EARLIER, "root pathlen 0 above an intermediate (client chain)",
           srv, skey, p_root.cert_pem(), p_cli.cert_pem(True), p_cli.key_pem(), ca)

    # ---- 0: algorithms and key sizes
    sha1_cli, sha1_cli_key = openssl_leaf(g.ca, "milvus-client", digest="sha1", eku="clientAuth",
                                          san="DNS:milvus-client")
    mutual("sha1-client-m2", EARLIER, "client cert signed sha1WithRSA", client_pem=sha1_cli, client_key=sha1_cli_key)
    sha1_srv, sha1_srv_key = openssl_leaf(g.ca, "localhost", digest="sha1")
    one_way("sha1-server-m1", EARLIER, "server cert signed sha1WithRSA", sha1_srv, sha1_srv_key)
    neg_cli, neg_cli_key = openssl_leaf(g.ca, "milvus-client", eku="clientAuth", san="DNS:milvus-client", serial=-42)
    mutual("negative-serial-client-m2", EARLIER, "client cert serial -42", client_pem=neg_cli, client_key=neg_cli_key)
    neg_srv, neg_srv_key = openssl_leaf(g.ca, "localhost", serial=-42)
    one_way("negative-serial-server-m1", EARLIER, "server cert serial -42", neg_srv, neg_srv_key)
    for bits in (512, 1024):
        small = make_ca(f"rsa{bits} CA", key=rsa_key_openssl(bits) if bits < 1024 else new_key("rsa1024"))
        s_srv = make_leaf(small)
        s_cli = make_leaf(small, "milvus-client", dns=("milvus-client",), eku=("client",))
        one_way(f"rsa{bits}-ca-server-m1", EARLIER, f"server cert issued by a {bits}-bit RSA CA", s_srv.cert_pem(),
                s_srv.key_pem(), small.cert_pem())
        mutual(f"rsa{bits}-ca-client-m2", EARLIER, f"client cert issued by a {bits}-bit RSA CA", srv, skey,
               small.cert_pem(), s_cli.cert_pem(), s_cli.key_pem(), ca)
    for kt in ("ed25519", "ec-p384"):
        k_srv = make_leaf(g.ca, key_type=kt, key_usage=("digital_signature",))
        k_cli = make_leaf(g.ca, "milvus-client", dns=("milvus-client",), eku=("client",), key_type=kt,
                          key_usage=("digital_signature",))
        one_way(f"{kt}-server-m1", EARLIER, f"{kt} server key", k_srv.cert_pem(), k_srv.key_pem())
        mutual(f"{kt}-client-m2", EARLIER, f"{kt} client key", client_pem=k_cli.cert_pem(), client_key=k_cli.key_pem())
    ec_ca = make_ca("ec-p384 CA", key_type="ec-p384")
    ec_srv = make_leaf(ec_ca, key_type="ec-p256", key_usage=("digital_signature",))
    one_way("ec-p384-ca-ec-p256-server-m1", EARLIER, "P-384 CA, P-256 server key", ec_srv.cert_pem(),
            ec_srv.key_pem(), ec_ca.cert_pem())

    # ---- 1: client-side failures (the client stack is pymilvus's own: they are the truth)
    one_way("client-trust-bom-m1", CLIENT_SIDE, "server_pem_path (ca.pem) starts with a UTF-8 BOM", trust=BOM + ca)
    mutual("client-ca-bom-m2", CLIENT_SIDE, "client ca_pem_path starts with a UTF-8 BOM", client_ca=BOM + ca)
    for salt, tag in ((padding.PSS.MAX_LENGTH, "maxsalt"), (padding.PSS.DIGEST_LENGTH, "digestsalt")):
        pss_srv = custom_cert(g.ca, "localhost", new_key("rsa2048"), dns=("localhost",),
                              eku=(ExtendedKeyUsageOID.SERVER_AUTH,), pss_salt=salt)
        one_way(f"server-sig-pss-{tag}-m1", CLIENT_SIDE, f"server cert signed RSA-PSS (SHA-256, salt {tag})",
                pss_srv.cert_pem(), pss_srv.key_pem())
        pss_cli = custom_cert(g.ca, "milvus-client", new_key("rsa2048"), dns=("milvus-client",),
                              eku=(ExtendedKeyUsageOID.CLIENT_AUTH,), pss_salt=salt)
        mutual(f"client-sig-pss-{tag}-m2", GO_CLIENT_CERT, f"client cert signed RSA-PSS (SHA-256, salt {tag})",
               client_pem=pss_cli.cert_pem(), client_key=pss_cli.key_pem())
    p521 = custom_cert(g.ca, "localhost", ec.generate_private_key(ec.SECP521R1()), dns=("localhost",),
                       eku=(ExtendedKeyUsageOID.SERVER_AUTH,), ku=("digital_signature",))
    one_way("server-key-p521-m1", CLIENT_SIDE, "P-521 server key", p521.cert_pem(), p521.key_pem())
    mutual("server-key-p521-m2", CLIENT_SIDE, "P-521 server key, mutual", p521.cert_pem(), p521.key_pem())

    # ---- 2: client certificates Go rejects (and their near misses)
    unknown = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.55555.1.1"), b"\x05\x00")
    for critical in (True, False):
        c = custom_cert(g.ca, "milvus-client", new_key("rsa2048"), dns=("milvus-client",),
                        eku=(ExtendedKeyUsageOID.CLIENT_AUTH,), extra=[(unknown, critical)])
        mutual(f"client-unknown-{'critical' if critical else 'noncritical'}-ext-m2", GO_CLIENT_CERT,
               f"client cert with an unknown {'critical' if critical else 'non-critical'} extension",
               client_pem=c.cert_pem(), client_key=c.key_pem())
    nc = x509.NameConstraints(permitted_subtrees=None, excluded_subtrees=[x509.DNSName("blocked.example")])
    nc_key = new_key("rsa2048")
    nc_ca = custom_cert(None, "name-constrained CA", nc_key, ca=True, ku=("key_cert_sign", "crl_sign"),
                        extra=[(nc, True)], days=3650)
    for cn, tag in (("blocked.example", "excluded"), ("milvus-client", "allowed")):
        c = make_leaf(nc_ca, cn, dns=(cn,), eku=("client",))
        mutual(f"client-name-constraints-{tag}-m2", GO_CLIENT_CERT,
               f"CA excludes DNS blocked.example; client SAN {cn}", server_ca=nc_ca.cert_pem(),
               client_pem=c.cert_pem(), client_key=c.key_pem())
    pnc = x509.NameConstraints(permitted_subtrees=[x509.DNSName("corp.example")], excluded_subtrees=None)
    pnc_ca = custom_cert(None, "permitted-subtree CA", new_key("rsa2048"), ca=True, ku=("key_cert_sign", "crl_sign"),
                         extra=[(pnc, True)], days=3650)
    c = make_leaf(pnc_ca, "milvus-client", dns=("milvus-client",), eku=("client",))
    mutual("client-name-constraints-not-permitted-m2", GO_CLIENT_CERT,
           "CA permits only DNS corp.example; client SAN milvus-client", server_ca=pnc_ca.cert_pem(),
           client_pem=c.cert_pem(), client_key=c.key_pem())

    # ---- 3: Go's tls.LoadX509KeyPair
    one_way("server-pem-bom-m1", GO_LOAD, "UTF-8 BOM before the server certificate PEM", BOM + srv)
    mutual("server-pem-bom-m2", GO_LOAD, "UTF-8 BOM before the server certificate PEM, mutual", BOM + srv)
    one_way("server-key-bom-m1", GO_LOAD, "UTF-8 BOM before the server key PEM", server_key=BOM + skey)
    mutual("server-ca-bom-m2", GO_LOAD, "UTF-8 BOM before tls.caPemPath", server_ca=BOM + ca)
    one_way("server-pem-text-before-begin-m1", GO_LOAD, "openssl's 'subject=/issuer=' text before BEGIN",
            b"subject=O = milvus-tls-check, CN = localhost\nissuer=CN = milvus-tls-check test CA\n" + srv)
    one_way("server-key-text-before-begin-m1", GO_LOAD, "text before BEGIN in the key file",
            server_key=b"Bag Attributes\n    localKeyID: 01\n" + skey)
    one_way("server-files-crlf-m1", GO_LOAD, "server cert and key with CRLF line endings", _crlf(srv), _crlf(skey))
    mutual("server-files-crlf-m2", GO_LOAD, "server cert, key and CA with CRLF line endings", _crlf(srv), _crlf(skey),
           _crlf(ca))
    ecp = _openssl_key(["ecparam", "-name", "prime256v1", "-genkey"])
    assert b"EC PARAMETERS" in ecp, ecp[:80]
    ec_key = serialization.load_pem_private_key(ecp[ecp.index(b"-----BEGIN EC PRIVATE KEY"):], None)
    ec_leaf = make_leaf(g.ca, key=ec_key, key_usage=("digital_signature",))
    one_way("server-key-ec-parameters-m1", GO_LOAD, "`openssl ecparam -genkey` key file (EC PARAMETERS block first)",
            ec_leaf.cert_pem(), ecp)
    mutual("server-key-ec-parameters-m2", GO_LOAD, "`openssl ecparam -genkey` key file, mutual", ec_leaf.cert_pem(),
           ecp)
    pss_key_pem = _openssl_key(["genpkey", "-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048"])
    pss_leaf, _ = openssl_leaf(g.ca, "localhost", key_pem=pss_key_pem)
    one_way("server-key-rsa-pss-m1", GO_LOAD, "RSA-PSS server key (openssl genpkey -algorithm RSA-PSS)", pss_leaf,
            pss_key_pem)
    one_way("server-key-pkcs1-m1", GO_LOAD, "server key in PKCS#1 (BEGIN RSA PRIVATE KEY)",
            server_key=g.server.key_pem("pkcs1"))
    ec_sec1 = make_leaf(g.ca, key_type="ec-p256", key_usage=("digital_signature",))
    one_way("server-key-sec1-m1", GO_LOAD, "EC server key in SEC1 (BEGIN EC PRIVATE KEY)", ec_sec1.cert_pem(),
            ec_sec1.key_pem("sec1"))
    one_way("server-key-first-m1", GO_LOAD, "server.pem holds the key before the certificate", skey + srv)

    # ---- 4: server_name with a port
    one_way("server-name-port-m1", NAME_PORT, "server_name 'localhost:19530'", sn="localhost:19530")
    mutual("server-name-port-m2", NAME_PORT, "server_name 'localhost:19530', mutual", sn="localhost:19530")
    one_way("server-name-port-other-host-m1", NAME_PORT, "server_name 'milvus.example.com:19530'",
            sn="milvus.example.com:19530")
    one_way("server-name-port-ip-m1", NAME_PORT, "server_name '127.0.0.1:19530', SAN IP:127.0.0.1 only",
            ip_only.cert_pem(), ip_only.key_pem(), sn="127.0.0.1:19530")
    one_way("server-name-port-wildcard-m1", NAME_PORT, "server_name 'a.example.com:443', SAN *.example.com",
            wild.cert_pem(), wild.key_pem(), sn="a.example.com:443")

    names = [c.name for c in cases]
    assert len(names) == len(set(names)), "duplicate case names"
    return tuple(cases)


def by_name() -> dict[str, Case]:
    return {c.name: c for c in corpus()}


def counts() -> dict[str, int]:
    out = {k: 0 for k in CLASSES}
    for c in corpus():
        out[c.klass] += 1
    return out


if __name__ == "__main__":  # python -m milvus_tls_lab.corpus: list the corpus
    with quiet_parsing():
        for c in corpus():
            print(f"{c.klass:20} m{c.mode} {c.server_setup} {c.name:42} {c.desc}")
        print(counts(), len(corpus()), "cases,", len({c.server_setup for c in corpus()}), "server setups")


# ---- observing a case ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Observation:
    """What happened: `ok` = a real pymilvus client connected and got the server version.
    `started` False = the server refused its files (Milvus exits): then `go` is Go's load error."""

    ok: bool
    started: bool
    go: str = ""                 # Go's words: the load error, or the HANDSHAKE line of the connection
    pymilvus: str = ""           # pymilvus's exception and the grpc cause under it
    timed_out: bool = False
    could_not_run: str = ""      # the client could not be run at all (environment, not an outcome)
    seconds: float = 0.0

    def words(self) -> str:
        return "; ".join(p for p in (f"Go: {self.go}" if self.go else "",
                                     f"pymilvus: {self.pymilvus}" if self.pymilvus else "") if p)


CLIENT_TIMEOUT = 4.0


def _pymilvus_reason(out) -> str:
    text = out.cause or out.error
    return " ".join(text.split())[:400]


def observe_go(build, case: Case, backend_port: int, workdir: Path, timeout: float = CLIENT_TIMEOUT) -> Observation:
    """Run `case` through the Go front of `build` (gofront.GoBuild) before a plaintext backend, with a real pymilvus
    client in a subprocess."""
    from milvus_tls_check.handshake import gofront, pymilvus_process   # lab only: the doctor's layers never import this module

    paths = case.write(workdir)
    try:
        with gofront.start_front(build, case.mode, str(paths["server.pem"]), str(paths["server.key"]),
                                 str(paths["ca.pem"]) if "ca.pem" in paths else None, backend_port,
                                 timeout=timeout) as front:
            out = pymilvus_process.run(f"https://127.0.0.1:{front.port}", case.client_params(paths), timeout)
            line = front.next_handshake(1.0)
    except gofront.GoLoadError as exc:
        return Observation(False, False, go=str(exc))
    if out.could_not_run:
        return Observation(False, True, could_not_run=out.error, seconds=out.seconds)
    go = ""
    if line is not None:
        go = (f"HANDSHAKE ok {line.tls_version} {line.alpn or '-'} {line.client_subject or '-'}" if line.ok
              else f"HANDSHAKE error {line.error}")
    return Observation(out.ok, True, go=go, pymilvus="" if out.ok else _pymilvus_reason(out),
                       timed_out=out.error.startswith("pymilvus did not return"), seconds=out.seconds)


def observe_real(milvus_handle, case: Case, paths: dict[str, Path], timeout: float = CLIENT_TIMEOUT) -> Observation:
    """The same client against a running real Milvus (lab.realmilvus.running_milvus handle); a Milvus that did not
    start is a failure whose words are its exit status and the tail of its log."""
    from milvus_tls_check.handshake import pymilvus_process

    if not milvus_handle.started:
        lines = milvus_handle.log_text().strip().splitlines()
        why = [ln for ln in lines if re.search(r"creds|key pair|ca pem|append ca|x509|tls:", ln)] or lines[-3:]
        tail = " | ".join(why[-2:])[-400:]
        return Observation(False, False, go=f"Milvus exited {milvus_handle.exit_code}: {tail}")
    out = pymilvus_process.run(milvus_handle.uri_tls, case.client_params(paths), timeout)
    if out.could_not_run:
        return Observation(False, True, could_not_run=out.error, seconds=out.seconds)
    return Observation(out.ok, True, pymilvus="" if out.ok else _pymilvus_reason(out),
                       timed_out=out.error.startswith("pymilvus did not return"), seconds=out.seconds)


def in_setup_order(cases):
    """Cases grouped by server setup (one real Milvus per setup, started once) in an order every process agrees on:
    the setup hashes come from keys made at import, so each pytest-xdist worker has other hashes; the groups are
    ordered by their first case name instead (which cases share a setup does not depend on the keys)."""
    cases = list(cases)
    first: dict[str, str] = {}
    for c in sorted(cases, key=lambda c: c.name):
        first.setdefault(c.server_setup, c.name)
    return sorted(cases, key=lambda c: (first[c.server_setup], c.name))
