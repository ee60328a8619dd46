"""Money: a Decimal amount with its ISO 4217 currency code. Never a float."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")

BAD_CURRENCY = "Currency {currency!r} is not an ISO 4217 code such as 'EUR' or 'USD'."
BAD_AMOUNT = "Amount {amount!r} is not a finite decimal number."
CURRENCY_MISMATCH = "Cannot add {left} and {right}: the currencies differ. Convert first."


@dataclass(frozen=True, slots=True, kw_only=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.currency, str) or not CURRENCY_CODE.match(self.currency):
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
