#!/usr/bin/env bash
# Writes the certificates of secure_ingest_test into DIR with the openssl command (OpenSSL 3.0):
# ca.pem (the agents' trusted CA), other-ca.pem (an untrusted one), server.pem/server.key
# (localhost and 127.0.0.1, 30 days), expired.pem (same key, valid only on 1 January 2020),
# untrusted.pem (same key, signed by other-ca), named.pem (same key, only for the name
# agg.example.test: an aggregator reached by IP or through a load balancer), prn-a.pem/prn-a.key and prn-b.pem/prn-b.key
# (client certificates, CN = the server id), rogue-prn-a.pem/.key (CN prn-a, by other-ca).
# `openssl ca` is used because `openssl x509` cannot set dates in the past.
# Usage: make_test_certs.sh DIR
set -euo pipefail
dir=$1
cd "$dir"

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# A CA named $1 with its own `openssl ca` database.
make_ca() {
  key "$1.key"
  openssl req -x509 -new -key "$1.key" -out "$1.pem" -days 30 -subj "/CN=ramette test $1" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
  mkdir -p "$1.db/new"
  : > "$1.db/index.txt"
  echo 01 > "$1.db/serial"
  cat > "$1.cnf" <<CNF
[ca]
default_ca = ca
[ca]
dir = $1.db
database = $1.db/index.txt
new_certs_dir = $1.db/new
serial = $1.db/serial
default_md = sha256
policy = any
unique_subject = no
[any]
commonName = supplied
[server]
basicConstraints = CA:FALSE
subjectAltName = DNS:localhost,IP:127.0.0.1
extendedKeyUsage = serverAuth
[named]
basicConstraints = CA:FALSE
subjectAltName = DNS:agg.example.test
extendedKeyUsage = serverAuth
[client]
basicConstraints = CA:FALSE
subjectAltName = DNS:\${ENV::CLIENT_ID}
extendedKeyUsage = clientAuth
CNF
}

# sign CA KEY OUT CN EXTENSIONS [openssl ca date options...]
sign() {
  local ca=$1 keyfile=$2 out=$3 cn=$4 ext=$5
  shift 5
  openssl req -new -key "$keyfile" -out "$out.csr" -subj "/CN=$cn"
  CLIENT_ID=$cn openssl ca -batch -config "$ca.cnf" -cert "$ca.pem" -keyfile "$ca.key" \
    -in "$out.csr" -out "$out" -extensions "$ext" -notext "$@" 2>/dev/null
}

make_ca ca
make_ca other-ca
key server.key
sign ca server.key server.pem localhost server -days 30
sign ca server.key expired.pem localhost server -startdate 20200101000000Z -enddate 20200102000000Z
sign other-ca server.key untrusted.pem localhost server -days 30
sign ca server.key named.pem agg.example.test named -days 30
for id in prn-a prn-b; do
  key "$id.key"
  sign ca "$id.key" "$id.pem" "$id" client -days 30
done
key rogue-prn-a.key
sign other-ca rogue-prn-a.key rogue-prn-a.pem prn-a client -days 30
