"""The parcels domain's contract: what a subscriber may import as a contract package."""

from __future__ import annotations

from typing import Any, Protocol
from uuid import UUID

from shared.events import event
from shared.interfaces import declare_interface


def shipped_v1(payload: dict[str, Any]) -> dict[str, Any]:
    """v2 renamed `carrier` to `carrier_code` and added `weight_grams`; v1 readers get their shape back."""
    return {"parcel_id": payload["parcel_id"], "carrier": payload["carrier_code"]}


@event("parcels.ParcelShipped", version=2, key="parcel_id", downcasts={1: shipped_v1})
class ParcelShipped:
    parcel_id: UUID
    carrier_code: str
    weight_grams: int
    step: int = 0
    """Which of several events about one parcel this is (the tests check their order)."""


class ParcelsApi(Protocol):
    pass


parcels: ParcelsApi = declare_interface("parcels", ParcelsApi, events=(ParcelShipped,))
