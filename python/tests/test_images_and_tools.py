"""Images through the Python package match the CLI; scale / inspect / bench from Python."""
import numpy as np
import pytest
import scalert


def write_ppm(path, rgb):
    h, w, _ = rgb.shape
    path.write_bytes(b"P6\n%d %d\n255\n" % (w, h) + rgb.tobytes())


def pattern(h, w):
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([x * 255 // (w - 1), y * 255 // (h - 1), ((x // 16 + y // 16) % 2) * 160 + 40],
                    axis=-1).astype(np.uint8)


@pytest.mark.parametrize("fit", ["stretch", "crop", "letterbox"])
def test_image_array_file_and_cli_agree(b0, tmp_path, fit):
    rgb = pattern(150, 200)
    ppm = tmp_path / "p.ppm"
    write_ppm(ppm, rgb)
    it = scalert.Model(b0).interpreter()
    from_array = it.run_image(rgb, fit=fit)[0]
    from_file = it.run_image(str(ppm), fit=fit)[0]
    np.testing.assert_array_equal(from_array, from_file)
    out = tmp_path / "y.npy"
    scalert.cli("run", str(b0), "--image", str(ppm), "--fit", fit, "--output", str(out))
    np.testing.assert_allclose(from_array, np.load(out), rtol=0, atol=1e-6 * np.abs(from_array).max())
    other = it.run_image(255 - rgb, fit=fit)[0]
    assert np.abs(other - from_array).max() > 1e-3 * np.abs(from_array).max()


def test_rgba_and_gray_arrays(b0):
    it = scalert.Model(b0).interpreter()
    rgb = pattern(64, 48)
    rgba = np.concatenate([rgb, np.full((64, 48, 1), 7, np.uint8)], axis=-1)
    np.testing.assert_array_equal(it.run_image(rgba)[0], it.run_image(rgb)[0])  # alpha ignored
    gray = rgb[..., 0].copy()
    np.testing.assert_array_equal(it.run_image(gray)[0], it.run_image(np.repeat(gray[..., None], 3, -1))[0])


def test_inspect_and_bench_from_python(b0, tmp_path):
    info = scalert.inspect(str(b0))
    assert info["metadata"]["family"] == "efficientnet"
    assert info["macs"] > 300e6
    report = scalert.bench(str(b0), backend="native", warmup=0, min_iters=1, min_time=0.01)
    assert report["results"][0]["backend"] == "native"
    assert report["results"][0]["median_ms"] > 0


def test_scale_family_sweep(tmp_path):
    out = tmp_path / "fam"
    scalert.scale(str(out), family="efficientnet", phi="0:1")
    assert len(list(out.glob("*.srm"))) == 2
