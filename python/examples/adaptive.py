"""A model family under a changing time budget, from Python: two members of a MobileNetV2 ladder,
one frame per budget; a huge budget runs the larger member, a zero budget the cheapest.
Usage: python adaptive.py DIR   (writes its two models there)"""
import os
import sys

import numpy as np
import scalert

out = sys.argv[1] if len(sys.argv) > 1 else "."
paths = []
for width, res in ((0.35, "64x64"), (0.5, "96x96")):
    path = os.path.join(out, f"mobilenet_v2_w{width}_{res}.srm")
    scalert.scale(path, family="mobilenet_v2", width=width, resolution=res)
    paths.append(path)

family = scalert.Family(paths, policy="greedy", calibration_runs=2)
print("arena bytes (one for all members):", family.arena_bytes)
frame = np.random.default_rng(0).uniform(-1, 1, (120, 160, 3)).astype(np.float32)
for budget in (1e5, 0.0):
    r = family.invoke(frame, budget)
    print(f"budget {budget:g} ms -> member {r.member} ({family.members[r.member]['input_h']} px) "
          f"in {r.total_ms:.2f} ms, met: {r.met_budget}; top-1 {int(np.argmax(family.output(0)))}")
