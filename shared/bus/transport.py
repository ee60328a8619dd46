"""Transports decide what happens after the publisher commits.

`inprocess` (the embedded default) runs the handlers right away in the publishing
process. Whatever a transport does, the stored deliveries stay the source of truth: if
the hand-off is lost, `manage.py bus work` (or the periodic sweep) delivers later.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from shared.bus.delivery import Deliverer


class Transport(Protocol):
    def after_commit(self, event_id: uuid.UUID) -> None:
        """Hand a freshly committed event to its subscribers."""

    def redeliver(self, delivery_ids: list[int]) -> None:
        """Hand deliveries reset by an operator back to their subscribers."""


class InProcessTransport:
    """Deliver synchronously in the publishing process, after its transaction commits."""

    def __init__(self, deliverer: Deliverer) -> None:
        self._deliverer = deliverer

    def after_commit(self, event_id: uuid.UUID) -> None:
        self._deliverer.deliver_event(event_id)

    def redeliver(self, delivery_ids: list[int]) -> None:
        for delivery_id in delivery_ids:
            self._deliverer.deliver(delivery_id)
