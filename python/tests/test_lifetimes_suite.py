"""lifetimes' own test suite, with its imports switched to
``customer_value.lifetimes``, fails only for the documented reasons
(``tests/lifetimes_suite``). Needs a lifetimes 0.11.3 source tree named by
``LIFETIMES_SOURCE`` (its tests are not vendored) and lifetimes installed
(its data files); skipped otherwise."""

import importlib.util
import os
import re
import sys
from pathlib import Path

import pytest

SOURCE = os.environ.get("LIFETIMES_SOURCE")
HERE = Path(__file__).resolve().parent

pytestmark = [
    pytest.mark.skipif(
        not SOURCE or not (Path(SOURCE) / "tests" / "test_estimation.py").is_file(),
        reason="LIFETIMES_SOURCE does not name a lifetimes source tree with its tests",
    ),
    pytest.mark.skipif(importlib.util.find_spec("lifetimes") is None, reason="lifetimes is not installed"),
]


def test_switched_suite_fails_only_for_documented_reasons(tmp_path, capsys):
    sys.path.insert(0, str(HERE / "lifetimes_suite"))
    try:
        import run_lifetimes_suite
    finally:
        sys.path.pop(0)
    status = run_lifetimes_suite.main(["--source", SOURCE, "--workdir", str(tmp_path)])
    out = capsys.readouterr().out
    # No switched failure without a documented reason ...
    assert status == 0, out
    # ... and at most the six documented ones (lifetimes 0.11.3 has 112 tests).
    passed, total = map(int, re.search(r"customer_value\.lifetimes: (\d+) of (\d+) passed", out).groups())
    assert total - passed <= len(run_lifetimes_suite.KNOWN), out
