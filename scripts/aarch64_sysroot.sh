#!/usr/bin/env bash
# Builds an arm64 sysroot from Debian 12's arm64 packages, for the `aarch64` preset:
#   scripts/aarch64_sysroot.sh [DIR]      (default: build/aarch64-sysroot)
# It never touches the host's dpkg database: apt runs with a private state directory that knows
# only arm64, resolves the closure of the -dev packages below as if nothing were installed,
# downloads the .debs and unpacks them with `dpkg-deb -x`. The amd64 packages the other presets
# build with cannot be removed by this (a `dpkg --add-architecture arm64 && apt-get install
# libfoo-dev:arm64` can, when a package is not Multi-Arch co-installable).
# The result holds the libraries' headers, the arm64 C/C++ runtime (qemu-aarch64 -L DIR runs the
# tests with it) and a stamp; re-running with the same package list does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(realpath -m "${1:-build/aarch64-sysroot}")
packages=(libc6-dev libstdc++-12-dev libabsl-dev libflatbuffers-dev libxnnpack-dev libpthreadpool-dev
  libcpuinfo-dev libfp16-dev libgtest-dev libgmock-dev libjpeg62-turbo-dev libpng-dev)
stamp="$root/.packages"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "${packages[*]}" ]; then
  echo "aarch64-sysroot: $root is up to date"
  exit 0
fi

state="$root.apt"
mkdir -p "$state/lists/partial" "$state/archives/partial" "$state/etc/preferences.d"
: > "$state/status"
apt_opts=(-o APT::Architecture=arm64 -o APT::Architectures::=arm64
  -o Dir::State::Lists="$state/lists" -o Dir::State::status="$state/status"
  -o Dir::Cache="$state" -o Dir::Cache::archives="$state/archives"
  -o Dir::Etc::preferencesparts="$state/etc/preferences.d"
  -o APT::Sandbox::User=root -o Debug::NoLocking=1 -o Acquire::Languages=none)

echo "aarch64-sysroot: fetching arm64 package lists"
apt-get "${apt_opts[@]}" -qq update
# With an empty status file, a simulated install lists the whole dependency closure.
mapfile -t debs < <(apt-get "${apt_opts[@]}" -s install --no-install-recommends "${packages[@]}" |
  awk '/^Inst /{print $2}')
[ ${#debs[@]} -gt 0 ] || { echo "aarch64-sysroot: could not resolve ${packages[*]}" >&2; exit 1; }
echo "aarch64-sysroot: downloading ${#debs[@]} arm64 packages"
(cd "$state/archives" && apt-get "${apt_opts[@]}" -qq download "${debs[@]/%/:arm64}")

rm -rf "$root"
mkdir -p "$root"
for f in "$state"/archives/*_arm64.deb "$state"/archives/*_all.deb; do
  [ -e "$f" ] && dpkg-deb -x "$f" "$root"
done
# Debian 12 is usr-merged: /lib is usr/lib on a real system; the .debs may still ship files under
# /lib (the dynamic loader). Merge them so paths resolve the same way inside the sysroot.
for d in lib lib64; do
  if [ -d "$root/$d" ] && [ ! -L "$root/$d" ]; then
    mkdir -p "$root/usr/$d"
    cp -a "$root/$d/." "$root/usr/$d/"
    rm -rf "${root:?}/$d"
  fi
  if [ -d "$root/usr/$d" ] && [ ! -e "$root/$d" ]; then ln -s "usr/$d" "$root/$d"; fi
done
# Absolute symlinks inside the packages (libfoo.so -> /lib/...) must point into the sysroot.
find "$root" -type l -lname '/*' | while read -r l; do
  ln -sfn "$root$(readlink "$l")" "$l"
done
echo "${packages[*]}" > "$stamp"
echo "aarch64-sysroot: $root ready ($(du -sh "$root" | cut -f1))"
