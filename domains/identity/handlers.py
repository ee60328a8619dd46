"""The identity domain's reactions to other domains' events: none.

Identity is upstream of every other domain (they name customers by its user ids); it
reacts to nothing they do. The empty table keeps the domain's shape the same as the
others', so a reaction added later has its place.
"""

from __future__ import annotations

from shared.bus.subscriptions import Subscription

SUBSCRIPTIONS: tuple[Subscription, ...] = ()
