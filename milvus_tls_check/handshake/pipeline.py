"""The handshake step of the pipeline: plan, run, interpret (what doctor.diagnose calls)."""
from __future__ import annotations

from ..model import Finding, Handshake, Material, Request, ServerImpl, ServerKind
from .interpretation import interpret
from .plan import plan_handshakes
from .run import run_plan
from .serverbuild import choose


def rehearsal_server(request: Request) -> ServerImpl:
    """The rehearsal server for request.rehearsal and request.milvus_version. Looks for a toolchain (files only:
    nothing is installed, built or spawned); the build itself happens when the rehearsal runs, once, into the cache."""
    go_version = ""
    if request.rehearsal != "grpcio":
        from . import gofront
        try:
            tc = gofront.toolchain_for(request.milvus_version)
        except gofront.CacheRefused:
            # the cache is not safe to use: the Go rehearsal is chosen so that its attempts say why it could not run
            return ServerImpl(ServerKind.GO_REHEARSAL)
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
