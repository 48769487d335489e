"""The pipeline, in one direction: Request -> Material -> static checks -> handshakes -> Report.

Nothing here prints or exits; the CLI renders the Report. grpc is imported only when handshakes run.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable, Optional

from .inventory import certificate_records, pem_block_lines, trust_paths
from .material import fingerprints, leaf_first, load_material, with_deployment_files
from .model import CheckResult, Finding, Handshake, Material, Report, Request, Role
from .repairs import attach
from .rules import Context, run_rules
from .verdict import (instant_matters, not_rehearsed, overall, reconcile, rehearsal_decides, said_once, unjudged_modes,
                      unjudged_sides)

# Role order decides which role "owns" a path used twice (the docs pass server.pem as server_pem_path too).
_ORDER = (Role.SERVER_CERT, Role.SERVER_KEY, Role.SERVER_CA, Role.CLIENT_CERT, Role.CLIENT_KEY,
          Role.CLIENT_CA, Role.CLIENT_SERVER_PEM)
_PARAM_ROLES = (("server_pem_path", Role.CLIENT_SERVER_PEM), ("client_pem_path", Role.CLIENT_CERT),
                ("client_key_path", Role.CLIENT_KEY), ("ca_pem_path", Role.CLIENT_CA))

def modes_to_evaluate(request: Request) -> tuple[int, ...]:
    if request.modes:
        return tuple(sorted(set(request.modes)))
    if request.links_only and request.deployment is not None and not request.deployment.has_config:
        return ()   # only a tool's own link was given (Birdwatcher's connect line): no Milvus front door to judge
    has_client_pair = (request.path(Role.CLIENT_CERT) and request.path(Role.CLIENT_KEY)) or any(
        Role.CLIENT_CERT in own and Role.CLIENT_KEY in own for own in request.own_client_files().values())
    return (1, 2) if has_client_pair else (1,)


def roles_in_play(request: Request, modes: tuple[int, ...]) -> dict[Role, str]:
    """The files the evaluated modes really use (a client file only mode 2 uses is not judged for mode 1)."""
    wanted: dict[Role, str] = {}
    for role in (Role.SERVER_CERT, Role.SERVER_KEY) + ((Role.SERVER_CA,) if 2 in modes else ()):
        if request.path(role):
            wanted[role] = request.path(role)
    for mode in modes:
        params = request.client_params(mode)
        for attr, role in _PARAM_ROLES:
            path = getattr(params, attr)
            if path and role not in wanted:
                wanted[role] = path
    return {role: wanted[role] for role in _ORDER if role in wanted}


def static_checks(request: Request) -> tuple[tuple[int, ...], Material, tuple[CheckResult, ...]]:
    modes = modes_to_evaluate(request)
    in_play = roles_in_play(request, modes)
    scoped = replace(request, paths=in_play)
    material = load_material(scoped)  # reads each distinct path once: the first role in _ORDER owns it
    judged, misordered = leaf_first(material)  # a chain written intermediate first: judged leaf first, said once
    judged = with_deployment_files(judged, request.deployment)   # read once here: the config rules read no file
    ctx = Context(scoped, judged, modes, request.judged_at(), deployment=request.deployment, misordered=misordered)
    # links only: the config rules whose findings a modelled link reuses (internal TLS, key paths) run too
    checks = run_rules(ctx, only=("links", "config.internal_tls", "config.default_certs", "config.key_paths")) \
        if request.links_only else run_rules(ctx)
    return modes, material, said_once(checks, request.deployment), ctx


def _links(request: Request, ctx: Context, report: Report) -> Report:
    """The TLS map (linkkinds/): each link kind's static judge (rules/links.py), its prober with --probe-links
    (handshake/: real Go decides Go), and the front door from the report's own verdict. Only when the deployment
    names a link beyond the front door (or --probe-links asks): otherwise the report is as it was."""
    if request.deployment is None:
        return report
    from .rules.links import judge_links
    _checks, links = judge_links(ctx)
    if not links:
        return report
    from .linkkinds import spec, specs
    from .model import FRONT_DOOR
    if request.probe_links and request.handshake:
        links = tuple(_probed(request, link, spec(link.kind)) for link in links)
    front = specs()[FRONT_DOOR]
    from .rules.links import follow_front_door, follow_startup
    door = front.resolve("judge")(report, front)
    return replace(report, links=follow_startup((door,) + follow_front_door(tuple(links), door)))


def _probed(request: Request, link, spec):
    prober = spec.resolve("prober")
    return link if prober is None else prober(request, link, spec)


HandshakeRunner = Callable[[Request, tuple[int, ...], Material, tuple[Finding, ...]], tuple[Handshake, ...]]


def diagnose(request: Request, handshake_runner: Optional[HandshakeRunner] = None) -> Report:
    if request.handshake and handshake_runner is None and not request.links_only:
        _preload_grpc(request.verbose)  # grpc's import (~70 ms) overlaps the static checks
    modes, material, checks, ctx = static_checks(request)
    checks = attach(checks, request, material)   # each error and warning: the lines that repair it
    findings = tuple(f for c in checks for f in c.findings)
    handshakes: tuple[Handshake, ...] = ()
    skipped: tuple[Handshake, ...] = ()
    notes = tuple(request.notes)
    if request.handshake and request.at is not None and instant_matters(material, request.at):
        # Handshakes happen now; at the --at instant some certificate is in another validity state than now, so
        # a handshake cannot speak for it: only the static checks do.
        notes += (f"no handshake was made: --at judges the static checks at "
                  f"{request.judged_at().strftime('%Y-%m-%dT%H:%M:%SZ')}, when a certificate's validity differs "
                  "from now, and a handshake can only happen now (drop --at to make them)",)
    elif request.handshake and not request.links_only:
        if request.at is not None:
            notes += (f"the handshakes were made now, not at --at {request.judged_at().strftime('%Y-%m-%dT%H:%M:%SZ')}"
                      ": every certificate is as valid then as now, so they speak for that instant too",)
        runner = handshake_runner or _default_runner()
        if runner is not None:
            # A mode the static side could not judge for missing input (mode 2 without client material) is not
            # rehearsed either: not run, for the same reason, instead of a failure the input did not earn.
            unjudged = {} if request.uri or _own_args_only(request) else unjudged_modes(checks)
            run_modes = tuple(m for m in modes if m not in unjudged)
            handshakes = runner(request, run_modes, material, findings) if run_modes else ()
            skipped = not_rehearsed(unjudged)
            handshakes = tuple(sorted(handshakes + skipped, key=lambda h: h.mode))
    notes += _deployment_notes(request, material)
    if request.uri and not request.modes and len(modes) > 1:
        modes, handshakes, note = _modes_the_server_runs(modes, handshakes)
        if note:
            notes += (note,)
            checks = tuple(c for c in checks if c.mode is None or c.mode in modes)
            findings = tuple(f for c in checks for f in c.findings)
    if handshakes and request.handshake:
        # Go decides Go: real crypto/x509 on each Go side (a Go client on the server chain, Milvus on the client
        # chain in mode 2) over the static model of it; a disagreement is a note and a resolved disagreement.
        checks, go_notes, go_resolved = _real_go_decides(request, modes, material, checks)
        if go_notes:
            notes += go_notes
            findings = tuple(f for c in checks for f in c.findings)
    else:
        go_resolved = ()
    # The authoritative side decides: a static Go-model error the Go rehearsal of the exact build contradicts
    # (that handshake succeeded) does not fail the verdict; the disagreement is reported as resolved.
    checks, resolved = rehearsal_decides(checks, handshakes, modes, request.milvus_version)
    if resolved:
        findings = tuple(f for c in checks for f in c.findings)
        notes += ("the Go rehearsal of the judged Milvus build is Milvus's own TLS stack: where it accepted what the "
                  "static Go model refuses, the rehearsal decides (the finding is kept as a warning; see the resolved "
                  "disagreement)",)
    resolved += go_resolved
    handshakes, disagreements = reconcile(findings, handshakes)
    inputs = {role.value: path for role, path in roles_in_play(request, modes).items()}
    for key, own in request.own_client_files().items():   # --go-args / --node-args: "go client_pem", ...
        inputs.update({f"{key} {role.value}": path for role, path in own.items()})
    if request.uri:
        inputs["uri"] = request.uri
    notes += _client_calls(request, modes)   # --client: the exact call of each selected client
    return _links(request, ctx, Report(verdict=overall(findings, handshakes, modes, request.strict), modes=modes, server_name=request.server_name,
                  checks=checks, findings=findings, handshakes=handshakes, disagreements=disagreements, resolved=resolved,
                  clients=tuple(request.clients),
                  inputs=inputs, fingerprints=fingerprints(material),
                  judged_at=request.judged_at().strftime("%Y-%m-%dT%H:%M:%SZ"), strict=request.strict,
                  notes=notes, server_build=_server_build(request, tuple(h for h in handshakes if h not in skipped)),
                  certificates=certificate_records(material, handshakes, request.judged_at(), _block_lines(material),
                                                   _secret_names(request, material)),
                  trust_paths=trust_paths(request, modes, leaf_first(material)[0], checks),  # as the rules judged
                  unjudged=unjudged_sides(request, modes, checks, handshakes), side=request.side))


def _real_go_decides(request: Request, modes: tuple[int, ...], material: Material, checks):
    """Real Go's path validation of the Go sides (handshake/go_paths.py) deciding over the model (verdict.go_decides)."""
    from .handshake.go_paths import go_path_checks
    from .verdict import go_decides
    return go_decides(checks, go_path_checks(request, modes, material))


def _own_args_only(request: Request) -> bool:
    """Is every selected client one with its own TLS stack and its own arguments (--go-args / --node-args)? Then
    mode 2 is judged, and rehearsed, with those, even without the general client flags (no pymilvus attempt)."""
    return bool(request.clients) and all(request.own_tls(sel.kind) is not None for sel in request.clients)


def _secret_names(request: Request, material: Material) -> dict:
    """A Kubernetes Secret's key, copied to a private folder for the run, by its name (never the temporary path)."""
    if request.deployment is None:
        return {}
    from .findings import shown
    return {f.path: shown(f.path, request.deployment) for f in material.files.values()}


def _block_lines(material: Material) -> dict:
    """path -> {certificate sha256: line of its PEM block}, for the inventory (each PEM file read once more)."""
    from .facts.fileio import MAX_BYTES, read_bounded
    out = {}
    own = [f for files in material.clients.values() for f in files.values()]
    for f in list(material.files.values()) + own:
        if f.certs and f.encoding == "pem" and f.path not in out:
            read = read_bounded(f.path, MAX_BYTES)
            if read.problem is None:
                out[f.path] = pem_block_lines(read.data)
    return out


def _server_build(request: Request, handshakes: tuple[Handshake, ...]):
    """Which Milvus build was judged and what rehearsed it (pure; the handshake package is cheap to import)."""
    from .handshake.serverbuild import server_build
    return server_build(request, handshakes)


def _client_calls(request: Request, modes: tuple[int, ...]) -> tuple[str, ...]:
    """--client: the exact call of each selected client, with the user's paths (rules/per_client.py)."""
    if not request.clients:
        return ()
    from .rules.per_client import client_calls
    return client_calls(request, modes)


def _deployment_notes(request: Request, material: Material) -> tuple[str, ...]:
    if request.deployment is None:
        return ()
    from .deploy import deployment_notes
    server = material.get(Role.SERVER_CERT)
    return tuple(deployment_notes(request.deployment, server_cert=server.leaf if server else None, uri=request.uri,
                                  server_name=request.server_name if request.server_name_given else None))


def _modes_the_server_runs(modes: tuple[int, ...], handshakes: tuple[Handshake, ...]):
    """With a live target and no --tls-mode, judge the mode the server actually runs, as the probe saw it:
    a server that requires a client certificate is tlsMode 2, one that asks for none is tlsMode 1."""
    peer = next((h.peer for h in handshakes if h.client == "ssl-probe" and h.peer), None)
    if not peer or not peer.speaks_tls:
        return modes, handshakes, ""
    if peer.client_cert_required:
        server_mode = 2
    elif peer.client_cert_requested is False:
        server_mode = 1
    else:
        return modes, handshakes, ""
    if server_mode not in modes:
        return modes, handshakes, ""
    kept = tuple(h for h in handshakes if h.mode == server_mode or h.client == "ssl-probe")
    kept = tuple(replace(h, mode=server_mode) if h.client == "ssl-probe" else h for h in kept)
    return (server_mode,), kept, (f"the server {'requires' if server_mode == 2 else 'asks for no'} client "
                                  f"certificate: it runs tlsMode {server_mode}, so only mode {server_mode} "
                                  "was judged (pass --tls-mode to choose)")


def _preload_grpc(verbose: bool) -> None:
    import os
    import threading

    from .handshake.grpcio_channel import grpc_module  # grpc itself is imported in the thread

    if verbose:
        # grpc's INFO lines ("Got goaway [2] ... Cancelling all calls" when a rehearsal server stops) are noise even
        # with --verbose; its errors are kept. Set before grpc's first import (it reads the variable once); a value
        # the user set wins.
        os.environ.setdefault("GRPC_VERBOSITY", "ERROR")

    def work() -> None:
        try:
            grpc_module(quiet=not verbose)
        except ImportError:
            pass
    threading.Thread(target=work, name="milvus-tls-import-grpc", daemon=True).start()


def _default_runner() -> Optional[HandshakeRunner]:
    try:
        from .handshake import run_handshakes
    except ImportError:  # the handshake package is optional at import time; grpc is loaded inside it
        return None
    return run_handshakes
