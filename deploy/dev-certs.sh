#!/usr/bin/env bash
# A development certificate authority and the TLS certificates of a local
# cluster (deploy/cluster-up.sh): ECDSA P-256 keys, made with openssl.
#
# DEVELOPMENT ONLY. One CA key on one machine signs every member of the
# cluster, with no passphrase. In production each agency issues its own
# certificates from its own PKI and the others trust that agency's CA; see
# docs/operations.md ("Production PKI").
#
#   deploy/dev-certs.sh OUT_DIR [NAME ...]
#
# Makes, in OUT_DIR:
#   ca.crt ca.key                    the development CA (reused if ca.crt exists)
#   etcd-0 etcd-1 etcd-2 .crt/.key   etcd members  } SAN IP:127.0.0.1, DNS:localhost;
#   node-0 node-1 node-2 .crt/.key   kpnodes       } EKU serverAuth, clientAuth
#   client.crt client.key            kpctl and etcdctl (EKU clientAuth)
# and one certificate per extra NAME: a name starting with "client" gets a
# client certificate, any other name a member one (`deploy/dev-certs.sh
# certs node-3`). A certificate that exists and verifies against ca.crt (and
# has its key beside it) is kept; a missing one, or one the CA did not issue
# or that has expired, is made again with a new key. Prints one line per
# file written; key files are mode 0600.
set -euo pipefail

die() { echo "dev-certs: $*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  "") usage >&2; die "missing OUT_DIR" ;;
esac
command -v openssl >/dev/null || die "openssl not found (deploy/install-deps.sh installs it)"
out="$1"
shift
names=(etcd-0 etcd-1 etcd-2 node-0 node-1 node-2 client "$@")
for n in "${names[@]}"; do
  [[ "$n" =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] ||
    die "\"$n\" is not a usable name (letters, digits, . _ -)"
done

mkdir -p "$out"
umask 077  # keys are born 0600; certificates are chmod 0644 below
tmp=$(mktemp -d "$out/.dev-certs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# run CMD...: openssl, its chatter kept out of sight unless it fails.
run() {
  "$@" >"$tmp/openssl.log" 2>&1 || {
    cat "$tmp/openssl.log" >&2
    die "openssl failed: $*"
  }
}
newkey() { run openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }
made() { echo "dev-certs: wrote $out/$1"; }

# ---- the CA -----------------------------------------------------------------
# Reused if ca.crt exists; issue() needs ca.key only if it must make one.
if [ ! -f "$out/ca.crt" ]; then
  newkey "$tmp/ca.key"
  run openssl req -new -x509 -sha256 -days 3650 -key "$tmp/ca.key" \
    -subj "/O=kpledger development/CN=kpledger development CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" \
    -out "$tmp/ca.crt"
  chmod 0644 "$tmp/ca.crt"
  mv -f "$tmp/ca.key" "$out/ca.key" && made ca.key
  mv -f "$tmp/ca.crt" "$out/ca.crt" && made ca.crt
fi

# ---- leaf certificates ------------------------------------------------------
# usable NAME: the certificate exists, the CA issued it, it has not expired,
# the key beside it is its key, and it has the uses and names issue() gives
# (one left by an older script, or made by hand, is issued again).
usable() {
  local crt="$out/$1.crt" key="$out/$1.key" ext
  [ -f "$crt" ] && [ -f "$key" ] || return 1
  openssl verify -CAfile "$out/ca.crt" "$crt" >/dev/null 2>&1 || return 1
  [ "$(openssl x509 -in "$crt" -noout -pubkey 2>/dev/null)" = \
    "$(openssl pkey -in "$key" -pubout 2>/dev/null)" ] || return 1
  ext=$(openssl x509 -in "$crt" -noout \
    -ext extendedKeyUsage,subjectAltName 2>/dev/null) || return 1
  grep -q "TLS Web Client Authentication" <<<"$ext" || return 1
  if [[ "$1" != client* ]]; then
    grep -q "TLS Web Server Authentication" <<<"$ext" &&
      grep -q "IP Address:127.0.0.1" <<<"$ext" || return 1
  fi
}

issue() {  # issue NAME
  local n="$1" ext
  [ -f "$out/ca.key" ] ||
    die "$n: cannot issue it: $out/ca.crt exists but $out/ca.key does not (remove ca.crt to start a new CA)"
  if [[ "$n" == client* ]]; then
    ext="extendedKeyUsage=clientAuth"
  else
    ext="extendedKeyUsage=serverAuth,clientAuth
subjectAltName=IP:127.0.0.1,DNS:localhost"
  fi
  cat >"$tmp/$n.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
$ext
EXT
  newkey "$tmp/$n.key"
  run openssl req -new -sha256 -key "$tmp/$n.key" \
    -subj "/O=kpledger development/CN=$n" -out "$tmp/$n.csr"
  run openssl x509 -req -sha256 -days 825 -in "$tmp/$n.csr" \
    -CA "$out/ca.crt" -CAkey "$out/ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" \
    -extfile "$tmp/$n.ext" -out "$tmp/$n.crt"
  chmod 0644 "$tmp/$n.crt"
  mv -f "$tmp/$n.key" "$out/$n.key" && made "$n.key"
  mv -f "$tmp/$n.crt" "$out/$n.crt" && made "$n.crt"
}

for n in "${names[@]}"; do
  usable "$n" || issue "$n"
done
