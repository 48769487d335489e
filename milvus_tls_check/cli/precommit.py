"""`milvus-tls precommit FILES...`: the pre-commit hook's entry (.pre-commit-hooks.yaml, id milvus-tls-doctor).

pre-commit passes the staged files that match the hook's pattern. They are grouped by folder, and the static doctor
(no handshakes, no network) runs once per folder on the set that folder holds, so a commit that changes server.pem
is judged with the key, CA and client files beside it:
- certificates and keys named as the Milvus docs name them (server.pem, server.key, ca.pem, client.pem, client.key),
  or tls.crt / tls.key / ca.crt as a Kubernetes TLS Secret's files are named (and *.crt for *.pem);
- deployment files: milvus.yaml / user.yaml (--milvus-yaml), Compose files (--compose), Kubernetes manifests
  (--k8s: any other YAML with `kind:` and `apiVersion:`).
A folder whose files match none of these names is listed as skipped. Exit 1 when any folder fails, else 0.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

_CERT_FLAGS = {"server": "server_pem", "tls": "server_pem", "ca": "ca_pem", "client": "client_pem"}
_KEY_FLAGS = {"server": "server_key", "tls": "server_key", "client": "client_key"}
_CERT_SUFFIXES = (".pem", ".crt", ".cer")
_MILVUS_YAML = ("milvus.yaml", "milvus.yml", "user.yaml", "user.yml")


def _is_compose(name: str) -> bool:
    return name.startswith(("docker-compose", "compose")) and name.endswith((".yml", ".yaml"))


def _is_k8s(path: Path) -> bool:
    from ..deploy.common import MAX_CONFIG_BYTES
    from ..facts.fileio import read_bounded
    got = read_bounded(str(path), MAX_CONFIG_BYTES, regular_only=True)   # a staged FIFO or device is never read
    head = got.data[:65536].decode("utf-8", errors="replace")
    return "apiVersion:" in head and "kind:" in head


def plan(files: list[str]) -> dict[str, dict]:
    """folder -> the doctor options for it (Options field names), from the staged files and their neighbours."""
    folders = sorted({str(Path(f).parent) for f in files})
    out: dict[str, dict] = {}
    for folder in folders:
        base = Path(folder)
        options: dict = {"milvus_yaml": [], "k8s": []}
        try:
            names = sorted(p.name for p in base.iterdir() if p.is_file())
        except OSError:
            continue
        for name in names:
            stem, suffix = os.path.splitext(name)
            path = str(base / name)
            if suffix in _CERT_SUFFIXES and stem in _CERT_FLAGS:
                options.setdefault(_CERT_FLAGS[stem], path)
            elif suffix == ".key" and stem in _KEY_FLAGS:
                options.setdefault(_KEY_FLAGS[stem], path)
            elif name in _MILVUS_YAML:
                options["milvus_yaml"].append(path)
            elif _is_compose(name):
                options.setdefault("compose", path)
            elif suffix in (".yaml", ".yml") and any(str(base / name) == str(Path(f)) for f in files) \
                    and _is_k8s(base / name):
                options["k8s"].append(path)
        if len(options) > 2 or options["milvus_yaml"] or options["k8s"]:
            out[folder] = options
    return out


def run_precommit(args: argparse.Namespace) -> int:
    from ..request import secret_folder
    from ..doctor import diagnose
    from ..errors import UsageError
    from ..render import RENDERERS, RenderOptions
    from ..request import Options, build_request

    folders = plan(list(args.files))
    staged = {str(Path(f).parent) for f in args.files}
    for folder in sorted(staged - set(folders)):
        print(f"milvus-tls precommit: {folder}: no file named as Milvus TLS material or deployment (skipped)")
    verdicts: list[str] = []
    for folder, values in folders.items():
        values = {k: (tuple(v) if isinstance(v, list) else v) for k, v in values.items()}
        options = Options(**values, no_handshake=True, tls_mode=args.tls_mode, server_name=args.server_name,
                          warn_days=args.warn_days, strict=args.strict, side=getattr(args, "side", None))
        try:
            with secret_folder(options) as secrets:
                report = diagnose(build_request(options, secrets=secrets))
        except (UsageError, ValueError) as exc:
            print(f"milvus-tls precommit: {folder}: {exc}")
            verdicts.append("fail")
            continue
        if args.format == "text":
            print(f"=== {folder}: {report.verdict.upper()}")
        sys.stdout.write(RENDERERS[args.format].render_report(report, RenderOptions()))
        verdicts.append(report.verdict.value)
    from ..errors import exit_status
    return exit_status(verdicts)
