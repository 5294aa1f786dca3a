#!/usr/bin/env bash
# The main job: install what is missing, build, scale the EfficientNet family (phi 0..3 by
# compound scaling), run a member, then benchmark every member on the native and XNNPACK
# backends and print the latency table. Output (models, tables, chart) goes to out/efficientnet.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target scalert
scalert=build/release/tools/scalert
out=out/efficientnet
rm -rf "$out" && mkdir -p "$out"
echo "=== scale: EfficientNet phi 0..3 (alpha 1.2, beta 1.1, gamma 1.15)"
$scalert scale --family efficientnet --phi 0:3 -o "$out"
echo "=== run: phi 0 once on the native backend"
$scalert run "$out"/*phi0*.srm --backend native
echo "=== bench on this machine"
$scalert bench --family "$out" --backend native,xnnpack --threads 1 --warmup 2 --min-iters 5 --min-time 0.5
echo "tables and chart: $out/bench_family.{md,csv,json,svg}"
