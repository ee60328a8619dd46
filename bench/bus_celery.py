"""Events per second end to end: the bus over Celery against raw Celery tasks doing the same work.

    python -m bench.bus_celery [--events 400] [--rounds 3]

Both sides run the catalog's real handler (record_price_change: one PriceHistory row
per event) in the same Celery worker (prefork, two processes), on the same Redis and
the same database, measured round-robin in one run:

  raw Celery   the publisher sends a task carrying the event after its transaction
               commits; the worker decodes it and runs the handler in a transaction.
  bus          the publisher's transaction writes the outbox (event + delivery rows);
               after commit the relay claims the delivery, sends `bus.deliver`, records
               it sent; the worker claims the delivery, runs the handler and completes
               the delivery in one transaction (the inbox).
  bus, one key the same, every event with one ordering key: the per-key ordering
               promise makes them run one after another.

A round times N events from the first publish until the last effect row is visible. The
periodic sweep runs beside them as in a deployment (celery beat's bus.sweep, every
BUS_SWEEP_SECONDS): it resends what the relay could not send at once.
Publish is the publisher's own cost per event (what a request pays). Needs Redis at
REDIS_URL; uses DATABASE_URL (or a throwaway SQLite file, see bench.harness). Its keys
in Redis carry a prefix of their own (modulith-bench-<random>:), deleted at exit.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from functools import partial
from pathlib import Path
from tempfile import mkdtemp

from bench.harness import print_table, setup_django

DATABASE = setup_django()  # Django must be configured before any model is imported.

import redis  # noqa: E402
from celery import Celery, shared_task  # noqa: E402
from django.apps import apps  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from domains.catalog.handlers import record_price_change  # noqa: E402
from domains.catalog.interface import ProductPriceChanged  # noqa: E402
from domains.catalog.models import PriceHistory  # noqa: E402
from shared import wire  # noqa: E402
from shared.bus.bus import Bus  # noqa: E402
from shared.bus.celery_transport import CelerySender, CeleryTransport  # noqa: E402
from shared.bus.subscriptions import Router, discover_subscriptions  # noqa: E402
from shared.bus.worker import create_app  # noqa: E402
from shared.interfaces import registry  # noqa: E402
from shared.money import Money  # noqa: E402

RAW_TASK = "bench.record_price_change"
READY_SECONDS = 60.0
DONE_SECONDS = 300.0
POLL_SECONDS = 0.005
OLD, NEW = Money(amount=Decimal("1.00"), currency="EUR"), Money(amount=Decimal("2.00"), currency="EUR")
WORKER_FAILED = "The benchmark's Celery worker did not become ready in {seconds:g}s; its log:\n{log}"
NOT_DONE = "Only {done} of {events} events were handled within {seconds:g}s; is the worker running?"


# Re-sent after a lost pool process as the bus's own deliveries are (shared.bus.worker), not
# after Celery's default 180 s, which check E020 refuses and the worker would not start with.
@shared_task(name=RAW_TASK, ignore_result=True, default_retry_delay=settings.CELERY_WORKER_LOST_RETRY_SECONDS)
def record_price_change_directly(event: dict[str, object]) -> None:
    """The raw-Celery side: the same handler, called straight from a task."""
    with transaction.atomic():
        record_price_change(wire.from_primitive(event, ProductPriceChanged))


def start_worker(*, prefix: str, log: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "--include", __spec__.name,
        "--loglevel=INFO", "--concurrency=2", "--pool=prefork", "--hostname=bench@localhost",
        "--without-mingle", "--without-gossip", "--without-heartbeat",
    ]  # fmt: skip
    env = {**os.environ, "BUS_TRANSPORT": "celery", "CELERY_KEY_PREFIX": prefix, "LOG_LEVEL": "WARNING"}
    with log.open("wb") as out:
        worker = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + READY_SECONDS
    while "bench@localhost ready." not in log.read_text(errors="replace"):
        if worker.poll() is not None or time.monotonic() > deadline:
            worker.kill()
            raise SystemExit(WORKER_FAILED.format(seconds=READY_SECONDS, log=log.read_text(errors="replace")))
        time.sleep(0.1)
    return worker


def delete_keys(prefix: str) -> int:
    """Delete the keys under `prefix` (this run's queues, bindings, unacknowledged messages), and no other."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    pattern = re.sub(r"([*?\[\]\\])", r"\\\1", prefix) + "*"  # the prefix taken literally
    keys = list(client.scan_iter(match=pattern, count=1000))
    return sum(int(client.delete(*keys[i : i + 1000])) for i in range(0, len(keys), 1000))


def publish_raw(app: Celery, event: ProductPriceChanged) -> None:
    payload = wire.to_primitive(event)
    with transaction.atomic():
        transaction.on_commit(lambda: app.send_task(RAW_TASK, kwargs={"event": payload}, ignore_result=True))


def publish_on_bus(bus: Bus, event: ProductPriceChanged) -> None:
    with transaction.atomic():
        bus.publish(event)


def run_round(publish: Callable[[ProductPriceChanged], None], *, events: int, one_key: bool) -> tuple[float, float]:
    """Seconds from the first publish to the last effect, and seconds spent publishing."""
    shared_key = uuid.uuid4()
    product_ids = [shared_key if one_key else uuid.uuid4() for _ in range(events)]
    start = time.perf_counter()
    for product_id in product_ids:
        publish(ProductPriceChanged(product_id=product_id, old_price=OLD, new_price=NEW))
    published = time.perf_counter()
    effects = PriceHistory.objects.filter(product_id__in=set(product_ids))
    deadline = start + DONE_SECONDS
    while (done := effects.count()) < events:
        if time.perf_counter() > deadline:
            raise SystemExit(NOT_DONE.format(done=done, events=events, seconds=DONE_SECONDS))
        time.sleep(POLL_SECONDS)
    return time.perf_counter() - start, published - start


@contextmanager
def sweeping(bus: Bus) -> Iterator[None]:
    """The periodic sweep a deployment runs beside its workers (celery beat's bus.sweep), every BUS_SWEEP_SECONDS."""
    stop = threading.Event()

    def sweep() -> None:
        try:
            while not stop.wait(settings.BUS_SWEEP_SECONDS):
                bus.sweep(limit=500)
        finally:
            connection.close()

    sweeper = threading.Thread(target=sweep, name="bus-sweep", daemon=True)
    sweeper.start()
    try:
        yield
    finally:
        stop.set()
        sweeper.join(timeout=60)


def measure(*, events: int, rounds: int, app: Celery) -> dict[str, tuple[float, float]]:
    bus = Bus(
        registry=registry,
        router=Router(discover_subscriptions(app_config.name for app_config in apps.get_app_configs())),
        transport=partial(CeleryTransport, sender=CelerySender(app=app)),
    )
    variants: dict[str, tuple[Callable[[ProductPriceChanged], None], bool]] = {
        "raw Celery task": (partial(publish_raw, app), False),
        "bus over Celery": (partial(publish_on_bus, bus), False),
        "bus over Celery, one key": (partial(publish_on_bus, bus), True),
    }
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    with sweeping(bus):
        for publish, one_key in variants.values():  # warm-up: pool processes, connections, caches
            run_round(publish, events=max(10, events // 10), one_key=one_key)
        for _ in range(rounds):
            for name, (publish, one_key) in variants.items():
                samples[name].append(run_round(publish, events=events, one_key=one_key))
    return {
        name: (statistics.median(s[0] for s in runs), statistics.median(s[1] for s in runs))
        for name, runs in samples.items()
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=400, help="Events per round (default 400).")
    parser.add_argument("--rounds", type=int, default=3, help="Rounds per variant; the median is shown (default 3).")
    options = parser.parse_args(argv)
    prefix = f"modulith-bench-{uuid.uuid4().hex[:8]}:"
    app = create_app(key_prefix=prefix, set_as_current=False)
    log = Path(mkdtemp(prefix="modulith-bench-")) / "worker.log"
    try:
        worker = start_worker(prefix=prefix, log=log)
        try:
            results = measure(events=options.events, rounds=options.rounds, app=app)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    finally:
        app.close()
        deleted = delete_keys(prefix)  # after the worker stopped: a warm shutdown writes back what it held
    raw_seconds = results["raw Celery task"][0]
    print_table(
        f"Events end to end over Celery on {DATABASE}, Redis {settings.REDIS_URL} (its {deleted} keys under "
        f"{prefix} deleted), worker: 2 processes ({options.events} events a round, median of {options.rounds})",
        ["variant", "events/s", "publish ms/event", "ratio to raw (throughput)"],
        [
            (
                name,
                f"{options.events / seconds:.0f}",
                f"{publishing * 1000 / options.events:.2f}",
                f"{raw_seconds / seconds:.2f}",
            )
            for name, (seconds, publishing) in results.items()
        ],
    )


if __name__ == "__main__":
    main()
