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

Accepted column types are listed in :func:`summarize`: dates as Spark
dates, timestamps or strings; amounts as decimals, strings, doubles,
floats or integers; ids as strings, integers, decimals or binary.
Transactions after the observation end are left out, as on one machine;
:func:`excluded` counts them.

Errors: bad arguments and column types raise the package's exception
(a :class:`customer_value.CustomerValueError`) from :func:`summarize`
itself. Rows the crate refuses (a null id, date or amount, a date or an
amount that does not read, NaN, a refund beyond purchases) fail the Spark
task with the package's exception inside, naming the column, the
customer's own id and the value. Spark reports it as a ``PythonException``
whose text ends with ``customer_value.InvalidValueError: <message>``;
:func:`fit` and :func:`excluded` re-raise it as that
:class:`customer_value.CustomerValueError` subclass, and
:func:`typed_errors` does the same around any other action.
"""

from __future__ import annotations

import importlib.util
import re
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Iterator, Optional, Union

import numpy as np
import pandas as pd

from . import _native
from ._native import CustomerValueError, InvalidValueError
from .btyd import PURCHASE_MODELS, FitReport, _kw
from .lifetimes.utils import _to_days
from .summary import _unit_days

# lifetimes' `freq` argument of `customer_lifetime_value`: months per unit.
_FREQ_FACTOR = {"W": 4.345, "M": 1.0, "D": 30.0, "H": 30.0 * 24.0, "h": 30.0 * 24.0}

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame

__all__ = ["summarize", "excluded", "sufficient_statistics", "fit", "score", "typed_errors"]

DateLike = Union[str, date, datetime, pd.Timestamp]

_MODELS = PURCHASE_MODELS + ("gamma-gamma",)

# Column names the bucket function sees (the user's names stay outside).
_C, _D, _A, _B, _R = "__cv_customer", "__cv_day", "__cv_amount", "__cv_bucket", "__cv_raw_date"


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
    """Days since 1970-01-01 as a Spark int column (``unix_date``), and the
    raw text of the values that did not read as dates (null otherwise), for
    the error message. Strings and timestamps become dates first
    (timestamps on their date in the session time zone)."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    kind = df.schema[name].dataType
    column = F.col(name)
    if isinstance(kind, T.DateType):
        return F.unix_date(column), None
    if isinstance(kind, (T.TimestampType, T.TimestampNTZType)):
        return F.unix_date(F.to_date(column)), None
    if isinstance(kind, T.StringType):
        parsed = F.try_to_date(column, date_format) if date_format else column.try_cast("date")
        return F.unix_date(parsed), F.when(parsed.isNull() & column.isNotNull(), column)
    hint = ""
    if isinstance(kind, (T.IntegerType, T.LongType)):
        hint = (
            f" (for numbers such as 20241231: F.to_date(F.col({name!r}).cast('string'), 'yyyyMMdd'); "
            f"for epoch seconds: F.timestamp_seconds({name!r}))"
        )
    raise InvalidValueError(
        f"invalid date: column {name!r} has type {kind.simpleString()}, expected date, timestamp, timestamp_ntz or string{hint}"
    )


def _amount_kind(df, name):
    """How the bucket reads the amount column: ``"decimal"`` (exact text of
    each value), ``"float"`` (a single-precision float's shortest text),
    ``"number"`` (float64, each value read as its shortest decimal text) or
    ``"text"`` (decimal strings parsed by the crate)."""
    from pyspark.sql import types as T

    kind = df.schema[name].dataType
    if isinstance(kind, T.DecimalType):
        return "decimal" if kind.precision <= _DIGITS and kind.scale <= _DIGITS else "wide decimal"
    if isinstance(kind, T.FloatType):
        return "float"
    if isinstance(kind, (T.ByteType, T.ShortType, T.IntegerType, T.LongType, T.DoubleType)):
        return "number"
    if isinstance(kind, T.StringType):
        return "text"
    raise InvalidValueError(
        f"invalid amount: column {name!r} has type {kind.simpleString()}, "
        "expected decimal(p, s), double, float, tinyint, smallint, int, bigint or string"
    )


# Significant digits every amount of the crate's decimal holds exactly.
_DIGITS = 28


def _fits_crate_decimal(text):
    """Whether a decimal text has at most 28 significant digits and at most
    28 digits after the point once zeros trailing after the point are
    dropped (``"0012.3400"``: 4 and 2), which the crate's decimal holds
    exactly."""
    _, digits, exponent = Decimal(text).as_tuple()
    kept = "".join(map(str, digits)).lstrip("0")
    if not kept:
        return True
    fraction = max(-exponent, 0)
    dropped = min(len(kept) - len(kept.rstrip("0")), fraction)
    significant = len(kept) - dropped + max(exponent, 0)
    return significant <= _DIGITS and fraction - dropped <= _DIGITS


def _first_null(column, customers, what, column_name, raw=None):
    """InvalidValueError naming the column, how many rows of the bucket have
    a null in it and the first such row's customer; with ``raw`` (the text
    of values that did not read as dates), the first unreadable value."""
    mask = column.is_null().to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(mask)
    unreadable = None
    if raw is not None and raw.null_count < len(raw):
        texts = raw.is_valid().to_numpy(zero_copy_only=False)
        unreadable = int(np.flatnonzero(texts)[0])
    if unreadable is not None:
        count = int(texts.sum())
        return InvalidValueError(
            f"invalid {what}: column {column_name!r} has {count} value(s) in this Spark bucket that are not dates, "
            f"the first {raw[unreadable].as_py()!r} of customer {customers[unreadable].as_py()!r} "
            "(strings must be ISO dates such as 2024-12-31, optionally with a time; pass date_format, "
            "a Spark datetime pattern such as 'dd/MM/yyyy', for other shapes)"
        )
    i = int(rows[0])
    return InvalidValueError(
        f"invalid {what}: column {column_name!r} is null in {len(rows)} row(s) of this Spark bucket, "
        f"the first of customer {customers[i].as_py()!r} (drop or fill them before summarising)"
    )


# Where the crate's messages point at a row of the bucket, and at a
# customer by its code within the bucket.
_ROW = re.compile(r"\brow (\d+)|\[(\d+)\]|\btransaction (\d+)")
_CODE = re.compile(r"\bcustomer (\d+)")


def _with_customer(error, customers, ids, days, names):
    """The crate's error with bucket row numbers and customer codes resolved
    to the user's customer ids and dates, and the columns named."""
    message = str(error)
    codes = _CODE.findall(message)
    message = _CODE.sub(
        lambda m: f"customer {ids[int(m.group(1))].as_py()!r}" if int(m.group(1)) < len(ids) else m.group(0), message
    )
    message = message.replace("use RefundPolicy::Net to net refunds into purchases", "pass refunds='net' to net refunds into purchases")
    context = []
    if codes:
        # The crate named the customer (and the date): its transaction
        # number counts within the bucket, which means nothing to the user.
        message = re.sub(r"\btransaction \d+ \(", "a transaction (", message)
    else:
        match = _ROW.search(message)
        i = None if match is None else int(next(g for g in match.groups() if g is not None))
        if i is not None and i < len(customers):
            context.append(f"customer {customers[i].as_py()!r}, {np.datetime64(int(days[i]), 'D')}")
            context.append("row numbers count within a Spark bucket")
    context.append(names)
    return type(error)(f"{message} ({'; '.join(context)})")


def _bucket_summarizer(amount_kind, end_day, unit_days, grouping, refunds, holdout_day, money, large_text, columns):
    """The function ``applyInArrow`` runs on each bucket: factorise the
    customers (vectorised), summarise with the crate, map codes back.
    ``columns`` are the user's (customer, date, amount) column names, for
    messages."""
    customer_name, date_name, amount_name = columns
    names = f"columns {customer_name!r}, {date_name!r}" + (f", {amount_name!r}" if amount_name is not None else "")

    def run(table):
        import pyarrow as pa

        text = pa.large_string() if large_text else pa.string()
        customers = table.column(_C).combine_chunks()
        if customers.null_count:
            raise InvalidValueError(
                f"invalid customer: column {customer_name!r} is null in {customers.null_count} row(s) of this Spark bucket "
                "(drop or fill them before summarising)"
            )
        encoded = customers.dictionary_encode()
        codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        ids = encoded.dictionary
        day_column = table.column(_D).combine_chunks()
        if day_column.null_count:
            raw = table.column(_R).combine_chunks() if _R in table.column_names else None
            raise _first_null(day_column, customers, "date", date_name, raw)
        days = day_column.to_numpy(zero_copy_only=False).astype(np.int64)
        kwargs = {}
        if amount_kind is not None:
            amounts = table.column(_A).combine_chunks()
            if amounts.null_count:
                raise _first_null(amounts, customers, "amount", amount_name)
            if amount_kind == "number":
                kwargs["amounts"] = amounts.to_numpy(zero_copy_only=False).astype(np.float64)
            elif amount_kind == "text":
                kwargs["amount_texts"] = amounts.to_pylist()
            else:
                # Decimals as their exact text, single-precision floats as
                # their shortest text (14.16, not 14.15999984741211).
                texts = amounts.cast(pa.string()).to_pylist()
                if amount_kind == "wide decimal":
                    for i, t in enumerate(texts):
                        if t is not None and not _fits_crate_decimal(t):
                            raise InvalidValueError(
                                f"invalid amount: column {amount_name!r} value {t} of customer {customers[i].as_py()!r} "
                                f"has more than {_DIGITS} significant digits or digits after the point, which the crate's decimal cannot hold exactly "
                                "(round it, e.g. cast to decimal(28, 10), or check the data)"
                            )
                kwargs["amount_texts"] = texts
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
            raise _with_customer(e, customers, ids, days, names) from None
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


_SUMMARY_COLUMNS = (
    "frequency",
    "recency",
    "T",
    "monetary_value",
    "purchases",
    "transactions",
    "first_purchase",
    "last_purchase",
    "total_spend",
    "mean_spend",
    "zbar",
)


def _checked(convert, value, what):
    """``convert(value)``, its ``ValueError`` as InvalidValueError."""
    try:
        return convert(value)
    except CustomerValueError:
        raise
    except (TypeError, ValueError) as e:
        raise InvalidValueError(f"invalid {what}: {e}") from None


def _day(value, what):
    """A date argument as days since 1970-01-01 (its wall-clock date for a
    time-zone-aware stamp), or InvalidValueError naming the argument."""
    if value is None:
        raise InvalidValueError(f"invalid {what}: a date is needed ('2024-12-31', a date, datetime or pandas Timestamp)")
    try:
        return int(_to_days(value, None))
    except CustomerValueError:
        raise
    except (TypeError, ValueError, OverflowError, AttributeError) as e:
        raise InvalidValueError(f"invalid {what}: {value!r} is not a date ({e})") from None


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

    Accepted column types (other columns of ``df`` are ignored):

    - ``customer_col``: string, tinyint, smallint, int, bigint, decimal,
      double or binary; the summary keeps its name and type. Nulls are
      refused.
    - ``date_col``: ``date``; ``timestamp`` (its date in the session time
      zone, ``spark.sql.session.timeZone``); ``timestamp_ntz`` (its date);
      ``string``: ISO dates, optionally with a time of day
      (``2024-12-31``, ``2024-12-31 23:59:00``, ``2024-12-31T23:59:00+01:00``,
      read as their written date), or any shape with ``date_format``, a
      Spark datetime pattern (``"dd/MM/yyyy"``, ``"yyyyMMdd"``). Numbers are
      refused (convert ``20241231`` or epoch seconds in Spark first). Nulls
      and strings that do not read as dates are refused, naming the first
      such value.
    - ``amount_col``: ``decimal(p, s)``, read exactly (values of more than
      28 significant digits, possible when p > 28, are refused: the crate's
      decimal holds 28); ``string`` of decimal text (``"12.50"``,
      ``"-3"``, ``"1e3"``; ``"1,000.00"`` and currency signs are refused);
      ``double`` and the integer types, each value read as its shortest
      decimal text (0.1 is 0.1), as the one-machine package reads a float
      column; ``float`` (single precision), each value read as its
      shortest single-precision text (14.16 is 14.16, not the
      14.15999984741211 of its double). Nulls and NaN are refused. Negative
      amounts (refunds) are refused unless ``refunds="net"``.

    ``observation_end`` and ``holdout_end`` may be ISO strings, dates,
    datetimes, pandas Timestamps or numpy datetime64 values; their date
    counts (the wall-clock date of a time-zone-aware stamp). ``grouping``
    and ``refunds`` are those of :func:`customer_value.summary.summarize`.
    Transactions after ``observation_end`` (after ``holdout_end`` when
    given) are left out, as on one machine, and a customer whose every
    transaction is left out has no row: :func:`excluded` counts them.

    ``buckets`` (default: ``spark.sql.shuffle.partitions``) is the number of
    hash buckets of customers; each bucket is summarised by one Python call
    holding the bucket's rows in memory, so raise it until a bucket holds a
    few million transactions at most. The result does not depend on it, nor
    on the partitioning or order of ``df``.

    Errors: a missing column, a column whose type is not listed above, and
    a bad ``unit``, ``grouping``, ``refunds``, ``observation_end`` or
    ``holdout_end`` raise :class:`customer_value.InvalidValueError` (or
    another :class:`customer_value.CustomerValueError`) from this call.
    Bad values (nulls, unreadable dates or amounts, refunds) are met by
    the Spark task that reads them: the action fails with the package's
    exception naming the column, the value or customer and the problem;
    :func:`fit` and :func:`excluded` re-raise it as that exception, and
    :func:`typed_errors` does so around your own actions (``toPandas``,
    ``write``, ``count``).
    """
    _require_pyspark()
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    columns = df.columns
    for name in (customer_col, date_col) + ((amount_col,) if amount_col is not None else ()):
        if name not in columns:
            raise InvalidValueError(f"invalid column: {name!r} is not a column of the DataFrame (columns: {columns})")
    holdout_names = ("holdout_purchases", "holdout_transactions", "holdout_spend")
    if customer_col in _SUMMARY_COLUMNS + holdout_names:
        raise InvalidValueError(
            f"invalid column: the customer column may not be named {customer_col!r}, a column of the summary; "
            "rename it first (withColumnRenamed)"
        )
    customer_kind = df.schema[customer_col].dataType
    if isinstance(customer_kind, (T.ArrayType, T.MapType, T.StructType, T.NullType)):
        raise InvalidValueError(
            f"invalid customer: column {customer_col!r} has type {customer_kind.simpleString()}, "
            "expected a string, integer, decimal or binary id"
        )
    unit_days = _checked(_unit_days, unit, "unit")
    end_day = _day(observation_end, "observation_end")
    holdout_day = None if holdout_end is None else _day(holdout_end, "holdout_end")
    if buckets is None:
        buckets = int(df.sparkSession.conf.get("spark.sql.shuffle.partitions"))
    if not (isinstance(buckets, (int, np.integer)) and buckets >= 1):
        raise InvalidValueError(f"invalid buckets: {buckets!r} is not a positive whole number")
    # The crate checks grouping, refunds and the holdout here, on the
    # driver, rather than in the first Spark task.
    empty = np.empty(0, dtype=np.int64)
    _native.summarize_full(
        empty, empty, end_day, unit_days=unit_days, grouping=grouping, refunds=refunds, holdout_end_day=holdout_day
    )
    if date_format is not None and not isinstance(date_format, str):
        raise InvalidValueError(f"invalid date_format: {date_format!r} is not a Spark datetime pattern string")
    amount_kind = None if amount_col is None else _amount_kind(df, amount_col)
    money = amount_col is not None

    day, raw = _day_column(df, date_col, date_format)
    selected = [F.col(customer_col).alias(_C), day.alias(_D)]
    if raw is not None:
        selected.append(raw.alias(_R))
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
    bucket = _bucket_summarizer(
        amount_kind, end_day, unit_days, grouping, refunds, holdout_day, money, large_text, (customer_col, date_col, amount_col)
    )
    names = schema.fieldNames()

    def run(table):
        return bucket(table).rename_columns(names)

    return prepared.groupBy(_B).applyInArrow(run, schema)


def excluded(
    df: "DataFrame",
    date_col: str,
    amount_col: Optional[str] = None,
    *,
    observation_end: DateLike,
    holdout_end: Optional[DateLike] = None,
    date_format: Optional[str] = None,
) -> dict:
    """The transactions :func:`summarize` leaves out, those dated after
    ``observation_end`` (after ``holdout_end`` when given), counted by one
    Spark job: ``{"excluded_transactions": n, "excluded_amount": Decimal}``,
    the keys and values of the one-machine summary's ``attrs``. Amounts add
    up exactly (decimals as their text, doubles as their shortest decimal
    text, as :func:`summarize` reads them); null amounts count as
    transactions but add nothing.

    >>> cvs.excluded(tx, "date", "amount", observation_end="2024-12-31")   # doctest: +SKIP
    {'excluded_transactions': 1520, 'excluded_amount': Decimal('48211.70')}
    """
    _require_pyspark()
    from pyspark.sql import functions as F

    for name in (date_col,) + ((amount_col,) if amount_col is not None else ()):
        if name not in df.columns:
            raise InvalidValueError(f"invalid column: {name!r} is not a column of the DataFrame (columns: {df.columns})")
    cutoff = _day(observation_end, "observation_end")
    if holdout_end is not None:
        cutoff = _day(holdout_end, "holdout_end")
    day, _ = _day_column(df, date_col, date_format)
    late = df.select(day.alias(_D), *([F.col(amount_col).alias(_A)] if amount_col is not None else [])).where(
        F.col(_D) > cutoff
    )
    if amount_col is None:
        return {"excluded_transactions": int(late.count()), "excluded_amount": Decimal(0)}
    kind = _amount_kind(df, amount_col)

    def partial(batches):
        import decimal

        import pyarrow as pa

        count, total = 0, Decimal(0)
        with decimal.localcontext() as exact:
            exact.prec = decimal.MAX_PREC
            for batch in batches:
                amounts = batch.column(1)
                count += len(amounts)
                if kind == "number":
                    texts = [repr(float(v)) for v in amounts.drop_null().to_pylist()]
                else:
                    texts = amounts.drop_null().cast(pa.string()).to_pylist()
                for t in texts:
                    try:
                        total += Decimal(t.strip())
                    except decimal.InvalidOperation:
                        raise InvalidValueError(
                            f"invalid amount: column {amount_col!r} value {t!r} is not a decimal"
                        ) from None
        yield pa.RecordBatch.from_pydict({"n": pa.array([count], pa.int64()), "amount": pa.array([str(total)])})

    with typed_errors():
        rows = late.mapInArrow(partial, "n long, amount string").collect()
    import decimal

    with decimal.localcontext() as exact:
        exact.prec = decimal.MAX_PREC
        amount = sum((Decimal(r["amount"]) for r in rows), Decimal(0))
    return {"excluded_transactions": int(sum(r["n"] for r in rows)), "excluded_amount": amount}


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
