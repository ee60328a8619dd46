"""Where the publishers of the events this process subscribes to run, as the bus sees it.

The placement map is the deployment's (DOMAIN_PLACEMENT, shared.placement): a domain placed
at a base URL runs in that service, every other installed domain here. The bus reads the
same map as the binder and the gateway, so routes, calls and events move together.
Each remote domain's events are read as a feed of their own, at
`<base URL>/internal/events/<domain>/` (of several instances, the first URL): the service
may keep each of its domains in a database of its own (DOMAIN_DATABASES), and positions
are numbered per database, so one cursor cannot span two domains. A domain placed in the
service registry has no fixed feed URL yet, so the bus pulls no feed for it.
GATEWAY_REMOTE_DOMAINS, when a test sets it, adds domains the placement map cannot name
(test-only interfaces).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from django.apps import apps
from django.conf import settings

from shared.placement import AtUrls, current_placement

FEED_PATH = "/internal/events/"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class FeedPlacement:
    """Another service's outbox: where to read it and whose events it holds."""

    url: str
    domains: frozenset[str]
    """The publishing domain whose events the feed serves (one: see the module docstring)."""

    @property
    def name(self) -> str:
        """The feed's name in cursors: its URL (a subscriber that moves to another URL starts over, harmlessly)."""
        return self.url


def remote_domains() -> dict[str, str]:
    """Domains run by another service, with that service's base URL."""
    placed = {
        domain: where.urls[0] for domain, where in current_placement().remote.items() if isinstance(where, AtUrls)
    }
    return {**placed, **getattr(settings, "GATEWAY_REMOTE_DOMAINS", {})}


def runs_here(domain: str) -> bool:
    """True when `domain`'s code runs in this process: its app is installed and no service runs it instead."""
    return domain not in remote_domains() and any(app.label == domain for app in apps.get_app_configs())


def feeds() -> tuple[FeedPlacement, ...]:
    """The other services' feeds, one per remote domain, in URL order."""
    return tuple(
        sorted(
            (
                FeedPlacement(url=domain_feed_url(base_url, domain), domains=frozenset({domain}))
                for domain, base_url in remote_domains().items()
            ),
            key=lambda placement: placement.url,
        )
    )


def domain_feed_url(base_url: str, domain: str) -> str:
    """Where the service at `base_url` serves `domain`'s events."""
    return f"{base_url.rstrip('/')}{FEED_PATH}{domain}/"


def domain_of(name: str) -> str:
    """The domain that owns an event name or a subscriber id ('orders.OrderPlaced' -> 'orders')."""
    return name.split(".", 1)[0]


def feed_for(domain: str, placements: Iterable[FeedPlacement]) -> FeedPlacement | None:
    return next((feed for feed in placements if domain in feed.domains), None)
