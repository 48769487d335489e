#!/usr/bin/env python3
"""Fleet at scale, in one `milvus-tls doctor --fleet` process each:

- static: N copies of generated sets (100, 1,000, 10,000), wall time and peak memory (max RSS of the doctor process);
  the 10,000-set run has its stderr on a pseudo-terminal, to see the progress line a person would see;
- live: 200 real loopback TLS servers started here in a separate process (grpcio servers answering as Milvus does,
  a mix of good ones, broken ones presenting a certificate from another CA, and silent ones that accept TCP and
  never speak), probed in one fleet run with --timeout T; the target is the whole run within 2 x T.

usage: bench_fleet.py OUT.json [PYTHON]        (the doctor runs as PYTHON -m milvus_tls_check)
       bench_fleet.py --serve FOLDER GOOD BROKEN SILENT   (the server process; prints its ports as JSON)
env:   FLEET_SIZES="100 1000 10000"  LIVE_TARGETS=200  LIVE_TIMEOUT=2
"""
from __future__ import annotations

import json
import os
import pty
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.certfactory import good_set  # noqa: E402

DISTINCT = 50  # distinct sets (RSA 2048), copied: parsing and verifying cost the same for a copy


def serve(folder: str, good: int, broken: int, silent: int) -> None:
    """Start the servers, print {"good": [ports], "broken": [...], "silent": [...]}, serve until stdin closes."""
    from concurrent import futures

    import grpc

    class Milvus(grpc.GenericRpcHandler):
        def service(self, details):
            if not details.method.startswith("/milvus.proto.milvus.MilvusService/"):
                return None
            return grpc.unary_unary_rpc_method_handler(lambda request, context: b"")

    ports: dict[str, list[int]] = {"good": [], "broken": [], "silent": []}
    servers = []
    for kind, count in (("good", good), ("broken", broken)):
        if not count:
            continue
        base = Path(folder) / kind
        creds = grpc.ssl_server_credentials([((base / "server.key").read_bytes(), (base / "server.pem").read_bytes())])
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=16), handlers=[Milvus()],
                             options=[("grpc.so_reuseport", 0)])
        for _ in range(count):
            ports[kind].append(server.add_secure_port("127.0.0.1:0", creds))
        server.start()
        servers.append(server)
    quiet = []
    for _ in range(silent):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)            # never accepted: the kernel completes the connection, then nothing is said
        quiet.append(sock)
        ports["silent"].append(sock.getsockname()[1])
    print(json.dumps(ports), flush=True)
    sys.stdin.read()
    for server in servers:
        server.stop(0)


def _run(cmd: list[str], tty_stderr: bool = False) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MiB of the doctor process, what it wrote on stderr)."""
    master = slave = None
    if tty_stderr:
        master, slave = pty.openpty()
    start = time.perf_counter()
    # from /: `python -m` puts the working directory first on sys.path, and in the checkout that is its own
    # milvus_tls_check (source, no bytecode), not the installed doctor this measures
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, cwd="/",
                            stderr=slave if tty_stderr else subprocess.PIPE)
    chunks: list[bytes] = []
    if tty_stderr:
        os.close(slave)

        def pump() -> None:
            while True:
                try:
                    data = os.read(master, 4096)
                except OSError:
                    return
                if not data:
                    return
                chunks.append(data)
        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
    else:
        reader = threading.Thread(target=lambda: chunks.append(proc.stderr.read()), daemon=True)
        reader.start()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    reader.join(2)
    if master is not None:
        os.close(master)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}: {b''.join(chunks).decode(errors='replace')}")
    return seconds, usage.ru_maxrss / 1024, b"".join(chunks).decode(errors="replace")


def static(python: str, base: Path, sizes: list[int]) -> dict:
    out = {}
    sets = [good_set() for _ in range(DISTINCT)]
    for n in sizes:
        targets = []
        for i in range(n):
            d = base / f"s{i}"
            if not d.exists():
                sets[i % DISTINCT].write(d)
            targets.append({"name": f"s{i}", "dir": str(d)})
        fleet = base / f"fleet-{n}.yaml"
        fleet.write_text(yaml.safe_dump({"defaults": {"no_handshake": True}, "targets": targets}))
        biggest = n == max(sizes)
        seconds, rss, err = _run([python, "-m", "milvus_tls_check", "doctor", "--fleet", str(fleet),
                                  "--format", "json", "--output", str(base / "out.json")], tty_stderr=biggest)
        out[n] = {"seconds": seconds, "rss_mib": rss}
        if biggest:
            lines = [p for p in err.replace("\r", "\n").split("\n") if p.strip()]
            out[n]["progress_updates"] = len(lines)
            out[n]["progress_last"] = lines[-1] if lines else ""
    return out


def live(python: str, base: Path, total: int, timeout: float) -> dict:
    good, broken = total // 2, total // 4
    silent = total - good - broken
    for kind in ("good", "broken"):
        good_set().write(base / "live" / kind)
    # every target trusts the good set; the broken servers present a certificate from another CA
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(base / "live"), str(good), str(broken),
                               str(silent)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        ports = json.loads(server.stdout.readline())
        targets = [{"name": f"{kind}-{i}", "dir": str(base / "live" / "good"), "tls_mode": 1,
                    "uri": f"https://127.0.0.1:{port}"} for kind in ("good", "broken", "silent")
                   for i, port in enumerate(ports[kind])]
        fleet = base / "fleet-live.yaml"
        fleet.write_text(yaml.safe_dump({"defaults": {"timeout": timeout}, "targets": targets}))
        seconds, rss, _ = _run([python, "-m", "milvus_tls_check", "doctor", "--fleet", str(fleet),
                                "--format", "json", "--output", str(base / "live.json")])
        report = json.loads((base / "live.json").read_text())
        verdicts = {}
        for t in report["targets"]:
            kind = t["name"].split("-")[0]
            verdicts.setdefault(kind, {"pass": 0, "fail": 0})[t["verdict"]] += 1
        longest = max((h["seconds"] for t in report["targets"] if t["report"]
                       for h in t["report"]["handshakes"]), default=0.0)
    finally:
        server.stdin.close()
        server.wait(timeout=30)
    return {"targets": len(targets), "good": good, "broken": broken, "silent": silent, "timeout": timeout,
            "seconds": seconds, "rss_mib": rss, "verdicts": verdicts, "longest_attempt": longest}


def main(out: str, python: str) -> None:
    sizes = [int(n) for n in os.environ.get("FLEET_SIZES", "100 1000 10000").split()]
    with tempfile.TemporaryDirectory() as tmp:
        results = {"static": static(python, Path(tmp), sizes),
                   "live": live(python, Path(tmp), int(os.environ.get("LIVE_TARGETS", "200")),
                                float(os.environ.get("LIVE_TIMEOUT", "2")))}
    Path(out).write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    if sys.argv[1] == "--serve":
        serve(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    else:
        main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else sys.executable)
