#!/usr/bin/env bash
# Installs the Debian packages ScaleRT builds and tests with, if any are missing.
# Debian 12; needs root or sudo. Nothing else is downloaded.
set -euo pipefail
packages=(cmake g++ make pkg-config libxnnpack-dev libpthreadpool-dev libcpuinfo-dev libfp16-dev
  libflatbuffers-dev flatbuffers-compiler libabsl-dev libgtest-dev libgmock-dev libbenchmark-dev
  libonnx-dev libprotobuf-dev libonnx-testdata clang libclang-rt-14-dev
  python3-torch python3-torchvision python3-onnx python3-numpy jq bc
  libjpeg62-turbo-dev libpng-dev python3-dev python3-venv python3-pytest)
# On x86-64: the aarch64 preset's cross compiler and emulator (its sysroot: scripts/aarch64_sysroot.sh).
[ "$(uname -m)" = x86_64 ] && packages+=(crossbuild-essential-arm64 qemu-user)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi
echo "setup: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
