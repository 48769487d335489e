"""The Milvus -> etcd link's live prober (linkkinds/etcd.py, `--probe-links`): dial the link's etcd endpoint with
exactly Milvus's settings through real Go crypto/tls of the Milvus line (etcdprobe/main.go, built per toolchain like
the Go front: offline, cached, its sha256 checked), bounded by --timeout. Go decides Go: its answer decides the link,
and the static model's verdict is kept beside it when they differ.

An answer that says nothing about TLS (the host does not resolve here, nothing listens, no toolchain) leaves the
static verdict as it was, with a note: the doctor may not run where Milvus runs.
"""
from __future__ import annotations

import hashlib
import json
import re
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional

from . import gofront, trusted_cache
from .trusted_cache import CacheRefused

SOURCE_DIR = Path(__file__).resolve().parent / "etcdprobe"
BINARY_NAME = "milvus-tls-etcdprobe"
# Go's answer (etcdprobe/main.go's class) -> the finding code that names the same cause (rules/links.py)
CLASS_CODES = {
    "unknown_authority": "etcd.server_untrusted",
    "invalid": "etcd.server_untrusted",
    "hostname": "etcd.name_mismatch",
    "version": "etcd.min_version_too_high",
    "client_cert_rejected": "etcd.client_cert_untrusted",
    "plaintext_server": "etcd.ssl_on_plain_server",
    "tls_server": "etcd.ssl_off_tls_server",
    "client_pair": "etcd.client_pair_unusable",
    "ca": "etcd.ca_unusable",
    "min_version": "etcd.min_version_invalid",
}


@dataclass(frozen=True)
class ProbeAnswer:
    ok: bool
    cls: str
    error: str
    go: str = ""
    tls_version: str = ""
    could_not_run: bool = False
    answer: str = ""            # what etcd answered a real request (rpc)


def _source_hash() -> str:
    h = hashlib.sha256()
    for f in sorted(SOURCE_DIR.glob("*.go")):
        h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def binary(milvus_version: Optional[str], go: Optional[tuple[str, str]] = None) -> tuple[Path, str]:
    """The prober built with the Go of the Milvus line (its rehearsal toolchain, the go.mod go line), or with `go`
    (toolchain, go line) for another client (Birdwatcher's go.mod)."""
    from ..facts import milvus_lines
    if go is None:
        build = milvus_lines.lookup(milvus_version)
        toolchain, go_line = build.rehearsal_toolchain, build.go_line
    else:
        toolchain, go_line = go
    minor = ".".join(toolchain.split(".")[:2])
    tc = gofront.find_toolchain(minor)
    if tc is None:
        raise gofront.GoFrontError(f"no Go {minor} toolchain: python -m milvus_tls_check.handshake.gofront install "
                                   f"{minor}")
    line = go_line if gofront._vkey(go_line) <= gofront._vkey(tc.version) else minor
    path = gofront.build_program(tc, SOURCE_DIR, BINARY_NAME, line, "go-etcdprobe",
                                 f"go{tc.version}-line{line}-{_source_hash()}", BINARY_NAME)
    return path, tc.version


def dial(endpoint: str, *, ssl: bool, cert: str = "", key: str = "", ca: str = "", min_version: str = "1.3",
         timeout: float = 5.0, milvus_version: Optional[str] = None, client: str = "", rpc: bool = False,
         range_key: str = "", go: Optional[tuple[str, str]] = None, connect: str = "") -> ProbeAnswer:
    """One dial of `endpoint` as Milvus's etcd client does it, or (client="birdwatcher") as Birdwatcher's connect
    does; `rpc`: a real etcd Range request of `range_key` after the handshake. `connect`: the TCP destination
    (--connect-to) when it is not the endpoint; the name checked stays the endpoint's host."""
    try:
        program, _go = binary(milvus_version, go)
    except (gofront.GoFrontError, CacheRefused, OSError, subprocess.SubprocessError) as exc:
        return ProbeAnswer(False, "unavailable", f"the etcd prober could not be built: {exc}", could_not_run=True)
    request = {"endpoint": endpoint, "ssl": ssl, "cert": cert, "key": key, "ca": ca, "min_version": min_version,
               "timeout_ms": int(timeout * 1000), "client": client, "rpc": rpc, "range_key": range_key,
               "connect": connect}
    try:
        with trusted_cache.verified(program) as kw:
            proc = subprocess.run([str(program)], input=json.dumps(request), capture_output=True, text=True,
                                  timeout=timeout + 5, env=gofront._clean_env(), cwd=trusted_cache.CHILD_CWD, **kw)
    except (CacheRefused, OSError) as exc:
        return ProbeAnswer(False, "unavailable", f"the etcd prober was not run: {exc}", could_not_run=True)
    except subprocess.TimeoutExpired:
        return ProbeAnswer(False, "timeout", f"no answer within {timeout:g}s", could_not_run=True)
    m = re.search(r"^RESULT (.*)$", proc.stdout, re.M)
    if not m:
        return ProbeAnswer(False, "crash", f"the etcd prober exited {proc.returncode}", could_not_run=True)
    r = json.loads(m.group(1))
    return ProbeAnswer(bool(r.get("ok")), r.get("class", ""), r.get("error", ""), r.get("go", ""),
                       r.get("tls_version", ""), bool(r.get("could_not_run")), r.get("answer", ""))


def redirect(request, host: str, port: str) -> tuple[str, str, Optional[tuple[str, int]]]:
    """Where a probe of host:port connects when --connect-to redirects it: ("addr:port", the words that say so,
    (addr, port)); ("", "", None) when it does not. Shared by every link prober."""
    from ..model import connect_target
    hit = connect_target(getattr(request, "connect_to", ()), host, str(port))
    if hit is None:
        return "", "", None
    addr, addr_port, rule = hit
    connect = f"[{addr}]:{addr_port}" if ":" in addr else f"{addr}:{addr_port}"
    return (connect, f" at {connect} (--connect-to {rule.given}; the name checked and sent stays {host})",
            (addr, int(addr_port)))


def with_redirect(link, connect: str, redirected: str):
    """The link with the redirection among its settings, so every format shows that the address was redirected."""
    if not connect:
        return link
    from ..model import LinkSetting
    return replace(link, settings=link.settings + (LinkSetting("TCP destination (--connect-to)", connect,
                                                               redirected.split("(", 1)[1].rstrip(")")),))


def _file(link, key: str) -> str:
    f = next((f for f in link.files if f.role == key), None)
    return (f.host or f.path) if f is not None else ""


def _setting(link, key: str, default: str = "") -> str:
    s = next((s for s in link.settings if s.key.lower() == key.lower()), None)
    return s.value if s is not None else default


def probe(request, link, spec):
    """The link as real Go decides it (or as it was, with a note, when the prober could not speak for TLS)."""
    from ..facts.deployment import parse_bool
    from ..model import LinkVerdict
    if link.verdict is LinkVerdict.NOT_APPLICABLE or not link.address:
        return link
    ssl = parse_bool(_setting(link, "etcd.ssl.enabled", "false")) is True
    endpoint = link.address.split("://", 1)[-1]
    from ..facts.etcdlink import endpoint_host, endpoint_port
    connect, redirected, _ = redirect(request, endpoint_host(endpoint), str(endpoint_port(endpoint)))
    answer = dial(endpoint, ssl=ssl, connect=connect,
                  cert=_file(link, "etcd.ssl.tlsCert") or _setting(link, "etcd.ssl.tlsCert"),
                  key=_file(link, "etcd.ssl.tlsKey") or _setting(link, "etcd.ssl.tlsKey"),
                  ca=_file(link, "etcd.ssl.tlsCACert") or _setting(link, "etcd.ssl.tlsCACert"),
                  min_version=_setting(link, "etcd.ssl.tlsMinVersion", "1.3"), timeout=request.timeout,
                  milvus_version=request.milvus_version)
    said = f"--probe-links: Go {answer.go or '?'} dialled {endpoint}{redirected} ({'TLS' if ssl else 'plaintext'})"
    link = with_redirect(link, connect, redirected)
    return _decided(link, spec, answer, ssl, said, f"{'handshake ' + answer.tls_version + ', ' if ssl else ''}"
                                                   "etcd answered HTTP/2")


def _decided(link, spec, answer: ProbeAnswer, ssl: bool, said: str, ok_said: str):
    """The link as the prober's answer decides it (the static verdict kept beside it when they differ)."""
    from ..model import LinkVerdict
    if answer.could_not_run:
        return replace(link, detail="; ".join(filter(None, (link.detail, f"{said}: could not judge TLS "
                                                                          f"({answer.cls}: {answer.error}); the "
                                                                          "static model stands"))))
    if answer.ok:
        verdict = LinkVerdict.PASS if ssl else LinkVerdict.PLAINTEXT
        codes: tuple[str, ...] = ()
        detail = f"{said}: {ok_said}"
    else:
        verdict = LinkVerdict.FAIL
        codes = (CLASS_CODES.get(answer.cls, "handshake.failed"),)
        detail = f"{said}: {answer.error}"
    static = {} if (verdict, codes) == (link.verdict, link.codes) else {"static_verdict": link.verdict,
                                                                       "static_codes": link.codes}
    return replace(link, verdict=verdict, codes=codes, modelled=False, add="" if verdict is not LinkVerdict.INCOMPLETE
                   else link.add, detail="; ".join(filter(None, (link.detail, detail))),
                   decided_by=f"{spec.decided_by}: real Go {answer.go}", **static)


def probe_birdwatcher(request, link, spec):
    """Birdwatcher -> etcd as real Go decides it: Birdwatcher's tls.Config (etcdprobe/main.go birdwatcherConfig),
    built with Birdwatcher's Go (facts/birdwatcher.py), the handshake and then a real etcd Range of the key
    Birdwatcher pings. A connect line Birdwatcher refuses is not dialled: it never dials either."""
    from ..facts import birdwatcher as bwf
    from ..model import LinkVerdict
    bw = getattr(request.deployment, "birdwatcher", None)
    if bw is None or link.verdict is LinkVerdict.NOT_APPLICABLE or "birdwatcher.args_refused" in link.codes:
        return link
    ssl = bw.enable_tls
    endpoint = bw.etcd
    root = bw.value("rootPath") or "by-dev"
    meta = bw.value("metaPath") or "meta"
    from ..facts.etcdlink import endpoint_host, endpoint_port
    connect, redirected, _ = redirect(request, endpoint_host(endpoint), str(endpoint_port(endpoint)))
    answer = dial(endpoint, ssl=ssl, connect=connect, cert=bw.files.get("etcdCert", ""), key=bw.files.get("etcdKey", ""),
                  ca=bw.files.get("rootCAPem", ""), min_version=bw.min_version, timeout=request.timeout,
                  client="birdwatcher", rpc=True, range_key=f"{root}/{meta}/session/id",
                  go=(bwf.GO_TOOLCHAIN, bwf.GO_LINE))
    said = (f"--probe-links: Go {answer.go or '?'} with Birdwatcher's tls.Config dialled {endpoint}{redirected} "
            f"({'TLS' if ssl else 'plaintext'})")
    link = with_redirect(link, connect, redirected)
    ok_said = (f"handshake {answer.tls_version}, etcd answered Range {root}/{meta}/session/id ({answer.answer})"
               if ssl else "etcd answered HTTP/2 (plaintext; no request made)")
    return _decided(link, spec, answer, ssl, said, ok_said)
