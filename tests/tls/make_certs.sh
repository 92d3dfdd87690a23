#!/bin/sh
# make_certs.sh DIR: the certificates the TLS tests need, made fresh at build
# time so that no private key is ever committed. A CA, and signed by it:
#   server   EC P-256, localhost + 127.0.0.1 + ::1 (the usual server)
#   other    RSA 2048, other.test (SNI choice, and a name mismatch for localhost)
#   expired  EC P-256, localhost + 127.0.0.1, not valid after yesterday
#   client   EC P-256, clientAuth (client certificates)
# Each NAME.pem holds the certificate, NAME.key its key; ca.pem the CA.
set -eu
dir=$1
mkdir -p "$dir"
cd "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256"
openssl req -x509 $ec -nodes -keyout ca.key -out ca.pem -days 3650 \
  -subj "/CN=nethttp test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

# leaf NAME KEYARGS DAYS EXTENSIONS
leaf() {
  openssl req $2 -nodes -keyout "$1.key" -out "$tmp/$1.csr" -subj "/CN=$1" 2>/dev/null
  printf '%s\n' "$4" > "$tmp/$1.ext"
  openssl x509 -req -in "$tmp/$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days "$3" \
    -extfile "$tmp/$1.ext" -out "$1.pem" 2>/dev/null
}
server_ext='basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth'
leaf server "$ec" 3650 "$server_ext
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1"
leaf other "-newkey rsa:2048" 3650 "$server_ext
subjectAltName=DNS:other.test"
leaf expired "$ec" -1 "$server_ext
subjectAltName=DNS:localhost,IP:127.0.0.1"
leaf client "$ec" 3650 'basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth'
rm -f ca.srl
