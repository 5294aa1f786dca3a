#!/usr/bin/env bash
# The Python package as a user gets it: a virtual environment under build/ (Debian's python3 with
# its numpy and pytest, python3-venv), `pip install .` from the repository (pip fetches the build
# tools scikit-build-core and pybind11 from PyPI; CMake builds the runtime, the CLI and the
# extension under build/python/, incremental on later runs), then pytest on python/tests.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="$PWD/build/python-venv"
[ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv --system-site-packages "$venv"
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check .
# From outside the source tree, so `import scalert` is the installed package.
cd build
"$venv/bin/python" -c "import scalert; print('scalert', scalert.__version__, scalert.available_backends())"
timeout 900 "$venv/bin/python" -m pytest -q ../python/tests
