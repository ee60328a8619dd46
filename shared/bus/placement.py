"""Where the publishers of the events this process subscribes to run, as the bus sees it.

The placement map is the gateway's (GATEWAY_REMOTE_DOMAINS, domain -> base URL of the
service that runs it; see README "The API gateway"): a domain listed there runs in that
service, every other installed domain here. The bus reads the same setting rather than a
second map, so the routes and the events move together. Domains served at one base URL
share that service's outbox, read as one feed at `<base URL>/internal/events/`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from django.apps import apps
from django.conf import settings

FEED_PATH = "/internal/events/"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class FeedPlacement:
    """Another service's outbox: where to read it and whose events it holds."""

    url: str
    domains: frozenset[str]

    @property
    def name(self) -> str:
        """The feed's name in cursors: its URL (a subscriber that moves to another URL starts over, harmlessly)."""
        return self.url


def remote_domains() -> dict[str, str]:
    """Domains run by another service, with that service's base URL."""
    return dict(getattr(settings, "GATEWAY_REMOTE_DOMAINS", {}))


def runs_here(domain: str) -> bool:
    """True when `domain`'s code runs in this process: its app is installed and no service runs it instead."""
    return domain not in remote_domains() and any(app.label == domain for app in apps.get_app_configs())


def feeds() -> tuple[FeedPlacement, ...]:
    """The other services' feeds, one per base URL, in URL order."""
    by_url: dict[str, set[str]] = {}
    for domain, base_url in remote_domains().items():
        by_url.setdefault(base_url.rstrip("/"), set()).add(domain)
    return tuple(
        FeedPlacement(url=f"{url}{FEED_PATH}", domains=frozenset(domains)) for url, domains in sorted(by_url.items())
    )


def domain_of(name: str) -> str:
    """The domain that owns an event name or a subscriber id ('orders.OrderPlaced' -> 'orders')."""
    return name.split(".", 1)[0]


def feed_for(domain: str, placements: Iterable[FeedPlacement]) -> FeedPlacement | None:
    return next((feed for feed in placements if domain in feed.domains), None)
