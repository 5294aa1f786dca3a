import pytest
import scalert


@pytest.fixture(scope="session")
def b0(tmp_path_factory):
    """EfficientNet-B0 from scalert.scale (random weights), with labels."""
    d = tmp_path_factory.mktemp("models")
    labels = d / "labels.txt"
    labels.write_text("".join(f"class{i}\n" for i in range(1000)))
    path = d / "b0.srm"
    scalert.scale(str(path), preset="b0", labels=str(labels))
    return path
