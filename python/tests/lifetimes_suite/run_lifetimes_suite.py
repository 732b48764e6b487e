"""Run Python lifetimes' own test suite against ``customer_value.lifetimes``.

lifetimes 0.11.3's tests (MIT licence, not shipped here and not in its
PyPI sdist) are copied from a lifetimes source tree into a scratch folder,
with every ``lifetimes`` import switched to ``customer_value.lifetimes``
(the one-line change a user makes), and run with pytest. With
``--baseline`` an unswitched copy runs too, against lifetimes itself, and
the two outcomes are listed side by side.

Two edits are made to both copies, so that the suite runs at all under
pandas 2 and from any folder: ``pandas.util.testing`` (removed in pandas
2) becomes ``pandas.testing``, and the data files the tests open by the
relative path ``lifetimes/datasets/...`` are read from the installed
lifetimes package (or ``CUSTOMER_VALUE_LIFETIMES_DATA``).

Usage (from anywhere; lifetimes 0.11.3 installed for its data files and
for the baseline)::

    git clone --depth 1 --branch v0.11.3 https://github.com/CamDavidsonPilon/lifetimes /tmp/lifetimes-src
    python python/tests/lifetimes_suite/run_lifetimes_suite.py --source /tmp/lifetimes-src --baseline

The source may also be named by the environment variable
``LIFETIMES_SOURCE``. The exit status is 0 when every switched test passes
or fails for one of the documented reasons in ``KNOWN`` below, else 1;
with ``--baseline``, a test that fails with lifetimes and passes switched
is listed but is not an error.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

# Switched tests that fail, each with its reason (see the module docstring
# of customer_value.lifetimes), by pytest node id.
KNOWN = {
    "tests/test_estimation.py::TestBaseFitter::test_repr": (
        "repr names the package: <customer_value.lifetimes.BaseFitter>, not <lifetimes.BaseFitter> (deliberate)"
    ),
    "tests/test_estimation.py::TestBetaGeoBetaBinomFitter::test_fit_with_and_without_weights": (
        "the test calls DataFrame.append, removed in pandas 2 (fails with lifetimes too)"
    ),
    "tests/test_generate_data.py::test_beta_geometric_nbd_model_transactional_data[100-0.24-4.41-0.79-2.43-2019-1-1-D-500]": (
        "summarising the simulated log counts distinct days with a purchase; the simulated frequency counts purchases "
        "(two on one day differ); lifetimes fails too (DataFrame.append)"
    ),
    "tests/test_generate_data.py::test_beta_geometric_nbd_model_transactional_data[100-0.24-4.41-0.79-2.43-2019-1-1-h-500]": (
        "as the D case, with hours; lifetimes fails too (DataFrame.append)"
    ),
    "tests/test_generate_data.py::TestBetaGeoBetaBinomGeneration::test_alive_probs": (
        "a statistical test that passes for about half of all seeds (lifetimes' simulator as well); the simulators "
        "draw different random streams, so the suite's seeds give other customers"
    ),
    "tests/test_generate_data.py::TestBetaGeoBetaBinomGeneration::test_params_same_from_sim_data": (
        "a statistical test that passes for most but not all seeds; other random streams than lifetimes'"
    ),
}

LIFETIMES_URL = "https://github.com/CamDavidsonPilon/lifetimes"


def find_tests(source: Path) -> Path:
    """The ``tests`` folder of a lifetimes source tree, or SystemExit."""
    tests = source / "tests"
    if not (tests / "test_estimation.py").is_file():
        raise SystemExit(
            f"{source} holds no lifetimes tests (tests/test_estimation.py); "
            f"clone {LIFETIMES_URL} at tag v0.11.3 (the PyPI sdist has no tests)"
        )
    version = source / "lifetimes" / "version.py"
    if version.is_file() and '"0.11.3"' not in version.read_text(encoding="utf-8"):
        print(f"warning: {version} is not lifetimes 0.11.3", file=sys.stderr)
    return tests


def data_folder() -> Path:
    """The folder of lifetimes' data files the tests read by path."""
    from customer_value.lifetimes import datasets

    folder = datasets._folder()  # CUSTOMER_VALUE_LIFETIMES_DATA, else the installed lifetimes'
    if folder is None or not (folder / "CDNOW_sample.txt").is_file():
        raise SystemExit("lifetimes' data files not found: pip install lifetimes==0.11.3 or set CUSTOMER_VALUE_LIFETIMES_DATA")
    return folder


_IMPORTS = [
    (re.compile(r"^(\s*)import lifetimes\b", re.M), r"\1import customer_value.lifetimes"),
    (re.compile(r"^(\s*)from lifetimes\b", re.M), r"\1from customer_value.lifetimes"),
]


def prepare(tests: Path, target: Path, switched: bool) -> Path:
    """A copy of ``tests`` under ``target`` with the edits of the module
    docstring; returns the folder to run pytest in."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(tests, target / "tests", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    data = data_folder().as_posix().rstrip("/") + "/"
    for path in sorted((target / "tests").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        text = text.replace("pandas.util.testing", "pandas.testing")
        text = text.replace('"lifetimes/datasets/', f'"{data}')
        if switched:
            for pattern, replacement in _IMPORTS:
                text = pattern.sub(replacement, text)
        path.write_text(text, encoding="utf-8")
    return target


def run(folder: Path, pytest_args: list[str]) -> dict[str, tuple[str, str]]:
    """pytest in ``folder``; the outcome (passed, failed, error, skipped)
    of each test and the first line of its failure message, by node id."""
    report = folder / "report.xml"
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", f"--junitxml={report}", "tests"]
    subprocess.run(command + pytest_args, cwd=folder, check=False)
    outcomes = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        module = case.get("classname", "").split(".")
        # classname is "tests.test_x" or "tests.test_x.TestClass".
        path = "/".join(module[:2]) + ".py"
        node = "::".join([path] + module[2:] + [case.get("name", "")])
        outcome, message = "passed", ""
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome = {"failure": "failed", "error": "error", "skipped": "skipped"}[child.tag]
                message = (child.get("message") or "").strip().splitlines()[0][:160] if child.get("message") else ""
                break
        outcomes[node] = (outcome, message)
    return outcomes


def known_reason(node: str) -> str | None:
    """The documented reason of a known switched failure, if any."""
    return KNOWN.get(node)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", default=os.environ.get("LIFETIMES_SOURCE"), help="a lifetimes 0.11.3 source tree")
    parser.add_argument("--baseline", action="store_true", help="also run the unswitched copy against lifetimes")
    parser.add_argument("--workdir", help="where to put the copies (default: a temporary folder)")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args(argv)
    if not args.source:
        parser.error("name a lifetimes source tree with --source or LIFETIMES_SOURCE")
    tests = find_tests(Path(args.source))
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="lifetimes-suite-"))
    ours = run(prepare(tests, work / "switched", switched=True), args.pytest_args)
    theirs = run(prepare(tests, work / "lifetimes", switched=False), args.pytest_args) if args.baseline else {}

    def count(outcomes, what):
        return sum(1 for v, _ in outcomes.values() if v == what)

    print(f"\ncustomer_value.lifetimes: {count(ours, 'passed')} of {len(ours)} passed")
    if theirs:
        print(f"lifetimes:                {count(theirs, 'passed')} of {len(theirs)} passed")
    unexplained = []
    for node in sorted(set(ours) | set(theirs)):
        (mine, why), (base, base_why) = ours.get(node, ("-", "")), theirs.get(node, ("-", ""))
        if mine == "passed" and base in ("passed", "-"):
            continue
        reason = known_reason(node)
        if mine in ("failed", "error") and reason is None:
            unexplained.append(node)
            reason = f"NOT DOCUMENTED: {why}"
        print(f"  {node}\n      customer_value: {mine}   lifetimes: {base}")
        if reason:
            print(f"      why: {reason}")
        if base in ("failed", "error"):
            print(f"      lifetimes' failure: {base_why}")
    if unexplained:
        print(f"\n{len(unexplained)} switched failures without a documented reason", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
