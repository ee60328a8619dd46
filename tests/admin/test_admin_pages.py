"""Staff can open every domain's admin pages on a shop with data in every table; the
read-only ones offer no way to add, change or delete."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from domains.cart.interface import cart
from domains.catalog.interface import catalog
from domains.catalog.models import StockLevel
from domains.catalog.tests.factories import line, make_category, make_product
from domains.identity.models import User
from domains.orders.interface import orders
from shared.money import Money

pytestmark = pytest.mark.django_db

DOMAIN_APPS = ("catalog", "cart", "orders", "billing", "notifications")
READ_ONLY = {"Reservation", "PriceHistory", "Cart", "Order", "Payment", "Invoice", "Notification"}


@pytest.fixture
def staff() -> Client:
    user = User.objects.create_superuser("root@example.com", "a-long-passw0rd!")
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def shop(django_capture_on_commit_callbacks: Callable) -> None:
    """One confirmed order and a price change: rows in every table of every domain."""
    tea = make_product(on_hand=10, category=make_category())
    customer_id = uuid.uuid4()
    cart.add_item(customer_id=customer_id, product_id=tea.id, quantity=2)
    with django_capture_on_commit_callbacks(execute=True):
        orders.place_order(customer_id=customer_id, payment_token="tok_visa")
        catalog.change_price(product_id=tea.id, price=Money(amount=Decimal("10.40"), currency="EUR"))
    cart.add_item(customer_id=customer_id, product_id=tea.id, quantity=1)


def registered() -> list[type]:
    return sorted(
        (model for model in admin.site._registry if model._meta.app_label in DOMAIN_APPS), key=lambda m: m._meta.label
    )


@pytest.mark.parametrize("model", registered(), ids=lambda model: model._meta.label)
def test_every_admin_page_opens_for_staff(staff: Client, shop: None, model: type) -> None:
    meta = model._meta
    changelist = staff.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    row = model.objects.first()
    change = staff.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[row.pk]))

    assert (changelist.status_code, change.status_code) == (200, 200)
    assert (b'name="_save"' in change.content) is (meta.object_name not in READ_ONLY)


def test_stock_cannot_be_set_below_what_is_reserved_in_the_admin(staff: Client) -> None:
    tea = make_product(on_hand=10)
    catalog.reserve_stock(order_id=uuid.uuid4(), lines=(line(tea, 3),))

    response = staff.post(reverse("admin:catalog_stocklevel_change", args=[tea.id]), {"on_hand": 2})

    assert response.status_code == 200
    assert b"3 units are reserved for open orders; set at least 3." in response.content
    assert StockLevel.objects.get(product_id=tea.id).on_hand == 10
