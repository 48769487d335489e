"""The Milvus -> object storage link's live prober (linkkinds/object_storage.py, `--probe-links`): dial minio.address
as Milvus's two clients would, each with the roots it reads (as the judge found them: the link's "roots" settings):

- Go's side (minio-go): real Go crypto/tls of the Milvus line (s3probe/main.go, built per toolchain like the etcd
  prober: offline, cached, its sha256 checked), RootCAs = the file Go's system pool would load;
- the querynode's C++ side (AWS SDK C++ over libcurl/OpenSSL, /etc/ssl/certs/ca-certificates.crt only): a TLS
  handshake through Python's ssl module, which is OpenSSL, with that bundle as its only CAfile and the host checked
  (a stand-in for libcurl: the same library and the same roots; skipped where the line turns its verification off).

Their answers decide the link; the static model's verdict is kept beside it when they differ. An answer that says
nothing about TLS (the host does not resolve here, nothing listens, no toolchain) leaves the static verdict as it
was, with a note.
"""
from __future__ import annotations

import hashlib
import json
import re
import socket
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional

from . import gofront, trusted_cache
from .trusted_cache import CacheRefused

SOURCE_DIR = Path(__file__).resolve().parent / "s3probe"
BINARY_NAME = "milvus-tls-s3probe"
GO_ROOTS, CPP_ROOTS = "Go client (minio-go) roots", "querynode C++ client roots"
CLASS_CODES = {
    "unknown_authority": "objectstore.server_untrusted",
    "invalid": "objectstore.server_untrusted",
    "hostname": "objectstore.name_mismatch",
    "plaintext_server": "objectstore.ssl_on_plain_server",
    "tls_server": "objectstore.ssl_off_tls_server",
}


@dataclass(frozen=True)
class ProbeAnswer:
    ok: bool
    cls: str
    error: str
    go: str = ""
    tls_version: str = ""
    could_not_run: bool = False


def _source_hash() -> str:
    h = hashlib.sha256()
    for f in sorted(SOURCE_DIR.glob("*.go")):
        h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def binary(milvus_version: Optional[str]) -> tuple[Path, str]:
    from ..facts import milvus_lines
    build = milvus_lines.lookup(milvus_version)
    minor = ".".join(build.rehearsal_toolchain.split(".")[:2])
    tc = gofront.find_toolchain(minor)
    if tc is None:
        raise gofront.GoFrontError(f"no Go {minor} toolchain: python -m milvus_tls_check.handshake.gofront install "
                                   f"{minor}")
    line = build.go_line if gofront._vkey(build.go_line) <= gofront._vkey(tc.version) else minor
    path = gofront.build_program(tc, SOURCE_DIR, BINARY_NAME, line, "go-s3probe",
                                 f"go{tc.version}-line{line}-{_source_hash()}", BINARY_NAME)
    return path, tc.version


def dial_go(endpoint: str, *, ssl: bool, roots: str, bucket: str, timeout: float = 5.0,
            milvus_version: Optional[str] = None, connect: str = "") -> ProbeAnswer:
    try:
        program, _go = binary(milvus_version)
    except (gofront.GoFrontError, CacheRefused, OSError, subprocess.SubprocessError) as exc:
        return ProbeAnswer(False, "unavailable", f"the S3 prober could not be built: {exc}", could_not_run=True)
    request = {"endpoint": endpoint, "ssl": ssl, "roots": roots, "bucket": bucket, "timeout_ms": int(timeout * 1000),
               "connect": connect}
    try:
        with trusted_cache.verified(program) as kw:
            proc = subprocess.run([str(program)], input=json.dumps(request), capture_output=True, text=True,
                                  timeout=timeout + 5, env=gofront._clean_env(), cwd=trusted_cache.CHILD_CWD, **kw)
    except (CacheRefused, OSError) as exc:
        return ProbeAnswer(False, "unavailable", f"the S3 prober was not run: {exc}", could_not_run=True)
    except subprocess.TimeoutExpired:
        return ProbeAnswer(False, "timeout", f"no answer within {timeout:g}s", could_not_run=True)
    m = re.search(r"^RESULT (.*)$", proc.stdout, re.M)
    if not m:
        return ProbeAnswer(False, "crash", f"the S3 prober exited {proc.returncode}", could_not_run=True)
    r = json.loads(m.group(1))
    return ProbeAnswer(bool(r.get("ok")), r.get("class", ""), r.get("error", ""), r.get("go", ""),
                       r.get("tls_version", ""), bool(r.get("could_not_run")))


def dial_openssl(host: str, port: int, cafile: str, timeout: float = 5.0,
                 connect: Optional[tuple[str, int]] = None) -> ProbeAnswer:
    """A TLS handshake as libcurl/OpenSSL makes it with CAfile = the system bundle and the host checked (`connect`:
    the TCP destination --connect-to gives, the host still the name checked and sent)."""
    import ssl
    try:
        ctx = ssl.create_default_context(cafile=cafile)
    except (OSError, ssl.SSLError) as exc:
        return ProbeAnswer(False, "roots", f"{cafile}: {exc}", could_not_run=True)
    try:
        with socket.create_connection(connect or (host, port), timeout=timeout) as sock:
            with ctx.wrap_socket(sock, server_hostname=host) as tls:
                return ProbeAnswer(True, "", "", tls_version=tls.version() or "")
    except ssl.SSLCertVerificationError as exc:
        cls = "hostname" if exc.verify_code in (62, 64) else "unknown_authority"   # host / IP address mismatch
        return ProbeAnswer(False, cls, f"{ssl.OPENSSL_VERSION}: {exc.verify_message}")
    except ssl.SSLError as exc:
        return ProbeAnswer(False, "handshake", str(exc))
    except OSError as exc:
        return ProbeAnswer(False, "unreachable", str(exc), could_not_run=True)


def _setting(link, key: str, default: str = "") -> str:
    s = next((s for s in link.settings if s.key.lower() == key.lower()), None)
    return s.value if s is not None else default


def probe(request, link, spec):
    """The link as real Go (and OpenSSL for the querynode) decide it, or as it was, with a note."""
    from ..facts.deployment import parse_bool
    from ..facts.objectstore import endpoint as parse_endpoint
    from ..model import LinkVerdict
    if link.verdict is LinkVerdict.NOT_APPLICABLE or not link.address:
        return link
    ssl = parse_bool(_setting(link, "minio.useSSL", "false")) is True
    from .etcdprobe import redirect, with_redirect
    ep = parse_endpoint(link.address, "9000")
    connect, redirected, destination = redirect(request, ep.host, ep.port)
    link = with_redirect(link, connect, redirected)
    said = f"--probe-links: Go dialled {link.address}{redirected} ({'https' if ssl else 'http'})"
    answer = dial_go(link.address, ssl=ssl, roots=_setting(link, GO_ROOTS), bucket=_setting(link, "minio.bucketName",
                     "a-bucket"), timeout=request.timeout, milvus_version=request.milvus_version, connect=connect)
    if answer.could_not_run:
        return replace(link, detail="; ".join(filter(None, (link.detail, f"{said}: could not judge TLS "
                                                                          f"({answer.cls}: {answer.error}); the "
                                                                          "static model stands"))))
    codes: list[str] = []
    details = [f"{said} (Go {answer.go}): " + (f"{answer.tls_version or 'HTTP'} answered" if answer.ok
                                                else answer.error)]
    if not answer.ok:
        codes.append(CLASS_CODES.get(answer.cls, "handshake.failed"))
    cpp_roots = _setting(link, CPP_ROOTS)
    if ssl and answer.ok and cpp_roots and not cpp_roots.startswith("none"):
        cpp = dial_openssl(ep.host, int(ep.port), cpp_roots, timeout=request.timeout,
                           connect=destination)
        details.append(f"OpenSSL with {cpp_roots} only (the querynode's libcurl): "
                       + ("handshake " + cpp.tls_version if cpp.ok else f"{cpp.cls}: {cpp.error}"))
        if not cpp.ok and not cpp.could_not_run:
            codes.append("objectstore.name_mismatch" if cpp.cls == "hostname" else "objectstore.querynode_untrusted")
    if "objectstore.tls_ca_cert_ignored" in link.codes:   # a setting fact the dial cannot see: kept
        codes.insert(0, "objectstore.tls_ca_cert_ignored")
    if "objectstore.operator_ssl_not_rendered" in link.codes and codes == ["objectstore.ssl_off_tls_server"]:
        codes = ["objectstore.operator_ssl_not_rendered"]   # the dial shows the cause the CR explains: named once
    failed = any(c != "objectstore.tls_ca_cert_ignored" for c in codes)
    verdict = LinkVerdict.FAIL if failed else LinkVerdict.PASS if ssl else LinkVerdict.PLAINTEXT
    codes_t = tuple(dict.fromkeys(codes))
    static = {} if (verdict, codes_t) == (link.verdict, link.codes) else {"static_verdict": link.verdict,
                                                                         "static_codes": link.codes}
    return replace(link, verdict=verdict, codes=codes_t, modelled=False, add="",
                   detail="; ".join(filter(None, (link.detail, *details))),
                   decided_by=f"{spec.decided_by}: real Go {answer.go} and OpenSSL", **static)
