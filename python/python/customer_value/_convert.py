"""Column conversion: pandas, polars, pyarrow, numpy and plain sequences to
the float64 / int64 numpy arrays the compiled core takes.

Nothing here loops over elements in Python: numpy arrays and numpy-backed
pandas columns pass as they are, and Arrow columns (pyarrow, polars, pandas
with an Arrow dtype) are read by the compiled core through the Arrow
PyCapsule interface (a float64 column in one chunk without nulls without a
copy).
"""

from __future__ import annotations

import math

import numpy as np

from . import _native
from ._native import InvalidParameterError, InvalidValueError


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


def floats(values, name, check=True):
    """A float64 array with every value finite, or InvalidValueError naming the column.

    ``check=False`` skips the scan for non-finite values, for arrays the
    compiled core validates itself; :func:`checked_call` then repeats the
    scan when the core refuses an input, so that the error is this one."""
    if type(values) in (float, int):
        # One Python number (a scalar call): the checks below, without
        # their per-call cost.
        try:
            value = float(values)
        except OverflowError:
            value = math.inf
        if not math.isfinite(value):
            raise InvalidValueError(f"invalid {name}: {name}[0] = {value} is not finite (1 such values)")
        return np.array([value])
    source = arrow_source(values)
    if source is not None:
        array = _native.arrow_floats(source, name)
        if array.base is not None:
            # A view of an Arrow buffer: Arrow data are immutable.
            array.flags.writeable = False
    else:
        array = _to_numpy(values, name)
    if array.dtype == object or array.dtype.kind not in "biuf":
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError) as e:
            raise InvalidValueError(f"invalid {name}: values of type {array.dtype} are not numbers ({e})") from None
    array = np.ascontiguousarray(array, dtype=np.float64).ravel()
    if check:
        require_finite(array, name)
    return array


def require_finite(array, name):
    """InvalidValueError naming the first non-finite value of ``array``."""
    bad = ~np.isfinite(array)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidValueError(f"invalid {name}: {name}[{i}] = {array[i]} is not finite ({int(bad.sum())} such values)")


def checked_call(call, *columns):
    """``call()``, whose compiled core refuses every non-finite value of the
    ``(array, name)`` columns (read with ``floats(..., check=False)``). When
    it raises, the columns are scanned in order first, so a non-finite
    value gives :func:`floats`' error, as if each column had been checked
    before the call; a valid input costs no extra pass over the data."""
    try:
        return call()
    except _native.CustomerValueError:
        for array, name in columns:
            require_finite(array, name)
        raise


def optional_floats(values, name):
    return None if values is None else floats(values, name)


def index_of(*columns):
    """The pandas index of the first pandas column given, to label results."""
    for c in columns:
        if type(c).__module__.split(".")[0] == "pandas" and hasattr(c, "index"):
            return c.index
    return None


class UnsupportedFrequencyError(InvalidParameterError, ValueError):
    """A ``freq`` the lifetimes layer does not compute (the message names
    the supported ones). Also a ``ValueError``, as lifetimes raises for
    ``freq="M"`` under pandas 2."""


def arrow_source(values):
    """The object to read through the Arrow PyCapsule interface (pyarrow
    arrays and chunked arrays, polars Series, pandas columns with an Arrow
    dtype), or None for anything else.

    A pandas column is read through Arrow only when its dtype is an
    ``ArrowDtype``: pandas 3 gives every Series ``__arrow_c_stream__``, which
    converts numpy-backed columns through pyarrow (an ``ImportError``
    without pyarrow, a copy with it), where numpy reads them in place."""
    if type(values).__module__.split(".")[0] == "pandas":
        if type(getattr(values, "dtype", None)).__name__ == "ArrowDtype":
            return values.array.__arrow_array__()
        return None
    if hasattr(values, "__arrow_c_stream__") or hasattr(values, "__arrow_c_array__"):
        return values
    return None


def decimal_source(values):
    """The Arrow object of a decimal128 column (pyarrow, polars, pandas with
    an Arrow decimal dtype), read exactly by the compiled core, or None."""
    source = arrow_source(values)
    if source is None:
        return None
    dtype = getattr(values, "dtype", None)
    if dtype is None:
        dtype = getattr(values, "type", None)
    return source if str(dtype).lower().startswith("decimal") else None


def _arrow_type_name(values):
    dtype = getattr(values, "dtype", None)
    if dtype is None:
        dtype = getattr(values, "type", None)
    return str(dtype).lower()


def money_kwargs(column, exact_arrow=True):
    """The keyword arguments that carry a money column to the compiled core:
    ``amounts`` (float64, each value read as its shortest decimal text) for
    numeric columns, ``amount_column`` (an Arrow decimal128 column, read
    exactly) when ``exact_arrow``, else ``amount_texts`` (decimal strings)."""
    source = arrow_source(column)
    if source is not None:
        kind = _arrow_type_name(column)
        if kind.startswith(("float", "double", "halffloat", "int", "uint")):
            return {"amounts": _native.arrow_floats(source, "amount")}
        if exact_arrow and kind.startswith("decimal"):
            return {"amount_column": source}
    if getattr(getattr(column, "dtype", None), "kind", "O") in "biuf":
        return {"amounts": np.asarray(column, dtype=np.float64)}
    # Decimal objects and strings, as exact text.
    module = type(column).__module__.split(".")[0]
    if module == "polars":
        return {"amount_texts": [str(v) for v in column.to_list()]}
    if module == "pyarrow":
        return {"amount_texts": [str(v) for v in column.to_pylist()]}
    return {"amount_texts": np.asarray(column).astype(str).tolist()}


def factorize(column):
    """``pd.factorize(column, sort=True)`` for pandas, numpy, polars and
    pyarrow columns."""
    import pandas as pd

    module = type(column).__module__.split(".")[0]
    if module == "polars":
        column = column.to_numpy()
    elif module == "pyarrow":
        column = column.to_numpy(zero_copy_only=False)
    return pd.factorize(column, sort=True)
