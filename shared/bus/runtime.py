"""This process's buses, built on first use from the installed apps' handlers.

Built lazily (not in AppConfig.ready) because it needs every domain's interface bound
first, and domains become ready in INSTALLED_APPS order.

One bus per database alias in use (`bus_for(alias)`; `default_bus()` is "default"'s, and
the others are its siblings, wired the same: shared.bus.bus.Bus.on). `publish` writes to
the publishing domain's database; whatever reads the bus's tables asks for every alias
(`database_aliases()`), or says which one it acts on.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.apps import apps
from django.conf import settings
from django.utils.module_loading import import_string

from shared.bus.bus import Bus
from shared.bus.nudge import NudgeListener, Nudger
from shared.bus.placement import feeds
from shared.bus.subscriptions import Router, discover_subscriptions
from shared.db import database_aliases
from shared.interfaces import registry

TRANSPORTS = {
    "inprocess": "shared.bus.transport.InProcessTransport",
    "celery": "shared.bus.celery_transport.CeleryTransport",
}
UNKNOWN_TRANSPORT = "BUS_TRANSPORT={value!r} is not a transport. Choose one of: {choices}."
UNKNOWN_DATABASE = "{alias!r} is no database alias of this shop. Name one of: {aliases}."

_bus: Bus | None = None


def build_bus() -> Bus:
    """A bus wired from the installed apps' SUBSCRIPTIONS and the BUS_TRANSPORT setting."""
    if settings.BUS_TRANSPORT not in TRANSPORTS:
        raise ValueError(UNKNOWN_TRANSPORT.format(value=settings.BUS_TRANSPORT, choices=", ".join(TRANSPORTS)))
    subscriptions = discover_subscriptions(app.name for app in apps.get_app_configs())
    return Bus(
        registry=registry,
        router=Router(subscriptions),
        transport=import_string(TRANSPORTS[settings.BUS_TRANSPORT]),
        nudger=Nudger(redis_url=settings.BUS_NUDGE_REDIS_URL, prefix=settings.CELERY_KEY_PREFIX)
        if settings.BUS_NUDGE_REDIS_URL
        else None,
    )


def nudge_listener() -> NudgeListener | None:
    """What `bus work` waits on between sweeps: nudges about the feeds this process pulls (None without nudges)."""
    domains = [domain for placement in feeds() for domain in placement.domains]
    if not settings.BUS_NUDGE_REDIS_URL or not domains:
        return None
    return NudgeListener(redis_url=settings.BUS_NUDGE_REDIS_URL, prefix=settings.CELERY_KEY_PREFIX, domains=domains)


def default_bus() -> Bus:
    global _bus
    if _bus is None:
        _bus = build_bus()
    return _bus


@contextmanager
def use_bus(bus: Bus) -> Iterator[Bus]:
    """Make `bus` this process's bus for a block (tests wiring their own subscriptions)."""
    global _bus
    previous, _bus = _bus, bus
    try:
        yield bus
    finally:
        _bus = previous


def bus_for(alias: str) -> Bus:
    """The bus of database `alias` (raises ValueError, naming the aliases, for one this shop does not have)."""
    if alias not in database_aliases():
        raise ValueError(UNKNOWN_DATABASE.format(alias=alias, aliases=", ".join(database_aliases())))
    return default_bus().on(alias)


def sweep_every_database(*, limit: int) -> dict[str, int]:
    """One sweep of every database's bus (pull the feeds, retry, take back, resend); counts summed."""
    return default_bus().sweep_every_database(limit=limit)


def publish(event: object) -> uuid.UUID:
    """Publish on the publishing domain's database's bus; see Bus.publish."""
    return default_bus().publish(event)
