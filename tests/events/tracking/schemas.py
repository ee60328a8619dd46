"""The tracking domain's own schema of the one event it reads at v1: no import of the publisher's code."""

from __future__ import annotations

from uuid import UUID

from shared.events import event


@event("parcels.ParcelShipped", version=1, key="parcel_id")
class ParcelShippedV1:
    parcel_id: UUID
    carrier: str
