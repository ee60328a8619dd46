"""The internal endpoint: one view that serves every operation of the domains running here to other services.

    POST /internal/<domain>/<operation>/     (shared/remote/protocol.py has the whole exchange)

Not under /api/ and not in the public OpenAPI schema: only services call it, each with a
service token made out to the domain (shared.auth.service_tokens): none, or one that does
not verify, is a 401, one made out to another domain a 403, as problem documents.

The view decodes the arguments by the Protocol's signature (a body that does not fit is
a 400 naming the field), calls the implementation bound here, and answers the encoded
result, or the domain error as a problem document the client rebuilds the same class
from. It serves only domains the placement runs here; any other is a 404, so a
misconfigured placement can never make two services call each other in a loop.

Operations marked @creates are deduplicated by the caller's request id
(X-Service-Request-ID) in the API toolkit's idempotency table, keyed per calling
service: a retry of a call whose first attempt completed gets the first result instead
of creating again; a retry while the first attempt still runs gets 409 (the client waits
and tries again); a failed first attempt (a domain error, a crash) frees the id, since a
use case is one transaction and nothing was created.

Once the operation is known to run here, the call is that domain's work: its log lines,
the endpoint's own included, name the domain and the caller's correlation id (X-Request-ID),
and the table guard watches its SQL, as for a call through the interface in process.
"""

from __future__ import annotations

import hashlib
import logging
import re
from typing import Any

import msgspec
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from rest_framework.response import Response

from shared import wire
from shared.api.config import ApiSettings
from shared.api.errors import (
    METHOD_NOT_ALLOWED_CODE,
    SERVER_ERROR_CODE,
    SERVER_ERROR_MESSAGE,
    domain_error_problem,
    problem,
    problem_response,
    too_large_problem,
)
from shared.api.idempotency import (
    IdempotencyKeyReusedError,
    IdempotencyRequestInFlightError,
    claim_key,
    let_go,
    release_key,
    store_response,
)
from shared.auth.service_tokens import (
    SERVICE_TOKEN_HEADER,
    ServiceCaller,
    ServiceTokenError,
    ServiceTokenWrongAudience,
    current_service_verifier,
)
from shared.db import database_for
from shared.errors import DomainError
from shared.interfaces.codec import OperationCodec, operation_codecs
from shared.interfaces.proxy import Interface
from shared.interfaces.registry import registry
from shared.placement import current_placement
from shared.remote.protocol import (
    ARGUMENTS_INVALID_CODE,
    IN_FLIGHT_CODE,
    INTERNAL_PREFIX,
    NO_SUCH_OPERATION_CODE,
    NOT_SERVED_HERE_CODE,
    REQUEST_ID_REQUIRED_CODE,
    REQUEST_ID_REUSED_CODE,
    SERVICE_REQUEST_ID_HEADER,
    TOKEN_INVALID_CODE,
    TOKEN_MISSING_CODE,
    TOKEN_WRONG_AUDIENCE_CODE,
)
from shared.work_context import bind

logger = logging.getLogger(__name__)

JSON = "application/json"
REQUEST_ID = re.compile(r"[A-Za-z0-9_\-]{8,100}")

NO_SUCH_OPERATION = "There is no operation {domain}.{operation} to call. {domain!r}'s operations are: {operations}."
NO_SUCH_DOMAIN = "There is no domain {domain!r}. Call one of: {domains}."
NOT_SERVED_HERE = (
    "This service does not run {domain!r}: DOMAIN_PLACEMENT places it at {where}. Call the service that runs it."
)
ARGUMENTS_INVALID = "The arguments of {operation} do not match its signature: {problem}."
REQUEST_ID_REQUIRED = (
    f"{{operation}} creates something, so every call must carry a request id in {SERVICE_REQUEST_ID_HEADER} "
    "(8-100 letters, digits, '-' or '_'), the same for each retry of the call."
)
REQUEST_ID_REUSED = (
    "The request id {request_id!r} was first used for {operation} with other arguments. Send a new id for a new call."
)
IN_FLIGHT = "The first attempt of this call (request id {request_id!r}) is still running. Retry in a moment."
METHOD_NOT_ALLOWED = "The internal endpoint takes POST only: POST {path} with the arguments as a JSON object."
CALL_FAILED_LOG = "remote.call_failed"
REFUSED_LOG = "remote.refused"


@csrf_exempt
def serve_call(request: HttpRequest, domain: str, operation: str) -> HttpResponse:
    """POST /internal/<domain>/<operation>/: run one operation of a domain running here for another service."""
    if request.method != "POST":
        response = _refusal(request, 405, METHOD_NOT_ALLOWED_CODE, METHOD_NOT_ALLOWED.format(path=request.path))
        response["Allow"] = "POST"
        return response
    found = _operation(request, domain, operation)
    if isinstance(found, HttpResponse):
        return found
    interface, codec = found
    # The call is the called domain's work from here on, as an /api/ request is its route's: every
    # line names the domain (the middleware's log scope ends it), and the table guard watches its SQL.
    bind(domain=interface.meta.name)
    try:
        caller = current_service_verifier().verify_header(request.headers.get(SERVICE_TOKEN_HEADER), audience=domain)
    except ServiceTokenError as refused:
        return _token_refused(request, refused)
    try:
        body = request.body
    except RequestDataTooBig:
        return problem_response(too_large_problem(instance=request.path))
    try:
        arguments = codec.decode_arguments(body)
    except wire.WireFormatError as exc:
        detail = ARGUMENTS_INVALID.format(operation=codec.name, problem=exc)
        return _refusal(request, 400, ARGUMENTS_INVALID_CODE, detail)
    if codec.creates:
        return _deduplicated(request, interface, codec, caller, body, arguments)
    return _run(request, interface, codec, arguments)


def _operation(request: HttpRequest, domain: str, operation: str) -> tuple[Interface, OperationCodec] | HttpResponse:
    try:
        interface = registry.get(domain)
    except LookupError:
        domains = ", ".join(i.meta.name for i in registry.interfaces())
        return _refusal(request, 404, NO_SUCH_OPERATION_CODE, NO_SUCH_DOMAIN.format(domain=domain, domains=domains))
    codecs = operation_codecs(interface.meta)
    if operation not in codecs:
        detail = NO_SUCH_OPERATION.format(domain=domain, operation=operation, operations=", ".join(codecs))
        return _refusal(request, 404, NO_SUCH_OPERATION_CODE, detail)
    placement = current_placement()
    if not placement.is_local(domain):
        detail = NOT_SERVED_HERE.format(domain=domain, where=placement.where(domain))
        return _refusal(request, 404, NOT_SERVED_HERE_CODE, detail)
    return interface, codecs[operation]


def _token_refused(request: HttpRequest, refused: ServiceTokenError) -> HttpResponse:
    status, code = 401, TOKEN_MISSING_CODE if not request.headers.get(SERVICE_TOKEN_HEADER) else TOKEN_INVALID_CODE
    if isinstance(refused, ServiceTokenWrongAudience):
        status, code = 403, TOKEN_WRONG_AUDIENCE_CODE
    logger.warning(REFUSED_LOG, extra={"path": request.path, "code": code, "reason": str(refused)})
    return _refusal(request, status, code, str(refused))


def _run(request: HttpRequest, interface: Interface, codec: OperationCodec, arguments: dict[str, Any]) -> HttpResponse:
    try:
        result = getattr(interface.target, codec.operation)(**arguments)
        body = codec.encode_result(result)
    except DomainError as error:
        return problem_response(domain_error_problem(error, instance=request.path))
    except Exception:
        logger.exception(CALL_FAILED_LOG, extra={"operation": codec.name})
        return _refusal(request, 500, SERVER_ERROR_CODE, SERVER_ERROR_MESSAGE)
    return HttpResponse(body, content_type=JSON)


def _deduplicated(
    request: HttpRequest,
    interface: Interface,
    codec: OperationCodec,
    caller: ServiceCaller,
    body: bytes,
    arguments: dict[str, Any],
) -> HttpResponse:
    """Run a @creates operation once per (calling service, request id); answer a repeat with the first result."""
    request_id = request.headers.get(SERVICE_REQUEST_ID_HEADER, "")
    if not REQUEST_ID.fullmatch(request_id):
        return _refusal(request, 400, REQUEST_ID_REQUIRED_CODE, REQUEST_ID_REQUIRED.format(operation=codec.name))
    try:
        claim = claim_key(
            owner=f"service:{caller.service}"[:100],
            key=f"{codec.name}:{request_id}",
            fingerprint=hashlib.sha256(body).hexdigest(),
            endpoint=f"POST {request.path}"[:300],
            now=timezone.now(),
            settings=ApiSettings.from_django(),
            database=database_for(interface.meta.name),
        )
    except IdempotencyKeyReusedError:
        detail = REQUEST_ID_REUSED.format(request_id=request_id, operation=codec.name)
        return _refusal(request, 422, REQUEST_ID_REUSED_CODE, detail)
    except IdempotencyRequestInFlightError:
        response = _refusal(request, 409, IN_FLIGHT_CODE, IN_FLIGHT.format(request_id=request_id))
        response["Retry-After"] = "1"
        return response
    if claim.replay is not None:
        return HttpResponse(msgspec.json.encode(claim.replay.data), status=claim.replay.status_code, content_type=JSON)
    try:
        try:
            response = _run(request, interface, codec, arguments)
        except BaseException:
            release_key(claim.row)
            raise
        if response.status_code == 200:
            store_response(claim.row, Response(msgspec.json.decode(response.content), status=200))
        else:
            release_key(claim.row)  # nothing was created: a retry runs the operation again
        return response
    finally:
        let_go(claim)


def _refusal(request: HttpRequest, status: int, code: str, detail: str) -> JsonResponse:
    return problem_response(problem(status_code=status, code=code, detail=detail, instance=request.path))


def internal_urlpatterns() -> list[URLPattern]:
    """The internal endpoint's URL; config/urls.py mounts it beside /api/."""
    return [path(f"{INTERNAL_PREFIX}<str:domain>/<str:operation>/", serve_call, name="internal-call")]
