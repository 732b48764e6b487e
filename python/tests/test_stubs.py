"""The type stubs name exactly the compiled module's functions and classes."""

import re
from pathlib import Path

from customer_value import _native


def test_stubs_match_the_compiled_module():
    stub = (Path(__file__).resolve().parents[1] / "python" / "customer_value" / "_native.pyi").read_text()
    stubbed = set(re.findall(r"^def (\w+)\(", stub, re.M)) | set(re.findall(r"^class (\w+)\(", stub, re.M))
    compiled = {n for n in dir(_native) if not n.startswith("_")}
    assert stubbed == compiled
