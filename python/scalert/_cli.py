"""The `scalert` command line, shipped inside the package: scale, import, inspect and bench run it
in a child process (a crash or a long job cannot take the Python process down) and parse its --json."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any, Dict, List, Sequence

from ._scalert import Error


def _binary() -> str:
    path = os.path.join(os.path.dirname(__file__), "bin", "scalert")
    if not os.path.exists(path):
        raise Error("this scalert package was built without the command-line tool (bin/scalert)")
    return path


def _flags(options: Dict[str, Any]) -> List[str]:
    args: List[str] = []
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if value is True:
            args.append(flag)
        elif value is False or value is None:
            continue
        elif isinstance(value, (list, tuple)):
            args += [flag, ",".join(str(v) for v in value)]
        else:
            args += [flag, str(value)]
    return args


def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Runs `scalert ARGS...`; raises Error with its message when it fails (and check is true)."""
    r = subprocess.run([_binary(), *map(str, args)], capture_output=True, text=True)
    if check and r.returncode != 0:
        raise Error((r.stderr or r.stdout).strip() or f"scalert {' '.join(map(str, args))} failed ({r.returncode})")
    return r


def _json(args: Sequence[str]) -> Any:
    return json.loads(cli(*args, "--json").stdout)


def scale(output: str, **options: Any) -> Any:
    """`scalert scale -o OUTPUT --key value ...`, e.g. scale("b0.srm", preset="b0"); returns its JSON report."""
    return _json(["scale", "-o", str(output), *_flags(options)])


def import_onnx(onnx_path: str, output: str, **options: Any) -> Any:
    """`scalert import ONNX -o OUTPUT ...`; returns its JSON report."""
    return _json(["import", str(onnx_path), "-o", str(output), *_flags(options)])


def inspect(model_path: str, **options: Any) -> Any:
    """`scalert inspect MODEL --json`: metadata, per-operator table, parameters, MACs, arena."""
    return _json(["inspect", str(model_path), *_flags(options)])


def bench(*model_paths: str, **options: Any) -> Any:
    """`scalert bench MODELS... --json`, e.g. bench("b0.srm", backend="native,xnnpack", threads=[1, 2])."""
    return _json(["bench", *map(str, model_paths), *_flags(options)])


def main() -> None:  # the `scalert` console script
    os.execv(_binary(), [_binary(), *sys.argv[1:]])
