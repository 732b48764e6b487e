"""Type stubs of the compiled core (customer_value._native)."""

from typing import Optional, Sequence

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
F64_2D = npt.NDArray[np.float64]  # shape (customers, covariates), C-contiguous
I64 = npt.NDArray[np.int64]

class CustomerValueError(Exception): ...
class InvalidParameterError(CustomerValueError): ...
class InvalidValueError(CustomerValueError): ...
class InvalidDateError(CustomerValueError): ...
class InvalidTransactionError(CustomerValueError): ...
class ParseError(CustomerValueError): ...
class OverflowError(CustomerValueError): ...
class EmptyInputError(CustomerValueError): ...
class NotIdentifiedError(CustomerValueError): ...
class NotConvergedError(CustomerValueError): ...
class IoError(CustomerValueError): ...
class DuplicateError(CustomerValueError): ...
class UnitMismatchError(CustomerValueError): ...
class NoCovarianceError(CustomerValueError): ...

def fit_purchases(
    model: str,
    frequency: F64,
    recency: F64,
    t: F64,
    weights: Optional[F64] = None,
    penalizer: float = 0.0,
    tol: Optional[float] = None,
    max_iter: Optional[int] = None,
    start: Optional[Sequence[float]] = None,
) -> str: ...
def fit_bgbb(
    frequency: F64,
    recency: F64,
    n_periods: F64,
    weights: Optional[F64] = None,
    penalizer: float = 0.0,
    tol: Optional[float] = None,
    max_iter: Optional[int] = None,
    start: Optional[Sequence[float]] = None,
) -> str: ...
def fit_gamma_gamma(
    frequency: F64,
    monetary_value: F64,
    weights: Optional[F64] = None,
    penalizer: float = 0.0,
    tol: Optional[float] = None,
    max_iter: Optional[int] = None,
    start: Optional[Sequence[float]] = None,
) -> str: ...
def conditional_probability_alive(
    model: str, params: Sequence[float], frequency: F64, recency: F64, t: F64, limits: bool = False
) -> F64: ...
def limit_histories(frequency: F64, recency: F64, age: F64) -> Optional[tuple[F64, F64, F64]]: ...
def conditional_expected_purchases(
    model: str, params: Sequence[float], t: F64, frequency: F64, recency: F64, age: F64, limits: bool = False
) -> F64: ...
def expected_purchases_new(model: str, params: Sequence[float], t: F64) -> F64: ...
def probability_of_n_purchases(model: str, params: Sequence[float], t: F64, n: F64) -> F64: ...
def conditional_prob_purchases(
    model: str, params: Sequence[float], n: int, t: float, frequency: F64, recency: F64, age: F64, limits: bool = False
) -> F64: ...
def bgbb_prob_new(params: Sequence[float], n: int, xs: Sequence[int]) -> F64: ...
def customer_lifetime_value(
    model: str,
    params: Sequence[float],
    spend_params: Sequence[float],
    frequency: F64,
    recency: F64,
    age: F64,
    monetary_value: F64,
    time: int,
    discount_rate: float,
    factor: float,
) -> F64: ...
def conditional_expected_average_profit(params: Sequence[float], frequency: F64, monetary_value: F64) -> F64: ...
def clv_of_values(
    model: str,
    params: Sequence[float],
    frequency: F64,
    recency: F64,
    age: F64,
    value: F64,
    time: int,
    discount_rate: float,
    factor: float,
) -> F64: ...
def purchase_log_likelihoods(
    model: str, params: Sequence[float], frequency: F64, recency: F64, age: F64, limits: bool = False
) -> F64: ...
def bgbb_log_likelihoods(params: Sequence[float], frequency: F64, recency: F64, n_periods: F64) -> F64: ...
def gamma_gamma_log_likelihoods(params: Sequence[float], frequency: F64, monetary_value: F64) -> F64: ...
def pareto_log_a0(params: Sequence[float], frequency: F64, recency: F64, age: F64) -> F64: ...
def bgbb_probability_alive(params: Sequence[float], m: int, frequency: F64, recency: F64, n_periods: F64) -> F64: ...
def bgbb_conditional_expected(params: Sequence[float], m: int, frequency: F64, recency: F64, n_periods: F64) -> F64: ...
def bgbb_expected_new(params: Sequence[float], n: F64) -> F64: ...
def summarize(
    codes: I64,
    days: I64,
    observation_end_day: int,
    amounts: Optional[F64] = None,
    amount_texts: Optional[Sequence[str]] = None,
    amount_column: Optional[object] = None,
    decimal: bool = False,
) -> dict[str, npt.NDArray[np.generic]]: ...
def summarize_full(
    codes: I64,
    days: I64,
    observation_end_day: int,
    unit_days: int = 1,
    grouping: str = "day",
    refunds: str = "reject",
    holdout_end_day: Optional[int] = None,
    anchor_day: Optional[int] = None,
    amounts: Optional[F64] = None,
    amount_texts: Optional[Sequence[str]] = None,
    amount_column: Optional[object] = None,
) -> dict[str, object]: ...
def fit_sbg(
    survivors: Sequence[Sequence[int]],
    starts: Optional[Sequence[int]] = None,
    penalizer: float = 0.0,
    tol: Optional[float] = None,
    max_iter: Optional[int] = None,
    start: Optional[Sequence[float]] = None,
) -> str: ...
def sbg_curves(params: Sequence[float], periods: int) -> tuple[F64, F64]: ...
def sbg_discounted_lifetimes(params: Sequence[float], d: float, n: Sequence[int]) -> tuple[float, list[float]]: ...
def pareto_dert(params: Sequence[float], delta: float, frequency: F64, recency: F64, age: F64) -> F64: ...
def dert(model: str, params: Sequence[float], delta: float, frequency: F64, recency: F64, age: F64) -> F64: ...
def fit_covariates(
    model: str,
    frequency: F64,
    recency: F64,
    t: F64,
    trans: Optional[F64_2D] = None,
    trans_names: Sequence[str] = ...,
    life: Optional[F64_2D] = None,
    life_names: Sequence[str] = ...,
    constrain: Sequence[str] = ...,
    l2: Optional[tuple[float, float]] = None,
    max_iter: Optional[int] = None,
    keep_unconverged: bool = False,
) -> str: ...
def fit_spend_covariates(
    frequency: F64,
    monetary_value: F64,
    z: F64_2D,
    names: Sequence[str],
    l2: Optional[float] = None,
    max_iter: Optional[int] = None,
    keep_unconverged: bool = False,
) -> str: ...
def covariate_predictions(
    model: str,
    base: Sequence[float],
    trans_names: Sequence[str],
    gamma_trans: Sequence[float],
    life_names: Sequence[str],
    gamma_life: Sequence[float],
    trans: Optional[F64_2D],
    life: Optional[F64_2D],
    frequency: F64,
    recency: F64,
    age: F64,
    t: Optional[float] = None,
) -> dict[str, F64]: ...
def covariate_expected_spend(
    base: Sequence[float],
    names: Sequence[str],
    delta: Sequence[float],
    z: F64_2D,
    frequency: F64,
    monetary_value: F64,
) -> tuple[F64, F64]: ...
def delta_purchase_intervals(
    model: str,
    report_json: str,
    what: str,
    frequency: F64,
    recency: F64,
    age: F64,
    t: Optional[float] = None,
    level: float = 0.9,
) -> tuple[F64, F64, F64]: ...
def delta_spend(report_json: str, frequency: F64, monetary_value: F64, level: float = 0.9) -> tuple[F64, F64, F64]: ...
def delta_clv(
    model: str,
    purchase_json: str,
    spend_json: str,
    frequency: F64,
    recency: F64,
    age: F64,
    monetary_value: F64,
    time: int = 12,
    discount_rate: float = 0.01,
    factor: float = 30.0,
    level: float = 0.9,
) -> tuple[F64, F64, F64]: ...
def bootstrap_purchase_intervals(
    model: str,
    report_json: str,
    what: str,
    frequency: F64,
    recency: F64,
    age: F64,
    t: Optional[float] = None,
    weights: Optional[F64] = None,
    level: float = 0.9,
    replicates: int = 200,
    seed: int = 0,
    threads: Optional[int] = None,
) -> tuple[F64, F64, F64, int]: ...
def bootstrap_spend_intervals(
    report_json: str,
    frequency: F64,
    monetary_value: F64,
    weights: Optional[F64] = None,
    level: float = 0.9,
    replicates: int = 200,
    seed: int = 0,
    threads: Optional[int] = None,
) -> tuple[F64, F64, F64, int]: ...
def bootstrap_clv(
    model: str,
    purchase_json: str,
    spend_json: str,
    frequency: F64,
    recency: F64,
    age: F64,
    monetary_value: F64,
    time: int = 12,
    discount_rate: float = 0.01,
    factor: float = 30.0,
    level: float = 0.9,
    replicates: int = 200,
    seed: int = 0,
    threads: Optional[int] = None,
) -> tuple[F64, F64, F64]: ...
def rfm_scores(
    recency: F64,
    frequency: F64,
    monetary: Optional[F64] = None,
    monetary_texts: Optional[Sequence[str]] = None,
    bins: int = 5,
    method: str = "ceil-rank",
    ties: Optional[str] = None,
    binning: str = "independent",
    segments: Optional[str] = None,
) -> dict[str, object]: ...
def retention_clv(
    margins: Optional[F64] = None,
    margin_texts: Optional[Sequence[str]] = None,
    retention: str = "0",
    discount: str = "0",
    timing: str = "end",
    horizon: Optional[int] = None,
    acquisition_costs: Optional[F64] = None,
    acquisition_cost_texts: Optional[Sequence[str]] = None,
    rows: int = 0,
) -> tuple[list[str], list[str], str, str]: ...
def tiers(
    values: Optional[F64] = None,
    value_texts: Optional[Sequence[str]] = None,
    abc_basis: str = "value",
    abc_cuts: Optional[tuple[str, str]] = None,
    boundary: str = "crossing",
    pyramid_cuts: Optional[Sequence[str]] = None,
    pyramid_basis: str = "count",
) -> tuple[list[str], list[str]]: ...
def satisfaction_stats(scores: F64, scale: str = "seven") -> tuple[list[int], float, Optional[float], float, float, float]: ...
def kano_attribute(functional: F64, dysfunctional: F64) -> tuple[str, float, float, list[int]]: ...
def ahp_weights(matrix: Sequence[Sequence[float]], method: str = "eigenvector", accept_inconsistent: bool = False) -> tuple[list[float], float, float, float]: ...
def loyalty_index(
    columns: Sequence[F64], weights: Optional[Sequence[float]] = None, entropy: bool = False, missing: str = "error"
) -> tuple[F64, F64, F64, F64]: ...
def lifecycle_stages(
    codes: I64,
    days: I64,
    as_of_day: int,
    unit_days: int = 7,
    value: str = "spend",
    amounts: Optional[F64] = None,
    amount_texts: Optional[Sequence[str]] = None,
    window: Optional[int] = None,
    exploration: Optional[int] = None,
    threshold: Optional[float] = None,
    inactive: Optional[int] = None,
    churned: Optional[int] = None,
    never_churned: bool = False,
    recent_guard: Optional[int] = None,
) -> tuple[I64, list[str], list[str], I64, I64]: ...
def arrow_floats(column: object, name: str) -> F64:
    """A numeric column given through the Arrow PyCapsule interface as float64
    (in place for one float64 chunk without nulls); nulls raise InvalidValueError."""
    ...
def arrow_periods(column: object, name: str, seconds: int) -> Optional[I64]:
    """Floored periods of ``seconds`` seconds since 1970-01-01 from an Arrow date or
    naive timestamp column; None for other types."""
    ...
