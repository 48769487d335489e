"""Shared test helpers: write certificate sets with the factory and run the doctor the way a user does."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Optional

import pytest

from milvus_tls_check import cli
from milvus_tls_check.certs import CertSet, good_set


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    """Run `milvus-tls ...` in-process; returns (exit status, stdout, stderr)."""
    status = cli.main(args)
    out, err = capsys.readouterr()
    return status, out, err


def doctor_json(args: list[str], capsys) -> tuple[int, dict]:
    status, out, err = run_cli(["doctor", *args, "--format", "json", "--no-handshake"], capsys)
    assert out, f"no report on stdout; stderr: {err}"
    return status, json.loads(out)


def codes(report: dict, severity: Optional[str] = None) -> set[str]:
    return {f["code"] for f in report["findings"] if severity is None or f["severity"] == severity}


@pytest.fixture(scope="session")
def shared_good() -> CertSet:
    """One good set for the session: RSA key generation is the slow part of these tests."""
    return good_set()


@pytest.fixture
def good_dir(tmp_path: Path, shared_good: CertSet) -> Path:
    shared_good.write(tmp_path / "good")
    return tmp_path / "good"


DEPLOY_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "deploy"


@pytest.fixture
def docs(tmp_path, shared_good, monkeypatch) -> Path:
    """A copy of the docs' Compose layout: docker-compose.yml, milvus.yaml, tls/{server.pem,server.key,ca.pem,...}."""
    d = tmp_path / "milvus"
    shutil.copytree(DEPLOY_FIXTURES / "compose", d)
    shared_good.write(d / "tls")
    monkeypatch.delenv("DOCKER_VOLUME_DIRECTORY", raising=False)
    return d
