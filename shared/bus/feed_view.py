"""GET /internal/events/<domain>/: a domain's outbox here as an ordered feed, for subscribers running elsewhere.

    GET /internal/events/orders/?after=1040&limit=100&events=orders.OrderConfirmed.v1,orders.OrderCancelled.v1
    Authorization: Bearer <BUS_FEED_TOKEN>

    200 {"after": 1040, "events": [<envelope>, ...], "last_position": 1140, "head": 1203}

Positions are numbered per database, and with DOMAIN_DATABASES each domain's outbox is in
its own: so a feed is one domain's, read from that domain's database, and its events must
be that domain's. /internal/events/ without a domain serves the events asked for when
they all live in one database (every domain's, with one database), and refuses a mix.

Internal: not under /api/ and not in the public API schema; every caller presents the
feed token that subscribers and publishers share (BUS_FEED_TOKEN). A feed without a
token configured refuses everyone (403) rather than serve events unauthenticated.
Bad parameters are a 400 naming each one and what it accepts.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from shared.bus.envelope import encode_page
from shared.bus.feed import MAX_PAGE, read_feed
from shared.bus.placement import domain_of
from shared.bus.runtime import default_bus
from shared.db.transactions import database_for

DEFAULT_PAGE = 100
EVENT_VERSION = re.compile(r"^(?P<name>[a-z][a-z0-9_]*\.[A-Z][A-Za-z0-9]*)\.v(?P<version>[1-9][0-9]{0,3})$")

FEED_NOT_CONFIGURED = (
    "This process serves no event feed: BUS_FEED_TOKEN is not set. Set the same BUS_FEED_TOKEN here and in "
    "the subscribing services."
)
FEED_TOKEN_WRONG = "Present the feed token: Authorization: Bearer <BUS_FEED_TOKEN>."
AFTER_INVALID = "after must be a whole number from 0 (the position the reader has seen), got {value!r}."
LIMIT_INVALID = "limit must be a whole number from 1 to {most}, got {value!r}."
EVENTS_INVALID = (
    "events must list the events wanted as <domain>.<Event>.v<version>, comma-separated "
    "(e.g. orders.OrderPlaced.v1,orders.OrderConfirmed.v1); {value!r} is not one."
)
EVENTS_MISSING = "events is required: the events wanted, e.g. events=orders.OrderPlaced.v1."
EVENTS_OF_ANOTHER_DOMAIN = (
    "Not {domain}'s events: {names}. This feed serves {domain}'s events only; read each domain's events from "
    "/internal/events/<domain>/."
)
EVENTS_IN_SEVERAL_DATABASES = (
    "{names} are published into different databases here, whose positions are numbered apart. Read each "
    "domain's events from /internal/events/<domain>/."
)


def _problem(status: int, code: str, detail: str, field_errors: Mapping[str, list[str]] | None = None) -> JsonResponse:
    body = {"code": code, "detail": detail, "field_errors": dict(field_errors or {})}
    return JsonResponse(body, status=status)


def _whole(value: str, *, lowest: int, highest: int) -> int | None:
    if not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if lowest <= number <= highest else None


@require_GET
def feed(request: HttpRequest, domain: str | None = None) -> HttpResponse:
    expected = settings.BUS_FEED_TOKEN
    if not expected:
        return _problem(403, "bus.feed_not_configured", FEED_NOT_CONFIGURED)
    presented = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(presented.encode(), expected.encode()):
        return _problem(401, "bus.feed_token_wrong", FEED_TOKEN_WRONG)

    errors: dict[str, list[str]] = {}
    raw_after = request.GET.get("after", "0")
    after = _whole(raw_after, lowest=0, highest=2**62)
    if after is None:
        errors["after"] = [AFTER_INVALID.format(value=raw_after)]
    raw_limit = request.GET.get("limit", str(DEFAULT_PAGE))
    limit = _whole(raw_limit, lowest=1, highest=MAX_PAGE)
    if limit is None:
        errors["limit"] = [LIMIT_INVALID.format(most=MAX_PAGE, value=raw_limit)]
    wanted: dict[str, set[int]] = {}
    raw_events = request.GET.get("events", "")
    for item in filter(None, (part.strip() for part in raw_events.split(","))):
        match = EVENT_VERSION.match(item)
        if match is None:
            errors.setdefault("events", []).append(EVENTS_INVALID.format(value=item))
        else:
            wanted.setdefault(match["name"], set()).add(int(match["version"]))
    if not wanted and "events" not in errors:
        errors["events"] = [EVENTS_MISSING]
    publishers = {domain_of(name) for name in wanted}
    foreign = sorted(name for name in wanted if domain is not None and domain_of(name) != domain)
    if foreign:
        errors.setdefault("events", []).append(EVENTS_OF_ANOTHER_DOMAIN.format(domain=domain, names=", ".join(foreign)))
    databases = {database_for(publisher) for publisher in publishers}
    if len(databases) > 1 and not foreign:
        errors.setdefault("events", []).append(EVENTS_IN_SEVERAL_DATABASES.format(names=", ".join(sorted(wanted))))
    if errors or after is None or limit is None:
        return _problem(400, "request.invalid", "The feed request has invalid parameters; see field_errors.", errors)

    (using,) = databases
    page = read_feed(after=after, limit=limit, wanted=wanted, registry=default_bus().registry, using=using)
    return HttpResponse(encode_page(page), content_type="application/json")
