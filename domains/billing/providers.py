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

A charge is idempotent per `idempotency_key` (billing passes the order id), as with
real providers: charging again after a lost answer returns the first outcome instead of
charging twice.

Like a real sandbox, the fake remembers across processes and restarts: every call and its
outcome go to a SQLite file of its own (BILLING_FAKE_PROVIDER_STORE), committed at once,
outside any transaction of billing's. So "fails once" means once for the whole shop, not
once per process (a retry from `bus work` after a failure in a web worker succeeds), and a
failure is not forgotten when billing's transaction rolls back. `calls()` shows what the
provider saw, as a sandbox's dashboard would.
"""

from __future__ import annotations

import contextlib
import enum
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
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


class CallOutcome(enum.StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"
    FAILED = "failed"
    REPLAYED = "replayed"
    """The key was decided before: the first outcome was returned, nothing charged."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderCall:
    """One charge call the fake received, as a sandbox's dashboard lists it."""

    idempotency_key: str
    token: str
    amount: Money
    outcome: CallOutcome
    reference: str


SCHEMA = """
CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key TEXT NOT NULL,
    token TEXT NOT NULL,
    amount TEXT NOT NULL,
    currency TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reference TEXT NOT NULL DEFAULT '',
    decline_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS calls_by_key ON calls (idempotency_key);
"""


class FakePaymentProvider:
    """The sandbox described in the module docstring; its memory is the SQLite file `store`
    (BILLING_FAKE_PROVIDER_STORE when not given), shared by every process and thread."""

    def __init__(self, store: Path | None = None) -> None:
        self._store = store

    def charge(self, *, idempotency_key: str, amount: Money, token: str) -> ChargeResult:
        with self._transaction() as db:  # one decision per key at a time, across processes
            decided = db.execute(
                "SELECT outcome, reference, decline_reason FROM calls WHERE idempotency_key = ? "
                "AND outcome IN ('approved', 'declined') ORDER BY id LIMIT 1",
                (idempotency_key,),
            ).fetchone()
            if decided is not None:
                result = ChargeResult(
                    approved=decided[0] == CallOutcome.APPROVED, reference=decided[1], decline_reason=decided[2]
                )
                self._record(db, idempotency_key, amount, token, CallOutcome.REPLAYED, result)
                return result
            failed_before = db.execute(
                "SELECT 1 FROM calls WHERE idempotency_key = ? AND outcome = 'failed' LIMIT 1", (idempotency_key,)
            ).fetchone()
            result = self._decide(token, _configured_outcome(), failed_before=failed_before is not None)
            if result is None:
                outcome = CallOutcome.FAILED
            else:
                outcome = CallOutcome.APPROVED if result.approved else CallOutcome.DECLINED
            self._record(db, idempotency_key, amount, token, outcome, result)
        if result is None:  # recorded (committed) first: the failure is remembered whatever the caller does next
            raise PaymentProviderError(PROVIDER_DOWN)
        return result

    def calls(self, idempotency_key: str) -> tuple[ProviderCall, ...]:
        """Every call made with this key, oldest first."""
        with self._transaction() as db:
            rows = db.execute(
                "SELECT token, amount, currency, outcome, reference FROM calls WHERE idempotency_key = ? ORDER BY id",
                (idempotency_key,),
            ).fetchall()
        return tuple(
            ProviderCall(
                idempotency_key=idempotency_key,
                token=token,
                amount=Money(amount=Decimal(amount), currency=currency),
                outcome=CallOutcome(outcome),
                reference=reference,
            )
            for token, amount, currency, outcome, reference in rows
        )

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        path = Path(self._store or settings.BILLING_FAKE_PROVIDER_STORE)
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        finally:
            db.close()

    def _record(
        self,
        db: sqlite3.Connection,
        idempotency_key: str,
        amount: Money,
        token: str,
        outcome: CallOutcome,
        result: ChargeResult | None,
    ) -> None:
        db.execute(
            "INSERT INTO calls (idempotency_key, token, amount, currency, outcome, reference, decline_reason) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                idempotency_key,
                token,
                str(amount.amount),
                amount.currency,
                outcome,
                result.reference if result else "",
                result.decline_reason if result else "",
            ),
        )

    def _decide(self, token: str, outcome: FakeOutcome, *, failed_before: bool) -> ChargeResult | None:
        """The outcome of a first decision for a key; None means the provider fails this call."""
        if outcome is FakeOutcome.FAIL or (outcome is FakeOutcome.BY_TOKEN and token == ALWAYS_FAILS):
            return None
        if outcome is FakeOutcome.BY_TOKEN and token == FAILS_ONCE and not failed_before:
            return None
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
