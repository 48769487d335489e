"""A real `pymilvus.MilvusClient` with the user's parameters, in a subprocess.

pymilvus caches connections per URI inside one process, and importing it pulls grpc and protobuf into the doctor:
so every attempt is a fresh interpreter. Its command line is only the interpreter and this module's script (anyone
can read a command line in `ps`): the URI, paths and timeout reach it on stdin, credentials in its environment. The interpreter is $MILVUS_TLS_CHECK_PYMILVUS_PYTHON (e.g. the
application's venv) or the doctor's own. grpc's C-core log lines (GRPC_VERBOSITY=debug) are captured because
pymilvus hides the reason behind "illegal connection params or server unavailable".

The child runs isolated: `python -I` (no script folder or cwd on sys.path, no PYTHON* variables, no user
site-packages) from a fixed cwd (trusted_cache.CHILD_CWD, so pymilvus's load_dotenv() finds no .env of the
checkout), with the certificate paths made absolute (as the doctor's cwd reads them). A pymilvus venv from the cache
runs only after venvs.launch's checks, from the checked descriptor.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Optional

from ..facts.pymilvus import redact_uri
from ..model import ClientParams
from . import trusted_cache, venvs

PYTHON_ENV = "MILVUS_TLS_CHECK_PYMILVUS_PYTHON"
STARTUP_ALLOWANCE = 20.0   # importing pymilvus (grpc, protobuf, pandas...) takes seconds on a cold disk
_MARK = "@@MILVUS_TLS_RESULT@@"

# One attempt, as both children run it: MilvusClient(...) then get_server_version() (unless ask_version is false),
# the exception and the grpc causes under it (pymilvus hides them behind "illegal connection params").
_ATTEMPT = r"""
def attempt(pymilvus, p):
    out = {"ok": False, "error": "", "cause": "", "version": ""}
    try:
        client = pymilvus.MilvusClient(uri=p["uri"], timeout=p["timeout"], **p["kwargs"])
        if p.get("ask_version", True):
            try:
                out["version"] = str(client.get_server_version(timeout=p["timeout"]))
            except Exception:
                out["version"] = ""
        out["ok"] = True
        try:
            client.close()
        except Exception:
            pass
    except BaseException as e:
        out["error"] = f"{type(e).__name__}: {e}"
        cause, seen = e.__cause__ or e.__context__, []
        while cause is not None and cause not in seen and len(seen) < 5:
            seen.append(cause)
            details = getattr(cause, "details", None)
            text = details() if callable(details) else str(cause)
            line = f"{type(cause).__name__}: {text}"
            if line not in out["cause"]:
                out["cause"] += line + " | "
            cause = cause.__cause__ or cause.__context__
    return out
"""

# The doctor's child: one attempt in a fresh interpreter.
_SCRIPT = _ATTEMPT + r"""
import json, os, sys
p = json.loads(sys.stdin.read())
out = {"ok": False, "missing": "", "error": "", "cause": "", "version": ""}
try:
    import pymilvus
    out["pymilvus"] = getattr(pymilvus, "__version__", "")
except Exception as e:
    out["missing"] = f"{type(e).__name__}: {e}"
else:
    auth = os.environ.pop("MILVUS_TLS_CHECK_AUTHORIZATION", "")
    if auth:   # the application's credentials: from the environment, never the command line
        import base64
        p["kwargs"]["token"] = base64.b64decode(auth).decode("utf-8")
    out.update(attempt(pymilvus, p))
sys.stdout.write("\n" + MARK + json.dumps(out) + "\n")
sys.stdout.flush()
os._exit(0)
""".replace("MARK", repr(_MARK))

# The lab's warm child (Worker): pymilvus imported once, a fresh forked child per attempt (no connection or
# channel shared between attempts), for the corpus's time budget. Same isolation as the doctor's child.
_WORKER = _ATTEMPT + r"""
import json, os, select, signal, sys, time
import pymilvus
sys.stdout.write("READY " + getattr(pymilvus, "__version__", "") + "\n"); sys.stdout.flush()
for line in sys.stdin:
    p = json.loads(line)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        os.write(w, json.dumps(attempt(pymilvus, p)).encode())
        os._exit(0)
    os.close(w)
    deadline, data = time.monotonic() + p["timeout"] * 2 + 10, b""
    while True:
        left = deadline - time.monotonic()
        ready, _, _ = select.select([r], [], [], max(left, 0))
        if not ready:
            os.kill(pid, signal.SIGKILL)
            data = json.dumps({"ok": False, "error": "pymilvus did not return", "cause": ""}).encode()
            break
        chunk = os.read(r, 65536)
        if not chunk:
            break
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    sys.stdout.write("RESULT " + (data.decode() or '{"ok": false, "error": "child died"}') + "\n")
    sys.stdout.flush()
"""

_REASON_LINE = re.compile(
    r"ssl|handshak|certificate|peer name|verif|tsi_|alert|wrong_version|connect|socket closed|reset|"
    r"unwrap|decryption|hostname|resolv", re.I)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    could_not_run: bool
    error: str          # the exception pymilvus raised
    cause: str          # the grpc error under it
    log_lines: tuple[str, ...]
    version: str
    seconds: float
    pymilvus_version: str = ""   # pymilvus.__version__ in the interpreter that ran it


def reason_lines(stderr: str, limit: int = 6) -> tuple[str, ...]:
    seen: list[str] = []
    for line in stderr.splitlines():
        if not _REASON_LINE.search(line):
            continue
        text = re.sub(r"^[EIWD]\d{4} [\d:.]+\s+\d+\s+\S+\]\s*", "", line.strip())
        if text and text not in seen:
            seen.append(text)
    return tuple(seen[:limit])


def python() -> str:
    return os.environ.get(PYTHON_ENV) or sys.executable


def command(exe: str) -> list[str]:
    """The child's command line: nothing of the user's is on it (the URI and paths come on stdin), and -I: nothing
    of the folder the doctor runs in (a json.py, a pymilvus/ in the checkout) is imported."""
    return [exe, "-I", "-c", _SCRIPT]


def run(uri: str, params: ClientParams, timeout: float, python_path: Optional[str] = None,
        authorization: str = "") -> Outcome:
    """MilvusClient(uri=uri, timeout=timeout, **params.as_kwargs()) then get_server_version(), in a subprocess
    (python_path: the interpreter, e.g. a pymilvus line's venv from venvs.py; default python()). `authorization`:
    the application's credentials as pymilvus's authorization metadata (base64 of "user:password" or the token);
    the child gets them in its environment, never on its command line, and passes them as token=."""
    exe = python_path or python()
    if os.sep in exe:
        exe = os.path.abspath(exe)
    kwargs = {k: (os.path.abspath(v) if k.endswith("_path") else v) for k, v in params.as_kwargs().items()}
    env = dict(os.environ, GRPC_VERBOSITY="debug", PYTHONUNBUFFERED="1")
    env.pop("GRPC_TRACE", None)
    if authorization:
        env["MILVUS_TLS_CHECK_AUTHORIZATION"] = authorization
    t0 = time.monotonic()
    try:
        with venvs.launch(exe) as kw:
            cp = subprocess.run(command(exe), input=json.dumps({"uri": redact_uri(uri), "timeout": timeout,
                                                                 "kwargs": kwargs}),
                                capture_output=True, text=True, timeout=timeout * 2 + STARTUP_ALLOWANCE, env=env,
                                check=False, cwd=trusted_cache.CHILD_CWD, **kw)
    except trusted_cache.CacheRefused as exc:
        return Outcome(False, True, f"pymilvus was not run: {exc}", "", (), "", time.monotonic() - t0)
    except subprocess.TimeoutExpired as exc:
        err = exc.stderr.decode("utf-8", "replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        return Outcome(False, False, f"pymilvus did not return within {timeout * 2 + STARTUP_ALLOWANCE:g}s",
                       "Deadline Exceeded", reason_lines(err), "", time.monotonic() - t0)
    except OSError as exc:
        return Outcome(False, True, f"cannot start {exe}: {exc}", "", (), "", time.monotonic() - t0)
    seconds = time.monotonic() - t0
    found = re.search(re.escape(_MARK) + r"(.*)", cp.stdout)
    if not found:
        return Outcome(False, True, f"the pymilvus subprocess exited {cp.returncode} without a result: "
                       f"{(cp.stderr or cp.stdout)[-300:]}", "", reason_lines(cp.stderr), "", seconds)
    res = json.loads(found.group(1))
    if res.get("missing"):
        return Outcome(False, True, f"pymilvus is not importable in {exe} ({res['missing']}); "
                       f"pip install pymilvus there, or set {PYTHON_ENV} to the application's python",
                       "", (), "", seconds)
    return Outcome(bool(res["ok"]), False, res.get("error", ""), res.get("cause", "").rstrip(" |"),
                   reason_lines(cp.stderr), res.get("version", ""), seconds, str(res.get("pymilvus") or ""))


class Worker:
    """One warm interpreter of a pymilvus line (its venv) for the lab's corpus runs; `run` forks a fresh child for
    each attempt (the same attempt as run's). Isolated as run's child: -I, a fixed cwd, a venv from the cache only
    after venvs.launch's checks, from the checked descriptor."""

    def __init__(self, python_path: str):
        import threading

        with venvs.launch(python_path) as kw:
            self.proc = subprocess.Popen([python_path, "-I", "-c", _WORKER], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1,
                                         env={**os.environ, "GRPC_VERBOSITY": "NONE"}, cwd=trusted_cache.CHILD_CWD,
                                         **kw)
        self.lock = threading.Lock()
        first = self.proc.stdout.readline()
        if not first.startswith("READY"):
            raise RuntimeError(f"pymilvus worker {python_path} did not start: {first!r}")
        self.version = first.split(" ", 1)[1].strip() if " " in first else ""

    def run(self, uri: str, params: ClientParams, timeout: float) -> tuple[bool, str]:
        """(connected, the error words) for MilvusClient(uri, **params) in a fresh forked child."""
        kwargs = {k: (os.path.abspath(v) if k.endswith("_path") else v) for k, v in params.as_kwargs().items()}
        with self.lock:
            self.proc.stdin.write(json.dumps({"uri": uri, "timeout": timeout, "kwargs": kwargs,
                                              "ask_version": False}) + "\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
        if not line.startswith("RESULT "):
            raise RuntimeError(f"pymilvus worker said {line!r}")
        res = json.loads(line[len("RESULT "):])
        return bool(res["ok"]), (res.get("cause") or res.get("error") or "").rstrip(" |")

    def close(self) -> None:
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=5)
        except Exception:  # noqa: BLE001
            self.proc.kill()
