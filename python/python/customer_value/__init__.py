"""customer_value: customer-value modelling backed by a Rust crate.

Buy-till-you-die models (BG/NBD, MBG/NBD, Pareto/NBD, BG/BB, Gamma-Gamma)
fitted by maximum likelihood with fits that always answer: when the data put
the best fit on the boundary of the parameter space (no dropout, no
heterogeneity), the fit says so instead of raising. Per-customer summaries
of transaction logs are computed exactly (decimal money).

``customer_value.lifetimes`` is a drop-in for Python lifetimes 0.11.3: change
``from lifetimes import BetaGeoFitter`` to
``from customer_value.lifetimes import BetaGeoFitter``.

Errors are raised as subclasses of :class:`CustomerValueError`, one per kind
of error in the crate, each carrying the crate's message.
"""

from ._native import (
    CustomerValueError,
    DuplicateError,
    EmptyInputError,
    InvalidDateError,
    InvalidParameterError,
    InvalidTransactionError,
    InvalidValueError,
    IoError,
    NoCovarianceError,
    NotConvergedError,
    NotIdentifiedError,
    OverflowError,
    ParseError,
    UnitMismatchError,
)
from ._convert import UnsupportedFrequencyError

__version__ = "0.1.0"

__all__ = [
    "CustomerValueError",
    "DuplicateError",
    "EmptyInputError",
    "InvalidDateError",
    "InvalidParameterError",
    "InvalidTransactionError",
    "InvalidValueError",
    "IoError",
    "NoCovarianceError",
    "NotConvergedError",
    "NotIdentifiedError",
    "OverflowError",
    "ParseError",
    "UnitMismatchError",
    "UnsupportedFrequencyError",
    "__version__",
]
