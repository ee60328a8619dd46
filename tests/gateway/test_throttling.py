"""Rate limits: per IP without a token, per user with one, stricter on login; 429 with Retry-After."""

from __future__ import annotations

import math
import time

import pytest
from django.conf import LazySettings
from django.test import Client
from rest_framework.exceptions import Throttled

from shared.api.errors import RATE_LIMITED_LATER_MESSAGE, RATE_LIMITED_MESSAGE, api_exception_handler
from tests.gateway.conftest import MakeCaller
from tests.gateway.views import Script

pytestmark = [pytest.mark.urls("tests.gateway.urls"), pytest.mark.django_db]

# Day-long windows: a test never straddles a window edge, so counts are exact.
RATES = {"anon": "3/day", "user": "5/day", "login": "2/day"}
DAY = 86_400


@pytest.fixture(autouse=True)
def rates(settings: LazySettings) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": RATES}


def statuses(client: Client, path: str, times: int, **extra: str) -> list[int]:
    return [client.get(path, **extra).status_code for _ in range(times)]


def test_an_anonymous_client_over_its_limit_gets_429_with_retry_after_until_the_window_ends(client: Client) -> None:
    assert statuses(client, "/api/test/echo/", 3) == [200, 200, 200]

    before = time.time()
    response = client.get("/api/test/echo/", HTTP_X_REQUEST_ID="req-429")
    after = time.time()

    assert response.status_code == 429
    retry_after = int(response["Retry-After"])
    assert math.ceil(DAY - after % DAY) <= retry_after <= math.ceil(DAY - before % DAY)
    assert response.json() == {
        "type": "urn:modulith:problem:request.rate_limited",
        "title": "Too Many Requests",
        "status": 429,
        "detail": RATE_LIMITED_MESSAGE.format(wait=f"{retry_after} seconds"),
        "instance": "/api/test/echo/",
        "code": "request.rate_limited",
        "field_errors": {},
        "params": {},
        "correlation_id": "req-429",
    }


def test_a_throttled_request_never_reaches_the_view(client: Client, script: Script) -> None:
    for _ in range(3):
        client.post("/api/test/echo/", data={}, content_type="application/json")

    response = client.post("/api/test/echo/", data={}, content_type="application/json")

    assert response.status_code == 429
    assert script.calls == 3


def test_anonymous_clients_are_counted_per_ip(client: Client) -> None:
    assert statuses(client, "/api/test/echo/", 4, REMOTE_ADDR="10.0.0.1") == [200, 200, 200, 429]

    assert statuses(client, "/api/test/echo/", 1, REMOTE_ADDR="10.0.0.2") == [200]


def test_a_forged_x_forwarded_for_does_not_buy_a_fresh_count(client: Client) -> None:
    statuses(client, "/api/test/echo/", 3, REMOTE_ADDR="10.0.0.1")

    forged = statuses(client, "/api/test/echo/", 2, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert forged == [429, 429]


def test_behind_a_trusted_proxy_the_client_is_the_address_the_proxy_appended(
    client: Client, settings: LazySettings
) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = {"REMOTE_ADDR": "10.0.0.254"}

    first = statuses(client, "/api/test/echo/", 4, HTTP_X_FORWARDED_FOR="198.51.100.1", **proxy)
    forged = statuses(client, "/api/test/echo/", 1, HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.1", **proxy)
    other = statuses(client, "/api/test/echo/", 1, HTTP_X_FORWARDED_FOR="198.51.100.2", **proxy)

    assert (first, forged, other) == ([200, 200, 200, 429], [429], [200])


def test_authenticated_callers_are_counted_per_user_wherever_they_call_from(
    client: Client, make_caller: MakeCaller
) -> None:
    ann, bob = make_caller(), make_caller()

    ann_home = statuses(client, "/api/test/whoami/", 5, HTTP_AUTHORIZATION=ann.authorization, REMOTE_ADDR="10.0.0.1")
    ann_away = statuses(client, "/api/test/whoami/", 1, HTTP_AUTHORIZATION=ann.authorization, REMOTE_ADDR="10.0.0.9")
    bob_same_ip = statuses(client, "/api/test/whoami/", 1, HTTP_AUTHORIZATION=bob.authorization, REMOTE_ADDR="10.0.0.1")
    anonymous_same_ip = statuses(client, "/api/test/echo/", 1, REMOTE_ADDR="10.0.0.1")

    assert (ann_home, ann_away, bob_same_ip, anonymous_same_ip) == ([200] * 5, [429], [200], [200])


def test_login_has_a_stricter_limit_of_its_own(client: Client, settings: LazySettings) -> None:
    rates = {**RATES, "anon": "5/day", "login": "2/day"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}

    logins = [client.post("/api/test/login/").status_code for _ in range(3)]
    browsing = statuses(client, "/api/test/echo/", 1)

    # The third login is refused by the login limit while the anonymous one (5) still allows.
    assert (logins, browsing) == ([204, 204, 429], [200])


@pytest.mark.django_db
def test_the_login_endpoint_is_held_to_the_login_limit(client: Client) -> None:
    wrong = {"email": "nobody@example.com", "password": "guess"}

    answers = [
        client.post("/api/identity/token/", data=wrong, content_type="application/json").status_code for _ in range(3)
    ]

    # Two wrong passwords are refused as such (401); the third guess is not even checked.
    assert answers == [401, 401, 429]


def test_a_flood_of_forged_tokens_meets_the_limit_of_its_ip_not_endless_401s(client: Client) -> None:
    forged = {"HTTP_AUTHORIZATION": "Bearer not.a.token", "REMOTE_ADDR": "10.0.0.1"}

    flood = statuses(client, "/api/test/whoami/", 5, **forged)
    elsewhere = statuses(
        client, "/api/test/whoami/", 1, HTTP_AUTHORIZATION="Bearer not.a.token", REMOTE_ADDR="10.0.0.2"
    )

    assert (flood, elsewhere) == ([401, 401, 401, 429, 429], [401])


def test_a_flood_without_a_token_meets_429_with_retry_after(client: Client) -> None:
    assert statuses(client, "/api/test/whoami/", 3) == [401, 401, 401]

    response = client.get("/api/test/whoami/")

    assert response.status_code == 429
    assert response.json()["code"] == "request.rate_limited"
    assert int(response["Retry-After"]) >= 1
    assert not response.has_header("WWW-Authenticate")


def test_a_caller_refused_for_lack_of_permission_is_counted_as_that_user(
    client: Client, make_caller: MakeCaller
) -> None:
    customer = make_caller()
    as_customer = {"HTTP_AUTHORIZATION": customer.authorization, "REMOTE_ADDR": "10.0.0.1"}

    refused = statuses(client, "/api/orders/all/", 6, **as_customer)
    anonymous_same_ip = statuses(client, "/api/test/echo/", 1, REMOTE_ADDR="10.0.0.1")

    assert (refused, anonymous_same_ip) == ([403] * 5 + [429], [200])


@pytest.mark.parametrize(
    ("wait", "message", "retry_after"),
    [
        pytest.param(0.2, RATE_LIMITED_MESSAGE.format(wait="1 second"), "1", id="under-a-second"),
        pytest.param(41.5, RATE_LIMITED_MESSAGE.format(wait="42 seconds"), "42", id="rounded-up"),
        pytest.param(None, RATE_LIMITED_LATER_MESSAGE, None, id="unknown"),
    ],
)
def test_the_429_message_says_when_to_retry_as_retry_after_does(
    wait: float | None, message: str, retry_after: str | None
) -> None:
    response = api_exception_handler(Throttled(wait=wait), {})

    assert response is not None
    assert (response.data["detail"], response.headers.get("Retry-After")) == (message, retry_after)
