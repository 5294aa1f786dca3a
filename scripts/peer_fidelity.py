#!/usr/bin/python3
"""Fidelity of ScaleRT models on the inputs peer-bench scores the peers on, by peer-bench's formula.

peer-bench (../shared/peers) keeps, per ONNX file, 16 held-out N(0,1) inputs (heldout.npy) and
ONNX Runtime's FP32 outputs for them (heldout.fp32.npy), and prints each peer's lowered model's
SNR against those; its INT8 peers calibrate on calib.npy beside them. This runs `scalert run` of
each given model on the same inputs and prints the same numbers, so a ScaleRT file quantized with
`scalert quantize --calibration DIR` of those calibration inputs (--export-calibration DIR writes
them as .npy files) compares like for like.

Usage: /usr/bin/python3 scripts/peer_fidelity.py PEER_MODEL_DIR MODEL.srm [MODEL.srm ...]
         [--scalert build/release/tools/scalert] [--export-calibration DIR]
PEER_MODEL_DIR is peer-bench's cache directory of the ONNX file, e.g.
~/.cache/scalert-peers/models/efficientnet_b0-680f38d9e818 (after a `peer-bench --precision int8`
or `bf16` run has written heldout.npy and heldout.fp32.npy there).
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
p.add_argument("peer_dir")
p.add_argument("models", nargs="*")
p.add_argument("--scalert", default="build/release/tools/scalert")
p.add_argument("--export-calibration", metavar="DIR", help="write peer-bench's calibration inputs as DIR/cNN.npy")
a = p.parse_intermixed_args()

if a.export_calibration:
    calib = [f for f in os.listdir(a.peer_dir) if f.endswith(".calib.npy")]
    if not calib:
        sys.exit(f"peer_fidelity: no *.calib.npy in {a.peer_dir} (run peer-bench --precision int8 first)")
    c = np.load(os.path.join(a.peer_dir, calib[0]))
    written = []
    try:
        os.makedirs(a.export_calibration, exist_ok=True)
        for i in range(c.shape[0]):
            written.append(os.path.join(a.export_calibration, "c%02d.npy" % i))
            np.save(written[-1], c[i].astype(np.float32))
    except OSError as e:
        for f in written:  # no partial set of inputs left behind
            if os.path.exists(f):
                os.remove(f)
        sys.exit(f"peer_fidelity: cannot write the calibration inputs: {e}")
    print(f"wrote {c.shape[0]} calibration inputs to {a.export_calibration}")

for f in ("heldout.npy", "heldout.fp32.npy"):
    if a.models and not os.path.exists(os.path.join(a.peer_dir, f)):
        sys.exit(f"peer_fidelity: no {f} in {a.peer_dir} (run peer-bench --precision int8 or bf16 first)")
if a.models:
    x = np.load(os.path.join(a.peer_dir, "heldout.npy"))
    ref = np.load(os.path.join(a.peer_dir, "heldout.fp32.npy")).reshape(x.shape[0], -1)
with tempfile.TemporaryDirectory() as tmp:
    for model in a.models:
        outs = []
        for i in range(x.shape[0]):
            np.save(os.path.join(tmp, "in.npy"), x[i])
            try:
                r = subprocess.run([a.scalert, "run", model, "--input", os.path.join(tmp, "in.npy"), "--output",
                                    os.path.join(tmp, "out.npy")], capture_output=True, text=True)
            except OSError as e:
                sys.exit(f"peer_fidelity: cannot run {a.scalert}: {e} (build first, or pass --scalert)")
            if r.returncode != 0:
                sys.exit(f"peer_fidelity: scalert run {model} failed: {r.stderr.strip()}")
            outs.append(np.load(os.path.join(tmp, "out.npy")).reshape(-1))
        # float64: B0's random-weight logits are ~1e-14, whose squared norms multiplied underflow float32.
        out = np.stack(outs).astype(np.float64)
        ref = ref.astype(np.float64)
        snr = 10 * np.log10((ref ** 2).sum() / ((out - ref) ** 2).sum())
        cosine = (ref * out).sum() / np.sqrt((ref ** 2).sum() * (out ** 2).sum())
        top1 = int((ref.argmax(1) == out.argmax(1)).sum())
        print(f"{os.path.basename(model)}: snr_db {snr:.2f} cosine {cosine:.5f} top1_agree {top1}/{x.shape[0]}")
