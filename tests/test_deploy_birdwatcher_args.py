"""--birdwatcher-args (deploy/birdwatcher_args.py): Birdwatcher's connect line read as Birdwatcher reads it
(milvus-io/birdwatcher@9e8cebedfb21: split on single spaces, cobra/pflag flags, files from the working directory)."""
from __future__ import annotations

import pytest

from milvus_tls_check.deploy.birdwatcher_args import parse_connect
from milvus_tls_check.deploy.common import DeploymentError
from milvus_tls_check.deploy.read import read_deployment_facts

GOOD = "connect --etcd etcd.example:2379 --enableTLS --rootCAPem ca.pem --etcdCert client.pem --etcdKey /abs/client.key"


def test_the_documented_line_gives_birdwatchers_settings_with_files_from_the_working_directory(tmp_path):
    bw = parse_connect(GOOD, str(tmp_path))
    assert (bw.refused, bw.enable_tls, bw.etcd, bw.host, bw.min_version) == ("", True, "etcd.example:2379",
                                                                            "etcd.example", "1.2")
    assert bw.files == {"rootCAPem": str(tmp_path / "ca.pem"), "etcdCert": str(tmp_path / "client.pem"),
                        "etcdKey": "/abs/client.key"}


def test_defaults_are_birdwatchers_not_milvuss(tmp_path):
    bw = parse_connect("connect", str(tmp_path))
    assert (bw.etcd, bw.enable_tls, bw.min_version) == ("127.0.0.1:2379", False, "1.2")
    assert parse_connect("connect --etcd etcd", "/").etcd == "etcd:2379"       # no port: connectEtcd adds :2379
    assert parse_connect("connect --etcd [::1]", "/").etcd == "[::1]:2379"


@pytest.mark.parametrize("line, refused", [
    ("connect --enableTls", "unknown flag: --enableTls"),
    ("connect -etcd localhost:2379", "unknown shorthand flag: 'e' in -etcd"),
    ("connect --etcd", "flag needs an argument: --etcd"),
    ("connect --enableTLS=yes", 'invalid argument "yes" for "--enableTLS" flag: strconv.ParseBool: parsing "yes": '
                                "invalid syntax"),
    ("connect --help", "--help prints the usage; connect does not run"),
])
def test_what_pflag_refuses_is_kept_as_birdwatcher_says_it(line, refused):
    assert parse_connect(line, "/").refused == refused


def test_near_misses_pflag_takes():
    assert parse_connect("connect --enableTLS=false", "/").enable_tls is False
    assert parse_connect("connect --min_version=1.3 --enableTLS", "/").min_version == "1.3"
    assert parse_connect("connect --etcd a:1 --etcd b:2", "/").etcd == "b:2"          # the last one wins
    bw = parse_connect("connect --enableTLS false", "/")                               # a bool flag takes no word
    assert (bw.enable_tls, bw.ignored_words) == (True, ("'false' after --enableTLS",))
    assert parse_connect("connect  --enableTLS", "/").ignored_words == ()             # two spaces: an empty word


def test_an_olc_script_is_read_for_its_connect_command_and_flags_alone_are_connects():
    assert parse_connect("#connect --etcd e:1 --enableTLS,show session", "/").etcd == "e:1"
    assert parse_connect("--etcd e:1", "/").etcd == "e:1"
    with pytest.raises(DeploymentError, match="not Birdwatcher's connect command"):
        parse_connect("show session", "/")


def test_the_password_is_never_kept():
    for line in ("connect --etcdUserName root --etcdPassword hunter2", "connect --etcdPassword=hunter2"):
        bw = parse_connect(line, "/")
        assert "hunter2" not in repr(bw), bw


def test_the_reader_puts_it_on_the_deployment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    facts = read_deployment_facts(birdwatcher_args=GOOD)
    assert facts.birdwatcher.files["rootCAPem"] == str(tmp_path / "ca.pem") and not facts.has_config
    with pytest.raises(DeploymentError, match="empty"):
        read_deployment_facts(birdwatcher_args="  ")
