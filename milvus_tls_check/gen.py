"""`milvus-tls gen`: placeholder until the generator lands (issue 7)."""
from __future__ import annotations


def add_parser(sub) -> None:
    g = sub.add_parser("gen", help="make a certificate set for Milvus (not implemented yet)")
    g.add_argument("--out", required=True)


def run_gen(args) -> int:
    raise NotImplementedError("milvus-tls gen is not implemented yet")
