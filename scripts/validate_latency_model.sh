#!/usr/bin/env bash
# Accuracy of the latency model on this machine: 20 held-out scaled models (EfficientNet,
# MobileNetV2, MobileNetV3; widths and resolutions off the profile-device grid, which uses
# widths 0.5/1.0/1.5 at 128/192/256) predicted from a device profile with
# `scalert inspect --predict` and measured with `scalert bench` (native, interleaved, under the
# shared lock), at 1 and 2 threads. Prints per model the measured, predicted and
# FLOP-proportional latency with their errors, then the median and maximum absolute errors.
#
# Usage: scripts/validate_latency_model.sh [-b BUILD_DIR] [-p device.json] [-o OUTDIR] [-t "1 2"]
#   without -p a fresh profile is made first (scalert profile-device --threads 1,2).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=build/release
profile=""
out=""
threads="1 2"
while getopts "b:p:o:t:" opt; do
  case $opt in
    b) build=$OPTARG ;;
    p) profile=$OPTARG ;;
    o) out=$OPTARG ;;
    t) threads=$OPTARG ;;
    *) echo "usage: $0 [-b BUILD_DIR] [-p device.json] [-o OUTDIR] [-t \"1 2\"]" >&2; exit 2 ;;
  esac
done
scalert=$build/tools/scalert
[ -x "$scalert" ] || { echo "$scalert not built" >&2; exit 1; }
command -v jq >/dev/null || { echo "jq is needed (scripts/setup.sh installs it)" >&2; exit 1; }
lock=${SCALERT_LOCK:-/tmp/scalert-heavy.lock}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=${out:-$work/out}
mkdir -p "$out"

if [ -z "$profile" ]; then
  profile=$out/device.json
  echo "profiling the device (threads ${threads// /,}) ..." >&2
  flock "$lock" "$scalert" profile-device -o "$profile" --threads "${threads// /,}" >"$out/profile_fit.txt"
fi

# name: scale flags. None of these (width, resolution) pairs is on the profiling grid.
models=(
  "effnet_b0:--preset b0"
  "effnet_b1:--preset b1"
  "effnet_phi0.5:--family efficientnet --phi 0.5"
  "effnet_phi1.5:--family efficientnet --phi 1.5"
  "effnet_w0.75_r160:--family efficientnet --width 0.75 --resolution 160"
  "effnet_w1.25_d1.2_r208:--family efficientnet --width 1.25 --depth 1.2 --resolution 208"
  "effnet_w0.6_d0.8_r240:--family efficientnet --width 0.6 --depth 0.8 --resolution 240"
  "effnet_w0.9_r176:--family efficientnet --width 0.9 --resolution 176"
  "mbv2_1.0_r224:--family mobilenet_v2"
  "mbv2_0.75_r160:--family mobilenet_v2 --width 0.75 --resolution 160"
  "mbv2_1.4_r224:--family mobilenet_v2 --width 1.4"
  "mbv2_0.35_r96:--family mobilenet_v2 --width 0.35 --resolution 96"
  "mbv2_1.25_r288:--family mobilenet_v2 --width 1.25 --resolution 288"
  "mbv2_0.6_r176:--family mobilenet_v2 --width 0.6 --resolution 176"
  "mbv2_1.1_r264:--family mobilenet_v2 --width 1.1 --resolution 264"
  "mbv3l_1.0_r224:--family mobilenet_v3_large"
  "mbv3l_0.75_r200:--family mobilenet_v3_large --width 0.75 --resolution 200"
  "mbv3l_1.25_r176:--family mobilenet_v3_large --width 1.25 --resolution 176"
  "mbv3s_1.0_r224:--family mobilenet_v3_small"
  "mbv3s_1.25_r160:--family mobilenet_v3_small --width 1.25 --resolution 160"
)
files=()
for m in "${models[@]}"; do
  name=${m%%:*}
  # shellcheck disable=SC2086
  "$scalert" scale ${m#*:} -o "$work/$name.srm" >/dev/null
  files+=("$work/$name.srm")
done

echo "measuring ${#files[@]} models x threads ($threads) under $lock ..." >&2
flock "$lock" "$scalert" bench "${files[@]}" --backend native --threads "${threads// /,}" --json >"$out/bench.json"

cpu=$(jq -r '.machine.cpu' "$out/bench.json")
rows=$out/rows.tsv
: >"$rows"
for f in "${files[@]}"; do
  name=$(basename "$f" .srm)
  for t in $threads; do
    measured=$(jq -r --arg m "$f" --argjson t "$t" '.results[] | select(.model == $m and .threads == $t) | .median_ms' "$out/bench.json")
    "$scalert" inspect "$f" --predict "$profile" --threads "$t" --json >"$work/pred.json"
    pred=$(jq -r '.predicted_ms' "$work/pred.json")
    flop=$(jq -r '.flop_proportional_ms' "$work/pred.json")
    echo -e "$name\t$t\t$measured\t$pred\t$flop" >>"$rows"
  done
done

awk -F'\t' -v cpu="$cpu" '
  function abs(x) { return x < 0 ? -x : x }
  function median(a, n,   i, j, t) {
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  BEGIN { printf "| model | threads | measured ms | predicted ms | error | FLOP-proportional ms | error |\n|---|---:|---:|---:|---:|---:|---:|\n" }
  {
    e = ($4 - $3) / $3 * 100; f = ($5 - $3) / $3 * 100; n++
    em[n] = abs(e); fm[n] = abs(f)
    if (abs(e) > emax) emax = abs(e)
    if (abs(f) > fmax) fmax = abs(f)
    printf "| %s | %d | %.2f | %.2f | %+.1f%% | %.2f | %+.1f%% |\n", $1, $2, $3, $4, e, $5, f
  }
  END {
    printf "\n%d predictions on %s: latency model |error| median %.1f%%, max %.1f%%; FLOP-proportional |error| median %.1f%%, max %.1f%%\n",
      n, cpu, median(em, n), emax, median(fm, n), fmax
    if (median(em, n) <= 10 && emax <= 25) print "acceptance (median <= 10%, max <= 25%): met"
    else print "acceptance (median <= 10%, max <= 25%): NOT met"
  }' "$rows" | tee "$out/validation.md"
echo "(files in $out)" >&2
