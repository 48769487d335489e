#!/usr/bin/env python3
"""The benchmark's third baseline: find out by trying for real. Start the embedded Milvus (PyPI `milvus`) in
tlsMode 2 with the material, connect with a real pymilvus client, stop. usage: try_for_real.py DIR"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from milvus_tls_lab.realmilvus import pymilvus_connect, running_milvus  # noqa: E402


def main(folder: str) -> int:
    d = Path(folder).resolve()
    with tempfile.TemporaryDirectory() as tmp, \
            running_milvus(Path(tmp), 2, d / "server.pem", d / "server.key", d / "ca.pem") as m:
        if not m.started:
            print(f"Milvus did not start (exit {m.exit_code})")
            return 1
        out = pymilvus_connect(m.uri_tls, timeout=20, client_pem_path=str(d / "client.pem"),
                               client_key_path=str(d / "client.key"), ca_pem_path=str(d / "ca.pem"),
                               server_name="localhost")
        print("connected" if out.ok else f"failed: {out.error[-200:]}")
        return 0 if out.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
