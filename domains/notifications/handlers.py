"""The notifications' reactions to events. The wiring table is at the bottom."""

from __future__ import annotations

from domains.notifications import messages, services
from domains.notifications.interface import NotificationKind
from domains.orders.interface import OrderCancelled, OrderConfirmed
from shared.bus.subscriptions import Subscription


def send_order_confirmation(event: OrderConfirmed) -> None:
    services.notify(
        customer_id=event.customer_id,
        order_id=event.order_id,
        kind=NotificationKind.ORDER_CONFIRMED,
        compose=lambda name: messages.order_confirmed(event, name=name),
    )


def tell_customer_why_order_was_cancelled(event: OrderCancelled) -> None:
    services.notify(
        customer_id=event.customer_id,
        order_id=event.order_id,
        kind=NotificationKind.ORDER_CANCELLED,
        compose=lambda name: messages.order_cancelled(event, name=name),
    )


SUBSCRIPTIONS = (
    Subscription(id="notifications.send_order_confirmation", event=OrderConfirmed, handler=send_order_confirmation),
    Subscription(
        id="notifications.tell_customer_why_order_was_cancelled",
        event=OrderCancelled,
        handler=tell_customer_why_order_was_cancelled,
    ),
)
