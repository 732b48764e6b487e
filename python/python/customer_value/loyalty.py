"""The hierarchical loyalty index (A1 relationship duration, A2 spending,
A3 emotional factors; indicators A11..A34) and AHP weights.

Each indicator is min-max normalised over the population (A32, price
sensitivity, reversed: higher raw values mean less loyalty), the index is
``100 · Σ w_k z_k`` with leaf weights summing to 1, and each sub-index is
the same within its group. Weights: equal (default), nine leaf weights, or
entropy weights from the customers with every indicator. AHP priority
weights come from a reciprocal pairwise comparison matrix, with Saaty's
consistency ratio (CR below 0.1 required unless ``accept_inconsistent``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from . import _native
from ._convert import floats, index_of

__all__ = ["INDICATORS", "AhpResult", "ahp", "index"]

INDICATORS = ("A11", "A12", "A13", "A21", "A22", "A31", "A32", "A33", "A34")


@dataclass(frozen=True)
class AhpResult:
    weights: list
    lambda_max: float
    ci: float
    cr: float


def ahp(matrix, *, method="eigenvector", accept_inconsistent=False):
    """Priority weights of a pairwise comparison matrix."""
    rows = [[float(v) for v in row] for row in matrix]
    return AhpResult(*_native.ahp_weights(rows, method, accept_inconsistent))


def index(table, *, columns=INDICATORS, weights=None, missing="error"):
    """``index`` (0-100) and the ``a1``, ``a2``, ``a3`` sub-indices per
    customer. ``columns`` names the nine indicator columns in A11..A34
    order (missing values as NaN); ``weights`` is None (equal), nine leaf
    weights, or ``"entropy"``; ``missing`` is ``"error"`` or ``"drop"``."""
    if len(columns) != 9:
        raise ValueError(f"columns must name the nine indicators A11..A34, got {len(columns)}")
    data = []
    for c in columns:
        values = table[c]
        array = values.to_numpy(dtype=float, na_value=float("nan")) if hasattr(values, "to_numpy") else values
        data.append(floats_allow_nan(array, c))
    entropy = isinstance(weights, str) and weights == "entropy"
    leaf = None if weights is None or entropy else [float(w) for w in weights]
    i, a1, a2, a3 = _native.loyalty_index(data, weights=leaf, entropy=entropy, missing=missing)
    return pd.DataFrame({"index": i, "a1": a1, "a2": a2, "a3": a3}, index=index_of(table[columns[0]]))


def floats_allow_nan(values, name):
    """float64 values where NaN means missing; infinities are refused."""
    import numpy as np

    array = np.ascontiguousarray(values, dtype=np.float64)
    finite_or_nan = np.isfinite(array) | np.isnan(array)
    if not finite_or_nan.all():
        return floats(array, name)  # raises, naming the first infinity
    return array
