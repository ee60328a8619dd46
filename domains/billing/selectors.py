"""Billing reads, returning DTOs (or querysets to billing's own HTTP layer)."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from django.db.models import QuerySet

from domains.billing.interface import (
    InvoiceDTO,
    InvoiceLineDTO,
    InvoiceStatus,
    PaymentDTO,
    PaymentNotFoundError,
    PaymentStatus,
)
from domains.billing.models import Invoice, InvoiceLine, Payment
from shared.money import Money


def invoice_dto(invoice: Invoice, *, lines: Iterable[InvoiceLine] | None = None) -> InvoiceDTO:
    """The DTO of an invoice with its lines prefetched, or with its `lines` known already (just written)."""
    currency = invoice.currency
    return InvoiceDTO(
        number=invoice.number,
        status=InvoiceStatus(invoice.status),
        total=Money(amount=invoice.total_amount, currency=currency),
        lines=tuple(
            InvoiceLineDTO(
                description=line.description,
                quantity=line.quantity,
                unit_price=Money(amount=line.unit_price_amount, currency=currency),
                line_total=Money(amount=line.unit_price_amount * line.quantity, currency=currency),
            )
            for line in (invoice.lines.all() if lines is None else lines)
        ),
        issued_at=invoice.issued_at,
    )


def payment_dto(
    payment: Payment, *, invoice: Invoice | None = None, lines: Iterable[InvoiceLine] | None = None
) -> PaymentDTO:
    """The DTO of a payment fetched with `payments()` (invoice and lines joined), or just written with them."""
    return PaymentDTO(
        id=payment.id,
        order_id=payment.order_id,
        customer_id=payment.customer_id,
        amount=payment.money,
        status=PaymentStatus(payment.status),
        failure_reason=payment.failure_reason,
        attempts=payment.attempts,
        invoice=invoice_dto(payment.invoice if invoice is None else invoice, lines=lines),
        created_at=payment.created_at,
        updated_at=payment.updated_at,
    )


def payments() -> QuerySet[Payment]:
    return Payment.objects.select_related("invoice").prefetch_related("invoice__lines").order_by("-created_at", "-id")


def get_payment(*, payment_id: UUID) -> PaymentDTO:
    try:
        return payment_dto(payments().get(id=payment_id))
    except Payment.DoesNotExist:
        raise PaymentNotFoundError(payment_id=payment_id) from None


def get_payment_of(*, payment_id: UUID, customer_id: UUID, is_staff: bool) -> PaymentDTO:
    """A payment its customer (or staff) may see; anyone else's is reported as not existing."""
    payment = get_payment(payment_id=payment_id)
    if payment.customer_id != customer_id and not is_staff:
        raise PaymentNotFoundError(payment_id=payment_id)
    return payment


def get_payment_for_order(*, order_id: UUID) -> PaymentDTO | None:
    payment = payments().filter(order_id=order_id).first()
    return payment_dto(payment) if payment is not None else None


def customer_payments(*, customer_id: UUID) -> QuerySet[Payment]:
    return payments().filter(customer_id=customer_id)


def customer_invoices(*, customer_id: UUID) -> QuerySet[Invoice]:
    return Invoice.objects.prefetch_related("lines").filter(customer_id=customer_id).order_by("-issued_at", "-id")
