"""Model, Interpreter and outputs as a user sees them."""
import threading

import numpy as np
import pytest
import scalert


def test_version_matches_the_package():
    assert scalert.__version__.count(".") == 2
    assert scalert._scalert.__version__ == scalert.__version__


def test_model_properties(b0):
    m = scalert.Model(str(b0))
    assert m.metadata["family"] == "efficientnet"
    assert m.metadata["input_h"] == 224
    assert len(m.metadata["mean"]) == 3
    assert m.labels[:2] == ["class0", "class1"] and len(m.labels) == 1000
    assert m.inputs[0]["shape"] == (1, 224, 224, 3)
    assert m.inputs[0]["dtype"] == np.float32
    assert m.outputs[0]["shape"] == (1, 1000)
    assert scalert.Model(b0.read_bytes()).outputs == m.outputs  # from bytes too


def test_run_returns_numpy_outputs_that_depend_on_the_input(b0):
    m = scalert.Model(b0)
    it = m.interpreter(backend="native", threads=2)
    assert (it.backend, it.threads, it.precision) == ("native", 2, "fp32")
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (1, 224, 224, 3)).astype(np.float32)
    y = it.run(x)
    assert isinstance(y, list) and y[0].shape == (1, 1000) and y[0].dtype == np.float32
    assert np.isfinite(y[0]).all()
    y_again = it.run(x)[0]
    np.testing.assert_array_equal(y[0], y_again)
    y_other = it.run(-x)[0]
    assert np.abs(y_other - y[0]).max() > 1e-3 * np.abs(y[0]).max()
    assert np.abs(y[0] - y_again).max() == 0  # the first result was a copy, not a view
    # Outputs by index and by name; inputs by name; float64 converted.
    name = m.outputs[0]["name"]
    np.testing.assert_array_equal(it.output(0), y_other)
    np.testing.assert_array_equal(it.output(name), y_other)
    np.testing.assert_array_equal(it.outputs_by_name()[name], y_other)
    y_dict = it.run({m.inputs[0]["name"]: x.astype(np.float64)})[0]
    np.testing.assert_allclose(y_dict, y[0], rtol=1e-6, atol=1e-6 * np.abs(y[0]).max())


def test_backends_agree(b0):
    m = scalert.Model(b0)
    x = np.random.default_rng(1).uniform(-1, 1, (1, 224, 224, 3)).astype(np.float32)
    want = m.interpreter(backend="reference").run(x)[0]
    for backend in scalert.available_backends():
        got = m.interpreter(backend=backend).run(x)[0]
        rel = np.abs(got - want).max() / np.abs(want).max()
        assert rel < 1e-3, (backend, rel)


def test_runs_in_parallel_threads(b0):
    m = scalert.Model(b0)
    xs = [np.full((1, 224, 224, 3), v, np.float32) for v in (-0.5, 0.25, 0.75)]
    want = [m.interpreter().run(x)[0] for x in xs]
    got = [None] * 3
    its = [m.interpreter() for _ in xs]

    def work(i):
        for _ in range(2):
            got[i] = its[i].run(xs[i])[0]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


def test_top_k_uses_labels():
    assert scalert.top_k(np.array([[0.1, 3.0, 2.0]]), ["a", "b", "c"], 2) == [(1, 3.0, "b"), (2, 2.0, "c")]
