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

Random weights get re-estimated batch-norm statistics so that the features depend on the input
(see torchvision_export_util.py). Without torch, torchvision or onnx, writes UNAVAILABLE with the
reason and exits 0 (the C++ test skips).
"""
import argparse
import json
import os
import sys
import warnings

from torchvision_export_util import cached, reestimate_batch_norm, torch_available

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
    if not torch_available(args.out):
        return 0
    import numpy as np
    import torch
    import torchvision
    from torchvision.models.feature_extraction import create_feature_extractor
    warnings.filterwarnings("ignore")
    torch.set_num_threads(2)

    meta_path = os.path.join(args.out, NAME + ".json")
    outputs = list(RETURN_NODES.values())
    files = [NAME + ".onnx", NAME + ".x0.npy", NAME + ".x1.npy"] + [f"{NAME}.{o}.y{i}.npy" for o in outputs for i in range(2)]
    if cached(args.out, NAME, files, args.size, VERSION):
        print(f"{NAME}: cached in {args.out}")
        return 0

    torch.manual_seed(3003)
    model = torchvision.models.efficientnet_b3()  # random initialization, no download
    reestimate_batch_norm(model, args.size, args.passes)

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
