"""The billing domain's public face: operations, DTOs, events, errors.

A payment's life:

    request_payment ──> pending ──provider approves──> captured   (invoice paid)
                           │ ──provider declines──> declined      (invoice void)
                           └──provider errors, retried with backoff, last attempt too──> failed (invoice void)

Errors:
    BillingError
    ├── PaymentNotFoundError         404  no payment with that id, or none for that order
    ├── PaymentRequestInvalidError   400  an amount or items that cannot be charged
    └── PaymentConflictError         409  the order's payment was requested before with other terms
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from shared.errors import DomainError, ErrorKind
from shared.events import event
from shared.interfaces import declare_interface, idempotent
from shared.money import Money
from shared.references import ReferencePage

# -- DTOs --------------------------------------------------------------------------


class PaymentStatus(enum.StrEnum):
    PENDING = "pending"
    CAPTURED = "captured"
    DECLINED = "declined"
    FAILED = "failed"


class InvoiceStatus(enum.StrEnum):
    OPEN = "open"
    """Issued, waiting for its payment."""
    PAID = "paid"
    VOID = "void"
    """Its payment was declined or failed: nothing is owed."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PayableItemDTO:
    """One line of the invoice a payment settles."""

    description: str
    quantity: int
    unit_price: Money


@dataclass(frozen=True, slots=True, kw_only=True)
class InvoiceLineDTO:
    description: str
    quantity: int
    unit_price: Money
    line_total: Money


@dataclass(frozen=True, slots=True, kw_only=True)
class InvoiceDTO:
    number: str
    status: InvoiceStatus
    total: Money
    lines: tuple[InvoiceLineDTO, ...]
    issued_at: dt.datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentDTO:
    id: UUID
    order_id: UUID
    customer_id: UUID
    amount: Money
    status: PaymentStatus
    failure_reason: str
    """Why it was declined or failed, in words for the customer; '' otherwise."""
    attempts: int
    """Calls made to the provider until the outcome (0 while pending)."""
    invoice: InvoiceDTO
    created_at: dt.datetime
    updated_at: dt.datetime


# -- Events ------------------------------------------------------------------------


@event("billing.PaymentRequested", version=1, key="order_id")
class PaymentRequested:
    """A payment is due; billing's own handler charges the provider after this commits."""

    payment_id: UUID
    order_id: UUID


@event("billing.PaymentCaptured", version=1, key="order_id")
class PaymentCaptured:
    payment_id: UUID
    order_id: UUID
    customer_id: UUID
    amount: Money
    invoice_number: str


@event("billing.PaymentDeclined", version=1, key="order_id")
class PaymentDeclined:
    payment_id: UUID
    order_id: UUID
    customer_id: UUID
    reason: str


@event("billing.PaymentFailed", version=1, key="order_id")
class PaymentFailed:
    """The provider could not be reached or failed on every attempt; nothing was charged."""

    payment_id: UUID
    order_id: UUID
    customer_id: UUID
    reason: str
    attempts: int


# -- Errors ------------------------------------------------------------------------


class BillingErrorCode(enum.StrEnum):
    PAYMENT_NOT_FOUND = "billing.payment_not_found"
    PAYMENT_REQUEST_INVALID = "billing.payment_request_invalid"
    PAYMENT_CONFLICT = "billing.payment_conflict"


class BillingError(DomainError):
    """Base of the billing domain's errors."""


class PaymentNotFoundError(BillingError):
    code = BillingErrorCode.PAYMENT_NOT_FOUND
    kind = ErrorKind.NOT_FOUND
    message = "Payment {payment_id} does not exist. List your payments at /api/billing/payments/."
    payment_id: UUID


class PaymentRequestInvalidError(BillingError):
    code = BillingErrorCode.PAYMENT_REQUEST_INVALID
    kind = ErrorKind.INVALID
    message = "Cannot charge order {order_id}: {reason}. Correct the request and send it again."
    order_id: UUID
    reason: str


class PaymentConflictError(BillingError):
    code = BillingErrorCode.PAYMENT_CONFLICT
    kind = ErrorKind.CONFLICT
    message = (
        "A payment of {existing} was already requested for order {order_id}; this request asks for {requested}. "
        "An order is paid once: read its payment instead of requesting another."
    )
    order_id: UUID
    existing: Money
    requested: Money


# -- Operations --------------------------------------------------------------------


class BillingApi(Protocol):
    @idempotent
    def request_payment(
        self,
        *,
        order_id: UUID,
        customer_id: UUID,
        amount: Money,
        payment_token: str,
        items: tuple[PayableItemDTO, ...],
    ) -> PaymentDTO:
        """Issue the order's invoice and charge `amount` to the payment method `payment_token`.

        The charge happens after this call's transaction commits; its outcome arrives as
        billing.PaymentCaptured, billing.PaymentDeclined or billing.PaymentFailed.
        Provider errors are retried with backoff before PaymentFailed is published.

        Raises PaymentRequestInvalidError (the items do not add up to `amount`, ...),
        PaymentConflictError. Idempotent per order: the same request again returns the
        existing payment. Publishes billing.PaymentRequested.
        """
        ...

    @idempotent
    def get_payment_for_order(self, *, order_id: UUID) -> PaymentDTO | None:
        """The order's payment, or None when none was requested."""
        ...

    @idempotent
    def references(self, *, after: str = "", limit: int = 500) -> ReferencePage:
        """The ids of other domains' entities billing holds (orders, customers)."""
        ...


billing: BillingApi = declare_interface(
    "billing",
    BillingApi,
    events=(PaymentRequested, PaymentCaptured, PaymentDeclined, PaymentFailed),
    errors=(PaymentNotFoundError, PaymentRequestInvalidError, PaymentConflictError),
)
