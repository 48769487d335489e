"""fix_commands: for each error or warning about real material, the shell lines that repair its cause.

The lines run as printed, in order, from the folder the doctor ran in, with no terminal: each new file is written
beside the old one (NAME.new), the old one is kept as NAME.bak, then the new one is moved into place. Certificates are
re-signed with `milvus-tls reissue`: the same subject, names and key unless the finding names what changes (a name
added, an extended key usage, a validity, the key Milvus holds). The signer is the set's CA (tls.caPemPath, else the
client's ca_pem_path) when its private key is known (`--ca-key`, or ca.key beside the CA file); a self-signed
certificate is re-signed by its own key. Without the CA's key the lines write a CSR with the exact extensions for
whoever holds it, and the note says so. A cause with no mechanical repair (a configuration value, a pymilvus
parameter, a passphrase only a person can type) gets no line; `note` says why, and the fix's words give the exact
snippet and where it goes.

Pure: reads nothing; the material is what the pipeline loaded.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Optional

from .facts.x509 import is_self_issued, split_host_port
from .findings import sh
from .model import CheckResult, Finding, Material, Request, Role, Severity

RENEW_LEAF_DAYS = 825      # what `milvus-tls gen` gives a leaf
RENEW_CA_DAYS = 3650       # and a CA

_SUBJECT = re.compile(r"^(\w+) \((.*)\)$")
_BACKTICKED = re.compile(r"`([^`]+)`")
_CERT_OF_KEY = {Role.SERVER_KEY: Role.SERVER_CERT, Role.CLIENT_KEY: Role.CLIENT_CERT}
_KEY_OF_CERT = {Role.SERVER_CERT: Role.SERVER_KEY, Role.CLIENT_CERT: Role.CLIENT_KEY}
_CA_ROLES = (Role.SERVER_CA, Role.CLIENT_CA, Role.CLIENT_SERVER_PEM)
# A cause only a person can settle: the words of the fix are the repair (a setting, a parameter, a choice).
_NO_COMMAND = {
    "config": "a configuration choice: the fix gives the exact setting and the file it goes in",
    "client": "a parameter of the application: the fix gives the exact pymilvus argument",
}


@dataclass(frozen=True)
class Repair:
    commands: tuple[str, ...] = ()
    note: str = ""   # why there is no command, or what the commands leave to a person (a CSR to have signed)


@dataclass(frozen=True)
class _Target:
    finding: Finding
    role: Role
    path: str
    request: Request
    material: Material


def attach(checks: Iterable[CheckResult], request: Request, material: Material) -> tuple[CheckResult, ...]:
    """The checks with every error and warning finding carrying its fix_commands (or the note why none)."""
    out = []
    for c in checks:
        if c.findings:
            c = replace(c, findings=tuple(with_repair(f, request, material) for f in c.findings))
        out.append(c)
    return tuple(out)


def with_repair(f: Finding, request: Request, material: Material) -> Finding:
    if f.severity not in (Severity.ERROR, Severity.WARNING):
        return f
    repair = repair_for(f, request, material)
    return replace(f, fix_commands=repair.commands, fix_note=repair.note)


def repair_for(f: Finding, request: Request, material: Material) -> Repair:
    family = f.code.split(".", 1)[0]
    if family in ("config", "client"):
        return Repair(note=_NO_COMMAND[family])
    m = _SUBJECT.match(f.subject)
    role = _role(m.group(1)) if m else None
    if role is None or m is None:
        return Repair(note="no file to change: the fix's words say what to do")
    if request.deployment is not None and request.deployment.in_secret_dir(m.group(2)):
        secret = request.deployment.secret_key(m.group(2))
        name, key = secret if secret else ("(the Secret)", os.path.basename(m.group(2)))
        return Repair(note=f"the file is key {key} of Secret {name}: fetch it (`kubectl get secret {name} -o "
                           f"jsonpath='{{.data.{key.replace('.', chr(92) + '.')}}}' | base64 -d > {key}`), repair it with "
                           f"`milvus-tls doctor` on the files, then `kubectl create secret generic {name} "
                           f"--from-file={key}={key} --dry-run=client -o yaml | kubectl apply -f -` (with its other "
                           "keys as --from-file too)")
    build = _BUILDERS.get(f.code)
    if build is None:
        return _from_fix_text(f) or Repair(note="no mechanical repair: the fix's words say what to do")
    return build(_Target(f, role, m.group(2), request, material)) or \
        _from_fix_text(f) or Repair(note="no mechanical repair here: the fix's words say what to do")


def _role(value: str) -> Optional[Role]:
    try:
        return Role(value)
    except ValueError:
        return None


def _from_fix_text(f: Finding) -> Optional[Repair]:
    """Codes whose fix already is an exact command on the file (strip a BOM, reorder a chain, append an
    intermediate, chmod a key): that command, as printed."""
    if f.code not in ("file.bom", "file.key_in_cert", "chain.intermediate_missing", "key.permissions",
                      "key.mismatch"):
        return None
    commands = tuple(c for c in _BACKTICKED.findall(f.fix) if c.split()[0] in ("sed", "chmod", "cat", "{", "awk")
                     or " > " in c)
    if f.code == "key.mismatch" and "wrong order" not in f.message:
        return None
    return Repair(commands) if commands else None


# --- the signer and the files around a certificate -----------------------------------------------------------------

def _ca_file(request: Request) -> Optional[str]:
    return request.path(Role.SERVER_CA) or request.path(Role.CLIENT_CA)


def _ca_key(request: Request, ca_path: Optional[str]) -> Optional[str]:
    """--ca-key, else ca.key (or <name>.key) beside the CA file."""
    if request.ca_key:
        return request.ca_key
    if not ca_path:
        return None
    folder, name = os.path.split(ca_path)
    for candidate in ("ca.key", os.path.splitext(name)[0] + ".key"):
        path = os.path.join(folder, candidate)
        if os.path.isfile(path):
            return path
    return None


def _self_signed(material: Material, role: Role) -> bool:
    f = material.get(role)
    return bool(f and f.certs and len(f.certs) == 1 and is_self_issued(f.certs[0]))


def _swap(path: str) -> str:
    """Keep the old file as NAME.bak, put NAME.new in its place."""
    return f"mv {sh(path)} {sh(path + '.bak')} && mv {sh(path + '.new')} {sh(path)}"


def _reissue(t: _Target, cert_role: Role, cert_path: str, extra: str, *, carry_key: Optional[str] = None) -> Repair:
    """`milvus-tls reissue` of one certificate file, signed by its own key (self-signed) or by the set's CA."""
    key_role = _KEY_OF_CERT.get(cert_role)
    own_key = carry_key or (t.request.path(key_role) if key_role else None)
    if _self_signed(t.material, cert_role) and cert_role not in _CA_ROLES:
        if not own_key:
            return Repair(note=f"{cert_path} is self-signed and its key was not given: give its key to get the command")
        signer = f"--key {sh(own_key)}"
    elif cert_role in _CA_ROLES:
        ca_key = _ca_key(t.request, cert_path)
        if not ca_key:
            return Repair(note=f"re-signing the CA {cert_path} needs its private key: give --ca-key PATH (or keep "
                               "ca.key beside it) to get the command")
        signer = f"--key {sh(ca_key)}"
    else:
        ca = _ca_file(t.request)
        ca_key = _ca_key(t.request, ca)
        if ca and ca_key:
            signer = f"--ca-cert {sh(ca)} --ca-key {sh(ca_key)}" + (f" --key {sh(carry_key)}" if carry_key else "")
        elif own_key:
            csr = cert_path + ".csr"
            return Repair((f"milvus-tls reissue --cert {sh(cert_path)} --key {sh(own_key)}{extra} --csr-out {sh(csr)}",),
                          note=f"the CA's private key was not given (--ca-key PATH, or ca.key beside "
                               f"{ca or 'the CA file'}): {csr} is a request with the exact extensions for whoever "
                               f"holds that key; put the certificate they return at {cert_path}")
        else:
            return Repair(note="neither the CA's private key (--ca-key) nor the certificate's key was given")
    return Repair((f"milvus-tls reissue --cert {sh(cert_path)} {signer}{extra} --out {sh(cert_path + '.new')}",
                   _swap(cert_path)))


def _on_cert(extra: Callable[[_Target], Optional[str]]) -> Callable[[_Target], Optional[Repair]]:
    """A reissue of the certificate the finding is about, with the flags `extra` names (None: no repair)."""
    def build(t: _Target) -> Optional[Repair]:
        flags = extra(t)
        if flags is None:
            return None
        return _reissue(t, t.role, t.path, flags)
    return build


def _key_mismatch(t: _Target) -> Optional[Repair]:
    if "wrong order" in t.finding.message:
        return None   # the reorder command in the fix text
    cert_role = _CERT_OF_KEY.get(t.role)
    cert_path = t.request.path(cert_role) if cert_role else None
    if not cert_path:
        return None
    # The certificate is reissued for the key Milvus (or the client) holds: same subject and names, that key.
    return _reissue(t, cert_role, cert_path, "", carry_key=t.path)


def _name(t: _Target) -> Optional[str]:
    name = split_host_port(t.request.server_name or "")[0].rstrip(".")
    return f" --add-name {sh(name)}" if name else None


def _cn(t: _Target) -> Optional[str]:
    f = t.material.get(t.role)
    if not f or not f.certs:
        return None
    from cryptography.x509.oid import NameOID
    cns = f.certs[0].subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return f" --add-name {sh(str(cns[0].value))}" if cns else _name(t)


def _renew(t: _Target) -> Optional[Repair]:
    f = t.material.get(t.role)
    if not f or not f.certs:
        return None
    if t.role in _CA_ROLES and _self_signed(t.material, t.role):
        # A CA re-signed with its own key and subject: every certificate it signed stays valid.
        return _reissue(t, t.role, t.path, f" --days {RENEW_CA_DAYS}")
    if t.role in _KEY_OF_CERT:
        return _reissue(t, t.role, t.path, f" --days {RENEW_LEAF_DAYS}")
    return None


def _trusted_by(t: _Target) -> Optional[str]:
    """The trust file the peer verifies this leaf against (Milvus: tls.caPemPath for a client certificate; the
    client: ca_pem_path / server_pem_path for the server's)."""
    if t.role is Role.CLIENT_CERT:
        return t.request.path(Role.SERVER_CA)
    return t.request.path(Role.CLIENT_CA) or t.request.path(Role.SERVER_CA)


def _untrusted(t: _Target) -> Optional[Repair]:
    if t.role not in _KEY_OF_CERT:
        return None
    trust = _trusted_by(t)
    ca_key = _ca_key(t.request, trust)
    if not trust or not ca_key:
        return Repair(note="reissuing from the trusted CA needs its private key: give --ca-key PATH (or keep ca.key "
                           "beside the CA file) to get the command")
    return Repair((f"milvus-tls reissue --cert {sh(t.path)} --ca-cert {sh(trust)} --ca-key {sh(ca_key)} "
                   f"--days {RENEW_LEAF_DAYS} --out {sh(t.path + '.new')}", _swap(t.path)))


def _anchor(t: _Target) -> Optional[Repair]:
    """The CA the chain ends at is not a CA (or may not sign): re-sign it as a CA with its own key, so the
    certificates it issued stay valid."""
    for role in (Role.SERVER_CA, Role.CLIENT_CA):
        path = t.request.path(role)
        if path and _self_signed(t.material, role):
            flags = " --ca" if t.finding.code != "ca.key_cert_sign_missing" else " --key-usage keyCertSign,cRLSign"
            return _reissue(t, role, path, flags)
    return None


_BUILDERS: dict[str, Callable[[_Target], Optional[Repair]]] = {
    "key.mismatch": _key_mismatch,
    "name.mismatch": _on_cert(_name),
    "name.cn_only": _on_cert(_cn),
    # the 2.6 proxy forward checks the name "proxy" on the front door's certificate (rules/links.judge_proxy_forward)
    "proxy_forward.name_missing": _on_cert(lambda t: " --add-name proxy" if t.role is Role.SERVER_CERT else None),
    "eku.client_auth_missing": _on_cert(lambda t: " --eku clientAuth"),
    "eku.server_auth_missing": _on_cert(lambda t: " --eku serverAuth"),
    "ku.digital_signature_missing": _on_cert(lambda t: " --key-usage digitalSignature"),
    "sig.weak": _on_cert(lambda t: "" if t.role in _KEY_OF_CERT else None),
    "cert.expired": _renew,
    "cert.expires_soon": _renew,
    "cert.not_yet_valid": _renew,
    "chain.untrusted": _untrusted,
    "ca.anchor_not_ca": _anchor,
    "ca.not_ca": _anchor,
    "ca.key_cert_sign_missing": _anchor,
}
