"""AHP against numpy's eigen-decomposition and the loyalty index against
the min-max formula computed here."""

import numpy as np
import pandas as pd
import pytest

import customer_value as cvm
from customer_value import loyalty


def test_ahp_eigenvector_and_consistency():
    m = [[1, 3, 5], [1 / 3, 1, 2], [1 / 5, 1 / 2, 1]]
    r = loyalty.ahp(m)
    values, vectors = np.linalg.eig(np.array(m, dtype=float))
    k = int(np.argmax(values.real))
    w = np.abs(vectors[:, k].real)
    w /= w.sum()
    assert np.allclose(r.weights, w, atol=1e-10)
    lam = values[k].real
    assert abs(r.lambda_max - lam) < 1e-9
    assert abs(r.ci - (lam - 3) / 2) < 1e-9
    assert abs(r.cr - (lam - 3) / 2 / 0.58) < 1e-6  # Saaty's RI for n = 3
    with pytest.raises(cvm.CustomerValueError):
        loyalty.ahp([[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]])


def test_index_with_equal_weights_is_the_mean_normalised_score():
    rng = np.random.default_rng(6)
    t = pd.DataFrame({c: rng.uniform(0, 10, 200) for c in loyalty.INDICATORS})
    s = loyalty.index(t)
    z = (t - t.min()) / (t.max() - t.min())
    z["A32"] = 1 - z["A32"]
    assert np.allclose(s["index"], 100 * z.mean(axis=1), atol=1e-9)
    assert np.allclose(s["a1"], 100 * z[["A11", "A12", "A13"]].mean(axis=1), atol=1e-9)


def test_missing_values_error_or_drop():
    rng = np.random.default_rng(7)
    t = pd.DataFrame({c: rng.uniform(0, 10, 50) for c in loyalty.INDICATORS})
    t.loc[3, "A22"] = np.nan
    with pytest.raises(cvm.CustomerValueError):
        loyalty.index(t)
    s = loyalty.index(t, missing="drop")
    assert np.isfinite(s["index"]).all()
    e = loyalty.index(t.dropna(), weights="entropy")
    assert ((e["index"] >= 0) & (e["index"] <= 100)).all()
