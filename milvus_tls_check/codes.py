"""The catalogue: every finding code, once, with all of its metadata (title, why, fix, default severity, family,
which implementation enforces it). docs/findings.md, `milvus-tls codes`, the JSON and the fix hints all come
from here.

A code is stable once published (CI scripts match on it): add codes, never rename them.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from typing import Optional

from .model import Severity


class Enforcer(str, enum.Enum):
    """Which implementation refuses the material (or reports the outcome) a code names."""

    GO_SERVER = "go_server"              # Milvus: Go crypto/tls + crypto/x509 (start-up, client-cert verification)
    CLIENT_TLS = "client_tls"            # the client's TLS stack: grpcio/BoringSSL for pymilvus
    GO_CLIENT = "go_client"              # Go clients of the same server (Go SDK, milvus-backup, milvus-cdc)
    PYMILVUS_PARAMS = "pymilvus_params"  # pymilvus's own parameter handling, before any TLS
    DEPLOYMENT = "deployment"            # Milvus's configuration loading and the container/cluster layout
    OBSERVED = "observed"                # a handshake or network outcome the doctor saw, not a static rule
    ADVISORY = "advisory"                # nothing refuses it: a risk the doctor points out

    @property
    def label(self) -> str:
        return _ENFORCER_LABELS[self]


_ENFORCER_LABELS = {
    Enforcer.GO_SERVER: "Milvus (Go crypto/tls)",
    Enforcer.CLIENT_TLS: "the client's TLS stack (grpcio/BoringSSL for pymilvus)",
    Enforcer.GO_CLIENT: "Go clients (Go SDK, milvus-backup, milvus-cdc)",
    Enforcer.PYMILVUS_PARAMS: "pymilvus's parameter handling",
    Enforcer.DEPLOYMENT: "Milvus's configuration and the deployment layout",
    Enforcer.OBSERVED: "observed in a handshake",
    Enforcer.ADVISORY: "nothing (a risk, not a failure)",
}

GO, CLIENT, BOTH = (Enforcer.GO_SERVER,), (Enforcer.CLIENT_TLS,), (Enforcer.GO_SERVER, Enforcer.CLIENT_TLS)
# crypto/x509's path rules: Milvus (tlsMode 2, on client chains), the client stacks, and Go clients on the server chain
# (one library, both Go sides: a Go client refuses the server chain for the same cause Milvus refuses a client's)
PATH = (Enforcer.GO_SERVER, Enforcer.CLIENT_TLS, Enforcer.GO_CLIENT)
GO_PATH = (Enforcer.GO_SERVER, Enforcer.GO_CLIENT)
ADVISORY, PARAMS, DEPLOY, SEEN = ((Enforcer.ADVISORY,), (Enforcer.PYMILVUS_PARAMS,), (Enforcer.DEPLOYMENT,),
                                  (Enforcer.OBSERVED,))


@dataclass(frozen=True)
class Code:
    code: str
    title: str
    why: str   # what breaks in Milvus (Go) or pymilvus (grpcio/BoringSSL), and when
    fix: str   # the exact remedy: openssl flag, yaml key, pymilvus argument
    severity: Optional[Severity] = Severity.ERROR   # default severity; None: a result, never a finding
    family: str = "Other"                            # the docs section ("Files", "Chain", ...)
    enforced_by: tuple[Enforcer, ...] = BOTH
    # Only Go (the real Milvus) enforces it, or enforces it in cases BoringSSL does not: a grpcio rehearsal that
    # passes despite it is expected, not a disagreement.
    go_only: bool = False


def _c(code: str, title: str, why: str, fix: str, *, severity: Optional[Severity] = Severity.ERROR,
       by: tuple[Enforcer, ...] = BOTH, go_only: bool = False) -> Code:
    return Code(code, title, " ".join(why.split()), " ".join(fix.split()), severity, "Other", by, go_only)


def _family(name: str, *codes: Code) -> tuple[Code, ...]:
    return tuple(replace(c, family=name) for c in codes)


W = Severity.WARNING

_CODES: tuple[Code, ...] = (
    *_family("Files",
    _c("file.missing", "File does not exist or cannot be opened",
       """Milvus exits a few seconds after start when tls.serverPemPath, tls.serverKeyPath or (mode 2)
       tls.caPemPath cannot be read; the client then only sees "connection refused". pymilvus raises
       FileNotFoundError while building the channel.""",
       """Check the path as the process sees it (inside the container: the mount target, e.g. /milvus/tls/...),
       and that the file is readable by the Milvus/pymilvus user."""),
    _c("file.empty", "File is empty",
       "An empty PEM loads as nothing: Milvus refuses to start; grpc fails the handshake with no certificate.",
       "Regenerate or re-copy the file: `openssl x509 -noout -text` on it must print a certificate (`openssl pkey -noout` a key); the finding gives the command with the file's path."),
    _c("file.too_large", "File is larger than any certificate or key could be",
       """The doctor reads at most a bounded prefix; a huge or endless file (a device, a log, a pipe) is not
       TLS material and Milvus cannot use it either.""",
       "Point the setting at the PEM file itself."),
    _c("file.not_pem", "File holds no PEM certificate or key",
       "Go's tls.LoadX509KeyPair and grpc's PEM readers accept only PEM; anything else fails to load.",
       """Convert or regenerate the file the message names: `openssl x509 -in` that file `-noout -text` must print
       a certificate, `openssl pkey -in` that file `-noout` must read a key; a PKCS#12 bundle is split with
       `openssl pkcs12` (the message gives the command with the file's path)."""),
    _c("file.der", "DER (binary) where Milvus and pymilvus need PEM",
       "Milvus (Go tls.LoadX509KeyPair, x509.CertPool.AppendCertsFromPEM) and grpc read only PEM text.",
       """Convert the file the message names to PEM with `openssl x509 -inform DER` (a certificate) or
       `openssl pkey -inform DER` (a key); the finding gives the exact command with the file's path."""),
    _c("file.wrong_kind", "A key given where a certificate belongs, or the reverse",
       """Usually swapped paths (tls.serverPemPath <-> tls.serverKeyPath, client_pem_path <-> client_key_path).
       Milvus refuses to start; pymilvus fails the handshake.""",
       "Swap the two paths: *.pem/*.crt is the certificate, *.key the private key."),
    _c("file.key_in_cert", "Certificate file also holds a private key",
       """Milvus (Go tls.X509KeyPair) and grpc skip the key block, so it loads; but the docs give server.pem to
       every client as server_pem_path, which hands them the server's private key.""",
       "Keep only the CERTIFICATE blocks in the certificate file (`sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p'`) "
       "and the key in its own file; the finding gives the command with the file's path.",
       severity=W, by=ADVISORY),
    _c("file.unreadable", "File exists but cannot be read",
       "A directory, a FIFO, a device or a file without read permission: Milvus and pymilvus cannot load it.",
       "Point the setting at a regular, readable file (`chmod 0644` for certificates, `0600` for keys owned by the service user); the finding names the file."),
    _c("file.bom", "File starts with a UTF-8 byte-order mark",
       """Editors on Windows save a BOM (EF BB BF) before the first `-----BEGIN` line. Go's pem.Decode finds a
       BEGIN line only at the start of the file or of a line, so Go skips that block: Milvus exits at start
       ("tls: failed to find any PEM data in certificate input" / "... in key input"; tlsMode 2 with such a
       tls.caPemPath: "fail to append ca to cert"; observed with Go 1.21 and 1.24). grpcio (pymilvus) refuses it
       too: a BOM in ca_pem_path/server_pem_path gives "Could not load any root certificate", in the client cert
       or key "Failed to create security handshaker" (observed, grpcio 1.85). Text before BEGIN on its own line,
       CRLF line endings and an EC PARAMETERS block do load.""",
       """Strip the three bytes with `sed -i '1s/^\xEF\xBB\xBF//'` on the file (the finding gives the command with
       its path), or save the file as "UTF-8" without BOM."""),
    ),
    *_family("Keys",
    _c("key.encrypted", "Private key is encrypted with a passphrase",
       """Milvus (Go) has no passphrase setting and refuses to start with an encrypted tls.serverKeyPath;
       pymilvus/grpc cannot use an encrypted client key either.""",
       "Write an unencrypted copy with `openssl pkey` (it asks for the passphrase once), put it in place and protect it with file permissions (`chmod 600`); the finding gives the command with the key's path."),
    _c("key.mismatch", "Private key does not belong to the certificate, or the certificate file is not leaf first",
       """Go's tls.X509KeyPair checks the pair against the first certificate of the file: Milvus refuses to start
       ("private key does not match public key"). A chain written intermediate first gives the same refusal although
       the key's certificate is in the file. For the client pair, grpc cannot sign the handshake and the server drops
       it.""",
       """Use the key the certificate was issued for: `openssl x509 -noout -pubkey` on the certificate and
       `openssl pkey -pubout` on the key must print the same key (the finding gives both commands with the paths);
       otherwise reissue the certificate from this key. When the key's certificate is a later block of the file,
       put it first (the finding gives the command that reorders the file; nothing needs reissuing)."""),
    _c("key.weak", "Key is too small",
       """RSA below 2048 bits is weak; Go 1.24+ refuses RSA keys below 1024 bits in TLS and in certificate
       verification, so such a cert fails with newer Milvus builds.""",
       "Write a new RSA 2048 key (`openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`) or EC P-256 key and reissue the certificate from it.",
       severity=W, go_only=True),
    _c("key.unsupported", "Key type not usable by both Go and grpc",
       """Milvus (Go) and pymilvus (grpcio/BoringSSL) must both accept the key in a handshake; some types
       (e.g. Ed25519/Ed448, DSA) are not offered by grpc's BoringSSL client or by Go.""",
       "Use RSA 2048/3072 or EC P-256/P-384 (`openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`) and reissue the certificate from the new key.",
       go_only=True),
    _c("key.not_pkcs8", "Client key is not a PKCS#8 PEM key (Java SDK)",
       """milvus-sdk-java hands the key file to Netty's keyManager(File, File), which reads only an unencrypted
       PKCS#8 block ("BEGIN PRIVATE KEY") as RSA, DSA or EC: a PKCS#1 "RSA PRIVATE KEY", a SEC1 "EC PRIVATE KEY" or
       an Ed25519 key is refused ("File does not contain valid private key") unless BouncyCastle is on the
       classpath, and no channel is built. Go, grpcio and Node read all of these.""",
       "Convert the key to PKCS#8 (`openssl pkcs8 -topk8 -nocrypt`) and give that file to clientKeyPath.",
       by=CLIENT),
    _c("key.permissions", "Private key readable by group or others",
       "Not a connection failure: anyone on the host who can read the key can impersonate the server or client.",
       "Make the key file mode 0600 (`chmod 600` on it), owned by the user that runs Milvus or the client; on Kubernetes set the volume's defaultMode.",
       severity=W, by=ADVISORY),
    ),
    *_family("Validity",
    _c("cert.expired", "Certificate has expired",
       """grpc (pymilvus) rejects an expired server certificate or CA; Go (Milvus, mode 2) rejects an expired
       client certificate or CA: "x509: certificate has expired or is not yet valid".""",
       "Reissue with a new validity from the same CA (`milvus-tls gen --out` a new folder `--from-ca` the CA `--ca-key` its key `--name` the server name; the finding gives the command); renew the CA before its children.",
       by=PATH),
    _c("cert.not_yet_valid", "Certificate is not valid yet",
       "Both sides check notBefore; a clock skew or a future-dated issue fails every handshake until then.",
       "Fix the clock on the issuing host or reissue; check the start with `openssl x509 -noout -startdate` on the file.",
       by=PATH),
    _c("cert.expires_soon", "Certificate expires soon",
       "Works now; every connection fails once it expires.",
       "Plan the rotation: reissue from the same CA with `milvus-tls gen --out` a new folder, `--from-ca` and `--ca-key` (the finding gives the command with the real files and server name).",
       severity=W, by=ADVISORY),
    _c("cert.serial_invalid", "Serial number is zero or negative",
       """RFC 5280 forbids it. Go 1.23+ refuses such certificates in verification (Milvus builds on Go 1.23+ reject a
       client certificate like this in tlsMode 2; the embedded Milvus 2.3, Go 1.20, still accepts it), and
       cryptography announces it will stop parsing them.""",
       "Reissue with a positive random serial (openssl does this by default: `-CAcreateserial` or `-set_serial 0x$(openssl rand -hex 16)`).",
       severity=W, by=GO_PATH),
    _c("cert.unknown_critical_extension", "Certificate has a critical extension the verifier does not know",
       """A critical extension a verifier does not implement makes it refuse the certificate. Milvus (Go,
       tlsMode 2) on a client certificate or its CAs: "x509: unhandled critical extension"; pymilvus
       (BoringSSL) on the server certificate: CERTIFICATE_VERIFY_FAILED ("unsupported critical extension").
       Observed with Go 1.21/1.24 and grpcio 1.85. Go before 1.22 (Milvus 2.3, 2.4) also does not handle
       critical policyMappings, policyConstraints and inhibitAnyPolicy.""",
       """Reissue without the extension or with it non-critical (drop `critical,` from its line in the openssl
       extension section).""",
       by=PATH),
    _c("cert.cryptography_refused", "A certificate Python's cryptography refuses and Go reads",
       """The doctor's own checks, and the model of pymilvus's side, read certificates with Python's cryptography,
       which refuses some encodings Go's x509.ParseCertificate accepts (an empty extendedKeyUsage, an
       authorityKeyIdentifier with only authorityCertIssuer or only authorityCertSerialNumber). Milvus and Go clients
       read it, and the doctor judges their sides with Go's path validation on it (its model, or real Go when
       handshakes run); for pymilvus (grpcio/BoringSSL) the static checks cannot judge it, so it counts against
       pymilvus until a handshake shows what BoringSSL does.""",
       """Reissue the certificate with openssl's usual extensions (`extendedKeyUsage = serverAuth` or `clientAuth`
       rather than an empty one, `authorityKeyIdentifier = keyid`), or run the doctor without --no-handshake so the
       grpcio rehearsal shows whether pymilvus reads it.""",
       by=CLIENT),
    _c("cert.go_parse_refused", "Go cannot parse a certificate of the chain",
       """Go's x509.ParseCertificate is stricter than OpenSSL and `cryptography` on some encodings: a critical
       authorityKeyIdentifier, subjectKeyIdentifier or authorityInfoAccess (Go 1.24+), a negative serial (Go 1.23+
       with go.mod go >= 1.23), an explicit or unnamed elliptic curve, P-192, malformed names. A Go client then
       fails the handshake with "tls: failed to parse certificate from server"; Milvus (tlsMode 2) with "tls:
       failed to parse client certificate"; a CA file certificate Go cannot parse is skipped by
       AppendCertsFromPEM.""",
       """Reissue the certificate the message names with openssl's defaults: `openssl x509 -req -sha256
       -CAcreateserial` (a positive serial), a named curve (`openssl genpkey -algorithm EC -pkeyopt
       ec_paramgen_curve:P-256`), and the key identifiers non-critical (`subjectKeyIdentifier = hash`,
       `authorityKeyIdentifier = keyid` in the extension section).""",
       by=GO_PATH, go_only=True),
    ),
    *_family("Chain",
    _c("chain.untrusted", "No chain from the certificate to the trust file the peer uses",
       """pymilvus trusts only server_pem_path (one-way) or ca_pem_path (mutual); Milvus trusts only
       tls.caPemPath for client certs. A certificate not issued by (or identical to) a certificate in that file
       fails: grpc "CERTIFICATE_VERIFY_FAILED"/"unable to get local issuer certificate", Go "unknown authority".""",
       "Give the peer the CA that signed the certificate (`openssl verify -CAfile` with the trust file must say OK for the certificate; the finding gives the command), or reissue the certificate from the CA in the trust file.",
       by=PATH),
    _c("chain.intermediate_missing", "An intermediate CA is needed but not sent",
       """The trust file holds the root, the certificate was issued by an intermediate, and the certificate file
       does not carry it. Neither grpc nor Go fetches missing intermediates.""",
       "Append the intermediate to the certificate file, leaf first (`cat` the certificate file and the intermediate into it; the finding gives the command with the file that holds the intermediate).",
       by=PATH),
    _c("ca.not_ca", "A certificate that signs others is not a CA",
       """An issuing certificate (an intermediate, or a trust-file root with basicConstraints present) without
       CA:TRUE: Go and BoringSSL refuse to build a chain through it.""",
       "Reissue the CA with `basicConstraints = critical, CA:TRUE` (openssl `-extensions v3_ca`).",
       by=PATH),
    _c("ca.anchor_not_ca", "The CA in tls.caPemPath that signs client certificates is not a CA",
       """Go refuses to verify a signature with a certificate that is not a CA, the trust anchor included
       (crypto/x509 CheckSignatureFrom: a v3 certificate without basicConstraints, or with CA:FALSE): Milvus
       (tlsMode 2) rejects every client certificate it signed, "x509: invalid signature: parent certificate
       cannot sign this kind of certificate". BoringSSL (pymilvus, checking the server) accepts such an anchor,
       so only the Milvus side fails.""",
       """Re-sign the CA as a CA with its own key and subject (`milvus-tls reissue --cert ca.pem --key ca.key --ca
       --out ca.pem.new`, then move it into place): basicConstraints critical CA:TRUE and keyCertSign, the same key,
       so every client certificate it signed stays valid; put it in tls.caPemPath. The finding's fix commands give
       the exact lines with your paths.""", by=GO_PATH, go_only=True),
    _c("chain.name_constraints", "A CA's name constraints exclude the certificate's names",
       """A CA with a nameConstraints extension may only sign for the names it permits. Milvus (Go, tlsMode 2)
       refuses a client certificate outside them: "x509: a root or intermediate certificate is not authorized
       to sign for this name" (Go applies the constraints of the trust anchor too); pymilvus (BoringSSL)
       refuses such a server certificate with CERTIFICATE_VERIFY_FAILED ("permitted/excluded subtree
       violation"). Observed with Go 1.21/1.24 and grpcio 1.85.""",
       """Issue the certificate from a CA whose constraints permit its names, or put only permitted names in
       its subjectAltName (`subjectAltName = DNS:host.permitted.example`).""",
       by=PATH),
    _c("ca.key_cert_sign_missing", "CA key usage lacks keyCertSign",
       """BoringSSL (pymilvus) refuses a chain whose issuer has a keyUsage extension without keyCertSign, the trust
       anchor included; so does Go (CheckSignatureFrom: "x509: invalid signature: parent certificate cannot sign
       this kind of certificate"), for Milvus verifying a client chain in tlsMode 2 and for Go clients (checked
       against real Go 1.21/1.24 with the Go verifier).""",
       "Reissue the CA with `keyUsage = critical, keyCertSign, cRLSign` (or without keyUsage).",
       by=PATH),
    _c("ca.path_length_exceeded", "More intermediates than a CA's pathLenConstraint allows",
       """A CA with `pathlen:N` may have at most N intermediates below it. Go enforces it on every CA, the root
       included (Milvus, tlsMode 2: "x509: too many intermediates for path length constraint", observed);
       BoringSSL (pymilvus) enforces it on intermediates but not on the trust anchor.""",
       "Reissue the CA with a larger (or no) path length: `basicConstraints = critical, CA:TRUE, pathlen:1`, or issue the leaf directly from it.",
       go_only=True,
       by=PATH),
    _c("chain.too_complex", "Go gives up building the chain (too many candidate issuers)",
       """Go's path building checks at most 100 signatures (crypto/x509 maxChainSignatureChecks): a chain file or CA
       file with many certificates of the same subject, or cross-signed loops, makes it stop with "x509: signature
       check attempts limit reached while verifying certificate chain" before it finds a path, so a Go client (and
       Milvus, tlsMode 2) refuses a chain another verifier accepts.""",
       """Send only the path the peer needs, leaf first: the leaf and its intermediates, once each (`openssl
       crl2pkcs7 -nocrl -certfile` on the file `| openssl pkcs7 -print_certs -noout` lists what it holds), and
       keep one certificate per CA subject in the trust file.""",
       by=GO_PATH, go_only=True),
    _c("leaf.is_ca", "Leaf certificate is a CA",
       "Go and grpc still accept it, but a server or client certificate with CA:TRUE can sign others: a risk, and stricter verifiers reject it.",
       "Reissue the leaf with `basicConstraints = CA:FALSE` (the docs' `-extensions v3_req`).",
       severity=W, by=ADVISORY),
    ),
    *_family("Names",
    _c("name.mismatch", "server_name is not in the server certificate",
       """grpc checks the server_name (or the dialled host) against the SAN DNS/IP entries, and against the CN
       only when there is no SAN at all: "Peer name X is not in peer certificate".""",
       """Pass the name the certificate carries as pymilvus server_name, or reissue with the name checked in the
       SAN (`subjectAltName` with a DNS entry, an IP entry for an IP target) in the openssl.cnf [v3_req] section;
       the finding gives the line with the real name.""",
       by=(Enforcer.CLIENT_TLS, Enforcer.GO_CLIENT)),
    _c("name.trailing_dot", "server_name ends in a dot",
       """grpc sends the name as SNI; Milvus's Go TLS server refuses an SNI that ends in a dot (observed against
       Milvus 2.3.5: "tls: unexpected message"), although grpc's own name check would accept it.""",
       "Drop the trailing dot from pymilvus server_name (`server_name=\"milvus.example.com\"`).",
       by=GO, go_only=True),
    _c("name.cn_only", "Server certificate has no subjectAltName (CN only)",
       """grpcio (pymilvus) still falls back to the CN, so it connects today; Go clients (1.15+) and most other
       modern clients refuse it ("certificate relies on legacy Common Name field").""",
       "Add `subjectAltName = @alt_names` and an `[alt_names]` section with the server's DNS names to [v3_req] and reissue (the finding gives the line with the real name).",
       severity=W, by=(Enforcer.GO_CLIENT,)),
    ),
    *_family("Usage",
    _c("eku.client_auth_missing", "Client certificate not allowed for clientAuth",
       """In tlsMode 2 Go verifies the client certificate for ExtKeyUsageClientAuth: a cert (or chain) with an
       extendedKeyUsage that lacks clientAuth is refused ("incompatible key usage").""",
       "Reissue the client cert with `extendedKeyUsage = clientAuth` (or with no extendedKeyUsage at all).",
       by=GO),
    _c("eku.server_auth_missing", "Server certificate not allowed for serverAuth",
       """grpc (BoringSSL) checks the server certificate's purpose: an extendedKeyUsage without serverAuth fails
       ("unsupported certificate purpose").""",
       "Reissue the server cert with `extendedKeyUsage = serverAuth` (or with no extendedKeyUsage at all).",
       by=(Enforcer.CLIENT_TLS, Enforcer.GO_CLIENT)),
    _c("ku.digital_signature_missing", "keyUsage lacks digitalSignature",
       """With modern key exchange the certificate key signs the handshake; BoringSSL (pymilvus) refuses a
       server certificate whose keyUsage forbids it. Go ignores keyUsage on client certificates.""",
       "Reissue with `keyUsage = digitalSignature, keyEncipherment` (the docs' v3_req has it).",
       by=CLIENT),
    ),
    *_family("Algorithms",
    _c("sig.weak", "Certificate signed with a broken hash (SHA-1/MD5)",
       """Go 1.18+ rejects SHA-1-signed certificates (client certs in tlsMode 2: "insecure algorithm SHA1-RSA");
       BoringSSL rejects MD5. A self-signed trust anchor's own signature is never checked.""",
       "Reissue with SHA-256: `openssl x509 -req -sha256 ...`.",
       go_only=True,
       by=PATH),
    _c("sig.unsupported", "Certificate signature algorithm the verifier does not implement",
       """Go verifies RSA PKCS#1 v1.5, ECDSA and Ed25519 signatures, and RSA-PSS only with SHA-256/384/512, MGF1
       of the same hash and a salt as long as the hash (the TLS 1.3 profile); anything else fails with
       "x509: cannot verify signature: algorithm unimplemented" (Milvus, tlsMode 2, on a client certificate).
       BoringSSL (pymilvus) has the same RSA-PSS rule for the server certificate: "BAD_ENCODING: certificate
       signature failure". `openssl x509 -sigopt rsa_padding_mode:pss` without a salt length writes the maximum
       salt, which both refuse (observed with Go 1.21/1.24 and grpcio 1.85).""",
       """Re-sign with `-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest` (SHA-256, salt 32), or with
       plain `-sha256` (PKCS#1 v1.5).""",
       by=PATH),
    ),
    *_family("Client parameters",
    _c("client.cert_missing", "Mutual TLS without a client certificate",
       """tlsMode 2 requires and verifies a client certificate; without one the server ends the handshake
       ("client didn't provide a certificate") and pymilvus reports "illegal connection params or server unavailable".""",
       "Pass client_pem_path, client_key_path and ca_pem_path to pymilvus (all three), and no server_pem_path.",
       by=PARAMS),
    _c("client.params_conflict", "server_pem_path together with client certificates",
       """pymilvus gives server_pem_path precedence: it builds a one-way channel and silently sends no client
       certificate, so a tlsMode 2 server refuses it.""",
       "For tlsMode 2 drop server_pem_path and pass client_pem_path, client_key_path and ca_pem_path.",
       by=PARAMS),
    _c("client.params_incomplete", "Only some of the three mutual-TLS parameters",
       """pymilvus builds a mutual channel only when client_pem_path, client_key_path and ca_pem_path are all
       set; otherwise it falls back to the system roots and sends no client cert (ca_pem_path alone is ignored,
       pymilvus#2785).""",
       "Pass all three (mutual) or only server_pem_path (one-way).",
       by=PARAMS),
    _c("client.server_name_required", "The client cannot build its TLS channel without a server name",
       """milvus-sdk-java's one-way branch (serverPemPath) calls grpc-java's overrideAuthority(serverName)
       unconditionally; without serverName it throws NullPointerException ("authority") and no client is made.""",
       "Set serverName to a name in the server certificate's SAN (ConnectConfig.builder().serverName(...)).",
       by=CLIENT),
    _c("client.mode_unsupported", "The client cannot make the TLS mode it is asked for",
       """milvus-cli's `connect -tls 2` raises NotImplementedError ("two-way encryption (tlsmode == 2) is not
       implemented yet"): no connection, and no client certificate can be sent, so a tlsMode 2 server cannot be
       reached with it.""",
       "Use -tls 1 against a tlsMode 1 server, or a client that sends a certificate (pymilvus with client_pem_path, client_key_path and ca_pem_path) for tlsMode 2.",
       by=CLIENT),
    _c("client.setting_ignored", "A TLS setting the client (or the tool around it) never reads",
       """The value is given but the client does not use it in that configuration, so it runs with a different
       trust root, name or certificate than the one configured (milvus-cli's -cert without -tls 1; an Attu TLS
       variable without the root path; a milvus-backup path its tlsMode does not read).""",
       "Set the setting the finding names (or drop the unused one), as the finding says.",
       severity=W, by=CLIENT),
    _c("client.mutual_downgraded", "The tool silently falls back from mutual to one-way TLS",
       """milvus-backup's v1 backup.yaml (no `configVersion: v2`) with `milvus.tlsMode: 2` and no
       `milvus.mtlsCertPath`/`milvus.mtlsKeyPath` connects with server TLS only (its own migrate.go: "v1 used server
       TLS"): no client certificate is sent, so a tlsMode 2 Milvus ends the handshake ("certificate required") and
       nothing in the tool's output says mutual TLS was dropped.""",
       """In backup.yaml set both `milvus.mtlsCertPath: /path/client.pem` and `milvus.mtlsKeyPath: /path/client.key`
       (v2 format: `milvus.grpc.mtlsCertPath`/`mtlsKeyPath` under `milvus.grpc.tlsMode: mutual`), or `milvus.tlsMode:
       1` against a tlsMode 1 Milvus.""",
       by=(Enforcer.GO_CLIENT,)),
    _c("client.rest_on_grpc_port", "The tool calls REST over TLS on Milvus's gRPC port",
       """milvus-backup derives its REST endpoint from its gRPC address when `milvus.rest.endpoint` is empty (a v1
       backup.yaml has no such key): https://HOST:19530 with TLS on (restfulBaseURL, milvus#46523). No Milvus
       line serves REST there under TLS: 2.3 and 2.4.0-2.4.12 serve gRPC only on the port (milvus#36724), 2.4.13+
       refuse to start with a shared port, so REST is on `proxy.http.port`. Segment info during backup and import
       create/describe during restore fail.""",
       """In backup.yaml (v2 format, `configVersion: v2`) set `milvus.rest.endpoint: https://HOST:19121`, the port
       Milvus's `proxy.http.port` serves (a v1 file: translate it with milvus-backup's config migrate first).""",
       by=(Enforcer.GO_CLIENT,)),
    _c("client.paths_ignored", "This pymilvus release ignores the certificate paths without server_name",
       """pymilvus 2.1.0 to 2.3.7 build the TLS channel from server_pem_path, ca_pem_path and the client pair only
       when server_name is set (pymilvus#1962); without it they trust the system roots and send no client
       certificate, so a private CA fails with "illegal connection params or server unavailable".""",
       "Pass server_name (the name in the server certificate), or upgrade to pymilvus 2.3.8 / 2.4.0 or later.",
       by=PARAMS),
    _c("client.default_port", "The client's address has no port, and the client's default is not Milvus's",
       """pymilvus 2.3.5+ dials 443 for an https:// URI without a port (MilvusClient of 2.6.10-2.6.11 dials 19530,
       fixed in 2.6.12); the Node SDK only warns and grpc-js dials 443. Milvus listens on 19530 unless a proxy or
       an ingress serves 443, so the connection is refused or reaches something else. An error when nothing in the
       given deployment serves 443 (no Compose port published on 443, no --uri on :443, no Ingress with TLS); a
       warning when something does, or when the client's default is 19530.""",
       "Write the port in the address: https://HOST:19530 (or the port the proxy or ingress serves).",
       by=PARAMS),
    _c("client.mode_mismatch", "Client parameters do not fit the server's tlsMode",
       "One-way parameters against tlsMode 2, TLS parameters against tlsMode 0, or plain parameters against TLS.",
       "Match the pymilvus call to common.security.tlsMode (see the printed MilvusClient call).",
       by=PARAMS),
    _c("client.auth_missing", "Authorization is on but the client passes no credentials",
       """With `common.security.authorizationEnabled: true` every RPC needs a token or user and password; after
       a perfect TLS handshake the server answers UNAUTHENTICATED, which users read as a TLS failure.""",
       """Pass `token="user:password"` (or `user=` and `password=`) to MilvusClient; the default account is root
       (password Milvus until changed).""",
       by=PARAMS),
    ),
    *_family("Deployment files",
    _c("config.tls_mode_invalid", "common.security.tlsMode is not 0, 1 or 2",
       "Milvus runs no TLS branch for any other value: the proxy serves plaintext.",
       "Set `common.security.tlsMode: 1` (one-way) or `2` (mutual) in milvus.yaml.",
       by=DEPLOY),
    _c("config.tls_disabled", "TLS files configured but tlsMode is 0",
       "With tlsMode 0 Milvus ignores tls.* and serves plaintext; TLS clients fail with WRONG_VERSION_NUMBER.",
       "Set `common.security.tlsMode: 1` or `2`, or connect with http:// and no TLS arguments.",
       by=DEPLOY),
    _c("config.misnested", "TLS keys under a section Milvus never reads",
       "Milvus reads `tls.*` at the top level and `common.security.tlsMode`; `common.tls.*` (operator samples) is ignored.",
       "Move the keys: top-level `tls: {serverPemPath, serverKeyPath, caPemPath}` and `common: {security: {tlsMode: N}}`.",
       by=DEPLOY),
    _c("config.key_not_read", "A TLS key of another link sits at a path Milvus does not read",
       """Milvus reads exactly the paramtable keys (minio.useSSL, minio.ssl.tlsCACert, kafka.securityProtocol,
       kafka.ssl.*, etcd.ssl.*, proxy.http.*), matched without case and "_" (config.formatKey): `minio.tlsCACert`,
       `kafka.tls.tlsCaCert` or `etcd.useSSL` are never read, and the link keeps Milvus's default for the key
       meant.""",
       "Move the value to the key the finding names and delete the stray one.", severity=W, by=DEPLOY),
    _c("config.key_not_in_line", "A TLS key this Milvus release does not read yet",
       """The key is spelled right but came later than the release judged (paramtable `Version:`):
       kafka.ssl.* from 2.3.11, minio.ssl.tlsCACert from 2.3.12, so Milvus 2.3.5 ignores them and the link runs
       without them (Kafka and S3 then trust only the system CAs).""",
       "Run a Milvus release that reads the key, or delete it so nobody relies on it.", severity=W, by=DEPLOY),
    _c("config.legacy_key", "Legacy common.security.tlsEnabled",
       "Milvus 2.0/2.1 used tlsEnabled; current Milvus ignores it, so TLS stays off.",
       "Replace with `common.security.tlsMode: 1` or `2`.",
       by=DEPLOY),
    _c("config.http_port_shared", "REST shares the gRPC port while TLS is on",
       """With `proxy.http.enabled` (true by default) and no `proxy.http.port`, REST shares 19530 through cmux,
       which only works in tlsMode 0. Milvus 2.4.13+ (listener_manager.go, milvus#36459), 2.5 and 2.6 refuse to
       start ("proxy server(http) and external grpc server share the same port, tls mode must be 0",
       milvus#46312): an error. Milvus 2.3 and 2.4.0-2.4.12 start and silently serve no REST (milvus#36724): a
       warning. The Helm chart does not render `proxy.http.*` from its values.""",
       """Set `proxy.http.port` to its own port (e.g. 19121) or `proxy.http.enabled: false` in milvus.yaml/user.yaml
       (Helm: `extraConfigFiles.user.yaml`; Operator: `spec.config.proxy.http`).""",
       by=DEPLOY, go_only=True),
    _c("config.path_not_mounted", "Configured path is not provided by any volume",
       "The container sees no file at that path: Milvus exits at start.",
       "Mount the host folder at the configured path (docs: `./tls:/milvus/tls`), or fix the path in milvus.yaml.",
       by=DEPLOY),
    _c("config.internal_sni_mismatch", "Internal TLS certificate lacks internaltls.sni",
       "Milvus 2.5+ nodes verify each other against the one `internaltls.sni` name: a node cert without it breaks cluster traffic.",
       "Reissue the node certificate with `subjectAltName = DNS:<internaltls.sni>`.",
       by=DEPLOY),
    # issue 14: Milvus 2.4-2.6 deployments
    _c("config.internal_tls_files", "Internal TLS files missing or unusable",
       """Milvus 2.5+ (`common.security.internaltlsEnabled`): each component loads `internaltls.serverPemPath` and
       `internaltls.serverKeyPath` (credentials.NewServerTLSFromFile) and its clients `internaltls.caPemPath`. A
       component that cannot load them logs "<Node> can't create creds" and serves plaintext while its peers dial
       TLS: nothing fails at start, every internal call fails later. Before 2.5.0 (milvus#36865) the keys do not
       exist: internal traffic stays plaintext (a warning).""",
       """Provide the three files to every Milvus component (Helm: global `volumes`/`volumeMounts`, not
       `proxy.volumes`; Operator: `spec.components.volumes`/`volumeMounts`) and point `internaltls.*` at them.""",
       by=DEPLOY),
    _c("config.default_certs", "tlsMode set without tls.* paths: the image's test certificates",
       """Milvus then loads its default `configs/cert/server.pem|server.key|ca.pem`: the sample certificates in
       the image and the source tree, whose CA private key is public. Anyone can impersonate such a server or
       (mode 2) mint a client certificate it accepts.""",
       """Issue your own certificates (`milvus-tls gen`), mount them (e.g. `./tls:/milvus/tls`) and set
       `tls.serverPemPath`, `tls.serverKeyPath` (and `tls.caPemPath` for mode 2) in milvus.yaml/user.yaml.""",
       by=DEPLOY),
    _c("config.helm_tls_incomplete", "Helm proxy.tls.enabled does not switch Milvus to TLS",
       """The chart's `proxy.tls.enabled` only creates a kubernetes.io/tls Secret (tls.crt, tls.key, no ca.crt) from
       `proxy.tls.crt/key`; it mounts nothing and sets no tlsMode. Values such as `--set
       common.security.tlsMode=1` are not rendered into Milvus's config: only `extraConfigFiles` reaches it.""",
       """Mount the Secret (`proxy.volumes`/`proxy.volumeMounts`, or the global ones) and set
       `tls.serverPemPath`, `tls.serverKeyPath` and `common.security.tlsMode` in `extraConfigFiles.user.yaml`;
       for tlsMode 2 add a ca.crt key and `tls.caPemPath`.""",
       by=DEPLOY),
    _c("config.k8s_unsafe_path", "Kubernetes key or path that is not a plain name inside the volume",
       """A Secret/ConfigMap key outside `[-._a-zA-Z0-9]`, or an `items[].path`/`subPath` that is absolute or holds
       `..`: the API server rejects the object ("a valid config key must consist of alphanumeric characters, '-',
       '_' or '.'", "must be a relative path", "must not contain '..'"), so the pod never gets the file. The doctor
       never writes such an entry anywhere (a hostile manifest cannot make it write outside its private folder):
       it is skipped, and what needed it is reported missing.""",
       """Name each key with letters, digits, `-`, `_` and `.` only (the docs' `tls.crt`, `tls.key`, `ca.crt`,
       or `server.pem`, `server.key`, `ca.pem`), and give `items[].path` and `subPath` as a path relative to the
       volume (`server.pem`, `certs/server.pem`).""",
       by=DEPLOY),
    _c("config.ingress_backend_protocol", "Ingress speaks the wrong protocol to Milvus",
       """nginx-ingress with `nginx.ingress.kubernetes.io/backend-protocol: GRPC` (the chart's default annotation)
       sends plaintext HTTP/2 to the backend; in front of a TLS Milvus that fails (HTTP 502 at the client,
       zilliztech/milvus-helm#71). GRPCS in front of a tlsMode 0 Milvus fails the same way; a tlsMode 2 Milvus
       also needs the ingress to present a client certificate.""",
       """Set `nginx.ingress.kubernetes.io/backend-protocol: GRPCS` for tlsMode 1/2 (GRPC for tlsMode 0); for
       tlsMode 2 also `nginx.ingress.kubernetes.io/proxy-ssl-secret: NAMESPACE/SECRET` with a client cert.""",
       by=DEPLOY),
    _c("config.ingress_name_mismatch", "Ingress TLS does not cover the name the client checks",
       """With TLS terminated at the ingress the client verifies the ingress's certificate (spec.tls secretName),
       not Milvus's: the client's server_name (or URI host) must be among spec.tls hosts and in that
       certificate's subjectAltName, else CERTIFICATE_VERIFY_FAILED / "Peer name ... is not in peer certificate".""",
       """Add the host to `spec.tls[].hosts` and issue the ingress Secret's certificate for it, or connect with
       that host (pymilvus `server_name`) and trust the ingress's CA.""",
       by=DEPLOY),
    ),
    *_family("Links",   # Milvus -> etcd (linkkinds/etcd.py, rules/links.py; proven in docs/links.md)
    _c("etcd.client_pair_unusable", "etcd.ssl.enabled is true but the client pair does not load",
       """With etcd.ssl.enabled Milvus loads etcd.ssl.tlsCert/tlsKey unconditionally (tls.LoadX509KeyPair in
       pkg/util/etcd/etcd_util.go), even when etcd asks no client certificate: a pair that is not set, missing,
       unreadable or not a matching pair makes Milvus panic at start ("load etcd cert key pair error"; observed,
       2.3.5: exit within 1 s).""",
       "Set etcd.ssl.tlsCert and etcd.ssl.tlsKey to a client certificate and its key that exist where Milvus runs "
       "(the finding names the paths and the check to run).", by=GO),
    _c("kafka.protocol_invalid", "kafka.securityProtocol is not a librdkafka security.protocol",
       """Milvus passes kafka.securityProtocol to librdkafka as security.protocol when it is set (kafka_client.go,
       2.5 lines 85-104); librdkafka takes only PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL and refuses the
       configuration otherwise, so no Kafka client is created (modelled from the source, not run).""",
       "Write kafka.securityProtocol as SSL (or SASL_SSL with SASL).", by=DEPLOY),
    _c("kafka.ssl_without_protocol", "kafka.ssl.enabled is true but kafka.securityProtocol is not SSL/SASL_SSL",
       """With kafka.ssl.enabled (2.3.11+) Milvus sets librdkafka's ssl.certificate/key/ca.location but never
       security.protocol itself: without kafka.securityProtocol SSL or SASL_SSL librdkafka speaks plaintext and the
       files are unused; a TLS listener drops the connection (modelled from the source, not run).""",
       "Add kafka.securityProtocol: SSL (SASL_SSL with SASL) beside kafka.ssl.enabled.", by=DEPLOY),
    _c("proxy_forward.name_missing", "The proxy certificate lacks DNS:proxy, the name the 2.6 forward checks",
       """During a rolling upgrade from 2.5, Milvus 2.6.7 to 2.6.12 with tlsMode 1 or 2 forwards DML and DQL from a 2.6
       proxy to the 2.5 proxies over TLS with `tls.Config{}`: grpc-go takes the ServerName from the target
       `session:///proxy`, so Go verifies the 2.5 proxy's tls.serverPemPath against the name "proxy" (SANs only)
       and the system roots; without DNS:proxy every forwarded request fails ("certificate is valid for X, not
       proxy"; internal/distributed/streaming/forward.go, milvus#48224; 2.6.13 skips the verification; modelled
       from the source, not run).""",
       "Reissue tls.serverPemPath with DNS:proxy added to its subjectAltName (and its CA in the image's system roots), "
       "or upgrade straight to 2.6.13 or later.", by=GO),
    _c("proxy_forward.no_client_cert", "tlsMode 2: the 2.6 forward sends no client certificate to the 2.5 proxies",
       """The 2.6 proxy's forward to the 2.5 proxies (2.6.7+) dials with a tls.Config that holds no certificate,
       while a 2.5 proxy in tlsMode 2 requires and verifies one (RequireAndVerifyClientCert): every forwarded DML and
       DQL request fails until the streaming service takes over (internal/distributed/streaming/forward.go, every
       2.6 patch read; modelled from the source, not run).""",
       "Run the rolling upgrade from 2.5 with tlsMode 1 (or stop the 2.5 proxies before the 2.6 ones serve), then "
       "return to tlsMode 2.", by=GO),
    _c("tikv.ssl_files_missing", "tikv.ssl.enabled is true but tlsCACert or the client pair is not set",
       """Milvus passes tikv.ssl.tlsCACert/tlsCert/tlsKey to tikv/client-go v2.0.4 as they are: client-go dials the
       TiKV stores with TLS only when the CA is set (config/security.go ToTLSConfig returns no tls.Config without
       it) and its PD client only when tlsCert and tlsKey are set (pd client tlsutil ToTLSConfig returns nil
       without them), so part of the cluster is dialled in plaintext and a TLS TiKV cluster drops it (a TLS PD
       with a CA also requires a client certificate; modelled from the source, not run).""",
       "Set tikv.ssl.tlsCACert, tikv.ssl.tlsCert and tikv.ssl.tlsKey together (the cluster's CA and a client pair it "
       "issued), or tikv.ssl.enabled: false for a plaintext cluster.", by=DEPLOY),
    _c("tikv.client_pair_unusable", "tikv.ssl.tlsCert/tlsKey do not load as a pair",
       """client-go pre-tests the pair with tls.LoadX509KeyPair ("could not load client key pair") and the PD client
       loads it too ("KeyFile and CertFile must both be present" when only one is set): the coordinator's TiKV
       client is not created, its init returns the error and Milvus panics at start (modelled from the source, not
       run).""",
       "Set tikv.ssl.tlsCert and tikv.ssl.tlsKey to a client certificate and its key that exist where Milvus runs.",
       by=GO),
    _c("tikv.ca_unusable", "tikv.ssl.tlsCACert does not load",
       """client-go reads tikv.ssl.tlsCACert with os.ReadFile and AppendCertsFromPEM ("could not read ca
       certificate", "failed to append ca certs"): the TiKV client is not created and Milvus panics at start
       (modelled from the source, not run).""",
       "Set tikv.ssl.tlsCACert to the PEM file of the CA that issued the PD and TiKV certificates.", by=GO),
    _c("pulsar.tls_setting_not_read", "A Pulsar TLS setting Milvus does not read",
       """Milvus builds its pulsar-client-go ClientOptions from pulsar.address and pulsar.authPlugin/authParams only
       (mq_factory.go, 2.3-2.6; streaming builder.go, 2.5-2.6): no TLSTrustCertsFilePath, TLSAllowInsecureConnection or
       TLSValidateHostname. A pulsar.tls* key is ignored and a pulsar+ssl:// broker is verified against Go's system
       roots and the dialled host (modelled from the source, not run).""",
       "Delete the key; put the brokers' CA into the Milvus image's system roots (or SSL_CERT_FILE) and use a "
       "pulsar+ssl:// pulsar.address.", severity=W, by=DEPLOY),
    _c("pulsar.tls_auth_over_plaintext", "pulsar.authPlugin is tls but pulsar.address is not pulsar+ssl://",
       """The tls auth plugin only hands its certificate to pulsar-client-go's TLS handshake; with a pulsar:// address
       there is none, so the broker sees an unauthenticated plaintext client and refuses it (modelled from the
       source, not run).""",
       "Write pulsar.address as pulsar+ssl://HOST:6651 (the brokers' TLS port).", by=DEPLOY),
    _c("pulsar.auth_pair_unusable", "pulsar.authPlugin is tls but authParams names no tlsCertFile/tlsKeyFile",
       """Milvus reads pulsar.authParams as `key:value` pairs joined by "," (a JSON text or a value with a ":" is
       lost); the tls plugin loads tlsCertFile/tlsKeyFile with tls.LoadX509KeyPair when the client is created, so
       a missing name fails every Pulsar client and Milvus does not start (modelled from the source, not run).""",
       "Write pulsar.authParams as `tlsCertFile:/path/client.pem,tlsKeyFile:/path/client.key`.", by=GO),
    _c("replication.tls_settings_ignored", "tls.clusters.<id>.* is written without both client paths: not used",
       """Milvus 2.6.12+ builds the TLS config of its replication client to cluster <id> only when
       tls.clusters.<id>.clientPemPath and clientKeyPath are both set (internal/cdc/cluster/milvus_client.go
       buildCDCTLSConfig): a caPemPath alone, or half of the pair, is dropped without a word. The target is then
       dialled as the replicate configuration's URI says: plaintext, or for https:// TLS with Go's system roots and no
       client certificate, so a private CA or a target in tlsMode 2 fails (modelled from the source, not run).""",
       "Set tls.clusters.<id>.clientPemPath and clientKeyPath (a client pair the target's tls.caPemPath issued) beside "
       "caPemPath; there is no one-way TLS with a private CA for this link.", severity=W, by=DEPLOY),
    _c("replication.client_pair_unusable", "tls.clusters.<id>.clientPemPath/clientKeyPath do not load as a pair",
       """With both client paths set Milvus loads them with tls.LoadX509KeyPair each time it creates the replication
       client (client/milvusclient/tls.go BuildTLSConfig, "failed to load client cert"): a missing, unreadable or
       mismatched pair fails every attempt; the channel replicator logs "initialize replicator failed" and retries
       forever, so nothing is replicated to that cluster while Milvus itself keeps serving (modelled from the
       source, not run).""",
       "Point tls.clusters.<id>.clientPemPath and clientKeyPath at a client certificate and its own key that exist "
       "where Milvus runs.", by=GO),
    _c("replication.ca_unusable", "tls.clusters.<id>.caPemPath is not set or does not load",
       """Once the client pair is set, BuildTLSConfig reads caPemPath first (os.ReadFile, "failed to read CA cert";
       AppendCertsFromPEM, "failed to parse CA cert"): an unset path, a missing file or one with no certificate
       fails every attempt to create the replication client and nothing is replicated to that cluster (the
       replicator retries forever; modelled from the source, not run). It is the only root: the system roots are
       not used.""",
       "Set tls.clusters.<id>.caPemPath to the PEM file of the CA that issued the target cluster's proxy "
       "certificate.", by=GO),
    _c("replication.ca_not_ca", "tls.clusters.<id>.caPemPath holds a certificate that is not a CA",
       """caPemPath is the replication client's only root. Go verifies no signature with a certificate that is not
       a CA (crypto/x509 CheckSignatureFrom: "parent certificate cannot sign this kind of certificate"), so a
       non-CA certificate there (a client or server certificate given by mistake) trusts only itself: the target
       verifies only if it presents exactly that certificate (modelled from the source, not run).""",
       "Set tls.clusters.<id>.caPemPath to the CA certificate (basicConstraints CA:TRUE) that issued the target's "
       "proxy certificate.", severity=W, by=GO),
    _c("etcd.ca_unusable", "etcd.ssl.tlsCACert is not set or does not load",
       """Milvus reads etcd.ssl.tlsCACert into its etcd client's RootCAs (the system roots are not used): a path
       that is not set or cannot be read stops Milvus at start; a file with no certificate trusts nothing.""",
       "Set etcd.ssl.tlsCACert to the PEM file of the CA that issued etcd's server certificate.", by=GO),
    _c("etcd.server_untrusted", "etcd's server certificate does not chain to etcd.ssl.tlsCACert",
       """Go's crypto/tls in Milvus's etcd client verifies etcd's certificate against tlsCACert only: "x509:
       certificate signed by unknown authority"; Milvus never becomes ready and retries forever (observed, 2.3.5).""",
       "Give Milvus the CA that issued etcd's --cert-file as etcd.ssl.tlsCACert (`openssl verify -CAfile` must say "
       "OK), or reissue etcd's certificate from that CA.", by=GO),
    _c("etcd.name_mismatch", "etcd's certificate does not carry the host in etcd.endpoints",
       """Go checks the host Milvus dials (the host of each etcd.endpoints entry) against the certificate's SANs
       only (never the CN; an IP needs an IP SAN): "x509: certificate is valid for X, not Y"; Milvus retries forever
       (observed, 2.3.5).""",
       "Reissue etcd's certificate with the endpoint's host in subjectAltName, or dial a name it carries in "
       "etcd.endpoints.", by=GO),
    _c("etcd.client_cert_untrusted", "Milvus's etcd client certificate is not issued by etcd's --trusted-ca-file",
       """With --client-cert-auth etcd verifies the client certificate against --trusted-ca-file; Go's client
       sends no certificate the server's CAs did not issue, so etcd logs "client didn't provide a certificate" and
       Milvus retries forever ("bad certificate"; observed, 2.3.5). A certificate without clientAuth is refused
       too.""",
       "Issue etcd.ssl.tlsCert from the CA in etcd's --trusted-ca-file (with extendedKeyUsage clientAuth), or add its "
       "CA to that file.", by=GO),
    _c("etcd.ssl_off_tls_server", "etcd.ssl.enabled is false but etcd serves TLS",
       """Milvus speaks plaintext gRPC to an https:// etcd client URL: etcd logs "first record does not look like a
       TLS handshake", Milvus "error reading server preface: EOF" and retries forever (observed, 2.3.5).""",
       "Set etcd.ssl.enabled: true with tlsCert, tlsKey and tlsCACert, or serve etcd's client URL over http://.",
       by=DEPLOY),
    _c("etcd.ssl_on_plain_server", "etcd.ssl.enabled is true but etcd serves plaintext",
       """Milvus starts a TLS handshake with an http:// etcd client URL: the etcd client logs "EOF" / "connection
       reset by peer" and Milvus retries forever (observed, 2.3.5).""",
       "Set etcd.ssl.enabled: false, or give etcd an https:// --listen-client-urls with --cert-file/--key-file.",
       by=DEPLOY),
    _c("etcd.min_version_invalid", "etcd.ssl.tlsMinVersion is not 1.0, 1.1, 1.2 or 1.3",
       """Milvus maps tlsMinVersion with a switch over "1.0".."1.3"; any other value ("TLS1.2", "1.2.0") is
       "unknown TLS version" and the etcd client is not created.""",
       "Write etcd.ssl.tlsMinVersion as 1.2 or 1.3 (a YAML string).", by=GO),
    _c("etcd.min_version_too_high", "etcd.ssl.tlsMinVersion is higher than what etcd offers",
       """Milvus's default tlsMinVersion is 1.3; an etcd (or a terminator in front of it) that offers only TLS 1.2
       refuses the handshake: "tls: protocol version not supported"; Milvus retries forever (observed, 2.3.5
       against TLS 1.2 only; milvus#42703).""",
       "Set etcd.ssl.tlsMinVersion: \"1.2\" (what etcd offers), or let etcd offer TLS 1.3.", by=GO),
    # Birdwatcher -> etcd (linkkinds/birdwatcher_etcd.py): the etcd.* codes above name its causes too (in its
    # own flags: --enableTLS, --rootCAPem, --etcdCert/--etcdKey, --min_version, default 1.2); only this is its own
    _c("birdwatcher.args_refused", "Birdwatcher refuses its connect line, so it never dials etcd",
       """Birdwatcher splits a command on single spaces and parses `connect` with cobra/pflag: an unknown flag
       (`--enableTls`; `--min_version` on the v1.0.x releases), a single-dash flag (`-etcd`), a flag without its
       value, a bool flag with a value strconv.ParseBool does not take (`--enableTLS=yes`), or an --etcd address
       net.SplitHostPort refuses (`https://etcd:2379`: "invalid etcd address") stops the command before any
       connection: Birdwatcher prints the error and stays disconnected (milvus-io/birdwatcher@9e8cebedfb21,
       framework/command.go, states/etcd_connect.go).""",
       "Write the connect line as the finding's command gives it (two dashes, the flag's exact case, host:port).",
       by=(Enforcer.GO_CLIENT,)),
    # Milvus -> object storage (linkkinds/object_storage.py; observed with real Milvus 2.3.5, docs/links.md part 3)
    _c("objectstore.ssl_on_plain_server", "minio.useSSL is true but the S3 endpoint serves plaintext",
       """Milvus's minio-go dials https:// and gets an HTTP answer: "http: server gave HTTP response to HTTPS
       client"; datacoord gives up after 20 bucket checks and Milvus panics (observed, 2.3.5: exit at ~53 s).""",
       "Set minio.useSSL: false, or give the S3 service a certificate (MinIO: public.crt and private.key in its "
       "certs dir).", by=DEPLOY),
    _c("objectstore.ssl_off_tls_server", "minio.useSSL is false but the S3 endpoint serves TLS",
       """Milvus sends plain HTTP to a TLS port: nginx answers "400 The plain HTTP request was sent to HTTPS port",
       MinIO "Client sent an HTTP request to an HTTPS server" (#28032); Milvus panics after 20 bucket checks
       (observed, 2.3.5: exit at ~53 s).""",
       "Set minio.useSSL: true (and make the S3 CA trusted by both of Milvus's clients), or serve plaintext.",
       by=DEPLOY),
    _c("objectstore.server_untrusted", "The S3 certificate does not chain to the roots of Milvus's Go client",
       """minio-go verifies with Go's system pool: SSL_CERT_FILE when set (minio.ssl.tlsCACert sets it, 2.3.12+),
       else /etc/ssl/certs/ca-certificates.crt: "x509: certificate signed by unknown authority"; nothing is written
       and Milvus panics (observed, 2.3.5: exit at ~53 s).""",
       "Put the CA that issued the S3 certificate in the Milvus container's /etc/ssl/certs/ca-certificates.crt "
       "(a bundle mounted over it, or built into the image).", by=GO),
    _c("objectstore.querynode_untrusted", "The S3 certificate does not chain to the system bundle the querynode reads",
       """The querynode's storage client (AWS SDK C++ over libcurl/OpenSSL) trusts only
       /etc/ssl/certs/ca-certificates.crt and never reads SSL_CERT_FILE: with a private CA given only as
       SSL_CERT_FILE, writes (Go) work, then the querynode's precheck fails with curlCode 60 and Milvus panics
       (observed, 2.3.5). 2.5/2.6 turn the C++ verification off when minio.ssl.tlsCACert is set.""",
       "Add the CA to the bundle at /etc/ssl/certs/ca-certificates.crt in the Milvus container (mount a bundle "
       "with it there), not only to SSL_CERT_FILE.", by=DEPLOY),
    _c("objectstore.name_mismatch", "The S3 certificate does not carry the host in minio.address",
       """Both clients check the host of minio.address against the certificate's SANs (Go: never the CN; an IP
       needs an IP SAN): "x509: certificate is valid for X, not Y"; Milvus panics (observed, 2.3.5).""",
       "Reissue the S3 certificate with the minio.address host in subjectAltName, or write a host it carries in "
       "minio.address.", by=GO),
    _c("objectstore.operator_ssl_not_rendered", "The Milvus Operator's dependencies.storage.ssl does not turn on "
       "Milvus's TLS",
       """The operator writes minio.useSSL into Milvus's configuration only from spec.config.minio.useSSL
       (pkg/controllers/configmaps.go); spec.dependencies.storage.ssl is read only by its own health check
       (pkg/controllers/conditions.go). With ssl.enabled true and spec.config.minio.useSSL not true the operator
       reports the storage healthy over TLS while Milvus dials plain HTTP and panics (milvus-operator @a6dcc638;
       observed with real Milvus 2.3.5, docs/links.md part 6).""",
       "Set spec.config.minio.useSSL: true in the Milvus CR beside dependencies.storage.ssl (the official sample "
       "config/samples/milvus_external_minio_ssl.yaml sets both).", by=DEPLOY),
    _c("objectstore.tls_ca_cert_ignored", "minio.ssl.tlsCACert is set on a Milvus that does not read it",
       """minio.ssl.tlsCACert came in 2.3.12; 2.3.0-2.3.11 ignore it, so the CA it names is trusted by neither
       client (observed, 2.3.5: same outcome as no trust at all).""",
       "Upgrade to 2.3.12+, or put the CA in the container's /etc/ssl/certs/ca-certificates.crt instead.",
       severity=W, by=DEPLOY),
    ),
    *_family("Verdict",
    _c("input.not_judged", "A side a mode needs was not judged: the verdict is incomplete",
       """A mode works only when both ends do: Milvus must load its files (tls.serverPemPath, tls.serverKeyPath and,
       for tlsMode 2, tls.caPemPath) and the client must verify it and, for tlsMode 2, present a certificate Milvus
       accepts. When the files of one end were not given (no client certificate for mode 2, a Secret the
       deployment mounts but that was not passed with --k8s), nothing about that end was proven, so the verdict is
       `incomplete` (exit status 4), never a pass.""",
       """Give what the report's "Not judged" line names (the flags, or the Secret: `kubectl get secret NAME -o
       yaml > NAME.yaml` then `--k8s NAME.yaml`), or say that only one end is to be judged with `--side server`
       or `--side client`.""",
       severity=None, by=SEEN),
    ),
    *_family("Handshakes",
    _c("handshake.ok", "Handshake and one RPC succeeded", "", "",
       severity=None, by=SEEN),
    _c("handshake.failed", "Handshake failed for another reason",
       "The raw reason from grpc or ssl is in the detail.",
       "Read the detail; run with --verbose for grpc's own log lines.",
       by=SEEN),
    _c("handshake.disagreement", "Static verdict and real handshake disagree",
       "The doctor's model and what grpc actually did differ: a bug in the doctor. Trust the handshake.",
       "Report it with the JSON report attached.",
       by=SEEN),
    _c("auth.unauthenticated", "TLS worked; the server wants credentials",
       """The TLS handshake passed and Milvus answered the RPC with UNAUTHENTICATED: authorization
       (`common.security.authorizationEnabled`) is on and the client sent no or wrong credentials.""",
       """Pass `token="user:password"` (or `user=`/`password=`) to MilvusClient; give them to the doctor with
       `--pymilvus-args` (they are never printed).""",
       by=SEEN),
    _c("net.proxy_error", "A proxy in front of Milvus answered with an HTTP error",
       """The client reached a reverse proxy or ingress (HTTP status 502/503/504, or an HTTP/2 error) instead of
       Milvus: the proxy could not talk to its backend, typically plaintext gRPC (`grpc_pass grpc://`,
       backend-protocol GRPC) to a TLS Milvus, or the reverse.""",
       """Make the proxy speak TLS to a TLS Milvus (nginx `grpc_pass grpcs://`, nginx-ingress `backend-protocol:
       GRPCS`; tlsMode 2: a client certificate for the proxy) and check the proxy's error log.""",
       by=SEEN),
    _c("net.refused", "Connection refused",
       "Nothing listens there: Milvus is down, exited at start (bad TLS file), or the port is wrong.",
       "Check the port (proxy.port, default 19530) and the Milvus log for a TLS load error.",
       by=SEEN),
    _c("net.timeout", "No answer within the timeout",
       "A firewall drops packets, or the peer accepts and never speaks.",
       "Check reachability of the host and port dialled with `nc -vz` (the handshake gives the command) and raise "
       "--timeout if the network is slow.",
       by=SEEN),
    _c("net.unresolved", "Host name does not resolve",
       "DNS has no address for the host in the URI.",
       "Fix the URI host, or connect by IP and set server_name to the certificate's name.",
       by=SEEN),
    _c("tls.server_plaintext", "TLS client, plaintext server",
       "The server answered in plaintext (tlsMode 0, or TLS not applied): WRONG_VERSION_NUMBER / NotSslRecordException.",
       "Set `common.security.tlsMode: 1|2` and restart Milvus, or connect with http:// and no TLS arguments.",
       by=SEEN),
    _c("tls.client_plaintext", "Plaintext client, TLS server",
       "The server speaks TLS but the client sent plaintext HTTP/2 (http:// URI or secure=False).",
       "Use an https:// URI (or secure=True) with the TLS arguments for the server's mode.",
       by=SEEN),
    _c("tls.client_cert_required", "Server requires a client certificate, none was sent",
       "tlsMode 2 server: \"client didn't provide a certificate\".",
       "Pass client_pem_path, client_key_path and ca_pem_path (all three), and no server_pem_path.",
       by=SEEN),
    _c("tls.client_cert_rejected", "Server rejected the client certificate",
       "tlsMode 2 server could not verify the client cert against tls.caPemPath, or its usage/algorithm is refused.",
       "Give the server the CA that issued the client certificate (tls.caPemPath), or issue the client certificate "
       "from the CA it holds; when it already is, the static findings for mode 2 name what Go refuses (its usage, "
       "its signature algorithm, its chain).",
       by=SEEN),
    _c("tls.server_cert_untrusted", "Client does not trust the server certificate",
       "The server's chain does not lead to the client's root (server_pem_path or ca_pem_path), or it is expired.",
       "Give pymilvus the CA that issued the server cert (ca_pem_path), or the server cert itself (server_pem_path).",
       by=SEEN),
    _c("handshake.not_run", "Handshake could not be attempted",
       """The rehearsal needs server material that loads: Go's tls.LoadX509KeyPair (and, in tlsMode 2, the CA
       pool) must accept it, or Milvus would refuse to start. Or the real pymilvus client could not be started
       (not installed in the interpreter used). The detail says which; the static findings say why.""",
       """Fix the findings about the server files first (key.mismatch, key.encrypted, file.*); for --pymilvus
       install pymilvus or set MILVUS_TLS_CHECK_PYMILVUS_PYTHON to the application's python.""",
       by=SEEN),
    ),
)

CATALOGUE: dict[str, Code] = {c.code: c for c in _CODES}


def describe(code: str) -> Code:
    return CATALOGUE[code]


def default_severity(code: str) -> Optional[Severity]:
    return CATALOGUE[code].severity


def go_only_codes() -> frozenset[str]:
    """Codes a grpcio rehearsal cannot reproduce: only Go (the real Milvus) enforces them, in some cases."""
    return frozenset(c.code for c in CATALOGUE.values() if c.go_only)


def families() -> tuple[str, ...]:
    """Family names in catalogue order."""
    return tuple(dict.fromkeys(c.family for c in CATALOGUE.values()))
