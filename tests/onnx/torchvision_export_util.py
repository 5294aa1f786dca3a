"""What the torchvision export scripts share: the import check that lets the C++ tests skip with a
reason, the cache check, and batch-norm statistics re-estimated on random inputs.

Random weights alone make a useless parity reference: with merely randomized batch-norm statistics
the signal fades through these nets and all inputs give nearly the same outputs. So the statistics
are re-estimated on random inputs (train-mode passes with a cumulative average), as they would be
for a trained model, and the outputs then depend on the input.
"""
import json
import os
import sys


def torch_available(out_dir):
    """True when numpy, torch, torchvision and onnx import; otherwise writes out_dir/UNAVAILABLE
    with the reason (the C++ tests skip with it) and returns False."""
    marker = os.path.join(out_dir, "UNAVAILABLE")
    try:
        import numpy  # noqa: F401
        import torch  # noqa: F401
        import torchvision  # noqa: F401
        import onnx  # noqa: F401  (torch.onnx needs it for checks)
    except Exception as e:  # noqa: BLE001  -- any import failure means: skip, with the reason
        with open(marker, "w") as f:
            f.write(f"{sys.executable}: cannot import numpy/torch/torchvision/onnx: {e}\n")
        print(f"torch unavailable, wrote {marker}: {e}")
        return False
    if os.path.exists(marker):
        os.remove(marker)
    return True


def cached(out_dir, name, files, size, version):
    """True when NAME.json and every file exist for this input size and script version."""
    meta_path = os.path.join(out_dir, name + ".json")
    if not (os.path.exists(meta_path) and all(os.path.exists(os.path.join(out_dir, f)) for f in files)):
        return False
    with open(meta_path) as f:
        meta = json.load(f)
    return meta.get("size") == size and meta.get("version") == version


def reestimate_batch_norm(model, size, passes):
    """Non-trivial batch-norm affine parameters (so that folding them is really tested) and running
    statistics from `passes` batches of 8 random size x size images; leaves the model in eval mode."""
    import torch
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    with torch.no_grad():
        for bn in bns:
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.2, 0.2)
            bn.reset_running_stats()
            bn.momentum = None  # cumulative average over all passes
    model.eval()
    for bn in bns:  # only batch norm in train mode: dropout / stochastic depth stay off
        bn.train()
    with torch.no_grad():
        for _ in range(passes):
            model(torch.randn(8, 3, size, size))
    model.eval()
