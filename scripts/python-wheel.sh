#!/usr/bin/env bash
# Builds the Python package's manylinux_2_28 abi3 wheel (linked with zig, so
# any Linux build machine will do), installs it into a fresh virtual
# environment and checks that it imports and fits.
#
#   bash scripts/python-wheel.sh            # wheel in python/dist
#
# Needs maturin and ziglang (pip install maturin ziglang) and Python 3.10 or
# newer (PYTHON, default python3). Not part of CI: the zig build compiles
# the crate from scratch (about 5 to 7 minutes on two busy cores).
set -euo pipefail
cd "$(dirname "$0")/../python"
PYTHON="${PYTHON:-python3}"

maturin build --release --zig --compatibility manylinux_2_28 --out dist
wheel=$(ls -t dist/customer_value-*-cp310-abi3-manylinux_2_28_x86_64.whl | head -1)

venv=$(mktemp -d)
trap 'rm -rf "$venv"' EXIT
"$PYTHON" -m venv "$venv"
"$venv/bin/pip" install --quiet "$wheel"
cd "$venv"
"$venv/bin/python" - <<'PY'
import numpy as np

import customer_value
from customer_value.lifetimes import BetaGeoFitter

rng = np.random.default_rng(1)
T = rng.uniform(10, 50, 500)
x = rng.poisson(2, 500).astype(float)
t_x = np.where(x > 0, T * rng.uniform(0.1, 1, 500), 0.0)
fit = BetaGeoFitter().fit(x, t_x, T)
print(customer_value.__file__)
print(fit.params_.round(4).to_dict(), fit.status_)
PY
echo "ok: $wheel"
