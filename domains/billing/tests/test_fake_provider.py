"""The fake provider behaves like a sandbox: the token decides, a setting can override, charges are idempotent."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.test import override_settings

from domains.billing.providers import (
    DECLINES,
    PROVIDER_DOWN,
    CallOutcome,
    FakePaymentProvider,
    PaymentProviderError,
)
from shared.money import Money

TEN_EUROS = Money(amount=Decimal("10.00"), currency="EUR")


@pytest.fixture
def provider(tmp_path: Path) -> FakePaymentProvider:
    return FakePaymentProvider(store=tmp_path / "provider.sqlite3")


def test_a_valid_token_is_approved_with_a_reference(provider: FakePaymentProvider) -> None:
    result = provider.charge(idempotency_key="p1", amount=TEN_EUROS, token="tok_visa")

    assert (result.approved, result.decline_reason, result.reference.startswith("fake_ch_")) == (True, "", True)


@pytest.mark.parametrize(("token", "reason"), list(DECLINES.items()), ids=list(DECLINES))
def test_decline_tokens_are_declined_with_their_reason(provider: FakePaymentProvider, token: str, reason: str) -> None:
    result = provider.charge(idempotency_key="p1", amount=TEN_EUROS, token=token)

    assert (result.approved, result.decline_reason) == (False, reason)


def test_the_provider_error_token_fails_every_time(provider: FakePaymentProvider) -> None:
    for _ in range(3):
        with pytest.raises(PaymentProviderError, match=PROVIDER_DOWN):
            provider.charge(idempotency_key="p1", amount=TEN_EUROS, token="tok_providerError")


def test_the_flaky_token_fails_once_per_payment_then_approves(provider: FakePaymentProvider) -> None:
    with pytest.raises(PaymentProviderError):
        provider.charge(idempotency_key="p1", amount=TEN_EUROS, token="tok_providerErrorOnce")

    assert provider.charge(idempotency_key="p1", amount=TEN_EUROS, token="tok_providerErrorOnce").approved
    with pytest.raises(PaymentProviderError):
        provider.charge(idempotency_key="p2", amount=TEN_EUROS, token="tok_providerErrorOnce")


def test_charging_again_with_the_same_key_returns_the_first_outcome(provider: FakePaymentProvider) -> None:
    first = provider.charge(idempotency_key="p1", amount=TEN_EUROS, token="tok_visa")

    assert provider.charge(idempotency_key="p1", amount=TEN_EUROS, token="tok_chargeDeclined") == first


@pytest.mark.parametrize(
    ("outcome", "approved"),
    [pytest.param("approve", True, id="approve"), pytest.param("decline", False, id="decline")],
)
def test_a_setting_forces_the_outcome_whatever_the_token(
    provider: FakePaymentProvider, outcome: str, approved: bool
) -> None:
    with override_settings(BILLING_FAKE_PROVIDER_OUTCOME=outcome):
        result = provider.charge(
            idempotency_key="p1", amount=TEN_EUROS, token="tok_chargeDeclined" if approved else "tok_visa"
        )

    assert result.approved is approved


def test_the_fail_setting_makes_every_charge_fail(provider: FakePaymentProvider) -> None:
    with override_settings(BILLING_FAKE_PROVIDER_OUTCOME="fail"), pytest.raises(PaymentProviderError):
        provider.charge(idempotency_key="p1", amount=TEN_EUROS, token="tok_visa")


def test_an_unknown_setting_is_reported_with_the_choices(provider: FakePaymentProvider) -> None:
    with override_settings(BILLING_FAKE_PROVIDER_OUTCOME="sometimes"), pytest.raises(ValueError, match="approve"):
        provider.charge(idempotency_key="p1", amount=TEN_EUROS, token="tok_visa")


def test_the_sandbox_remembers_across_processes_so_failing_once_means_once_for_the_whole_shop(tmp_path: Path) -> None:
    web_worker, bus_worker = (FakePaymentProvider(store=tmp_path / "shared.sqlite3") for _ in range(2))

    with pytest.raises(PaymentProviderError):
        web_worker.charge(idempotency_key="order-1", amount=TEN_EUROS, token="tok_providerErrorOnce")
    retried = bus_worker.charge(idempotency_key="order-1", amount=TEN_EUROS, token="tok_providerErrorOnce")
    replayed = web_worker.charge(idempotency_key="order-1", amount=TEN_EUROS, token="tok_providerErrorOnce")

    assert retried.approved
    assert replayed == retried
    assert [(call.outcome, call.reference) for call in bus_worker.calls("order-1")] == [
        (CallOutcome.FAILED, ""),
        (CallOutcome.APPROVED, retried.reference),
        (CallOutcome.REPLAYED, retried.reference),
    ]


def test_every_call_is_listed_with_its_amount_and_token(provider: FakePaymentProvider) -> None:
    provider.charge(idempotency_key="p1", amount=TEN_EUROS, token="tok_chargeDeclined")

    (call,) = provider.calls("p1")
    assert (call.idempotency_key, call.token, call.amount, call.outcome) == (
        "p1",
        "tok_chargeDeclined",
        TEN_EUROS,
        CallOutcome.DECLINED,
    )
    assert provider.calls("p2") == ()
