"""The README's walk-through runs as written (plots skipped) and prints the
published CDNOW figures it claims."""

import re
from pathlib import Path

import pytest

from test_lifetimes_parity import DATA, needs_data

README = Path(__file__).resolve().parents[1] / "README.md"


@needs_data
def test_walk_through_runs_and_reproduces_its_comments():
    text = README.read_text(encoding="utf-8")
    block = re.search(r"## A notebook-style walk-through\s+```python\n(.*?)```", text, re.S).group(1)
    lines = [
        line
        for line in block.splitlines()
        if "matplotlib" not in line and not line.lstrip().startswith(("plt.", "summary.plot"))
    ]
    code = "\n".join(lines).replace('"CDNOW_sample.txt"', repr(str(DATA / "cdnow" / "CDNOW_sample.txt")))
    scope = {}
    exec(compile(code, str(README), "exec"), scope)
    params = scope["bgf"].params_.round(3).to_dict()
    assert params == {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    assert scope["bgf"].status_ == "interior"
    assert scope["ggf"].params_.round(2).to_dict() == {"p": 6.25, "q": 3.74, "v": 15.44}
    assert round(scope["summary"].loc[4, "clv"], 2) == 36.27
