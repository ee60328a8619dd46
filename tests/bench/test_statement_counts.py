"""What the bus and a checkout ask of the database (bench.statements): counts, not timings, so tests assert them.

Issue #15's bounds: a durable in-process event to one subscriber in at most 4 statements and
2 transactions, at most +2 and +1 for each further subscriber, no savepoint from publish
inside the caller's transaction; a checkout in at most half of the 106 statements it took.
The bus's counts are asserted exactly, so that any statement added shows up here.
"""

from __future__ import annotations

import pytest
from django.conf import settings

from bench.bus_cost import bus_with, count_checkout, count_publish
from shared.bus.models import Delivery, DeliveryStatus

pytestmark = pytest.mark.django_db(transaction=True)

CHECKOUT_STATEMENTS = 53
SEPARATED_CHECKOUT_STATEMENTS = 110
"""With every domain in its own database (DOMAIN_DATABASES=*), as measured when the bus first ran so:
each event crossing databases costs its subscribers' bus a pull after commit (the publisher's
outbox stamped and read, the events and cursors stored in the subscriber's database)."""


@pytest.mark.parametrize("inside", [False, True], ids=["publish-alone", "inside-the-callers-transaction"])
@pytest.mark.parametrize("subscribers", [1, 2, 3])
def test_a_durable_event_to_n_subscribers_costs_two_statements_and_one_more_per_subscriber(
    subscribers: int, inside: bool
) -> None:
    bus = bus_with(subscribers)
    count_publish(bus, inside_transaction=inside)  # the statements are built on first use

    counted = count_publish(bus, inside_transaction=inside)

    # The event and its deliveries (born claimed) in one transaction; then each delivery's completion in its own.
    assert (counted.statements, counted.transactions, counted.savepoints) == (2 + subscribers, 1 + subscribers, 0)
    assert list(Delivery.objects.values_list("status", flat=True).distinct()) == [DeliveryStatus.DONE]


def test_a_checkout_through_the_http_view_takes_at_most_half_the_statements_it_took() -> None:
    counted = count_checkout()

    ceiling = SEPARATED_CHECKOUT_STATEMENTS if settings.DOMAIN_DATABASES else CHECKOUT_STATEMENTS
    assert counted.statements <= ceiling, "\n".join(sql for _, sql in counted.log)
