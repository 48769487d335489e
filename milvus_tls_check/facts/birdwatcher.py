"""Birdwatcher (milvus-io/birdwatcher, the Milvus debugging tool) as an etcd client: its `connect` command's flags
as it parses them, and the TLS it then makes. Pure values; the reader is deploy/birdwatcher_args.py, the link
linkkinds/birdwatcher_etcd.py, judged by rules/links.py with the etcd link's rules (facts/etcdlink.py).

Read in milvus-io/birdwatcher at 9e8cebedfb21 (main, 2026-07-08, `common/version.go` 1.1.1; docs/links.md part 5):

- `states/etcd_connect.go` `ConnectParams`: `--etcd` (default 127.0.0.1:2379), `--enableTLS` (false), `--rootCAPem`,
  `--etcdCert`, `--etcdKey` (""), `--min_version` (**1.2**, where Milvus's etcd.ssl.tlsMinVersion defaults to 1.3),
  `--use_ssl` (declared, read nowhere), `--etcdUserName`/`--etcdPassword`, the TiKV flags.
- `getTLSConfig`: nothing unless --enableTLS; then the min_version switch ("1.0".."1.3", else "invalid min tls
  version"), `x509.SystemCertPool()` with --rootCAPem appended (a file that does not read: its error; no PEM in
  it: "Root CA PEM cannot be parsed"), `tls.LoadX509KeyPair(--etcdCert, --etcdKey)` unconditionally ("failed to
  load etcd cert/key pair"), `tls.Config{RootCAs, Certificates, MinVersion}`: no ServerName (grpc-go sets the host
  of the endpoint), no InsecureSkipVerify.
- `connectEtcd`: MILVUS_ETCD_ADDR replaces --etcd when --etcd is left at its default; an address without a port
  gets `:2379`; `clientv3.New` (go.etcd.io/etcd/client/v3 v3.5.23, grpc-go v1.81.1) with DialTimeout 10 s and
  grpc.WithBlock, so a handshake that fails is "failed to connect to etcd: context deadline exceeded" after 10 s.
- `framework/command.go`: each field is a cobra/pflag flag of the command (`--name value`, `--name=value`; a bool
  flag takes only `--name` or `--name=false`); `framework/state.go` `Process` splits the line on single spaces
  (`strings.Split(cmd, " ")`), no quoting; `bapps/olc.go` splits a `-olc` script on commas.
- Older releases differ: the v1.0.x branch (v1.0.7, v1.0.8) has no --min_version (MinVersion fixed at TLS 1.2) and
  no --use_ssl; `--min_version` there is "unknown flag".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .etcdlink import HOST_SYSTEM_BUNDLE, DialerFile, EtcdClientWords, EtcdDialer

SOURCE = "milvus-io/birdwatcher@9e8cebedfb21 states/etcd_connect.go"
DEFAULT_ETCD = "127.0.0.1:2379"
DEFAULT_MIN_VERSION = "1.2"
# the connect command's flags (ConnectParams), by pflag kind
STRING_FLAGS = ("etcd", "rootPath", "metaPath", "rootCAPem", "etcdCert", "etcdKey", "etcdUserName", "etcdPassword",
                "min_version", "tikvCACert", "tikvCert", "tikvKey", "tikv")
BOOL_FLAGS = ("force", "dry", "use_ssl", "enableTLS", "use_tikv", "tikv_use_ssl", "auto", "help")
SECRET_FLAGS = frozenset({"etcdPassword"})
FILE_FLAGS = ("rootCAPem", "etcdCert", "etcdKey")


@dataclass(frozen=True)
class FlagUse:
    """One flag as the command line gave it (the last one wins, as pflag's)."""

    name: str          # without dashes: "enableTLS"
    value: str         # as parsed ("true" for a bare bool flag); a secret is never kept
    written: str       # the words as written: "--min_version 1.3", "--enableTLS"


@dataclass(frozen=True)
class BirdwatcherConnect:
    """Birdwatcher's `connect`, as its flags give it. Paths are resolved from the folder Birdwatcher runs in (the
    doctor's working directory, `cwd`): Birdwatcher opens them with os.ReadFile / tls.LoadX509KeyPair as given."""

    line: str                              # the connect command as given, a password replaced by ***
    flags: tuple[FlagUse, ...] = ()
    refused: str = ""                      # what cobra/pflag says when it refuses the line (connect never runs)
    ignored_words: tuple[str, ...] = ()    # positional words connect does not read (`false` after a bool flag)
    cwd: str = ""
    files: dict = field(default_factory=dict)   # flag -> host path (resolved), for the flags that are set
    words: tuple[str, ...] = ()            # the words after `connect`, as split (a password as ***)
    refused_at: int = -1                   # the word pflag refused (-1: none)

    def value(self, name: str) -> Optional[str]:
        hit = [f for f in self.flags if f.name == name]
        return hit[-1].value if hit else None

    def given(self, name: str) -> bool:
        return any(f.name == name for f in self.flags)

    def written(self, name: str) -> str:
        hit = [f for f in self.flags if f.name == name]
        return hit[-1].written if hit else ""

    @property
    def enable_tls(self) -> bool:
        return parse_pflag_bool(self.value("enableTLS") or "false") is True

    @property
    def etcd(self) -> str:
        """The address dialled: --etcd, with :2379 added when it has no port (connectEtcd)."""
        addr = self.value("etcd") or DEFAULT_ETCD
        return f"{addr}:2379" if split_host_port(addr)[2] == "missing port in address" else addr

    @property
    def host(self) -> str:
        return split_host_port(self.etcd)[0]

    @property
    def min_version(self) -> str:
        v = self.value("min_version")
        return DEFAULT_MIN_VERSION if v is None else v

    @property
    def use_tikv(self) -> bool:
        return parse_pflag_bool(self.value("use_tikv") or "false") is True


def parse_pflag_bool(text: str) -> Optional[bool]:
    """strconv.ParseBool, which pflag's bool flags use."""
    if text in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if text in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    return None


def split_host_port(address: str) -> tuple[str, str, str]:
    """Go's net.SplitHostPort: (host, port, "") or ("", "", its error's reason)."""
    if address.startswith("["):
        end = address.find("]")
        if end < 0:
            return "", "", "missing ']' in address"
        if end + 1 == len(address):
            return "", "", "missing port in address"
        if address[end + 1] != ":":
            return "", "", "missing port in address" if ":" not in address[end + 1:] else "too many colons in address"
        return address[1:end], address[end + 2:], ""
    i = address.rfind(":")
    if i < 0:
        return "", "", "missing port in address"
    if ":" in address[:i]:
        return "", "", "too many colons in address"
    return address[:i], address[i + 1:], ""


# --- the dialer the etcd link's judge takes (facts/etcdlink.EtcdDialer) -------------------------------------------

ARGS = "Birdwatcher's connect line (--birdwatcher-args)"
GO_TOOLCHAIN, GO_LINE = "1.25.9", "1.25"     # go.mod `go 1.25.9` at 9e8cebedfb21


WORDS = EtcdClientWords(
    who="Birdwatcher", settings="connect's --enableTLS/--rootCAPem/--etcdCert/--etcdKey/--min_version",
    enabled="--enableTLS", cert="--etcdCert", key="--etcdKey", ca="--rootCAPem", min_version="--min_version",
    endpoint="--etcd",
    turn_on="add `--enableTLS --rootCAPem CA.pem --etcdCert CLIENT.pem --etcdKey CLIENT.key` to {where}",
    turn_off="drop --enableTLS (and --rootCAPem, --etcdCert, --etcdKey) from {where}",
    set_min="give `--min_version {v}` in {where}",
    pair_fails="Birdwatcher loads the pair whenever --enableTLS is given, whether etcd asks for one or not, and "
               "connect stops before dialling (\"failed to load etcd cert/key pair\")",
    ca_fails="Birdwatcher stops before dialling (the file's read error, or \"Root CA PEM cannot be parsed\")",
    min_fails="Birdwatcher knows only 1.0, 1.1, 1.2 and 1.3 (\"invalid min tls version, only 1.0, 1.1, 1.2 and "
              "1.3 is supported\") and does not connect",
    trusts="--rootCAPem and the system roots")


def dialer(bw: BirdwatcherConnect) -> EtcdDialer:
    """Birdwatcher's connect as the etcd link's judge sees it: RootCAs = the system pool plus --rootCAPem, the pair
    loaded whenever --enableTLS, MinVersion from --min_version (default 1.2), the name checked = the host of --etcd."""
    def dfile(flag: str) -> Optional[DialerFile]:
        host = bw.files.get(flag)
        return DialerFile(f"--{flag}", bw.value(flag) or "", host, ARGS) if host else None
    min_given = bw.given("min_version")
    enabled = bw.enable_tls
    enabled_said = ("--enableTLS is given" if enabled else
                    f"connect has {bw.written('enableTLS')}" if bw.given("enableTLS") else "connect has no --enableTLS")
    notes = []
    if not bw.given("etcd"):
        notes.append(f"--etcd not given: Birdwatcher dials {DEFAULT_ETCD} (or MILVUS_ETCD_ADDR from its own "
                     "environment, not read here)")
    if any(not (bw.value(f) or "/").startswith("/") for f in FILE_FLAGS):
        notes.append(f"relative paths taken from {bw.cwd} (where Birdwatcher is assumed to run)")
    return EtcdDialer(WORDS, bw.etcd, bw.host, enabled, enabled_said, ARGS, bw.min_version,
                      f"--min_version is {bw.min_version} ({ARGS if min_given else 'Birdwatcher' + chr(39) + 's default'})",
                      ARGS, dfile("etcdCert"), dfile("etcdKey"), dfile("rootCAPem"), GO_TOOLCHAIN, GO_LINE,
                      ca_required=False,
                      system_roots=DialerFile("the system roots", HOST_SYSTEM_BUNDLE, HOST_SYSTEM_BUNDLE,
                                              "x509.SystemCertPool() on this host"),
                      notes=tuple(notes))
