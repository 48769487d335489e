"""The observation cases: each Milvus server configuration (tlsMode, serverPemPath, serverKeyPath, caPemPath) with
the pymilvus clients tried against it, and what KNOWLEDGE.md / plain TLS rules predict for each.

`build(work)` writes every certificate set under work/material and returns the servers; tools/observe_real.py runs
them against real Milvus. Lab code: the doctor never imports it.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Optional

from cryptography.hazmat.primitives import serialization

from .material import (KC, NOW, PASS, docs_openssl_set, key_pem, load_kc, make_cert, new_key, pem, sha1_leaf,
                       write_pair)


@dataclasses.dataclass
class Client:
    id: str
    desc: str
    kwargs: dict  # pymilvus kwargs; values that are Paths are files
    scheme: str = "https"  # https | http
    host: str = "127.0.0.1"  # host placed in the URI
    knowledge: Optional[bool] = None  # what KNOWLEDGE.md (+ plain TLS rules) predicts
    knowledge_note: str = ""


@dataclasses.dataclass
class Server:
    id: str
    mode: int
    desc: str
    server_pem: Optional[Path]
    server_key: Optional[Path]
    ca_pem: Optional[Path]
    clients: list
    expect_start: Optional[bool] = True


def build(work: Path) -> list[Server]:  # noqa: C901 - one long, flat list of cases
    m = work / "material"
    m.mkdir(parents=True, exist_ok=True)
    S: list[Server] = []

    def mtls(d: Path, stem: str = "client", ca: Optional[Path] = None, name: str = "localhost") -> dict:
        return dict(client_pem_path=d / f"{stem}.pem", client_key_path=d / f"{stem}.key",
                    ca_pem_path=ca or d / "ca.pem", server_name=name)

    # ---- docs-style sets (openssl CLI, docs procedure)
    dsan, dnosan = m / "docs-san", m / "docs-nosan"
    docs_openssl_set(dsan, san=True)
    docs_openssl_set(dnosan, san=False)
    docs_ca = load_kc(dsan / "ca.pem", dsan / "ca.key")

    S.append(Server("m1-docs-san", 1, "docs set, server SAN DNS:localhost, CN=localhost",
                    dsan / "server.pem", dsan / "server.key", None, [
        Client("trust-ca+sn", "server_pem_path=ca.pem, server_name=localhost",
               dict(server_pem_path=dsan / "ca.pem", server_name="localhost"), knowledge=True),
        Client("trust-leaf+sn", "server_pem_path=server.pem (the leaf itself), server_name=localhost",
               dict(server_pem_path=dsan / "server.pem", server_name="localhost"), knowledge=True,
               knowledge_note="KNOWLEDGE: server_pem_path may be the server cert itself"),
        Client("trust-ca-no-sn", "server_pem_path=ca.pem, no server_name (dials 127.0.0.1)",
               dict(server_pem_path=dsan / "ca.pem"), knowledge=False,
               knowledge_note="IP target matches IP SANs only"),
        Client("trust-leaf-no-sn", "server_pem_path=server.pem, no server_name (dials 127.0.0.1)",
               dict(server_pem_path=dsan / "server.pem"), knowledge=False),
        Client("dial-localhost-no-sn", "uri https://localhost:PORT, server_pem_path=ca.pem, no server_name",
               dict(server_pem_path=dsan / "ca.pem"), host="localhost", knowledge=True),
        Client("wrong-sn", "server_pem_path=ca.pem, server_name=milvus.example.com",
               dict(server_pem_path=dsan / "ca.pem", server_name="milvus.example.com"), knowledge=False,
               knowledge_note="KNOWLEDGE: 'Peer name X is not in peer certificate'"),
        Client("plaintext-client", "http:// URI (no TLS) against the TLS server", {}, scheme="http",
               knowledge=False),
        Client("ca_pem_path-only", "https, ca_pem_path=ca.pem only (+server_name)",
               dict(ca_pem_path=dsan / "ca.pem", server_name="localhost"), knowledge=False,
               knowledge_note="pymilvus#2785: ca_pem_path alone ignored -> default roots"),
        Client("secure-no-trust", "https, no trust files at all (grpc default roots)",
               dict(server_name="localhost"), knowledge=False),
        Client("mutual-params-vs-mode1", "client_pem+client_key+ca_pem (mutual params) against mode 1",
               mtls(dsan), knowledge=True, knowledge_note="mode 1 asks for no client cert"),
        Client("secure-false-https", "https URI but secure=False passed explicitly",
               dict(secure=False, server_pem_path=dsan / "ca.pem", server_name="localhost"), knowledge=False,
               knowledge_note="'secure' in kwargs wins over the https scheme -> plaintext"),
    ]))
    S.append(Server("m1-docs-nosan", 1, "docs set without SAN (CN=localhost only)",
                    dnosan / "server.pem", dnosan / "server.key", None, [
        Client("trust-ca+sn", "server_pem_path=ca.pem, server_name=localhost",
               dict(server_pem_path=dnosan / "ca.pem", server_name="localhost"), knowledge=True,
               knowledge_note="grpc uses CN when there is no SAN and the target is not an IP"),
        Client("trust-leaf+sn", "server_pem_path=server.pem, server_name=localhost",
               dict(server_pem_path=dnosan / "server.pem", server_name="localhost"), knowledge=True),
        Client("trust-ca-no-sn", "server_pem_path=ca.pem, no server_name (dials 127.0.0.1)",
               dict(server_pem_path=dnosan / "ca.pem"), knowledge=False,
               knowledge_note="IP targets never match the CN"),
        Client("dial-localhost-no-sn", "uri https://localhost:PORT, no server_name",
               dict(server_pem_path=dnosan / "ca.pem"), host="localhost", knowledge=True),
    ]))

    # ---- server-cert variants, all issued by the docs CA unless said otherwise
    def m1(id_, desc, kc: Optional[KC] = None, *, files=None, sn="localhost", clients=None, knowledge=True,
           note="", expect_start=True, leaf_trust=True, host="127.0.0.1"):
        d = m / id_
        d.mkdir(exist_ok=True)
        if files is None:
            c, k = write_pair(d, "server", kc)
            (d / "ca.pem").write_bytes((dsan / "ca.pem").read_bytes())
        else:
            c, k = files
        base_kw = {} if sn is None else {"server_name": sn}
        cl = clients if clients is not None else [
            Client("trust-ca", f"server_pem_path=ca.pem{', server_name=' + sn if sn else ''}",
                   dict(server_pem_path=d / "ca.pem", **base_kw), host=host, knowledge=knowledge,
                   knowledge_note=note)]
        if clients is None and leaf_trust:
            cl.append(Client("trust-leaf", f"server_pem_path=server.pem{', server_name=' + sn if sn else ''}",
                             dict(server_pem_path=c, **base_kw), host=host, knowledge=knowledge,
                             knowledge_note=note))
        S.append(Server(id_, 1, desc, c, k, None, cl, expect_start))
        return d

    def leaf(key="rsa2048", **kw) -> KC:
        kw.setdefault("dns", ("localhost",))
        return make_cert("localhost", new_key(key, m), docs_ca, **kw)

    d = m / "m1-ip-san"
    d.mkdir(exist_ok=True)
    ip_leaf = make_cert("127.0.0.1", new_key("rsa2048", m), docs_ca, ips=("127.0.0.1",))
    c, k = write_pair(d, "server", ip_leaf)
    (d / "ca.pem").write_bytes((dsan / "ca.pem").read_bytes())
    S.append(Server("m1-ip-san", 1, "server SAN IP:127.0.0.1 only", c, k, None, [
        Client("trust-ca-no-sn", "server_pem_path=ca.pem, no server_name (dials 127.0.0.1)",
               dict(server_pem_path=d / "ca.pem"), knowledge=True),
        Client("trust-leaf-no-sn", "server_pem_path=server.pem, no server_name",
               dict(server_pem_path=c), knowledge=True),
        Client("trust-ca+sn-localhost", "server_pem_path=ca.pem, server_name=localhost",
               dict(server_pem_path=d / "ca.pem", server_name="localhost"), knowledge=False),
        Client("trust-ca+sn-ip", "server_pem_path=ca.pem, server_name=127.0.0.1",
               dict(server_pem_path=d / "ca.pem", server_name="127.0.0.1"), knowledge=True),
    ]))
    d = m / "m1-wildcard"
    d.mkdir(exist_ok=True)
    c, k = write_pair(d, "server", make_cert("*.example.com", new_key("rsa2048", m), docs_ca,
                                             dns=("*.example.com",)))
    (d / "ca.pem").write_bytes((dsan / "ca.pem").read_bytes())
    S.append(Server("m1-wildcard", 1, "server SAN DNS:*.example.com", c, k, None, [
        Client("sn-a.example.com", "server_pem_path=ca.pem, server_name=a.example.com",
               dict(server_pem_path=d / "ca.pem", server_name="a.example.com"), knowledge=True),
        Client("sn-a.b.example.com", "server_pem_path=ca.pem, server_name=a.b.example.com",
               dict(server_pem_path=d / "ca.pem", server_name="a.b.example.com"), knowledge=False),
        Client("sn-example.com", "server_pem_path=ca.pem, server_name=example.com",
               dict(server_pem_path=d / "ca.pem", server_name="example.com"), knowledge=False),
        Client("sn-A.EXAMPLE.COM", "server_pem_path=ca.pem, server_name=A.EXAMPLE.COM (upper case)",
               dict(server_pem_path=d / "ca.pem", server_name="A.EXAMPLE.COM"), knowledge=True,
               knowledge_note="KNOWLEDGE: name match is case-insensitive"),
        Client("sn-a.example.com.", "server_pem_path=ca.pem, server_name=a.example.com. (trailing dot)",
               dict(server_pem_path=d / "ca.pem", server_name="a.example.com."), knowledge=True,
               knowledge_note="KNOWLEDGE: trailing dot ignored (by grpc's name check)"),
    ]))
    m1("m1-expired", "server cert expired (notAfter yesterday)",
       leaf(not_before=NOW - dt.timedelta(days=30), not_after=NOW - dt.timedelta(days=1)), knowledge=False)
    m1("m1-not-yet-valid", "server cert notBefore tomorrow",
       leaf(not_before=NOW + dt.timedelta(days=1), not_after=NOW + dt.timedelta(days=30)), knowledge=False)
    m1("m1-eku-clientauth", "server cert EKU clientAuth only", leaf(eku=("client",)), knowledge=False,
       note="not in KNOWLEDGE; general X.509 purpose rule")
    m1("m1-eku-serverauth", "server cert EKU serverAuth (control)", leaf(eku=("server",)), knowledge=True)
    m1("m1-ku-keyenc-only", "RSA server cert, keyUsage keyEncipherment only (no digitalSignature)",
       leaf(ku=("key_encipherment",)), knowledge=None, note="not in KNOWLEDGE")
    d = m / "m1-sha1"
    d.mkdir(exist_ok=True)
    s1 = sha1_leaf(d, "server", dsan)
    (d / "server.key").write_bytes(key_pem(s1.key))
    (d / "ca.pem").write_bytes((dsan / "ca.pem").read_bytes())
    m1("m1-sha1", "server cert signed with sha1WithRSAEncryption", files=(d / "server.pem", d / "server.key"),
       knowledge=None, note="KNOWLEDGE only says Go rejects SHA-1 (client certs); BoringSSL client unknown")
    m1("m1-rsa1024", "server key RSA 1024", leaf("rsa1024"), knowledge=True)
    m1("m1-rsa512", "server key RSA 512 (openssl genrsa 512)", leaf("rsa512"), knowledge=None,
       note="Go 1.20 loads it; TLS 1.3 RSA-PSS-SHA256 needs >= 528-bit keys")
    m1("m1-ec-p256", "server key EC P-256", leaf("ec256", ku=("digital_signature",)), knowledge=True)
    m1("m1-ed25519", "server key Ed25519", leaf("ed25519", ku=("digital_signature",)), knowledge=None)
    # server-side file problems
    d = m / "m1-key-mismatch"
    d.mkdir(exist_ok=True)
    good = leaf()
    c = d / "server.pem"
    c.write_bytes(pem(good.cert))
    (d / "server.key").write_bytes(key_pem(new_key("rsa2048", m)))
    (d / "ca.pem").write_bytes((dsan / "ca.pem").read_bytes())
    m1("m1-key-mismatch", "server.key belongs to another cert", files=(c, d / "server.key"), knowledge=False,
       note="KNOWLEDGE: key pair that fails to load -> Milvus exits", expect_start=False, leaf_trust=False)
    d = m / "m1-key-encrypted"
    d.mkdir(exist_ok=True)
    good = leaf()
    (d / "server.pem").write_bytes(pem(good.cert))
    (d / "server.key").write_bytes(key_pem(good.key, PASS))
    (d / "ca.pem").write_bytes((dsan / "ca.pem").read_bytes())
    m1("m1-key-encrypted", "server.key is an encrypted PKCS#8 PEM", files=(d / "server.pem", d / "server.key"),
       knowledge=False, expect_start=False, leaf_trust=False)
    d = m / "m1-cert-der"
    d.mkdir(exist_ok=True)
    good = leaf()
    (d / "server.pem").write_bytes(good.cert.public_bytes(serialization.Encoding.DER))
    (d / "server.key").write_bytes(key_pem(good.key))
    (d / "ca.pem").write_bytes((dsan / "ca.pem").read_bytes())
    m1("m1-cert-der", "server.pem is DER, not PEM", files=(d / "server.pem", d / "server.key"),
       knowledge=False, expect_start=False, leaf_trust=False)
    d = m / "m1-key-der"
    d.mkdir(exist_ok=True)
    good = leaf()
    (d / "server.pem").write_bytes(pem(good.cert))
    (d / "server.key").write_bytes(good.key.private_bytes(serialization.Encoding.DER,
                                                          serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()))
    (d / "ca.pem").write_bytes((dsan / "ca.pem").read_bytes())
    m1("m1-key-der", "server.key is DER PKCS#8", files=(d / "server.pem", d / "server.key"),
       knowledge=False, expect_start=False, leaf_trust=False)
    d = m / "m1-key-missing"
    d.mkdir(exist_ok=True)
    (d / "ca.pem").write_bytes((dsan / "ca.pem").read_bytes())
    m1("m1-key-missing", "serverKeyPath points to a missing file", files=(dsan / "server.pem", d / "nope.key"),
       knowledge=False, expect_start=False, leaf_trust=False)
    d = m / "m1-swapped"
    d.mkdir(exist_ok=True)
    (d / "ca.pem").write_bytes((dsan / "ca.pem").read_bytes())
    m1("m1-swapped", "serverPemPath and serverKeyPath swapped", files=(dsan / "server.key", dsan / "server.pem"),
       knowledge=False, expect_start=False, leaf_trust=False)

    # chains
    root2 = make_cert("observe root 2", new_key("rsa2048", m), None, bc="ca", ku=("key_cert_sign", "crl_sign"))
    inter = make_cert("observe intermediate", new_key("rsa2048", m), root2, bc="ca",
                      ku=("key_cert_sign", "crl_sign"))
    inter_leaf = make_cert("localhost", new_key("rsa2048", m), inter, dns=("localhost",))
    inter_leaf.chain = (inter.cert,)
    for id_, with_chain, kn in (("m1-chain-included", True, True), ("m1-chain-omitted", False, False)):
        d = m / id_
        d.mkdir(exist_ok=True)
        c, k = write_pair(d, "server", inter_leaf, with_chain=with_chain)
        (d / "ca.pem").write_bytes(pem(root2.cert))
        (d / "leaf-only.pem").write_bytes(pem(inter_leaf.cert))
        (d / "root+inter.pem").write_bytes(pem(root2.cert) + pem(inter.cert))
        S.append(Server(id_, 1, f"root -> intermediate -> server; server.pem {'= leaf + intermediate' if with_chain else '= leaf only'}",
                        c, k, None, [
            Client("trust-root", "server_pem_path=root ca.pem, server_name=localhost",
                   dict(server_pem_path=d / "ca.pem", server_name="localhost"), knowledge=kn),
            Client("trust-leaf", "server_pem_path=leaf cert only, server_name=localhost",
                   dict(server_pem_path=d / "leaf-only.pem", server_name="localhost"), knowledge=True,
                   knowledge_note="KNOWLEDGE: any PEM works as the root, incl. the server cert"),
            Client("trust-root+inter", "server_pem_path=root+intermediate bundle, server_name=localhost",
                   dict(server_pem_path=d / "root+inter.pem", server_name="localhost"), knowledge=True),
        ]))
    root3 = make_cert("observe root 3", new_key("rsa2048", m), None, bc="ca", ku=("key_cert_sign", "crl_sign"))
    bad_inter = make_cert("observe intermediate CA:FALSE", new_key("rsa2048", m), root3, bc="leaf",
                          ku=("key_cert_sign", "crl_sign"))
    bl = make_cert("localhost", new_key("rsa2048", m), bad_inter, dns=("localhost",))
    bl.chain = (bad_inter.cert,)
    d = m / "m1-inter-not-ca"
    d.mkdir(exist_ok=True)
    c, k = write_pair(d, "server", bl)
    (d / "ca.pem").write_bytes(pem(root3.cert))
    m1("m1-inter-not-ca", "intermediate has basicConstraints CA:FALSE; server.pem = leaf + intermediate",
       files=(c, k), knowledge=False, note="general X.509 rule (intermediates must be CAs)")

    for id_, bc, ku, desc, kn in (
        ("m1-root-ca-false", "leaf", ("key_cert_sign", "crl_sign"), "trust root has basicConstraints CA:FALSE", None),
        ("m1-root-no-bc", None, None, "trust root has no basicConstraints (and no keyUsage)", None),
        ("m1-root-no-keycertsign", "ca", ("digital_signature", "crl_sign"),
         "trust root CA:TRUE but keyUsage lacks keyCertSign", None),
    ):
        r = make_cert(f"observe {id_}", new_key("rsa2048", m), None, bc=bc, ku=ku)
        lf = make_cert("localhost", new_key("rsa2048", m), r, dns=("localhost",))
        d = m / id_
        d.mkdir(exist_ok=True)
        c, k = write_pair(d, "server", lf)
        (d / "ca.pem").write_bytes(pem(r.cert))
        m1(id_, desc, files=(c, k), knowledge=kn, note="KNOWLEDGE: Go does not check roots; BoringSSL unknown")
    m1("m1-leaf-is-ca", "server cert has basicConstraints CA:TRUE", leaf(bc="ca"), knowledge=True)
    d = m1("m1-self-signed", "self-signed server cert (SAN localhost, CA:TRUE)",
           make_cert("localhost", new_key("rsa2048", m), None, dns=("localhost",), bc="ca",
                     ku=("digital_signature", "key_encipherment", "key_cert_sign")), clients=[])
    S[-1].clients = [
        Client("trust-itself", "server_pem_path=server.pem (the self-signed cert), server_name=localhost",
               dict(server_pem_path=d / "server.pem", server_name="localhost"), knowledge=True),
        Client("trust-unrelated-ca", "server_pem_path=the docs ca.pem (did not sign it)",
               dict(server_pem_path=d / "ca.pem", server_name="localhost"), knowledge=False),
    ]

    # mode 0 server, TLS client
    S.append(Server("m0-plain", 0, "tlsMode 0 (plaintext server)", None, None, None, [
        Client("plain-client", "http:// URI", {}, scheme="http", knowledge=True),
        Client("tls-client", "https, server_pem_path=ca.pem, server_name=localhost",
               dict(server_pem_path=dsan / "ca.pem", server_name="localhost"), knowledge=False,
               knowledge_note="KNOWLEDGE: WRONG_VERSION_NUMBER-like error"),
    ]))

    # ---- mode 2: one server with the docs SAN set takes many client variants
    c2 = m / "m2-clients"
    c2.mkdir(exist_ok=True)

    def client_variant(stem: str, kc: KC) -> dict:
        write_pair(c2, stem, kc)
        return mtls(c2, stem, ca=dsan / "ca.pem")

    def cleaf(key="rsa2048", **kw) -> KC:
        kw.setdefault("dns", ("localhost",))
        return make_cert("milvus-client", new_key(key, m), docs_ca, **kw)

    other_ca = make_cert("some other CA", new_key("rsa2048", m), None, bc="ca", ku=("key_cert_sign", "crl_sign"))
    sha1c = sha1_leaf(c2, "sha1", dsan)
    (c2 / "sha1.key").write_bytes(key_pem(sha1c.key))
    # a SAN-less docs-style client issued by the docs SAN set's CA
    nosan_c = make_cert("localhost", new_key("rsa2048", m), docs_ca, dns=())
    c_inter = make_cert("client intermediate", new_key("rsa2048", m), docs_ca, bc="ca",
                        ku=("key_cert_sign", "crl_sign"))
    c_inter_leaf = make_cert("milvus-client", new_key("rsa2048", m), c_inter, dns=("localhost",))
    c_inter_leaf.chain = (c_inter.cert,)
    c_bad_inter = make_cert("client intermediate CA:FALSE", new_key("rsa2048", m), docs_ca, bc="leaf",
                            ku=("key_cert_sign", "crl_sign"))
    c_bad_leaf = make_cert("milvus-client", new_key("rsa2048", m), c_bad_inter, dns=("localhost",))
    c_bad_leaf.chain = (c_bad_inter.cert,)
    write_pair(c2, "via-inter-chain", c_inter_leaf, with_chain=True)
    write_pair(c2, "via-inter-leafonly", c_inter_leaf, with_chain=False)
    write_pair(c2, "via-bad-inter", c_bad_leaf, with_chain=True)
    m2_clients = [
        Client("client-via-inter+chain", "client issued by an intermediate; client.pem = leaf + intermediate",
               mtls(c2, "via-inter-chain", ca=dsan / "ca.pem"), knowledge=True),
        Client("client-via-inter-leaf-only", "client issued by an intermediate; client.pem = leaf only",
               mtls(c2, "via-inter-leafonly", ca=dsan / "ca.pem"), knowledge=False,
               knowledge_note="Go: intermediates must come from the client"),
        Client("client-via-inter-not-ca", "client's intermediate has CA:FALSE (sent in client.pem)",
               mtls(c2, "via-bad-inter", ca=dsan / "ca.pem"), knowledge=False,
               knowledge_note="Go: intermediates need CA:TRUE"),
        Client("docs-client", "docs client.pem/key (no EKU, SAN localhost), ca.pem, server_name=localhost",
               mtls(dsan), knowledge=True),
        Client("eku-clientauth", "client cert EKU clientAuth", client_variant("eku-client", cleaf(eku=("client",))),
               knowledge=True),
        Client("eku-serverauth-only", "client cert EKU serverAuth only",
               client_variant("eku-server", cleaf(eku=("server",))), knowledge=False,
               knowledge_note="Go: client cert must allow clientAuth or have no EKU"),
        Client("no-san", "client cert without any SAN (CN only)", client_variant("nosan", nosan_c), knowledge=True,
               knowledge_note="Go never checks client names"),
        Client("sha1", "client cert signed with SHA-1", mtls(c2, "sha1", ca=dsan / "ca.pem"), knowledge=False,
               knowledge_note="Go 1.18+ rejects SHA-1 signatures"),
        Client("expired", "client cert expired",
               client_variant("expired", cleaf(not_before=NOW - dt.timedelta(days=30),
                                               not_after=NOW - dt.timedelta(days=1))), knowledge=False),
        Client("not-yet-valid", "client cert notBefore tomorrow",
               client_variant("notyet", cleaf(not_before=NOW + dt.timedelta(days=1),
                                              not_after=NOW + dt.timedelta(days=30))), knowledge=False),
        Client("other-ca", "client cert issued by another CA",
               client_variant("otherca", make_cert("milvus-client", new_key("rsa2048", m), other_ca,
                                                   dns=("localhost",))), knowledge=False),
        Client("rsa1024", "client key RSA 1024", client_variant("rsa1024", cleaf("rsa1024")), knowledge=True),
        Client("rsa512", "client key RSA 512", client_variant("rsa512", cleaf("rsa512")), knowledge=True,
               knowledge_note="KNOWLEDGE: Go rejects <1024 only from 1.24; this Milvus is Go 1.20"),
        Client("ec-p256", "client key EC P-256", client_variant("ec256", cleaf("ec256", ku=("digital_signature",))),
               knowledge=True),
        Client("ed25519", "client key Ed25519",
               client_variant("ed25519", cleaf("ed25519", ku=("digital_signature",))), knowledge=True),
        Client("ku-keyenc-only", "RSA client cert keyUsage keyEncipherment only",
               client_variant("kuenc", cleaf(ku=("key_encipherment",))), knowledge=True,
               knowledge_note="KNOWLEDGE: Go ignores KeyUsage bits"),
        Client("client-is-ca", "client cert with CA:TRUE", client_variant("isca", cleaf(bc="ca")), knowledge=True),
        Client("incomplete-mutual", "client_pem_path + client_key_path only (no ca_pem_path)",
               dict(client_pem_path=dsan / "client.pem", client_key_path=dsan / "client.key",
                    server_name="localhost"), knowledge=False,
               knowledge_note="pymilvus: not all three -> no client cert, default roots"),
        Client("server_pem+client-certs", "server_pem_path=ca.pem plus client_pem/key/ca_pem",
               dict(server_pem_path=dsan / "ca.pem", **mtls(dsan)), knowledge=False,
               knowledge_note="pymilvus: server_pem_path wins, no client cert sent"),
        Client("one-way-params", "server_pem_path=ca.pem, server_name=localhost (one-way params)",
               dict(server_pem_path=dsan / "ca.pem", server_name="localhost"), knowledge=False),
        Client("no-sn", "full mutual params, no server_name (dials 127.0.0.1)",
               {k: v for k, v in mtls(dsan).items() if k != "server_name"}, knowledge=False),
        Client("plaintext-client", "http:// URI against mode 2", {}, scheme="http", knowledge=False),
        Client("client-key-mismatch", "client.pem with another key", dict(
            client_pem_path=dsan / "client.pem", client_key_path=c2 / "eku-client.key",
            ca_pem_path=dsan / "ca.pem", server_name="localhost"), knowledge=False),
        Client("ca_pem=server-leaf", "mutual params but ca_pem_path = server.pem (leaf as client trust root)",
               dict(client_pem_path=dsan / "client.pem", client_key_path=dsan / "client.key",
                    ca_pem_path=dsan / "server.pem", server_name="localhost"), knowledge=True,
               knowledge_note="KNOWLEDGE: any PEM works as the client's root"),
    ]
    S.append(Server("m2-docs-san", 2, "docs SAN set, tlsMode 2, caPemPath=ca.pem",
                    dsan / "server.pem", dsan / "server.key", dsan / "ca.pem", m2_clients))
    S.append(Server("m2-docs-nosan", 2, "docs set without SAN, tlsMode 2", dnosan / "server.pem",
                    dnosan / "server.key", dnosan / "ca.pem", [
        Client("docs-client+sn", "docs client, ca.pem, server_name=localhost", mtls(dnosan), knowledge=True),
        Client("docs-client-no-sn", "docs client, ca.pem, no server_name (dials 127.0.0.1)",
               {k: v for k, v in mtls(dnosan).items() if k != "server_name"}, knowledge=False),
    ]))
    S.append(Server("m2-ca-is-client-cert", 2, "caPemPath = the docs client.pem (a CA:FALSE leaf, not a CA)",
                    dsan / "server.pem", dsan / "server.key", dsan / "client.pem", [
        Client("that-client", "the very client cert given as caPemPath", mtls(dsan), knowledge=True,
               knowledge_note="Go: a cert in ClientCAs is a root; roots not checked for CA:TRUE"),
        Client("other-client", "another client cert issued by the real CA",
               mtls(c2, "eku-client", ca=dsan / "ca.pem"), knowledge=False),
    ]))
    d = m / "m2-ca-garbage"
    d.mkdir(exist_ok=True)
    (d / "ca.pem").write_text("this is not a certificate\n")
    S.append(Server("m2-ca-garbage", 2, "caPemPath holds no PEM certificate", dsan / "server.pem",
                    dsan / "server.key", d / "ca.pem", [
        Client("docs-client", "docs client", mtls(dsan), knowledge=False)], expect_start=False))
    S.append(Server("m2-ca-missing", 2, "caPemPath points to a missing file", dsan / "server.pem",
                    dsan / "server.key", d / "missing-ca.pem", [
        Client("docs-client", "docs client", mtls(dsan), knowledge=False)], expect_start=False))
    S.append(Server("m1-ca-garbage", 1, "tlsMode 1 with caPemPath holding garbage (mode 1 ignores it?)",
                    dsan / "server.pem", dsan / "server.key", d / "ca.pem", [
        Client("trust-ca+sn", "server_pem_path=ca.pem, server_name=localhost",
               dict(server_pem_path=dsan / "ca.pem", server_name="localhost"), knowledge=True,
               knowledge_note="KNOWLEDGE: mode 1 ignores caPemPath")]))
    S.append(Server("m3", 3, "tlsMode 3 with the docs SAN set", dsan / "server.pem", dsan / "server.key",
                    dsan / "ca.pem", [
        Client("plain-client", "http:// URI", {}, scheme="http", knowledge=True,
               knowledge_note="KNOWLEDGE: other tlsMode values serve plaintext"),
        Client("tls-one-way", "https, server_pem_path=ca.pem, server_name=localhost",
               dict(server_pem_path=dsan / "ca.pem", server_name="localhost"), knowledge=False),
        Client("tls-mutual", "https, mutual params", mtls(dsan), knowledge=False),
    ]))
    S.append(Server("m1-rsa-pkcs1-key", 1, "server.key as PKCS#1 'BEGIN RSA PRIVATE KEY'",
                    *_pkcs1(m, dsan), None, [
        Client("trust-ca+sn", "server_pem_path=ca.pem, server_name=localhost",
               dict(server_pem_path=dsan / "ca.pem", server_name="localhost"), knowledge=True)]))
    return S


def _pkcs1(m: Path, dsan: Path) -> tuple[Path, Path]:
    d = m / "m1-rsa-pkcs1-key"
    d.mkdir(exist_ok=True)
    k = serialization.load_pem_private_key((dsan / "server.key").read_bytes(), None)
    (d / "server.key").write_bytes(k.private_bytes(serialization.Encoding.PEM,
                                                   serialization.PrivateFormat.TraditionalOpenSSL,
                                                   serialization.NoEncryption()))
    return dsan / "server.pem", d / "server.key"
