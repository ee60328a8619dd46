"""The publisher's test door: POST /peer/publish/ publishes the given events in one transaction of the second process.

    {"correlation_id": "...", "events": [{"name": "orders.OrderConfirmed", "version": 1, "payload": {...}}]}

Only the event tests' second process mounts it (peer_urls.py), behind the feed token.
Each event is decoded with the class this process's registry declares, as a domain's
own code would construct it, and published with the process's bus.
"""

from __future__ import annotations

import hmac
import json

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from shared import wire
from shared.bus.runtime import publish
from shared.correlation import correlation_scope
from shared.interfaces import registry


@csrf_exempt
@require_POST
def publish_events(request: HttpRequest) -> JsonResponse:
    presented = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if not hmac.compare_digest(presented.encode(), settings.BUS_FEED_TOKEN.encode()):
        return JsonResponse({"detail": "Present the feed token."}, status=401)
    body = json.loads(request.body)
    with correlation_scope(body["correlation_id"]), transaction.atomic():
        ids = [
            publish(wire.from_primitive(item["payload"], registry.event_type(item["name"], item["version"])))
            for item in body["events"]
        ]
    return JsonResponse({"event_ids": [str(i) for i in ids]})
