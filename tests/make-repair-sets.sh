#!/usr/bin/env bash
# Broken sets for the fix-follow test (issue 19), made with the real openssl CLI by the docs' commands
# (fixtures/make-fixtures.sh, sourced for them) with ca.key kept in every set, as a user who followed the docs has it.
# Only the fault a set is named after differs from the docs. Usage: tests/make-repair-sets.sh OUT_DIR
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../fixtures/make-fixtures.sh" "$1"

ALL=(ca.key ca.pem server.pem server.key client.pem client.key)

# an intermediate CA signed by the docs' CA (inter.pem, inter.key) and a server leaf signed by it
intermediate_and_leaf() {
    printf '[ v3_inter ]\nbasicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign, digitalSignature\n' >inter.cnf
    run openssl genpkey -algorithm RSA -out inter.key
    run openssl req -new -key inter.key -out inter.csr -subj "/C=$Country/O=$Organization/OU=$Organizational/CN=milvus intermediate"
    run openssl x509 -req -days 3650 -in inter.csr -out inter.pem -CA ca.pem -CAkey ca.key -CAcreateserial -extfile inter.cnf -extensions v3_inter
    docs_csr server
    run openssl x509 -req -days 3650 -in server.csr -out leaf.pem -CA inter.pem -CAkey inter.key -CAcreateserial -extfile ./openssl.cnf -extensions v3_req
}

begin key-from-another-run
write_cnf "localhost"; docs_ca; docs_leaf server; docs_leaf client
run openssl genpkey -algorithm RSA -out server.key
publish key-from-another-run "${ALL[@]}"

begin cn-only
write_cnf ""; docs_ca; docs_leaf server; docs_leaf client
publish cn-only "${ALL[@]}"

begin name-missing   # the certificate names milvus.example.com and 127.0.0.1's name only; clients dial localhost
CommonName="milvus.example.com"
write_cnf "milvus.example.com milvus"; docs_ca; docs_leaf server; docs_leaf client
publish name-missing "${ALL[@]}"

begin client-without-clientauth
write_cnf "localhost"; docs_ca; docs_leaf server
write_cnf "localhost" "extendedKeyUsage = serverAuth"; docs_leaf client
publish client-without-clientauth "${ALL[@]}"

begin both-expired
write_cnf "localhost"; docs_ca
docs_csr server; make_expired server
rm -rf demoCA; docs_csr client; make_expired client
publish both-expired "${ALL[@]}"

begin chain-wrong-order   # server.pem holds the intermediate first, then the leaf
write_cnf "localhost"; docs_ca; intermediate_and_leaf; docs_leaf client
cat inter.pem leaf.pem >server.pem
publish chain-wrong-order "${ALL[@]}"

begin intermediate-beside   # server.pem is the leaf alone; the intermediate lies beside it
write_cnf "localhost"; docs_ca; intermediate_and_leaf; docs_leaf client
cp leaf.pem server.pem
publish intermediate-beside "${ALL[@]}" inter.pem

begin ca-not-ca   # the CA step with CA:FALSE (Go refuses the client certificates it signs)
write_cnf "localhost"
run openssl genrsa -out ca.key 2048
run openssl req -new -x509 -key ca.key -out ca.pem -days 3650 -subj "/C=$Country/ST=$State/L=$Location/O=$Organization/OU=$Organizational/CN=$CommonName" -addext "basicConstraints=critical,CA:FALSE"
docs_leaf server; docs_leaf client
publish ca-not-ca "${ALL[@]}"

begin bom   # server.pem saved by an editor that writes a UTF-8 BOM
write_cnf "localhost"; docs_ca; docs_leaf server; docs_leaf client
{ printf '\xef\xbb\xbf'; cat server.pem; } >server.bom && mv server.bom server.pem
publish bom "${ALL[@]}"

begin client-from-regenerated-ca   # the client pair from a second run of the CA step (same subject, other key)
write_cnf "localhost"; docs_ca; docs_leaf server
mkdir other-ca
( cd other-ca; write_cnf "localhost"; docs_ca; docs_leaf client )
cp other-ca/client.pem other-ca/client.key .
publish client-from-regenerated-ca "${ALL[@]}"

begin server-ku-without-digital-signature
write_cnf "localhost"; docs_ca
sed -i 's/^keyUsage = .*/keyUsage = keyEncipherment/' openssl.cnf
docs_leaf server
write_cnf "localhost"; docs_leaf client
publish server-ku-without-digital-signature "${ALL[@]}"
