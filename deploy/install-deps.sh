#!/usr/bin/env bash
# Installs every Debian package kpledger needs to build, test and run.
# Idempotent: when everything is already installed it only checks and exits.
set -euo pipefail

packages=(
  # Build: Bazel 4.2.3 (offline, classic WORKSPACE) and the C++ toolchain.
  bazel-bootstrap g++ clang-format
  # Libraries, wrapped by third_party/bazel/system.BUILD.
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librocksdb-dev libsodium-dev libabsl-dev libgtest-dev libgmock-dev
  libbenchmark-dev libcli11-dev libspdlog-dev libfmt-dev libcpp-httplib-dev
  libjemalloc-dev
  # Interop test: Go's golang.org/x/mod/sumdb/note verifies our checkpoints.
  golang-go golang-golang-x-mod-dev
  # TLS tests and deploy/ certificates.
  openssl
  # Clusters: etcd orders the nodes' batches (DESIGN §5); etcdctl for
  # operators and the cluster scripts.
  etcd-server etcd-client
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: done"
