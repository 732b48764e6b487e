"""Error messages name customers as the table holds them."""

import pandas as pd
import pytest

import customer_value as cvm
from customer_value import summary


@pytest.mark.parametrize("ids", [[1, 1, 2], ["c1", "c1", "c2"]])
def test_refund_error_names_the_customer_as_written(ids):
    log = pd.DataFrame(
        {"customer": ids, "date": ["2024-01-05", "2024-01-05", "2024-01-10"], "amount": ["50", "-20", "40"]}
    )
    with pytest.raises(cvm.InvalidTransactionError) as e:
        summary.summarize(log, customer="customer", date="date", amount="amount", observation_end="2024-12-31")
    message = str(e.value)
    assert f"customer {ids[1]!r}" in message, message
    assert "np." not in message and "int64" not in message, message
    assert "refunds='net'" in message, message
