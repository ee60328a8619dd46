"""Transports decide what happens after the publisher commits.

`inprocess` (the embedded default) runs the handlers right away in the publishing
process. `celery` (shared.bus.celery_transport) relays deliveries to a broker, and
Celery workers run them. Whatever a transport does, the stored deliveries stay the
source of truth: if the hand-off is lost, the transport's sweep (`manage.py bus work`,
or the periodic `bus.sweep` task) finishes the job later.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from shared.bus.delivery import Deliverer, Outcome
from shared.bus.outbox import BirthClaim, Published


class Transport(Protocol):
    def after_commit(self, event_id: uuid.UUID) -> None:
        """Hand a freshly committed event to its subscribers."""

    def redeliver(self, delivery_ids: list[int]) -> None:
        """Hand deliveries reset by an operator back to their subscribers."""

    def sweep(self, *, limit: int) -> Mapping[str, int]:
        """Catch up on what the hand-offs missed (due retries, expired leases); counts by what happened.

        A count equal to `limit` means there may be more to do right away.
        """


@runtime_checkable
class ClaimingTransport(Transport, Protocol):
    """A transport that takes the deliveries in the statement that writes them (shared.bus.outbox)."""

    birth_claim: BirthClaim

    def run_claimed(self, published: Published) -> None:
        """Hand on a freshly committed event whose deliveries were written claimed for this transport."""


class InProcessTransport:
    """Deliver synchronously in the publishing process, after its transaction commits.

    The deliveries are written already claimed (processing, attempt 1): after commit, each
    costs one statement, its completion in the handler's transaction.
    """

    birth_claim = BirthClaim.DELIVERY

    def __init__(self, deliverer: Deliverer) -> None:
        self._deliverer = deliverer

    def run_claimed(self, published: Published) -> None:
        self._deliverer.run_claimed(published)

    def after_commit(self, event_id: uuid.UUID) -> None:
        self._deliverer.deliver_event(event_id)

    def redeliver(self, delivery_ids: list[int]) -> None:
        for delivery_id in delivery_ids:
            self._deliverer.deliver(delivery_id)

    def sweep(self, *, limit: int) -> Mapping[str, int]:
        counts = self._deliverer.process_due(limit=limit)
        return {str(outcome): n for outcome, n in counts.items() if outcome is not Outcome.SKIPPED}
