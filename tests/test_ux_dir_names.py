"""Issue 19 item 2: --dir with .crt names (server.crt/server.key/ca.crt, client.crt/client.key) is read; a folder
whose names --dir does not map gets a note that gives each file the flag that takes it, with the real paths."""
from __future__ import annotations

import shlex
from pathlib import Path

from tests.helpers import codes, doctor_json, run_cli

RENAMES_CRT = {"server.pem": "server.crt", "ca.pem": "ca.crt", "client.pem": "client.crt"}
RENAMES_ODD = {"server.pem": "milvus.cert", "server.key": "milvus-key.pem", "ca.pem": "root.pem",
               "client.pem": "app.crt", "client.key": "app.key"}


def _renamed(good_dir: Path, renames: dict[str, str]) -> Path:
    for old, new in renames.items():
        (good_dir / old).rename(good_dir / new)
    return good_dir


def test_crt_names_are_read_as_the_crt_layout(good_dir, capsys):
    folder = _renamed(good_dir, RENAMES_CRT)
    status, report = doctor_json(["--dir", str(folder)], capsys)
    assert status == 0 and not codes(report, "error"), report["findings"]
    assert report["inputs"]["server_pem"] == str(folder / "server.crt")
    assert report["inputs"]["ca_pem"] == str(folder / "ca.crt")
    assert report["inputs"]["client_pem"] == str(folder / "client.crt")
    assert report["inputs"]["client_key"] == str(folder / "client.key")
    assert report["modes"] == [1, 2]
    assert any("read the .crt layout (server.crt as tls.serverPemPath" in n for n in report["notes"])


def test_client_crt_beside_the_docs_names_is_the_client_certificate(good_dir, capsys):
    (good_dir / "client.pem").rename(good_dir / "client.crt")
    status, report = doctor_json(["--dir", str(good_dir)], capsys)
    assert status == 0, report["findings"]
    assert report["inputs"]["server_pem"] == str(good_dir / "server.pem")
    assert report["inputs"]["client_pem"] == str(good_dir / "client.crt")


def test_unmapped_names_get_a_note_with_the_flag_for_each_file(good_dir, capsys):
    folder = _renamed(good_dir, RENAMES_ODD)
    status, out, _ = run_cli(["doctor", "--dir", str(folder), "--no-handshake"], capsys)
    assert status == 1
    note = next(line for line in out.splitlines() if line.startswith(f"  note: --dir {folder}: holds none"))
    command = note.split("give each file with its flag instead: ", 1)[1]
    argv = shlex.split(command)
    assert argv[:2] == ["milvus-tls", "doctor"]
    flags = dict(zip(argv[2::2], argv[3::2]))
    assert flags == {"--server-pem": str(folder / "milvus.cert"), "--server-key": str(folder / "milvus-key.pem"),
                     "--ca-pem": str(folder / "root.pem"), "--client-pem": str(folder / "app.crt"),
                     "--client-key": str(folder / "app.key")}
    # and the command it names works as pasted
    status, report = doctor_json(argv[2:], capsys)
    assert status == 0 and not codes(report, "error"), report["findings"]
    assert report["modes"] == [1, 2]


def test_a_docs_layout_folder_gets_no_such_note(good_dir, capsys):
    status, report = doctor_json(["--dir", str(good_dir)], capsys)
    assert status == 0
    assert not any("holds none of the file names" in n or "layout" in n for n in report["notes"])
