"""The publisher's test door: POST /peer/publish/ publishes ParcelShipped events in one transaction.

Only the event tests' second process mounts it (peer_urls.py), behind the feed token.
"""

from __future__ import annotations

import hmac
import json
import uuid

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from shared.bus.runtime import publish
from shared.correlation import correlation_scope
from tests.events.parcels.interface import ParcelShipped


@csrf_exempt
@require_POST
def publish_parcels(request: HttpRequest) -> JsonResponse:
    """Body: {"events": [{"parcel_id", "carrier_code", "weight_grams", "step"}, ...], "correlation_id": "..."}."""
    presented = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if not hmac.compare_digest(presented.encode(), settings.BUS_FEED_TOKEN.encode()):
        return JsonResponse({"detail": "token"}, status=401)
    body = json.loads(request.body)
    with correlation_scope(body["correlation_id"]), transaction.atomic():
        ids = [
            publish(
                ParcelShipped(
                    parcel_id=uuid.UUID(item["parcel_id"]),
                    carrier_code=item["carrier_code"],
                    weight_grams=item["weight_grams"],
                    step=item["step"],
                )
            )
            for item in body["events"]
        ]
    return JsonResponse({"event_ids": [str(i) for i in ids]})
