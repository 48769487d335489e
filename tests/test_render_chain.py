"""Issue 15: the chain picture. Text: a tree per trust path with each link verified or BROKEN and the finding code
at the break; Markdown: the same as a Mermaid flowchart, broken links red. Goldens on the docs' good set and a
broken one (client certificate from another CA with the same name); an intermediate that is not a CA is drawn as a
broken middle link. Regenerate: MILVUS_TLS_UPDATE_GOLDEN=1 pytest tests/test_render_chain.py"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.certfactory import make_ca, make_leaf
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "chain"
SETS = {"good": "docs-san", "broken": "broken-wrong-ca"}


@pytest.fixture
def sets(tmp_path: Path) -> Path:
    for name, folder in SETS.items():
        shutil.copytree(ROOT / "fixtures" / folder, tmp_path / name)
        for key in (tmp_path / name).glob("*.key"):
            key.chmod(0o600)
    return tmp_path


def _section(out: str, start: str, end: str | None = None) -> str:
    part = out[out.index(start):]
    return part[:part.index(end)] if end and end in part else part


def _check_golden(name: str, text: str) -> None:
    golden = GOLDEN / name
    if os.environ.get("MILVUS_TLS_UPDATE_GOLDEN") == "1":
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), f"{name} changed"


@pytest.mark.parametrize("name", sorted(SETS))
def test_text_tree_golden(sets, name, capsys, monkeypatch):
    monkeypatch.chdir(sets)
    _, out, _ = run_cli(["doctor", "--dir", name, "--no-handshake", "--at", "2027-01-01T00:00:00Z"], capsys)
    tree = _section(out, "Trust paths\n", "\n\n")
    _check_golden(f"{name}.txt", tree)


@pytest.mark.parametrize("name", sorted(SETS))
def test_markdown_mermaid_golden(sets, name, capsys, monkeypatch):
    monkeypatch.chdir(sets)
    _, out, _ = run_cli(["doctor", "--dir", name, "--no-handshake", "--at", "2027-01-01T00:00:00Z",
                         "--format", "markdown"], capsys)
    chart = _section(out, "### Trust paths\n")
    _check_golden(f"{name}.md", chart)
    assert_mermaid_wellformed(chart)


def assert_mermaid_wellformed(chart: str) -> None:
    """What Mermaid's flowchart grammar needs of us: one fenced block opening with `flowchart`, balanced subgraphs,
    quoted labels without raw quotes, links between declared nodes, linkStyle indices within the links drawn."""
    body = chart.split("```mermaid\n", 1)[1].split("\n```", 1)[0].splitlines()
    assert body[0] == "flowchart LR"
    assert sum(line.strip().startswith("subgraph ") for line in body) == sum(line.strip() == "end" for line in body)
    nodes = set()
    links = 0
    for line in body[1:]:
        s = line.strip()
        if m := re.fullmatch(r'(\w+)(\["|\(\[")(.*?)("\]|"\]\))', s):
            assert '"' not in m.group(3)
            nodes.add(m.group(1))
        elif m := re.fullmatch(r"(\w+) (-->|-\.->)\|([^|\"]+)\| (\w+)", s):
            assert m.group(1) in nodes and m.group(4) in nodes, s
            links += 1
    styled = [int(m.group(1)) for m in re.finditer(r"linkStyle (\d+) ", chart)]
    assert all(0 <= i < links for i in styled)


def test_broken_set_marks_the_break_with_its_code(sets, capsys, monkeypatch):
    monkeypatch.chdir(sets)
    _, out, _ = run_cli(["doctor", "--dir", "broken", "--no-handshake", "--at", "2027-01-01T00:00:00Z"], capsys)
    tree = _section(out, "Trust paths\n", "\n\n")
    assert "BROKEN chain.untrusted --> no issuer in tls.caPemPath (broken/ca.pem)" in tree
    _, md, _ = run_cli(["doctor", "--dir", "broken", "--no-handshake", "--at", "2027-01-01T00:00:00Z",
                        "--format", "markdown"], capsys)
    assert re.search(r"-\.->\|chain\.untrusted\| p\d+x", md) and "linkStyle" in md and "#d1242f" in md


def test_an_intermediate_that_is_not_a_ca_breaks_the_middle_link(tmp_path, capsys):
    root = make_ca("Root CA")
    middle = make_ca("Not A CA", issuer=root, ca=False)
    leaf = make_leaf(middle, "localhost", dns=("localhost",))
    (tmp_path / "server.pem").write_bytes(leaf.cert_pem() + middle.cert_pem())
    leaf.write(tmp_path / "x.pem", tmp_path / "server.key")
    (tmp_path / "ca.pem").write_bytes(root.cert_pem())
    _, out, _ = run_cli(["doctor", "--server-pem", str(tmp_path / "server.pem"), "--server-key",
                         str(tmp_path / "server.key"), "--client-ca-pem", str(tmp_path / "ca.pem"),
                         "--client-server-pem", str(tmp_path / "ca.pem"), "--no-handshake"], capsys)
    tree = _section(out, "Trust paths\n", "\n\n")
    lines = tree.splitlines()
    assert "CN=Not A CA" in lines[3] and "BROKEN ca.not_ca" in lines[3], tree
    assert "CN=Root CA" in lines[4] and "verified" in lines[4] and "(anchor)" in lines[4], tree


MERMAID = {"mermaid": "11.17.2", "jsdom": "29.1.1"}


@pytest.fixture(scope="module")
def mermaid_parser(tmp_path_factory) -> Path:
    """Mermaid itself (from the npm registry, once per machine): the parser GitHub's renderer runs."""
    import json
    import subprocess
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.fail("node and npm are needed for Mermaid's own parser (apt-get install nodejs npm; .ci/run does)")
    cache = Path(os.environ.get("MILVUS_TLS_MERMAID_CACHE", Path.home() / ".cache" / "milvus-tls-check" / "mermaid"))
    marker = cache / "node_modules" / "mermaid" / "package.json"
    if not marker.exists() or json.loads(marker.read_text())["version"] != MERMAID["mermaid"]:
        cache.mkdir(parents=True, exist_ok=True)
        (cache / "package.json").write_text(json.dumps({"private": True, "dependencies": MERMAID}))
        done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--silent"], cwd=cache,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
    script = cache / "mermaid_parse.mjs"
    shutil.copy(ROOT / "tests" / "mermaid_parse.mjs", script)
    return script


def _mermaid(script: Path, markdown: str, tmp_path: Path) -> list[dict]:
    import json
    import subprocess
    page = tmp_path / "page.md"
    page.write_text(markdown, encoding="utf-8")
    done = subprocess.run(["node", str(script), str(page)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_mermaid_parses_the_charts_with_mermaid_itself(mermaid_parser, sets, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(sets)
    for name in sorted(SETS):
        _, md, _ = run_cli(["doctor", "--dir", name, "--no-handshake", "--format", "markdown"], capsys)
        assert _mermaid(mermaid_parser, md, tmp_path) == [{"ok": True, "type": "flowchart-v2"}], name
    # hostile names (quotes, brackets, pipes, backticks) stay inside their labels
    root = make_ca('Evil "CA" [x] |y| `z` <b>')
    leaf = make_leaf(make_ca("Mid ] CA", issuer=root, ca=False), "localhost")
    (tmp_path / "server.pem").write_bytes(leaf.cert_pem(with_chain=True))
    leaf.write(tmp_path / "x.pem", tmp_path / "server.key")
    (tmp_path / "ca.pem").write_bytes(root.cert_pem())
    _, md, _ = run_cli(["doctor", "--server-pem", str(tmp_path / "server.pem"), "--server-key",
                        str(tmp_path / "server.key"), "--client-server-pem", str(tmp_path / "ca.pem"),
                        "--no-handshake", "--format", "markdown"], capsys)
    assert "ca.not_ca" in md
    assert _mermaid(mermaid_parser, md, tmp_path) == [{"ok": True, "type": "flowchart-v2"}]
    broken = md.replace("flowchart LR", "flowchart LR\n  a -->|", 1)
    assert not _mermaid(mermaid_parser, broken, tmp_path)[0]["ok"]   # the parser does refuse a broken chart
