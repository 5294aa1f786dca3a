#!/usr/bin/env bash
# Runs every test: installs what is missing, then for each configuration configures, builds and
# runs ctest. Default: release (all tests), asan (ASan+UBSan, all but the slow python-parity
# tests), tsan (concurrency tests), minimal (runtime-only build), fuzz (bounded libFuzzer runs)
# python (pip install . into a venv under build/, then pytest: scripts/test_python.sh) and aarch64
# (cross-built for arm64, every test but the slow ones under qemu-aarch64 -cpu max, the kernel
# tests again as a Cortex-A53, then EfficientNet-B0 on the NEON kernels against the x86 reference
# backend, in FP32, INT8 (SDOT) and FP16 (FMLAL)).
# `scripts/test.sh release` runs just one configuration.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
presets=("$@")
full_run=0
if [ ${#presets[@]} -eq 0 ]; then
  full_run=1
  presets=(release asan tsan minimal fuzz python)
  [ "$(uname -m)" = x86_64 ] && presets+=(aarch64)  # an arm64 machine runs release natively instead
fi
for p in "${presets[@]}"; do
  start=$(date +%s)
  echo "=== $p: configure, build, test"
  if [ "$p" = python ]; then
    scripts/test_python.sh
  else
    if [ "$p" = aarch64 ]; then scripts/aarch64_sysroot.sh; fi
    cmake --preset "$p" >/dev/null
    cmake --build --preset "$p"
    ctest --preset "$p"
    if [ "$p" = aarch64 ]; then
      # The same build on an ARMv8.0 CPU (no FP16, no dot product): detection and the NEON kernels.
      QEMU_CPU=cortex-a53 ctest --preset aarch64 -R '^(Isa|Native|Mbconv)'
      scripts/aarch64_parity.sh
    fi
  fi
  echo "=== $p: passed in $(( $(date +%s) - start )) s ($(du -sh "build/$p" 2>/dev/null | cut -f1) in build/$p, $(df -h --output=avail . | tail -1 | tr -d ' ') free)"
  # The full run keeps only the release tree: the sanitizer trees are the largest by far and a CI
  # disk need not hold them all at once. `scripts/test.sh asan` keeps its tree for rebuilds.
  if [ "$full_run" = 1 ] && [ -z "${SCALERT_KEEP_BUILDS:-}" ]; then
    case "$p" in asan|tsan|fuzz) rm -rf "build/$p"; echo "=== $p: removed build/$p" ;; esac
  fi
done
