"""The probe's handlers: each writes one auth.Group row per effect, so the tests count effects in the database."""

from __future__ import annotations

import functools
import os
import signal
import time
import uuid

from billiard.process import current_process
from django.conf import settings
from django.contrib.auth.models import Group

from shared.bus.subscriptions import Subscription
from tests.reliability.probe.interface import Doomed, Held, Poisoned, Stepped
from tests.reliability.probe.switches import Switches

FAILED_ON_PURPOSE = "Step {stream}/{seq} of run {run} fails on purpose (try {tries} of {fail_times} failing ones)."
POISONED = "Event {token} is poisoned on purpose; cure it, then replay."
NOT_IN_A_POOL = "probe.kill_own_process kills only Celery pool processes; it was called in {process!r}."
HOLD_POLL_SECONDS = 0.02


class FailedOnPurposeError(Exception):
    pass


@functools.cache
def switches() -> Switches:
    return Switches(redis_url=settings.REDIS_URL, prefix=settings.CELERY_KEY_PREFIX)


def effect_prefix(kind: str, *parts: object) -> str:
    """The start of the name of an effect row; tests filter on it."""
    return " ".join([kind, *map(str, parts)]) + " "


def _record(kind: str, *parts: object) -> None:
    # A random tail keeps names unique, so a second effect would show as a second row.
    Group.objects.create(name=effect_prefix(kind, *parts) + uuid.uuid4().hex[:12])


def record_step(event: Stepped) -> None:
    tries = switches().count_try(f"{event.run}:{event.stream}:{event.seq}")
    if tries <= event.fail_times:
        raise FailedOnPurposeError(
            FAILED_ON_PURPOSE.format(
                run=event.run, stream=event.stream, seq=event.seq, tries=tries, fail_times=event.fail_times
            )
        )
    _record("step", event.run, event.stream, event.seq)


def hold_then_record(event: Held) -> None:
    switches().note_run(event.token, os.getpid())
    while switches().is_held(event.token):  # the soft time limit ends a hold nobody releases
        time.sleep(HOLD_POLL_SECONDS)
    _record("held", event.token)


def fail_while_poisoned(event: Poisoned) -> None:
    switches().note_run(event.token, os.getpid())
    if switches().is_poisoned(event.token):
        raise FailedOnPurposeError(POISONED.format(token=event.token))
    _record("cured", event.token)


def kill_own_process(event: Doomed) -> None:
    process = current_process().name
    if not process.startswith("ForkPoolWorker"):  # never the test process or a worker's main process
        raise RuntimeError(NOT_IN_A_POOL.format(process=process))
    switches().note_run(event.token, os.getpid())
    os.kill(os.getpid(), signal.SIGKILL)


SUBSCRIPTIONS = (
    Subscription(id="probe.record_step", event=Stepped, handler=record_step),
    Subscription(id="probe.hold_then_record", event=Held, handler=hold_then_record),
    Subscription(id="probe.fail_while_poisoned", event=Poisoned, handler=fail_while_poisoned),
    Subscription(id="probe.kill_own_process", event=Doomed, handler=kill_own_process),
)
