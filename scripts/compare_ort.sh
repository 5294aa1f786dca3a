#!/usr/bin/env bash
# ScaleRT native vs ONNX Runtime (and XNNPACK) on the torchvision 224x224 models, FP32.
# The machine is shared and noisy, so runs alternate: ORT, native, XNNPACK, ORT, ... per model and
# thread count (each in its own process), and the table reports the median of the per-run
# medians and their ratios.
#
# Usage: scripts/compare_ort.sh [-b BUILD_DIR] [-r ROUNDS] [-t "1 2"] [-m "model ..."]
#   BUILD_DIR  holds tools/scalert (default build/release, the release preset); ONNX files come from out/tv224
#   (regenerate with `/usr/bin/python3 scripts/export_torchvision.py out/tv224`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=build/release
rounds=3
threads="1 2"
models="efficientnet_b0 mobilenet_v2 mobilenet_v3_large mobilenet_v3_small"
while getopts "b:r:t:m:" opt; do
  case $opt in
    b) build=$OPTARG ;;
    r) rounds=$OPTARG ;;
    t) threads=$OPTARG ;;
    m) models=$OPTARG ;;
    *) echo "usage: $0 [-b BUILD_DIR] [-r ROUNDS] [-t \"1 2\"] [-m \"models\"]" >&2; exit 2 ;;
  esac
done
scalert=$build/tools/scalert
ort=${ORT_BENCH:-/work/shared/peers/ort-bench}
[ -x "$scalert" ] || { echo "$scalert not built" >&2; exit 1; }
[ -x "$ort" ] || { echo "$ort not found" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

median() { sort -g | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

for m in $models; do
  onnx=out/tv224/$m.onnx
  [ -f "$onnx" ] || { echo "$onnx missing: run /usr/bin/python3 scripts/export_torchvision.py out/tv224" >&2; exit 1; }
  "$scalert" import "$onnx" -o "$work/$m.srm" >/dev/null
done

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
ort_version=$("$ort" "out/tv224/$(echo $models | cut -d' ' -f1).onnx" --threads 1 --iters 1 --warmup 0 | jq -r .runtime)
echo "CPU: $cpu, $(nproc) logical cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
echo "FP32, 224x224, batch 1; ORT = $ort_version; medians of $rounds alternated rounds (ms)"
echo
printf '| %-18s | %3s | %8s | %8s | %8s | %10s | %14s |\n' model thr ORT native XNNPACK native/ORT native/XNNPACK
printf '|%s|%s|%s|%s|%s|%s|%s|\n' -------------------- ----- ---------- ---------- ---------- ------------ ----------------
for m in $models; do
  for t in $threads; do
    : >"$work/ort" ; : >"$work/nat" ; : >"$work/xnn"
    for ((r = 0; r < rounds; ++r)); do
      "$ort" "out/tv224/$m.onnx" --threads "$t" | jq -r .median_ms >>"$work/ort"
      # One backend per process: two thread pools in one process (XNNPACK's spins while idle)
      # would take each other's cores, which no app that embeds one backend sees.
      "$scalert" bench "$work/$m.srm" --backend native --threads "$t" --json | jq -r '.results[0].median_ms' >>"$work/nat"
      "$scalert" bench "$work/$m.srm" --backend xnnpack --threads "$t" --json | jq -r '.results[0].median_ms' >>"$work/xnn"
    done
    o=$(median <"$work/ort"); n=$(median <"$work/nat"); x=$(median <"$work/xnn")
    printf '| %-18s | %3s | %8.2f | %8.2f | %8.2f | %10.2f | %14.2f |\n' "$m" "$t" "$o" "$n" "$x" \
      "$(echo "$n / $o" | bc -l)" "$(echo "$n / $x" | bc -l)"
  done
done
echo
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) at end; ratios < 1 mean native is faster"
