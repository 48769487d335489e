"""Kubernetes: Secrets, ConfigMaps, Deployments/StatefulSets/Pods, Milvus Operator CRs and Helm values files.

Configured paths are resolved the way the pod sees them: through the pod's `volumes` and the Milvus container's
`volumeMounts` (Secret and ConfigMap volumes with or without `items`, `subPath`, projected volumes) to the keys of
the Secret. Secret contents are written into a private temporary folder (SecretFolder: 0700; keys 0600) so the
doctor can read them; the caller owns the folder and removes it (close()) when its run is over. Key material is
never printed.
"""
from __future__ import annotations

import base64
import binascii
import os
import posixpath
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional

from ..facts.deployment import (HelmFacts, IngressFacts, K8sOrigin, MilvusImage, UnsafeEntry, flatten, image_tag,
                                shown_name as shown)
from .common import (DeploymentError, Draft, Layer, Mount, ReadRun, as_text, load_yaml, load_yaml_all, read_text,
                     resolve)
from .compose import CONFIG_DIR, CONFIG_FILES

# This reader's command-line flags, declared once (facts/deploy_readers.py reads them for the CLI, fleet files
# and request.py without importing this module: a literal only).
FLAGS = (
    {"order": 30, "option": "k8s", "flag": "--k8s", "repeatable": True, "path": True, "trigger": True,
     "help": "Kubernetes manifests / Helm values (repeatable)"},
)

_WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}
_HELM_HINTS = ("extraConfigFiles", "cluster", "proxy", "standalone", "customConfigMap", "mixCoordinator", "ingress")


@dataclass(frozen=True)
class Source:
    """A Secret or ConfigMap: key -> bytes."""

    kind: str            # "Secret" | "ConfigMap"
    name: str
    data: Mapping[str, bytes]
    origin: str          # file it came from
    type: str = ""

    def describe(self, key: str) -> str:
        t = f", {self.type}" if self.type and self.type != "Opaque" else ""
        return f"key {key} of {self.kind} {self.name} ({Path(self.origin).name}{t})"


@dataclass
class PodContext:
    label: str
    volumes: list[Mapping[str, Any]] = field(default_factory=list)
    mounts: list[Mapping[str, Any]] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    image: Optional[str] = None          # the Milvus image as written (container image, CR image, Helm image.all)
    image_source: str = ""
    local_mounts: set = field(default_factory=set)   # mountPaths only this component's pod has (not global)
    scope: str = ""                      # the component those local mounts belong to ("proxy")
    cluster: bool = False


@dataclass
class K8sView:
    files: list[str]
    layers: list[Layer] = field(default_factory=list)
    mounts: list[Mount] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tempdir: Optional[str] = None
    pod: str = ""
    image: Optional[str] = None
    image_source: str = ""
    workload: bool = True                # False: Secrets alone (no pod, so no mounts, file modes or tlsMode)
    secret_files: dict[str, str] = field(default_factory=dict)   # a Secret alone: role value -> file
    secret_keys: dict[str, str] = field(default_factory=dict)    # role value -> "tls.crt of Secret S"
    helm: Optional[HelmFacts] = None
    ingresses: list[IngressFacts] = field(default_factory=list)
    cluster: bool = False
    layout: str = ""
    unsafe: list[UnsafeEntry] = field(default_factory=list)
    s3_servers: list = field(default_factory=list)   # facts.deployment.S3Server an Operator CR describes


# --- names Kubernetes accepts: the only ones ever turned into a path -----------------------------------------------

# k8s.io/apimachinery validation.IsConfigMapKey (Secret and ConfigMap data keys): [-._a-zA-Z0-9]+, not "." or "..",
# at most 253 characters.
_CONFIG_KEY = re.compile(r"[-._a-zA-Z0-9]{1,253}")


def key_problem(key: str) -> Optional[str]:
    if key in (".", "..") or not _CONFIG_KEY.fullmatch(key):
        return ("not a valid key: Kubernetes allows only letters, digits, '-', '_' and '.' (and not '.' or '..'), "
                "and rejects the object (\"a valid config key must consist of alphanumeric characters, '-', '_' or "
                "'.'\")")
    return None


def relative_path_problem(path: str) -> Optional[str]:
    """items[].path and subPath: Kubernetes (validateLocalDescendingPath) wants a relative path without '..'.
    The doctor also refuses empty, '.' and control characters in a part: it writes only plain names."""
    if not path:
        return "empty"
    if path.startswith("/"):
        return "an absolute path; Kubernetes requires a path relative to the volume (\"must be a relative path\")"
    parts = path.split("/")
    if ".." in parts:
        return "contains '..'; Kubernetes rejects it (\"must not contain '..'\")"
    if any(p in ("", ".") or any(ord(ch) < 32 or ch == "\x7f" for ch in p) for p in parts):
        return "not a plain relative path (an empty or '.' part, or a control character)"
    return None


# --- private folder for materialised Secret/ConfigMap contents ---------------------------------------------------

class SecretFolder:
    """A private temporary folder (0700; key files 0600) holding Secret and ConfigMap contents for one run.

    The caller owns its lifetime: `with SecretFolder() as secrets: ...`, or keep it and call close() when the run
    (static checks and handshakes) is over. Nothing is created until a Secret volume is materialised.
    """

    def __init__(self) -> None:
        self.root: Optional[Path] = None
        self.count = 0

    @property
    def path(self) -> Optional[str]:
        return str(self.root) if self.root is not None else None

    def folder(self) -> Path:
        """A new private sub-folder for one volume."""
        if self.root is None:
            self.root = Path(tempfile.mkdtemp(prefix="milvus-tls-k8s-"))   # mkdtemp: mode 0700
            os.chmod(self.root, 0o700)
        self.count += 1
        sub = self.root / f"v{self.count}"
        sub.mkdir(mode=0o700)
        return sub

    def write(self, folder: Path, rel: str, data: bytes, private: bool) -> bool:
        """Write `rel` (a plain relative path, checked by the caller) inside `folder`, one of this SecretFolder's
        sub-folders. Anything that would land outside the folder, or through a link, is refused (False), never
        written: the folder is private (0700) and only ever holds what this method made."""
        if self.root is None or relative_path_problem(rel) is not None:
            return False
        root = os.path.realpath(self.root)
        base = os.path.realpath(folder)
        target = os.path.realpath(os.path.join(base, rel))
        if os.path.commonpath([root, base]) != root or os.path.commonpath([base, target]) != base or target == base:
            return False
        mode = 0o600 if private else 0o644
        try:
            os.makedirs(os.path.dirname(target), mode=0o700, exist_ok=True)
            if os.path.realpath(os.path.dirname(target)) != os.path.dirname(target):
                return False
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
        except OSError:
            return False   # a name that clashes with a folder ("a" and "a/b"): Kubernetes would refuse it too
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(target, mode)
        return True

    def close(self) -> None:
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def __enter__(self) -> "SecretFolder":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _is_private(key: str, data: bytes) -> bool:
    return key.endswith(".key") or b"PRIVATE KEY" in data


# --- reading the documents ---------------------------------------------------------------------------------------

def _documents(paths: Iterable[str]) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for p in paths:
        for doc in load_yaml_all(read_text(p, "--k8s"), p):
            if isinstance(doc, Mapping) and doc.get("kind") == "List" and isinstance(doc.get("items"), list):
                out.extend((p, d) for d in doc["items"] if isinstance(d, Mapping))
            elif isinstance(doc, Mapping):
                out.append((p, doc))
    return out


def _safe_keys(kind: str, name: str, origin: str, data: dict[str, bytes], unsafe: list[UnsafeEntry]) -> dict:
    """The keys Kubernetes accepts; each other key becomes an UnsafeEntry and is dropped."""
    out = {}
    for key, value in data.items():
        why = key_problem(key)
        if why is None:
            out[key] = value
        else:
            unsafe.append(UnsafeEntry(f"{kind} {name} ({Path(origin).name})", "key", key, why))
    return out


def _secret(doc: Mapping[str, Any], origin: str, notes: list[str], unsafe: list[UnsafeEntry]) -> Source:
    name = str((doc.get("metadata") or {}).get("name") or "(unnamed)")
    data: dict[str, bytes] = {}
    for k, v in (doc.get("data") or {}).items():
        try:
            data[str(k)] = base64.b64decode("".join(str(v or "").split()), validate=True)
        except (binascii.Error, ValueError):
            notes.append(f"Kubernetes: Secret {name} key {k} in {origin} is not valid base64 (data: needs base64; "
                         "use stringData: for plain text); Kubernetes would reject it")
    for k, v in (doc.get("stringData") or {}).items():
        data[str(k)] = str(v if v is not None else "").encode()
    return Source("Secret", name, _safe_keys("Secret", name, origin, data, unsafe), origin,
                  str(doc.get("type") or "Opaque"))


def _configmap(doc: Mapping[str, Any], origin: str, unsafe: list[UnsafeEntry]) -> Source:
    name = str((doc.get("metadata") or {}).get("name") or "(unnamed)")
    data = {str(k): str(v if v is not None else "").encode() for k, v in (doc.get("data") or {}).items()}
    for k, v in (doc.get("binaryData") or {}).items():
        try:
            data[str(k)] = base64.b64decode(str(v))
        except (binascii.Error, ValueError):
            pass
    return Source("ConfigMap", name, _safe_keys("ConfigMap", name, origin, data, unsafe), origin)


def _is_helm_values(doc: Mapping[str, Any]) -> bool:
    return "kind" not in doc and "apiVersion" not in doc and any(k in doc for k in _HELM_HINTS)


def _container_score(c: Mapping[str, Any]) -> int:
    words = [str(w) for w in (c.get("command") or []) + (c.get("args") or [])]
    image = str(c.get("image") or "")
    score = 0
    if any(w == "milvus" or w.endswith("/milvus") for w in words):
        score += 4
        if any(w in ("proxy", "standalone") for w in words):
            score += 2
    if "milvus" in image and not any(x in image for x in ("operator", "attu", "config-tool", "birdwatcher")):
        score += 1
    return score


def _env_list(items: Any, label: str, notes: list[str]) -> dict[str, str]:
    env: dict[str, str] = {}
    for e in items or []:
        if not isinstance(e, Mapping) or not e.get("name"):
            continue
        if "value" in e:
            v = e["value"]
            env[str(e["name"])] = "true" if v is True else "false" if v is False else str(v if v is not None else "")
        elif e.get("valueFrom"):
            notes.append(f"Kubernetes: env {e['name']} of {label} comes from valueFrom; the doctor cannot see its value")
    return env


def _pod_from_workloads(docs: list[tuple[str, Any]], notes: list[str]) -> Optional[PodContext]:
    best: Optional[tuple[int, PodContext]] = None
    for origin, doc in docs:
        kind = doc.get("kind")
        if kind in _WORKLOADS:
            spec = ((doc.get("spec") or {}).get("template") or {}).get("spec") or {}
        elif kind == "Pod":
            spec = doc.get("spec") or {}
        else:
            continue
        name = (doc.get("metadata") or {}).get("name") or "(unnamed)"
        for c in spec.get("containers") or []:
            if not isinstance(c, Mapping):
                continue
            score = _container_score(c)
            if score and (best is None or score > best[0]):
                label = f"{kind} {name}, container {c.get('name')} ({Path(origin).name})"
                pod = PodContext(label, list(spec.get("volumes") or []), list(c.get("volumeMounts") or []),
                                 _env_list(c.get("env"), label, notes),
                                 image=str(c["image"]) if c.get("image") else None, image_source=f"image of {label}")
                best = (score, pod)
    return best[1] if best else None


def _pod_from_cr(cr: Mapping[str, Any], origin: str, notes: list[str]) -> PodContext:
    name = (cr.get("metadata") or {}).get("name") or "(unnamed)"
    spec = cr.get("spec") or {}
    comps = spec.get("components") or {}
    label = f"Milvus {name} ({Path(origin).name})"
    pod = PodContext(label, list(comps.get("volumes") or []), list(comps.get("volumeMounts") or []),
                     _env_list(comps.get("env"), label, notes),
                     image=str(comps["image"]) if comps.get("image") else None,
                     image_source=f"spec.components.image of {label}")
    cluster = str(spec.get("mode") or "standalone").lower() == "cluster"
    pod.cluster = cluster
    for part in ("proxy",) if cluster else ("standalone",):
        sub = comps.get(part) or {}
        pod.volumes += list(sub.get("volumes") or [])
        local = list(sub.get("volumeMounts") or [])
        pod.mounts += local
        if cluster:
            pod.local_mounts |= {str(m.get("mountPath")) for m in local if isinstance(m, Mapping)}
            pod.scope = part
        pod.env.update(_env_list(sub.get("env"), label, notes))
    return pod


def _pod_from_helm(values: Mapping[str, Any], origin: str, notes: list[str]) -> PodContext:
    cluster = (values.get("cluster") or {}).get("enabled", True) is not False
    part = "proxy" if cluster else "standalone"
    sub = values.get(part) or {}
    label = f"Helm values {Path(origin).name} ({part} pod)"
    local = list(sub.get("volumeMounts") or [])
    pod = PodContext(label, list(values.get("volumes") or []) + list(sub.get("volumes") or []),
                     list(values.get("volumeMounts") or []) + local,
                     _env_list(sub.get("extraEnv"), label, notes), cluster=cluster)
    if cluster:   # proxy.volumeMounts reach the proxy pod only; the global volumeMounts every component
        pod.local_mounts = {str(m.get("mountPath")) for m in local if isinstance(m, Mapping)}
        pod.scope = part
    image = (values.get("image") or {}).get("all") if isinstance(values.get("image"), Mapping) else None
    if isinstance(image, Mapping) and image.get("tag"):
        repo = str(image.get("repository") or "milvusdb/milvus")
        pod.image, pod.image_source = f"{repo}:{image['tag']}", f"image.all of {label}"
    return pod


def _helm_secret(values: Mapping[str, Any], origin: str, notes: list[str]) -> Optional[Source]:
    tls = ((values.get("proxy") or {}).get("tls") or {})
    if not isinstance(tls, Mapping) or tls.get("enabled") is not True:
        return None
    name = str(tls.get("secretName") or "")
    if not (tls.get("crt") and tls.get("key")):
        return None
    data = {}
    for field_, key in (("crt", "tls.crt"), ("key", "tls.key")):
        try:
            data[key] = base64.b64decode("".join(str(tls[field_]).split()), validate=True)
        except (binascii.Error, ValueError):
            notes.append(f"Helm: proxy.tls.{field_} in {Path(origin).name} is not base64 (the chart expects "
                         f"`base64 -w0` of the file)")
    return Source("Secret", name or "(proxy.tls.secretName unset)", data, origin, "kubernetes.io/tls")


# --- volumes -> mounts ------------------------------------------------------------------------------------------

def _volume_sources(vol: Mapping[str, Any]) -> Optional[list[tuple[str, str, Optional[list], bool]]]:
    """(kind, name, items, optional) per source of a volume; None when it is not a Secret/ConfigMap volume."""
    if isinstance(vol.get("secret"), Mapping):
        s = vol["secret"]
        return [("Secret", str(s.get("secretName") or ""), s.get("items"), bool(s.get("optional")))]
    if isinstance(vol.get("configMap"), Mapping):
        s = vol["configMap"]
        return [("ConfigMap", str(s.get("name") or ""), s.get("items"), bool(s.get("optional")))]
    if isinstance(vol.get("projected"), Mapping):
        out = []
        for src in vol["projected"].get("sources") or []:
            for kind, key in (("Secret", "secret"), ("ConfigMap", "configMap")):
                if isinstance(src, Mapping) and isinstance(src.get(key), Mapping):
                    s = src[key]
                    out.append((kind, str(s.get("name") or ""), s.get("items"), bool(s.get("optional"))))
        return out
    return None


DEFAULT_FILE_MODE = 0o644   # what the kubelet gives Secret/ConfigMap volume files without defaultMode


def _mode_of(value: Any) -> Optional[int]:
    """A Kubernetes file mode as written: YAML 0600 is already octal (384); "0600" or "384" as text too."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    try:
        return int(text, 8) if text.startswith("0") else int(text)
    except ValueError:
        return None


def _default_mode(vol: Mapping[str, Any]) -> Optional[int]:
    for kind in ("secret", "configMap", "projected"):
        if isinstance(vol.get(kind), Mapping) and "defaultMode" in vol[kind]:
            return _mode_of(vol[kind]["defaultMode"])
    return None


def _mounts(pod: PodContext, sources: Mapping[tuple[str, str], Source], mat: SecretFolder,
            notes: list[str], unsafe: list[UnsafeEntry]) -> list[Mount]:
    volumes = {str(v.get("name")): v for v in pod.volumes if isinstance(v, Mapping) and v.get("name")}
    mounts: list[Mount] = []
    for vm in pod.mounts:
        if not isinstance(vm, Mapping) or not vm.get("mountPath"):
            continue
        target, vname, sub = str(vm["mountPath"]), str(vm.get("name") or ""), str(vm.get("subPath") or "")
        vol = volumes.get(vname)
        origin = f"volume {vname} at {target} of {pod.label}"
        if vol is None:
            mounts.append(Mount(target, None, origin, unreadable=f"volume {vname} is not defined in the pod's volumes"))
            continue
        srcs = _volume_sources(vol)
        if srcs is None:
            kind = next((k for k in vol if k != "name"), "unknown")
            mounts.append(Mount(target, None, origin, unreadable=f"a {kind} volume; the doctor cannot read it"))
            continue
        entries: dict[str, str] = {}
        files: dict[str, tuple[bytes, str]] = {}
        unknown: list[str] = []
        default_mode = _default_mode(vol)
        file_modes: dict[str, int] = {}
        for kind, name, items, optional in srcs:
            src = sources.get((kind, name))
            if src is None:
                if not optional:
                    unknown.append(f"{kind} {name}")
                continue
            if items:
                for it in items:
                    if not isinstance(it, Mapping):
                        continue
                    key, path = str(it.get("key") or ""), str(it.get("path") or it.get("key") or "")
                    why = relative_path_problem(path)
                    if why is not None:
                        unsafe.append(UnsafeEntry(origin, "items[].path", path, why))
                        continue
                    if key in src.data:
                        files[posixpath.normpath(path)] = (src.data[key], src.describe(key))
                        item_mode = _mode_of(it.get("mode"))
                        if item_mode is not None:
                            file_modes[posixpath.normpath(path)] = item_mode
                    else:
                        notes.append(f"Kubernetes: {origin} lists key {key}, which {kind} {name} does not have "
                                     "(the pod would not start)")
            else:
                for key, data in src.data.items():
                    files[key] = (data, src.describe(key))
        if unknown and not files:
            mounts.append(Mount(target, None, origin, is_file=bool(sub),
                                unreadable=f"{' and '.join(unknown)} is not in the --k8s files; add it "
                                           f"(e.g. `kubectl get {unknown[0].split()[0].lower()} "
                                           f"{unknown[0].split()[1]} -o yaml`)"))
            continue
        folder = mat.folder()
        for rel, (data, desc) in files.items():
            if not mat.write(folder, rel, data, _is_private(rel, data)):
                unsafe.append(UnsafeEntry(origin, "items[].path", rel, "clashes with another entry of the volume "
                                          "(a file where a folder is needed, or the reverse)"))
                continue
            entries[rel] = desc
            file_modes.setdefault(rel, default_mode if default_mode is not None else DEFAULT_FILE_MODE)
        k8s_modes = {"file_modes": file_modes, "volume": vname, "default_mode_set": default_mode is not None}
        if sub and relative_path_problem(sub) is not None:
            unsafe.append(UnsafeEntry(origin, "subPath", sub, relative_path_problem(sub) or ""))
            mounts.append(Mount(target, None, f"{origin} (subPath {shown(sub)})", is_file=True, entries={},
                                unreadable=f"subPath {shown(sub)} is not a relative path inside the volume"))
        elif sub:
            sub = posixpath.normpath(sub)
            if sub in entries:
                mounts.append(Mount(target, str(folder / sub), f"{origin} (subPath {sub})", is_file=True,
                                    entries={".": entries[sub]},
                                    **{**k8s_modes, "file_modes": {".": file_modes[sub]}}))
            else:
                keys = ", ".join(sorted(entries)) or "no keys"
                mounts.append(Mount(target, None, f"{origin} (subPath {sub})", is_file=True, entries={},
                                    unreadable=f"subPath {sub} is not among {keys} of {origin}"))
        else:
            mounts.append(Mount(target, str(folder), origin, entries=entries, **k8s_modes))
    return mounts


# --- a Secret alone -----------------------------------------------------------------------------------------------

# Secret key names -> the role they play (role values of model.Role), first match wins per role.
SECRET_KEY_ROLES = (("server.pem", "server_pem"), ("tls.crt", "server_pem"), ("server.key", "server_key"),
                    ("tls.key", "server_key"), ("ca.pem", "ca_pem"), ("ca.crt", "ca_pem"),
                    ("client.pem", "client_pem"), ("client.crt", "client_pem"), ("client.key", "client_key"))


def _secret_alone(sources: Mapping[tuple[str, str], Source], mat: SecretFolder, view: "K8sView") -> None:
    """No workload was given: the Secrets' keys are mapped by name to the roles (no mounts, no tlsMode)."""
    view.workload = False
    secrets = [s for (kind, _), s in sources.items() if kind == "Secret"]
    for src in secrets:
        folder = mat.folder()
        entries = {}
        for key, data in src.data.items():
            if mat.write(folder, key, data, _is_private(key, data)):   # keys were checked when the Secret was read
                entries[key] = src.describe(key)
        view.mounts.append(Mount(f"/(Secret {src.name})", str(folder), f"Secret {src.name} ({Path(src.origin).name})",
                                 entries=entries))
        for key, role in SECRET_KEY_ROLES:
            if key in src.data and role not in view.secret_files:
                view.secret_files[role] = str(folder / key)
                view.secret_keys[role] = f"{key} of Secret {src.name}"
    names = ", ".join(f"Secret {s.name}" for s in secrets)
    labels = {"server_pem": "tls.serverPemPath", "server_key": "tls.serverKeyPath", "ca_pem": "tls.caPemPath",
              "client_pem": "client_pem_path", "client_key": "client_key_path"}
    mapped = ", ".join(f"{k} as {labels[r]}" for r, k in view.secret_keys.items())
    view.pod = names
    view.notes.append(f"Kubernetes: only {names} was given, no workload (Deployment, StatefulSet, Pod, Milvus custom "
                      f"resource or Helm values): its keys were read by name ({mapped or 'no known key names'}); the "
                      "volume mounts, file modes and tlsMode were not checked (add the workload's manifest with --k8s)")


# --- Helm values and Ingress objects -------------------------------------------------------------------------------

# Top-level values the chart (zilliztech/milvus-helm templates/config.tpl) never renders into milvus.yaml, though
# users write them as if it did (`--set common.security.tlsMode=1`).
_HELM_UNRENDERED_TOP = ("common", "tls", "internaltls")
# The chart's default ingress.annotations (values.yaml); Helm merges the user's map over them.
HELM_INGRESS_ANNOTATIONS = {"nginx.ingress.kubernetes.io/backend-protocol": "GRPC",
                            "nginx.ingress.kubernetes.io/listen-ports-ssl": "[19530]",
                            "nginx.ingress.kubernetes.io/proxy-body-size": "4m",
                            "nginx.ingress.kubernetes.io/ssl-redirect": "true"}


def _helm_ignored(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for top in _HELM_UNRENDERED_TOP:
        if isinstance(values.get(top), Mapping):
            out += [(k, as_text(v)) for k, v in flatten(values[top], top)]
    http = (values.get("proxy") or {}).get("http") if isinstance(values.get("proxy"), Mapping) else None
    if isinstance(http, Mapping):
        # the chart's own default (proxy.http.enabled: true) is as inert as anything the user sets there
        out += [(k, as_text(v)) for k, v in flatten(http, "proxy.http") if k != "proxy.http.debugMode.enabled"]
    return out


def _helm_facts(values: Mapping[str, Any], origin: str, sources: Mapping[tuple[str, str], Source],
                pod: PodContext, mounts: list[Mount]) -> HelmFacts:
    tls = (values.get("proxy") or {}).get("tls") if isinstance(values.get("proxy"), Mapping) else None
    tls = tls if isinstance(tls, Mapping) else {}
    name = str(tls.get("secretName") or "")
    src = sources.get(("Secret", name)) if name else None
    mounted: list[str] = []
    vols = {str(v.get("name")): v for v in pod.volumes if isinstance(v, Mapping) and v.get("name")}
    for vm in pod.mounts:
        if not isinstance(vm, Mapping):
            continue
        srcs = _volume_sources(vols.get(str(vm.get("name") or "")) or {}) or []
        if name and any(kind == "Secret" and n == name for kind, n, _, _ in srcs):
            mounted.append(str(vm.get("mountPath")))
    extra = values.get("extraConfigFiles")
    extra_yaml = str(extra.get("user.yaml") or "") if isinstance(extra, Mapping) else ""
    has_extra = any(line.strip() and not line.lstrip().startswith("#") for line in extra_yaml.splitlines())
    return HelmFacts(Path(origin).name, tls.get("enabled") is True, name, bool(tls.get("crt") and tls.get("key")),
                     tuple(sorted(src.data)) if src is not None else None, tuple(mounted),
                     tuple(_helm_ignored(values)), has_extra)


def _ingress_secret_certs(names: list[str], sources: Mapping[tuple[str, str], Source],
                          mat: SecretFolder) -> dict[str, str]:
    """The ingress TLS Secrets' certificates (tls.crt), materialised so the rules can read their names."""
    out: dict[str, str] = {}
    for name in names:
        src = sources.get(("Secret", name))
        if src is None or "tls.crt" not in src.data:
            continue
        folder = mat.folder()
        if mat.write(folder, "tls.crt", src.data["tls.crt"], False):
            out[name] = str(folder / "tls.crt")
    return out


def _ingress_of(name: str, source: str, annotations: Any, tls: Any, rules: Any,
                sources: Mapping[tuple[str, str], Source], mat: SecretFolder) -> IngressFacts:
    ann = {str(k): as_text(v) for k, v in (annotations or {}).items()} if isinstance(annotations, Mapping) else {}
    entries = []
    for t in tls or []:
        if isinstance(t, Mapping):
            entries.append((tuple(str(h) for h in t.get("hosts") or []), str(t.get("secretName") or "")))
    hosts = tuple(str(r.get("host")) for r in rules or [] if isinstance(r, Mapping) and r.get("host"))
    certs = _ingress_secret_certs([s for _, s in entries if s], sources, mat)
    return IngressFacts(name, source, ann, tuple(entries), hosts, certs)


def _ingresses(docs: list[tuple[str, Any]], helm: list[tuple[str, Mapping[str, Any]]],
               sources: Mapping[tuple[str, str], Source], mat: SecretFolder) -> list[IngressFacts]:
    out = []
    for origin, doc in docs:
        if doc.get("kind") != "Ingress":
            continue
        name = str((doc.get("metadata") or {}).get("name") or "(unnamed)")
        spec = doc.get("spec") or {}
        out.append(_ingress_of(name, f"Ingress {name} ({Path(origin).name})",
                               (doc.get("metadata") or {}).get("annotations"), spec.get("tls"), spec.get("rules"),
                               sources, mat))
    for origin, values in helm:
        ing = values.get("ingress")
        if isinstance(ing, Mapping) and ing.get("enabled") is True:
            ann = ing.get("annotations") if isinstance(ing.get("annotations"), Mapping) else {}
            out.append(_ingress_of("(Helm)", f"Helm values ingress ({Path(origin).name})",
                                   {**HELM_INGRESS_ANNOTATIONS, **ann},
                                   ing.get("tls"), ing.get("rules"), sources, mat))
    return out


# --- what the chart and the operator render for Milvus's links (etcd.endpoints, minio.*) --------------------------
# Each rendered key is its own Layer, labelled with the value that made it ("externalS3.useSSL of values.yaml"), so
# the TLS map names what the user wrote. Helm (zilliztech/milvus-helm @98324768, chart 5.0.19,
# charts/milvus/templates/config.tpl) renders them into default.yaml, below extraConfigFiles' user.yaml; the Milvus
# Operator (zilliztech/milvus-operator @a6dcc638, pkg/controllers/configmaps.go updateConfigMap) forces them over
# spec.config. docs/links.md part 6.

# Placeholders for what a values file or a CR does not say (Helm's release name and namespace).
HELM_RELEASE, HELM_NAMESPACE = "RELEASE", "NAMESPACE"
# the chart's externalS3 keys rendered under minio: (config.tpl), besides host/port/useSSL
_HELM_S3_KEYS = (("bucketName", "bucketName"), ("rootPath", "rootPath"), ("useIAM", "useIAM"),
                 ("cloudProvider", "cloudProvider"), ("region", "region"), ("useVirtualHost", "useVirtualHost"))


def _nested(key: str, value: Any) -> dict:
    out: Any = value
    for part in reversed(key.split(".")):
        out = {part: out}
    return out


def _part(values: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    got = values.get(name)
    return got if isinstance(got, Mapping) else {}


def _helm_rendered(values: Mapping[str, Any], origin: str, notes: list[str]) -> list[Layer]:
    """The chart's etcd.endpoints and minio.{address,port,useSSL,...} from the values (config.tpl): externalEtcd /
    externalS3 when enabled, else the in-cluster etcd and MinIO subcharts' service names."""
    fname = Path(origin).name
    layers: list[Layer] = []

    def put(key: str, value: Any, said: str) -> None:
        layers.append(Layer(said, _nested(key, value)))

    ext_etcd, etcd = _part(values, "externalEtcd"), _part(values, "etcd")
    if ext_etcd.get("enabled") is True:
        endpoints = ext_etcd.get("endpoints")
        if isinstance(endpoints, list) and endpoints:
            put("etcd.endpoints", [str(e) for e in endpoints], f"externalEtcd.endpoints of {fname}")
        else:
            notes.append(f"Helm: externalEtcd.enabled in {fname} without externalEtcd.endpoints: the chart renders no "
                         "etcd endpoint")
    elif etcd.get("enabled", True) is not False:
        port = _part(_part(values, "etcd"), "service").get("port", 2379)
        replicas = etcd.get("replicaCount", 3)
        domain = str(values.get("clusterDomain") or "cluster.local")
        count = replicas if isinstance(replicas, int) and 0 < replicas <= 9 else 3
        put("etcd.endpoints", [f"{HELM_RELEASE}-etcd-{i}.{HELM_RELEASE}-etcd-headless.{HELM_NAMESPACE}.svc.{domain}:"
                               f"{port}" for i in range(count)],
            f"the chart's in-cluster etcd of {fname} ({HELM_RELEASE}: the Helm release, {HELM_NAMESPACE}: its "
            "namespace)")
    ext_s3, minio = _part(values, "externalS3"), _part(values, "minio")
    if ext_s3.get("enabled") is True:
        put("minio.address", str(ext_s3.get("host") or ""), f"externalS3.host of {fname}")
        if str(ext_s3.get("port") or "") == "":
            notes.append(f"Helm: externalS3.port is not set in {fname} (the chart's default is empty): Milvus gets no "
                         "minio.port; set it (443 for TLS)")
        else:
            put("minio.port", str(ext_s3["port"]), f"externalS3.port of {fname}")
        if "useSSL" in ext_s3:
            put("minio.useSSL", ext_s3["useSSL"], f"externalS3.useSSL of {fname}")
        else:
            put("minio.useSSL", False, f"the chart's default externalS3.useSSL (false), {fname} does not set it")
        for value_key, milvus_key in _HELM_S3_KEYS:
            if value_key in ext_s3 and ext_s3[value_key] not in (None, ""):
                put(f"minio.{milvus_key}", ext_s3[value_key], f"externalS3.{value_key} of {fname}")
    elif minio.get("enabled", True) is not False:
        tls = _part(minio, "tls")
        put("minio.address", f"{HELM_RELEASE}-minio", f"the chart's in-cluster MinIO of {fname} ({HELM_RELEASE}: the "
            "Helm release)")
        put("minio.port", str(_part(minio, "service").get("port", 9000)),
            f"minio.service.port of {fname}" if "port" in _part(minio, "service") else
            f"the chart's default minio.service.port (9000), {fname} does not set it")
        put("minio.useSSL", tls.get("enabled") is True,
            f"minio.tls.enabled of {fname}" if "enabled" in tls else
            f"the MinIO subchart's default minio.tls.enabled (false), {fname} does not set it")
    return layers


def _operator_host_port(endpoint: str, secure: bool) -> tuple[str, str]:
    """GetStorageHostPort: net.SplitHostPort, and without a port 443 when spec.config.minio.useSSL is true, else
    80."""
    if endpoint.startswith("[") and "]:" in endpoint:
        host, port = endpoint[1:].split("]:", 1)
        return host, port
    if endpoint.count(":") == 1:
        host, port = endpoint.split(":")
        return host, port
    return endpoint.strip("[]"), "443" if secure else "80"


def _operator_rendered(cr: Mapping[str, Any], origin: str) -> tuple[list[Layer], list[Any]]:
    """The keys the operator forces over spec.config (etcd.endpoints, minio.address, minio.port) and, when
    `dependencies.storage.ssl.enabled` is true, the S3 endpoint it describes (S3Server kind "operator": the operator's
    own health check dials it with TLS; whether Milvus does is spec.config.minio.useSSL alone)."""
    from ..facts.deployment import S3Listener, S3Server, parse_bool
    meta = cr.get("metadata") if isinstance(cr.get("metadata"), Mapping) else {}
    name, ns = str(meta.get("name") or "(unnamed)"), str(meta.get("namespace") or "default")
    label = f"Milvus {name} ({Path(origin).name})"
    spec = cr.get("spec") if isinstance(cr.get("spec"), Mapping) else {}
    deps = _part(spec, "dependencies")
    config = _part(spec, "config")
    layers: list[Layer] = []
    etcd = _part(deps, "etcd")
    endpoints = etcd.get("endpoints")
    if etcd.get("external") is True and isinstance(endpoints, list) and endpoints:
        layers.append(Layer(f"dependencies.etcd.endpoints of {label}, forced by the operator",
                            _nested("etcd.endpoints", [str(e) for e in endpoints])))
    elif etcd.get("external") is not True:
        replicas = _part(_part(etcd, "inCluster"), "values").get("replicaCount", 3)
        count = replicas if isinstance(replicas, int) and 0 < replicas <= 9 else 3
        layers.append(Layer(f"the operator's in-cluster etcd of {label}", _nested(
            "etcd.endpoints", [f"{name}-etcd-{i}.{name}-etcd-headless.{ns}:2379" for i in range(count)])))
    storage = _part(deps, "storage")
    said_endpoint = str(storage.get("endpoint") or "")
    secure = parse_bool(as_text(_part(config, "minio").get("useSSL", ""))) is True
    host, port = _operator_host_port(said_endpoint or f"{name}-minio.{ns}:9000", secure)
    where = (f"dependencies.storage.endpoint of {label}" if said_endpoint else
             f"the operator's in-cluster MinIO of {label}")
    layers.append(Layer(f"{where}, forced by the operator", _nested("minio.address", host)))
    port_said = where if ":" in said_endpoint.rsplit("]", 1)[-1] or not said_endpoint else (
        f"{where} has no port: the operator writes {port} (spec.config.minio.useSSL is "
        f"{'true' if secure else 'not true'})")
    layers.append(Layer(f"{port_said}, forced by the operator", _nested("minio.port", port)))
    servers: list[Any] = []
    if _part(storage, "ssl").get("enabled") is True:
        servers.append(S3Server(host, f"dependencies.storage of {label}",
                                (S3Listener(port, True, how="dependencies.storage.ssl.enabled is true"),),
                                kind="operator", owner=f"milvus {name} -n {ns}"))
    return layers, servers


# --- entry point ------------------------------------------------------------------------------------------------

def read_k8s(paths: list[str], secrets: SecretFolder) -> K8sView:
    """Read the manifests; Secret and ConfigMap contents the pod mounts are written into `secrets`."""
    view = K8sView(list(paths))
    docs = _documents(paths)
    if not docs:
        raise DeploymentError(f"--k8s {', '.join(paths)}: no YAML documents")
    sources: dict[tuple[str, str], Source] = {}
    crs: list[tuple[str, Mapping[str, Any]]] = []
    helm: list[tuple[str, Mapping[str, Any]]] = []
    for origin, doc in docs:
        kind = doc.get("kind")
        if kind == "Secret":
            s = _secret(doc, origin, view.notes, view.unsafe)
            sources[("Secret", s.name)] = s
        elif kind == "ConfigMap":
            s = _configmap(doc, origin, view.unsafe)
            sources[("ConfigMap", s.name)] = s
        elif kind in ("Milvus", "MilvusCluster") and str(doc.get("apiVersion", "")).startswith("milvus.io/"):
            crs.append((origin, doc))
        elif _is_helm_values(doc):
            helm.append((origin, doc))
    for origin, values in helm:
        s = _helm_secret(values, origin, view.notes)
        if s is not None and ("Secret", s.name) not in sources:
            sources[("Secret", s.name)] = s
        tls = ((values.get("proxy") or {}).get("tls") or {})
        name = str(tls.get("secretName") or "") if isinstance(tls, Mapping) else ""
        if isinstance(tls, Mapping) and tls.get("enabled") is True and ("Secret", name) not in sources:
            view.notes.append(f"Helm: proxy.tls.enabled in {Path(origin).name} without crt/key: the chart creates no "
                              f"Secret, so {name or 'proxy.tls.secretName'} must exist already; add its manifest with "
                              f"--k8s (kubectl get secret {name or 'NAME'} -o yaml)")

    view.ingresses = _ingresses(docs, helm, sources, secrets)
    pod = _pod_from_workloads(docs, view.notes)
    view.layout = "manifests"
    if pod is None and crs:
        pod = _pod_from_cr(crs[0][1], crs[0][0], view.notes)
        view.layout = "operator"
    if pod is None and helm:
        pod = _pod_from_helm(helm[0][1], helm[0][0], view.notes)
        view.layout = "helm"
    if pod is None and any(kind == "Secret" for kind, _ in sources) and not crs and not helm:
        _secret_alone(sources, secrets, view)
        view.tempdir = secrets.path
        view.layout = "secret"
        return view
    if pod is None and view.ingresses:
        view.workload = False
        view.layout = "ingress"
        view.tempdir = secrets.path
        view.pod = ", ".join(i.source for i in view.ingresses)
        view.notes.append("Kubernetes: only Ingress objects were given, no Milvus workload: the backend's tlsMode is "
                          "not known (add the Milvus manifests, CR or Helm values with --k8s)")
        return view
    if pod is None:
        raise DeploymentError(f"--k8s {', '.join(paths)}: no Milvus workload, Milvus custom resource or Helm values "
                              "(found only: " + ", ".join(sorted({str(d.get('kind') or 'values?') for _, d in docs})) + ")")
    view.pod = pod.label
    view.image, view.image_source = pod.image, pod.image_source

    # Config layers, lowest first: what the pod mounts at /milvus/configs, then Helm's/the Operator's user.yaml.
    view.mounts = _mounts(pod, sources, secrets, view.notes, view.unsafe)
    if pod.local_mounts:
        from dataclasses import replace
        view.mounts = [replace(m, scope=pod.scope) if m.target in pod.local_mounts else m for m in view.mounts]
    view.cluster = pod.cluster
    if helm:
        view.helm = _helm_facts(helm[0][1], helm[0][0], sources, pod, view.mounts)
    view.tempdir = secrets.path
    for name in CONFIG_FILES:
        r = resolve(view.mounts, f"{CONFIG_DIR}/{name}")
        if r.host and Path(r.host).is_file():
            text = read_text(r.host, "mounted config")
            what = (r.mount.entries or {}).get(".") or r.mount.origin
            data = load_yaml(text, f"{r.container} ({what})")
            if isinstance(data, Mapping):
                view.layers.append(Layer(f"{name} ({what})", data))
    for origin, values in helm:
        # The chart's config.tpl renders only proxy.port/internalPort under proxy: values such as
        # proxy.http.enabled, common.security.tlsMode or tls.* never reach Milvus (only extraConfigFiles does).
        ignored = _helm_ignored(values)
        if ignored:
            view.notes.append(f"Helm: {', '.join(k for k, _ in ignored)} in {Path(origin).name} "
                              "are not rendered into Milvus's configuration by the chart (only extraConfigFiles "
                              "is); Milvus does not see them")
        # config.tpl's default.yaml lies below extraConfigFiles' user.yaml (user.yaml wins)
        view.layers += _helm_rendered(values, origin, view.notes)
        extra = (values.get("extraConfigFiles") or {})
        if isinstance(extra, Mapping) and extra.get("user.yaml"):
            label = f"Helm values extraConfigFiles.user.yaml ({Path(origin).name})"
            data = load_yaml(str(extra["user.yaml"]), label)
            if isinstance(data, Mapping):
                view.layers.append(Layer(label, data))
            elif data is not None:
                raise DeploymentError(f"{label}: not a YAML mapping")
    for origin, cr in crs:
        config = (cr.get("spec") or {}).get("config")
        if isinstance(config, Mapping) and config:
            name = (cr.get("metadata") or {}).get("name") or "(unnamed)"
            view.layers.append(Layer(f"Milvus {name} spec.config ({Path(origin).name})", config))
        # the operator writes these after merging spec.config: they win over it
        forced, servers = _operator_rendered(cr, origin)
        view.layers += forced
        view.s3_servers += servers
    if pod.env:
        view.layers.append(Layer(f"env of {pod.label}", dict(pod.env), env=True))
    return view


def read_into(draft: Draft, given: Mapping[str, Any], run: ReadRun) -> None:
    """--k8s: Secret and ConfigMap contents are written into `run.secrets` (the caller closes it after the run)."""
    files = list(given["k8s"])
    if run.secrets is None:
        raise ValueError("the --k8s reader needs a SecretFolder the caller closes after the run (secrets=...)")
    kv = read_k8s(files, run.secrets)
    draft.mounts += kv.mounts
    draft.layers += kv.layers
    draft.notes += kv.notes
    draft.k8s = K8sOrigin(tuple(files), kv.pod, kv.tempdir, cluster=kv.cluster, layout=kv.layout)
    if kv.image and draft.image is None:
        draft.image = MilvusImage(kv.image, image_tag(kv.image), kv.image_source)
    if kv.tempdir:
        draft.notes.append("Kubernetes: Secret and ConfigMap contents were copied into a private temporary folder "
                           "(0700, keys 0600) for this run only and are removed at exit; key material is never printed")
    if kv.workload:
        draft.notes.append(f"Kubernetes: checked {kv.pod}")
        draft.has_config = draft.mounted = True
    draft.secret_files.update(kv.secret_files)
    draft.helm = kv.helm
    draft.ingresses += kv.ingresses
    draft.unsafe_entries += kv.unsafe
    draft.s3_servers += kv.s3_servers
