"""Crashes: killed workers and pool processes, a handler killing its own, a relay dying mid-send, Redis down or stuck.

Recovery times are measured from the kill and asserted against what the configuration
promises (shared.bus.worker.recovery_bounds, for the timings the test workers run with), plus
a small allowance for starting the handler; the measured figure is logged.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from django.db.models import Q
from rest_framework.test import APIClient

from domains.catalog.interface import catalog
from domains.catalog.models import PriceHistory
from shared.bus.bus import Bus
from shared.bus.celery_transport import CelerySender
from shared.bus.delivery import WORKER_LOST
from shared.bus.models import Delivery, DeliveryStatus
from shared.bus.runtime import use_bus
from shared.bus.worker import create_app, recovery_bounds
from shared.db import database_for
from shared.money import Money
from tests.reliability.conftest import (
    BUS_SETTINGS,
    CELERY_TESTS,
    CelerySession,
    bus_command,
    effects,
    probe_bus,
    settled,
)
from tests.reliability.probe import settings as worker_settings
from tests.reliability.probe.handlers import effect_prefix
from tests.reliability.probe.interface import Doomed, Held, Stepped
from tests.reliability.probe.switches import Switches
from tests.reliability.processes import RedisServer, Worker, free_port, start_worker, wait_until

pytestmark = CELERY_TESTS

logger = logging.getLogger(__name__)

BOUNDS = recovery_bounds(worker_settings)
HANDLER_ALLOWANCE = 3.0
"""Seconds, beyond a recovery bound, for a worker to pick the message up and run the handler."""
RECOVERED_TOO_LATE = "Handled again {seconds:.1f}s after the kill: later than the bound of {bound:g}s + {allowance:g}s."
STARTED_SECONDS = 30.0
REDIS_BACK_SECONDS = 60.0


class RelayCrashedError(BaseException):
    """The relay's process died: nothing after this point of the relay runs (not even its except clauses)."""


class CrashAfterSend:
    """A relay that dies right after the broker took its message, before it records the row sent."""

    def __init__(self, sender: CelerySender) -> None:
        self._sender = sender

    def send(self, delivery_id: int, *, database: str = "default") -> None:
        self._sender.send(delivery_id, database=database)
        raise RelayCrashedError


@pytest.fixture
def own_workers(celery_session: CelerySession) -> Iterator[Callable[..., Worker]]:
    """Start workers that only this test uses (and may kill); whatever is left is stopped afterwards."""
    started: list[Worker] = []

    def start(**options: object) -> Worker:
        options.setdefault("env", celery_session.worker_env())
        worker = start_worker(log_dir=celery_session.log_dir, **options)  # type: ignore[arg-type]
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def held_delivery(bus: Bus, switches_hold: Callable[[str], None], token: str) -> Delivery:
    switches_hold(token)
    return Delivery.objects.get(event_id=bus.publish(Held(token=token)))


def assert_taken_back_and_handled_once(delivery: Delivery, celery_session: CelerySession, token: str) -> None:
    """The killed attempt counted, its writes gone; the second attempt ran in another process and is the only effect."""
    assert settled(delivery, DeliveryStatus.DONE).attempts == 2
    assert delivery.last_error == WORKER_LOST.format(attempt=1)
    first_run, second_run = celery_session.switches.runs(token)
    assert second_run != first_run
    assert effects(effect_prefix("held", token)) == 1


def test_a_worker_killed_mid_handler_is_replaced_and_its_event_handled_once_within_the_recovery_bound(
    celery_session: CelerySession, own_workers: Callable[..., Worker], token: str
) -> None:
    queue = f"kill-worker-{token}"
    victim = own_workers(queues=queue, concurrency=1)
    bus = probe_bus(sender=CelerySender(app=celery_session.app, queue=queue))
    switches = celery_session.switches
    delivery = held_delivery(bus, switches.hold, token)
    wait_until(lambda: switches.runs(token), timeout=STARTED_SECONDS, what="the handler to start")

    killed_at = time.monotonic()
    victim.kill()
    switches.release(token)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PROCESSING, 1)
    assert effects(effect_prefix("held", token)) == 0  # the killed attempt's writes rolled back with its connection

    replacement = own_workers(queues=queue, concurrency=1)
    ready_after = time.monotonic() - killed_at
    # The promise holds while some worker runs; this one started only after the kill, so
    # the message comes back within one restore interval of its start if that is later.
    bound = max(BOUNDS.whole_worker_lost, ready_after + worker_settings.CELERY_UNACKED_RESTORE_INTERVAL)
    wait_until(
        lambda: effects(effect_prefix("held", token)),
        timeout=killed_at + bound + HANDLER_ALLOWANCE - time.monotonic(),
        what=f"the new worker to handle the event ({bound:g}s after the kill + {HANDLER_ALLOWANCE:g}s)",
        details=replacement.log_tail,
    )
    recovered_after = time.monotonic() - killed_at
    logger.info(
        "whole worker killed: handled again after %.1fs (bound %.1fs; replacement ready after %.1fs)",
        recovered_after,
        bound,
        ready_after,
    )

    assert recovered_after <= bound + HANDLER_ALLOWANCE, RECOVERED_TOO_LATE.format(
        seconds=recovered_after, bound=bound, allowance=HANDLER_ALLOWANCE
    )
    assert_taken_back_and_handled_once(delivery, celery_session, token)


def test_a_pool_process_killed_mid_handler_is_replaced_and_its_event_handled_once_within_the_recovery_bound(
    celery_bus: Bus, celery_session: CelerySession, session_worker: Worker, token: str
) -> None:
    switches = celery_session.switches
    delivery = held_delivery(celery_bus, switches.hold, token)
    [pid] = wait_until(lambda: switches.runs(token), timeout=STARTED_SECONDS, what="the handler to start")
    assert pid != session_worker.process.pid  # a pool process, not the worker itself

    os.kill(pid, signal.SIGKILL)
    killed_at = time.monotonic()
    switches.release(token)

    wait_until(
        lambda: effects(effect_prefix("held", token)),
        timeout=BOUNDS.pool_process_lost + HANDLER_ALLOWANCE,
        what=f"the worker to run the task again (bound: {BOUNDS.pool_process_lost:g}s)",
        details=session_worker.log_tail,
    )
    logger.info("pool process killed: handled again after %.1fs", time.monotonic() - killed_at)

    assert_taken_back_and_handled_once(delivery, celery_session, token)
    assert switches.runs(token)[0] == pid
    assert session_worker.process.poll() is None  # the worker itself lived on


def test_a_handler_that_kills_its_pool_process_every_time_ends_dead_after_the_cap_and_the_worker_lives_on(
    celery_bus: Bus, celery_session: CelerySession, session_worker: Worker, token: str
) -> None:
    cap = BUS_SETTINGS.max_attempts  # also the deliver task's max_retries, so Celery stops re-sending there too
    delivery = Delivery.objects.get(event_id=celery_bus.publish(Doomed(token=token)))

    def dead() -> bool:
        delivery.refresh_from_db()
        return delivery.status == DeliveryStatus.DEAD

    wait_until(
        dead,
        timeout=cap * (BOUNDS.pool_process_lost + HANDLER_ALLOWANCE) + STARTED_SECONDS,
        what=f"the delivery to end dead after {cap} lost pool processes",
        details=session_worker.log_tail,
    )
    # No message loop: no copy is left anywhere, queued, reserved or held for a countdown.
    wait_until(
        lambda: (celery_session.queue_length("celery"), celery_session.unacknowledged()) == (0, 0),
        timeout=STARTED_SECONDS,
        what="the last message to be acknowledged",
        details=session_worker.log_tail,
    )

    assert (delivery.attempts, delivery.relay_attempts) == (cap, 1)  # Celery re-sent it; the relay sent it once
    assert delivery.last_error == WORKER_LOST.format(attempt=cap)
    killed = celery_session.switches.runs(token)
    assert len(killed) == len(set(killed)) == cap  # one pool process per attempt
    assert session_worker.process.pid not in killed
    listed = bus_command("list", "--status", "dead", "--subscriber", "probe.kill_own_process").splitlines()[1:]
    assert [line.split()[:5] for line in listed] == [
        [str(delivery.id), "dead", str(cap), "probe.kill_own_process", "probe.Doomed.v1"]
    ]

    celery_bus.publish(Stepped(run=token, stream="s", seq=1))

    wait_until(
        lambda: effects(effect_prefix("step", token)),
        timeout=STARTED_SECONDS,
        what="the same worker to handle the next event",
        details=session_worker.log_tail,
    )
    assert session_worker.process.poll() is None
    assert celery_session.switches.runs(token) == killed  # the doomed handler never ran again
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DEAD, cap)


class Refuse:
    """A broker that refuses every message: the relay releases the delivery at once, owed a message."""

    def send(self, delivery_id: int) -> None:
        raise ConnectionRefusedError("refused on purpose")


def test_a_relay_that_dies_between_sending_and_recording_causes_a_duplicate_that_the_inbox_absorbs(
    celery_session: CelerySession, session_worker: Worker, token: str
) -> None:
    """The sweep's path: the claim holds for BUS_RELAY_LEASE_SECONDS, then another relay sends again."""
    queue = f"relay-crash-{token}"  # nobody consumes it yet: both messages wait there
    sender = CelerySender(app=celery_session.app, queue=queue)
    probe_bus(sender=Refuse()).publish(Stepped(run=token, stream="s", seq=1))
    delivery = Delivery.objects.get(subscriber="probe.record_step")
    released = (delivery.relay_attempts, delivery.relay_lease_expires_at, celery_session.queue_length(queue))
    assert released == (1, None, 0)

    with pytest.raises(RelayCrashedError):
        probe_bus(sender=CrashAfterSend(sender)).transport.sweep(limit=10)
    delivery.refresh_from_db()
    assert (delivery.relay_attempts, celery_session.queue_length(queue)) == (2, 1)

    _another_relay_sends_again_and_the_inbox_absorbs_the_duplicate(
        celery_session,
        session_worker,
        queue=queue,
        delivery=delivery,
        timeout=worker_settings.BUS_RELAY_LEASE_SECONDS + STARTED_SECONDS,
    )
    assert effects(effect_prefix("step", token)) == 1


def test_a_publisher_that_dies_right_after_sending_causes_a_duplicate_once_the_resend_window_passes(
    celery_session: CelerySession, session_worker: Worker, token: str
) -> None:
    """The publisher's path: its deliveries are born claimed (token 1) and trusted for BUS_RELAY_RESEND_SECONDS.

    Nothing is recorded after a successful send, so a publisher that dies after commit,
    sent or not, leaves rows that the sweep takes back once the resend window has passed.
    The window is short here (the relay lease's) to keep the test quick.
    """
    queue = f"publisher-crash-{token}"
    sender = CelerySender(app=celery_session.app, queue=queue)
    short_resend = dataclasses.replace(BUS_SETTINGS, relay_resend_seconds=worker_settings.BUS_RELAY_LEASE_SECONDS)
    with pytest.raises(RelayCrashedError):
        probe_bus(sender=CrashAfterSend(sender), bus_settings=lambda: short_resend).publish(
            Stepped(run=token, stream="s", seq=1)
        )
    delivery = Delivery.objects.get(subscriber="probe.record_step")
    assert (delivery.relay_attempts, celery_session.queue_length(queue)) == (1, 1)

    _another_relay_sends_again_and_the_inbox_absorbs_the_duplicate(
        celery_session,
        session_worker,
        queue=queue,
        delivery=delivery,
        timeout=short_resend.relay_resend_seconds + STARTED_SECONDS,
    )
    assert effects(effect_prefix("step", token)) == 1


def _another_relay_sends_again_and_the_inbox_absorbs_the_duplicate(
    celery_session: CelerySession, worker: Worker, *, queue: str, delivery: Delivery, timeout: float
) -> None:
    """Sweep until another relay sends the delivery again, then let `worker` take both messages."""
    sender = CelerySender(app=celery_session.app, queue=queue)
    relay_attempts = delivery.relay_attempts
    other_relay = probe_bus(sender=sender).transport
    wait_until(
        lambda: other_relay.sweep(limit=10)["sent"],
        timeout=timeout,
        what="another relay to take over once the dead relay's claim ran out",
    )
    assert celery_session.queue_length(queue) == 2  # the same delivery, twice

    celery_session.app.control.add_consumer(queue, destination=[worker.hostname], reply=True, timeout=10)
    try:
        wait_until(
            lambda: celery_session.queue_length(queue) == 0 and celery_session.unacknowledged() == 0,
            timeout=STARTED_SECONDS,
            what="the worker to take and acknowledge both messages",
            details=worker.log_tail,
        )
    finally:
        celery_session.app.control.cancel_consumer(queue, destination=[worker.hostname], reply=True, timeout=10)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.relay_attempts) == (DeliveryStatus.DONE, 1, relay_attempts + 1)


@dataclasses.dataclass(frozen=True)
class Outage:
    begin: Callable[[RedisServer], None]
    end: Callable[[RedisServer], None]


OUTAGES = [
    pytest.param(Outage(begin=RedisServer.stop, end=RedisServer.start), id="redis-stopped"),
    pytest.param(Outage(begin=RedisServer.freeze, end=RedisServer.resume), id="redis-frozen"),
]


@pytest.mark.parametrize("outage", OUTAGES)
def test_with_redis_down_a_request_that_publishes_still_succeeds_and_its_event_is_delivered_once_redis_is_back(
    celery_session: CelerySession,
    own_workers: Callable[..., Worker],
    staff_client: APIClient,
    tmp_path: Path,
    outage: Outage,
) -> None:
    redis_server = RedisServer(port=free_port(), directory=tmp_path)
    redis_server.start()
    try:
        app = create_app(broker_url=redis_server.url, key_prefix=celery_session.prefix, set_as_current=False)
        with use_bus(probe_bus(sender=CelerySender(app=app))):
            product = catalog.create_product(
                sku="OUTAGE-1", name="Lamp", description="", price=Money(amount=Decimal("10.00"), currency="EUR")
            )
            outage.begin(redis_server)

            started = time.monotonic()
            response = staff_client.put(
                f"/api/catalog/products/{product.id}/price/", {"amount": "12.00", "currency": "EUR"}, format="json"
            )
            logger.info("Redis down: the request was answered after %.2fs", time.monotonic() - started)

        assert (response.status_code, response.json()["price"]) == (200, {"amount": "12.00", "currency": "EUR"})
        delivery = Delivery.objects.using(database_for("catalog")).get(subscriber="catalog.record_price_change")
        assert (delivery.status, delivery.relay_attempts, delivery.relay_lease_expires_at) == ("pending", 1, None)
        assert not PriceHistory.objects.exists()

        outage.end(redis_server)
        # Only now a worker, which also runs celery beat, whose periodic sweep sends the event.
        # Not through the outage: one holding a message when Redis went away would exit
        # (see the xfail test below), and beat keeps a worker holding sweeps.
        worker = own_workers(env=celery_session.worker_env(redis_url=redis_server.url), beat=True)
        history = PriceHistory.objects.filter(product_id=product.id)
        wait_until(
            history.exists,
            timeout=REDIS_BACK_SECONDS,
            what="beat's sweep to send the delivery once Redis is back",
            details=worker.log_tail,
        )
    finally:
        redis_server.stop()

    assert list(history.values_list("old_amount", "new_amount")) == [(Decimal("10.00"), Decimal("12.00"))]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DONE, 1)
    assert not Delivery.objects.filter(~Q(status=DeliveryStatus.DONE)).exists()


WORKER_EXITED = "The worker exited instead of reconnecting.\n{log}"


@pytest.mark.xfail(
    strict=True,
    reason=(
        "Celery 5.7 / kombu 5.7: on connection loss the worker closes the channel twice; the second close "
        "restores unacked messages through a transport already closed and dies with AttributeError "
        "('NoneType' object has no attribute 'hostname'). Run workers under a supervisor that restarts them."
    ),
)
def test_a_worker_holding_a_message_when_redis_stops_reconnects_once_redis_is_back(
    celery_session: CelerySession, own_workers: Callable[..., Worker], tmp_path: Path, token: str
) -> None:
    redis_server = RedisServer(port=free_port(), directory=tmp_path)
    redis_server.start()
    try:
        worker = own_workers(env=celery_session.worker_env(redis_url=redis_server.url))
        app = create_app(broker_url=redis_server.url, key_prefix=celery_session.prefix, set_as_current=False)
        switches = Switches(redis_url=redis_server.url, prefix=celery_session.prefix)  # the worker's Redis
        held_delivery(probe_bus(sender=CelerySender(app=app)), switches.hold, token)
        wait_until(lambda: switches.runs(token), timeout=STARTED_SECONDS, what="the handler to start")

        redis_server.stop()
        redis_server.start()

        def reconnected() -> bool:
            assert worker.process.poll() is None, WORKER_EXITED.format(log=worker.log_tail())
            return worker.log.read_text(errors="replace").count("Connected to redis://") >= 2

        wait_until(reconnected, timeout=REDIS_BACK_SECONDS, what="the worker to reconnect", details=worker.log_tail)
    finally:
        redis_server.stop()
