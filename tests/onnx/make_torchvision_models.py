#!/usr/bin/python3
"""Exports torchvision models with random weights to ONNX, with inputs and PyTorch's logits.

For each model NAME, writes into --out:
  NAME.onnx            the export (opset 13, symbolic batch, batch norm kept as nodes)
  NAME.x0.npy, x1.npy  two different random NCHW inputs (float32)
  NAME.y0.npy, y1.npy  PyTorch's logits for them
  NAME.json            {"params": torchvision's parameter count, "size": S, ...}
Files already there for the same size and script version are kept (the build caches them).

Batch-norm statistics are re-estimated on random inputs before export so that the logits depend
on the input (see torchvision_export_util.py).

If torch, torchvision or onnx cannot be imported, writes UNAVAILABLE with the reason and exits 0,
so the C++ tests can skip with that message.
"""
import argparse
import json
import os
import sys
import warnings

from torchvision_export_util import cached, reestimate_batch_norm, torch_available

VERSION = 1  # bump when the generated data changes meaning


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True)
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--models", default="efficientnet_b0,mobilenet_v2,mobilenet_v3_large")
    p.add_argument("--passes", type=int, default=12, help="batch-norm re-estimation passes (batch 8)")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if not torch_available(args.out):
        return 0
    import numpy as np
    import torch
    import torchvision
    warnings.filterwarnings("ignore")
    torch.set_num_threads(2)

    for seed, name in enumerate(args.models.split(",")):
        meta_path = os.path.join(args.out, name + ".json")
        files = [name + s for s in (".onnx", ".x0.npy", ".x1.npy", ".y0.npy", ".y1.npy")]
        if cached(args.out, name, files, args.size, VERSION):
            print(f"{name}: cached in {args.out}")
            continue

        torch.manual_seed(1000 + seed)
        model = getattr(torchvision.models, name)()  # random initialization, no download
        reestimate_batch_norm(model, args.size, args.passes)

        gen = torch.Generator().manual_seed(7 + seed)
        xs = [torch.randn(1, 3, args.size, args.size, generator=gen) for _ in range(2)]
        with torch.no_grad():
            ys = [model(x) for x in xs]
        onnx_path = os.path.join(args.out, name + ".onnx")
        tmp = onnx_path + ".tmp"
        # PRESERVE keeps BatchNormalization nodes (EVAL would fold them into the convs during
        # export), so the importer's folding and torchvision's parameter count are both checked.
        torch.onnx.export(model, xs[0], tmp, opset_version=13, training=torch.onnx.TrainingMode.PRESERVE,
                          do_constant_folding=True, input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
        os.replace(tmp, onnx_path)
        for i in range(2):
            np.save(os.path.join(args.out, f"{name}.x{i}.npy"), xs[i].numpy().astype(np.float32))
            np.save(os.path.join(args.out, f"{name}.y{i}.npy"), ys[i].numpy().astype(np.float32))
        spread = float((ys[0] - ys[1]).abs().max() / ys[1].abs().max())
        meta = {"version": VERSION, "size": args.size, "opset": 13, "torch": torch.__version__,
                "params": sum(p.numel() for p in model.parameters()), "input_spread": spread}
        with open(meta_path, "w") as f:
            json.dump(meta, f)
        print(f"{name}: exported at {args.size}x{args.size}, params {meta['params']}, "
              f"relative logit difference between the two inputs {spread:.3g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
