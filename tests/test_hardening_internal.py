"""Hardening, internal errors: an unexpected exception anywhere in the pipeline is one line on stderr and exit
status 3; --debug adds the traceback (still exit 3). Never a bare traceback as the only output, never exit 1
(which would read as "the material fails")."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from milvus_tls_check import cli, doctor
from tests.certfactory import good_set


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("internal")
    good_set().write(d)
    return d


def _boom(*_args, **_kwargs):
    raise RuntimeError("injected failure\nsecond line of the message")


# Where an unexpected error can come from: loading and rules, the handshakes, rendering.
SITES = {
    "static checks": ("milvus_tls_check.doctor", "static_checks"),
    "rules": ("milvus_tls_check.rules", "run_rules"),
    "handshakes": ("milvus_tls_check.handshake", "run_handshakes"),
    "renderer": ("milvus_tls_check.render.text", "RENDERER"),   # its report function (a frozen Renderer holds it)
}


@pytest.mark.parametrize("site", sorted(SITES))
def test_unexpected_exception_is_one_line_and_exit_3(folder, site, monkeypatch, capsys):
    module, name = SITES[site]
    if site == "renderer":
        from dataclasses import replace
        from milvus_tls_check.render import text
        monkeypatch.setattr(text, "RENDERER", replace(text.RENDERER, report=_boom))
    else:
        monkeypatch.setattr(f"{module}.{name}", _boom)
    if site == "rules":
        monkeypatch.setattr(doctor, "run_rules", _boom)     # doctor imported it by name
    argv = ["doctor", "--dir", str(folder), "--timeout", "3"] + ([] if site == "handshakes" else ["--no-handshake"])
    status = cli.main(argv)
    out, err = capsys.readouterr()
    assert status == cli.EXIT_INTERNAL == 3
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("milvus-tls: internal error: RuntimeError: injected failure second line")
    assert "--debug" in lines[0] and "Traceback" not in err


def test_debug_shows_the_traceback_and_still_exits_3(folder, monkeypatch, capsys):
    monkeypatch.setattr(doctor, "static_checks", _boom)
    status = cli.main(["doctor", "--dir", str(folder), "--no-handshake", "--debug"])
    out, err = capsys.readouterr()
    assert status == 3 and out == ""
    assert err.startswith("Traceback (most recent call last):")
    assert "in _boom" in err and "RuntimeError: injected failure" in err
    assert err.rstrip().splitlines()[-1].startswith("milvus-tls: internal error: RuntimeError")


SCRIPT = textwrap.dedent("""
    import sys
    import milvus_tls_check.doctor as doctor
    def boom(request):
        raise RuntimeError("injected failure")
    doctor.static_checks = boom
    from milvus_tls_check.cli import main
    sys.exit(main(sys.argv[1:]))
""")


@pytest.mark.parametrize("debug", [False, True])
def test_exit_status_3_from_a_real_process(folder, debug):
    """The process status, as CI sees it (a re-raised exception would make Python exit 1)."""
    argv = ["doctor", "--dir", str(folder), "--no-handshake"] + (["--debug"] if debug else [])
    proc = subprocess.run([sys.executable, "-c", SCRIPT, *argv], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 3, proc
    assert proc.stdout == ""
    assert ("Traceback" in proc.stderr) == debug
    assert proc.stderr.rstrip().splitlines()[-1].startswith("milvus-tls: internal error: RuntimeError: injected")


def test_usage_errors_are_not_internal_errors(tmp_path, capsys):
    status = cli.main(["doctor", "--dir", str(tmp_path / "absent")])
    _, err = capsys.readouterr()
    assert status == 2 and err.startswith("milvus-tls: error:") and "Traceback" not in err
