"""Idempotency keys: a client may retry an unsafe request without doing it twice.

    class CheckoutView(APIView):
        permission_classes = (Authenticated,)

        @accepts_idempotency_key
        def post(self, request: Request) -> Response: ...

With an `Idempotency-Key` header (any 1-255 printable ASCII characters; a UUID is ideal):

- the first request claims the key (a committed row, unique per caller and key) and runs;
- a retry with the same key, method, path and body gets the first response again, with
  `Idempotent-Replayed: true`, and the view does not run;
- the same key with a different method, path or body gets 422 (idempotency.key_reused);
- a retry while the first is still running gets 409 (idempotency.request_in_flight) and
  Retry-After: two concurrent requests with one key run the view once;
- keys are scoped per authenticated caller, and free again IDEMPOTENCY_KEY_TTL_SECONDS after
  first use (`manage.py purge_idempotency_keys` deletes the expired rows).

Only a response the view returns with a status below 500 is stored. When the view raises
(a validation or domain error, a crash) or answers 5xx, the key is released and a retry
runs again: a use case is one transaction (or, like checkout, cleans up after itself), so
an error means nothing was done.

A request that cannot release its key (its process was killed, or the database went away
under it, so the release failed too) must not keep it for long. The key is fenced
(shared.fencing): on PostgreSQL the request holds a session lock named for the key on its
own connection, which the server drops with the connection; on SQLite the row names the
process (host, pid, start time). A retry that finds the key in flight but its holder gone
takes it over at once. IDEMPOTENCY_LEASE_SECONDS only bounds a holder that is alive but
stuck; keep it above the server's request timeout.

The claim is committed before the view runs, so it is visible to a concurrent duplicate at
once; do not run these views inside a transaction (ATOMIC_REQUESTS stays off).

The keys live in the database of the domain whose view is called (`database_for(domain)`,
the domain of the resolved route: shared.work_context), beside that domain's rows, so a
domain moved into a database of its own (DOMAIN_DATABASES) takes its keys along; a view
of no domain keeps them in "default". A row remembers its database (`row._state.db`), and
every later statement on it, its fence included, goes there.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import logging
import re
from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, transaction
from django.http import QueryDict
from django.utils import timezone
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from shared import fencing
from shared.api.config import ApiSettings
from shared.api.errors import ApiError
from shared.api.models import IdempotencyKey
from shared.correlation import REQUEST_ID_HEADER
from shared.db import database_aliases, database_for
from shared.work_context import current_domain

logger = logging.getLogger(__name__)

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
IN_FLIGHT_RETRY_AFTER_SECONDS = 1

KEY_PATTERN = rf"^[\x21-\x7e]{{1,{MAX_KEY_LENGTH}}}$"
"""Printable ASCII without spaces; the schema documents the header with this pattern."""
_KEY = re.compile(KEY_PATTERN)

KEY_INVALID = (
    "The Idempotency-Key header must be 1 to {max} printable ASCII characters without spaces; "
    "send a fresh UUID for each distinct operation."
)
CALLER_REQUIRED = (
    "An Idempotency-Key needs an authenticated caller, since keys are kept per caller. "
    "Send the request with your access token."
)
KEY_REUSED = (
    "The Idempotency-Key {key!r} was first used for a different request ({endpoint}, or another body). "
    "Use a new key for a new operation; retry with the same key only the very same request."
)
IN_FLIGHT = (
    "A request with the Idempotency-Key {key!r} is still being processed. "
    "Retry after a moment with the same key to get its response."
)
NOT_A_RESPONSE = "@accepts_idempotency_key: {view}.{method} returned {returned!r}; it must return a DRF Response."


class IdempotencyKeyInvalidError(ApiError):
    status_code = status.HTTP_400_BAD_REQUEST
    code = "idempotency.key_invalid"


class IdempotencyCallerRequiredError(ApiError):
    status_code = status.HTTP_400_BAD_REQUEST
    code = "idempotency.caller_required"


class IdempotencyKeyReusedError(ApiError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    code = "idempotency.key_reused"


class IdempotencyRequestInFlightError(ApiError):
    status_code = status.HTTP_409_CONFLICT
    code = "idempotency.request_in_flight"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.wait = IN_FLIGHT_RETRY_AFTER_SECONDS  # sent as Retry-After


Handler = Callable[..., Response]


def accepts_idempotency_key(handler: Handler) -> Handler:
    """Decorate a DRF view's unsafe method (post, put, patch, delete) to honour Idempotency-Key."""

    @functools.wraps(handler)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(IDEMPOTENCY_KEY_HEADER)
        if key is None:
            return handler(view, request, *args, **kwargs)
        if not _KEY.fullmatch(key):
            raise IdempotencyKeyInvalidError(KEY_INVALID.format(max=MAX_KEY_LENGTH))
        if not (request.user and request.user.is_authenticated):
            raise IdempotencyCallerRequiredError(CALLER_REQUIRED)
        claim = claim_key(
            owner=f"user:{request.user.pk}",
            key=key,
            fingerprint=request_fingerprint(request),
            endpoint=f"{request.method} {request.path}"[:300],
            now=timezone.now(),
            settings=ApiSettings.from_django(),
            database=database_for(current_domain()),
        )
        if claim.replay is not None:
            return claim.replay
        try:
            return _run(handler, view, request, claim.row, *args, **kwargs)
        finally:
            let_go(claim)

    wrapper.accepts_idempotency_key = True  # type: ignore[attr-defined]  # read by the OpenAPI schema
    return wrapper


def _run(handler: Handler, view: Any, request: Request, row: IdempotencyKey, *args: Any, **kwargs: Any) -> Response:
    """Run the view holding the key; store its answer, or free the key when it failed."""
    try:
        response = handler(view, request, *args, **kwargs)
    except BaseException:
        release_key(row)
        raise
    if not isinstance(response, Response):
        release_key(row)
        raise TypeError(NOT_A_RESPONSE.format(view=type(view).__name__, method=handler.__name__, returned=response))
    if response.status_code >= 500:
        release_key(row)
    else:
        store_response(row, response)
    return response


def fence_name(row: IdempotencyKey) -> str:
    return f"idempotency:{row.pk}"


def _database(row: IdempotencyKey) -> str:
    return row._state.db or DEFAULT_DB_ALIAS


def let_go(claim: Claim) -> None:
    """End the fence of a claim this request held (stored, released or failed alike).

    The fence is a session lock on a connection that outlives the request (CONN_MAX_AGE):
    one not let go would stay in PostgreSQL's lock table for the connection's life.
    """
    fencing.let_go(fence_name(claim.row), using=_database(claim.row))


@dataclasses.dataclass(frozen=True, slots=True)
class Claim:
    row: IdempotencyKey
    replay: Response | None
    """The stored response to send again, or None when this request holds the key and runs."""


def claim_key(
    *,
    owner: str,
    key: str,
    fingerprint: str,
    endpoint: str,
    now: dt.datetime,
    settings: ApiSettings,
    database: str = DEFAULT_DB_ALIAS,
) -> Claim:
    """Take the key for this request, or say why not (replay, 422, 409). Safe under concurrency:
    the unique (owner, key) row decides which of two simultaneous requests runs, and a
    request that holds the key is fenced (see the module docstring) until `let_go`.
    `database` is the alias of the serving domain's database, where the key is kept."""
    keys = IdempotencyKey.objects.using(database)
    for _attempt in range(3):
        try:
            with transaction.atomic(using=database):
                row = keys.create(
                    owner=owner,
                    key=key,
                    fingerprint=fingerprint,
                    endpoint=endpoint,
                    created_at=now,
                    locked_until=now + settings.idempotency_lease,
                    expires_at=now + settings.idempotency_key_ttl,
                    holder=fencing.holder_id(),
                )
                fencing.hold(fence_name(row), using=database)  # in the claim's transaction: never visible unfenced
            return Claim(row=row, replay=None)
        except IntegrityError:
            pass
        existing = keys.filter(owner=owner, key=key).first()
        if existing is None:
            continue  # released or purged since: claim it afresh
        if existing.expires_at <= now:
            keys.filter(pk=existing.pk, expires_at__lte=now).delete()
            continue
        if existing.fingerprint != fingerprint:
            raise IdempotencyKeyReusedError(KEY_REUSED.format(key=key, endpoint=existing.endpoint))
        if not existing.in_flight:
            return Claim(row=existing, replay=_replay(existing))
        taken_over = _take_over(existing, now=now, settings=settings)
        if taken_over is not None:
            return Claim(row=taken_over, replay=None)
    raise IdempotencyRequestInFlightError(IN_FLIGHT.format(key=key))


def _take_over(existing: IdempotencyKey, *, now: dt.datetime, settings: ApiSettings) -> IdempotencyKey | None:
    """Take a key in flight from a holder that is gone (or past its lease); 409 while it may still answer.

    None means the row changed meanwhile (answered, released, or taken by another retry): look again.
    """
    name, database = fence_name(existing), _database(existing)
    lease_running = existing.locked_until is not None and existing.locked_until > now
    if lease_running and fencing.holder_alive(name, existing.holder, using=database):
        raise IdempotencyRequestInFlightError(IN_FLIGHT.format(key=existing.key))
    if not fencing.hold(name, using=database) and lease_running:
        raise IdempotencyRequestInFlightError(IN_FLIGHT.format(key=existing.key))  # another retry got there first
    taken_over = (
        IdempotencyKey.objects.using(database)
        .filter(
            pk=existing.pk, response_status__isnull=True, locked_until=existing.locked_until, holder=existing.holder
        )
        .update(locked_until=now + settings.idempotency_lease, holder=fencing.holder_id())
    )
    if not taken_over:
        fencing.let_go(name, using=database)
        return None
    existing.refresh_from_db()
    return existing


def store_response(row: IdempotencyKey, response: Response) -> None:
    """Keep the response for retries, unless the claim was taken over meanwhile (the lease ran out)."""
    headers = {name: value for name, value in response.items() if name not in ("Content-Type", REQUEST_ID_HEADER)}
    IdempotencyKey.objects.using(_database(row)).filter(
        pk=row.pk, locked_until=row.locked_until, response_status__isnull=True
    ).update(
        response_status=response.status_code,
        response_body=json.loads(JSONRenderer().render(response.data) or b"null"),
        response_headers=headers,
        locked_until=None,
    )


def release_key(row: IdempotencyKey) -> None:
    """Free the key of a request that did not complete, so that a retry runs it again.

    If the database refuses (it is what failed), the key stays in flight with a holder that
    is about to let go of its fence: the next retry takes it over (see the module docstring).
    """
    try:
        IdempotencyKey.objects.using(_database(row)).filter(
            pk=row.pk, locked_until=row.locked_until, response_status__isnull=True
        ).delete()
    except DatabaseError:
        logger.warning("idempotency.release_failed", extra={"key_id": row.pk}, exc_info=True)


def purge_expired_keys(*, now: dt.datetime) -> int:
    """Delete the keys whose time is up, in every database (shared.db.database_aliases); returns how many."""
    deleted = 0
    for alias in database_aliases():
        count, _ = IdempotencyKey.objects.using(alias).filter(expires_at__lte=now).delete()
        deleted += count
    return deleted


def request_fingerprint(request: Request) -> str:
    """The fingerprint of a request as it arrived: its method, path with query, and parsed body."""
    data = request.data
    if isinstance(data, QueryDict):
        data = {name: data.getlist(name) for name in sorted(data)}
    return fingerprint(method=request.method or "", path=request.get_full_path(), data=data)


def fingerprint(*, method: str, path: str, data: Any) -> str:
    """What makes two requests 'the same': method, path and body.

    The body is compared as parsed data in a canonical form, so a client that re-serializes
    the same JSON with other spacing or key order still retries the same request.
    """
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method}\n{path}\n{body}".encode()).hexdigest()


def _replay(row: IdempotencyKey) -> Response:
    assert row.response_status is not None
    return Response(
        row.response_body, status=row.response_status, headers={**row.response_headers, REPLAYED_HEADER: "true"}
    )
