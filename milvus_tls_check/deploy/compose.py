"""docker-compose.yml: the Milvus service, its volume mounts (short and long syntax), secrets/configs, environment.

Compose interpolates `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR:+alt}`, `$VAR` and
`$$` with the shell environment over the project's `.env` file; relative host paths are relative to the compose
file's folder. That is what this module reproduces, so a container path maps to the host file Docker would bind.

One difference, on purpose: the doctor's own environment (a CI job's tokens) is not a source of values unless the
user names the variable (`--compose-env NAME`); otherwise a `${TOKEN}` in the file would put the token into the
report. A variable the file uses that is set only in the environment is named in a note (never its value) and
treated as unset. The project's `.env` and `env_file:` files are the deployment's own and are read (bounded,
regular files only).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional

from ..facts.deployment import ComposeOrigin, MilvusImage, image_tag
from .common import (DeploymentError, Draft, Layer, Mount, ReadRun, load_yaml, read_optional_text, read_text,
                     resolve)
from .milvus_yaml import parse_config_text

# This reader's command-line flags, declared once (facts/deploy_readers.py reads them for the CLI, fleet files
# and request.py without importing this module: a literal only).
FLAGS = (
    {"order": 20, "option": "compose", "flag": "--compose", "path": True, "trigger": True,
     "help": "docker-compose.yml: resolve container paths through the volume mounts"},
    {"order": 21, "option": "compose_env", "flag": "--compose-env", "repeatable": True, "metavar": "NAME",
     "help": "an environment variable Compose interpolation may take from the doctor's environment "
             "(repeatable; by default only the project's .env is used, so a CI secret is never "
             "substituted into the report)"},
    {"order": 22, "option": "service", "flag": "--service",
     "help": "the Compose service that runs Milvus (default: the one that mounts milvus.yaml)"},
)

CONFIG_DIR = "/milvus/configs"
CONFIG_FILES = ("milvus.yaml", "default.yaml", "user.yaml")   # the order Milvus layers them
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


# --- interpolation -------------------------------------------------------------------------------------------

class Variables(dict):
    """The values interpolation may use; remembers the names it was asked for that are set only in the doctor's
    environment (`held_back`: names, never values)."""

    def __init__(self, values: Mapping[str, str], environment_names: frozenset = frozenset()):
        super().__init__(values)
        self.environment_names = environment_names
        self.held_back: set[str] = set()

    def get(self, name: Any, default: Any = None) -> Any:
        if name not in self and name in self.environment_names:
            self.held_back.add(name)
        return super().get(name, default)


def read_env_file(path: Path, required: bool = False) -> dict[str, str]:
    out: dict[str, str] = {}
    text = read_text(str(path), "env file") if required else read_optional_text(str(path), "env file")
    if text is None:
        return out
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[7:].lstrip()
        name, sep, value = line.partition("=")
        if not sep:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        out[name.strip()] = value
    return out


def interpolate(text: str, env: Mapping[str, str], where: str = "") -> str:
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c != "$":
            out.append(c)
            i += 1
            continue
        if text.startswith("$$", i):
            out.append("$")
            i += 2
            continue
        if text.startswith("${", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("${", j):
                    depth, j = depth + 1, j + 2
                    continue
                if text[j] == "}":
                    depth -= 1
                j += 1
            if depth:
                raise DeploymentError(f"{where}: unterminated ${{...}} in {text!r}")
            out.append(_expand(text[i + 2:j - 1], env, where))
            i = j
            continue
        m = _NAME.match(text, i + 1)
        if m:
            out.append(env.get(m.group(0), ""))
            i = m.end()
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _expand(body: str, env: Mapping[str, str], where: str) -> str:
    m = _NAME.match(body)
    if not m:
        raise DeploymentError(f"{where}: invalid interpolation ${{{body}}}")
    name, rest = m.group(0), body[m.end():]
    value = env.get(name)
    if not rest:
        return value or ""
    for op in (":-", ":?", ":+", "-", "?", "+"):
        if rest.startswith(op):
            word = rest[len(op):]
            unset_or_empty = not value if op.startswith(":") else value is None
            if op.endswith("-"):
                return interpolate(word, env, where) if unset_or_empty else value
            if op.endswith("?"):
                if unset_or_empty:
                    held = isinstance(env, Variables) and name in env.held_back
                    raise DeploymentError(f"{where}: required variable {name} is missing: "
                                          f"{interpolate(word, env, where) or 'no message'}" +
                                          (f" (it is set in the environment; the doctor reads it from there only "
                                           f"with --compose-env {name})" if held else ""))
                return value
            return "" if unset_or_empty else interpolate(word, env, where)
    raise DeploymentError(f"{where}: invalid interpolation ${{{body}}}")


def _interpolate_tree(node: Any, env: Mapping[str, str], where: str) -> Any:
    if isinstance(node, str):
        return interpolate(node, env, where)
    if isinstance(node, list):
        return [_interpolate_tree(v, env, where) for v in node]
    if isinstance(node, dict):
        return {k: _interpolate_tree(v, env, where) for k, v in node.items()}
    return node


# --- the compose model -----------------------------------------------------------------------------------------

@dataclass
class ComposeView:
    file: str
    service: str
    mounts: list[Mount] = field(default_factory=list)
    env: Optional[Layer] = None
    config_files: list[tuple[str, str]] = field(default_factory=list)   # (container path, host path) in Milvus order
    grpc_port: Optional[str] = None       # host port published for 19530
    notes: list[str] = field(default_factory=list)
    serves_443: tuple[str, ...] = ()      # services of the file that publish host port 443 (Milvus, or a proxy)
    image: Optional[str] = None           # the service's `image:` as written (after interpolation)
    etcd_servers: list = field(default_factory=list)   # facts.deployment.EtcdServer (deploy/etcd_service.py)
    s3_servers: list = field(default_factory=list)     # facts.deployment.S3Server (deploy/objectstore_service.py)


def _words(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


def _is_host_path(src: str) -> bool:
    return src.startswith(("/", ".", "~"))


def _host(src: str, base: Path) -> str:
    p = Path(os.path.expanduser(src))
    return str(p if p.is_absolute() else (base / p))


def _mounts(name: str, svc: Mapping[str, Any], top: Mapping[str, Any], base: Path, label: str) -> list[Mount]:
    mounts: list[Mount] = []
    for entry in svc.get("volumes") or []:
        if isinstance(entry, str):
            parts = entry.split(":")
            if len(parts) == 1:
                mounts.append(Mount(parts[0], None, f"anonymous volume {parts[0]} of service {name}",
                                    unreadable="an anonymous volume starts empty"))
                continue
            src, target = parts[0], parts[1]
            kind = "bind" if _is_host_path(src) else "volume"
            shown = f"volume {src}:{target} of service {name} ({label})"
        elif isinstance(entry, Mapping):
            kind = str(entry.get("type") or ("bind" if _is_host_path(str(entry.get("source", ""))) else "volume"))
            src, target = str(entry.get("source") or ""), str(entry.get("target") or "")
            shown = f"{kind} mount {src or '(none)'} -> {target} of service {name} ({label})"
        else:
            continue
        if not target:
            continue
        if kind == "bind":
            host = _host(src, base)
            mounts.append(Mount(target, host, shown, is_file=Path(host).is_file()))
        elif kind == "tmpfs":
            mounts.append(Mount(target, None, shown, unreadable="a tmpfs mount starts empty"))
        else:
            mounts.append(Mount(target, None, shown,
                                unreadable=f"named volume {src!r} lives inside Docker, not in a folder the doctor can read"))
    for section, default_dir in (("secrets", "/run/secrets"), ("configs", "")):
        defined = top.get(section) or {}
        for entry in svc.get(section) or []:
            src = entry if isinstance(entry, str) else (entry.get("source") if isinstance(entry, Mapping) else None)
            if not src:
                continue
            target = (entry.get("target") if isinstance(entry, Mapping) else None) or src
            if not str(target).startswith("/"):
                target = f"{default_dir}/{target}"
            spec = defined.get(src) if isinstance(defined, Mapping) else None
            shown = f"{section[:-1]} {src} of service {name} ({label})"
            if isinstance(spec, Mapping) and spec.get("file"):
                mounts.append(Mount(str(target), _host(str(spec["file"]), base), shown + f" from {spec['file']}",
                                    is_file=True))
            else:
                mounts.append(Mount(str(target), None, shown, is_file=True,
                                    unreadable=f"{section[:-1]} {src} is not a file: source in this compose file"))
    return mounts


def _env(name: str, svc: Mapping[str, Any], base: Path, shell: Variables) -> dict[str, str]:
    env: dict[str, str] = {}
    files = svc.get("env_file") or []
    for f in [files] if isinstance(files, (str, Mapping)) else files:
        path = f.get("path") if isinstance(f, Mapping) else f
        if path:
            required = f.get("required", True) is not False if isinstance(f, Mapping) else True
            env.update(read_env_file(Path(_host(str(path), base)), required=required))
    raw = svc.get("environment") or {}
    items = raw.items() if isinstance(raw, Mapping) else (
        (e.partition("=")[0], e.partition("=")[2] if "=" in e else None) for e in raw if isinstance(e, str))
    for k, v in items:
        if v is None:
            value = shell.get(k)
            if value is not None:
                env[str(k)] = value
            continue
        env[str(k)] = "true" if v is True else "false" if v is False else str(v)
    return env


def _published(svc: Mapping[str, Any], container_port: int = 19530) -> Optional[str]:
    for p in svc.get("ports") or []:
        if isinstance(p, Mapping):
            if str(p.get("target")) == str(container_port):
                return str(p.get("published") or container_port)
            continue
        text = str(p).split("/")[0]
        parts = text.split(":")
        if parts[-1] == str(container_port):
            return parts[-2] if len(parts) >= 2 and parts[-2] else str(container_port)
    return None


def _publishes(svc: Mapping[str, Any], host_port: int) -> bool:
    """Does the service publish this host port (`443:19530`, `0.0.0.0:443:8443/tcp`, long syntax published: 443)?"""
    for p in svc.get("ports") or []:
        if isinstance(p, Mapping):
            if str(p.get("published", "")).strip() == str(host_port):
                return True
            continue
        parts = str(p).split("/")[0].split(":")
        if len(parts) >= 2 and parts[-2].strip() == str(host_port):
            return True
    return False


def _score(svc: Mapping[str, Any]) -> int:
    words = _words(svc.get("entrypoint")) + _words(svc.get("command"))
    score = 0
    if any(w == "milvus" or w.endswith("/milvus") for w in words):
        score += 4
        if "run" in words and any(w in ("standalone", "proxy") for w in words):
            score += 2
    if "milvusdb/milvus" in str(svc.get("image") or ""):
        score += 1
    for v in svc.get("volumes") or []:
        target = v.split(":")[1] if isinstance(v, str) and ":" in v else (v.get("target") if isinstance(v, Mapping) else "")
        if str(target).startswith(CONFIG_DIR + "/"):
            score += 3
            break
    return score


def read_compose(path: str, service: Optional[str] = None, shell_env: Optional[Mapping[str, str]] = None,
                 environment_names: frozenset = frozenset()) -> ComposeView:
    """`shell_env`: the environment variables Compose interpolation may take (those the user named with
    --compose-env); `environment_names`: the names of every variable set in the environment, so a variable held
    back can be named in a note."""
    text = read_text(path, "--compose")
    base = Path(path).resolve().parent
    shell = Variables(dict(shell_env or {}), environment_names)
    env_for_interp = Variables({**read_env_file(base / ".env"), **shell}, environment_names)
    data = load_yaml(text, path)
    if not isinstance(data, Mapping) or not isinstance(data.get("services"), Mapping):
        raise DeploymentError(f"--compose {path}: no `services:` mapping; not a Compose file")
    data = _interpolate_tree(data, env_for_interp, path)
    services: Mapping[str, Any] = data["services"]
    notes: list[str] = []
    if service is not None:
        if service not in services:
            raise DeploymentError(f"--service {service}: not in {path} (services: {', '.join(services)})")
        chosen = service
    else:
        scored = sorted(((_score(s or {}), i, n) for i, (n, s) in enumerate(services.items())),
                        key=lambda t: (-t[0], t[1]))
        if not scored or scored[0][0] == 0:
            raise DeploymentError(f"--compose {path}: no service runs Milvus or mounts {CONFIG_DIR}/milvus.yaml "
                                  f"(services: {', '.join(services)}); name it with --service")
        chosen = scored[0][2]
        others = [n for s, _, n in scored[1:] if s == scored[0][0]]
        if others:
            notes.append(f"Compose: several services look like Milvus ({', '.join([chosen] + others)}); "
                         f"checked {chosen} (choose with --service)")
    svc = services[chosen] or {}
    label = Path(path).name
    mounts = _mounts(chosen, svc, data, base, label)
    env = _env(chosen, svc, base, shell)
    image = svc.get("image")
    view = ComposeView(path, chosen, mounts, grpc_port=_published(svc), notes=notes,
                       serves_443=tuple(str(n) for n, s in services.items() if isinstance(s, Mapping) and _publishes(s, 443)),
                       image=str(image) if isinstance(image, (str, int, float)) and str(image).strip() else None)
    if env:
        view.env = Layer(f"environment of service {chosen} ({label})", env, env=True)
    from .etcd_service import etcd_servers
    view.etcd_servers = etcd_servers(services, label, lambda n, s: _mounts(n, s, data, base, label))
    from .objectstore_service import s3_servers
    view.s3_servers = s3_servers(services, label, lambda n, s: _mounts(n, s, data, base, label))
    held = sorted(env_for_interp.held_back | shell.held_back)
    if held:
        view.notes.append(f"Compose: {', '.join(held)} {'is' if len(held) == 1 else 'are'} set in the environment "
                          "the doctor runs in, and Compose would use it; the doctor did not read it (a value from the "
                          "environment may be a secret, and the report would show it) and took the file's default: "
                          "define it in the project's .env, or pass " +
                          " ".join(f"--compose-env {h}" for h in held) + " to take it from the environment")
    for name in CONFIG_FILES:
        r = resolve(mounts, f"{CONFIG_DIR}/{name}")
        if r.host and Path(r.host).is_file():
            view.config_files.append((r.container, r.host))
    return view


def read_into(draft: Draft, given: Mapping[str, Any], run: ReadRun) -> None:
    """--compose (with --service, --compose-env): the service's mounts, environment and image; the config files it
    mounts become layers only when no Milvus config file was given on the host (--milvus-yaml)."""
    compose, service = given.get("compose"), given.get("service")
    if not compose:
        if service:
            raise DeploymentError("--service needs --compose")
        return
    environ = {k: run.environ[k] for k in given.get("compose_env") or () if k in run.environ}
    cv = read_compose(compose, service, environ, run.environment_names)
    draft.mounts += cv.mounts
    draft.notes += cv.notes
    draft.compose = ComposeOrigin(cv.file, cv.service, cv.grpc_port, cv.serves_443)
    draft.etcd_servers += cv.etcd_servers
    draft.s3_servers += cv.s3_servers
    if cv.image and draft.image is None:
        draft.image = MilvusImage(cv.image, image_tag(cv.image), f"image of service {cv.service} ({Path(compose).name})")
    if not draft.config_files:
        for container, host in cv.config_files:
            draft.layers.append(Layer(f"{Path(host).name} mounted at {container}",
                                      parse_config_text(read_text(host, "Compose config file"), host)))
        if cv.config_files:
            draft.notes.append("Compose: read the config service " f"{cv.service} mounts: " +
                               ", ".join(f"{h} at {c}" for c, h in cv.config_files))
        else:
            draft.notes.append(f"Compose: service {cv.service} mounts no milvus.yaml/user.yaml, so Milvus runs with "
                               "the image's built-in configs/milvus.yaml (tlsMode 0) plus its environment")
    if cv.env is not None:
        draft.layers.append(cv.env)
    draft.has_config = draft.mounted = True
