"""The chain picture, drawn from the Report's trust paths (inventory.TrustPath): a text tree for people, a Mermaid
flowchart for Markdown (GitHub renders it). Pure: TrustPath -> lines. Each link says verified or BROKEN, and the
finding code at a break."""
from __future__ import annotations

import re
from typing import Sequence

_RED = "stroke:#d1242f,stroke-width:3px,color:#d1242f"
_RED_NODE = "fill:#ffebe9,stroke:#d1242f,color:#d1242f"


def _where(node) -> str:
    return f"{node.role} #{node.position}" if node.role else "found elsewhere"


def text_lines(paths: Sequence) -> list[str]:
    """A tree per trust path: leaf, then each issuer one step further in, the anchor last."""
    if not paths:
        return []
    out = ["", "Trust paths"]
    for path in paths:
        out.append(f"  {'PASS' if path.ok else 'FAIL'}  {path.title}")
        out.append(f"        {path.nodes[0].subject}  [{_where(path.nodes[0])}]")
        indent = "        "
        last = len(path.nodes) - 1
        for link in path.links:
            mark = "verified" if link.verified else f"BROKEN {', '.join(link.codes)}"
            if link.parent is None:
                target = f"no issuer in {path.trust_setting} ({path.trust_file})"
            elif link.parent == link.child:
                target = f"{path.nodes[link.child].subject}  [{_where(path.nodes[link.child])}] itself (anchor)"
            else:
                node = path.nodes[link.parent]
                target = f"{node.subject}  [{_where(node)}]" + (" (anchor)" if path.anchored and
                                                                link.parent == last else "")
            out.append(f"{indent}  `-- {mark} --> {target}")
            indent += "      "
        if path.anchored and last == 0 and not path.links:
            out.append(f"{indent}  `-- verified --> the trust file holds this certificate itself (anchor)")
    return out


def _label(text: str) -> str:
    """A Mermaid node label: quotes, angle brackets, pipes, backticks and `[` as Mermaid entity codes, so names
    never break the chart nor become HTML, a Markdown string or a link; a `#name;` already in the text is written #35;name; (Mermaid would decode it); a line break is a
    space (a raw one would end the statement; other control characters are \\xNN, for_terminal)."""
    text = re.sub(r"#(?=\w+;)", "#35;", text)
    return (text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
            .replace("|", "#124;").replace("`", "#96;").replace("[", "#91;").replace("\n", " "))


def mermaid_lines(paths: Sequence) -> list[str]:
    """One Mermaid flowchart, one subgraph per trust path; broken links (and the missing issuer) drawn red."""
    if not paths:
        return []
    out = ["```mermaid", "flowchart LR"]
    styles: list[str] = []
    link_index = 0
    for p, path in enumerate(paths):
        out.append(f'  subgraph path{p}["{_label(path.title)}"]')
        for n, node in enumerate(path.nodes):
            anchor = "<br/>anchor" if path.anchored and n == len(path.nodes) - 1 else ""
            out.append(f'    p{p}n{n}["{_label(node.subject)}<br/>{_label(_where(node))}{anchor}"]')
        if path.anchored and len(path.nodes) == 1 and not path.links:
            out.append(f'    p{p}self(["{_label(path.trust_setting)} holds it itself"])')
            out.append(f"    p{p}n0 -->|verified| p{p}self")
            link_index += 1
        for link in path.links:
            label = "verified" if link.verified else _label(", ".join(link.codes))
            if link.parent is None:
                out.append(f'    p{p}x(["no issuer in {_label(path.trust_setting)}"])')
                target = f"p{p}x"
                styles.append(f"  style p{p}x {_RED_NODE}")
            else:
                target = f"p{p}n{link.parent}"
            arrow = "-->" if link.verified else "-.->"
            out.append(f"    p{p}n{link.child} {arrow}|{label}| {target}")
            if not link.verified:
                styles.append(f"  linkStyle {link_index} {_RED}")
            link_index += 1
        out.append("  end")
    out += styles
    out.append("```")
    return out
