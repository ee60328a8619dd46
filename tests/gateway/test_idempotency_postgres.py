"""Idempotency keys under real concurrency: HTTP requests in parallel against a live server on PostgreSQL."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.contrib.auth.models import Group

from shared.api.idempotency import IDEMPOTENCY_KEY_HEADER, REPLAYED_HEADER
from shared.api.models import IdempotencyKey
from tests.gateway.conftest import Caller, MakeCaller
from tests.gateway.views import Gate, Script

pytestmark = [pytest.mark.postgres, pytest.mark.urls("tests.gateway.urls"), pytest.mark.django_db(transaction=True)]

TIMEOUT = 30


def send(base_url: str, caller: Caller, body: dict[str, Any], *, key: str) -> tuple[int, dict[str, str], Any]:
    """POST over real HTTP; returns (status, headers, JSON body)."""
    request = urllib.request.Request(
        f"{base_url}/api/test/groups/",
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Authorization": caller.authorization,
            IDEMPOTENCY_KEY_HEADER: key,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def test_a_duplicate_of_a_request_in_flight_gets_409_and_the_first_completes_once(
    live_server: Any, make_caller: MakeCaller, script: Script
) -> None:
    ann = make_caller()
    script.gate = Gate()
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(send, live_server.url, ann, {"name": "shop"}, key="order-1")
        assert script.gate.entered.wait(TIMEOUT), "the first request never reached its view"

        duplicate = send(live_server.url, ann, {"name": "shop"}, key="order-1")
        script.gate.release.set()
        status, headers, body = first.result(timeout=TIMEOUT)

    retry = send(live_server.url, ann, {"name": "shop"}, key="order-1")

    assert (duplicate[0], duplicate[1]["Retry-After"], duplicate[2]["code"]) == (
        409,
        "1",
        "idempotency.request_in_flight",
    )
    assert (status, REPLAYED_HEADER in headers) == (201, False)
    assert (retry[0], retry[1][REPLAYED_HEADER], retry[2]) == (201, "true", body)
    assert script.calls == 1
    assert list(Group.objects.values_list("name", flat=True)) == ["shop"]


def test_concurrent_posts_with_one_key_create_exactly_one_resource(
    live_server: Any, make_caller: MakeCaller, script: Script
) -> None:
    ann = make_caller()
    attempts = 8
    barrier = threading.Barrier(attempts)

    def attempt() -> tuple[int, dict[str, str], Any]:
        barrier.wait(timeout=TIMEOUT)
        return send(live_server.url, ann, {"name": "shop"}, key="order-1")

    with ThreadPoolExecutor(max_workers=attempts) as pool:
        results = list(pool.map(lambda _: attempt(), range(attempts)))

    created = [body for status, headers, body in results if status == 201 and REPLAYED_HEADER not in headers]
    replayed = [body for status, headers, body in results if status == 201 and REPLAYED_HEADER in headers]
    in_flight = [body["code"] for status, _, body in results if status == 409]
    assert len(created) == 1
    assert replayed == created * len(replayed)
    assert in_flight == ["idempotency.request_in_flight"] * len(in_flight)
    assert len(created) + len(replayed) + len(in_flight) == attempts
    assert script.calls == 1
    assert Group.objects.count() == 1
    assert IdempotencyKey.objects.get().response_body == created[0]
