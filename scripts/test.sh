#!/usr/bin/env bash
# Runs every test: installs what is missing, then for each configuration configures, builds and
# runs ctest. Default: release (all tests), asan (ASan+UBSan, all but the slow python-parity
# tests), tsan (concurrency tests), minimal (runtime-only build), fuzz (bounded libFuzzer runs)
# and python (pip install . into a venv under build/, then pytest: scripts/test_python.sh).
# `scripts/test.sh release` runs just one configuration.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
presets=("$@")
[ ${#presets[@]} -eq 0 ] && presets=(release asan tsan minimal fuzz python)
for p in "${presets[@]}"; do
  start=$(date +%s)
  echo "=== $p: configure, build, test"
  if [ "$p" = python ]; then
    scripts/test_python.sh
  else
    cmake --preset "$p" >/dev/null
    cmake --build --preset "$p"
    ctest --preset "$p"
  fi
  echo "=== $p: passed in $(( $(date +%s) - start )) s"
done
