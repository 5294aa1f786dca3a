#!/usr/bin/env bash
# ScaleRT native against ONNX Runtime, OpenVINO and LiteRT on the same ONNX files, interleaved:
# each round runs, per model and thread count, peer-bench FP32, then INT8 and OpenVINO BF16 when a
# lowered ScaleRT file sits beside the model, then one `scalert bench` per ScaleRT file; the end
# prints each runtime's median over the rounds and native's ratios to the fastest peer.
# Each ScaleRT file gets its own process, as peer-bench gives each peer: alternating the FP32,
# INT8 and BF16 files in one process ran B0 FP32 ~8% slower (each run starts with the other
# model's data in L2), a handicap the peers do not have.
#
# Usage: scripts/compare_peers.sh [-r ROUNDS] [-t "1 2"] DIR/X.onnx [DIR/Y.onnx ...]
#   DIR/X.srm       `scalert import DIR/X.onnx -o DIR/X.srm` (required)
#   DIR/X_int8.srm  optional: adds peer-bench --precision int8 (e.g. `scalert quantize DIR/X.srm
#                   -o DIR/X_int8.srm --mode int8 --calibration C --percentile 99.999` with C from
#                   `scripts/peer_fidelity.py PEER_DIR --export-calibration C`)
#   DIR/X_bf16.srm  optional: adds OpenVINO's BF16 (`--mode bf16`)
# Environment: SCALERT (default build/release/tools/scalert), PEER_BENCH (default
# ../shared/peers/peer-bench), SCALERT_LOCK (a file: every command runs under `flock` on it, so
# other jobs on the machine can wait between commands instead of disturbing the timings).
set -euo pipefail
rounds=3 threads="1 2"
while getopts "r:t:h" o; do
  case $o in
    r) rounds=$OPTARG ;; t) threads=$OPTARG ;;
    *) sed -n '2,15p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { sed -n '2,15p' "$0"; exit 2; }
scalert=${SCALERT:-build/release/tools/scalert}
peers=${PEER_BENCH:-../shared/peers/peer-bench}
[ -x "$scalert" ] || { echo "compare_peers: no $scalert (build first, or set SCALERT)" >&2; exit 2; }
[ -x "$peers" ] || { echo "compare_peers: no $peers (set PEER_BENCH)" >&2; exit 2; }
for m in "$@"; do
  [ -f "${m%.onnx}.srm" ] || { echo "compare_peers: no ${m%.onnx}.srm: scalert import $m -o ${m%.onnx}.srm" >&2; exit 2; }
done
run() { if [ -n "${SCALERT_LOCK:-}" ]; then flock "$SCALERT_LOCK" "$@"; else "$@"; fi; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for round in $(seq "$rounds"); do
  for m in "$@"; do
    base=${m%.onnx}
    for t in $threads; do
      echo "## round $round $(basename "$base") threads $t" | tee -a "$log"
      files=("$base.srm")
      run "$peers" "$m" --threads "$t" 2>&1 | tail -1 | tee -a "$log"
      if [ -f "${base}_int8.srm" ]; then
        files+=("${base}_int8.srm")
        run "$peers" "$m" --threads "$t" --precision int8 2>&1 | tail -1 | tee -a "$log"
      fi
      if [ -f "${base}_bf16.srm" ]; then
        files+=("${base}_bf16.srm")
        run "$peers" "$m" --threads "$t" --precision bf16 --runtime openvino 2>&1 | tail -1 | tee -a "$log"
      fi
      for f in "${files[@]}"; do
        run "$scalert" bench "$f" --backend native --threads "$t" --min-time 2 --json 2>/dev/null |
          python3 -c '
import json, sys
for r in json.load(sys.stdin)["results"]:
    print("scalert", r["model"].split("/")[-1], r["precision"], r["threads"], "median", r["median_ms"])' |
          tee -a "$log"
      done
    done
  done
done
echo "## medians of $rounds rounds (ms)"
python3 - "$log" <<'PY'
import collections, re, statistics, sys
times = collections.defaultdict(list)
cur = None
for line in open(sys.argv[1]):
    m = re.match(r"## round \d+ (\S+) threads (\d+)", line)
    if m:
        cur = (m.group(1), int(m.group(2)))
        continue
    m = re.match(r"peer-bench \S+ (\S+) \d+t:(.*)", line)
    if m:
        for runtime, ms in re.findall(r"(\w+) ([\d.]+) ms", m.group(2)):
            times[(cur, m.group(1), runtime)].append(float(ms))
        continue
    m = re.match(r"scalert \S+ (\S+) \d+ median ([\d.]+)", line)
    if m:
        times[(cur, m.group(1), "scalert")].append(float(m.group(2)))
groups = collections.defaultdict(dict)
for (key, precision, runtime), v in times.items():
    groups[(key, precision)][runtime] = statistics.median(v)
for (key, precision), r in sorted(groups.items()):
    line = f"{key[0]} {key[1]}t {precision}: " + ", ".join(f"{k} {v:.2f}" for k, v in sorted(r.items()))
    peers = {k: v for k, v in r.items() if k != "scalert"}
    if "scalert" in r and peers:
        best = min(peers, key=peers.get)
        line += f"; fastest peer / native = {best} / scalert = {peers[best] / r['scalert']:.2f}x"
    print(line)
PY
