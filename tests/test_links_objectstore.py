"""The Milvus -> object storage link, statically (rules/links.py judge_objectstore, codes objectstore.*): a Compose
file that runs Milvus and MinIO, each code's trigger and its near miss. The same causes ran against real Milvus 2.3.5
and a real S3 behind real nginx TLS (docs/links.md part 3; tests/integration/test_links_objectstore_doctor_real.py)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from certfactory import make_ca, make_leaf
from milvus_tls_check.cli import main

SYSTEM_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


@pytest.fixture(scope="module")
def tls(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("s3-tls")
    ca = make_ca("s3 CA")
    (out / "ca.pem").write_bytes(ca.cert_pem())
    for name, dns in (("good", ("minio", "localhost")), ("wrong-san", ("s3.example",))):
        (out / name).mkdir()
        make_leaf(ca, dns[0], dns=dns, eku=("server",)).write(out / name / "public.crt", out / name / "private.key")
    system = SYSTEM_BUNDLE.read_bytes() if SYSTEM_BUNDLE.is_file() else b""
    (out / "bundle.crt").write_bytes(system + ca.cert_pem())
    return out


def deployment(tmp: Path, tls: Path, *, minio: dict | None = None, server: str | None = "good", bundle: bool = True,
               env: dict | None = None, image: str = "milvusdb/milvus:v2.3.5", with_s3: bool = True,
               storage_type: str = "remote") -> Path:
    m = {"address": "minio", "port": 9000, "useSSL": True, "bucketName": "a-bucket"}
    m.update(minio or {})
    m = {k: v for k, v in m.items() if v is not None}
    (tmp / "milvus.yaml").write_text(json.dumps({"common": {"storageType": storage_type}, "minio": m}))
    (tmp / "tls").symlink_to(tls, target_is_directory=True)
    volumes = ["./milvus.yaml:/milvus/configs/milvus.yaml", "./tls:/milvus/tls"]
    if bundle:
        volumes.append("./tls/bundle.crt:/etc/ssl/certs/ca-certificates.crt:ro")
    milvus = {"image": image, "command": ["milvus", "run", "standalone"], "volumes": volumes}
    if env:
        milvus["environment"] = env
    services = {"standalone": milvus}
    if with_s3:
        services["minio"] = {"image": "minio/minio:RELEASE.2023-03-20T20-16-18Z", "command": "minio server /data",
                             "volumes": [f"./tls/{server}:/root/.minio/certs"] if server else []}
    (tmp / "docker-compose.yml").write_text(json.dumps({"services": services}))
    return tmp / "docker-compose.yml"


def doctor(compose: Path, capsys, *extra: str) -> tuple[int, dict]:
    code = main(["doctor", "--compose", str(compose), "--no-handshake", "--format", "json", *extra])
    return code, json.loads(capsys.readouterr().out)


def s3_link(report: dict) -> dict:
    return next(link for link in report["links"] if link["kind"] == "milvus-objectstore")


def test_good_link_passes(tmp_path, tls, capsys):
    code, report = doctor(deployment(tmp_path, tls), capsys)
    link = s3_link(report)
    assert (code, report["verdict"], link["verdict"], link["codes"]) == (0, "pass", "pass", []), link
    assert link["address"] == "minio:9000" and link["modelled"] is True
    files = {f["role"]: f for f in link["files"]}
    assert files["minio public.crt"]["path"] == "/root/.minio/certs/public.crt"
    assert files["/etc/ssl/certs/ca-certificates.crt"]["host"].endswith("tls/bundle.crt")


@pytest.mark.parametrize("case, kw, code", [
    ("CA not trusted: the image's own bundle", {"bundle": False}, "objectstore.server_untrusted"),
    ("CA only in SSL_CERT_FILE: the querynode's C++ client", {"bundle": False,
                                                             "env": {"SSL_CERT_FILE": "/milvus/tls/ca.pem"}},
     "objectstore.querynode_untrusted"),
    ("useSSL false against a TLS MinIO", {"minio": {"useSSL": False}}, "objectstore.ssl_off_tls_server"),
    ("useSSL true against a plaintext MinIO", {"server": None}, "objectstore.ssl_on_plain_server"),
    ("certificate without the host Milvus dials", {"server": "wrong-san"}, "objectstore.name_mismatch"),
])
def test_each_cause_fails_the_link_with_its_code(tmp_path, tls, capsys, case, kw, code):
    exit_code, report = doctor(deployment(tmp_path, tls, **kw), capsys)
    link = s3_link(report)
    assert (exit_code, link["verdict"], link["codes"]) == (1, "fail", [code]), (case, link)
    f = next(f for f in report["findings"] if f["code"] == code)
    assert f["link"] == "milvus-objectstore" and f["fix"], f


def test_ssl_cert_file_and_the_bundle_near_miss_passes(tmp_path, tls, capsys):
    code, report = doctor(deployment(tmp_path, tls, env={"SSL_CERT_FILE": "/milvus/tls/ca.pem"}), capsys)
    link = s3_link(report)
    assert (code, link["verdict"]) == (0, "pass"), link
    assert {"key": "SSL_CERT_FILE", "value": "/milvus/tls/ca.pem",
            "source": "environment of service standalone (docker-compose.yml)"} in link["settings"]


def test_untrusted_fix_names_the_real_files(tmp_path, tls, capsys):
    _code, report = doctor(deployment(tmp_path, tls, bundle=False), capsys)
    f = next(f for f in report["findings"] if f["code"] == "objectstore.server_untrusted")
    assert "the image's own /etc/ssl/certs/ca-certificates.crt" in f["message"]
    assert "tls/good/public.crt" in f["fix"] and "/etc/ssl/certs/ca-certificates.crt:ro" in f["fix"], f["fix"]


def test_tls_ca_cert_on_a_line_that_ignores_it(tmp_path, tls, capsys):
    kw = dict(bundle=False, minio={"ssl": {"tlsCACert": "/milvus/tls/ca.pem"}})
    (tmp_path / "a").mkdir()
    code, report = doctor(deployment(tmp_path / "a", tls, **kw), capsys)
    link = s3_link(report)
    assert (code, link["verdict"], link["codes"]) == (
        1, "fail", ["objectstore.tls_ca_cert_ignored", "objectstore.server_untrusted"]), link
    # near miss: 2.3.12 reads it for Go (SSL_CERT_FILE), the C++ side still reads only the bundle
    (tmp_path / "b").mkdir()
    code, report = doctor(deployment(tmp_path / "b", tls, image="milvusdb/milvus:v2.3.12", **kw), capsys)
    assert s3_link(report)["codes"] == ["objectstore.querynode_untrusted"], s3_link(report)
    # 2.5 turns the C++ verification off with tlsCACert: Go alone decides, and it trusts the CA
    (tmp_path / "c").mkdir()
    code, report = doctor(deployment(tmp_path / "c", tls, image="milvusdb/milvus:v2.5.4", **kw), capsys)
    link = s3_link(report)
    assert (link["verdict"], link["codes"]) == ("pass", []), link
    assert "verifySSL=false" in link["detail"]


def test_without_the_s3_side_it_is_incomplete_and_says_what_to_add(tmp_path, tls, capsys):
    code, report = doctor(deployment(tmp_path, tls, with_s3=False), capsys)
    link = s3_link(report)
    assert (code, report["verdict"], link["verdict"]) == (4, "incomplete", "incomplete"), link
    assert "--probe-links" in link["add"] and "/root/.minio/certs/public.crt" in link["add"]


def test_port_in_address_wins_and_local_storage_has_no_link(tmp_path, tls, capsys):
    (tmp_path / "a").mkdir()
    _code, report = doctor(deployment(tmp_path / "a", tls, minio={"address": "minio:9000", "port": 1234}), capsys)
    link = s3_link(report)
    assert link["address"] == "minio:9000" and "minio.port 1234 is not used" in link["detail"], link
    (tmp_path / "b").mkdir()
    _code, report = doctor(deployment(tmp_path / "b", tls, storage_type="local"), capsys)
    assert s3_link(report)["verdict"] == "not-applicable"


def test_a_deployment_silent_on_object_storage_tls_has_no_link(tmp_path, tls, capsys):
    """useSSL false and a plaintext MinIO: nothing of TLS to check, as before this link kind (no TLS map)."""
    compose = deployment(tmp_path, tls, minio={"useSSL": False}, server=None, bundle=False)
    code = main(["doctor", "--compose", str(compose), "--no-handshake", "--format", "json"])
    assert code == 2 and "nothing to check" in capsys.readouterr().err
    code, report = doctor(compose, capsys, "--dir", str(Path(__file__).parent.parent / "fixtures" / "docs-san"))
    assert "links" not in report or report["links"] == [], report.get("links")


NGINX_CONF = """events {}
http {
    server {   # TLS in front of the S3 backend
        listen 127.0.0.1:9443 ssl;
        ssl_certificate /tls/good/public.crt;
        ssl_certificate_key /tls/good/private.key;
        location / { proxy_pass http://127.0.0.1:9000; }
    }
    server {
        listen 9080;
        location / { proxy_pass http://127.0.0.1:9000; }
    }
}
"""


@pytest.mark.parametrize("port, use_ssl, verdict, codes", [
    (9443, True, "pass", []),
    (9080, True, "fail", ["objectstore.ssl_on_plain_server"]),
    (9443, False, "fail", ["objectstore.ssl_off_tls_server"]),
])
def test_nginx_in_front_is_read_from_its_mounted_conf(tmp_path, tls, capsys, port, use_ssl, verdict, codes):
    """An nginx service the Milvus host network dials as localhost: each `listen` is a listener, `ssl` on it TLS
    with its ssl_certificate (the lab's layout, docs/links.md part 3)."""
    compose = deployment(tmp_path, tls, minio={"address": "localhost", "port": port, "useSSL": use_ssl},
                         with_s3=False)
    (tmp_path / "nginx.conf").write_text(NGINX_CONF)
    data = json.loads(compose.read_text())
    data["services"]["standalone"]["network_mode"] = "host"
    data["services"]["s3"] = {"image": "nginx:1.22", "network_mode": "host",
                              "volumes": ["./nginx.conf:/etc/nginx/nginx.conf:ro", "./tls:/tls:ro"]}
    compose.write_text(json.dumps(data))
    _code, report = doctor(compose, capsys)
    link = s3_link(report)
    assert (link["verdict"], link["codes"]) == (verdict, codes), link
    if verdict == "pass":
        assert any(f["role"] == "s3 ssl_certificate" and f["host"].endswith("tls/good/public.crt")
                   for f in link["files"]), link["files"]


def test_an_nginx_milvus_does_not_dial_is_not_the_object_storage(tmp_path, tls, capsys):
    """A TLS nginx in the file (a front-door terminator, say) with a plaintext MinIO: no object-storage TLS."""
    compose = deployment(tmp_path, tls, minio={"useSSL": False}, server=None, bundle=False)
    (tmp_path / "nginx.conf").write_text(NGINX_CONF)
    data = json.loads(compose.read_text())
    data["services"]["front"] = {"image": "nginx:1.22", "volumes": ["./nginx.conf:/etc/nginx/nginx.conf:ro",
                                                                    "./tls:/tls:ro"]}
    compose.write_text(json.dumps(data))
    code = main(["doctor", "--compose", str(compose), "--no-handshake", "--format", "json"])
    assert code == 2 and "nothing to check" in capsys.readouterr().err


def test_the_querynode_side_of_the_prober_is_openssl_with_one_bundle(tmp_path, tls):
    """handshake/s3probe.dial_openssl: OpenSSL with the bundle as its only CAfile and the host checked, against a
    loopback TLS server presenting the S3 certificate (the querynode's libcurl/OpenSSL side of --probe-links)."""
    import socket
    import ssl
    import threading

    from milvus_tls_check.handshake.s3probe import dial_openssl

    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(tls / "good" / "public.crt", tls / "good" / "private.key")
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve():
        for _ in range(3):
            conn, _addr = listener.accept()
            try:
                with server_ctx.wrap_socket(conn, server_side=True):
                    pass
            except (ssl.SSLError, OSError):
                pass

    threading.Thread(target=serve, daemon=True).start()
    try:
        (tmp_path / "ca-only.pem").write_bytes((tls / "ca.pem").read_bytes())
        ok = dial_openssl("localhost", port, str(tmp_path / "ca-only.pem"))
        assert ok.ok and ok.tls_version.startswith("TLS"), ok
        other = make_ca("not the S3 CA")
        (tmp_path / "other.pem").write_bytes(other.cert_pem())
        untrusted = dial_openssl("localhost", port, str(tmp_path / "other.pem"))
        assert (untrusted.ok, untrusted.cls) == (False, "unknown_authority"), untrusted
        wrong_name = dial_openssl("127.0.0.1", port, str(tmp_path / "ca-only.pem"))
        assert (wrong_name.ok, wrong_name.cls) == (False, "hostname"), wrong_name
    finally:
        listener.close()
