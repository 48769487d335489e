"""`milvus-tls repair --dir D --out NEW [--ca-key K]`: every fix applied to a copy, never to D, then proven.

D's files are copied into NEW (a new folder; keys 0600). The doctor judges NEW and the fix_commands of its errors and
warnings (repairs.py: the lines a person would paste) are run there, in order, for at most three rounds, until
nothing blocking is left. Then the full doctor (handshake rehearsal included) judges NEW, and the report says what
changed per file (names added, usages, validity, signer, chain order, bytes stripped, key replaced) and how to
deploy it. The commands are the doctor's own, built from fixed file names and quoted paths: nothing from D's
contents is ever run.

Exit status: the final doctor's (0 pass, 1 fail, 4 incomplete); 2 when D or NEW cannot be used.
"""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Optional

EXIT_USAGE = 2
ROUNDS = 3


class RepairError(Exception):
    """D or NEW cannot be used: one line, exit status 2."""


def add_parser(sub) -> None:
    r = sub.add_parser(
        "repair", help="apply every fix to a copy of a --dir set (never the original), then run the full doctor on it",
        description="Copy --dir into --out, run the doctor's fix commands there until nothing blocking is left (at "
                    "most three rounds), then judge the copy with the full doctor and say what changed per file.")
    r.add_argument("--dir", required=True, help="the set to repair (the docs' names: ca.pem, server.pem, ...)")
    r.add_argument("--out", required=True, metavar="NEW", help="a new folder for the repaired copy (must not exist "
                   "or be empty)")
    r.add_argument("--ca-key", help="the CA's private key (default: ca.key in --dir); without it the fixes that "
                   "re-sign write CSRs instead")
    r.add_argument("--tls-mode", type=int, choices=(1, 2), help="the tlsMode to repair for (default: every mode "
                   "the set allows)")
    r.add_argument("--server-name", help="the name clients pass as server_name (default: localhost)")
    r.add_argument("--secret", default="milvus-tls",
                   help="the Kubernetes Secret to print the deploy command for (milvus-tls)")
    r.add_argument("--no-handshake", action="store_true", help="judge the copy with static checks only")


def run_repair(args) -> int:
    try:
        source, new = _prepare(Path(args.dir), Path(args.out))
    except RepairError as exc:
        print(f"milvus-tls repair: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from .errors import exit_status
    from .doctor import diagnose
    from .render import RENDERERS, RenderOptions
    from .request import Options, build_request

    def judge(handshake: bool):
        options = Options(dir=str(new), tls_mode=args.tls_mode, server_name=args.server_name, strict=True,
                          ca_key=args.ca_key, no_handshake=not handshake)
        return diagnose(build_request(options))

    ran: list[str] = []
    for round_number in range(1, ROUNDS + 1):
        report = judge(handshake=False)
        blocking = [f for f in report.findings if f.severity.value in ("error", "warning")]
        commands = [c for f in blocking for c in f.fix_commands]
        if not commands:
            break
        print(f"round {round_number}: {len(commands)} command(s) for "
              f"{', '.join(sorted({f.code for f in blocking if f.fix_commands}))}")
        for command in commands:
            print(f"  $ {command}")
            done = subprocess.run(["bash", "-c", command], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                  timeout=120, env={**os.environ, "PATH": _path_with_this_doctor()})
            if done.returncode != 0:
                print(f"    failed ({done.returncode}): {done.stderr.strip()[-300:]}")
            ran.append(command)
    final = judge(handshake=not args.no_handshake)
    print()
    sys.stdout.write(RENDERERS["text"].render_report(final, RenderOptions()))
    print()
    print("What changed (the original is untouched in " + str(source) + "):")
    for line in changes(source, new):
        print(f"  {line}")
    print()
    print(deploy_steps(new, args.secret))
    return exit_status([final.verdict])


def _prepare(source: Path, new: Path) -> tuple[Path, Path]:
    if not source.is_dir():
        raise RepairError(f"--dir {source}: not a directory")
    if new.exists() and (not new.is_dir() or any(new.iterdir())):
        raise RepairError(f"--out {new}: exists and is not an empty folder (repair writes only into a new one)")
    if new.resolve() == source.resolve():
        raise RepairError("--out must be another folder than --dir: the original is never changed")
    new.mkdir(parents=True, exist_ok=True, mode=0o700)
    from .facts.fileio import read_bounded
    for entry in sorted(source.iterdir()):
        if entry.is_symlink() or not entry.is_file():
            continue   # a link or a device is not copied (and never followed)
        got = read_bounded(str(entry), regular_only=True)
        if got.problem is not None:
            continue
        target = new / entry.name
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW,
                     0o600 if entry.suffix == ".key" else 0o644)
        with os.fdopen(fd, "wb") as fh:
            fh.write(got.data)
    return source, new


def _path_with_this_doctor() -> str:
    """PATH with the folder of this interpreter first, so the fix lines' `milvus-tls` is this doctor."""
    return os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


def changes(source: Path, new: Path) -> list[str]:
    """One line per file that differs: what the certificates in it gained or lost."""
    out = []
    for entry in sorted(new.iterdir()):
        before = source / entry.name
        if entry.name.endswith((".bak", ".new")) or not before.is_file():
            if entry.suffix in (".csr",):
                out.append(f"{entry.name}: a certificate request for whoever holds the CA's key")
            continue
        old, now = before.read_bytes(), entry.read_bytes()
        if old == now:
            continue
        out.append(f"{entry.name}: " + (_describe(old, now) or "rewritten"))
    return out or ["nothing: the set needed no change"]


def _describe(old: bytes, now: bytes) -> str:
    from cryptography import x509

    from .facts.x509 import common_names, eku_name, extended_key_usages, san_strings, spki
    parts = []
    if old.startswith(b"\xef\xbb\xbf") and not now.startswith(b"\xef\xbb\xbf"):
        parts.append("the UTF-8 BOM stripped")
    try:
        a = x509.load_pem_x509_certificates(old.lstrip(b"\xef\xbb\xbf"))
        b = x509.load_pem_x509_certificates(now)
    except ValueError:
        return ", ".join(parts)
    if [c.subject for c in a] != [c.subject for c in b] and sorted(c.subject.rfc4514_string() for c in a) == \
            sorted(c.subject.rfc4514_string() for c in b):
        parts.append("certificates put leaf first")
    if a and b:
        la, lb = a[0], b[0]
        added = [n for n in san_strings(lb) if n not in san_strings(la)]
        if not san_strings(la) and added:
            parts.append(f"subjectAltName {', '.join(added)} (had CN {', '.join(common_names(la))} only)")
        elif added:
            parts.append(f"names added: {', '.join(added)}")
        eku_a = {o.dotted_string for o in extended_key_usages(la) or []}
        eku_b = extended_key_usages(lb) or []
        new_eku = [eku_name(o) for o in eku_b if o.dotted_string not in eku_a]
        if new_eku:
            parts.append(f"extendedKeyUsage + {', '.join(new_eku)}")
        if lb.not_valid_after_utc.date() != la.not_valid_after_utc.date():
            parts.append(f"valid until {lb.not_valid_after_utc:%Y-%m-%d} (was {la.not_valid_after_utc:%Y-%m-%d})")
        if spki(lb.public_key()) != spki(la.public_key()):
            parts.append("carries the key of the key file now")
        if lb.issuer != la.issuer:
            parts.append(f"signed by {lb.issuer.rfc4514_string()} (was {la.issuer.rfc4514_string()})")
        try:
            ca_a = la.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        except x509.ExtensionNotFound:
            ca_a = None
        try:
            ca_b = lb.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        except x509.ExtensionNotFound:
            ca_b = None
        if ca_b and not ca_a:
            parts.append("a CA now (CA:TRUE, keyCertSign), same key and subject")
        if len(b) > len(a):
            parts.append(f"{len(b) - len(a)} intermediate(s) appended")
    return ", ".join(parts) or "re-signed"


def deploy_steps(new: Path, secret: Optional[str]) -> str:
    files = [p.name for p in sorted(new.iterdir()) if p.suffix in (".pem", ".key", ".crt")
             and p.name != "ca.key" and not p.name.endswith((".bak", ".new"))]
    q = shlex.quote
    from_files = " ".join(f"--from-file={q(name)}={q(str(new / name))}" for name in files)
    return ("Deploy the repaired files:\n"
            f"  Kubernetes: kubectl create secret generic {q(secret or 'milvus-tls')} {from_files} "
            "--dry-run=client -o yaml | kubectl apply -f -   (then restart the Milvus pods)\n"
            f"  Docker Compose: cp {' '.join(q(str(new / n)) for n in files)} into the folder mounted at /milvus/tls, "
            "then docker compose restart\n"
            "  Clients: give them the new files they use (ca.pem; client.pem and client.key for tlsMode 2)")
