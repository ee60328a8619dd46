"""The kernel's costs: a call through an interface proxy, and an event through the bus.

    python -m bench.kernel

Table 1 compares a call through the proxy with the same call made directly, for a
trivial operation (the proxy's own cost, with metrics off and on: the cost of counting
and timing every call, whose goal is under 1.5 µs) and for a real catalog read (what
the proxy adds to work that touches the database; metrics on, the default). Table 2 compares delivering one event to N
subscribers through the bus, without the outbox (route, JSON round trip, call) and
with it (publish in a transaction, commit, claim and complete each delivery), against
django.dispatch.Signal.send to N receivers.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Protocol

from bench.harness import interleaved, print_table, ratio_rows, setup_django

DATABASE = setup_django()  # Django must be configured before any model is imported.

from django.dispatch import Signal  # noqa: E402

from domains.catalog.interface import catalog  # noqa: E402
from domains.catalog.services import CatalogService, create_product  # noqa: E402
from shared import wire  # noqa: E402
from shared.bus.bus import Bus  # noqa: E402
from shared.bus.subscriptions import Router, Subscription  # noqa: E402
from shared.events import event, event_meta  # noqa: E402
from shared.interfaces import Interface, Registry, observation  # noqa: E402
from shared.money import Money  # noqa: E402

SUBSCRIBER_COUNTS = (1, 10, 50)


class CounterApi(Protocol):
    def increment(self, *, by: int) -> int: ...


class Counter:
    def __init__(self) -> None:
        self.value = 0

    def increment(self, *, by: int) -> int:
        self.value += by
        return self.value


def proxy_table() -> None:
    counter, proxy, measured = Counter(), Interface("counter", CounterApi), Interface("measured", CounterApi)
    observation.disable()
    Registry().bind(proxy, counter)  # bound as with METRICS_ENABLED=false
    observation.enable()
    Registry().bind(measured, counter)  # every call counted and timed (shared.interfaces.observation)
    price = Money(amount=Decimal(1), currency="EUR")
    product = create_product(sku=f"BENCH-{uuid.uuid4().hex[:8]}", name="Bench", description="", price=price)
    service = CatalogService()

    trivial = interleaved(
        {
            "direct": lambda: counter.increment(by=1),
            "proxy": lambda: proxy.increment(by=1),
            "measured": lambda: measured.increment(by=1),
        },
        calls=200_000,
    )
    read = interleaved(
        {
            "direct": lambda: service.get_product(product_id=product.id),
            "proxy": lambda: catalog.get_product(product_id=product.id),
        },
        calls=500,
    )
    print_table(
        "Interface call: through the proxy vs direct (median of 7 interleaved rounds)",
        ("call", "ns/call", "ratio"),
        ratio_rows(
            trivial,
            labels={
                "direct": "Counter.increment, direct",
                "proxy": "counter.increment, proxy, metrics off",
                "measured": "counter.increment, proxy, metrics on (goal: < 1500 ns)",
            },
            baseline="direct",
            unit=1e-9,
        )
        + ratio_rows(
            read,
            labels={"direct": "CatalogService.get_product, direct", "proxy": "catalog.get_product, proxy"},
            baseline="direct",
            unit=1e-9,
        ),
    )


@event("bench.Ticked", version=1)
class Ticked:
    tick_id: uuid.UUID
    amount: Decimal


class BenchApi(Protocol):
    def noop(self) -> None: ...


def bus_variants(n: int, registry: Registry) -> dict[str, Callable[[], object]]:
    """Deliver one Ticked to n subscribers: by Signal, by the bus in memory, by the bus with its outbox."""
    received: list[object] = []
    sample = Ticked(tick_id=uuid.uuid4(), amount=Decimal("9.99"))

    def handler(event: object) -> None:
        received.append(event)

    def make_receiver() -> Callable[..., None]:
        def receiver(sender: object, **kwargs: object) -> None:
            received.append(kwargs["event"])

        return receiver

    signal = Signal()
    for _ in range(n):  # distinct callables: Signal ignores a receiver connected twice
        signal.connect(make_receiver(), weak=False)
    router = Router(Subscription(id=f"bench.s{i}", event=Ticked, handler=handler) for i in range(n))
    bus = Bus(registry=registry, router=router)
    meta = event_meta(Ticked)

    def in_memory() -> None:
        payload = wire.to_primitive(sample)
        for subscription in router.for_event(meta):
            subscription.handler(wire.from_primitive(payload, Ticked))

    return {
        "signal": lambda: signal.send(sender=None, event=sample),
        "memory": in_memory,
        "outbox": lambda: bus.publish(sample),
    }


def bus_table() -> None:
    registry = Registry()
    registry.register(Interface("bench", BenchApi, events=(Ticked,)))
    rows: list[tuple[object, ...]] = []
    for n in SUBSCRIBER_COUNTS:
        results = interleaved(bus_variants(n, registry), calls=max(20, 400 // n), rounds=5)
        labels = {
            "signal": "Signal.send to N receivers",
            "memory": "bus, no outbox (route, JSON, call)",
            "outbox": "bus with outbox (publish, commit, deliver)",
        }
        rows += ratio_rows(results, labels=labels, baseline="signal", unit=1e-6, extra=(n,))
    print_table(
        "One event to N subscribers: bus vs django.dispatch.Signal (median of 5 interleaved rounds)",
        ("delivery", "N", "µs/event", "ratio"),
        rows,
    )


def main() -> None:
    print(f"Kernel benchmarks on {DATABASE}")
    proxy_table()
    bus_table()


if __name__ == "__main__":
    main()
