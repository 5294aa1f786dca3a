#!/usr/bin/python3
"""Exports torchvision's EfficientNet-B3 as a backbone (C3, C4, C5 feature maps) to ONNX.

The feature extractor is torchvision's create_feature_extractor on the ends of stages 3, 5 and 7
(features.3, features.5, features.7: strides 8, 16, 32), the stages `scalert scale --outputs
C3,C4,C5` gives out. Writes into --out:
  efficientnet_b3_backbone.onnx          the export (opset 13, batch norm kept as nodes), outputs C3, C4, C5
  efficientnet_b3_backbone.x0.npy, x1    two different random NCHW inputs (float32)
  efficientnet_b3_backbone.C3.y0.npy ... PyTorch's feature maps for them (NCHW)
  efficientnet_b3_backbone.json          {"size", "params", "shapes", ...}
Files already there for the same size and script version are kept (the build caches them).

As in make_torchvision_models.py, random weights get re-estimated batch-norm statistics (train-mode
passes with a cumulative average) so that the features depend on the input. Without torch,
torchvision or onnx, writes UNAVAILABLE with the reason and exits 0 (the C++ test skips).
"""
import argparse
import json
import os
import sys
import warnings

VERSION = 1  # bump when the generated data changes meaning
NAME = "efficientnet_b3_backbone"
RETURN_NODES = {"features.3": "C3", "features.5": "C4", "features.7": "C5"}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True)
    p.add_argument("--size", type=int, default=300, help="input side (B3's own resolution by default)")
    p.add_argument("--passes", type=int, default=8, help="batch-norm re-estimation passes (batch 8)")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    marker = os.path.join(args.out, "UNAVAILABLE")
    try:
        import numpy as np
        import torch
        import torchvision
        from torchvision.models.feature_extraction import create_feature_extractor
        import onnx  # noqa: F401  (torch.onnx needs it)
    except Exception as e:  # noqa: BLE001  -- any import failure means: skip, with the reason
        with open(marker, "w") as f:
            f.write(f"{sys.executable}: cannot import numpy/torch/torchvision/onnx: {e}\n")
        print(f"torch unavailable, wrote {marker}: {e}")
        return 0
    if os.path.exists(marker):
        os.remove(marker)
    warnings.filterwarnings("ignore")
    torch.set_num_threads(2)

    meta_path = os.path.join(args.out, NAME + ".json")
    outputs = list(RETURN_NODES.values())
    files = [NAME + ".onnx", NAME + ".x0.npy", NAME + ".x1.npy"] + [f"{NAME}.{o}.y{i}.npy" for o in outputs for i in range(2)]
    if os.path.exists(meta_path) and all(os.path.exists(os.path.join(args.out, f)) for f in files):
        with open(meta_path) as f:
            meta = json.load(f)
        if meta.get("size") == args.size and meta.get("version") == VERSION:
            print(f"{NAME}: cached in {args.out}")
            return 0

    torch.manual_seed(3003)
    model = torchvision.models.efficientnet_b3()  # random initialization, no download
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    with torch.no_grad():
        for bn in bns:
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.2, 0.2)
            bn.reset_running_stats()
            bn.momentum = None  # cumulative average over all passes
    model.eval()
    for bn in bns:  # only batch norm in train mode: stochastic depth stays off
        bn.train()
    with torch.no_grad():
        for _ in range(args.passes):
            model(torch.randn(8, 3, args.size, args.size))
    model.eval()

    backbone = create_feature_extractor(model, return_nodes=RETURN_NODES).eval()
    gen = torch.Generator().manual_seed(11)
    xs = [torch.randn(1, 3, args.size, args.size, generator=gen) for _ in range(2)]
    with torch.no_grad():
        ys = [backbone(x) for x in xs]
    onnx_path = os.path.join(args.out, NAME + ".onnx")
    tmp = onnx_path + ".tmp"
    # PRESERVE keeps BatchNormalization nodes, so the importer's folding is what is tested.
    torch.onnx.export(backbone, xs[0], tmp, opset_version=13, training=torch.onnx.TrainingMode.PRESERVE,
                      do_constant_folding=True, input_names=["input"], output_names=outputs)
    os.replace(tmp, onnx_path)
    for i in range(2):
        np.save(os.path.join(args.out, f"{NAME}.x{i}.npy"), xs[i].numpy().astype(np.float32))
        for o in outputs:
            np.save(os.path.join(args.out, f"{NAME}.{o}.y{i}.npy"), ys[i][o].numpy().astype(np.float32))
    params = sum(p.numel() for p in backbone.parameters())
    meta = {"version": VERSION, "size": args.size, "opset": 13, "torch": torch.__version__, "params": params,
            "shapes": {o: list(ys[0][o].shape) for o in outputs}}
    with open(meta_path, "w") as f:
        json.dump(meta, f)
    print(f"{NAME}: exported at {args.size}x{args.size}, params {params}, shapes {meta['shapes']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
