"""Billing's reactions to events. The wiring table is at the bottom."""

from __future__ import annotations

from domains.billing import services
from domains.billing.interface import PaymentRequested
from shared.bus.delivery import current_attempt
from shared.bus.subscriptions import Subscription


def charge_requested_payment(event: PaymentRequested) -> None:
    """Call the provider once the payment request has committed.

    A provider error raises, so the bus retries with backoff (BUS_RETRY_BASE_SECONDS,
    doubling); on the bus's last attempt (BUS_MAX_ATTEMPTS) billing gives up instead and
    publishes billing.PaymentFailed, which cancels the order, rather than leaving a dead
    delivery and an order waiting forever.
    """
    attempt = current_attempt()
    services.charge(
        payment_id=event.payment_id,
        attempt=attempt.number if attempt is not None else 1,
        last_attempt=attempt is not None and attempt.is_last,
    )


SUBSCRIPTIONS = (
    Subscription(id="billing.charge_requested_payment", event=PaymentRequested, handler=charge_requested_payment),
)
