#!/usr/bin/env bash
# Runs every test: installs what is missing, then for each configuration configures, builds and
# runs ctest. Default: release (all tests), asan (ASan+UBSan, all but the slow python-parity
# tests), tsan (concurrency tests), minimal (runtime-only build) and fuzz (bounded libFuzzer
# runs). `scripts/test.sh release` runs just one configuration.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
presets=("$@")
[ ${#presets[@]} -eq 0 ] && presets=(release asan tsan minimal fuzz)
for p in "${presets[@]}"; do
  start=$(date +%s)
  echo "=== $p: configure, build, test"
  cmake --preset "$p" >/dev/null
  cmake --build --preset "$p"
  ctest --preset "$p"
  echo "=== $p: passed in $(( $(date +%s) - start )) s"
done
