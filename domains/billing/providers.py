"""Payment providers: the outside service that moves the money, behind one small Protocol.

Only a fake exists today. It behaves like a provider's sandbox: the payment token says
what happens, so a test or a demo can make a payment succeed, be declined or fail
without any setup:

    tok_visa (or any other valid token)  approved
    tok_chargeDeclined                   declined: the card was declined
    tok_insufficientFunds                declined: insufficient funds
    tok_expiredCard                      declined: the card has expired
    tok_providerError                    the provider fails on every call (PaymentProviderError)
    tok_providerErrorOnce                the provider fails on the first call for a payment, then approves

BILLING_FAKE_PROVIDER_OUTCOME=approve|decline|fail overrides the token for every charge
(to see a whole shop's payments fail, say); empty leaves the choice to the token.

A charge is idempotent per `idempotency_key` (billing passes the payment id), as with
real providers: charging again after a lost answer returns the first outcome instead of
charging twice.
"""

from __future__ import annotations

import enum
import threading
import uuid
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings

from shared.money import Money

PROVIDER_DOWN = "the payment provider did not answer"
UNKNOWN_OUTCOME = "BILLING_FAKE_PROVIDER_OUTCOME={value!r} is not one of: '' (by token), approve, decline, fail."


class PaymentProviderError(Exception):
    """The provider could not be reached or failed; the charge did not happen. Worth retrying."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ChargeResult:
    approved: bool
    reference: str
    """The provider's id of the charge (approved or declined), for support and refunds."""
    decline_reason: str = ""


class PaymentProvider(Protocol):
    def charge(self, *, idempotency_key: str, amount: Money, token: str) -> ChargeResult:
        """Charge `amount` to the payment method `token`. Raises PaymentProviderError."""
        ...


class FakeOutcome(enum.StrEnum):
    BY_TOKEN = ""
    APPROVE = "approve"
    DECLINE = "decline"
    FAIL = "fail"


DECLINES = {
    "tok_chargeDeclined": "the card was declined",
    "tok_insufficientFunds": "insufficient funds",
    "tok_expiredCard": "the card has expired",
}
ALWAYS_FAILS = "tok_providerError"
FAILS_ONCE = "tok_providerErrorOnce"


class FakePaymentProvider:
    """The sandbox described in the module docstring; thread-safe, state kept per process."""

    def __init__(self) -> None:
        self._results: dict[str, ChargeResult] = {}
        self._failed_once: set[str] = set()
        self._lock = threading.Lock()

    def charge(self, *, idempotency_key: str, amount: Money, token: str) -> ChargeResult:
        with self._lock:
            if idempotency_key in self._results:
                return self._results[idempotency_key]
            result = self._decide(idempotency_key, token, _configured_outcome())
            self._results[idempotency_key] = result
            return result

    def _decide(self, idempotency_key: str, token: str, outcome: FakeOutcome) -> ChargeResult:
        if outcome is FakeOutcome.FAIL or (outcome is FakeOutcome.BY_TOKEN and token == ALWAYS_FAILS):
            raise PaymentProviderError(PROVIDER_DOWN)
        if outcome is FakeOutcome.BY_TOKEN and token == FAILS_ONCE and idempotency_key not in self._failed_once:
            self._failed_once.add(idempotency_key)
            raise PaymentProviderError(PROVIDER_DOWN)
        reference = f"fake_ch_{uuid.uuid4().hex[:20]}"
        if outcome is FakeOutcome.DECLINE:
            return ChargeResult(approved=False, reference=reference, decline_reason=DECLINES["tok_chargeDeclined"])
        if outcome is FakeOutcome.BY_TOKEN and token in DECLINES:
            return ChargeResult(approved=False, reference=reference, decline_reason=DECLINES[token])
        return ChargeResult(approved=True, reference=reference)


def _configured_outcome() -> FakeOutcome:
    value = settings.BILLING_FAKE_PROVIDER_OUTCOME
    try:
        return FakeOutcome(value)
    except ValueError:
        raise ValueError(UNKNOWN_OUTCOME.format(value=value)) from None


_provider: PaymentProvider = FakePaymentProvider()


def payment_provider() -> PaymentProvider:
    """The provider billing charges through in this process."""
    return _provider
