"""Shared by the modelled-link tests (REST, internal TLS, Kafka, key paths): a certificate set, a milvus.yaml made
in the test, the doctor's JSON and text answers."""
from __future__ import annotations

import json
from pathlib import Path

import yaml

from certfactory import make_ca, make_leaf
from milvus_tls_check.cli import main


def tls_set(out: Path) -> Path:
    ca = make_ca("modelled links CA")
    (out / "ca.pem").write_bytes(ca.cert_pem())
    make_leaf(ca, "localhost", dns=("localhost",), eku=("server", "client")).write(out / "server.pem",
                                                                                  out / "server.key")
    make_leaf(ca, "milvus", dns=("milvus.internal",), eku=("server", "client")).write(out / "internal.pem",
                                                                                     out / "internal.key")
    return out


def milvus_yaml(tmp: Path, doc: dict) -> Path:
    path = tmp / "milvus.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def doctor(path: Path, capsys, *extra: str, fmt: str = "json"):
    code = main(["doctor", "--milvus-yaml", str(path), "--no-handshake", "--format", fmt, *extra])
    out = capsys.readouterr().out
    return code, (json.loads(out) if fmt == "json" else out)


def link(report: dict, kind: str) -> dict:
    return next(l for l in report.get("links", ()) if l["kind"] == kind)


def codes(report: dict) -> set:
    return {f["code"] for f in report["findings"]}


def front_door(tls: Path, mode: int = 1) -> dict:
    doc = {"common": {"security": {"tlsMode": mode}},
           "tls": {"serverPemPath": str(tls / "server.pem"), "serverKeyPath": str(tls / "server.key")}}
    if mode == 2:
        doc["tls"]["caPemPath"] = str(tls / "ca.pem")
    return doc
