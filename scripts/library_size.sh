#!/usr/bin/env bash
# Builds libscalert.so in each build-option configuration and prints its stripped size as a
# markdown table; with --update-readme, rewrites the table between the LIBRARY_SIZE markers in
# README.md. Uses build/size-* directories.
set -euo pipefail
cd "$(dirname "$0")/.."
configs=(
  "runtime only (reference + native backends)|-DSCALERT_WITH_XNNPACK=OFF -DSCALERT_WITH_ONNX=OFF -DSCALERT_WITH_TOOLS=OFF"
  "runtime + XNNPACK backend|-DSCALERT_WITH_XNNPACK=ON -DSCALERT_WITH_ONNX=OFF -DSCALERT_WITH_TOOLS=OFF"
)
table="| build options | libscalert.so stripped | linked shared libraries |
|---|---|---|"
for c in "${configs[@]}"; do
  name=${c%%|*} flags=${c#*|}
  dir=build/size-$(echo "$name" | tr -c 'a-z0-9' '-' | tr -s '-')
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=MinSizeRel -DSCALERT_BUILD_TESTS=OFF -DSCALERT_BUILD_BENCH=OFF $flags >/dev/null
  cmake --build "$dir" --target scalert_shared -j2 >/dev/null
  lib=$(ls "$dir"/runtime/libscalert.so.*.*.* | head -n 1)
  strip -o "$dir/stripped.so" "$lib"
  bytes=$(stat -c %s "$dir/stripped.so")
  deps=$(objdump -p "$lib" | awk '/NEEDED/ {print $2}' | grep -vE '^(libc|libm|libgcc_s|libstdc\+\+|ld-linux)' |
         sed -E 's/\.so.*//' | tr '\n' ' ' | sed 's/ $//')
  table+="
| $name | $(awk -v b="$bytes" 'BEGIN {printf "%.0f KiB (%d bytes)", b/1024, b}') | ${deps:-none} |"
done
machine="$(uname -m), $(g++ --version | head -n 1), MinSizeRel, measured by scripts/library_size.sh"
echo "$table"
echo "($machine)"
if [ "${1:-}" = "--update-readme" ]; then
  python3 - "$table" "$machine" <<'PY'
import re, sys
table, machine = sys.argv[1], sys.argv[2]
text = open("README.md").read()
new = f"<!-- LIBRARY_SIZE -->\n{table}\n\n({machine})\n<!-- /LIBRARY_SIZE -->"
text = re.sub(r"<!-- LIBRARY_SIZE -->.*?<!-- /LIBRARY_SIZE -->", new, text, flags=re.S)
open("README.md", "w").write(text)
PY
fi
