"""Events over Celery: a real worker runs the same handlers; a rollback sends nothing; poison ends dead, replayable."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domains.catalog.interface import catalog
from domains.catalog.models import PriceHistory
from shared.bus.bus import Bus
from shared.bus.models import Delivery, DeliveryStatus, StoredEvent
from shared.db import database_for
from shared.money import Money
from tests.kernel.test_bus_publishing import Boom, publish_then_fail
from tests.reliability.conftest import BUS_SETTINGS, CELERY_TESTS, CelerySession, bus_command, effects, settled
from tests.reliability.probe.handlers import POISONED, effect_prefix
from tests.reliability.probe.interface import Poisoned, Stepped
from tests.reliability.processes import wait_until

pytestmark = CELERY_TESTS

HANDLED_SECONDS = 30.0


def test_a_committed_domain_event_is_handled_in_the_worker_by_the_domains_own_handler(celery_bus: Bus) -> None:
    product = catalog.create_product(
        sku="CELERY-1", name="Kettle", description="", price=Money(amount=Decimal("20.00"), currency="EUR")
    )

    catalog.change_price(product_id=product.id, price=Money(amount=Decimal("24.50"), currency="EUR"))

    history = PriceHistory.objects.filter(product_id=product.id)
    wait_until(history.exists, timeout=HANDLED_SECONDS, what="the worker to record the price change")
    assert list(history.values_list("old_amount", "new_amount", "currency")) == [
        (Decimal("20.00"), Decimal("24.50"), "EUR")
    ]
    delivery = Delivery.objects.using(database_for("catalog")).get(subscriber="catalog.record_price_change")
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.DONE, 1, "")


def test_an_event_rolled_back_with_its_transaction_is_never_handled(
    celery_bus: Bus, celery_session: CelerySession, token: str
) -> None:
    with pytest.raises(Boom):
        publish_then_fail(celery_bus, Stepped(run=token, stream="s", seq=1))
    # A later event on the same stream: once the worker handled it, it had every chance to see the first.
    celery_bus.publish(Stepped(run=token, stream="s", seq=2))

    wait_until(
        lambda: effects(effect_prefix("step", token, "s", 2)), timeout=HANDLED_SECONDS, what="the committed event"
    )
    assert effects(effect_prefix("step", token)) == 1
    assert list(StoredEvent.objects.values_list("payload__seq", flat=True)) == [2]
    assert celery_session.queue_length("celery") == 0


def test_a_poison_event_ends_dead_after_the_configured_attempts_visible_and_replayable(
    celery_bus: Bus, celery_session: CelerySession, token: str
) -> None:
    switches = celery_session.switches
    switches.poison(token)
    delivery = Delivery.objects.get(event_id=celery_bus.publish(Poisoned(token=token)))

    def dead() -> bool:
        celery_bus.transport.sweep(limit=100)  # what celery beat does every BUS_SWEEP_SECONDS: send due retries
        delivery.refresh_from_db()
        return delivery.status == DeliveryStatus.DEAD

    wait_until(dead, timeout=HANDLED_SECONDS, what="the poison event to be dead-lettered")
    assert delivery.attempts == BUS_SETTINGS.max_attempts
    assert delivery.last_error.strip().splitlines()[-1] == (
        "tests.reliability.probe.handlers.FailedOnPurposeError: " + POISONED.format(token=token)
    )
    assert len(switches.runs(token)) == BUS_SETTINGS.max_attempts
    assert effects(effect_prefix("cured", token)) == 0

    stats = bus_command("stats").splitlines()
    assert [line.split() for line in stats if line.startswith("probe.fail_while_poisoned")] == [
        ["probe.fail_while_poisoned", "0", "0", "0", "1", "0", "-"]
    ]
    assert str(delivery.id) in bus_command("list", "--status", "dead")

    switches.cure(token)  # the operator fixed the cause
    # The command reads the status back after sending: a worker may have taken the delivery, or done it, by then.
    assert bus_command("replay", str(delivery.id)) in {
        f"Replayed 1 deliveries.\n  {delivery.id}: {status}\n" for status in ("pending", "processing", "done")
    }

    wait_until(lambda: effects(effect_prefix("cured", token)), timeout=HANDLED_SECONDS, what="the replayed delivery")
    assert settled(delivery, DeliveryStatus.DONE).attempts == 1
    assert len(switches.runs(token)) == BUS_SETTINGS.max_attempts + 1
    assert effects(effect_prefix("cured", token)) == 1
