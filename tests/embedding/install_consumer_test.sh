#!/usr/bin/env bash
# Installs the build into a temporary prefix, then builds and runs a consumer against it three
# times: find_package(ScaleRT CONFIG) shared and static, and pkg-config.
set -euo pipefail
build=$1 work=$2 consumer=$3
rm -rf "$work" && mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" >/dev/null
want=$(grep -o '"[0-9.]*"' "$consumer/../../../runtime/version.h" | tr -d '"')
cmake -S "$consumer" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/cmake-build" >/dev/null
out=$(LD_LIBRARY_PATH="$work/prefix/lib" "$work/cmake-build/consumer")
[ "$out" = "scalert $want" ] || { echo "find_package consumer printed '$out'"; exit 1; }
if LD_LIBRARY_PATH="$work/prefix/lib" "$work/cmake-build/consumer" /no/such.srm 2>"$work/err"; then
  echo "consumer accepted a missing model"; exit 1
fi
grep -q "/no/such.srm" "$work/err"
# The static library: no libscalert.so at run time.
cmake -S "$consumer" -B "$work/static-build" -DCMAKE_PREFIX_PATH="$work/prefix" -DUSE_STATIC=ON >/dev/null
cmake --build "$work/static-build" >/dev/null
if objdump -p "$work/static-build/consumer" | grep -q 'NEEDED.*libscalert'; then
  echo "static consumer still needs libscalert.so"; exit 1
fi
out=$("$work/static-build/consumer")
[ "$out" = "scalert $want" ] || { echo "static consumer printed '$out'"; exit 1; }
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
cc -std=c99 "$consumer/main.c" $(pkg-config --cflags --libs scalert) -o "$work/pc-consumer"
out=$(LD_LIBRARY_PATH="$work/prefix/lib" "$work/pc-consumer")
[ "$out" = "scalert $want" ] || { echo "pkg-config consumer printed '$out'"; exit 1; }
echo "install consumer OK: find_package (shared, static) and pkg-config ($out)"
