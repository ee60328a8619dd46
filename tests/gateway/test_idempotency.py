"""Idempotency-Key semantics, request by request (the concurrent cases are in test_idempotency_postgres)."""

from __future__ import annotations

import datetime as dt
import io
import socket
from http import HTTPStatus
from typing import Any

import pytest
from django.conf import LazySettings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from shared import fencing
from shared.api.config import ApiSettings
from shared.api.idempotency import (
    CALLER_REQUIRED,
    IN_FLIGHT,
    KEY_INVALID,
    KEY_REUSED,
    MAX_KEY_LENGTH,
    REPLAYED_HEADER,
    claim_key,
    fence_name,
    fingerprint,
)
from shared.api.management.commands.purge_idempotency_keys import PURGED
from shared.api.models import IdempotencyKey
from tests.gateway.conftest import Caller, MakeCaller
from tests.gateway.views import Script

pytestmark = [pytest.mark.urls("tests.gateway.urls"), pytest.mark.django_db]

URL = "/api/test/groups/"
NO_SUCH_PID = 4_194_305  # above Linux's largest pid: a process that is gone


def post(client: Client, caller: Caller, body: dict | str, *, key: str | None = "key-1", url: str = URL) -> Any:
    """POST `body` (a dict, or JSON text sent as is) as `caller`, with Idempotency-Key `key`."""
    headers = {"HTTP_AUTHORIZATION": caller.authorization, "HTTP_X_REQUEST_ID": "req-1"}
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(url, data=body, content_type="application/json", **headers)


def error(*, status: int, code: str, detail: str, instance: str = "/api/test/groups/") -> dict:
    """The problem document (RFC 9457) an idempotency refusal answers with."""
    return {
        "type": f"urn:modulith:problem:{code}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": instance,
        "code": code,
        "field_errors": {},
        "params": {},
        "correlation_id": "req-1",
    }


@pytest.fixture
def ann(make_caller: MakeCaller) -> Caller:
    return make_caller()


def test_a_retry_with_the_same_key_and_body_gets_the_first_response_and_does_nothing(
    client: Client, ann: Caller, script: Script
) -> None:
    first = post(client, ann, {"name": "shop"})

    retry = post(client, ann, {"name": "shop"})

    group = Group.objects.get()
    assert (first.status_code, first.json(), first["Location"]) == (
        201,
        {"id": group.id, "name": "shop"},
        f"/groups/{group.id}",
    )
    assert (retry.status_code, retry.json(), retry["Location"]) == (201, first.json(), first["Location"])
    assert retry[REPLAYED_HEADER] == "true"
    assert not first.has_header(REPLAYED_HEADER)
    assert script.calls == 1


def test_the_same_body_in_another_key_order_and_spacing_is_the_same_request(client: Client, ann: Caller) -> None:
    first = post(client, ann, '{"name": "shop", "status": 201}')
    retry = post(client, ann, '{ "status":201,"name":"shop" }')

    assert (retry.status_code, retry.json()) == (first.status_code, first.json())
    assert Group.objects.count() == 1


def test_the_same_key_with_another_body_is_422_and_changes_nothing(client: Client, ann: Caller) -> None:
    post(client, ann, {"name": "shop"})

    response = post(client, ann, {"name": "other"})

    assert response.status_code == 422
    assert response.json() == error(
        status=422,
        code="idempotency.key_reused",
        detail=KEY_REUSED.format(key="key-1", endpoint=f"POST {URL}"),
    )
    assert list(Group.objects.values_list("name", flat=True)) == ["shop"]


def test_the_same_key_on_another_endpoint_is_422(client: Client, ann: Caller) -> None:
    post(client, ann, {"name": "shop"})

    response = post(client, ann, {"name": "shop"}, url=f"{URL}?copy=1")

    assert response.status_code == 422
    assert Group.objects.count() == 1


def claim(caller: Caller, body: dict, *, at: dt.datetime, lease_seconds: float = 120) -> IdempotencyKey:
    """A claim on key-1 as a request for `body` leaves it while its view runs (held open for
    real, with concurrent requests, in test_idempotency_postgres)."""
    return claim_key(
        owner=f"user:{caller.user.id}",
        key="key-1",
        fingerprint=fingerprint(method="POST", path=URL, data=body),
        endpoint=f"POST {URL}",
        now=at,
        settings=ApiSettings(idempotency_lease_seconds=lease_seconds),
    ).row


def test_a_retry_while_the_first_request_is_in_flight_is_409_with_retry_after(
    client: Client, ann: Caller, script: Script
) -> None:
    claim(ann, {"name": "shop"}, at=timezone.now())

    response = post(client, ann, {"name": "shop"})

    assert response.status_code == 409
    assert response["Retry-After"] == "1"
    assert response.json() == error(
        status=409, code="idempotency.request_in_flight", detail=IN_FLIGHT.format(key="key-1")
    )
    assert (script.calls, Group.objects.count()) == (0, 0)


def test_keys_are_scoped_per_caller(client: Client, ann: Caller, make_caller: MakeCaller) -> None:
    bob = make_caller()

    first = post(client, ann, {"name": "ann's"})
    second = post(client, bob, {"name": "bob's"})

    assert (first.status_code, second.status_code) == (201, 201)
    assert not second.has_header(REPLAYED_HEADER)
    assert sorted(Group.objects.values_list("name", flat=True)) == ["ann's", "bob's"]


def test_without_a_key_every_request_runs(client: Client, ann: Caller) -> None:
    statuses = [post(client, ann, {"name": f"shop {n}"}, key=None).status_code for n in range(2)]

    assert statuses == [201, 201]
    assert Group.objects.count() == 2
    assert IdempotencyKey.objects.count() == 0


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("", id="empty"),
        pytest.param("two words", id="space"),
        pytest.param("k" * (MAX_KEY_LENGTH + 1), id="too-long"),
        pytest.param("cl\u00e9", id="non-ascii"),
    ],
)
def test_a_malformed_key_is_400_and_nothing_runs(client: Client, ann: Caller, key: str, script: Script) -> None:
    response = post(client, ann, {"name": "shop"}, key=key)

    assert response.status_code == 400
    assert response.json() == error(
        status=400, code="idempotency.key_invalid", detail=KEY_INVALID.format(max=MAX_KEY_LENGTH)
    )
    assert (script.calls, Group.objects.count(), IdempotencyKey.objects.count()) == (0, 0, 0)


def test_a_key_from_an_anonymous_caller_is_refused_since_keys_are_per_caller(client: Client, script: Script) -> None:
    headers = {"HTTP_IDEMPOTENCY_KEY": "key-1", "HTTP_X_REQUEST_ID": "req-1"}

    response = client.post(
        "/api/test/public-groups/", data={"name": "shop"}, content_type="application/json", **headers
    )

    assert response.status_code == 400
    assert response.json() == error(
        status=400, code="idempotency.caller_required", detail=CALLER_REQUIRED, instance="/api/test/public-groups/"
    )
    assert (script.calls, Group.objects.count()) == (0, 0)


def test_a_request_that_failed_frees_its_key_so_the_retry_runs(client: Client, ann: Caller, script: Script) -> None:
    script.failures_left = 1

    failed = post(client, ann, {"name": "shop"})
    retried = post(client, ann, {"name": "shop"})

    assert (failed.status_code, failed.json()["code"]) == (503, "kernel.service_unavailable")
    assert (retried.status_code, retried.has_header(REPLAYED_HEADER)) == (201, False)
    assert Group.objects.count() == 1


def test_a_validation_error_frees_the_key_for_the_corrected_request(client: Client, ann: Caller) -> None:
    invalid = post(client, ann, {"name": ""})
    corrected = post(client, ann, {"name": "shop"})

    assert (invalid.status_code, corrected.status_code) == (400, 201)
    assert Group.objects.count() == 1


def test_a_4xx_the_view_answers_is_stored_and_replayed(client: Client, ann: Caller, script: Script) -> None:
    first = post(client, ann, {"name": "shop", "status": 409})
    retry = post(client, ann, {"name": "shop", "status": 409})

    assert (first.status_code, retry.status_code, retry.json()) == (409, 409, {"refused": "shop"})
    assert retry[REPLAYED_HEADER] == "true"
    assert script.calls == 1


def test_an_expired_key_is_free_again(client: Client, ann: Caller) -> None:
    post(client, ann, {"name": "shop"})
    IdempotencyKey.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    again = post(client, ann, {"name": "other"})

    assert (again.status_code, again.has_header(REPLAYED_HEADER)) == (201, False)
    assert sorted(Group.objects.values_list("name", flat=True)) == ["other", "shop"]
    assert IdempotencyKey.objects.get().response_body == again.json()


def test_a_key_held_past_its_lease_is_taken_over_by_the_retry(client: Client, ann: Caller) -> None:
    claim(ann, {"name": "shop"}, at=timezone.now() - dt.timedelta(minutes=2), lease_seconds=60)

    response = post(client, ann, {"name": "shop"})

    assert (response.status_code, response.json()["name"]) == (201, "shop")
    assert IdempotencyKey.objects.get().response_status == 201


def test_a_key_whose_request_died_is_taken_over_at_once_though_its_lease_runs(
    client: Client, ann: Caller, script: Script
) -> None:
    row = claim(ann, {"name": "shop"}, at=timezone.now(), lease_seconds=120)
    # Its holder is gone: on PostgreSQL its session (and so its lock), on SQLite its process.
    fencing.let_go(fence_name(row))
    IdempotencyKey.objects.filter(pk=row.pk).update(holder=f"{socket.gethostname()}:{NO_SUCH_PID}:1700000000.00")

    response = post(client, ann, {"name": "shop"})

    assert (response.status_code, response.json()["name"], script.calls) == (201, "shop", 1)
    taken = IdempotencyKey.objects.get()
    assert (taken.response_status, taken.holder) == (201, fencing.holder_id())


def test_the_purge_command_deletes_expired_keys_only(client: Client, ann: Caller) -> None:
    for key in ("old-1", "old-2", "fresh"):
        post(client, ann, {"name": key}, key=key)
    IdempotencyKey.objects.filter(key__startswith="old").update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    out = io.StringIO()

    call_command("purge_idempotency_keys", stdout=out)

    assert out.getvalue() == PURGED.format(count=2) + "\n"
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh"]


def test_a_key_expires_after_the_configured_time(client: Client, ann: Caller, settings: LazySettings) -> None:
    settings.IDEMPOTENCY_KEY_TTL_SECONDS = 90
    before = timezone.now()

    post(client, ann, {"name": "shop"})

    row = IdempotencyKey.objects.get()
    assert before + dt.timedelta(seconds=90) <= row.expires_at <= timezone.now() + dt.timedelta(seconds=90)
