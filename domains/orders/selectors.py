"""Orders reads, returning DTOs (or querysets to the orders' own HTTP layer)."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet

from domains.orders.interface import (
    CancellationReason,
    OrderDTO,
    OrderLineDTO,
    OrderNotFoundError,
    OrderStatus,
)
from domains.orders.models import Order, OrderHistory
from shared.money import Money


def order_dto(order: Order, *, lines: tuple[OrderLineDTO, ...] | None = None) -> OrderDTO:
    """The DTO of an order fetched with `orders()` (lines prefetched), or with its `lines` known already.

    An order's lines never change once it is recorded, so a caller that recorded them need not read them back.
    """
    return OrderDTO(
        id=order.id,
        customer_id=order.customer_id,
        status=OrderStatus(order.status),
        total=order.total,
        lines=lines
        if lines is not None
        else tuple(
            OrderLineDTO(
                product_id=line.product_id,
                sku=line.sku,
                name=line.name,
                unit_price=Money(amount=line.unit_price_amount, currency=order.currency),
                quantity=line.quantity,
                line_total=Money(amount=line.unit_price_amount * line.quantity, currency=order.currency),
            )
            for line in order.lines.all()
        ),
        cancellation_reason=CancellationReason(order.cancellation_reason) if order.cancellation_reason else None,
        placed_at=order.placed_at,
        updated_at=order.updated_at,
    )


def orders() -> QuerySet[Order]:
    return Order.objects.prefetch_related("lines").order_by("-placed_at", "-id")


def get_order(*, order_id: UUID) -> OrderDTO:
    try:
        return order_dto(orders().get(id=order_id))
    except Order.DoesNotExist:
        raise OrderNotFoundError(order_id=order_id) from None


def get_orders(*, order_ids: tuple[UUID, ...]) -> tuple[OrderDTO, ...]:
    return tuple(order_dto(order) for order in orders().filter(id__in=order_ids))


def get_order_of(*, order_id: UUID, customer_id: UUID, is_staff: bool) -> OrderDTO:
    """An order its customer (or staff) may see; anyone else's is reported as not existing."""
    order = get_order(order_id=order_id)
    if order.customer_id != customer_id and not is_staff:
        raise OrderNotFoundError(order_id=order_id)
    return order


def customer_orders(*, customer_id: UUID, status: OrderStatus | None = None) -> QuerySet[Order]:
    """A customer's order history, newest first; optionally one status."""
    return all_orders(customer_id=customer_id, status=status)


def all_orders(*, status: OrderStatus | None = None, customer_id: UUID | None = None) -> QuerySet[Order]:
    """Every order, newest first, for staff; optionally one status or one customer's."""
    found = orders()
    if status is not None:
        found = found.filter(status=status)
    if customer_id is not None:
        found = found.filter(customer_id=customer_id)
    return found


def history(*, order_id: UUID) -> tuple[OrderHistory, ...]:
    return tuple(OrderHistory.objects.filter(order_id=order_id).order_by("at", "id"))
