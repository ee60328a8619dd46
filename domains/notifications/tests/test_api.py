"""Notifications over HTTP: a customer reads what the shop told them, and nothing else."""

from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient

from domains.notifications import services
from domains.notifications.interface import NotificationDTO, NotificationKind
from domains.notifications.messages import Text
from shared.auth.principal import Principal

pytestmark = pytest.mark.django_db

NOTIFICATIONS = "/api/notifications/"


def notify(customer_id: uuid.UUID, subject: str) -> NotificationDTO:
    return services.notify(
        customer_id=customer_id,
        order_id=uuid.uuid4(),
        kind=NotificationKind.ORDER_CONFIRMED,
        compose=lambda name: Text(subject=subject, body=f"Hello {name}"),
    )


def test_a_customer_reads_their_own_notifications_newest_first(customer_client: APIClient, customer: Principal) -> None:
    notify(customer.id, "first")
    notify(customer.id, "second")
    notify(uuid.uuid4(), "someone else's")

    response = customer_client.get(NOTIFICATIONS)

    assert response.status_code == 200
    assert [(n["subject"], n["kind"], n["status"]) for n in response.json()["results"]] == [
        ("second", "order_confirmed", "undeliverable"),
        ("first", "order_confirmed", "undeliverable"),
    ]


def test_a_customer_reads_one_of_their_notifications(customer_client: APIClient, customer: Principal) -> None:
    sent = notify(customer.id, "Your order")

    response = customer_client.get(f"{NOTIFICATIONS}{sent.id}/")

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["subject"], response.json()["body"]) == (
        str(sent.id),
        "Your order",
        "Hello customer",
    )


@pytest.mark.parametrize("notification", ["someone-elses", "unknown"])
def test_another_customers_notification_or_an_unknown_one_is_not_found(
    customer_client: APIClient, notification: str
) -> None:
    notification_id = notify(uuid.uuid4(), "Theirs").id if notification == "someone-elses" else uuid.uuid4()

    response = customer_client.get(f"{NOTIFICATIONS}{notification_id}/")

    assert response.status_code == 404
    assert (response.json()["code"], response.json()["params"]) == (
        "notifications.notification_not_found",
        {"notification_id": str(notification_id)},
    )


@pytest.mark.parametrize("path", [NOTIFICATIONS, f"{NOTIFICATIONS}{uuid.uuid4()}/"], ids=["list", "detail"])
def test_notifications_need_a_signed_in_user(anonymous_client: APIClient, path: str) -> None:
    response = anonymous_client.get(path)

    assert response.status_code in {401, 403}
    assert response.json()["code"] == "auth.not_authenticated"


def test_notifications_cannot_be_written_over_the_api(customer_client: APIClient) -> None:
    response = customer_client.post(NOTIFICATIONS, {"subject": "hi"}, format="json")

    assert (response.status_code, response.json()["code"]) == (405, "request.method_not_allowed")
