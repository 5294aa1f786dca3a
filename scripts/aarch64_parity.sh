#!/usr/bin/env bash
# Acceptance check of the aarch64 build under emulation: EfficientNet-B0 (224x224) is scaled by
# the arm64 `scalert` under qemu and run by its native backend (NEON kernels), and the logits are
# compared with the x86 reference backend's on the same file and input: max |arm - ref| must be
# within 1e-4 of max |ref|. Then the same file lowered to INT8 and FP16 by the x86 `scalert
# quantize`, run by the arm64 native backend (SDOT / FMLAL kernels under -cpu max) against the x86
# reference backend on that file, with x86's bounds (tests/native/int8_models_test.cc,
# half_models_test.cc): INT8 bit for bit; FP16 off the reference by less than FP16 storage itself
# costs against FP32 (the reference's FP16 logits against its FP32 ones). Needs build/aarch64 and build/release (it builds the release
# `scalert` if missing).
#   scripts/aarch64_parity.sh [QEMU_CPU]   (default max; e.g. cortex-a53 for ARMv8.0 NEON only)
set -euo pipefail
cd "$(dirname "$0")/.."
cpu=${1:-max}
arm=build/aarch64/tools/scalert
x86=build/release/tools/scalert
[ -x "$arm" ] || { echo "aarch64_parity: $arm missing: cmake --build --preset aarch64 first" >&2; exit 1; }
if [ ! -x "$x86" ]; then
  cmake --preset release >/dev/null
  cmake --build --preset release --target scalert
fi
qemu=(qemu-aarch64 -cpu "$cpu" -L "${SCALERT_AARCH64_SYSROOT:-build/aarch64-sysroot}")
work=build/aarch64-parity
rm -rf "$work" && mkdir -p "$work"

"${qemu[@]}" "$arm" scale --preset b0 -o "$work/b0.srm" >/dev/null
"$x86" scale --preset b0 -o "$work/b0_x86.srm" >/dev/null

"$x86" run "$work/b0.srm" --backend reference --seed 1 --output "$work/ref1.npy" >/dev/null
"$x86" run "$work/b0_x86.srm" --backend reference --seed 1 --output "$work/ref1_x86_file.npy" >/dev/null
"$x86" run "$work/b0.srm" --backend reference --seed 2 --output "$work/ref2.npy" >/dev/null
start=$(date +%s.%N)
"${qemu[@]}" "$arm" run "$work/b0.srm" --backend native --seed 1 --output "$work/arm1.npy" | tail -1
echo "aarch64_parity: native run under qemu -cpu $cpu took $(echo "$(date +%s.%N) - $start" | bc) s (emulated: not a speed)"

"$x86" quantize "$work/b0.srm" -o "$work/b0_int8.srm" --mode int8 --calibration-random 4 --holdout-random 1 >/dev/null
"$x86" quantize "$work/b0.srm" -o "$work/b0_fp16.srm" --mode fp16 --calibration-random 1 --holdout-random 1 >/dev/null
for mode in int8 fp16; do
  "$x86" run "$work/b0_$mode.srm" --backend reference --seed 1 --output "$work/ref1_$mode.npy" >/dev/null
  "$x86" run "$work/b0_$mode.srm" --backend reference --seed 2 --output "$work/ref2_$mode.npy" >/dev/null
  "${qemu[@]}" "$arm" run "$work/b0_$mode.srm" --backend native --seed 1 --output "$work/arm1_$mode.npy" >/dev/null
done

/usr/bin/python3 - "$work" <<'PY'
import sys, numpy as np
w = sys.argv[1]
ok = True
for mode in ("int8", "fp16"):
    ref, ref2, got = (np.load(f"{w}/{n}_{mode}.npy").astype(np.float64) for n in ("ref1", "ref2", "arm1"))
    assert np.all(np.isfinite(ref)) and np.all(np.isfinite(got)), f"{mode}: non-finite logits"
    assert not np.array_equal(ref, ref2), f"{mode}: reference logits do not depend on the input"
    fp32 = np.load(f"{w}/ref1.npy").astype(np.float64)
    scale = np.max(np.abs(ref))
    rel = np.max(np.abs(got - ref)) / scale
    storage = np.max(np.abs(ref - fp32)) / np.max(np.abs(fp32))
    if mode == "int8":
        good = np.array_equal(got, ref)
        print(f"aarch64_parity: B0 INT8 native (arm64, qemu) vs reference (x86): "
              f"{'bit for bit' if good else f'differ by {rel:.3g} of max|ref|'} (bound: bit for bit)")
    else:
        good = rel <= storage
        print(f"aarch64_parity: B0 FP16 native (arm64, qemu) vs reference (x86): max|diff| / max|ref| = {rel:.3g} "
              f"(bound: FP16 storage's own cost against FP32, {storage:.3g})")
    ok = ok and good
if not ok:
    sys.exit(1)
PY

/usr/bin/python3 - "$work" <<'PY'
import sys, numpy as np
w = sys.argv[1]
ref1, ref2, arm, ref1x = (np.load(f"{w}/{n}.npy").astype(np.float64) for n in ("ref1", "ref2", "arm1", "ref1_x86_file"))
# The scaler is meant to give the same weights everywhere (the file's layout may differ).
print("aarch64_parity: B0 scaled on arm64 vs on x86: x86 reference logits "
      + ("identical" if np.array_equal(ref1, ref1x) else f"differ by up to {np.max(np.abs(ref1 - ref1x)):.3g}"))
assert np.all(np.isfinite(ref1)) and np.all(np.isfinite(arm)), "non-finite logits"
scale = np.max(np.abs(ref1))
# A parity check first checks that the output depends on the input.
assert np.max(np.abs(ref1 - ref2)) > 1e-3 * scale, "reference logits do not depend on the input"
rel = np.max(np.abs(arm - ref1)) / scale
print(f"aarch64_parity: native (arm64, qemu) vs reference (x86): max|diff| / max|ref| = {rel:.3g} "
      f"over {ref1.size} logits (bound 1e-4); top-1 {int(np.argmax(arm))} vs {int(np.argmax(ref1))}")
sys.exit(0 if rel <= 1e-4 else 1)
PY
