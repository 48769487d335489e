"""From raw output to recorded evidence: pymilvus' cause, Go's logged reason, why Milvus did not start, what else
the proxy port answers, and the versions observed. Lab code: the doctor never imports it."""
from __future__ import annotations

import json
import platform
import re
import subprocess
from pathlib import Path
from typing import Any

from milvus_tls_check.handshake.trusted_cache import CHILD_CWD
from .realmilvus import milvus_binary, milvus_tls_log_lines

def rel(v: Any, work: Path) -> Any:
    if isinstance(v, Path):
        try:
            return str(v.relative_to(work / "material"))
        except ValueError:
            return str(v)
    return v


def short(s: str, n: int = 400) -> str:
    s = re.sub(r"\s+", " ", s or "").strip()
    return s if len(s) <= n else s[: n - 3] + "..."


def condense_error(err: str) -> str:
    """pymilvus' outer message is always the same; keep the grpc cause."""
    mm = re.search(r"\| cause \w+: (.*)$", err or "")
    text = mm.group(1) if mm else (err or "")
    text = text.replace("failed to connect to all addresses; last error: ", "")
    text = re.sub(r"ipv[46]:[\[\]\d.:]+:\d+: ", "", text)
    text = re.sub(r": OK$", "", text.strip())
    return short(text, 300)


def _go_log_message(line: str) -> str:
    """The message of a Milvus log line, with Go/JSON escaping undone."""
    mm = re.search(r'\] \["(.*?)"\](?: \[|$)', line)
    msg = mm.group(1) if mm else line
    for _ in range(3):
        try:
            msg = json.loads('"' + msg + '"')
        except ValueError:
            break
    return msg


def milvus_reason(log: str) -> str:
    """Go's reason for a failed connection, from the proxy's grpc log lines (INFO)."""
    out: list[str] = []
    for ln in milvus_tls_log_lines(log, limit=20):
        msg = _go_log_message(ln)
        mm = re.search(r"ServerHandshake\(.*?\) failed: (.*?)\"?$", msg)
        if mm:
            text = mm.group(1)
        elif "received bogus greeting from client" in msg:
            text = "http2Server: received bogus greeting from client (TLS ClientHello on a plaintext port)"
        elif "failed to send closeNotify alert" in msg:
            text = "(no handshake error; client hung up right after the handshake: closeNotify broken pipe)"
        elif re.search(r"\[(ERROR|WARN|FATAL)\]", ln):
            text = msg
        else:
            continue
        text = short(text.replace('\\"', '"').rstrip('"'), 400)
        if text not in out:
            out.append(text)
    return " || ".join(out[:3])


def start_failure_reason(log: str) -> str:
    pats = re.compile(r"panic:|tls|x509|pem|certificate|private key|no such file|failed to find|crypto/tls|"
                      r"load.*key|ERROR\]", re.I)
    lines = []
    for ln in log.splitlines():
        if pats.search(ln) and not ln.startswith("\t") and "goroutine" not in ln:
            t = short(ln, 350)
            if t not in lines:
                lines.append(t)
    pri = [ln for ln in lines if re.search(r"tls|x509|pem|certificate|private key|no such file|crypto", ln, re.I)]
    return " || ".join((pri or lines)[:4])


def probe_rest(port: int, client_kwargs: dict) -> dict:
    """Does the proxy port also answer Milvus' RESTful API (v1) over HTTP/1.1, plain or TLS?"""
    import http.client  # noqa: PLC0415
    import ssl  # noqa: PLC0415

    res = {}
    for scheme in ("http", "https"):
        try:
            if scheme == "http":
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=4)
            else:
                ctx = ssl.create_default_context()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
                if client_kwargs.get("client_pem_path") and client_kwargs.get("client_key_path"):
                    ctx.load_cert_chain(str(client_kwargs["client_pem_path"]), str(client_kwargs["client_key_path"]))
                conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=4, context=ctx)
            conn.request("GET", "/v1/vector/collections")
            r = conn.getresponse()
            res[scheme] = f"HTTP {r.status} {short(r.read(160).decode('utf-8', 'replace'), 120)}"
            conn.close()
        except Exception as e:  # noqa: BLE001 - recording whatever happens
            if type(e).__name__ == "BadStatusLine" and str(e).startswith("\x00\x00"):
                res[scheme] = "answered with an HTTP/2 frame (gRPC only, no REST over HTTP/1.1)"
            else:
                res[scheme] = short(f"{type(e).__name__}: {e}", 200)
    return res


def versions(python: str) -> dict:
    code = ("import json, grpc, pymilvus, milvus, sys, ssl;"
            "import cryptography;"
            "print(json.dumps({'pymilvus': pymilvus.__version__, 'grpcio': grpc.__version__,"
            "'milvus_pypi': milvus.__version__, 'python': sys.version.split()[0],"
            "'cryptography': cryptography.__version__}))")
    v = json.loads(subprocess.run([python, "-I", "-c", code], capture_output=True, text=True, check=True,
                                  cwd=CHILD_CWD).stdout)
    binp = milvus_binary()
    try:
        s = subprocess.run(["strings", "-n", "8", str(binp)], capture_output=True, text=True, check=False).stdout
        go = re.search(r"go version (go[\d.]+) [\w/]+", s)
        grpc_go = re.search(r"google\.golang\.org/grpc@(v[\d.]+)", s)
        tag = re.search(r"BuildTags=(v[\w.\-]+)", s)
        commit = re.search(r"GitCommit=(\w+)", s)
        v.update(milvus_go=go.group(1) if go else "?", milvus_grpc_go=grpc_go.group(1) if grpc_go else "?",
                 milvus_build=tag.group(1) if tag else "?", milvus_commit=commit.group(1) if commit else "?")
    except OSError as e:
        v["milvus_go"] = f"unreadable: {e}"
    v["openssl_cli"] = subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip()
    v["platform"] = platform.platform()
    return v
