"""lifetimes' ``utils.summary_data_from_transaction_data`` and
``utils.calibration_and_holdout_data``, computed by the crate.

Supported ``freq``: ``"D"`` (days) and ``"W"`` (weeks, lifetimes' Monday to
Sunday periods), each with ``freq_multiplier``. Dates are floored to their
period exactly as lifetimes does (``to_period(freq)``), customers come back
sorted by id, and amounts are summed per period and averaged over repeat
periods, as lifetimes. Amounts are read as exact decimals (a float column's
values as their shortest decimal text), so sums do not pick up float noise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import _native
from .._native import InvalidValueError

__all__ = ["summary_data_from_transaction_data", "calibration_and_holdout_data"]

_PERIOD_DAYS = {"D": 1, "W": 7}


def _period_days(freq):
    if freq not in _PERIOD_DAYS:
        raise NotImplementedError(f"freq={freq!r}: customer_value supports 'D' and 'W'")
    return _PERIOD_DAYS[freq]


def _to_days(values, datetime_format):
    """Dates (any form pandas reads) to int64 days since 1970-01-01."""
    stamps = pd.to_datetime(values, format=datetime_format)
    if isinstance(stamps, pd.Timestamp):
        return np.int64(stamps.to_datetime64().astype("datetime64[D]").astype(np.int64))
    stamps = pd.Series(stamps)
    if stamps.isna().any():
        i = int(np.flatnonzero(stamps.isna().to_numpy())[0])
        raise InvalidValueError(f"invalid date: row {i} is missing")
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_localize(None)
    return stamps.to_numpy().astype("datetime64[D]").astype(np.int64)


def _floor(days, freq):
    """The first day of each day's period: lifetimes' ``to_period(freq).to_timestamp()``."""
    if freq == "D":
        return days
    # 1970-01-01 was a Thursday; pandas' "W" periods run Monday to Sunday.
    return days - (days + 3) % 7


def _amounts(transactions, monetary_value_col):
    if not monetary_value_col:
        return {}
    column = transactions[monetary_value_col]
    if column.dtype.kind in "biuf":
        return {"amounts": column.to_numpy(dtype=np.float64)}
    # Decimal objects, strings: exact text.
    return {"amount_texts": column.astype(str).tolist()}


def _summaries(codes, days, end_day, transactions, monetary_value_col):
    return _native.summarize(
        np.ascontiguousarray(codes, dtype=np.int64),
        np.ascontiguousarray(days, dtype=np.int64),
        int(end_day),
        **_amounts(transactions, monetary_value_col),
    )


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
    width = _period_days(freq) * freq_multiplier
    days = _floor(_to_days(transactions[datetime_col], datetime_format), freq)
    if observation_period_end is None:
        end = int(days.max())
    else:
        end = int(_floor(np.int64(_to_days(observation_period_end, datetime_format)), freq))
    keep = days <= end
    if not keep.all():
        transactions = transactions.loc[keep]
        days = days[keep]
    codes, ids = pd.factorize(transactions[customer_id_col], sort=True)
    s = _summaries(codes, days, end, transactions, monetary_value_col)
    index = pd.Index(ids[s["code"]], name=customer_id_col)
    frequency = s["purchases"] if include_first_transaction else s["frequency"]
    out = pd.DataFrame(
        {
            "frequency": frequency,
            "recency": s["t_x"] / width,
            "T": s["T"] / width,
        },
        index=index,
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
    width = _period_days(freq) * freq_multiplier
    raw = _to_days(transactions[datetime_col], datetime_format)
    cal_end = int(_to_days(calibration_period_end, datetime_format))
    obs_end = int(raw.max()) if observation_period_end is None else int(_to_days(observation_period_end, datetime_format))
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
    days = _floor(raw[in_holdout], freq)
    codes, ids = pd.factorize(holdout_rows[customer_id_col], sort=True)
    s = _summaries(codes, days, int(days.max()), holdout_rows, monetary_value_col)
    holdout = pd.DataFrame({"frequency_holdout": s["purchases"]}, index=pd.Index(ids[s["code"]], name=customer_id_col))
    if monetary_value_col:
        holdout["monetary_value_holdout"] = s["total_spend"] / s["transactions"]
    combined = calibration.join(holdout, how="left").fillna(0)
    periods = (int(_floor(np.int64(obs_end), freq)) - int(_floor(np.int64(cal_end), freq))) // _period_days(freq)
    combined["duration_holdout"] = periods / freq_multiplier
    return combined
