"""lifetimes' ``utils.summary_data_from_transaction_data`` and
``utils.calibration_and_holdout_data``, computed by the crate.

Supported ``freq``: ``"D"`` (days), ``"W"`` (weeks, lifetimes' Monday to
Sunday periods) and ``"h"`` (hours), each with ``freq_multiplier``. Dates
are floored to their period exactly as lifetimes does (``to_period(freq)``),
customers come back sorted by id, and amounts are summed per period and
averaged over repeat periods, as lifetimes. Any other ``freq`` raises
:class:`customer_value.UnsupportedFrequencyError` (a ``ValueError``):
lifetimes 0.11.3 itself fails on ``"M"``, ``"Y"``, ``"Q"``, ``"min"`` and
``"H"`` under pandas 2 (it divides by ``np.timedelta64(1, freq)``). Amounts
are read as exact decimals (a float column's values as their shortest
decimal text), so sums do not pick up float noise.

Columns are read without per-element Python work: numpy-backed pandas
columns as numpy arrays, pyarrow, polars and Arrow-backed pandas columns
through the Arrow PyCapsule interface.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .. import _native
from .._convert import UnsupportedFrequencyError, arrow_source, money_kwargs
from .._native import InvalidValueError, NotConvergedError

# lifetimes' utils.ConvergenceError, so that `except ConvergenceError` keeps
# working: the crate's fits raise NotConvergedError only when a fit truly
# fails (not a ValueError, unlike lifetimes').
ConvergenceError = NotConvergedError

__all__ = [
    "summary_data_from_transaction_data",
    "calibration_and_holdout_data",
    "calculate_alive_path",
    "expected_cumulative_transactions",
]

_DAY = 86_400
# freq: (seconds per tick of the integer time axis, ticks per period).
_FREQ = {"D": (_DAY, 1), "W": (_DAY, 7), "h": (3_600, 1)}


def _freq(freq):
    if freq not in _FREQ:
        raise UnsupportedFrequencyError(
            f"freq={freq!r} is not supported: customer_value supports 'D' (days), 'W' (weeks) and 'h' (hours), each with freq_multiplier"
        )
    return _FREQ[freq]


def _to_periods(values, datetime_format, seconds):
    """Dates or timestamps (any form pandas reads) to int64 whole periods of
    ``seconds`` seconds since 1970-01-01 00:00, floored; time-zone-aware
    stamps count in their local wall-clock time, as lifetimes."""
    if datetime_format is None and not np.isscalar(values) and not isinstance(values, pd.Timestamp):
        source = arrow_source(values)
        if source is not None:
            out = _native.arrow_periods(source, "date", seconds)
            if out is not None:
                return out
        elif isinstance(values, pd.Series) and isinstance(values.dtype, np.dtype) and values.dtype.kind == "M":
            # Already naive datetimes: no parsing, one vectorised cast (a
            # time-zone-aware column, whose dtype is pandas' own, goes on
            # below to its local wall-clock time).
            stamps = values.to_numpy()
            missing = np.isnat(stamps)
            if missing.any():
                i = int(np.flatnonzero(missing)[0])
                raise InvalidValueError(f"invalid date: row {i} is missing")
            return _floor_stamps(stamps, seconds)
    error = None
    try:
        with warnings.catch_warnings():
            # pandas 2 warns of, and gives objects for, offsets that
            # differ (pandas 3 raises): they are read below.
            warnings.filterwarnings("ignore", message=".*mixed time zones", category=FutureWarning)
            stamps = pd.to_datetime(values, format=datetime_format)
    except ValueError as e:
        error, stamps = e, None
    if error is not None or getattr(stamps, "dtype", None) == object:
        # Offsets that differ between rows (a daylight-saving change, say)
        # have no one pandas time zone: read each stamp at its local
        # wall-clock time, the offset dropped, as stamps of one zone are.
        local = _without_offsets(values) if datetime_format is None else None
        if local is not None:
            stamps = _iso_stamps(local, error)
        elif error is not None:
            # ISO 8601 dates and date-times mixed in one column
            # (`2024-07-10` among `2024-01-01T08:30:00`): pandas infers
            # one shape from the first value and refuses the others.
            stamps = _iso_stamps(values, error) if datetime_format is None else None
            if stamps is None:
                raise error
    if isinstance(stamps, pd.Timestamp):
        if stamps.tz is not None:
            stamps = stamps.tz_localize(None)
        return _floor_stamps(np.asarray([stamps.to_datetime64()]), seconds)[0]
    stamps = pd.Series(stamps)
    if stamps.isna().any():
        i = int(np.flatnonzero(stamps.isna().to_numpy())[0])
        raise InvalidValueError(f"invalid date: row {i} is missing")
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_localize(None)
    return _floor_stamps(stamps.to_numpy(), seconds)


def _iso_stamps(values, error):
    """``values`` read as ISO 8601 of any precision, or ``error`` (pandas'
    own, when there was one) raised if they are not."""
    try:
        return pd.to_datetime(values, format="ISO8601")
    except ValueError:
        if error is not None:
            raise error from None
        raise


# A UTC offset after a time stamp's clock time: Z, +02, +0200 or +02:00.
_OFFSET = r"(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$"


def _without_offsets(values):
    """Text time stamps with their trailing UTC offsets removed, or None
    when ``values`` are not text or carry no offset."""
    if np.isscalar(values) or isinstance(values, pd.Timestamp):
        return None
    text = pd.Series(values)
    if text.dtype != object and not pd.api.types.is_string_dtype(text.dtype):
        return None
    if not text.map(lambda v: isinstance(v, str)).all():
        return None
    stripped = text.str.replace(_OFFSET, r"\1", regex=True)
    if stripped.equals(text):
        return None
    return stripped


# Ticks per second of the datetime64 units read without a cast.
_PER_SECOND = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}


def _floor_stamps(stamps, seconds):
    """numpy datetime64 values (without NaT) to floored periods of
    ``seconds`` seconds."""
    unit, count = np.datetime_data(stamps.dtype)
    if unit in _PER_SECOND and count == 1:
        # One integer floor division of the ticks: what the casts below
        # compute, in one pass instead of two.
        return stamps.view(np.int64) // (seconds * _PER_SECOND[unit])
    if seconds == _DAY:
        return stamps.astype("datetime64[D]").astype(np.int64)
    if seconds == 3_600:
        return stamps.astype("datetime64[h]").astype(np.int64)
    return np.floor_divide(stamps.astype("datetime64[s]").astype(np.int64), seconds)


def _to_days(values, datetime_format):
    """Dates (any form pandas reads) to int64 days since 1970-01-01."""
    return _to_periods(values, datetime_format, _DAY)


def _floor(ticks, freq):
    """The first tick of each tick's period: lifetimes' ``to_period(freq).to_timestamp()``."""
    if freq != "W":
        return ticks
    # 1970-01-01 was a Thursday; pandas' "W" periods run Monday to Sunday.
    return ticks - (ticks + 3) % 7


def _amounts(transactions, monetary_value_col):
    if not monetary_value_col:
        return {}
    return money_kwargs(transactions[monetary_value_col])


def _customers(column):
    """Customer codes for the compiled core and the ids they stand for, or
    the id dtype when non-negative integer ids are their own codes (no
    factorisation: the core sorts them)."""
    values = column.to_numpy() if hasattr(column, "to_numpy") else np.asarray(column)
    if values.dtype.kind == "i" and len(values) and values.min() >= 0 and values.max() < 2**62:
        return np.ascontiguousarray(values, dtype=np.int64), values.dtype
    codes, ids = pd.factorize(column, sort=True)
    return np.ascontiguousarray(codes, dtype=np.int64), ids


def _summaries(codes, ticks, end_tick, transactions, monetary_value_col):
    return _native.summarize(
        np.ascontiguousarray(codes, dtype=np.int64),
        np.ascontiguousarray(ticks, dtype=np.int64),
        int(end_tick),
        **_amounts(transactions, monetary_value_col),
    )


def _index(s, ids, name):
    """The customer index of a native summary: the codes themselves (in
    the id column's dtype) or the ids they stand for."""
    labels = s["code"].astype(ids) if isinstance(ids, np.dtype) else ids[s["code"]]
    return pd.Index(labels, name=name)


def summary_data_from_transaction_data(
    transactions,
    customer_id_col,
    datetime_col,
    monetary_value_col=None,
    datetime_format=None,
    observation_period_end=None,
    freq="D",
    freq_multiplier=1,
    include_first_transaction=False,
):
    """Per-customer ``frequency``, ``recency``, ``T`` (and
    ``monetary_value``), indexed by customer id, as lifetimes.

    ``frequency`` counts repeat periods with a purchase (all periods with
    ``include_first_transaction``), ``recency`` is the time from the first
    to the last such period and ``T`` from the first to the observation end,
    in units of ``freq`` times ``freq_multiplier``. Transactions after
    ``observation_period_end`` (default: the last date) are left out.
    """
    seconds, ticks = _freq(freq)
    width = ticks * freq_multiplier
    stamps = _floor(_to_periods(transactions[datetime_col], datetime_format, seconds), freq)
    if observation_period_end is None:
        end = int(stamps.max())
    else:
        end = int(_floor(np.int64(_to_periods(observation_period_end, datetime_format, seconds)), freq))
    keep = stamps <= end
    if not keep.all():
        transactions = transactions.loc[keep]
        stamps = stamps[keep]
    # The core counts whole days from 0001-01-01 to 9999-12-31; hours are
    # passed as "days" counted from the first one, which leaves every
    # difference (all that a summary reads) unchanged.
    base = int(stamps.min()) if freq == "h" and len(stamps) else 0
    codes, ids = _customers(transactions[customer_id_col])
    s = _summaries(codes, stamps - base, end - base, transactions, monetary_value_col)
    frequency = s["purchases"] if include_first_transaction else s["frequency"]
    out = pd.DataFrame(
        {
            "frequency": frequency,
            "recency": s["t_x"] / width,
            "T": s["T"] / width,
        },
        index=_index(s, ids, customer_id_col),
    )
    if monetary_value_col:
        if include_first_transaction:
            out["monetary_value"] = s["total_spend"] / s["purchases"]
        else:
            out["monetary_value"] = s["zbar"]
    return out.astype(float)


def calibration_and_holdout_data(
    transactions,
    customer_id_col,
    datetime_col,
    calibration_period_end,
    observation_period_end=None,
    freq="D",
    freq_multiplier=1,
    datetime_format=None,
    monetary_value_col=None,
    include_first_transaction=False,
):
    """The calibration summary (columns suffixed ``_cal``) of customers seen
    by ``calibration_period_end``, with their holdout purchases
    (``frequency_holdout``: periods with a purchase, ``monetary_value_holdout``:
    mean transaction amount) and ``duration_holdout``, as lifetimes."""
    seconds, ticks = _freq(freq)
    # Calibration and holdout are split on the full timestamps, as lifetimes.
    raw = _to_periods(transactions[datetime_col], datetime_format, 1)
    cal_end = int(_to_periods(calibration_period_end, datetime_format, 1))
    obs_end = int(raw.max()) if observation_period_end is None else int(_to_periods(observation_period_end, datetime_format, 1))
    in_cal = raw <= cal_end
    calibration = summary_data_from_transaction_data(
        transactions.loc[in_cal],
        customer_id_col,
        datetime_col,
        monetary_value_col=monetary_value_col,
        datetime_format=datetime_format,
        observation_period_end=calibration_period_end,
        freq=freq,
        freq_multiplier=freq_multiplier,
        include_first_transaction=include_first_transaction,
    )
    calibration.columns = [c + "_cal" for c in calibration.columns]
    in_holdout = (raw > cal_end) & (raw <= obs_end)
    if not in_holdout.any():
        raise ValueError(
            "There is no data available. Check the `observation_period_end` and  `calibration_period_end` and confirm that values in `transactions` occur prior to those dates."
        )
    holdout_rows = transactions.loc[in_holdout]
    stamps = _floor(np.floor_divide(raw[in_holdout], seconds), freq)
    base = int(stamps.min()) if freq == "h" else 0
    codes, ids = _customers(holdout_rows[customer_id_col])
    s = _summaries(codes, stamps - base, int(stamps.max()) - base, holdout_rows, monetary_value_col)
    # Counts are integers, as lifetimes' (float only once the join leaves gaps).
    holdout = pd.DataFrame({"frequency_holdout": s["purchases"].astype(np.int64)}, index=_index(s, ids, customer_id_col))
    if monetary_value_col:
        holdout["monetary_value_holdout"] = s["total_spend"] / s["transactions"]
    combined = calibration.join(holdout, how="left").fillna(0)
    first = _floor(np.floor_divide(np.int64(cal_end), seconds), freq)
    last = _floor(np.floor_divide(np.int64(obs_end), seconds), freq)
    combined["duration_holdout"] = int(last - first) // ticks / freq_multiplier
    return combined


def calculate_alive_path(model, transactions, datetime_col, t, freq="D"):
    """P(alive) of one customer at every age ``0, 1, ..., t`` periods of
    ``freq`` since the first purchase (longer if the history is), as
    lifetimes: the history is resampled to ``freq`` periods, and at each age
    the frequency, recency and age so far are passed to the model's
    ``conditional_probability_alive`` (one vectorised call, so a fitted
    model of lifetimes works too). A Series of floats indexed ``0..``
    (lifetimes': objects, one-element arrays for BG/NBD)."""
    dates = pd.to_datetime(transactions[datetime_col])
    counts = pd.Series(1, index=pd.DatetimeIndex(dates)).resample(freq).sum().to_numpy()
    bought = np.zeros(max(int(t) + 1, len(counts)), dtype=np.int64)
    bought[: len(counts)] = counts > 0
    age = np.arange(len(bought), dtype=np.float64)
    frequency = np.cumsum(bought) - 1.0
    last = np.maximum.accumulate(np.where(bought > 0, np.arange(len(bought)), 0))
    p = model.conditional_probability_alive(frequency, last.astype(np.float64), age)
    return pd.Series(np.asarray(p, dtype=np.float64).ravel(), index=pd.RangeIndex(len(bought)))


def expected_cumulative_transactions(
    model,
    transactions,
    datetime_col,
    customer_id_col,
    t,
    datetime_format=None,
    freq="D",
    freq_multiplier=1,
    set_index_date=False,
):
    """Actual and predicted cumulative repeat transactions of the whole
    customer base over the ``t`` periods of ``freq`` from the first
    transaction, as lifetimes (Fader, Hardie & Lee's note on implementing
    the Pareto/NBD in MATLAB, p. 8): at period ``i`` (every
    ``freq_multiplier``-th), ``predicted`` sums, over the customers who first
    bought at an earlier period ``k``, the model's
    ``expected_number_of_purchases_up_to_time((i - k) / freq_multiplier)``;
    ``actual`` counts the repeat purchase periods (a customer's periods
    with a purchase after the first) before period ``i``. The model is
    called once, with every horizon. A DataFrame with columns ``actual``
    and ``predicted``, indexed ``0, 1, ...`` (the periods' dates with
    ``set_index_date``)."""
    t = int(t)
    m = int(freq_multiplier)
    dates = pd.to_datetime(transactions[datetime_col], format=datetime_format)
    start = dates.min().to_period(freq)
    offsets = (dates.dt.to_period(freq) - start).map(lambda d: d.n).to_numpy(dtype=np.int64)
    keep = offsets <= t
    periods = pd.DataFrame({"id": transactions[customer_id_col].to_numpy()[keep], "k": offsets[keep]}).drop_duplicates()
    first = periods.groupby("id")["k"].min().to_numpy()
    first_counts = np.bincount(first, minlength=t + 1)[: t + 1]
    repeat_counts = np.bincount(periods["k"].to_numpy(), minlength=t + 1)[: t + 1] - first_counts
    ends = np.arange(m, t + 1, m)
    gaps = ends[:, None] - np.arange(t + 1)[None, :]
    earlier = gaps > 0
    expected = np.zeros(gaps.shape)
    if earlier.any():
        expected[earlier] = np.asarray(
            model.expected_number_of_purchases_up_to_time(gaps[earlier].astype(np.float64) / m), dtype=np.float64
        ).ravel()
    predicted = (expected * first_counts[None, :]).sum(axis=1)
    cumulative = np.cumsum(repeat_counts)
    actual = cumulative[np.arange(1, t // m + 1) * m - 1] if t // m else np.zeros(0, dtype=np.int64)
    if set_index_date:
        index = (start + np.arange(t + 1))[m - 1 : -1 : m]
    else:
        index = range(0, t // m)
    return pd.DataFrame({"actual": actual, "predicted": predicted}, index=index)
