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
from .._convert import UnsupportedFrequencyError, arrow_source, checked_call, floats, index_of, money_kwargs
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
    stamps = _local_stamps(values, datetime_format)
    if isinstance(stamps, pd.Timestamp):
        return _floor_stamps(np.asarray([stamps.to_datetime64()]), seconds)[0]
    return _floor_stamps(stamps.to_numpy(), seconds)


def _local_stamps(values, datetime_format):
    """Dates or time stamps (any form pandas reads) as naive datetimes at
    their local wall-clock time: a ``Timestamp`` for one value, else a
    Series of ``datetime64``. Time-zone-aware stamps, and text stamps whose
    UTC offsets differ between rows (a daylight-saving change), keep their
    local clock time, as the summaries count them; ISO 8601 stamps of
    mixed precision or mixed with plain dates are read too. A missing value
    raises :class:`customer_value.InvalidValueError`."""
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
        return stamps.tz_localize(None) if stamps.tz is not None else stamps
    stamps = pd.Series(stamps)
    if stamps.isna().any():
        i = int(np.flatnonzero(stamps.isna().to_numpy())[0])
        raise InvalidValueError(f"invalid date: row {i} is missing")
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_localize(None)
    return stamps


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


def _find_first_transactions(
    transactions,
    customer_id_col,
    datetime_col,
    monetary_value_col=None,
    datetime_format=None,
    observation_period_end=None,
    freq="D",
):
    """lifetimes' ``_find_first_transactions``: one row per customer and
    period of ``freq`` (any pandas period frequency) with a purchase, with
    the columns ``customer_id_col``, ``datetime_col`` (the period, a pandas
    ``Period``), ``monetary_value_col`` (the period's summed amounts) when
    given, and ``first`` (True on each customer's first period); ordered by
    customer, then period. Transactions whose period starts after
    ``observation_period_end`` (default: the last transaction) are left
    out, as lifetimes. The index is lifetimes': each row's position in the
    transactions sorted by customer and time (with amounts: 0, 1, ...).

    Computed with whole-column numpy and pandas operations (one sort, no
    Python loop per row or customer)."""
    if observation_period_end is None:
        observation_period_end = transactions[datetime_col].max()
    if isinstance(observation_period_end, pd.Period):
        observation_period_end = observation_period_end.to_timestamp()
    columns = [customer_id_col, datetime_col] + ([monetary_value_col] if monetary_value_col else [])
    stamps = pd.to_datetime(transactions[datetime_col], format=datetime_format)
    periods = pd.DatetimeIndex(stamps).to_period(freq)
    starts = periods.to_timestamp()
    keep = np.asarray(starts <= pd.Timestamp(observation_period_end))
    codes, ids = pd.factorize(transactions[customer_id_col], sort=True)
    # lifetimes sorts by (customer, time[, amount]) before dropping the
    # late periods and numbering the rows.
    keys = [np.asarray(stamps.to_numpy()), codes]
    if monetary_value_col:
        keys.insert(0, transactions[monetary_value_col].to_numpy())
    order = np.lexsort(keys)
    order = order[keep[order]]
    codes = codes[order]
    ordinals = periods.asi8[order]
    # The first row of each (customer, period) run.
    new = np.ones(len(order), dtype=bool)
    new[1:] = (codes[1:] != codes[:-1]) | (ordinals[1:] != ordinals[:-1])
    heads = np.flatnonzero(new)
    first = np.ones(len(heads), dtype=bool)
    first[1:] = codes[heads[1:]] != codes[heads[:-1]]
    out = {
        customer_id_col: transactions[customer_id_col].to_numpy()[order[heads]],
        datetime_col: pd.PeriodIndex(periods[order[heads]]),
    }
    if monetary_value_col:
        amounts = transactions[monetary_value_col].to_numpy()[order]
        out[monetary_value_col] = np.add.reduceat(amounts, heads) if len(heads) else amounts[:0]
        index = pd.RangeIndex(len(heads))
    else:
        index = pd.Index(heads)
    out["first"] = first
    return pd.DataFrame(out, index=index)[columns + ["first"]]


def _scale_time(age):
    """lifetimes' ``_scale_time``: ``1 / max(age)``, the factor that makes
    the oldest customer's age 1 (lifetimes fits BG/NBD, MBG/NBD and
    Pareto/NBD in that time)."""
    return 1.0 / np.asarray(age).max()


def _check_inputs(frequency, recency=None, T=None, monetary_value=None):
    """lifetimes' ``_check_inputs``: raises ``ValueError`` (with lifetimes'
    messages) when ``recency > T``, when a customer without repeat
    purchases has a recency other than 0, when a recency is negative, when
    a column is empty, when a frequency is not a whole number, or when a
    monetary value is not positive; returns None otherwise. The checks are
    whole-column numpy operations. The fitters of this package run their
    own, stricter checks (NaN, mismatched lengths) in the compiled core and
    raise :class:`customer_value.InvalidValueError` instead."""
    frequency = np.asarray(frequency)
    if recency is not None:
        recency = np.asarray(recency)
        if T is not None and np.any(recency > np.asarray(T)):
            raise ValueError("Some values in recency vector are larger than T vector.")
        if np.any(recency[frequency == 0] != 0):
            raise ValueError("There exist non-zero recency values when frequency is zero.")
        if np.any(recency < 0):
            raise ValueError("There exist negative recency (ex: last order set before first order)")
        if any(np.asarray(x).shape[0] == 0 for x in (recency, frequency, T) if x is not None):
            raise ValueError("There exists a zero length vector in one of frequency, recency or T.")
    if np.sum((frequency - frequency.astype(int)) ** 2) != 0:
        raise ValueError("There exist non-integer values in the frequency vector.")
    if monetary_value is not None and np.any(np.asarray(monetary_value) <= 0):
        raise ValueError("There exist non-positive (<= 0) values in the monetary_value vector.")


# Periods of `freq` per month in lifetimes' CLV; "h" is pandas 2's spelling of "H".
_CLV_FACTOR = {"W": 4.345, "M": 1.0, "D": 30.0, "H": 30.0 * 24.0, "h": 30.0 * 24.0}


def _customer_lifetime_value(
    transaction_prediction_model, frequency, recency, T, monetary_value, time=12, discount_rate=0.01, freq="D"
):
    """lifetimes' ``_customer_lifetime_value``: per customer, ``sum over k =
    1..time`` of ``monetary_value * (E[k f] - E[(k - 1) f]) / (1 +
    discount_rate)^k``, with ``E[t]`` the model's expected purchases in the
    next ``t`` (``predict``) and ``f`` the time units per month of ``freq``
    (30 days, 4.345 weeks, 1 month, 720 hours: ``"D"``, ``"W"``, ``"M"``,
    ``"H"`` or ``"h"``); discounted at each month's end. A Series named
    ``clv`` with the index of the first pandas column given (lifetimes:
    ``frequency``'s). A ``monetary_value`` Series is aligned on that index,
    as lifetimes' arithmetic aligns it; a customer without a value raises
    :class:`customer_value.InvalidValueError` (lifetimes: NaN).

    With a BG/NBD, MBG/NBD or Pareto/NBD fitter of this package the whole
    sum is computed by the crate; any other model with lifetimes'
    ``predict(t, frequency, recency, T)`` (a lifetimes fitter) is called
    twice per month, as lifetimes does."""
    if freq not in _CLV_FACTOR:
        raise ValueError(f"freq must be one of {sorted(_CLV_FACTOR)}, got {freq!r}")
    factor = _CLV_FACTOR[freq]
    index = index_of(frequency, recency, T, monetary_value)
    if isinstance(monetary_value, pd.Series) and index is not None and not monetary_value.index.equals(index):
        # lifetimes multiplies the Series, so pandas aligns the values on
        # the customers' index; a customer without a value would get NaN.
        missing = ~index.isin(monetary_value.index)
        if missing.any():
            label = index[np.flatnonzero(missing)[0]]
            raise InvalidValueError(
                f"invalid monetary_value: no value for index label {label!r} of frequency "
                "(the values are aligned on frequency's index, as lifetimes does)"
            )
        monetary_value = monetary_value.reindex(index)
    model = getattr(transaction_prediction_model, "_model", None)
    if model in ("bg-nbd", "mbg-nbd", "pareto-nbd") and hasattr(transaction_prediction_model, "_values"):
        columns = [
            (floats(v, name, check=False), name)
            for v, name in ((frequency, "frequency"), (recency, "recency"), (T, "T"), (monetary_value, "monetary_value"))
        ]
        params = transaction_prediction_model._values()
        result = checked_call(
            lambda: _native.clv_of_values(
                model, params, *(a for a, _ in columns), int(time), float(discount_rate), factor
            ),
            *columns,
        )
    elif hasattr(transaction_prediction_model, "predict"):
        value = np.asarray(monetary_value, dtype=float)
        result = np.zeros(np.broadcast_shapes(np.shape(frequency), value.shape))
        for i in np.arange(1, int(time) + 1) * factor:
            expected = np.asarray(transaction_prediction_model.predict(i, frequency, recency, T), dtype=float) - np.asarray(
                transaction_prediction_model.predict(i - factor, frequency, recency, T), dtype=float
            )
            result = result + (value * expected) / (1 + discount_rate) ** (i / factor)
    else:
        raise TypeError("transaction_prediction_model needs lifetimes' predict(t, frequency, recency, T)")
    return pd.Series(result, index=index, name="clv")


def calculate_alive_path(model, transactions, datetime_col, t, freq="D"):
    """P(alive) of one customer at every age ``0, 1, ..., t`` periods of
    ``freq`` since the first purchase (longer if the history is), as
    lifetimes: the history is resampled to ``freq`` periods, and at each age
    the frequency, recency and age so far are passed to the model's
    ``conditional_probability_alive`` (one vectorised call, so a fitted
    model of lifetimes works too). A Series of floats indexed ``0..``
    (lifetimes': objects, one-element arrays for BG/NBD)."""
    dates = _local_stamps(transactions[datetime_col], None)
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
    dates = _local_stamps(transactions[datetime_col], datetime_format)
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
