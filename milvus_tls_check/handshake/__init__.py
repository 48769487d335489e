"""Handshakes: prove the static verdict by doing what Milvus and pymilvus do. Three steps, in one direction:

    plan_handshakes(request, modes, material, findings) -> HandshakePlan   (plan.py: which attempts; pure)
    run_plan(plan, material)                            -> RawAttempts     (run.py: the only network code)
    interpret(plan, attempts, findings)                 -> Handshakes      (interpretation.py: error text -> code; pure)

- No URI: a rehearsal per evaluated mode, and a client built as pymilvus builds it (grpcio_channel.py); with
  request.run_pymilvus also a real pymilvus.MilvusClient (subprocess). The rehearsal server (request.rehearsal):
  `go`: Milvus's own TLS stack, Go's crypto/tls with the Go of the Milvus line (gofront.py) in front of a plaintext
  grpcio backend; `grpcio`: an in-process grpcio server configured like Milvus's proxy (rehearsal.py), with the
  static Go model deciding what only Go enforces; `auto`: Go when a toolchain for the line is installed.
- A URI (https:// TLS, http:// plaintext, parsed as pymilvus parses it): the same clients per evaluated mode
  against it and a raw ssl probe (probe.py), side by side, so the whole step takes about one --timeout.

Each attempt names its client implementation and version and its server implementation (model.ClientImpl,
model.ServerImpl). Which failures count is decided afterwards, in verdict.py.

Nothing here imports grpc at module import: `import milvus_tls_check.handshake` is cheap; grpc loads on first use.
"""
from __future__ import annotations

import importlib
from typing import Any

# name -> the submodule that defines it. Loaded on first use, so `import milvus_tls_check.handshake.serverbuild`
# (the report's server build, needed even with --no-handshake) does not pay for the planner and the runners.
_API = {
    "DEFAULT_PORT": "..facts.pymilvus", "HTTPS_PORT": "..facts.pymilvus", "BadUri": "..facts.pymilvus",
    "Target": "..facts.pymilvus", "parse_uri": "..facts.pymilvus",
    "interpret": ".interpretation",
    "HandshakePlan": ".plan", "PlannedAttempt": ".plan", "ServerPlan": ".plan", "plan_handshakes": ".plan",
    "RawAttempt": ".run", "run_plan": ".run",
    "choose": ".serverbuild", "install_hint": ".serverbuild", "server_build": ".serverbuild",
    "rehearsal_server": ".pipeline", "run_handshakes": ".pipeline",
}

__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    if name not in _API:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_API[name], __name__), name)
