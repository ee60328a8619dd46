"""Billing use cases: the implementation bound to `domains.billing.interface.billing`.

Requesting a payment only writes it down (payment pending, invoice open) and publishes
billing.PaymentRequested; the provider is called by billing's own handler after that
commits (`charge`). So no caller's transaction waits on the provider, and a provider
error is retried by the bus with backoff.
"""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from django.db import IntegrityError

from domains.billing import references, selectors
from domains.billing.interface import (
    InvoiceStatus,
    PayableItemDTO,
    PaymentCaptured,
    PaymentConflictError,
    PaymentDeclined,
    PaymentDTO,
    PaymentFailed,
    PaymentRequested,
    PaymentRequestInvalidError,
    PaymentStatus,
)
from domains.billing.models import Invoice, InvoiceLine, Payment
from domains.billing.providers import ChargeResult, PaymentProviderError, payment_provider
from shared.bus.runtime import publish
from shared.db import atomic
from shared.money import Money
from shared.references import ReferencePage

NO_ITEMS = "a payment needs at least one item"
ITEMS_DO_NOT_ADD_UP = "the items add up to {items_total}, not {amount}"
BAD_ITEM = "item {description!r} has quantity {quantity}; quantities are whole numbers from 1"


def _check_request(order_id: UUID, amount: Money, items: tuple[PayableItemDTO, ...]) -> None:
    if not items:
        raise PaymentRequestInvalidError(order_id=order_id, reason=NO_ITEMS)
    items_total = Decimal(0)
    for item in items:
        if item.quantity < 1:
            reason = BAD_ITEM.format(description=item.description, quantity=item.quantity)
            raise PaymentRequestInvalidError(order_id=order_id, reason=reason)
        if item.unit_price.currency != amount.currency:
            raise PaymentRequestInvalidError(
                order_id=order_id, reason=f"item {item.description!r} is not in {amount.currency}"
            )
        items_total += item.unit_price.amount * item.quantity
    if items_total != amount.amount or amount.amount < 0:
        reason = ITEMS_DO_NOT_ADD_UP.format(items_total=f"{items_total} {amount.currency}", amount=amount)
        raise PaymentRequestInvalidError(order_id=order_id, reason=reason)


def _existing(order_id: UUID, amount: Money) -> PaymentDTO | None:
    payment = selectors.get_payment_for_order(order_id=order_id)
    if payment is not None and payment.amount != amount:
        raise PaymentConflictError(order_id=order_id, existing=payment.amount, requested=amount)
    return payment


def request_payment(
    *, order_id: UUID, customer_id: UUID, amount: Money, payment_token: str, items: tuple[PayableItemDTO, ...]
) -> PaymentDTO:
    _check_request(order_id, amount, items)
    # Written first, read only if it was there already: one order has one payment (unique in
    # billing's tables), so a repeated request fails the INSERT and is answered from the row.
    try:
        with atomic("billing"):
            payment = Payment.objects.create(
                order_id=order_id,
                customer_id=customer_id,
                amount=amount.amount,
                currency=amount.currency,
                payment_token=payment_token,
            )
            invoice, lines = _issue_invoice(payment, items)
            publish(PaymentRequested(payment_id=payment.id, order_id=order_id))
    except IntegrityError:
        existing = _existing(order_id, amount)
        if existing is None:
            raise
        return existing  # requested before (a retry, a replay) or by a concurrent call
    return selectors.payment_dto(payment, invoice=invoice, lines=lines)


def _issue_invoice(payment: Payment, items: tuple[PayableItemDTO, ...]) -> tuple[Invoice, list[InvoiceLine]]:
    invoice = Invoice.objects.create(
        payment=payment,
        order_id=payment.order_id,
        customer_id=payment.customer_id,
        total_amount=payment.amount,
        currency=payment.currency,
    )
    lines = InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            description=item.description[:300],
            quantity=item.quantity,
            unit_price_amount=item.unit_price.amount,
        )
        for item in items
    )
    return invoice, lines


def provider_key(order_id: UUID) -> str:
    """The idempotency key of an order's charge at the provider: one order, one charge."""
    return f"order-{order_id}"


def charge(*, payment_id: UUID, attempt: int, last_attempt: bool) -> None:
    """Charge a pending payment through the provider and record the outcome.

    A provider error propagates (so the caller, the bus, retries later) unless this is
    the `last_attempt`: then the payment is recorded as failed, and nothing is charged.
    Idempotent: a payment that already has an outcome is left alone, and the provider is
    called with the order id as its idempotency key, so a charge whose answer was lost (the
    process died, the outcome was never recorded) is answered again, not made again. One
    order has one payment (unique in billing's tables) and one charge (at the provider).
    """
    with atomic("billing"):
        # The invoice and its payment, both locked, in one read: the outcome updates both.
        payment = Invoice.objects.select_for_update().select_related("payment").get(payment_id=payment_id).payment
        if payment.status != PaymentStatus.PENDING:
            return
        try:
            result = payment_provider().charge(
                idempotency_key=provider_key(payment.order_id), amount=payment.money, token=payment.payment_token
            )
        except PaymentProviderError as exc:
            if not last_attempt:
                raise
            _fail(payment, attempt, reason=str(exc))
            return
        if result.approved:
            _capture(payment, attempt, result)
        else:
            _decline(payment, attempt, result)


def _capture(payment: Payment, attempt: int, result: ChargeResult) -> None:
    invoice = _finish(payment, PaymentStatus.CAPTURED, attempt, reference=result.reference)
    publish(
        PaymentCaptured(
            payment_id=payment.id,
            order_id=payment.order_id,
            customer_id=payment.customer_id,
            amount=payment.money,
            invoice_number=invoice.number,
        )
    )


def _decline(payment: Payment, attempt: int, result: ChargeResult) -> None:
    _finish(payment, PaymentStatus.DECLINED, attempt, reason=result.decline_reason, reference=result.reference)
    publish(
        PaymentDeclined(
            payment_id=payment.id,
            order_id=payment.order_id,
            customer_id=payment.customer_id,
            reason=result.decline_reason,
        )
    )


def _fail(payment: Payment, attempt: int, *, reason: str) -> None:
    _finish(payment, PaymentStatus.FAILED, attempt, reason=reason)
    publish(
        PaymentFailed(
            payment_id=payment.id,
            order_id=payment.order_id,
            customer_id=payment.customer_id,
            reason=reason,
            attempts=attempt,
        )
    )


def _finish(
    payment: Payment, status: PaymentStatus, attempts: int, *, reason: str = "", reference: str = ""
) -> Invoice:
    """Record a payment's outcome; its invoice is paid if it was captured and void otherwise."""
    payment.status = status
    payment.attempts = attempts
    payment.failure_reason = reason[:500]
    payment.provider_reference = reference
    payment.save(update_fields=["status", "attempts", "failure_reason", "provider_reference", "updated_at"])
    invoice = payment.invoice  # locked with the payment (charge)
    invoice.status = InvoiceStatus.PAID if status == PaymentStatus.CAPTURED else InvoiceStatus.VOID
    invoice.save(update_fields=["status"])
    return invoice


class BillingService:
    """Binds the billing use cases and reads to the BillingApi protocol."""

    def request_payment(
        self,
        *,
        order_id: UUID,
        customer_id: UUID,
        amount: Money,
        payment_token: str,
        items: tuple[PayableItemDTO, ...],
    ) -> PaymentDTO:
        return request_payment(
            order_id=order_id, customer_id=customer_id, amount=amount, payment_token=payment_token, items=items
        )

    def get_payment_for_order(self, *, order_id: UUID) -> PaymentDTO | None:
        return selectors.get_payment_for_order(order_id=order_id)

    def references(self, *, after: str = "", limit: int = 500) -> ReferencePage:
        return references.page(after=after, limit=limit)
