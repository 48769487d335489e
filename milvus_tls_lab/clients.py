"""The client corpus (issue 12): certificate sets where pymilvus lines, the Go SDK and the Node SDK plausibly differ,
and the observers that run each real client against a running Milvus (lab.realmilvus).

    from milvus_tls_lab.clients import client_corpus, CLIENTS, observe_client, doctor_verdicts
    for case in client_corpus():
        paths = case.write(tmp)            # corpus.Case
        observe_client(handle, case, paths, "node==3")   # -> ClientObservation

Clients (CLIENTS): pymilvus==2.3 / 2.4 / 2.5 / 2.6 / 3.0 (each in its venv, handshake/venvs.py), node==2.6 and
node==3 (npm, handshake/sdk_process.py), go (the Go client built with the newest toolchain).

Each case gives every client the same inputs, as the doctor's general flags do: pymilvus gets the corpus's
keyword arguments; Go and Node take the trust root from the client CA (mutual cases) or server_pem_path (one-way
cases) and send the client pair when there is one. `no_name` cases pass no server name at all (the clients check
the dialled host, 127.0.0.1); the doctor is told --server-name 127.0.0.1, which is the same name.

Lab code: the doctor never imports it.
"""
from __future__ import annotations

import functools
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional

from tests.certfactory import good_set, make_leaf, new_key
from milvus_tls_check.clientkinds import ClientSel, parse_client, specs
from milvus_tls_check.facts.pymilvus import ClientParams
from .corpus import BOM, Case, _crlf, by_name, custom_cert

# every line of every kind with a runner (the registry's order)
CLIENTS = tuple(f"{name}=={line}" if line else name for name, s in specs().items() if s.runner
                for line in (s.lines or ("",)))
TIMEOUT = 2.5

# the corpus cases reused as they are (issue 11's truth corpus), chosen where the clients plausibly differ
REUSED = (
    # names
    "good-m1", "good-m2", "docs-san-m1", "docs-cn-only-m1", "docs-cn-only-m2", "name-mismatch-m1",
    "trailing-dot-m1", "upper-case-name-m1", "wildcard-one-label-m1", "wildcard-two-labels-m1", "wildcard-apex-m1",
    "ip-san-ip-name-m1", "ip-san-dns-name-m1", "server-name-port-m1", "server-name-port-ip-m1",
    # trust parameters and chains
    "docs-san-trust-leaf-m1", "wrong-ca-m1", "wrong-ca-m2", "one-way-params-vs-m2", "mutual-params-vs-m1",
    "client-other-ca-m2", "server-chain-complete-m1", "server-chain-missing-m1", "server-chain-trust-intermediate-m1",
    # algorithms and validity
    "ed25519-server-m1", "server-key-p521-m1", "server-sig-pss-maxsalt-m1", "server-sig-pss-digestsalt-m1",
    "sha1-server-m1", "ed25519-client-m2", "negative-serial-server-m1", "server-eku-clientauth-m1",
    "expired-server-m1",
    # file shapes on the client's side
    "client-trust-bom-m1", "client-ca-bom-m2",
)


@dataclass(frozen=True)
class ClientCase:
    case: Case
    no_name: bool = False      # the clients get no server name (they check the dialled host, 127.0.0.1)
    as_args: bool = False      # the doctor gets the pymilvus keywords as --pymilvus-args (exactly what is passed)

    @property
    def name(self) -> str:
        return self.case.name

    @property
    def server_setup(self) -> str:
        return self.case.server_setup

    def write(self, d: Path) -> dict[str, Path]:
        return self.case.write(d)

    def doctor_args(self, paths: dict[str, Path]) -> list[str]:
        if self.as_args:
            import json
            args = ["--tls-mode", str(self.case.mode), "--server-pem", str(paths["server.pem"]),
                    "--server-key", str(paths["server.key"])]
            if "ca.pem" in paths:
                args += ["--ca-pem", str(paths["ca.pem"])]
            kwargs = {"uri": "https://127.0.0.1:19530", **self.pymilvus_params(paths).as_kwargs()}
            return args + ["--pymilvus-args", json.dumps(kwargs)]
        args = self.case.doctor_args(paths)
        if self.no_name:
            i = args.index("--server-name")
            args[i + 1] = "127.0.0.1"
        return args

    def pymilvus_params(self, paths: dict[str, Path]) -> ClientParams:
        p = self.case.client_params(paths)
        return replace(p, server_name=None) if self.no_name else p

    def tls_inputs(self, paths: dict[str, Path]) -> dict:
        """What a Go or Node client is given (the doctor's general flags): ca, cert, key, server_name."""
        def s(k):
            return str(paths[k]) if k in paths else None
        ca = s("client-ca.pem") or s("client-trust.pem")   # --client-ca-pem, else --client-server-pem
        return {"ca": ca, "cert": s("client.pem"), "key": s("client.key"),
                "server_name": None if self.no_name else self.case.server_name}


@functools.lru_cache(maxsize=1)
def client_corpus() -> tuple[ClientCase, ...]:
    named = by_name()
    cases = [ClientCase(named[n]) for n in REUSED]
    g = good_set()
    ca, srv, skey = g.ca.cert_pem(), g.server.cert_pem(True), g.server.key_pem()
    cli, ckey = g.client.cert_pem(True), g.client.key_pem()

    def one_way(name, desc, server_pem=srv, server_key=skey, trust=ca, sn="localhost", no_name=False):
        cases.append(ClientCase(Case(name, "5-clients", 1, desc, server_pem, server_key, None,
                                     client_server_pem=trust, server_name=sn), no_name))

    def mutual(name, desc, client_pem=cli, client_key=ckey, client_ca=ca, sn="localhost"):
        cases.append(ClientCase(Case(name, "5-clients", 2, desc, srv, skey, ca, client_pem=client_pem,
                                     client_key=client_key, client_ca_pem=client_ca, server_name=sn)))

    # an IP name: CN=127.0.0.1 and no SAN (grpc matches the CN; Go and Node need an IP SAN)
    cn_ip = make_leaf(g.ca, "127.0.0.1", dns=(), ips=())
    one_way("cn-ip-no-san-ip-name-m1", "CN=127.0.0.1, no SAN, server_name 127.0.0.1", cn_ip.cert_pem(),
            cn_ip.key_pem(), sn="127.0.0.1")
    # DNS SAN only, the client dials the IP with no server name
    dns_only = make_leaf(g.ca, "localhost", dns=("localhost",), ips=())
    one_way("no-server-name-dns-san-m1", "SAN DNS:localhost only, no server_name (checks 127.0.0.1)",
            dns_only.cert_pem(), dns_only.key_pem(), no_name=True)
    one_way("no-server-name-ip-san-m1", "SAN DNS:localhost + IP:127.0.0.1, no server_name (checks 127.0.0.1)",
            no_name=True)
    # wildcard in a two-label name, and a partial-label wildcard
    short = custom_cert(g.ca, "*.local", new_key("rsa2048"), dns=("*.local",), ku=("digital_signature",
                                                                                     "key_encipherment"))
    one_way("wildcard-two-label-pattern-m1", "SAN *.local, server_name milvus.local", short.cert_pem(),
            short.key_pem(), sn="milvus.local")
    partial = custom_cert(g.ca, "m*.example.com", new_key("rsa2048"), dns=("m*.example.com",))
    one_way("wildcard-partial-label-m1", "SAN m*.example.com, server_name milvus.example.com", partial.cert_pem(),
            partial.key_pem(), sn="milvus.example.com")
    # the client's own files: text before BEGIN, CRLF, a BOM before the client certificate
    one_way("client-trust-text-before-begin-m1", "server_pem_path with openssl's text before BEGIN",
            trust=b"subject=CN = corpus CA\nissuer=CN = corpus CA\n" + ca)
    one_way("client-trust-crlf-m1", "server_pem_path with CRLF line endings", trust=_crlf(ca))
    mutual("client-pem-bom-m2", "client_pem_path starts with a UTF-8 BOM", client_pem=BOM + cli)
    mutual("client-key-crlf-m2", "client cert and key with CRLF line endings", client_pem=_crlf(cli),
           client_key=_crlf(ckey))
    # trust parameters pymilvus reads its own way (its exact keywords: --pymilvus-args)
    cases.append(ClientCase(Case("ca-pem-alone-m1", "5-clients", 1, "only ca_pem_path (pymilvus ignores it alone, "
                                 "pymilvus#2785; Go and Node trust it)", srv, skey, None, client_ca_pem=ca), as_args=True))
    cases.append(ClientCase(Case("server-pem-with-client-certs-m2", "5-clients", 2, "server_pem_path with the mutual "
                                 "three (pymilvus sends no client cert; Go and Node do)", srv, skey, ca,
                                 client_server_pem=ca, client_pem=cli, client_key=ckey, client_ca_pem=ca),
                            as_args=True))
    names = [c.name for c in cases]
    assert len(names) == len(set(names)), "duplicate case names"
    return tuple(cases)


@dataclass(frozen=True)
class ClientObservation:
    client: str
    ok: bool
    words: str = ""            # the client's own error text
    could_not_run: str = ""
    seconds: float = 0.0
    version: str = ""


def _short(text: str, n: int = 300) -> str:
    return " ".join(str(text).split())[:n]


def observe_client(handle, case: ClientCase, paths: dict[str, Path], client: str,
                   timeout: float = TIMEOUT, warm: bool = True) -> ClientObservation:
    """Run one real client (a CLIENTS key) against the running Milvus `handle` (pymilvus: a fresh child forked
    from the line's warm interpreter when `warm`, else a new interpreter)."""
    from milvus_tls_check.handshake import sdk_process, pymilvus_process, venvs

    sel: ClientSel = parse_client(client)
    if not handle.started:
        return ClientObservation(client, False, "Milvus did not start")
    port = handle.uri_tls.rsplit(":", 1)[1]
    address = f"127.0.0.1:{port}"
    tls = case.tls_inputs(paths)
    t0 = time.monotonic()
    if sel.kind == "pymilvus":
        worker = pymilvus_worker(sel.release) if warm else None
        if worker is not None:
            ok, words = worker.run(handle.uri_tls, case.pymilvus_params(paths), timeout)
            return ClientObservation(client, ok, "" if ok else _short(words), seconds=time.monotonic() - t0,
                                     version=worker.version)
        py = venvs.python_for(sel.release)
        if py is None:
            return ClientObservation(client, False, could_not_run=f"no venv for pymilvus {sel.release}")
        out = pymilvus_process.run(handle.uri_tls, case.pymilvus_params(paths), timeout, python_path=str(py))
        if out.could_not_run:
            return ClientObservation(client, False, could_not_run=out.error)
        return ClientObservation(client, out.ok, "" if out.ok else _short(out.cause or out.error),
                                 seconds=time.monotonic() - t0, version=out.pymilvus_version)
    if sel.kind == "go":
        out = sdk_process.run_go(address, server_name=tls["server_name"], ca=tls["ca"], cert=tls["cert"],
                                 key=tls["key"], timeout=timeout)
    elif sel.kind == "java":
        # grpc-java's authority: serverName when given, else the host dialled
        out = sdk_process.run_java(address, authority=tls["server_name"] or "127.0.0.1", ca=tls["ca"],
                                   cert=tls["cert"], key=tls["key"], timeout=timeout)
    elif sel.kind == "milvus-cli":
        return _observe_milvus_cli(handle, tls, client, timeout, t0)
    elif sel.kind == "node":
        cfg = {"address": address, "ssl": True}
        t = {k: v for k, v in (("rootCertPath", tls["ca"]), ("privateKeyPath", tls["key"]),
                               ("certChainPath", tls["cert"]), ("serverName", tls["server_name"])) if v}
        if t:
            cfg["tls"] = t
        out = sdk_process.run_node(cfg, timeout=timeout, line=sel.line)
    else:   # a kind the lab has no real runner for is an error, never another kind's behaviour
        raise ValueError(f"the lab cannot run a real {sel.kind} client against Milvus")
    if out.could_not_run:
        return ClientObservation(client, False, could_not_run=out.error)
    return ClientObservation(client, out.ok, "" if out.ok else _short(f"[{out.stage}] {out.error} {out.details}"),
                             seconds=time.monotonic() - t0, version=out.version)


def _observe_milvus_cli(handle, tls: dict, client: str, timeout: float, t0: float) -> ClientObservation:
    """milvus-cli's connect is pymilvus (its line's venv) with secure=True and server_pem_path = -cert, no client
    pair and no server name of its own: grpc checks the host it dials, here the case's name (as the doctor judges)."""
    from milvus_tls_check.clientkinds.milvus_cli import PYMILVUS_LINE
    from milvus_tls_check.handshake import pymilvus_process, venvs

    release = venvs.release_of(PYMILVUS_LINE)
    py = venvs.python_for(release)
    if py is None:
        return ClientObservation(client, False, could_not_run=f"no venv for pymilvus {release}")
    params = ClientParams(server_pem_path=tls["ca"], server_name=tls["server_name"])
    out = pymilvus_process.run(handle.uri_tls, params, timeout, python_path=str(py))
    if out.could_not_run:
        return ClientObservation(client, False, could_not_run=out.error)
    return ClientObservation(client, out.ok, "" if out.ok else _short(out.cause or out.error),
                             seconds=time.monotonic() - t0, version=out.pymilvus_version)


def doctor_verdicts(case: ClientCase, paths: dict[str, Path], clients=CLIENTS, extra: Optional[list] = None):
    """The doctor's JSON report for the case with every client selected (in this process)."""
    import contextlib
    import io
    import json

    from milvus_tls_check.cli import main

    args = ["doctor", *case.doctor_args(paths), "--format", "json", "--rehearsal", "go", "--milvus-version",
            "2.3.5", "--timeout", str(TIMEOUT)] + [a for c in clients for a in ("--client", c)] + list(extra or [])
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(args)
    if code not in (0, 1):
        raise RuntimeError(f"milvus-tls {' '.join(args)} exited {code}")
    return json.loads(buf.getvalue())


# ---- a warm pymilvus per line: import once, fork a fresh child per attempt (the CI time budget) ------------------
# The one pymilvus runner is handshake/pymilvus_process.py (its Worker); the lab keeps one per line.

_WORKERS: dict = {}


def pymilvus_worker(release: str):
    """The warm pymilvus_process.Worker of a line (None: no venv for it)."""
    from milvus_tls_check.handshake import venvs
    from milvus_tls_check.handshake.pymilvus_process import Worker
    if release not in _WORKERS:
        py = venvs.python_for(release)
        if py is None:
            return None
        _WORKERS[release] = Worker(str(py))
    return _WORKERS[release]


def close_workers() -> None:
    for w in _WORKERS.values():
        w.close()
    _WORKERS.clear()
