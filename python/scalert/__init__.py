"""ScaleRT: run compound-scaled EfficientNet / MobileNet models on the CPU.

    import numpy as np, scalert
    model = scalert.Model("b0.srm")
    it = model.interpreter(backend="native", threads=2)
    logits = it.run(np.zeros(model.inputs[0]["shape"], np.float32))[0]
    print(scalert.top_k(logits, model.labels, 5))

Errors raise scalert.Error (a RuntimeError) with the runtime's message.
"""
from __future__ import annotations

import os
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Union

import numpy as np

from . import _scalert
from ._scalert import MAX_THREADS, Error, available_backends, jpeg_png_supported
from ._cli import bench, cli, import_onnx, inspect, scale

__version__: str = _scalert.__version__

__all__ = ["Model", "Interpreter", "Family", "FamilyResult", "Error", "MAX_THREADS", "available_backends", "jpeg_png_supported",
           "top_k", "cli", "scale", "import_onnx", "inspect", "bench", "__version__"]

ArrayLike = Any


class Interpreter:
    """A model prepared on one backend (from Model.interpreter). One run at a time."""

    def __init__(self, model: "Model", native: "_scalert.Interpreter"):
        self.model = model
        self._it = native

    backend = property(lambda self: self._it.backend)
    threads = property(lambda self: self._it.threads)
    precision = property(lambda self: self._it.precision, doc="what the backend actually runs")
    arena_bytes = property(lambda self: self._it.arena_bytes)

    def run(self, inputs: Union[ArrayLike, Sequence[ArrayLike], Mapping[str, ArrayLike]]) -> List[np.ndarray]:
        """Runs the model and returns every output as a NumPy array (copies: they survive the next run).

        `inputs`: one array (a single-input model), a list in input order, or a dict by input name.
        Arrays are converted to float32 and must have the input's exact shape.
        """
        if isinstance(inputs, Mapping):
            for name, array in inputs.items():
                self._it.set_input(name, array)
        elif isinstance(inputs, (list, tuple)) and len(self.model.inputs) > 1:
            if len(inputs) != len(self.model.inputs):
                raise Error(f"the model has {len(self.model.inputs)} inputs, got {len(inputs)} arrays")
            for i, array in enumerate(inputs):
                self._it.set_input(i, array)
        else:
            self._it.set_input(0, inputs)
        self._it.invoke()
        return self._it.outputs()

    def run_image(self, image: Union[str, os.PathLike, np.ndarray], fit: str = "stretch",
                  rotation: int = 0) -> List[np.ndarray]:
        """Runs on an image: a JPEG/PNG/PPM path or a uint8 array (H, W), (H, W, 3) RGB or (H, W, 4) RGBA.

        It is resized (bilinear; fit "stretch", "crop" or "letterbox"), rotated clockwise by `rotation`
        degrees, converted to the model's color order and normalized with its mean/std.
        """
        self._it.set_input_image(0, image, fit, rotation)
        self._it.invoke()
        return self._it.outputs()

    def output(self, key: Union[int, str]) -> np.ndarray:
        """Output `key` (index or name) of the last run, as a copy."""
        return self._it.output(key)

    def outputs_by_name(self) -> Dict[str, np.ndarray]:
        return {t["name"]: self._it.output(i) for i, t in enumerate(self.model.outputs)}


class Model:
    """A loaded, validated .srm model (a path or bytes)."""

    def __init__(self, source: Union[str, os.PathLike, bytes]):
        self._model = _scalert.Model(source)

    name = property(lambda self: self._model.name)
    metadata = property(lambda self: self._model.metadata, doc="family, scaling, input size, normalization, ...")
    labels = property(lambda self: self._model.labels, doc="class labels stored in the model (may be empty)")
    inputs = property(lambda self: self._model.inputs, doc="[{'name', 'shape', 'dtype'}] in order")
    outputs = property(lambda self: self._model.outputs, doc="[{'name', 'shape', 'dtype'}] in order")

    def interpreter(self, backend: str = "native", threads: int = 1, precision: str = "fp32") -> Interpreter:
        """Prepares the model on a backend ("native", "xnnpack", "reference") with 1..MAX_THREADS threads."""
        if isinstance(threads, bool) or not isinstance(threads, int):
            raise Error(f"threads must be an int in [1, {MAX_THREADS}], got {threads!r}")
        if not 1 <= threads <= MAX_THREADS:
            raise Error(f"threads must be in [1, {MAX_THREADS}], got {threads}")
        return Interpreter(self, self._model._interpreter(backend, threads, precision))

    def __repr__(self) -> str:
        return f"scalert.Model({self.name!r})"


def top_k(values: np.ndarray, labels: Sequence[str] = (), k: int = 5) -> List[tuple]:
    """[(index, value, label)] of the k largest values, largest first."""
    flat = np.asarray(values).reshape(-1)
    order = np.argsort(-flat, kind="stable")[:k]
    return [(int(i), float(flat[i]), labels[i] if i < len(labels) else "") for i in order]


class FamilyResult(NamedTuple):
    """What one Family.invoke did: the member that ran and its times (ms)."""
    member: int
    budget_ms: float
    predicted_ms: float
    run_ms: float
    resize_ms: float
    total_ms: float
    switched: bool
    met_budget: bool


class Family:
    """Several compatible models (e.g. a `scalert scale --phi 0:3` sweep) run as one object: the
    members are prepared once on one shared activation arena, calibrated, and each invoke runs the
    member the policy picks for that frame's time budget ("greedy", "dp" or "static").
    One thread at a time per Family; the GIL is released while a member runs."""

    def __init__(self, models: Sequence[Union["Model", str, os.PathLike]], *, backend: str = "native",
                 threads: int = 1, precision: str = "fp32", policy: str = "greedy", static_member: int = 0,
                 horizon: int = 8, total_budget_fraction: float = 0.0, calibration_runs: int = 3,
                 switch_runs: int = 2, latency_ms: Optional[Sequence[float]] = None,
                 switch_ms: Optional[Sequence[Sequence[float]]] = None):
        self._models = [m if isinstance(m, Model) else Model(m) for m in models]
        self._family = _scalert.Family([m._model for m in self._models], backend, threads, precision, policy,
                                       static_member, horizon, total_budget_fraction, calibration_runs,
                                       switch_runs, list(latency_ms or []), [list(r) for r in (switch_ms or [])])

    members = property(lambda self: self._family.members,
                       doc="per member, cheapest first: name, input size, macs, accuracy proxy, latency_ms, ...")
    arena_bytes = property(lambda self: self._family.arena_bytes, doc="the one activation arena all members share")

    def set_policy(self, policy: str, static_member: int = 0) -> None:
        self._family.set_policy(policy, static_member)

    def invoke(self, frame: np.ndarray, budget_ms: float) -> FamilyResult:
        """Resizes `frame` (float32 [H, W, C] or [1, H, W, C]) to the chosen member and runs it."""
        return FamilyResult(**self._family.invoke(frame, float(budget_ms)))

    def output(self, index: int = 0) -> np.ndarray:
        """A copy of output `index` of the member that ran last."""
        return self._family.output(index)
