"""Another database's outbox in this process, read as a feed: how events cross between domain databases.

With DOMAIN_DATABASES, a domain's outbox is in its own database, written in its own
transaction. A subscriber whose domain has another database receives the event the way
a subscriber in another service does (shared.bus.puller): its bus pulls the publisher's
outbox from its cursors into its own inbox, in its own database. Only the reading differs:
no HTTP, `read_feed` on the publisher's alias, in this process.

    catalog's transaction: product row + outbox row in catalog's database   (one commit)
    after commit, and on every sweep: orders' bus reads catalog's outbox from its cursor,
        stores the event, its deliveries and the cursor in orders' database  (one commit)
        and runs the handlers there: handler effect + "done" in one orders transaction

So no event is published for a rolled-back write, and none is lost if the process dies
between the two commits: the next sweep pulls from the cursor, which did not move.
"""

from __future__ import annotations

from collections.abc import Mapping, Set

from shared.bus.envelope import FeedPage
from shared.bus.feed import MAX_PAGE, read_feed
from shared.interfaces import Registry

FEED_PREFIX = "database:"
"""Cursors of database feeds are named `database:<alias>`, apart from HTTP feeds (named by URL)."""


class DatabaseFeed:
    """The outbox of database `alias`, read directly (a FeedSource for the Puller)."""

    def __init__(self, *, alias: str, registry: Registry) -> None:
        self.name = f"{FEED_PREFIX}{alias}"
        self.alias = alias
        self._registry = registry

    def read(self, *, after: int, limit: int, wanted: Mapping[str, Set[int]]) -> FeedPage:
        return read_feed(
            after=after, limit=min(limit, MAX_PAGE), wanted=wanted, registry=self._registry, using=self.alias
        )
