#!/usr/bin/env bash
# Bounded fuzz run for CI: seeds a working corpus, runs the fuzzer for N seconds, and reports
# the execution count. A crash leaves its input in the corpus dir's crashes/ and fails the test.
set -euo pipefail
fuzzer=$1 seeder=$2 corpus=$3 regressions=$4 seconds=$5 kind=$6
mkdir -p "$corpus/work" "$corpus/crashes"
if [ "$kind" = srm ]; then
  "$seeder" "$corpus/work" >/dev/null
else
  # ONNX seeds: the node-test models Debian ships, when present.
  # (no `head` in the pipe: with pipefail its early exit would fail the script)
  find /usr/share/libonnx-testdata/data/node -name model.onnx 2>/dev/null | sort |
    while read -r f; do cp "$f" "$corpus/work/$(echo "$f" | md5sum | cut -c1-12).onnx"; done
fi
log="$corpus/fuzz.log"
set +e
"$fuzzer" "$corpus/work" "$regressions" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$corpus/crashes/" -print_final_stats=1 >"$log" 2>&1
rc=$?
set -e
runs=$(grep -o 'number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n 1 || true)
echo "$(basename "$fuzzer"): ${runs:-?} executions in ${seconds}s (corpus now $(ls "$corpus/work" | wc -l) files)"
if [ $rc -ne 0 ]; then
  tail -n 60 "$log"
  echo "fuzzer failed (exit $rc); inputs in $corpus/crashes: copy them to tests/data/fuzz_regressions once fixed"
  exit 1
fi
