"""Column conversion: pandas, polars, pyarrow, numpy and plain sequences to
the float64 / int64 numpy arrays the compiled core takes.

Nothing here loops over elements in Python: every path is a vectorised
numpy, pandas or Arrow call.
"""

from __future__ import annotations

import numpy as np

from ._native import InvalidValueError


def _to_numpy(values, name):
    """Any 1-D column-like to a numpy array, without copying where possible."""
    if isinstance(values, np.ndarray):
        return values
    module = type(values).__module__.split(".")[0]
    if module == "pandas":
        return values.to_numpy()
    if module == "polars":
        return values.to_numpy()
    if module == "pyarrow":
        # ChunkedArray or Array; nulls become NaN and are refused below.
        return values.to_numpy(zero_copy_only=False)
    if np.isscalar(values):
        return np.asarray([values])
    return np.asarray(values)


def floats(values, name):
    """A float64 array with every value finite, or InvalidValueError naming the column."""
    array = _to_numpy(values, name)
    if array.dtype == object or array.dtype.kind not in "biuf":
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError) as e:
            raise InvalidValueError(f"invalid {name}: values of type {array.dtype} are not numbers ({e})") from None
    array = np.ascontiguousarray(array, dtype=np.float64).ravel()
    bad = ~np.isfinite(array)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidValueError(f"invalid {name}: {name}[{i}] = {array[i]} is not finite ({int(bad.sum())} such values)")
    return array


def optional_floats(values, name):
    return None if values is None else floats(values, name)


def index_of(*columns):
    """The pandas index of the first pandas column given, to label results."""
    for c in columns:
        if type(c).__module__.split(".")[0] == "pandas" and hasattr(c, "index"):
            return c.index
    return None
