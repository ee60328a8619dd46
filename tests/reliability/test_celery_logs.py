"""A real worker logs through the project's lines: each task under its event's correlation id, task and domain."""

from __future__ import annotations

import re

from shared.bus.bus import Bus
from shared.bus.models import Delivery, DeliveryStatus
from shared.correlation import correlation_scope
from tests.reliability.conftest import CELERY_TESTS, CelerySession
from tests.reliability.probe.interface import Poisoned
from tests.reliability.processes import Worker, wait_until

pytestmark = CELERY_TESTS

LOGGED_SECONDS = 30.0


def test_a_failed_delivery_in_a_worker_is_logged_with_its_correlation_id_domain_and_task(
    celery_bus: Bus, celery_session: CelerySession, session_worker: Worker, token: str
) -> None:
    celery_session.switches.poison(token)
    with correlation_scope(f"req-{token}"):
        delivery = Delivery.objects.get(event_id=celery_bus.publish(Poisoned(token=token)))

    def failed_line() -> str:
        lines = session_worker.log.read_text(errors="replace").splitlines()
        return next((line for line in lines if f" delivery_id={delivery.id} " in f"{line} "), "")

    line = wait_until(failed_line, timeout=LOGGED_SECONDS, what="the worker to log the failed attempt")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
    # date time LEVEL [correlation id] logger message, then domain, task, task id, and the extra fields
    assert re.fullmatch(
        rf"\S+ \S+ WARNING \[req-{token}\] shared\.bus\.delivery bus\.delivery\.failed domain=probe "
        rf"task=bus\.deliver task_id=[0-9a-f-]{{36}} attempt=1 delivery_id={delivery.id} "
        rf"event_id={delivery.event_id} subscriber=probe\.fail_while_poisoned",
        line,
    ), line
