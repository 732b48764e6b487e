"""Customer summaries, exact fits and scores on Spark (PySpark 4).

The same figures as the one-machine package, bit for bit, on a transaction
log of any size that Spark can hold:

>>> from customer_value import spark as cvs                          # doctest: +SKIP
>>> s = cvs.summarize(tx, "customer_id", "date", "amount",
...                   observation_end="2024-12-31").persist()          # doctest: +SKIP
>>> purchases = cvs.fit(s, "bg-nbd")                                   # doctest: +SKIP
>>> spend = cvs.fit(s, "gamma-gamma")                                  # doctest: +SKIP
>>> scored = cvs.score(s, purchases, spend=spend, horizon=90)          # doctest: +SKIP

How it runs:

- :func:`summarize` hashes each customer into one of ``buckets`` buckets
  (``pmod(xxhash64(customer), buckets)``), shuffles once, and hands each
  whole bucket to the compiled core through Arrow (``applyInArrow``), which
  groups the bucket's rows by customer. A customer's rows all land in one
  bucket, and a customer's summary depends on nothing but its own rows, so
  the result is the one-machine summary whatever the bucketing or the order
  of the rows. One Python call per bucket, never one per customer.
- :func:`fit` has Spark count the customers of each distinct row (x, t_x, T)
  (for Gamma-Gamma: (x, mean repeat spend) of repeat buyers), collects those
  counts, which are far fewer than the customers, and fits on the driver
  with the counts as weights. The crate sorts the weighted rows before
  fitting, so the fit is the fit on every customer, to the bit, in whatever
  order Spark returns the rows.
- :func:`score` adds P(alive), the expected purchases over a horizon and,
  with a Gamma-Gamma fit, the expected spend and lifetimes' CLV, as
  vectorised pandas UDFs calling the compiled predictors, which work row by
  row and so give the same numbers on any batching.

pyspark is imported when a function here is called, so the package works
without it. Workers must import ``customer_value``: point ``PYSPARK_PYTHON``
(or ``spark.pyspark.python``) at an interpreter that has it installed.

Errors: rows the crate refuses (a missing date, an amount that is not a
decimal, a refund beyond purchases) fail the Spark task with the package's
exception inside. Spark reports it as a ``PythonException`` whose text ends
with ``customer_value.InvalidValueError: <message>``; :func:`fit`
re-raises it as that :class:`customer_value.CustomerValueError` subclass,
and :func:`typed_errors` does the same around any other action.
"""

from __future__ import annotations

import importlib.util
import re
from contextlib import contextmanager
from datetime import date, datetime
from typing import TYPE_CHECKING, Iterator, Optional, Union

import numpy as np
import pandas as pd

from . import _native
from ._native import CustomerValueError, InvalidValueError
from .btyd import PURCHASE_MODELS, FitReport, _kw
from .lifetimes import _FREQ_FACTOR
from .lifetimes.utils import _to_days
from .summary import _unit_days

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame

__all__ = ["summarize", "sufficient_statistics", "fit", "score", "typed_errors"]

DateLike = Union[str, date, datetime, pd.Timestamp]

_MODELS = PURCHASE_MODELS + ("gamma-gamma",)

# Column names the bucket function sees (the user's names stay outside).
_C, _D, _A, _B = "__cv_customer", "__cv_day", "__cv_amount", "__cv_bucket"


def _require_pyspark():
    if importlib.util.find_spec("pyspark") is None:  # pragma: no cover - exercised only without pyspark
        raise ImportError("customer_value.spark needs pyspark 4 and Java 17+: pip install 'customer-value[spark]'")


# ---------------------------------------------------------------------------
# Errors


_ERROR = re.compile(r"customer_value(?:\._native)?\.(\w+Error): ([^\n]*)")


def _typed(exc: BaseException) -> Optional[CustomerValueError]:
    """The package's exception a failed Spark job carries in its text, if any."""
    found = _ERROR.findall(str(exc))
    if not found:
        return None
    name, message = found[-1]
    cls = getattr(_native, name, None)
    if isinstance(cls, type) and issubclass(cls, CustomerValueError):
        return cls(message)
    return None


@contextmanager
def typed_errors() -> Iterator[None]:
    """Re-raises a Spark failure caused by this package's exception on a
    worker as that exception (:class:`customer_value.InvalidValueError`, ...)
    with the crate's message; other failures pass unchanged.

    >>> with cvs.typed_errors():                                 # doctest: +SKIP
    ...     cvs.summarize(tx, "id", "date", "amount", observation_end="2024-12-31").count()
    """
    try:
        yield
    except CustomerValueError:
        raise
    except Exception as e:
        typed = _typed(e)
        if typed is None:
            raise
        raise typed from None


# ---------------------------------------------------------------------------
# Summary


def _day_column(df, name, date_format):
    """Days since 1970-01-01 as a Spark int column (``unix_date``); strings
    and timestamps become dates first (timestamps in the session time zone).
    Values that are not dates become nulls, which the bucket refuses."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    kind = df.schema[name].dataType
    column = F.col(name)
    if isinstance(kind, T.DateType):
        return F.unix_date(column)
    if isinstance(kind, (T.TimestampType, T.TimestampNTZType)):
        return F.unix_date(F.to_date(column))
    if isinstance(kind, T.StringType):
        return F.unix_date(F.try_to_date(column, date_format) if date_format else column.try_cast("date"))
    raise InvalidValueError(f"invalid date: column {name!r} has type {kind.simpleString()}, expected date, timestamp or string")


def _amount_kind(df, name):
    from pyspark.sql import types as T

    kind = df.schema[name].dataType
    if isinstance(kind, T.DecimalType):
        return "decimal"
    if isinstance(kind, (T.ByteType, T.ShortType, T.IntegerType, T.LongType, T.FloatType, T.DoubleType)):
        return "number"
    if isinstance(kind, T.StringType):
        return "text"
    raise InvalidValueError(f"invalid amount: column {name!r} has type {kind.simpleString()}, expected a decimal, number or string")


def _first_null(column, customers, what):
    """InvalidValueError naming how many rows miss ``what`` and the first such row's customer."""
    mask = column.is_null().to_numpy(zero_copy_only=False)
    i = int(np.flatnonzero(mask)[0])
    return InvalidValueError(
        f"invalid {what}: {int(mask.sum())} row(s) of this bucket have no {what} (missing or unreadable), "
        f"the first of customer {customers[i].as_py()!r}"
    )


_ROW = re.compile(r"row (\d+)")


def _with_customer(error, customers, days):
    """The crate's error with its bucket row number resolved to the customer and date."""
    message = str(error)
    match = _ROW.search(message)
    if match is None or int(match.group(1)) >= len(customers):
        return type(error)(message)
    i = int(match.group(1))
    day = np.datetime64(int(days[i]), "D")
    return type(error)(f"{message} (customer {customers[i].as_py()!r}, {day}; rows count within a Spark bucket)")


def _bucket_summarizer(amount_kind, end_day, unit_days, grouping, refunds, holdout_day, money, large_text=False):
    """The function ``applyInArrow`` runs on each bucket: factorise the
    customers (vectorised), summarise with the crate, map codes back."""

    def run(table):
        import pyarrow as pa

        text = pa.large_string() if large_text else pa.string()
        customers = table.column(_C).combine_chunks()
        if customers.null_count:
            raise InvalidValueError(f"invalid customer: {customers.null_count} row(s) of this bucket have no customer id")
        encoded = customers.dictionary_encode()
        codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        ids = encoded.dictionary
        day_column = table.column(_D).combine_chunks()
        if day_column.null_count:
            raise _first_null(day_column, customers, "date")
        days = day_column.to_numpy(zero_copy_only=False).astype(np.int64)
        kwargs = {}
        if amount_kind is not None:
            amounts = table.column(_A).combine_chunks()
            if amounts.null_count:
                raise _first_null(amounts, customers, "amount")
            if amount_kind == "number":
                kwargs["amounts"] = amounts.to_numpy(zero_copy_only=False).astype(np.float64)
            elif amount_kind == "decimal":
                kwargs["amount_texts"] = amounts.cast(pa.string()).to_pylist()
            else:
                kwargs["amount_texts"] = amounts.to_pylist()
        try:
            out = _native.summarize_full(
                codes,
                days,
                end_day,
                unit_days=unit_days,
                grouping=grouping,
                refunds=refunds,
                holdout_end_day=holdout_day,
                **kwargs,
            )
        except CustomerValueError as e:
            raise _with_customer(e, customers, days) from None
        code = pa.array(out["code"])
        columns = {
            "customer": ids.take(code),
            "frequency": pa.array(out["frequency"], pa.int64()),
            "recency": pa.array(out["t_x"], pa.float64()),
            "T": pa.array(out["T"], pa.float64()),
        }
        if money:
            zbar = out["zbar"]
            columns["monetary_value"] = pa.array(np.asarray(zbar, dtype=object).astype(np.float64), pa.float64())
        columns["purchases"] = pa.array(out["purchases"], pa.int64())
        columns["transactions"] = pa.array(out["transactions"], pa.int64())
        columns["first_purchase"] = pa.array(out["first_purchase"].astype(np.int32)).cast(pa.date32())
        columns["last_purchase"] = pa.array(out["last_purchase"].astype(np.int32)).cast(pa.date32())
        if money:
            for name in ("total_spend", "mean_spend", "zbar"):
                columns[name] = pa.array(out[name], text)
        if holdout_day is not None:
            columns["holdout_purchases"] = pa.array(out["holdout_purchases"], pa.int64())
            columns["holdout_transactions"] = pa.array(out["holdout_transactions"], pa.int64())
            if money:
                columns["holdout_spend"] = pa.array(out["holdout_spend"], text)
        return pa.table(columns)

    return run


def summarize(
    df: "DataFrame",
    customer_col: str,
    date_col: str,
    amount_col: Optional[str] = None,
    *,
    observation_end: DateLike,
    unit: Union[str, int] = "day",
    holdout_end: Optional[DateLike] = None,
    grouping: str = "day",
    refunds: str = "reject",
    date_format: Optional[str] = None,
    buckets: Optional[int] = None,
) -> "DataFrame":
    """One row per customer of a Spark transaction log, as a (lazy) Spark
    DataFrame: the figures of :func:`customer_value.summary.summarize` under
    lifetimes' names.

    Columns: the customer column (its own name and type), ``frequency``
    (repeat purchase occasions x), ``recency`` (t_x: first to last occasion)
    and ``T`` (first occasion to ``observation_end``), both in units of
    ``unit`` (``"day"``/``"D"``, ``"week"``/``"W"`` or a number of days),
    ``monetary_value`` (the mean repeat-occasion spend as a double, 0 for
    customers without a repeat occasion: lifetimes' column), ``purchases``,
    ``transactions``, ``first_purchase`` and ``last_purchase`` (dates), and
    the exact money ``total_spend``, ``mean_spend`` and ``zbar`` as decimal
    strings (cast them to a ``decimal(p, s)`` that fits your data); with
    ``holdout_end``, ``holdout_purchases``, ``holdout_transactions`` and
    ``holdout_spend``. Without ``amount_col`` the money columns are left out.

    Dates may be Spark dates, timestamps (their date in the session time
    zone) or strings (ISO, or ``date_format``, a Spark datetime pattern).
    Amounts may be decimals (exact), strings (decimal text, parsed exactly by
    the crate), or numbers (a double is read as its shortest decimal text, as
    the one-machine package does). ``grouping``, ``refunds`` and the
    exclusion of transactions after ``observation_end`` (``holdout_end``) are
    those of :func:`customer_value.summary.summarize`.

    ``buckets`` (default: ``spark.sql.shuffle.partitions``) is the number of
    hash buckets of customers; each bucket is summarised by one Python call
    holding the bucket's rows in memory, so raise it until a bucket holds a
    few million transactions at most. The result does not depend on it.

    Null customer ids, null or unreadable dates, null amounts and amounts
    that are not decimals raise :class:`customer_value.InvalidValueError` in
    the task that meets them (see :func:`typed_errors`).
    """
    _require_pyspark()
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    columns = df.columns
    for name in (customer_col, date_col) + ((amount_col,) if amount_col is not None else ()):
        if name not in columns:
            raise InvalidValueError(f"invalid column: {name!r} is not a column of the DataFrame (columns: {columns})")
    clash = {customer_col} & {"frequency", "recency", "T", "monetary_value", "purchases", "transactions"}
    if clash:
        raise InvalidValueError(f"invalid column: the customer column may not be named {customer_col!r}, a summary column")
    unit_days = _unit_days(unit)
    end_day = int(_to_days(observation_end, None))
    holdout_day = None if holdout_end is None else int(_to_days(holdout_end, None))
    if buckets is None:
        buckets = int(df.sparkSession.conf.get("spark.sql.shuffle.partitions"))
    if not (isinstance(buckets, (int, np.integer)) and buckets >= 1):
        raise InvalidValueError(f"invalid buckets: {buckets!r} is not a positive whole number")
    amount_kind = None if amount_col is None else _amount_kind(df, amount_col)
    money = amount_col is not None

    selected = [F.col(customer_col).alias(_C), _day_column(df, date_col, date_format).alias(_D)]
    if money:
        selected.append(F.col(amount_col).alias(_A))
    prepared = df.select(*selected).withColumn(_B, F.pmod(F.xxhash64(F.col(_C)), F.lit(int(buckets))))

    fields = [
        T.StructField(customer_col, df.schema[customer_col].dataType),
        T.StructField("frequency", T.LongType()),
        T.StructField("recency", T.DoubleType()),
        T.StructField("T", T.DoubleType()),
    ]
    if money:
        fields.append(T.StructField("monetary_value", T.DoubleType()))
    fields += [
        T.StructField("purchases", T.LongType()),
        T.StructField("transactions", T.LongType()),
        T.StructField("first_purchase", T.DateType()),
        T.StructField("last_purchase", T.DateType()),
    ]
    if money:
        fields += [T.StructField(n, T.StringType()) for n in ("total_spend", "mean_spend", "zbar")]
    if holdout_day is not None:
        fields += [T.StructField("holdout_purchases", T.LongType()), T.StructField("holdout_transactions", T.LongType())]
        if money:
            fields.append(T.StructField("holdout_spend", T.StringType()))
    schema = T.StructType(fields)

    # Spark checks the Arrow types of what the function returns; strings are
    # large_string when this setting is on.
    large_text = str(df.sparkSession.conf.get("spark.sql.execution.arrow.useLargeVarTypes", "false")).lower() == "true"
    bucket = _bucket_summarizer(amount_kind, end_day, unit_days, grouping, refunds, holdout_day, money, large_text)
    names = schema.fieldNames()

    def run(table):
        return bucket(table).rename_columns(names)

    return prepared.groupBy(_B).applyInArrow(run, schema)


# ---------------------------------------------------------------------------
# Fits


def _check_columns(df, names):
    missing = [n for n in names if n not in df.columns]
    if missing:
        raise InvalidValueError(f"invalid summary: missing column(s) {missing} (columns: {df.columns})")


def sufficient_statistics(
    summary_df: "DataFrame",
    model: str,
    *,
    frequency: str = "frequency",
    recency: str = "recency",
    T: str = "T",
    monetary_value: str = "monetary_value",
) -> "DataFrame":
    """The weighted distinct rows a fit of ``model`` needs, as a Spark
    DataFrame with a ``count`` column: customers per distinct (frequency,
    recency, T) for the purchase models, per distinct (frequency,
    monetary_value) among repeat buyers (frequency > 0) for
    ``"gamma-gamma"``. Counts from separate runs add up (union, then sum the
    counts per row), so they can be kept and merged."""
    _require_pyspark()
    from pyspark.sql import functions as F

    if model in PURCHASE_MODELS:
        keys = [frequency, recency, T]
        _check_columns(summary_df, keys)
        source = summary_df
    elif model == "gamma-gamma":
        keys = [frequency, monetary_value]
        _check_columns(summary_df, keys)
        source = summary_df.where(F.col(frequency) > 0)
    else:
        raise InvalidValueError(f"invalid model: {model!r} is not one of {_MODELS}")
    return source.groupBy(*keys).count()


def fit(
    summary_df: "DataFrame",
    model: str,
    *,
    frequency: str = "frequency",
    recency: str = "recency",
    T: str = "T",
    monetary_value: str = "monetary_value",
    penalty: float = 0.0,
    tol: Optional[float] = None,
    max_iter: Optional[int] = None,
    start: Optional[list] = None,
) -> FitReport:
    """Fits ``model`` (``"bg-nbd"``, ``"mbg-nbd"``, ``"pareto-nbd"`` or
    ``"gamma-gamma"``) on every customer of a Spark summary exactly: Spark
    counts the customers per distinct row (:func:`sufficient_statistics`),
    the driver collects the counts and fits with them as weights. The
    :class:`customer_value.btyd.FitReport` equals the one-machine
    :func:`customer_value.btyd.fit` (``fit_gamma_gamma`` on repeat buyers)
    on the same customers, to the bit; ``report.rows`` says how many
    distinct rows the driver fitted.

    The driver holds the distinct rows only: on a day grid at most a few
    million whatever the number of customers. ``penalty``, ``tol``,
    ``max_iter`` and ``start`` are those of :func:`customer_value.btyd.fit`.
    """
    counts = sufficient_statistics(
        summary_df, model, frequency=frequency, recency=recency, T=T, monetary_value=monetary_value
    )
    with typed_errors():
        rows = counts.toArrow()
    weights = rows.column("count").to_numpy().astype(np.float64)
    options = _kw(penalty, tol, max_iter, start)
    column = _column_floats
    if model == "gamma-gamma":
        text = _native.fit_gamma_gamma(
            column(rows, frequency), column(rows, monetary_value), weights=weights, **options
        )
    else:
        text = _native.fit_purchases(
            model, column(rows, frequency), column(rows, recency), column(rows, T), weights=weights, **options
        )
    return FitReport.from_json(model, text)


def _column_floats(table, name):
    """A collected column as finite float64, or InvalidValueError naming it."""
    from ._convert import floats

    return floats(table.column(name).to_numpy(), name)


# ---------------------------------------------------------------------------
# Scores


def _purchase_udfs(model, values, horizon):
    from pyspark.sql.functions import pandas_udf

    from ._convert import floats

    def p_alive(x: pd.Series, t_x: pd.Series, age: pd.Series) -> pd.Series:
        return pd.Series(
            _native.conditional_probability_alive(
                model, values, floats(x, "frequency"), floats(t_x, "recency"), floats(age, "T")
            )
        )

    def expected(x: pd.Series, t_x: pd.Series, age: pd.Series) -> pd.Series:
        t = np.full(len(x), float(horizon))
        return pd.Series(
            _native.conditional_expected_purchases(
                model, values, t, floats(x, "frequency"), floats(t_x, "recency"), floats(age, "T")
            )
        )

    return pandas_udf(p_alive, "double"), pandas_udf(expected, "double")


def _spend_udfs(model, values, spend_values, time, discount_rate, factor):
    from pyspark.sql.functions import pandas_udf

    from ._convert import floats

    def expected_spend(x: pd.Series, m: pd.Series) -> pd.Series:
        return pd.Series(
            _native.conditional_expected_average_profit(spend_values, floats(x, "frequency"), floats(m, "monetary_value"))
        )

    def clv(x: pd.Series, t_x: pd.Series, age: pd.Series, m: pd.Series) -> pd.Series:
        return pd.Series(
            _native.customer_lifetime_value(
                model,
                values,
                spend_values,
                floats(x, "frequency"),
                floats(t_x, "recency"),
                floats(age, "T"),
                floats(m, "monetary_value"),
                time,
                discount_rate,
                factor,
            )
        )

    return pandas_udf(expected_spend, "double"), pandas_udf(clv, "double")


def score(
    summary_df: "DataFrame",
    fitted: FitReport,
    *,
    horizon: float,
    spend: Optional[FitReport] = None,
    time: int = 12,
    discount_rate: float = 0.01,
    freq: str = "D",
    frequency: str = "frequency",
    recency: str = "recency",
    T: str = "T",
    monetary_value: str = "monetary_value",
) -> "DataFrame":
    """The summary with scores added, lazily, as vectorised pandas UDFs:

    - ``p_alive``: P(alive at T | x, t_x, T) under ``fitted`` (a BG/NBD,
      MBG/NBD or Pareto/NBD report, e.g. from :func:`fit`);
    - ``expected_purchases``: E[purchases in (T, T + horizon] | x, t_x, T],
      ``horizon`` in the summary's time unit;
    - with ``spend`` (a Gamma-Gamma report): ``expected_spend``, the
      Gamma-Gamma E[mean spend | x, mean repeat spend] (the population mean
      for customers without a repeat purchase), and ``clv``, lifetimes'
      ``customer_lifetime_value``: ``time`` months of expected purchases
      times the expected spend, discounted at ``discount_rate`` a month at
      each month's end, a month being 30 time units for ``freq="D"``, 4.345
      for ``"W"``, 1 for ``"M"`` and 720 for ``"H"``.

    Each number equals the one-machine predictor's
    (:func:`customer_value.btyd.p_alive`, ``expected_purchases``,
    ``expected_spend``, lifetimes' ``customer_lifetime_value``) for that
    customer, to the bit. Nulls or non-finite inputs raise
    :class:`customer_value.InvalidValueError` in the task (see
    :func:`typed_errors`).
    """
    _require_pyspark()
    from pyspark.sql import functions as F

    if not isinstance(fitted, FitReport) or fitted.model not in PURCHASE_MODELS:
        raise InvalidValueError(f"invalid fitted: a FitReport of one of {PURCHASE_MODELS} is needed")
    if spend is not None and (not isinstance(spend, FitReport) or spend.model != "gamma-gamma"):
        raise InvalidValueError("invalid spend: a gamma-gamma FitReport is needed")
    horizon = float(horizon)
    if not (np.isfinite(horizon) and horizon >= 0):
        raise InvalidValueError(f"invalid horizon: {horizon} is not a finite number >= 0")
    if freq not in _FREQ_FACTOR:
        raise InvalidValueError(f"invalid freq: {freq!r} is not one of {sorted(_FREQ_FACTOR)}")
    _check_columns(summary_df, [frequency, recency, T] + ([monetary_value] if spend is not None else []))
    model, values = fitted.model, [float(v) for v in fitted.values()]
    p_alive, expected = _purchase_udfs(model, values, horizon)
    x, t_x, age = F.col(frequency), F.col(recency), F.col(T)
    added = {"p_alive": p_alive(x, t_x, age), "expected_purchases": expected(x, t_x, age)}
    if spend is not None:
        expected_spend, clv = _spend_udfs(
            model, values, [float(v) for v in spend.values()], int(time), float(discount_rate), _FREQ_FACTOR[freq]
        )
        m = F.col(monetary_value)
        added["expected_spend"] = expected_spend(x, m)
        added["clv"] = clv(x, t_x, age, m)
    return summary_df.withColumns(added)
