"""Satisfaction statistics and Kano against numpy and the evaluation table
written out here."""

import numpy as np
import pandas as pd
import pytest

import customer_value as cvm
from customer_value import satisfaction


def test_item_statistics_against_numpy():
    rng = np.random.default_rng(2)
    t = pd.DataFrame({"q1": rng.integers(1, 8, 500), "q2": rng.integers(3, 8, 300).tolist() + [7] * 200})
    s = satisfaction.summarize(t, ["q1", "q2"])
    for item in ("q1", "q2"):
        x = t[item].to_numpy()
        assert s.loc[item, "n"] == len(x)
        assert [s.loc[item, f"n{k}"] for k in range(1, 8)] == [int((x == k).sum()) for k in range(1, 8)]
        assert abs(s.loc[item, "mean"] - x.mean()) < 1e-12
        assert abs(s.loc[item, "sd"] - x.std(ddof=1)) < 1e-12
        assert abs(s.loc[item, "top_two_box"] - (x >= 6).mean()) < 1e-12
        assert abs(s.loc[item, "bottom_two_box"] - (x <= 2).mean()) < 1e-12
        assert abs(s.loc[item, "csi"] - (x.mean() - 1) / 6 * 100) < 1e-9


def test_bad_answers_are_refused():
    with pytest.raises(cvm.InvalidValueError):
        satisfaction.summarize(pd.DataFrame({"q": [1, 8]}), ["q"])
    with pytest.raises(cvm.InvalidValueError):
        satisfaction.summarize(pd.DataFrame({"q": [1.0, np.nan]}), ["q"])


# Kano evaluation table (rows: functional answer 1..5, columns: dysfunctional 1..5).
TABLE = ["QAAAO", "RIIIM", "RIIIM", "RIIIM", "RRRRQ"]


def test_kano_against_the_evaluation_table():
    rng = np.random.default_rng(5)
    rows = []
    for attr, bias in (("speed", 1), ("price", 3), ("colour", 2)):
        f = np.clip(rng.integers(1, 6, 200) - (bias == 1), 1, 5)
        d = np.clip(rng.integers(1, 6, 200) + (bias == 3), 1, 5)
        rows += [(attr, a, b) for a, b in zip(f, d)]
    t = pd.DataFrame(rows, columns=["attribute", "functional", "dysfunctional"])
    k = satisfaction.kano(t, attribute="attribute", functional="functional", dysfunctional="dysfunctional")
    for attr, group in t.groupby("attribute"):
        cats = [TABLE[a - 1][b - 1] for a, b in zip(group["functional"], group["dysfunctional"])]
        counts = {c: cats.count(c) for c in "AOMIRQ"}
        assert [k.loc[attr, c] for c in "AOMIRQ"] == [counts[c] for c in "AOMIRQ"]
        base = counts["A"] + counts["O"] + counts["M"] + counts["I"]
        assert abs(k.loc[attr, "better"] - (counts["A"] + counts["O"]) / base) < 1e-12
        assert abs(k.loc[attr, "worse"] + (counts["O"] + counts["M"]) / base) < 1e-12
