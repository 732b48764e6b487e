"""lifetimes' ``lifetimes.datasets`` loaders, reading the data files that
the lifetimes package installs (customer_value does not ship them).

The files are Fader & Hardie's CDNOW and donations teaching data and
lifetimes' simulated transaction log, as distributed inside lifetimes
0.11.3 (MIT licence). The loaders find the installed ``lifetimes`` package
without importing it; when it is not installed, or to read copies kept
elsewhere, set the environment variable ``CUSTOMER_VALUE_LIFETIMES_DATA``
to a folder holding the files. Without either, a loader raises
:class:`FileNotFoundError` saying so.

Each loader passes its keyword arguments to :func:`pandas.read_csv` and
returns what lifetimes' does.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pandas as pd

__all__ = [
    "load_cdnow_summary",
    "load_transaction_data",
    "load_cdnow_summary_data_with_monetary_value",
    "load_donations",
    "load_dataset",
]

ENV = "CUSTOMER_VALUE_LIFETIMES_DATA"


def _folder():
    env = os.environ.get(ENV)
    if env:
        return Path(env)
    spec = importlib.util.find_spec("lifetimes")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations))) / "datasets"
    return None


def load_dataset(filename, **kwargs):
    """``pandas.read_csv`` of one of lifetimes' data files, for example
    ``"CDNOW_sample.txt"``."""
    folder = _folder()
    path = None if folder is None else folder / filename
    if path is None or not path.exists():
        raise FileNotFoundError(
            f"{filename}: lifetimes' data sets are read from the installed lifetimes package "
            f"(pip install lifetimes) or from the folder named by {ENV}"
            + ("" if folder is None else f"; not found in {folder}")
        )
    return pd.read_csv(path, **kwargs)


def load_donations(**kwargs):
    """The donations data (BG/BB): ``frequency``, ``recency``, ``periods``,
    ``weights``, 22 patterns of 11,104 donors."""
    return load_dataset("donations.csv", **kwargs)


def load_cdnow_summary(**kwargs):
    """The CDNOW sample's summary in weeks: ``ID``, ``frequency``,
    ``recency``, ``T`` (2,357 customers)."""
    return load_dataset("cdnow_customers_summary.csv", **kwargs)


def load_transaction_data(**kwargs):
    """lifetimes' simulated transaction log (``date``, ``id``; 2014, dates
    as strings)."""
    return load_dataset("example_transactions.csv", **kwargs)


def load_cdnow_summary_data_with_monetary_value(**kwargs):
    """The CDNOW summary with the mean repeat spend: ``frequency``,
    ``recency``, ``T``, ``monetary_value``, indexed by ``customer_id``."""
    df = load_dataset("cdnow_customers_summary_with_transactions.csv", **kwargs)
    df.columns = ["customer_id", "frequency", "recency", "T", "monetary_value"]
    return df.set_index("customer_id")
