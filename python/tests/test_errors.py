"""Misuse raises scalert.Error with the runtime's message; nothing aborts the interpreter process."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import scalert


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(scalert.Error, match="nope.srm"):
        scalert.Model(str(tmp_path / "nope.srm"))
    bad = tmp_path / "bad.srm"
    bad.write_bytes(b"not a model at all")
    with pytest.raises(scalert.Error, match="bad.srm"):
        scalert.Model(bad)
    with pytest.raises(scalert.Error):
        scalert.Model(b"")


@pytest.mark.parametrize("threads", [0, -3, 257, 100000, 2**40])
def test_thread_counts_are_bounded(b0, threads):
    with pytest.raises(scalert.Error, match=r"threads must be in \[1, 256\]"):
        scalert.Model(b0).interpreter(threads=threads)


def test_bad_backend_precision_and_types(b0):
    m = scalert.Model(b0)
    with pytest.raises(scalert.Error, match="nope"):
        m.interpreter(backend="nope")
    with pytest.raises(scalert.Error, match="unknown precision"):
        m.interpreter(precision="fp99")
    with pytest.raises(scalert.Error, match="threads must be"):
        m.interpreter(threads="2")


def test_wrong_inputs(b0):
    m = scalert.Model(b0)
    it = m.interpreter()
    with pytest.raises(scalert.Error, match=r"expects shape \[1,224,224,3\]"):
        it.run(np.zeros((1, 3, 224, 224), np.float32))
    with pytest.raises(scalert.Error, match="no input named 'x'"):
        it.run({"x": np.zeros((1, 224, 224, 3))})
    with pytest.raises(scalert.Error, match="never set"):
        it._it.invoke()
    with pytest.raises(scalert.Error, match="no output before"):
        it.output(0)
    with pytest.raises(scalert.Error, match="numeric"):
        it.run("a string")
    it.run(np.zeros((1, 224, 224, 3), np.float32))
    with pytest.raises(scalert.Error, match="out of range"):
        it.output(5)
    with pytest.raises(scalert.Error, match="no output named"):
        it.output("logits?")
    with pytest.raises(scalert.Error, match="rotation"):
        it.run_image(np.zeros((8, 8, 3), np.uint8), rotation=45)
    with pytest.raises(scalert.Error, match="unknown fit"):
        it.run_image(np.zeros((8, 8, 3), np.uint8), fit="squash")
    with pytest.raises(scalert.Error, match="uint8"):
        it.run_image(np.zeros((8, 8, 3), np.float32))
    with pytest.raises(scalert.Error, match="shape"):
        it.run_image(np.zeros((8, 8, 5), np.uint8))
    with pytest.raises(scalert.Error, match="outside 1x1"):
        it.run_image(np.zeros((0, 8, 3), np.uint8))


def test_cli_errors_carry_the_message(tmp_path):
    with pytest.raises(scalert.Error, match="missing.srm"):
        scalert.inspect(str(tmp_path / "missing.srm"))


def test_out_of_memory_is_an_error_in_a_limited_process(tmp_path):
    """A process whose address space cannot hold the arena gets scalert.Error, not a crash."""
    big = tmp_path / "big.srm"
    scalert.scale(str(big), preset="b0", resolution="1024x1024")
    code = textwrap.dedent(f"""
        import resource, scalert
        m = scalert.Model({str(big)!r})
        vm = int([l for l in open('/proc/self/status') if l.startswith('VmSize')][0].split()[1]) * 1024
        resource.setrlimit(resource.RLIMIT_AS, (vm + (16 << 20), vm + (16 << 20)))
        try:
            m.interpreter(backend="native")
        except (scalert.Error, MemoryError) as e:
            print("ERROR:", e)
        else:
            print("NO ERROR")
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "ERROR:" in r.stdout and ("allocate" in r.stdout or "memory" in r.stdout), r.stdout
