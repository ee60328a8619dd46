"""Customers are told about their orders: recorded, sent through the configured sender, once."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest

from domains.identity.interface import UserDTO
from domains.notifications.interface import NotificationKind, NotificationStatus, notifications
from domains.notifications.messages import CANCELLED_SUBJECT, CONFIRMED_SUBJECT
from domains.notifications.models import Notification
from domains.notifications.senders import LoggingSender, OutgoingMessage, RecordingSender, current_sender, use_sender
from domains.notifications.tests.conftest import Directory
from domains.orders.interface import CancellationReason, OrderCancelled, OrderConfirmed, OrderLineDTO
from shared.bus.runtime import publish
from shared.money import Money

pytestmark = pytest.mark.django_db

Capture = Callable
PRICE = Money(amount=Decimal("9.90"), currency="EUR")


@pytest.fixture
def ann(directory: Directory) -> UserDTO:
    return directory.register(email="ann@example.com", full_name="Ann Example")


@pytest.fixture
def sender() -> Iterator[RecordingSender]:
    with use_sender(RecordingSender()) as recording:
        yield recording


def confirmed(customer_id: uuid.UUID) -> OrderConfirmed:
    line = OrderLineDTO(
        product_id=uuid.uuid4(),
        sku="TEA-002",
        name="Sencha Uji, 100 g",
        unit_price=PRICE,
        quantity=2,
        line_total=PRICE.times(2),
    )
    return OrderConfirmed(order_id=uuid.uuid4(), customer_id=customer_id, total=PRICE.times(2), lines=(line,))


def test_a_confirmed_order_is_recorded_and_sent_to_the_customer(
    django_capture_on_commit_callbacks: Capture, ann: UserDTO, sender: RecordingSender
) -> None:
    event = confirmed(ann.id)

    with django_capture_on_commit_callbacks(execute=True):
        publish(event)

    (sent,) = notifications.get_notifications(customer_id=ann.id)
    assert (sent.kind, sent.status, sent.recipient, sent.order_id, sent.subject) == (
        NotificationKind.ORDER_CONFIRMED,
        NotificationStatus.SENT,
        "ann@example.com",
        event.order_id,
        CONFIRMED_SUBJECT.format(short_id=str(event.order_id)[:8]),
    )
    assert "Hello Ann Example," in sent.body
    assert "2 x Sencha Uji, 100 g (TEA-002) = 19.80 EUR" in sent.body
    assert sender.sent == [
        OutgoingMessage(id=sent.id, recipient="ann@example.com", subject=sent.subject, body=sent.body)
    ]


def test_a_cancelled_order_tells_the_customer_why(
    django_capture_on_commit_callbacks: Capture, ann: UserDTO, sender: RecordingSender
) -> None:
    order_id = uuid.uuid4()
    detail = "The payment was declined: the card was declined. Nothing was charged."

    with django_capture_on_commit_callbacks(execute=True):
        publish(
            OrderCancelled(
                order_id=order_id, customer_id=ann.id, reason=CancellationReason.PAYMENT_DECLINED, detail=detail
            )
        )

    (sent,) = notifications.get_notifications(customer_id=ann.id)
    assert (sent.kind, sent.subject) == (
        NotificationKind.ORDER_CANCELLED,
        CANCELLED_SUBJECT.format(short_id=str(order_id)[:8]),
    )
    assert detail in sent.body
    assert [message.id for message in sender.sent] == [sent.id]


def test_the_same_order_is_notified_once_however_often_its_event_arrives(
    django_capture_on_commit_callbacks: Capture, ann: UserDTO, sender: RecordingSender
) -> None:
    event = confirmed(ann.id)

    with django_capture_on_commit_callbacks(execute=True):
        publish(event)
        publish(event)

    assert Notification.objects.filter(order_id=event.order_id).count() == 1
    assert len(sender.sent) == 1


def test_a_customer_identity_does_not_know_is_recorded_as_undeliverable_and_not_sent(
    django_capture_on_commit_callbacks: Capture, sender: RecordingSender
) -> None:
    stranger = uuid.uuid4()

    with django_capture_on_commit_callbacks(execute=True):
        publish(confirmed(stranger))

    (recorded,) = notifications.get_notifications(customer_id=stranger)
    assert (recorded.status, recorded.recipient, recorded.sent_at) == (NotificationStatus.UNDELIVERABLE, "", None)
    assert sender.sent == []


def test_a_sender_that_fails_leaves_no_record_so_the_bus_retries_both(
    django_capture_on_commit_callbacks: Capture, ann: UserDTO
) -> None:
    class BrokenSender:
        def send(self, *, message: OutgoingMessage) -> None:
            raise ConnectionError("smtp server down")

    with use_sender(BrokenSender()), django_capture_on_commit_callbacks(execute=True):
        publish(confirmed(ann.id))

    assert Notification.objects.count() == 0


def test_the_default_sender_logs_each_message(caplog: pytest.LogCaptureFixture) -> None:
    message = OutgoingMessage(id=uuid.uuid4(), recipient="ann@example.com", subject="Your order", body="...")

    with caplog.at_level(logging.INFO, logger="domains.notifications.senders"):
        LoggingSender().send(message=message)

    assert caplog.messages == ["notifications.sent to=ann@example.com subject='Your order'"]
    assert isinstance(current_sender(), LoggingSender)
