"""Hypothesis strategies for types whose constructors enforce invariants."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import strategies as st

from shared.money import Money, currency_codes

finite_decimals = st.decimals(allow_nan=False, allow_infinity=False)
money = st.builds(Money, amount=finite_decimals, currency=st.sampled_from(sorted(currency_codes())))


def _unambiguous(value: dt.datetime) -> bool:
    # Python never equates a local time in a DST fold with the same instant in another
    # zone (PEP 495), so equality checks need instants that exist exactly once.
    return value.tzinfo is None or value.replace(fold=1 - value.fold).utcoffset() == value.utcoffset()


# Naive and aware datetimes, the latter in every zone the system knows, historic offsets included.
datetimes = st.datetimes(timezones=st.none() | st.timezones(), allow_imaginary=False).filter(_unambiguous)


def register() -> None:
    """Teach st.from_type about Money, finite Decimals and aware datetimes."""
    st.register_type_strategy(Money, money)
    st.register_type_strategy(Decimal, finite_decimals)
    st.register_type_strategy(dt.datetime, datetimes)
