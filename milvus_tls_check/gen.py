"""`milvus-tls gen`: a certificate set that works with Milvus (Go) and pymilvus (grpcio) in tlsMode 1 and 2.

What the docs' openssl procedure gets wrong by default, gen gets right: a CA with critical CA:TRUE and
keyCertSign; a server certificate whose subjectAltName holds every --name and --ip (gRPC and Go ignore the CN
when a SAN exists; Go never uses the CN); serverAuth on the server, clientAuth on the client (Go checks it in
mode 2); unencrypted keys written 0600; only key types both sides accept. It writes the docs' file names
(ca.pem, ca.key, server.pem, server.key, client.pem, client.key) and prints the milvus.yaml and pymilvus
settings for both modes.

Exit status: 0 written, 2 usage problem (bad flag value, files in the way without --force, unusable CA).
"""
from __future__ import annotations

import datetime as dt
import ipaddress
import os
import sys
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Optional, Sequence

if TYPE_CHECKING:  # pathlib and the factory stay off the doctor's import path (the CLI builds this parser)
    from pathlib import Path

EXIT_OK, EXIT_USAGE = 0, 2
DEFAULT_DAYS = 825
CA_DAYS = 3650
DEFAULT_CLIENT_CN = "milvus-client"
DEFAULT_PORT = 19530

SET_FILES = ("ca.pem", "ca.key", "server.pem", "server.key", "client.pem", "client.key")


class GenError(Exception):
    """A usage problem: reported as one line, exit status 2."""


# Key types offered: each is accepted in a real handshake by both Go (Milvus) and grpcio/BoringSSL (pymilvus);
# tests/test_gen_handshake.py proves the grpcio side and tests/test_gen_real_milvus.py the Milvus side.
GEN_KEY_TYPES = ("rsa2048", "rsa3072", "ec-p256")


def add_parser(sub) -> None:
    g = sub.add_parser(
        "gen", help="make a certificate set (CA, server, client) that Milvus and pymilvus accept in tlsMode 1 and 2",
        description="Write ca.pem, ca.key, server.pem, server.key, client.pem, client.key into --out and print the "
                    "milvus.yaml and pymilvus settings for tlsMode 1 and 2.")
    g.add_argument("--out", required=True, metavar="DIR", help="directory to write the set into (created if missing)")
    g.add_argument("--name", action="append", default=[], metavar="DNS",
                   help="a DNS name clients use for the server (repeatable; *.example.com allowed). "
                        "Default when neither --name nor --ip is given: localhost and 127.0.0.1")
    g.add_argument("--ip", action="append", default=[], metavar="IP",
                   help="an IP address clients dial (repeatable)")
    g.add_argument("--days", type=int, default=DEFAULT_DAYS,
                   help=f"validity of the server and client certificates in days ({DEFAULT_DAYS}); "
                        f"a new CA gets max({CA_DAYS}, DAYS)")
    g.add_argument("--key-type", choices=GEN_KEY_TYPES, default="rsa2048",
                   help="key type for every key written (rsa2048); only types Go and grpcio both accept")
    g.add_argument("--client-cn", default=DEFAULT_CLIENT_CN,
                   help=f"common name of the client certificate ({DEFAULT_CLIENT_CN})")
    g.add_argument("--force", action="store_true", help="overwrite files that already exist in --out")
    g.add_argument("--from-ca", metavar="CA_PEM",
                   help="rotation: issue new server/client certificates from this existing CA (needs --ca-key); "
                        "ca.pem is kept, ca.key is not copied; a server.pem already in --out keeps its names "
                        "(with --name/--ip added)")
    g.add_argument("--ca-key", metavar="CA_KEY", help="the private key of --from-ca (unencrypted PEM)")


# --- validation ---------------------------------------------------------------------------------------------

def _check_names(names: Sequence[str]) -> list[str]:
    out: list[str] = []
    for raw in names:
        name = raw.strip().rstrip(".").lower()
        if not name:
            raise GenError(f"--name {raw!r}: empty name")
        try:
            ipaddress.ip_address(name.strip("[]"))
        except ValueError:
            pass
        else:
            raise GenError(f"--name {raw}: that is an IP address; pass it as --ip {name.strip('[]')}")
        from .certs import check_dns_name
        try:
            name = check_dns_name(raw, name, flag="--name")
        except ValueError as exc:
            raise GenError(str(exc)) from None
        if name not in out:
            out.append(name)
    return out


def _check_ips(ips: Sequence[str]) -> list[str]:
    out: list[str] = []
    for raw in ips:
        try:
            ip = str(ipaddress.ip_address(raw.strip().strip("[]")))
        except ValueError:
            raise GenError(f"--ip {raw}: not an IP address (a host name goes to --name)") from None
        if ip not in out:
            out.append(ip)
    return out


@dataclass(frozen=True)
class Plan:
    out: Path
    names: tuple[str, ...]
    ips: tuple[str, ...]
    days: int
    key_type: str
    client_cn: str
    force: bool
    from_ca: Optional[Path]
    ca_key: Optional[Path]
    defaulted_names: bool = False
    kept_names: tuple[str, ...] = ()   # rotation: the names of the server certificate being replaced ("DNS:x", "IP:y")
    kept_from: Optional[Path] = None


def plan_from_args(args) -> Plan:
    names = _check_names(args.name or [])
    ips = _check_ips(args.ip or [])
    defaulted = not names and not ips
    if defaulted:
        names, ips = ["localhost"], ["127.0.0.1"]
    if args.days is None or args.days < 1:
        raise GenError(f"--days {args.days}: must be at least 1")
    if args.days > 36500:
        raise GenError(f"--days {args.days}: more than 100 years; pick a validity you will actually rotate within")
    client_cn = (args.client_cn or "").strip()
    if not client_cn or len(client_cn) > 64:
        raise GenError(f"--client-cn {args.client_cn!r}: must be 1 to 64 characters")
    if bool(args.from_ca) != bool(args.ca_key):
        raise GenError("--from-ca and --ca-key go together: the CA certificate and its private key")
    from pathlib import Path

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise GenError(f"--out {args.out}: exists and is not a directory")
    return Plan(out=out, names=tuple(names), ips=tuple(ips), days=args.days, key_type=args.key_type,
                client_cn=client_cn, force=bool(args.force),
                from_ca=Path(args.from_ca) if args.from_ca else None,
                ca_key=Path(args.ca_key) if args.ca_key else None, defaulted_names=defaulted)


def keep_old_names(plan: Plan) -> Plan:
    """Rotation (--from-ca) into a folder that already holds server.pem: the new server certificate keeps every DNS
    and IP name of the one it replaces, plus --name/--ip (the localhost default is not added then)."""
    if not plan.from_ca:
        return plan
    old = plan.out / "server.pem"
    if not old.is_file():
        return plan
    from .facts.x509 import common_names, dns_sans, ip_sans, san_entries
    from .material import load_file
    from .model import Role
    loaded = load_file(Role.SERVER_CERT, str(old))
    if not loaded.certs:
        return plan
    cert = loaded.certs[0]
    old_dns = [d.strip().rstrip(".").lower() for d in dns_sans(cert)]
    old_ips = [str(i) for i in ip_sans(cert)]
    if san_entries(cert) is None:   # CN only: the CN was the name clients matched (grpc's fallback)
        for cn in common_names(cert)[:1]:
            try:
                old_ips = _check_ips([cn])
            except GenError:
                try:
                    old_dns = _check_names([cn])
                except GenError:
                    pass
    old_dns = [d for d in old_dns if d]
    if not old_dns and not old_ips:
        return plan
    given_names, given_ips = ((), ()) if plan.defaulted_names else (plan.names, plan.ips)
    names = tuple(dict.fromkeys([*old_dns, *given_names]))
    ips = tuple(dict.fromkeys([*old_ips, *given_ips]))
    kept = tuple(f"DNS:{d}" for d in dict.fromkeys(old_dns)) + tuple(f"IP:{i}" for i in dict.fromkeys(old_ips))
    return replace(plan, names=names, ips=ips, defaulted_names=False, kept_names=kept, kept_from=old)


# --- making the set -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Generated:
    ca_pem: bytes
    ca_key_pem: Optional[bytes]    # None when rotating (the CA key stays where it is)
    server_pem: bytes
    server_key_pem: bytes
    client_pem: bytes
    client_key_pem: bytes
    ca: object                      # certs.Issued
    server: object
    client: object
    clamped: bool = False           # leaf validity cut to the CA's notAfter


def _read(path: Path, what: str) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise GenError(f"{what} {path}: no such file") from None
    except IsADirectoryError:
        raise GenError(f"{what} {path}: is a directory") from None
    except OSError as exc:
        raise GenError(f"{what} {path}: cannot read ({exc.strerror or exc})") from None
    if len(data) > 1 << 20:
        raise GenError(f"{what} {path}: larger than 1 MiB, not a PEM file")
    return data


def _server_cn(names: Sequence[str], ips: Sequence[str]) -> str:
    for n in names:
        if not n.startswith("*.") and len(n) <= 64:
            return n
    if ips:
        return ips[0]
    return "milvus-server"


def generate(plan: Plan, now: Optional[dt.datetime] = None) -> Generated:
    """Build the whole set in memory (nothing is written here)."""
    from . import certs
    now = now or dt.datetime.now(dt.timezone.utc)
    start = now - dt.timedelta(hours=1)   # tolerate small clock skew between hosts
    clamped = False
    if plan.from_ca:
        ca_pem = _read(plan.from_ca, "--from-ca")
        key_pem = _read(plan.ca_key, "--ca-key")
        try:
            ca = certs.load_issuer(ca_pem, key_pem)
        except ValueError as exc:
            raise GenError(f"--from-ca {plan.from_ca} / --ca-key {plan.ca_key}: {exc}") from None
        ca_end = ca.cert.not_valid_after_utc
        if ca_end <= now:
            raise GenError(f"--from-ca {plan.from_ca}: the CA expired on {ca_end:%Y-%m-%d}; make a new set without "
                           "--from-ca (clients must then trust the new ca.pem)")
        if ca.cert.not_valid_before_utc > now:
            raise GenError(f"--from-ca {plan.from_ca}: the CA is not valid before {ca.cert.not_valid_before_utc:%Y-%m-%d %H:%M} UTC")
        end = start + dt.timedelta(days=plan.days)
        if end > ca_end:
            end, clamped = ca_end, True
        ca_key_pem = None
    else:
        ca = certs.make_ca("milvus-tls gen CA", key_type=plan.key_type, not_before=start,
                           not_after=start + dt.timedelta(days=max(CA_DAYS, plan.days)))
        ca_pem = ca.cert_pem()
        ca_key_pem = ca.key_pem()
        end = start + dt.timedelta(days=plan.days)
    server_key = certs.new_key(plan.key_type)
    server = certs.make_leaf(ca, _server_cn(plan.names, plan.ips), dns=plan.names, ips=plan.ips, eku=("server",),
                             key=server_key, key_usage=certs.leaf_key_usage(server_key),
                             not_before=start, not_after=end)
    client_key = certs.new_key(plan.key_type)
    client = certs.make_leaf(ca, plan.client_cn, dns=(), ips=(), eku=("client",), key=client_key,
                             key_usage=certs.leaf_key_usage(client_key), not_before=start, not_after=end)
    return Generated(ca_pem=ca_pem, ca_key_pem=ca_key_pem,
                     server_pem=server.cert_pem(with_chain=True), server_key_pem=server.key_pem(),
                     client_pem=client.cert_pem(with_chain=True), client_key_pem=client.key_pem(),
                     ca=ca, server=server, client=client, clamped=clamped)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def files_to_write(plan: Plan, gen: Generated) -> dict[str, bytes]:
    """File name -> content. When rotating, ca.pem is written only if --out does not already hold that very CA."""
    files = {"server.pem": gen.server_pem, "server.key": gen.server_key_pem,
             "client.pem": gen.client_pem, "client.key": gen.client_key_pem}
    if gen.ca_key_pem is not None:
        files = {"ca.pem": gen.ca_pem, "ca.key": gen.ca_key_pem, **files}
    else:
        target = plan.out / "ca.pem"
        keep = _same_file(target, plan.from_ca) or (target.is_file() and _safe_bytes(target) == gen.ca_pem)
        if not keep:
            files = {"ca.pem": gen.ca_pem, **files}
    return files


def _safe_bytes(path: Path) -> Optional[bytes]:
    try:
        return path.read_bytes()
    except OSError:
        return None


def write_files(plan: Plan, files: dict[str, bytes]) -> None:
    from .certs import write_private
    try:
        plan.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise GenError(f"--out {plan.out}: cannot create ({exc.strerror or exc})") from None
    in_the_way = [n for n in files if os.path.lexists(plan.out / n)]
    if in_the_way and not plan.force:
        raise GenError(f"{plan.out} already holds {', '.join(in_the_way)}; pass --force to overwrite "
                       "(or choose another --out)")
    for n in in_the_way:
        if (plan.out / n).is_dir():
            raise GenError(f"{plan.out / n} is a directory; remove it or choose another --out")
    try:
        for name, data in files.items():
            path = plan.out / name
            if name.endswith(".key"):
                write_private(path, data, 0o600)
            else:
                path.write_bytes(data)
                os.chmod(path, 0o644)
    except OSError as exc:
        raise GenError(f"cannot write {exc.filename or plan.out}: {exc.strerror or exc}") from None


# --- what to tell the user ---------------------------------------------------------------------------------

def _client_host(plan: Plan) -> tuple[str, Optional[str]]:
    """(host for the URI, server_name or None when the URI host is what the certificate names)."""
    concrete = [n for n in plan.names if not n.startswith("*.")]
    if concrete:
        return concrete[0], concrete[0]
    if plan.names:   # wildcard only: show a name it matches
        example = "milvus" + plan.names[0][1:]
        return example, example
    ip = plan.ips[0]
    return (f"[{ip}]" if ":" in ip else ip), None


def _key_text(key) -> str:
    from .facts.x509 import describe_key
    return describe_key(key.public_key())


def _san_text(cert) -> str:
    from .facts.x509 import san_entries, san_strings
    if san_entries(cert) is None:
        return "no SAN"
    return "SAN " + " ".join(san_strings(cert))


def _describe(issued, role: str) -> str:
    cert = issued.cert
    extra = {"server": f", {_san_text(cert)}, serverAuth", "client": ", clientAuth"}.get(
        role, ", CA:TRUE (critical), keyCertSign")
    return (f"{cert.subject.rfc4514_string()} [{_key_text(issued.key)}]{extra}, "
            f"valid until {cert.not_valid_after_utc:%Y-%m-%d}")


CONTAINER_TLS_DIR = "/milvus/tls"   # where the Milvus docs' Compose file mounts the TLS folder


def instructions(plan: Plan, gen: Generated, written: Sequence[str]) -> str:
    out = plan.out.resolve()
    p = {n: str(out / n) for n in SET_FILES}
    ca_pem_path = p["ca.pem"]
    host, server_name = _client_host(plan)
    sn = f'\n    server_name="{server_name}",' if server_name else ""
    uri = f"https://{host}:{DEFAULT_PORT}"
    lines = [f"Wrote {out}: {', '.join(written)} (keys mode 0600)"]
    if plan.from_ca:
        kept = "ca.pem unchanged" if "ca.pem" not in written else f"ca.pem copied from {plan.from_ca}"
        lines.append(f"Rotation: new server and client certificates from {plan.from_ca} ({kept}); "
                     "clients and servers that trust this CA keep working, old client certificates too.")
    lines += [f"  CA      {_describe(gen.ca, 'ca')}",
              f"  server  {_describe(gen.server, 'server')}",
              f"  client  {_describe(gen.client, 'client')}"]
    if plan.kept_names:
        lines.append(f"  names kept from the server certificate it replaces ({plan.kept_from}): "
                     f"{' '.join(plan.kept_names)}; the new one names those and every --name/--ip")
    if plan.defaulted_names:
        lines.append("  (no --name/--ip given: the server certificate names localhost and 127.0.0.1, for local use)")
    if gen.clamped:
        lines.append(f"  note: the certificates end with the CA on {gen.ca.cert.not_valid_after_utc:%Y-%m-%d}; "
                     "renew the CA before then")
    if gen.ca_key_pem is not None:
        lines.append("  Keep ca.key off the Milvus host: it only issues certificates "
                     f"(rotation: milvus-tls gen --out DIR --from-ca {p['ca.pem']} --ca-key {p['ca.key']}).")
    lines += [
        "",
        f"# milvus.yaml: container paths (Docker Compose as in the docs: mount {out} at {CONTAINER_TLS_DIR}, "
        f"e.g. `- {out}:{CONTAINER_TLS_DIR}:ro`)",
        "tls:",
        f"  serverPemPath: {CONTAINER_TLS_DIR}/server.pem",
        f"  serverKeyPath: {CONTAINER_TLS_DIR}/server.key",
        f"  caPemPath: {CONTAINER_TLS_DIR}/ca.pem",
        f"# (Milvus run on this host without a container: serverPemPath {p['server.pem']}, "
        f"serverKeyPath {p['server.key']}, caPemPath {ca_pem_path})",
        "",
        "# --- tlsMode 1: one-way TLS (the server proves itself; clients send no certificate)",
        "common:",
        "  security:",
        "    tlsMode: 1",
        "",
        "# pymilvus: host paths (where the application runs, here)",
        "from pymilvus import MilvusClient",
        "client = MilvusClient(",
        f'    uri="{uri}",',
        f'    server_pem_path="{ca_pem_path}",  # the root of trust; server.pem works too, ca.pem survives rotation'
        + sn,
        ")",
        "",
        "# --- tlsMode 2: mutual TLS (clients must present client.pem, signed by ca.pem)",
        "common:",
        "  security:",
        "    tlsMode: 2",
        "",
        "# pymilvus: host paths (where the application runs, here)",
        "from pymilvus import MilvusClient",
        "client = MilvusClient(",
        f'    uri="{uri}",',
        f'    client_pem_path="{p["client.pem"]}",',
        f'    client_key_path="{p["client.key"]}",',
        f'    ca_pem_path="{ca_pem_path}",  # all three, and no server_pem_path: else pymilvus sends no client cert'
        + sn,
        ")",
        "",
        "# Milvus 2.4+: give the RESTful API its own proxy.http.port; sharing the gRPC port is refused when tlsMode != 0.",
        f"# Check: milvus-tls doctor --dir {out}" + (f" --server-name {server_name}" if server_name else
                                                      f" --server-name {plan.ips[0]}"),
    ]
    return "\n".join(lines) + "\n"


def run_gen(args) -> int:
    try:
        plan = keep_old_names(plan_from_args(args))
        gen = generate(plan)
        files = files_to_write(plan, gen)
        write_files(plan, files)
    except GenError as exc:
        print(f"milvus-tls gen: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    sys.stdout.write(instructions(plan, gen, list(files)))
    return EXIT_OK
