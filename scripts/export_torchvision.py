#!/usr/bin/python3
"""Exports torchvision EfficientNet/MobileNet models (random weights, eval mode) to ONNX for
benchmarking against ONNX Runtime: `scalert import` the same file and `scalert bench` it.
Usage: /usr/bin/python3 scripts/export_torchvision.py OUTDIR [--size 224] [--models a,b,...]"""
import argparse
import os

import torch
import torchvision

p = argparse.ArgumentParser()
p.add_argument("outdir")
p.add_argument("--size", type=int, default=224)
p.add_argument("--models", default="efficientnet_b0,mobilenet_v2,mobilenet_v3_large,mobilenet_v3_small")
a = p.parse_args()
os.makedirs(a.outdir, exist_ok=True)
torch.manual_seed(0)
for name in a.models.split(","):
    model = getattr(torchvision.models, name)().eval()
    x = torch.randn(1, 3, a.size, a.size)
    path = os.path.join(a.outdir, f"{name}.onnx")
    torch.onnx.export(model, x, path, input_names=["input"], output_names=["logits"], opset_version=13)
    print("wrote", path)
