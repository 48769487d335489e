"""Handshakes: prove the static verdict by doing what Milvus and pymilvus do. Three steps, in one direction:

    plan_handshakes(request, modes, material, findings) -> HandshakePlan   (plan.py: which attempts; pure)
    run_plan(plan, material)                            -> RawAttempts     (run.py: the only network code)
    interpret(plan, attempts, findings)                 -> Handshakes      (interpret.py: error text -> code; pure)

- No URI: a rehearsal per evaluated mode, and a client built as pymilvus builds it (client.py); with
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

from ..facts.pymilvus import DEFAULT_PORT, HTTPS_PORT, BadUri, Target, parse_uri  # noqa: F401 (re-exported)
from ..model import Finding, Handshake, Material, Request, ServerImpl, ServerKind
from .interpret import interpret
from .plan import HandshakePlan, PlannedAttempt, ServerPlan, plan_handshakes  # noqa: F401 (the API)
from .run import RawAttempt, run_plan  # noqa: F401 (the API)
from .serverbuild import choose, install_hint, server_build  # noqa: F401 (the API)


def rehearsal_server(request: Request) -> ServerImpl:
    """The rehearsal server for request.rehearsal and request.milvus_version. Looks for a toolchain (files only:
    nothing is installed, built or spawned); the build itself happens when the rehearsal runs, once, into the cache."""
    go_version = ""
    if request.rehearsal != "grpcio":
        from . import gofront
        tc = gofront.toolchain_for(request.milvus_version)
        go_version = tc.version if tc else ""
    return choose(request, go_version)


def run_handshakes(request: Request, modes: tuple[int, ...], material: Material,
                   findings: tuple[Finding, ...]) -> tuple[Handshake, ...]:
    """The handshake step of the pipeline (doctor.diagnose calls it when request.handshake is true):
    plan, run, interpret. Reconciliation with the static checks is verdict.reconcile's job."""
    rehearsal = rehearsal_server(request) if request.uri is None else ServerImpl(ServerKind.GRPCIO_REHEARSAL)
    plan = plan_handshakes(request, modes, material, findings, rehearsal=rehearsal,
                           milvus_version=request.milvus_version)
    return interpret(plan, run_plan(plan, material), findings)
