"""The family object from Python: one shared arena, the budget picks the member, outputs readable,
errors as scalert.Error; the example runs."""
import os
import subprocess
import sys

import numpy as np
import pytest
import scalert


@pytest.fixture(scope="module")
def members(tmp_path_factory):
    d = tmp_path_factory.mktemp("family")
    paths = []
    for width, res in ((0.35, "64x64"), (0.5, "96x96")):
        p = d / f"m{width}.srm"
        scalert.scale(str(p), family="mobilenet_v2", width=width, resolution=res)
        paths.append(str(p))
    return paths


def test_budget_picks_the_member_and_one_arena_serves_all(members):
    f = scalert.Family(members, calibration_runs=1, switch_runs=0)
    ms = f.members
    assert len(ms) == 2 and ms[0]["macs"] < ms[1]["macs"]
    assert f.arena_bytes == max(m["own_arena_bytes"] for m in ms)
    frame = np.random.default_rng(1).uniform(-1, 1, (50, 70, 3)).astype(np.float32)
    big = f.invoke(frame, 1e5)
    assert big.member == 1 and big.met_budget
    y1 = f.output(0)
    small = f.invoke(frame[None], 0.0)  # [1, H, W, C] works too
    assert small.member == 0 and not small.met_budget
    y0 = f.output(0)
    assert y0.shape == y1.shape and np.all(np.isfinite(y0)) and np.all(np.isfinite(y1))
    assert not np.allclose(y0, y1)  # different members, different outputs
    f.set_policy("static", 1)
    assert f.invoke(frame, 0.0).member == 1


def test_errors_are_exceptions(members):
    with pytest.raises(scalert.Error, match="policy"):
        scalert.Family(members, policy="psychic")
    f = scalert.Family(members, calibration_runs=1, switch_runs=0)
    with pytest.raises(scalert.Error):
        f.output(0)  # nothing ran yet
    with pytest.raises(scalert.Error):
        f.invoke(np.zeros((8, 8, 4), np.float32), 10)  # the members take 3 channels
    with pytest.raises(scalert.Error):
        f.output(5)


def test_example_runs(tmp_path):
    example = os.path.join(os.path.dirname(__file__), "..", "examples", "adaptive.py")
    r = subprocess.run([sys.executable, example, str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "member 1" in r.stdout and "member 0" in r.stdout
