"""Money: a Decimal amount with its ISO 4217 currency code. Never a float."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal

import pycountry

# ISO 4217 codes that name no money a shop takes: precious metals, bond-market units,
# special drawing rights, the testing code and "no currency".
NOT_MONEY = frozenset({"XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XDR", "XPD", "XPT", "XSU", "XTS", "XUA", "XXX"})

BAD_CURRENCY = "Currency {currency!r} is not an ISO 4217 currency code such as 'EUR' or 'USD'."
BAD_AMOUNT = "Amount {amount!r} is not a finite decimal number."
CURRENCY_MISMATCH = "Cannot add {left} and {right}: the currencies differ. Convert first."


@dataclass(frozen=True, slots=True, kw_only=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.currency, str) or self.currency not in currency_codes():
            raise ValueError(BAD_CURRENCY.format(currency=self.currency))
        if not isinstance(self.amount, Decimal) or not self.amount.is_finite():
            raise ValueError(BAD_AMOUNT.format(amount=self.amount))

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(amount=Decimal("0.00"), currency=currency)

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(CURRENCY_MISMATCH.format(left=self, right=other))
        return Money(amount=self.amount + other.amount, currency=self.currency)

    def times(self, quantity: int) -> Money:
        return Money(amount=self.amount * quantity, currency=self.currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


@functools.cache
def currency_codes() -> frozenset[str]:
    """The ISO 4217 codes of money, from pycountry's copy of the standard (read once)."""
    return frozenset(currency.alpha_3 for currency in pycountry.currencies) - NOT_MONEY
