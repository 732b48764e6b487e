"""Time stamps with UTC offsets, time-zone-aware columns, and ISO dates
mixed with date-times: each counts on the calendar day of its own clock,
as the command line reads them."""

import pandas as pd

from customer_value import summary

def test_time_stamps_with_offsets_count_in_local_wall_clock_time():
    # Offsets that change across daylight-saving time (Europe, 2024-03-31
    # and 2024-10-27), and one far away: each stamp counts on the calendar
    # day of its own clock, as the same stamps written without offsets.
    stamps = [
        "2024-03-30T23:30:00+01:00", "2024-03-31T01:30:00+01:00", "2024-03-31T03:30:00+02:00",
        "2024-10-26T23:59:59+02:00", "2024-10-27T02:30:00+02:00", "2024-10-27T02:30:00+01:00",
        "2024-06-01T00:30:00+02:00", "2024-06-30T22:30:00-05:00",
    ]
    customers = [1, 1, 1, 2, 2, 2, 3, 3]
    amounts = ["10", "11", "12", "5", "6", "7", "9.99", "1"]
    offsets = pd.DataFrame({"customer": customers, "date": stamps, "amount": amounts})
    local = offsets.assign(date=[s[:19] for s in stamps])
    kw = dict(customer="customer", date="date", amount="amount", observation_end="2024-12-31")
    got = summary.summarize(offsets, **kw)
    want = summary.summarize(local, **kw)
    pd.testing.assert_frame_equal(got, want)
    # By hand: customer 3 bought on June 1 and June 30 (local days), 213 days before the end.
    assert got.loc[3, "t_x"] == 29.0 and got.loc[3, "T"] == 213.0
    assert list(got["frequency"]) == [1, 1, 1]
    # A time-zone-aware column counts in its own zone's wall-clock time.
    aware = offsets[:6].assign(date=pd.to_datetime(stamps[:6], utc=True).tz_convert("Europe/Berlin"))
    assert isinstance(aware["date"].dtype, pd.DatetimeTZDtype)
    times = ["frequency", "purchases", "transactions", "first_purchase", "last_purchase", "t_x", "T"]
    pd.testing.assert_frame_equal(summary.summarize(aware, **kw)[times], want.loc[[1, 2], times])


def test_iso_dates_mixed_with_date_times():
    # pandas infers one shape from the first value and refuses the others.
    stamps = ["2024-01-01T08:30:00", "2024-07-10", "2024-07-10 23:59", "2024-12-30T00:00:00.250"]
    log = pd.DataFrame({"customer": [1, 1, 2, 2], "date": stamps, "amount": ["1", "2", "3", "4"]})
    kw = dict(customer="customer", date="date", amount="amount", observation_end="2024-12-31")
    got = summary.summarize(log, **kw)
    want = summary.summarize(log.assign(date=[s[:10] for s in stamps]), **kw)
    pd.testing.assert_frame_equal(got, want)
    assert list(got["t_x"]) == [191.0, 173.0] and list(got["T"]) == [365.0, 174.0]


def test_lifetimes_alive_path_and_cumulative_transactions_read_offsets_as_the_summary():
    """``calculate_alive_path``, ``plot_history_alive`` and
    ``expected_cumulative_transactions`` of the lifetimes layer read text
    stamps with offsets that change across daylight saving, of mixed
    precision (pandas refuses these with one inferred format), as the
    summary does: equal to the same calls on the stamps' local wall-clock
    times written without offsets."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    from customer_value import lifetimes as cv
    from customer_value.lifetimes import plotting, utils

    stamps = [
        "2024-03-30T23:30:00+01:00", "2024-03-31T03:30:00.250000+02:00", "2024-04-12T08:00:00.123456789+02:00",
        "2024-10-26T23:59:59+02:00", "2024-10-27T02:30:00+01:00", "2024-11-03T10:00:00+01:00",
    ]
    offsets = pd.DataFrame({"customer": ["a", "a", "a", "b", "b", "b"], "date": stamps})
    local = offsets.assign(date=pd.to_datetime([s[:19] for s in stamps]))
    model = cv.BetaGeoFitter()
    model.params_ = pd.Series([0.25, 28.0, 0.8, 2.5], index=["r", "alpha", "a", "b"])
    one, one_local = offsets[:3], local[:3]
    pd.testing.assert_series_equal(
        utils.calculate_alive_path(model, one, "date", 30), utils.calculate_alive_path(model, one_local, "date", 30)
    )
    # By hand: purchases on local days 0 (Mar 30), 1 and 13: P(alive) at
    # age 13 is the model's at frequency 2, recency 13, T 13.
    path = utils.calculate_alive_path(model, one, "date", 30)
    assert path[13] == model.conditional_probability_alive(2.0, 13.0, 13.0)[0]
    pd.testing.assert_frame_equal(
        utils.expected_cumulative_transactions(model, offsets, "date", "customer", 250),
        utils.expected_cumulative_transactions(model, local, "date", "customer", 250),
    )
    ax = plotting.plot_history_alive(model, 30, one, "date")
    drawn = ax.lines[0].get_ydata()
    plt.close("all")
    assert list(drawn) == list(path)
