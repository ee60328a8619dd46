"""What the customer reads: subject and body of each kind of notification."""

from __future__ import annotations

from dataclasses import dataclass

from domains.orders.interface import OrderCancelled, OrderConfirmed

CONFIRMED_SUBJECT = "Your order {short_id} is confirmed"
CONFIRMED_BODY = """Hello {name},

thank you for your order {order_id}. We received your payment of {total} and are packing:

{lines}

You can follow your order at /api/orders/{order_id}/.
"""
CANCELLED_SUBJECT = "Your order {short_id} was cancelled"
CANCELLED_BODY = """Hello {name},

we could not complete your order {order_id}. {detail}

The products are still in your cart: check out again with another payment method, or
write to us if the problem persists.
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class Text:
    subject: str
    body: str


def order_confirmed(event: OrderConfirmed, *, name: str) -> Text:
    lines = "\n".join(f"  {line.quantity} x {line.name} ({line.sku}) = {line.line_total}" for line in event.lines)
    return Text(
        subject=CONFIRMED_SUBJECT.format(short_id=str(event.order_id)[:8]),
        body=CONFIRMED_BODY.format(name=name, order_id=event.order_id, total=event.total, lines=lines),
    )


def order_cancelled(event: OrderCancelled, *, name: str) -> Text:
    return Text(
        subject=CANCELLED_SUBJECT.format(short_id=str(event.order_id)[:8]),
        body=CANCELLED_BODY.format(name=name, order_id=event.order_id, detail=event.detail),
    )
