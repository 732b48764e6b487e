"""Survey answers to satisfaction indices and Kano categories.

``summarize`` gives, per item, the seven-level distribution (1 = very
dissatisfied .. 7 = very satisfied), its mean, sample standard deviation,
top-two-box (6-7) and bottom-two-box (1-2) shares and the 0-100 CSI
(``(mean - 1) / 6 · 100``). ``scale="five"`` or ``"eleven"`` converts 1-5 or
0-10 answers to the seven levels first. ``kano`` classifies attributes from
paired functional/dysfunctional answers (1 like, 2 must-be, 3 neutral,
4 live-with, 5 dislike) with the Kano evaluation table, by the most frequent
category, with Better = (A + O) / (A + O + M + I) and Worse =
-(O + M) / (A + O + M + I).
"""

from __future__ import annotations

import pandas as pd

from . import _native
from ._convert import floats

__all__ = ["summarize", "kano"]


def summarize(table, items, *, scale="seven"):
    """One row per item: counts ``n1`` .. ``n7``, ``n``, ``mean``, ``sd``,
    ``top_two_box``, ``bottom_two_box``, ``csi``. Missing answers (NaN) are
    refused, not skipped: drop them first if that is what you mean."""
    rows = {}
    for item in items:
        counts, mean, sd, top, bottom, csi = _native.satisfaction_stats(floats(table[item], item), scale)
        row = {f"n{k + 1}": c for k, c in enumerate(counts)}
        row.update(n=sum(counts), mean=mean, sd=sd, top_two_box=top, bottom_two_box=bottom, csi=csi)
        rows[item] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def kano(table, *, attribute, functional, dysfunctional):
    """One row per attribute: ``category``, ``better``, ``worse`` and the
    counts of A, O, M, I, R, Q answers."""
    rows = {}
    for name, group in table.groupby(attribute, sort=True):
        category, better, worse, counts = _native.kano_attribute(
            floats(group[functional], functional), floats(group[dysfunctional], dysfunctional)
        )
        rows[name] = dict(zip(["A", "O", "M", "I", "R", "Q"], counts), category=category, better=better, worse=worse)
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = attribute
    return out
