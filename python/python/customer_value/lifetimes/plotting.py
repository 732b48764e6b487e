"""lifetimes' ``lifetimes.plotting``: the same functions, arguments and
defaults, drawing with matplotlib (imported when a function is called;
``pip install matplotlib``). Each takes a fitted model of
:mod:`customer_value.lifetimes` (a fitted lifetimes model works too: only
its public methods are called) and returns the matplotlib axes.

The values drawn are the model's, computed in one vectorised call per
figure (lifetimes calls the model once per matrix cell). Differences from
lifetimes 0.11.3 a user may notice:

* ``plot_history_alive`` reads ``start_date`` and the transaction dates with
  ``pd.to_datetime``; lifetimes passes them to matplotlib as they are, which
  fails on string dates (the Quickstart's own ``load_transaction_data()``)
  with matplotlib 3.8 and later.
* ``plot_expected_repeat_purchases`` takes the next colour of the axes'
  cycle through matplotlib's public API; lifetimes reads
  ``ax._get_lines.prop_cycler``, which matplotlib 3.8 removed (an
  ``AttributeError``).
* ``plot_period_transactions`` simulates with the model's
  ``generate_new_data``: see :mod:`customer_value.lifetimes.generate_data`
  for how its simulated frequencies differ from lifetimes'.
* ``plot_transaction_rate_heterogeneity`` and
  ``plot_dropout_rate_heterogeneity`` need scipy (for the gamma and beta
  quantiles), as lifetimes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .utils import _local_stamps, calculate_alive_path, expected_cumulative_transactions

__all__ = [
    "plot_period_transactions",
    "plot_calibration_purchases_vs_holdout_purchases",
    "plot_frequency_recency_matrix",
    "plot_probability_alive_matrix",
    "plot_expected_repeat_purchases",
    "plot_history_alive",
    "plot_cumulative_transactions",
    "plot_incremental_transactions",
    "plot_transaction_rate_heterogeneity",
    "plot_dropout_rate_heterogeneity",
]


def _pyplot():
    try:
        from matplotlib import pyplot as plt
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("customer_value.lifetimes.plotting needs matplotlib: pip install matplotlib") from e
    return plt


def plot_period_transactions(
    model,
    max_frequency=7,
    title="Frequency of Repeat Transactions",
    xlabel="Number of Calibration Period Transactions",
    ylabel="Customers",
    **kwargs,
):
    """Bars of the number of customers with 0, 1, ... repeat transactions
    (up to ``max_frequency`` bars), in the fitted data ("Actual") and in as
    many customers simulated by ``model.generate_new_data`` ("Model")."""
    plt = _pyplot()
    labels = kwargs.pop("label", ["Actual", "Model"])
    n = model.data.shape[0]
    simulated = model.generate_new_data(size=n)
    actual = model.data["frequency"].value_counts().sort_index().iloc[:max_frequency]
    fake = simulated["frequency"].value_counts().sort_index().iloc[:max_frequency]
    combined = pd.DataFrame(actual).merge(pd.DataFrame(fake), how="outer", left_index=True, right_index=True).fillna(0)
    combined.columns = labels
    ax = combined.plot(kind="bar", **kwargs)
    plt.legend()
    plt.title(title)
    plt.ylabel(ylabel)
    plt.xlabel(xlabel)
    return ax


def plot_calibration_purchases_vs_holdout_purchases(model, calibration_holdout_matrix, kind="frequency_cal", n=7, **kwargs):
    """Mean holdout purchases, actual and predicted by the model for the
    holdout's duration, grouped by ``kind`` (``"frequency_cal"``,
    ``"recency_cal"``, ``"T_cal"`` or ``"time_since_last_purchase"``), the
    first ``n`` groups; the matrix is ``utils.calibration_and_holdout_data``'s."""
    plt = _pyplot()
    x_labels = {
        "frequency_cal": "Purchases in calibration period",
        "recency_cal": "Age of customer at last purchase",
        "T_cal": "Age of customer at the end of calibration period",
        "time_since_last_purchase": "Time since user made last purchase",
    }
    summary = calibration_holdout_matrix.copy()
    duration_holdout = summary.iloc[0]["duration_holdout"]
    summary["model_predictions"] = model.conditional_expected_number_of_purchases_up_to_time(
        duration_holdout, summary["frequency_cal"], summary["recency_cal"], summary["T_cal"]
    )
    if kind == "time_since_last_purchase":
        summary["time_since_last_purchase"] = summary["T_cal"] - summary["recency_cal"]
    ax = summary.groupby(kind)[["frequency_holdout", "model_predictions"]].mean().iloc[:n].plot(**kwargs)
    plt.title("Actual Purchases in Holdout Period vs Predicted Purchases")
    plt.xlabel(x_labels[kind])
    plt.ylabel("Average of Purchases in Holdout Period")
    plt.legend()
    return ax


def _grid(model, max_frequency, max_recency):
    if max_frequency is None:
        max_frequency = int(model.data["frequency"].max())
    if max_recency is None:
        max_recency = int(model.data["T"].max())
    recency, frequency = np.meshgrid(np.arange(max_recency + 1.0), np.arange(max_frequency + 1.0), indexing="ij")
    return max_recency, frequency, recency


def _heatmap(plt, z, title, xlabel, ylabel, kwargs):
    interpolation = kwargs.pop("interpolation", "none")
    ax = plt.subplot(111)
    pcm = ax.imshow(z, interpolation=interpolation, **kwargs)
    plt.xlabel(xlabel)
    plt.ylabel(ylabel)
    plt.title(title)
    _force_aspect(ax)
    plt.colorbar(pcm, ax=ax)
    return ax


def plot_frequency_recency_matrix(
    model,
    T=1,
    max_frequency=None,
    max_recency=None,
    title=None,
    xlabel="Customer's Historical Frequency",
    ylabel="Customer's Recency",
    **kwargs,
):
    """Heat map of the expected purchases in the next ``T`` periods of a
    customer aged ``max_recency`` (default: the largest fitted age) by
    frequency (columns, to ``max_frequency``, default the largest fitted)
    and recency (rows)."""
    plt = _pyplot()
    max_recency, frequency, recency = _grid(model, max_frequency, max_recency)
    z = model.conditional_expected_number_of_purchases_up_to_time(
        T, frequency.ravel(), recency.ravel(), np.full(frequency.size, float(max_recency))
    )
    z = np.asarray(z, dtype=np.float64).reshape(frequency.shape)
    if title is None:
        title = (
            "Expected Number of Future Purchases for {} Unit{} of Time,".format(T, "s"[T == 1 :])
            + "\nby Frequency and Recency of a Customer"
        )
    return _heatmap(plt, z, title, xlabel, ylabel, kwargs)


def plot_probability_alive_matrix(
    model,
    max_frequency=None,
    max_recency=None,
    title="Probability Customer is Alive,\nby Frequency and Recency of a Customer",
    xlabel="Customer's Historical Frequency",
    ylabel="Customer's Recency",
    **kwargs,
):
    """Heat map of ``model.conditional_probability_alive_matrix``: P(alive)
    by frequency (columns) and recency (rows)."""
    plt = _pyplot()
    z = model.conditional_probability_alive_matrix(max_frequency, max_recency)
    return _heatmap(plt, z, title, xlabel, ylabel, kwargs)


def plot_expected_repeat_purchases(
    model,
    title="Expected Number of Repeat Purchases per Customer",
    xlabel="Time Since First Purchase",
    ax=None,
    label=None,
    **kwargs,
):
    """The expected repeat purchases of a new customer up to the largest
    fitted age (solid) and on to 1.5 times it (dashed)."""
    plt = _pyplot()
    if ax is None:
        ax = plt.subplot(111)
    color = kwargs.pop("c", None)
    color = kwargs.pop("color", None) if color is None else color
    if color is None:
        color = ax._get_lines.get_next_color()
    max_t = model.data["T"].max()
    times = np.linspace(0, max_t, 100)
    ax.plot(times, model.expected_number_of_purchases_up_to_time(times), color=color, label=label, **kwargs)
    times = np.linspace(max_t, 1.5 * max_t, 100)
    ax.plot(times, model.expected_number_of_purchases_up_to_time(times), color=color, ls="--", **kwargs)
    plt.title(title)
    plt.xlabel(xlabel)
    plt.legend(loc="lower right")
    return ax


def plot_history_alive(model, t, transactions, datetime_col, freq="D", start_date=None, ax=None, **kwargs):
    """One customer's P(alive) over ``t`` periods of ``freq`` since the
    first purchase (:func:`utils.calculate_alive_path`), with the purchase
    dates as dashed lines."""
    plt = _pyplot()
    # Local wall-clock times, as the summaries read them (time zones and
    # offsets that change with daylight saving included).
    dates = _local_stamps(transactions[datetime_col], None)
    start_date = dates.min() if start_date is None else _local_stamps(start_date, None)
    if ax is None:
        ax = plt.subplot(111)
    history = pd.Series(1, index=pd.DatetimeIndex(dates)).resample(freq).sum()
    path = calculate_alive_path(model, transactions, datetime_col, t, freq)
    path_dates = pd.date_range(start=dates.min(), periods=len(path), freq=freq)
    plt.plot(path_dates, path, "-", label="P_alive")
    payment_dates = history[history >= 1].index
    plt.vlines(payment_dates.values, ymin=0, ymax=1, colors="r", linestyles="dashed", label="purchases")
    plt.ylim(0, 1.0)
    plt.yticks(np.arange(0, 1.1, 0.1))
    plt.xlim(start_date, path_dates[-1])
    plt.legend(loc=3)
    plt.ylabel("P_alive")
    plt.title("History of P_alive")
    return ax


def _tracking(model, transactions, datetime_col, customer_id_col, t, t_cal, datetime_format, freq, set_index_date, title, xlabel, ylabel, ax, incremental, kwargs):
    plt = _pyplot()
    if ax is None:
        ax = plt.subplot(111)
    df = expected_cumulative_transactions(
        model, transactions, datetime_col, customer_id_col, t, datetime_format=datetime_format, freq=freq, set_index_date=set_index_date
    )
    if incremental:
        df = df.apply(lambda x: x - x.shift(1))
    ax = df.plot(ax=ax, title=title, **kwargs)
    if set_index_date:
        x_vline = df.index[int(t_cal)]
        xlabel = "date"
    else:
        x_vline = t_cal
    ax.axvline(x=x_vline, color="r", linestyle="--")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


def plot_cumulative_transactions(
    model,
    transactions,
    datetime_col,
    customer_id_col,
    t,
    t_cal,
    datetime_format=None,
    freq="D",
    set_index_date=False,
    title="Tracking Cumulative Transactions",
    xlabel="day",
    ylabel="Cumulative Transactions",
    ax=None,
    **kwargs,
):
    """Actual and predicted cumulative repeat transactions
    (:func:`utils.expected_cumulative_transactions`), with a dashed line at
    the end of calibration ``t_cal``."""
    return _tracking(
        model, transactions, datetime_col, customer_id_col, t, t_cal, datetime_format, freq, set_index_date, title, xlabel, ylabel, ax, False, kwargs
    )


def plot_incremental_transactions(
    model,
    transactions,
    datetime_col,
    customer_id_col,
    t,
    t_cal,
    datetime_format=None,
    freq="D",
    set_index_date=False,
    title="Tracking Daily Transactions",
    xlabel="day",
    ylabel="Transactions",
    ax=None,
    **kwargs,
):
    """Actual and predicted repeat transactions per period (the differences
    of :func:`plot_cumulative_transactions`' curves)."""
    return _tracking(
        model, transactions, datetime_col, customer_id_col, t, t_cal, datetime_format, freq, set_index_date, title, xlabel, ylabel, ax, True, kwargs
    )


def _density(plt, rv, mean, var, suptitle, xlabel, ylabel, suptitle_fontsize, kwargs):
    x = np.linspace(0, rv.ppf(0.99), 100)
    fig, ax = plt.subplots(1)
    fig.suptitle(suptitle, fontsize=suptitle_fontsize, fontweight="bold")
    ax.set_title("mean: {:.3f}, var: {:.3f}".format(mean, var))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    fig.tight_layout(rect=[0, 0.03, 1, 0.95])
    plt.plot(x, rv.pdf(x), **kwargs)
    return ax


def plot_transaction_rate_heterogeneity(
    model,
    suptitle="Heterogeneity in Transaction Rate",
    xlabel="Transaction Rate",
    ylabel="Density",
    suptitle_fontsize=14,
    **kwargs,
):
    """The density of the purchase rate ``lambda ~ Gamma(r, rate alpha)``
    (mean ``r / alpha``, variance ``r / alpha^2``) up to its 99th
    percentile."""
    plt = _pyplot()
    from scipy import stats

    r, alpha = model._unload_params("r", "alpha")
    rv = stats.gamma(r, scale=1 / alpha)
    # lifetimes draws its fixed title here, whatever suptitle is.
    return _density(plt, rv, r / alpha, r / alpha**2, "Heterogeneity in Transaction Rate", xlabel, ylabel, suptitle_fontsize, kwargs)


def plot_dropout_rate_heterogeneity(
    model,
    suptitle="Heterogeneity in Dropout Probability",
    xlabel="Dropout Probability p",
    ylabel="Density",
    suptitle_fontsize=14,
    **kwargs,
):
    """The density of the dropout probability ``p ~ Beta(a, b)`` (BG/NBD,
    MBG/NBD) up to its 99th percentile."""
    plt = _pyplot()
    from scipy import stats

    a, b = model._unload_params("a", "b")
    mean = a / (a + b)
    var = a * b / ((a + b) ** 2) / (a + b + 1)
    return _density(plt, stats.beta(a, b), mean, var, suptitle, xlabel, ylabel, suptitle_fontsize, kwargs)


def _force_aspect(ax, aspect=1):
    extent = ax.get_images()[0].get_extent()
    ax.set_aspect(abs((extent[1] - extent[0]) / (extent[3] - extent[2])) / aspect)
