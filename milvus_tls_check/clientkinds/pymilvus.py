"""``--client pymilvus[==LINE]``: pymilvus by release line (grpcio/BoringSSL; facts/pymilvus.py holds the channel
model of the newest line, which the pymilvus rules judge). What differs per line, from the pymilvus sources and
issues:

* 2.1.0-2.3.7: the certificate paths are used only when ``server_name`` is set; without it the channel is built
  with grpc's default roots and no client certificate (pymilvus#1962, fixed 2.3.8 / 2.4.0);
* 2.2.8: a ``user:password`` URI forced ``secure=True`` (2.2.9: only ``https://`` does);
* 2.3.5+: ``https://`` without a port means 443 (before: 19530); MilvusClient of 2.6.10-2.6.11 used 19530
  (fixed 2.6.12);
* 2.2.0+: ``secure`` must be a bool (a string raises ParamError);
* up to 2.4: grpcio still checks names with tsi's legacy matcher (legacy_grpc_name_match).

Its attempts' error text is grpc's (handshake/explain.py classifies it for the grpcio channel, the real pymilvus
and the probe alike), so it has no words table of its own.
"""
from __future__ import annotations

import ipaddress

from . import ClientSpec, version_key

# The newest release of each line, as tested (pip index versions pymilvus).
LINES = {"2.3": "2.3.8", "2.4": "2.4.15", "2.5": "2.5.18", "2.6": "2.6.17", "3.0": "3.0.2"}
# The grpcio each line installs (observed in its venv).
GRPCIO = {"2.3": "1.60.0", "2.4": "1.67.1", "2.5": "1.85.3", "2.6": "1.85.3", "3.0": "1.85.3"}


def _v(sel) -> tuple[int, ...]:
    return version_key(sel.release or sel.line)


def paths_need_server_name(sel) -> bool:
    """pymilvus 2.1.0-2.3.7 ignore the certificate paths unless server_name is set (pymilvus#1962)."""
    return (2, 1, 0) <= _v(sel) <= (2, 3, 7)


def https_default_port(sel, milvus_client: bool = True) -> int:
    """The port an https:// URI without one dials."""
    v = _v(sel)
    if milvus_client and (2, 6, 10) <= v <= (2, 6, 11):
        return 19530
    return 443 if v >= (2, 3, 5) else 19530


def user_password_forces_secure(sel) -> bool:
    return _v(sel)[:3] == (2, 2, 8)


def legacy_grpc_names(sel) -> bool:
    """Lines whose grpcio still checks names with tsi's legacy matcher (observed: pymilvus 2.3.8 installs grpcio
    1.60.0, 2.4.15 grpcio 1.67.1; 2.5+ install 1.85, which uses the newer verifier): no CN for an IP name, the CN
    only when the certificate has no SAN at all, and a wildcard only when the rest of the name still has a dot
    ("*.local" does not match "milvus.local")."""
    return _v(sel)[:2] <= (2, 4)


def secure_must_be_bool(sel) -> bool:
    return _v(sel) >= (2, 2, 0)


def legacy_grpc_name_match(dns: tuple[str, ...], ips: tuple[str, ...], cns: tuple[str, ...], name: str) -> bool:
    """tsi_ssl_peer_matches_name (grpc before the HostNameCertificateVerifier): IP names against IP SANs only;
    DNS SANs exact or '*.rest' wildcards where the name's part after its first label still holds a dot; the CN
    only when there is no SAN at all, and never for an IP name."""
    try:
        ip = ipaddress.ip_address(name)
    except ValueError:
        ip = None
    if ip is not None:
        return any(_same_ip(ip, s) for s in ips)
    host = name.lower().rstrip(".")

    def entry(e: str) -> bool:
        e = e.lower().rstrip(".")
        if not e.startswith("*"):
            return e == host
        if len(e) < 3 or e[1] != ".":
            return False
        first = host.find(".")
        if first < 0 or first >= len(host) - 2:
            return False
        rest = host[first + 1:]
        dot = rest.find(".")
        if dot < 0 or dot == len(rest) - 1:
            return False
        return rest == e[2:]
    if any(entry(d) for d in dns):
        return True
    return not dns and not ips and any(entry(c) for c in cns)


def _same_ip(ip, text: str) -> bool:
    try:
        return ipaddress.ip_address(text) == ip
    except ValueError:
        return False


def pymilvus_call(sel, uri: str, kwargs: dict) -> str:
    args = [f"uri={uri!r}"] + [f"{k}={v!r}" for k, v in kwargs.items() if v]
    if paths_need_server_name(sel) and not kwargs.get("server_name"):
        args.append("server_name='<the name in the certificate>'  # 2.1.0-2.3.7 ignore the paths without it")
    return f"{sel.label}: MilvusClient({', '.join(args)})"


def _call(sel, request, modes, address: str) -> tuple[str, ...]:
    mode = 2 if 2 in modes else modes[0]
    kwargs = request.client_params(mode).as_kwargs()
    uri = request.uri or f"https://{address}"
    app = getattr(request.deployment, "client", None) if request.deployment is not None else None
    if app is not None:   # the application's own keywords: its URI, and no server_name it did not pass
        uri = app.uri or uri
        if not app.server_name and not request.server_name_given:
            kwargs.pop("server_name", None)
    return (pymilvus_call(sel, uri, kwargs) + (f" (tlsMode {mode})" if len(modes) > 1 else ""),)


SPEC = ClientSpec(
    name="pymilvus",
    aliases=("python",),
    lines=LINES,
    newest="3.0",
    refuse_version=lambda v: ("pymilvus before 2.1 has no TLS parameters the doctor models"
                              if version_key(v) < (2, 1) else ""),
    label=lambda sel: f"pymilvus {sel.release or sel.line}",
    judge="milvus_tls_check.rules.per_client:judge_pymilvus_line",
    call=_call,
    concerns=lambda code, subject: True,   # the pymilvus rules are its rules
    attempt_kind="pymilvus",
    modelled_by=("grpcio",),
    runner="milvus_tls_check.handshake.run:pymilvus_attempt",
    attempt_who=lambda version: f"pymilvus {version}".strip(),
    args_option="--pymilvus-args",   # read by deploy/pymilvus_args.py into DeploymentFacts.client
)
