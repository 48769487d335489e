"""Building findings from the catalogue, so a rule states only what it saw."""
from __future__ import annotations

import shlex
from typing import Callable, Optional

from .codes import CATALOGUE
from .model import Finding, Severity


def finding(code: str, subject: str, message: str, *, severity: Optional[Severity] = None,
            fix: Optional[str] = None, modes: tuple[int, ...] = ()) -> Finding:
    entry = CATALOGUE[code]  # KeyError here is a doctor bug: every code must be catalogued
    if severity is None:
        severity = entry.severity or Severity.ERROR
    return Finding(code, severity, subject, message, fix or entry.fix, tuple(modes))


# --- Fix lines a person can paste -------------------------------------------------------------------------------
# The catalogue's fix (codes.py) is a sentence in words for docs/findings.md. A finding about real material carries
# the command itself, built here from what the rule checked: the file as given, the server_name, the CA file. Every
# code with a command has one builder in FIXES; a rule calls `fix_for(code, ...)`. Kubernetes material (a Secret
# the doctor copied into a private folder for the run) is named by its Secret and key, never by that copy.

def sh(path) -> str:
    """A path quoted for a POSIX shell only when it needs it."""
    return shlex.quote(str(path))


def _secret(path, deployment) -> Optional[tuple[str, str]]:
    if deployment is None or not path:
        return None
    try:
        return deployment.secret_key(str(path))
    except AttributeError:
        return None


def shown(path, deployment=None) -> str:
    """The file as the user knows it: its path, or `key tls.crt of Secret NAME`."""
    sk = _secret(path, deployment)
    return f"key {sk[1]} of Secret {sk[0]}" if sk else str(path)


def source(path, deployment=None) -> str:
    """A shell word that reads the file: the path, or `<(kubectl get secret ... | base64 -d)` for a Secret's key."""
    sk = _secret(path, deployment)
    if sk is None:
        return sh(path)
    key = sk[1].replace(".", "\\.")
    return f"<(kubectl get secret {sk[0]} -o jsonpath='{{.data.{key}}}' | base64 -d)"


def openssl_on(path, tool: str, args: str = "", deployment=None) -> str:
    """`openssl TOOL -in PATH ARGS`, or the kubectl pipe that feeds a Secret's key to it."""
    if _secret(path, deployment) is not None:
        return deployment.kubectl_show(str(path), what=f"{tool} {args}".strip())
    return f"openssl {tool} -in {sh(path)}" + (f" {args}" if args else "")


def local_name(path, suffix: str, deployment=None) -> str:
    """Where a rewritten copy is written: beside the file, or (a Secret's key) in the current folder."""
    sk = _secret(path, deployment)
    return sh(f"{sk[1] if sk else path}{suffix}")


def put_back(path, new: str, deployment=None) -> str:
    """The command that puts a rewritten file where the setting reads it (a Secret's key: kubectl patch)."""
    sk = _secret(path, deployment)
    if sk is None:   # the old file is kept as NAME.bak
        return f"mv {sh(path)} {sh(str(path) + '.bak')} && mv {new} {sh(path)}"
    return (f"kubectl patch secret {sk[0]} --type=json -p \"[{{\\\"op\\\":\\\"replace\\\",\\\"path\\\":"
            f"\\\"/data/{sk[1]}\\\",\\\"value\\\":\\\"$(base64 -w0 {new})\\\"}}]\"")


def rewrite(path, command: str, deployment=None) -> str:
    """`COMMAND > PATH.new && mv PATH.new PATH`: a file rewritten from itself (COMMAND reads it via source())."""
    new = local_name(path, ".new", deployment)
    return f"{command} > {new} && {put_back(path, new, deployment)}"


def nth_cert(path, n: int, deployment=None) -> str:
    """The command printing the n-th (1-based) certificate block of a file, as it is written there."""
    return f"awk '/-----BEGIN CERTIFICATE-----/{{n++}} n=={n}' {source(path, deployment)}"


def cert_order_command(path, order, deployment=None) -> str:
    """Rewrite a certificate file with its blocks in `order` (1-based block numbers, leaf first)."""
    parts = "; ".join(nth_cert(path, n, deployment) for n in order)
    return rewrite(path, f"{{ {parts}; }}", deployment)


def _dns_or_ip(name: str, ip: bool) -> str:
    return f"IP:{name}" if ip else f"DNS:{name}"


def _reissue(f: dict) -> str:
    """milvus-tls gen from the issuing CA: a command that runs as pasted when the CA key is beside the CA."""
    ca, name = f.get("ca"), f.get("name")
    names = f" --ip {sh(name)}" if f.get("ip") else f" --name {sh(name)}" if name else ""
    if f.get("new_set"):   # the CA itself: a new set, and every peer gets the new ca.pem
        return (f"Renew the CA and everything it signed: `milvus-tls gen --out {sh(f['out'])}{names}`, then give "
                f"every peer the new ca.pem in place of {shown(f['file'], f.get('deployment'))}.")
    if not ca:
        return (f"Reissue {shown(f['file'], f.get('deployment'))} with a new validity from the CA that issued it "
                f"(`milvus-tls gen --from-ca` with that CA and `--ca-key` with its key, `--out` a new folder{names}).")
    cmd = f"milvus-tls gen --out {sh(f['out'])} --from-ca {sh(ca)}"
    if f.get("ca_key"):
        return (f"Reissue from the same CA into a new folder, then deploy the new files: `{cmd} --ca-key "
                f"{sh(f['ca_key'])}{names}`.")
    return (f"Reissue from the same CA with its private key (no ca.key was found in "
            f"{f.get('ca_key_where', 'its folder')}): give the doctor `--ca-key` with the key of {ca} and it prints "
            f"the exact commands (`milvus-tls reissue` of {shown(f['file'], f.get('deployment'))}, names kept); "
            f"without the key, the fix commands write a CSR for whoever holds it.")


def _append_intermediate(f: dict) -> str:
    """The certificate file followed by the intermediate (the whole file when it holds only that certificate,
    else its block, by number)."""
    dep = f.get("deployment")
    if f.get("count", 1) == 1:
        return f"cat {source(f['cert'], dep)} {source(f['intermediate'], dep)}"
    return f"{{ cat {source(f['cert'], dep)}; {nth_cert(f['intermediate'], f['block'], dep)}; }}"


def _check_file(f: dict) -> str:
    p, dep = f["file"], f.get("deployment")
    if f.get("kind") == "key":
        return f"`{openssl_on(p, 'pkey', '-noout', dep)}` must read a key"
    return f"`{openssl_on(p, 'x509', '-noout -text', dep)}` must print a certificate"


FIXES: dict[str, Callable[[dict], str]] = {
    "file.missing": lambda f: (f"Check the path as the process sees it (`ls -l {sh(f['file'])}`; inside a container "
                               "the mount target, e.g. /milvus/tls/...) and that the Milvus/pymilvus user can read "
                               "it."),
    "file.empty": lambda f: f"Regenerate or re-copy {shown(f['file'], f.get('deployment'))}; {_check_file(f)}.",
    "file.not_pem": lambda f: f"Convert or regenerate {shown(f['file'], f.get('deployment'))}; {_check_file(f)}.",
    "file.unreadable": lambda f: (f"Point the setting at a regular, readable file (`ls -l {sh(f['file'])}`; "
                                  f"`chmod {'0600' if f.get('kind') == 'key' else '0644'} {sh(f['file'])}`"
                                  f"{', owned by the user that runs Milvus or the client' if f.get('kind') == 'key' else ''})."),
    "file.too_large": lambda f: f"Point the setting at the PEM file itself, not {shown(f['file'], f.get('deployment'))}.",
    "file.key_in_cert": lambda f: ("Keep only the CERTIFICATE blocks (the key stays in its own file): `"
                                   + rewrite(f["file"], "sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' "
                                             + source(f["file"], f.get("deployment")), f.get("deployment")) + "`."),
    "file.bom": lambda f: ("Strip the three bytes: `" + (
        f"sed -i.bak '1s/^\\xEF\\xBB\\xBF//' {sh(f['file'])}" if _secret(f["file"], f.get("deployment")) is None else
        rewrite(f["file"], f"sed '1s/^\\xEF\\xBB\\xBF//' {source(f['file'], f.get('deployment'))}", f.get("deployment")))
        + "`, or save the file as UTF-8 without BOM."),
    "key.encrypted": lambda f: ("Write an unencrypted copy, private from the start (openssl asks for the passphrase "
                                "once): `(umask 077 && " + rewrite(f["file"], openssl_on(f["file"], "pkey", "",
                                                                                         f.get("deployment")),
                                                                   f.get("deployment")).replace(" && ", ") && ", 1)
                                + "`."),
    "key.mismatch": lambda f: (f"Use the key {shown(f['cert'], f.get('deployment'))} was issued for: "
                               f"`{openssl_on(f['cert'], 'x509', '-noout -pubkey', f.get('deployment'))}` and "
                               f"`{openssl_on(f['key'], 'pkey', '-pubout', f.get('deployment'))}` must print the same "
                               f"key; otherwise reissue the certificate from {shown(f['key'], f.get('deployment'))}."),
    "key.weak": lambda f: (f"Write a new key beside the old one (`(umask 077 && openssl genpkey -algorithm RSA -pkeyopt "
                           f"rsa_keygen_bits:2048 -out {local_name(f['key'], '.new', f.get('deployment'))})`, or EC P-256), reissue "
                           f"{shown(f['file'], f.get('deployment'))} from it, then put both in place."),
    "key.unsupported": lambda f: (f"Write an EC P-256 (or RSA 2048) key beside the old one (`(umask 077 && openssl "
                                  f"genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "
                                  f"{local_name(f['key'], '.new', f.get('deployment'))})`), reissue {shown(f['file'], f.get('deployment'))} "
                                  "from it, then put both in place."),
    "key.not_pkcs8": lambda f: (f"Write a PKCS#8 copy and give it to clientKeyPath: `(umask 077 && openssl pkcs8 "
                                f"-topk8 -nocrypt -in {sh(f['file'])} -out {sh(f['file'] + '.pk8')})`."),
    "key.permissions": lambda f: f"`chmod 600 {sh(f['file'])}` (owned by the user that runs Milvus or the client).",
    "cert.expired": _reissue,
    "cert.expires_soon": _reissue,
    "cert.not_yet_valid": lambda f: (f"Fix the clock on the issuing host, or reissue; check with "
                                     f"`{openssl_on(f['file'], 'x509', '-noout -startdate', f.get('deployment'))}`."),
    "chain.untrusted": lambda f: (f"Give {f.get('peer', 'the peer')} the CA that signed "
                                  f"{shown(f['cert'], f.get('deployment'))} (`openssl verify -CAfile "
                                  f"{source(f['ca'], f.get('deployment'))} {source(f['cert'], f.get('deployment'))}` "
                                  f"must say OK), or reissue the certificate from the CA in "
                                  f"{shown(f['ca'], f.get('deployment'))}."),
    "chain.intermediate_missing": lambda f: ("Append the intermediate to the certificate file, leaf first: `"
                                             + rewrite(f["cert"], _append_intermediate(f), f.get("deployment"))
                                             + "`."),
    "name.mismatch": lambda f: (f"Pass a name the certificate carries as pymilvus server_name ({f['names']}), or "
                                f"reissue {shown(f['cert'], f.get('deployment'))} with `subjectAltName = "
                                f"{_dns_or_ip(f['name'], f.get('ip', False))}` in the openssl.cnf [v3_req] section."),
    "name.cn_only": lambda f: (f"Add `subjectAltName = @alt_names` with `[alt_names] "
                               f"{'IP.1' if f.get('ip') else 'DNS.1'} = {f['name']}` to [v3_req] and reissue "
                               f"{shown(f['cert'], f.get('deployment'))}."),
    # Properties of one certificate: reissue that one (the file and, for an issuer, its name).
    "eku.client_auth_missing": lambda f: (f"Reissue {_which(f)} with `extendedKeyUsage = clientAuth` in its openssl "
                                          "extension section (or with no extendedKeyUsage at all)."),
    "eku.server_auth_missing": lambda f: (f"Reissue {_which(f)} with `extendedKeyUsage = serverAuth` in its openssl "
                                          "extension section (or with no extendedKeyUsage at all)."),
    "ku.digital_signature_missing": lambda f: (f"Reissue {_which(f)} with `keyUsage = digitalSignature, "
                                               "keyEncipherment` (the docs' v3_req has it)."),
    "sig.weak": lambda f: (f"Reissue {_which(f)} signed with SHA-256: `-sha256` on the `openssl x509 -req` (or "
                           "`openssl ca -md sha256`) that signs it, or a set from `milvus-tls gen`."),
    "leaf.is_ca": lambda f: f"Reissue {_which(f)} with `basicConstraints = CA:FALSE` (the docs' `-extensions v3_req`).",
    "ca.not_ca": lambda f: (f"Reissue {_which(f)} with `basicConstraints = critical, CA:TRUE` (openssl "
                            "`-extensions v3_ca`), then the certificates it signs."),
    "ca.anchor_not_ca": lambda f: (f"Re-sign {_which(f)} as a CA (basicConstraints critical CA:TRUE, keyCertSign) "
                                   "with its own key and subject, so every certificate it signed stays valid, and "
                                   "keep it in tls.caPemPath: `milvus-tls reissue --ca` (the fix commands below give "
                                   "the exact lines when its key is known: --ca-key, or ca.key beside it)."),
    "ca.key_cert_sign_missing": lambda f: (f"Reissue {_which(f)} with `keyUsage = critical, keyCertSign, cRLSign` "
                                           "(or without keyUsage)."),
    "ca.path_length_exceeded": lambda f: (f"Reissue {_which(f)} with a larger (or no) path length (`basicConstraints "
                                          "= critical, CA:TRUE, pathlen:1`), or issue the leaf directly from it."),
    "chain.too_complex": lambda f: (f"List what {shown(f['file'], f.get('deployment'))} holds (`openssl crl2pkcs7 "
                                    f"-nocrl -certfile {source(f['file'], f.get('deployment'))} | openssl pkcs7 "
                                    "-print_certs -noout`) and keep only the leaf and its intermediates, once each, "
                                    f"leaf first; keep one certificate per CA subject in {shown(f['ca'], f.get('deployment'))}."),
    "cert.cryptography_refused": lambda f: (f"Reissue {_which(f)} with openssl's usual extensions (`extendedKeyUsage "
                                            "= serverAuth` or `clientAuth` rather than an empty one, `authorityKeyIdentifier "
                                            f"= keyid`); see what it holds with `{openssl_on(f['file'], 'x509', '-noout -text', f.get('deployment'))}`."),
    "cert.go_parse_refused": lambda f: (f"Reissue {_which(f)} as Go parses it: a positive serial (`openssl x509 -req "
                                        "-sha256 -CAcreateserial`), a named curve (`openssl genpkey -algorithm EC "
                                        "-pkeyopt ec_paramgen_curve:P-256`), non-critical key identifiers "
                                        "(`subjectKeyIdentifier = hash`, `authorityKeyIdentifier = keyid`); check "
                                        f"it with `{openssl_on(f['file'], 'x509', '-noout -text', f.get('deployment'))}`."),
    # the etcd link (rules/links.py): the keys as the layer wrote them, the files as the process sees them
    "config.key_not_read": lambda f: (f"In {f['where']} move the value to `{f['proper']}` "
                                      f"(`{yaml_flow(f['proper'], f['value'])}`) and delete {f['key']}."),
    "config.key_not_in_line": lambda f: (f"Run Milvus {f['since']} or later (the image tag), or delete {f['key']} "
                                         f"from {f['where']} so nobody relies on it."),
    "kafka.protocol_invalid": lambda f: (f"In {f['where']} write `kafka: {{securityProtocol: SSL}}` (TLS; SASL_SSL with "
                                         f"SASL) instead of {f['value']!r}."),
    "kafka.ssl_without_protocol": lambda f: (f"In {f['where']} add `kafka: {{securityProtocol: "
                                             f"{'SASL_SSL' if f['sasl'] else 'SSL'}}}` beside kafka.ssl.enabled."),
    # the modelled links of docs/links.md part 2: the 2.6 proxy forward, TiKV, Pulsar
    "proxy_forward.name_missing": lambda f: (f"Reissue {shown(f['cert'], f.get('deployment'))} with DNS:proxy added to "
                                             f"its subjectAltName (it carries {f['names']}), then check it: `openssl "
                                             f"x509 -noout -ext subjectAltName -in {sh(f['cert'])}` must list "
                                             "DNS:proxy; or upgrade the 2.5 proxies straight to 2.6.13 or later."),
    "proxy_forward.no_client_cert": lambda f: (f"For the rolling upgrade write `common: {{security: {{tlsMode: 1}}}}` in "
                                               f"{f['where']} (back to 2 once every proxy runs 2.6)."),
    "tikv.ssl_files_missing": lambda f: (f"In {f['where']} set {f['missing']} beside tikv.ssl.enabled "
                                         "(`tikv: {ssl: {enabled: true, tlsCACert: /milvus/tls/tikv-ca.pem, "
                                         "tlsCert: /milvus/tls/tikv-client.pem, tlsKey: /milvus/tls/tikv-client.key}}` "
                                         "with the cluster's files), or `tikv: {ssl: {enabled: false}}` for a "
                                         "plaintext cluster."),
    "tikv.client_pair_unusable": lambda f: (f"Set tikv.ssl.tlsCert and tikv.ssl.tlsKey (now {f['cert']} and "
                                            f"{f['key']}) to a pair that exists where Milvus runs: `openssl x509 "
                                            f"-noout -pubkey -in {sh(f['cert_host'])}` and `openssl pkey -pubout -in "
                                            f"{sh(f['key_host'])}` must print the same key."),
    "tikv.ca_unusable": lambda f: (f"Set tikv.ssl.tlsCACert (now {f['ca']}) to the CA that issued the PD and TiKV "
                                   f"certificates: `openssl x509 -noout -subject -in {sh(f['ca_host'])}` must print "
                                   "it."),
    # Milvus 2.6 -> another cluster (replication): the keys name the cluster id
    "replication.tls_settings_ignored": lambda f: (f"In {f['where']} set `tls: {{clusters: {{{f['cluster']}: "
                                                   "{clientPemPath: /milvus/tls/replication-client.pem, "
                                                   "clientKeyPath: /milvus/tls/replication-client.key}}}}` (a pair "
                                                   "the target cluster's CA issued) beside the keys written, or "
                                                   "delete them if the target serves plaintext."),
    "replication.client_pair_unusable": lambda f: (f"Point tls.clusters.{f['cluster']}.clientPemPath and "
                                                   f"clientKeyPath (now {f['cert']} and {f['key']}) at a pair that "
                                                   f"exists where Milvus runs: `openssl x509 -noout -pubkey -in "
                                                   f"{sh(f['cert_host'])}` and `openssl pkey -pubout -in "
                                                   f"{sh(f['key_host'])}` must print the same key."),
    "replication.ca_unusable": lambda f: (f"Set tls.clusters.{f['cluster']}.caPemPath (now {f['ca'] or 'not set'}) "
                                          "to the CA that issued the target cluster's proxy certificate" + (
                                              f", and check it: `openssl x509 -noout -subject -in "
                                              f"{sh(f['ca_host'])}` must print that CA." if f['ca'] else
                                              " (the PEM file the target's tls.caPemPath names, copied where Milvus "
                                              "runs).")),
    "replication.ca_not_ca": lambda f: (f"Set tls.clusters.{f['cluster']}.caPemPath (now {f['ca']}) to the CA that "
                                        "issued the target's proxy certificate: `openssl x509 -noout -ext "
                                        f"basicConstraints -in {sh(f['ca_host'])}` must say CA:TRUE."),
    "pulsar.tls_setting_not_read": lambda f: (f"Delete {f['key']} from {f['where']} (Milvus never reads it); the "
                                              "brokers' CA goes into the Milvus image's system roots "
                                              "(/etc/ssl/certs/ca-certificates.crt) or SSL_CERT_FILE."),
    "pulsar.tls_auth_over_plaintext": lambda f: (f"In {f['where']} write `pulsar: {{address: "
                                                 f"pulsar+ssl://{f['host']}:6651}}` (the brokers' TLS port)."),
    "pulsar.auth_pair_unusable": lambda f: (f"In {f['where']} write `pulsar: {{authParams: "
                                            "'tlsCertFile:/milvus/tls/pulsar-client.pem,tlsKeyFile:/milvus/tls/"
                                            "pulsar-client.key'}` (key:value pairs joined by a comma, no JSON)."),
    # the etcd links (rules/links.py judge_etcd_client): in the words of the client that dials (Milvus's etcd.ssl.*,
    # Birdwatcher's connect flags: facts/etcdlink.EtcdClientWords), the files as that client opens them
    "etcd.client_pair_unusable": lambda f: (f"Set {_w(f).cert} and {_w(f).key} (now {f['cert']!s} and "
                                            f"{f['key']!s}) to a client pair that exists where {_w(f).who} runs: "
                                            f"`openssl x509 -noout -pubkey -in {sh(f['cert_host'])}` and `openssl pkey "
                                            f"-pubout -in {sh(f['key_host'])}` must print the same key."),
    "etcd.ca_unusable": lambda f: (f"Set {_w(f).ca} (now {f['ca'] or 'not set'}) to the CA that issued etcd's "
                                   f"server certificate{_etcd_where(f)}."),
    "etcd.server_untrusted": lambda f: (f"`openssl verify -CAfile {sh(f['ca'])} {sh(f['cert'])}` must say OK: give "
                                        f"{_w(f).who} the CA that issued {f['cert']} as {_w(f).ca}, or reissue it "
                                        f"from the CA in {f['ca']}."),
    "etcd.name_mismatch": lambda f: (f"Reissue {f['cert']} with `subjectAltName = "
                                     f"{_dns_or_ip(f['name'], f.get('ip', False))}` (it carries {f['names']}), or "
                                     f"write a host it carries in {_w(f).endpoint} ({f['endpoint']})."),
    "etcd.client_cert_untrusted": lambda f: (f"`openssl verify -CAfile {sh(f['ca'])} -purpose sslclient "
                                             f"{sh(f['cert'])}` must say OK: issue {_w(f).cert} from the CA in "
                                             f"etcd's --trusted-ca-file {f['ca']}, or add its CA to that file."),
    "etcd.ssl_off_tls_server": lambda f: (f"etcd serves {f['url']}: {_w(f).turn_on.format(where=f['where'])}, or "
                                          "serve etcd over http://."),
    "etcd.ssl_on_plain_server": lambda f: (f"etcd serves {f['url']}: {_w(f).turn_off.format(where=f['where'])}, "
                                           "or give etcd an https:// --listen-client-urls with --cert-file and "
                                           "--key-file."),
    "etcd.min_version_invalid": lambda f: (_cap(_w(f).set_min.format(v="1.3", where=f['where'])) +
                                           f" (or 1.2) instead of {f['value']!r}."),
    "etcd.min_version_too_high": lambda f: (f"etcd offers TLS {f['offered']}: "
                                            f"{_w(f).set_min.format(v=f['offered'].split(', ')[-1], where=f['where'])}"
                                            ", or let etcd offer TLS 1.3."),
    "birdwatcher.args_refused": lambda f: (f"Run `{f['suggested']}` at Birdwatcher's prompt (or in -olc): "
                                           f"{f['how']}."),
    # the object-storage link (rules/links.py judge_objectstore)
    "objectstore.ssl_on_plain_server": lambda f: (f"{f['server']} serves plaintext at {f['address']}: set "
                                                  f"`minio.useSSL: false` in {f['where']}, or mount MinIO's "
                                                  "public.crt and private.key at /root/.minio/certs."),
    "objectstore.ssl_off_tls_server": lambda f: (f"{f['server']} serves TLS at {f['address']}: set `minio.useSSL: "
                                                 f"true` in {f['where']} (its CA in the Milvus container's "
                                                 "/etc/ssl/certs/ca-certificates.crt), or serve plaintext."),
    "objectstore.server_untrusted": lambda f: (f"`openssl verify -CAfile {sh(f['roots_host'])} {sh(f['cert'])}` "
                                               f"must say OK ({f['key']} is {f['roots']} in the container): "
                                               "`cat /etc/ssl/certs/ca-certificates.crt CA.pem > ca-bundle.crt` "
                                               "with the CA that issued it, and mount "
                                               "`./ca-bundle.crt:/etc/ssl/certs/ca-certificates.crt:ro` into Milvus."),
    "objectstore.querynode_untrusted": lambda f: (f"`cat /etc/ssl/certs/ca-certificates.crt {sh(f['ca'])} > "
                                                  "ca-bundle.crt`, mount `./ca-bundle.crt:/etc/ssl/certs/"
                                                  "ca-certificates.crt:ro` into every Milvus container, then "
                                                  f"`openssl verify -CAfile ca-bundle.crt {sh(f['cert'])}` must say "
                                                  "OK (the querynode does not read SSL_CERT_FILE)."),
    "objectstore.name_mismatch": lambda f: (f"Reissue {f['cert']} with `subjectAltName = "
                                            f"{_dns_or_ip(f['name'], f.get('ip', False))}` (it carries {f['names']}), "
                                            f"or write a host it carries in minio.address ({f['address']})."),
    "objectstore.operator_ssl_not_rendered": lambda f: (
        f"Set `spec: {{config: {{minio: {{useSSL: true}}}}}}` in {f['cr']} (keep dependencies.storage.ssl for the "
        "operator's health check)" + (f": `kubectl patch {f['owner']} --type merge -p "
                                      "'{\"spec\":{\"config\":{\"minio\":{\"useSSL\":true}}}}'`"
                                      if f.get("owner") else "") + "."),
    "objectstore.tls_ca_cert_ignored": lambda f: (f"Milvus {f['version']} ignores minio.ssl.tlsCACert ({f['where']}):"
                                                  f" upgrade to 2.3.12+, or put {f['ca']} into the container's "
                                                  "/etc/ssl/certs/ca-certificates.crt (`cat /etc/ssl/certs/"
                                                  f"ca-certificates.crt {sh(f['ca'])} > ca-bundle.crt`, mounted "
                                                  "there)."),
}


def _w(f: dict):
    """The words of the etcd client a finding is about (Milvus's unless the rule says otherwise)."""
    from .facts.etcdlink import MILVUS_WORDS
    return f.get("words") or MILVUS_WORDS


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _etcd_where(f: dict) -> str:
    return f" (etcd's --cert-file is {f['server_cert']})" if f.get("server_cert") else ""


def _which(f: dict) -> str:
    """`CN=... in FILE` (a certificate among several), or the file."""
    where = shown(f["file"], f.get("deployment"))
    return f"{f['what']} in {where}" if f.get("what") else where


def yaml_flow(key: str, value: str) -> str:
    """`a.b.c` = v as one YAML flow line a person can paste: a: {b: {c: v}}."""
    parts = key.split(".")
    text = value if value and not any(ch in value for ch in ":{}[],#'\"") else repr(value)
    for p in reversed(parts[1:]):
        text = f"{{{p}: {text}}}"
    return f"{parts[0]}: {text}"


def fix_for(code: str, **facts) -> Optional[str]:
    """The fix for a finding about real material, or None when the code has no command (the catalogue's words
    stand). facts: file, cert, key, ca, name, ip, ..., and deployment (facts.deployment.DeploymentFacts or None)."""
    build = FIXES.get(code)
    if build is None:
        return None
    try:
        return build(facts)
    except KeyError:   # a fact the builder needs is unknown: the catalogue's words
        return None
