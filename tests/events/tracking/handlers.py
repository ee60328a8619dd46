"""The subscriber of the event tests: one handler reads ParcelShipped v1 with its own schema, one v2 with the contract.

Each writes one auth.Group row per effect, in the subscriber's database, so the tests
count effects there; the row names say which handler, parcel, version and step.
"""

from __future__ import annotations

import uuid

from django.contrib.auth.models import Group

from shared.bus.subscriptions import Subscription
from shared.correlation import current_correlation_id
from tests.events.parcels.interface import ParcelShipped
from tests.events.tracking.schemas import ParcelShippedV1


def effect(handler: str, parcel_id: uuid.UUID, detail: str) -> str:
    """The row's name; a random tail keeps names unique, so a second effect shows as a second row."""
    return f"tracking {handler} {parcel_id} {detail} {uuid.uuid4().hex[:8]}"


def note_carrier(event: ParcelShippedV1) -> None:
    Group.objects.create(name=effect("v1", event.parcel_id, f"{event.carrier} {current_correlation_id()}"))


def note_weight(event: ParcelShipped) -> None:
    Group.objects.create(name=effect("v2", event.parcel_id, f"{event.step} {event.weight_grams}"))


SUBSCRIPTIONS = (
    Subscription(id="tracking.note_carrier", event=ParcelShippedV1, handler=note_carrier),
    Subscription(id="tracking.note_weight", event=ParcelShipped, handler=note_weight),
)
