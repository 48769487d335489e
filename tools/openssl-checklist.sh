#!/usr/bin/env bash
# What a careful user does by hand with the openssl CLI before deploying Milvus TLS material (the benchmark's
# baseline): verify both leaves against the CA, check the host name, compare the public keys of both pairs,
# check the expiry of three certificates, and print the extensions.
# usage: tools/openssl-checklist.sh DIR [SERVER_NAME]
set -u
dir=${1:?usage: openssl-checklist.sh DIR [SERVER_NAME]}; name=${2:-localhost}
openssl verify -CAfile "$dir/ca.pem" "$dir/server.pem"
openssl verify -CAfile "$dir/ca.pem" "$dir/client.pem"
openssl x509 -in "$dir/server.pem" -noout -checkhost "$name"
for pair in server client; do
  a=$(openssl x509 -in "$dir/$pair.pem" -noout -pubkey)
  b=$(openssl pkey -in "$dir/$pair.key" -pubout)
  [ "$a" = "$b" ] && echo "$pair key matches" || echo "$pair key MISMATCH"
done
for cert in ca server client; do
  openssl x509 -in "$dir/$cert.pem" -noout -checkend $((30*86400))
done
openssl x509 -in "$dir/server.pem" -noout -ext subjectAltName,keyUsage,extendedKeyUsage,basicConstraints
openssl x509 -in "$dir/client.pem" -noout -ext subjectAltName,keyUsage,extendedKeyUsage,basicConstraints
