"""--attu-env: Attu's environment (a dotenv file: `docker run --env-file`, Compose's `env_file`), read as Attu hands
it to the Node SDK (@zilliz/milvus2-sdk-node), into the "node" client kind's TLS inputs (clientkinds.TlsConfig).

Attu 2.x (server/src/milvus/milvus.service.ts, the last source before zilliztech/attu a2e08ea): `ssl` comes from
the connect form; `tls` is built only when ROOT_CERT_PATH is set, and only then are PRIVATE_KEY_PATH,
CERT_CHAIN_PATH and SERVER_NAME read into it; MILVUS_URL pre-fills the address, and an address without a port gets
:19530. Attu v3 (README "TLS / SSL"; its source is no longer in the repository) documents MILVUS_ADDRESS,
MILVUS_SSL and MILVUS_TLS_{ROOT_CERT_PATH,PRIVATE_KEY_PATH,CERT_CHAIN_PATH,SERVER_NAME}: the doctor models v3 with
the same "root path first" rule and the same default port (modelled, not read in code).

Paths are taken as written (a relative one from the file's folder): they are the paths inside Attu's container,
so run the doctor where they resolve, or give a copy of the file with the host paths. Facts only: what Attu ignores
becomes `said` (client.setting_ignored, client.mode_mismatch) for rules/per_client.py.
"""
from __future__ import annotations

import difflib
import os
import re
from pathlib import Path
from typing import Any, Mapping, Optional

from ..clientkinds import TlsConfig, strip_scheme
from .common import DeploymentError, Draft, ReadRun, read_text

FLAGS = (
    {"order": 45, "option": "attu_env", "flag": "--attu-env", "path": True, "trigger": True, "metavar": "FILE",
     "help": "Attu's environment as a dotenv file (MILVUS_ADDRESS, MILVUS_SSL, MILVUS_TLS_*; Attu 2.x: "
             "ROOT_CERT_PATH, ...): judged as the Node SDK client Attu makes (--client node)"},
)

FLAG = "--attu-env"
KIND = "node"
# the TLS settings of each generation: SDK tls field -> the variable
V3 = {"ca": "MILVUS_TLS_ROOT_CERT_PATH", "key": "MILVUS_TLS_PRIVATE_KEY_PATH", "cert": "MILVUS_TLS_CERT_CHAIN_PATH",
      "server_name": "MILVUS_TLS_SERVER_NAME"}
V2 = {"ca": "ROOT_CERT_PATH", "key": "PRIVATE_KEY_PATH", "cert": "CERT_CHAIN_PATH", "server_name": "SERVER_NAME"}
# everything else either generation reads (README table; 2.x's MILVUS_URL, ATTU_LOG_LEVEL, HOST_URL, PORT)
OTHER = frozenset({"MILVUS_ADDRESS", "MILVUS_SSL", "MILVUS_NAME", "MILVUS_DATABASE", "MILVUS_USERNAME",
                   "MILVUS_PASSWORD", "MILVUS_TOKEN", "PORT", "ATTU_DB_PATH", "ATTU_LOG_LEVEL", "MILVUS_URL",
                   "HOST_URL", "SERVER_PORT", "DATABASE", "NODE_ENV", "TZ"})
DEFAULT_PORT = "19530"
_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")


def parse_dotenv(text: str, label: str) -> dict[str, str]:
    """KEY=VALUE lines (Docker's --env-file and Compose's env_file: `export ` allowed, '#' comments, quotes)."""
    out: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _LINE.match(line)
        if not m:
            raise DeploymentError(f"{label}: line {number} is not NAME=VALUE (a dotenv file, as docker run "
                                  "--env-file reads)")
        value = m.group(2).strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        out[m.group(1)] = value
    return out


def _true(value: Optional[str]) -> bool:
    return str(value or "").strip().lower() in ("1", "true", "yes", "on")


def read_attu_env(path: str) -> tuple[TlsConfig, list[str]]:
    """The Node SDK inputs Attu makes of this environment, and notes for the report."""
    name = Path(path).name
    env = parse_dotenv(read_text(path, FLAG), f"{FLAG} {path}")
    folder = Path(path).resolve().parent
    said: list[tuple] = []
    notes: list[str] = []
    v3_set = [v for v in V3.values() if env.get(v)] + [v for v in ("MILVUS_ADDRESS", "MILVUS_SSL") if v in env]
    v2_set = [v for v in V2.values() if env.get(v)]
    v3 = bool(v3_set) or not v2_set
    names, generation = (V3, "Attu v3") if v3 else (V2, "Attu 2.x")
    if v3 and v2_set:
        said.append(("client.setting_ignored", f"{name} sets {', '.join(v2_set)}, Attu 2.x's names, beside Attu v3's "
                     f"({', '.join(v3_set)}): v3 documents only MILVUS_TLS_* (modelled), so the doctor judged the v3 "
                     f"names and these are not read; rename them (e.g. {v2_set[0]} -> MILVUS_TLS_{v2_set[0]}).", "", (),
                     f"In {name} rename " + ", ".join(f"{v} -> MILVUS_TLS_{v}" for v in v2_set)
                     + " (Attu v3), or drop the MILVUS_TLS_* names for Attu 2.x."))
    for var in sorted(env):
        if var in OTHER or var in V3.values() or var in V2.values():
            continue
        if var.startswith(("MILVUS_", "ATTU_")) or var in ("SSL", "TLS"):
            close = difflib.get_close_matches(var, sorted(OTHER | set(V3.values()) | set(V2.values())), n=1,
                                              cutoff=0.75)
            hint = f"; did you mean {close[0]}?" if close else ""
            said.append(("client.setting_ignored", f"{name} sets {var}, which Attu does not read{hint} (Attu reads "
                         f"{', '.join(V3.values())} in v3; {', '.join(V2.values())} in 2.x).", "", (),
                         f"In {name} rename {var} to {close[0]}." if close else f"Remove {var} from {name}."))

    def value(field: str) -> Optional[str]:
        text = env.get(names[field]) or None
        if text and field != "server_name" and not os.path.isabs(text):
            text = str(folder / text)
        return text

    root = value("ca")
    ignored = [names[f] for f in ("key", "cert", "server_name") if env.get(names[f])]
    if not root and ignored:
        said.append(("client.setting_ignored", f"{generation} builds the Node SDK's tls object only when "
                     f"{names['ca']} is set ({'server/src/milvus/milvus.service.ts' if not v3 else 'modelled on 2.x'}"
                     f"): {', '.join(ignored)} in {name} {'are' if len(ignored) > 1 else 'is'} never read, so no client "
                     "certificate is sent and no server name is set.", "", (),
                     f"In {name} add {names['ca']}=/path/ca.pem (the CA that signed Milvus's server certificate, as "
                     f"Attu's container sees it): Attu reads {', '.join(ignored)} only beside it."))
    address_var = "MILVUS_ADDRESS" if v3 else "MILVUS_URL"
    address = env.get(address_var) or env.get("MILVUS_ADDRESS") or env.get("MILVUS_URL") or ""
    https = address.startswith("https://")
    address = strip_scheme(address) or ""
    if address and ":" not in address.strip("[]").split("]")[-1]:
        address = f"{address}:{DEFAULT_PORT}"    # formatAddress: an address without a port gets :19530
    if v3:
        secure = _true(env.get("MILVUS_SSL")) or https or bool(root)
        if not secure:
            said.append(("client.mode_mismatch", f"{name}: MILVUS_SSL is not true and {names['ca']} is not set, so "
                         "Attu dials Milvus in plaintext; a Milvus with tlsMode 1 or 2 refuses it.", "error", (1, 2),
                         f"In {name} set MILVUS_SSL=true and {names['ca']}=/path/ca.pem."))
    else:
        secure = True
        notes.append(f"{FLAG} {name}: Attu 2.x takes `ssl` from its connect form; judged with SSL on"
                     + (f" ({names['ca']} makes the Node SDK use TLS anyway)" if root else ""))
    cfg = TlsConfig(ca=root, cert=value("cert") if root else None, key=value("key") if root else None,
                    server_name=value("server_name") if root else None, address=address or None, secure=secure,
                    source=FLAG, said=tuple(said), tool=generation,
                    pair_fix=f"In {name} set {names['cert']}=/path/client.pem and {names['key']}=/path/client.key "
                             f"(read only beside {names['ca']}).",
                    root_fix=f"In {name} set {names['ca']}=/path/ca.pem, the CA that signed Milvus's server certificate.")
    return cfg, notes


def read_into(draft: Draft, given: Mapping[str, Any], run: ReadRun) -> None:
    cfg, notes = read_attu_env(given["attu_env"])
    draft.add_client_tls(KIND, cfg, FLAG)
    draft.notes.extend(notes)
