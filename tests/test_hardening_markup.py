"""Hardening, markup (security issue 11): a certificate's names land in Markdown (the report that goes into the
GitHub step summary), in Mermaid labels and in GitHub annotations. A CN holding HTML, a backtick or link syntax
comes out as text: escaped, still readable, never a tag or a link."""
from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from milvus_tls_check import cli
from tests.certfactory import make_ca, make_leaf

EVIL = "<img src=x onerror=alert(1)>"
CASES = {
    "img": EVIL,
    "backtick": "`x` <img src=x onerror=alert(2)> `",
    "link": "[click](https://evil.example/)",
    "entity": "#lt;img src=x onerror=alert(3)#gt; &lt;b&gt;",
}


def _set(tmp_path: Path, cn: str) -> Path:
    root = make_ca(f"CA {cn}")
    leaf = make_leaf(root, cn, dns=())      # no SAN: the findings quote the CN (name.mismatch, name.cn_only)
    d = tmp_path / "tls"
    d.mkdir()
    leaf.write(d / "server.pem", d / "server.key")
    (d / "ca.pem").write_bytes(root.cert_pem())
    return d


def _assert_inert(text: str, where: str, markdown: bool = True) -> None:
    assert "<img" not in text, where
    if markdown:   # annotations are plain text to GitHub: only HTML is neutralised there
        assert "[click]" not in text, where
    assert not re.search(r"<(?!/?(?:code|br/?)>)[A-Za-z]", text), where   # only our own <code> and <br/> tags


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_cn_is_inert_in_markdown_and_github(case, tmp_path, capfd, monkeypatch):
    cn = CASES[case]
    d = _set(tmp_path, cn)
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    args = ["doctor", "--dir", str(d), "--no-handshake", "--server-name", "db.example.com", "--tls-mode", "1"]
    for fmt in ("markdown", "github"):
        status = cli.main([*args, "--format", fmt])
        out, err = capfd.readouterr()
        assert status == 1, err                       # name.mismatch: the CN is quoted in findings
        _assert_inert(out, f"{case} {fmt}", markdown=fmt == "markdown")
    md = summary.read_text()
    _assert_inert(md, f"{case} step summary")
    # still readable: HTML-unescaping the page gives the name back (table cells, messages)
    assert cn.replace("`", "") in html.unescape(md).replace("`", "").replace("\\", ""), md


def test_hostile_cn_is_readable_in_markdown(tmp_path, capfd):
    d = _set(tmp_path, EVIL)
    cli.main(["doctor", "--dir", str(d), "--no-handshake", "--server-name", "db.example.com", "--tls-mode", "1",
              "--format", "markdown"])
    md = capfd.readouterr().out
    # Markdown text: the browser shows <img ...> (the subject is RFC 4514, which writes \< and \>)
    assert "&#92;&lt;img src=x onerror=alert(1)&#92;&gt;" in md
    assert EVIL in html.unescape(md).replace("\\", "")
    assert "#lt;img src=x onerror=alert(1)" in md                     # Mermaid label: Mermaid's own entity codes


def test_the_escapers():
    from milvus_tls_check.render.chain import _label
    from milvus_tls_check.render.sanitize import md_code, md_inline, md_text

    assert md_text("a<b>&c|d`e[f](g)\\h\ni") == "a&lt;b&gt;&amp;c&#124;d&#96;e&#91;f](g)&#92;h i"
    assert md_code("server_pem (tls/server.pem)") == "`server_pem (tls/server.pem)`"
    assert md_code("x`<y>") == "<code>x&#96;&lt;y&gt;</code>"
    assert md_inline("run `chmod 600 a<b`, then <i>") == "run <code>chmod 600 a&lt;b</code>, then &lt;i&gt;"
    assert _label('#lt;x#gt; <y> "z" a|b `c`\nd') == "#35;lt;x#35;gt; #lt;y#gt; #quot;z#quot; a#124;b #96;c#96; d"
    assert _label("[a](b)") == "#91;a](b)"
