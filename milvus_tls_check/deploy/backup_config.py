"""--backup-config: milvus-backup's backup.yaml, read as milvus-backup reads it, into the "go" client kind's TLS
inputs (clientkinds.TlsConfig): milvus-backup dials Milvus with grpc-go and crypto/tls.

Read in zilliztech/milvus-backup (f81df44): a file without `configVersion` (or `configVersion: v1`) is the v1
schema (internal/cfg/cfg.go: `milvus.address`, `milvus.port`, `milvus.tlsMode` 0/1/2, `milvus.caCertPath`,
`milvus.serverName`, `milvus.mtlsCertPath`, `milvus.mtlsKeyPath`), translated to v2 at load
(internal/cfg/migrate/migrate.go: tlsMode 2 without both mTLS paths becomes server TLS, "v1 used server TLS");
`configVersion: v2` is the v2 schema (internal/cfg/v2: `milvus.grpc.{address, port, tlsMode: disabled | server |
mutual, caCertPath, serverName, mtlsCertPath, mtlsKeyPath}`, `milvus.rest.endpoint`; validate.go refuses mutual
without both paths). The connection (internal/client/milvus/grpc.go transCred): disabled is plaintext; server and
mutual verify the server with `tls.Config{ServerName, RootCAs: caCertPath}` (none: the system roots); only mutual
loads the key pair. REST (restful.go restfulBaseURL): `milvus.rest.endpoint`, else https://ADDRESS:PORT (http://
when disabled).

The environment overrides milvus-backup also reads (MILVUS_TLS_MODE, ...) are not read here: the file only. Paths
are taken as written (a relative one from the file's folder). Facts only: what milvus-backup ignores or changes
becomes `said` for rules/per_client.py.
"""
from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any, Mapping, Optional

from ..clientkinds import TlsConfig
from .common import DeploymentError, Draft, ReadRun, load_yaml, read_text

FLAGS = (
    {"order": 46, "option": "backup_config", "flag": "--backup-config", "path": True, "trigger": True,
     "metavar": "FILE", "help": "milvus-backup's backup.yaml (v1 milvus.tlsMode/caCertPath/...; v2 milvus.grpc.*): "
                                "judged as the Go client milvus-backup makes (--client go)"},
)

FLAG = "--backup-config"
KIND = "go"
V1_KEYS = ("address", "port", "tlsMode", "caCertPath", "serverName", "mtlsCertPath", "mtlsKeyPath")
V2_MODES = {"disabled": 0, "server": 1, "mutual": 2}
V1_AS_V2 = {"0": "disabled", "1": "server", "2": "mutual"}


def _get(data: Any, *path: str) -> Any:
    for part in path:
        if not isinstance(data, Mapping):
            return None
        data = next((v for k, v in data.items() if str(k).lower() == part.lower()), None)
    return data


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def read_backup_config(path: str) -> TlsConfig:
    name = Path(path).name
    data = load_yaml(read_text(path, FLAG), f"{FLAG} {path}")
    if not isinstance(data, Mapping):
        raise DeploymentError(f"{FLAG} {path}: not a backup.yaml (a YAML mapping with a `milvus:` section)")
    version = _text(_get(data, "configVersion")).lower() or "v1"
    if version not in ("v1", "v2"):
        raise DeploymentError(f"{FLAG} {path}: configVersion {version!r}; milvus-backup knows v1 and v2")
    milvus = _get(data, "milvus")
    if not isinstance(milvus, Mapping):
        raise DeploymentError(f"{FLAG} {path}: no `milvus:` section (milvus-backup's connection to Milvus)")
    folder = Path(path).resolve().parent
    said: list[tuple] = []
    v2 = version == "v2"
    section = _get(milvus, "grpc") if v2 else milvus
    section = section if isinstance(section, Mapping) else {}
    prefix = "milvus.grpc." if v2 else "milvus."

    def key(k: str) -> str:
        return f"`{prefix}{k}` in {name}"

    # the other schema's TLS keys, and near misses of this one's, are never read
    other = {k for k in V1_KEYS if _get(milvus if v2 else _get(milvus, "grpc"), k) is not None and k != "port"
             and k != "address"}
    if other:
        there = "milvus." if v2 else "milvus.grpc."
        said.append(("client.setting_ignored", f"{name} is a {version} file (configVersion {'v2' if v2 else 'absent'}), "
                     f"so milvus-backup reads {prefix}*; {', '.join(there + k for k in sorted(other))} "
                     f"{'are' if len(other) > 1 else 'is'} never read.", "", (),
                     f"In {name} move " + ", ".join(f"{there}{k} to {prefix}{k}" for k in sorted(other))
                     + (" (v2 tlsMode takes disabled, server or mutual)." if v2 else ".")))
    for k in sorted(str(k) for k in section):
        if k.lower() in {x.lower() for x in V1_KEYS} or isinstance(section.get(k), Mapping):
            continue
        if any(w in k.lower() for w in ("tls", "cert", "key", "ca", "server", "ssl")):
            close = difflib.get_close_matches(k, V1_KEYS, n=1, cutoff=0.6)
            hint = f"; did you mean {prefix}{close[0]}?" if close else ""
            said.append(("client.setting_ignored", f"{name} sets {prefix}{k}, which milvus-backup does not read{hint}",
                         "", (), f"In {name} rename {prefix}{k} to {prefix}{close[0]}." if close else
                         f"Remove {prefix}{k} from {name}."))

    def path_of(k: str) -> Optional[str]:
        text = _text(_get(section, k))
        return text if not text or os.path.isabs(text) else str(folder / text)

    raw_mode = _text(_get(section, "tlsMode"))
    ca, server_name = path_of("caCertPath"), _text(_get(section, "serverName")) or None
    cert, key_path = path_of("mtlsCertPath"), path_of("mtlsKeyPath")
    if v2:
        if raw_mode and raw_mode.lower() not in V2_MODES:
            was = f" (a v1 value: write {V1_AS_V2[raw_mode]!r})" if raw_mode in V1_AS_V2 else ""
            said.append(("client.mode_unsupported", f"{key('tlsMode')} is {raw_mode!r}{was}; milvus-backup's v2 "
                         "validation refuses to start (it takes disabled, server or mutual).", "error", (),
                         f"In {name} set {prefix}tlsMode: {V1_AS_V2.get(raw_mode, 'server')}."))
        mode = V2_MODES.get(raw_mode.lower() or "disabled", -1)
        if mode == 2 and not (cert and key_path):
            said.append(("client.params_incomplete", f"{key('tlsMode')} is mutual without both "
                         f"{prefix}mtlsCertPath and {prefix}mtlsKeyPath: milvus-backup refuses to start (\"cfg: "
                         f"milvus.grpc.mtlsCertPath and milvus.grpc.mtlsKeyPath are required when milvus.grpc.tlsMode "
                         'is "mutual"").', "error", (),
                         f"In {name} set {prefix}mtlsCertPath: /path/client.pem and {prefix}mtlsKeyPath: "
                         "/path/client.key (or tlsMode: server for a tlsMode 1 Milvus)."))
    else:
        try:
            mode = int(raw_mode or "0")
        except ValueError:
            mode = -1
        if mode not in (0, 1, 2):
            said.append(("client.mode_unsupported", f"{key('tlsMode')} is {raw_mode!r}, not a v1 TLS mode (0, 1, 2): "
                         "milvus-backup connects in plaintext (migrate.go: \"not a valid v1 TLS mode; migrated as "
                         "disabled\").", "error", (), f"In {name} set {prefix}tlsMode: 1 (server TLS) or 2 (mutual)."))
            mode = 0
        if mode == 2 and not (cert and key_path):
            missing = [f"{prefix}{k}" for k, v in (("mtlsCertPath", cert), ("mtlsKeyPath", key_path)) if not v]
            missing = " and ".join(missing) + (" are" if len(missing) > 1 else " is")
            said.append(("client.mutual_downgraded", f"{key('tlsMode')} is 2 but {missing} not set: milvus-backup "
                         "silently connects with one-way (server) TLS and sends no client certificate (its "
                         "migrate.go: \"v1 used server TLS\"), so a tlsMode 2 Milvus refuses it.", "error", (2,),
                         f"In {name} set {prefix}mtlsCertPath: /path/client.pem and {prefix}mtlsKeyPath: "
                         "/path/client.key (both: v1 drops to one-way TLS when either is missing)."))
            mode = 1
    if mode == 0:
        given = [k for k, v in (("caCertPath", ca), ("serverName", server_name), ("mtlsCertPath", cert),
                                ("mtlsKeyPath", key_path)) if v]
        if given:
            said.append(("client.setting_ignored", f"{key('tlsMode')} is {raw_mode or 'unset'} (plaintext): "
                         f"{', '.join(prefix + k for k in given)} {'are' if len(given) > 1 else 'is'} never read.", "",
                         (), f"In {name} set {prefix}tlsMode: {'server' if v2 else '1'} to use them."))
        said.append(("client.mode_mismatch", f"{key('tlsMode')} is {raw_mode or 'unset (default ' + ('disabled' if v2 else '0') + ')'}: "
                     "milvus-backup dials Milvus in plaintext, and a Milvus with tlsMode 1 or 2 refuses it.", "error",
                     (1, 2), f"In {name} set {prefix}tlsMode: {'server' if v2 else '1'} (tlsMode 2 Milvus: "
                     f"{'mutual' if v2 else '2'} with {prefix}mtlsCertPath and {prefix}mtlsKeyPath) and "
                     f"{prefix}caCertPath: /path/ca.pem."))
    elif mode == 1 and (cert or key_path) and not any(s[0] == "client.mutual_downgraded" for s in said):
        given = [prefix + k for k, v in (("mtlsCertPath", cert), ("mtlsKeyPath", key_path)) if v]
        said.append(("client.setting_ignored", f"{key('tlsMode')} is {raw_mode} (server TLS): {', '.join(given)} "
                     f"{'are' if len(given) > 1 else 'is'} never read, so no client certificate is sent.", "", (),
                     f"In {name} set {prefix}tlsMode: {'mutual' if v2 else '2'} (a tlsMode 2 Milvus), or drop "
                     f"{', '.join(given)}."))
    address = _text(_get(section, "address")) or "localhost"
    port = _text(_get(section, "port")) or "19530"
    rest_endpoint = _text(_get(milvus, "rest", "endpoint")) if v2 else ""
    rest_why = (f"`milvus.rest.endpoint` in {name} is not set" if v2 else
                f"{name} is a v1 file, which has no `milvus.rest.endpoint`")
    rest_fix = (f"In {name} set `milvus.rest.endpoint: {{url}}`" if v2 else
                f"Translate {name} to the v2 format (milvus-backup's config migrate; `configVersion: v2`) and set "
                "`milvus.rest.endpoint: {url}`")
    on = mode in (1, 2)
    rest = rest_endpoint or (f"https://{address}:{port}" if on else None)
    refused = next((s[1] for s in said if s[0] in ("client.mode_unsupported", "client.params_incomplete")
                    and s[2] == "error" and v2), "")
    return TlsConfig(ca=ca if on else None, cert=cert if mode == 2 else None, key=key_path if mode == 2 else None,
                     server_name=server_name if on else None, address=f"{address}:{port}", secure=on,
                     source=FLAG, said=tuple(said), rest=rest, tool="milvus-backup",
                     rest_uses="segment info during backup (Milvus 2.5.8+), import create/describe during restore",
                     pair_fix=f"In {name} set {prefix}tlsMode: {'mutual' if v2 else '2'}, {prefix}mtlsCertPath: "
                              f"/path/client.pem and {prefix}mtlsKeyPath: /path/client.key.",
                     root_fix=f"In {name} set {prefix}caCertPath: /path/ca.pem, the CA that signed Milvus's server "
                              "certificate (without it milvus-backup trusts the system roots).", rest_why=rest_why, rest_fix=rest_fix, refused=refused)


def read_into(draft: Draft, given: Mapping[str, Any], run: ReadRun) -> None:
    draft.add_client_tls(KIND, read_backup_config(given["backup_config"]), FLAG)
