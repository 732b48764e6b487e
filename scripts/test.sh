#!/usr/bin/env bash
# The whole test suite, every workspace member: the library and the command
# line (cargo), then the Python package built into a virtual environment and
# its pytest suite (parity with Python lifetimes 0.11.3 included).
#
#   bash scripts/test.sh            # everything
#   SKIP_PYTHON=1 bash scripts/test.sh   # cargo only
#
# The virtual environment lives in target/py-venv (override with
# CUSTOMER_VALUE_VENV); Python 3.10 or newer is needed (PYTHON, default
# python3). The pinned test dependencies are python/requirements-test.txt;
# they include PySpark, whose tests need Java 17 or newer on PATH (.ci/run
# installs it when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo test --all-features

if [ "${SKIP_PYTHON:-0}" = 1 ]; then
    exit 0
fi
PYTHON="${PYTHON:-python3}"
VENV="${CUSTOMER_VALUE_VENV:-target/py-venv}"
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -r python/requirements-test.txt
"$VENV/bin/python" -m pip install --quiet ./python
"$VENV/bin/python" -m pytest -q python/tests
