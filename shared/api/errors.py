"""One error shape for the whole API, whoever produced the error: RFC 9457 problem details.

    HTTP/1.1 404 Not Found
    Content-Type: application/problem+json

    {
      "type": "urn:modulith:problem:catalog.product_not_found",   the problem type (identifies the code)
      "title": "Product not found",                  short, the same for every occurrence of the type
      "status": 404,                                  the HTTP status, repeated for logs and proxies
      "detail": "Product 3f... does not exist. ...", this occurrence, for people; says what to do
      "instance": "/api/catalog/products/3f.../",    the request it answers
      "code": "catalog.product_not_found",            stable, for programs to branch on
      "field_errors": {"quantity": ["..."]},         per input field, empty when not about input
      "params": {"product_id": "3f..."},             the domain error's typed parameters
      "correlation_id": "9b2c..."                    quote it when reporting a problem
    }

Views raise DomainErrors, ApiErrors or DRF exceptions; nothing builds error responses by
hand. Everything goes through one path, `problem_response(problem(...))`, reached from
three places so that no path under /api/ answers with an HTML page:

- `api_exception_handler`, DRF's EXCEPTION_HANDLER: what a DRF view raises;
- `handler400/403/404/500`, Django's error handlers (config/urls.py): what Django itself
  answers outside a DRF view (no route matched, a crash, an oversized body);
- `shared.api.middleware.ApiErrorMiddleware`: the body-size limit, and any other error
  response that is not a problem document (Django's debug pages when DEBUG is on, a 405
  from a plain Django view).

Outside /api/ (the admin, the docs pages) Django's own pages stay.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response

from shared.auth.authentication import BEARER_CHALLENGE, AccessTokenExpired, AccessTokenInvalid
from shared.correlation import current_correlation_id
from shared.errors import DomainError, ErrorKind, error_to_wire

API_PATH_PREFIX = "/api/"
API_ROOT = "/api"

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE = "urn:modulith:problem:{code}"
"""The `type` of a problem: a URN naming its stable code, the same in every deployment."""

STATUS_BY_KIND = {
    ErrorKind.INVALID: status.HTTP_400_BAD_REQUEST,
    ErrorKind.UNAUTHORIZED: status.HTTP_401_UNAUTHORIZED,
    ErrorKind.NOT_FOUND: status.HTTP_404_NOT_FOUND,
    ErrorKind.CONFLICT: status.HTTP_409_CONFLICT,
    ErrorKind.FORBIDDEN: status.HTTP_403_FORBIDDEN,
    ErrorKind.UNAVAILABLE: status.HTTP_503_SERVICE_UNAVAILABLE,
}

# DRF's exception classes -> stable code, first match wins. Clients branch on codes; never change one.
DRF_ERRORS: tuple[tuple[type[exceptions.APIException], str], ...] = (
    (exceptions.ValidationError, "request.invalid"),
    (exceptions.ParseError, "request.malformed"),
    (AccessTokenExpired, "auth.token_expired"),
    (AccessTokenInvalid, "auth.token_invalid"),
    (exceptions.NotAuthenticated, "auth.not_authenticated"),
    (exceptions.AuthenticationFailed, "auth.authentication_failed"),
    (exceptions.PermissionDenied, "auth.permission_denied"),
    (exceptions.NotFound, "request.not_found"),
    (exceptions.MethodNotAllowed, "request.method_not_allowed"),
    (exceptions.NotAcceptable, "request.not_acceptable"),
    (exceptions.UnsupportedMediaType, "request.unsupported_media_type"),
    (exceptions.Throttled, "request.rate_limited"),
)

# Codes of the failures Django answers outside DRF views.
BAD_REQUEST_CODE = "request.bad_request"
TOO_LARGE_CODE = "request.too_large"
NOT_FOUND_CODE = "request.not_found"
FORBIDDEN_CODE = "auth.permission_denied"
METHOD_NOT_ALLOWED_CODE = "request.method_not_allowed"
SERVER_ERROR_CODE = "server.error"
SERVER_UNAVAILABLE_CODE = "server.unavailable"
GENERIC_CODE = "request.error"

VALIDATION_MESSAGE = "The request has invalid fields; see field_errors, correct them and retry."
BAD_REQUEST_MESSAGE = "The request could not be understood. Check its syntax, headers and body, then retry."
NOT_AUTHENTICATED_MESSAGE = (
    "This endpoint needs an access token. Send `Authorization: Bearer <access_token>`, with the "
    "access_token from POST /api/identity/token/."
)
FORBIDDEN_MESSAGE = (
    "The token you sent does not allow this. The API's documentation (/api/docs/) says who may call each endpoint."
)
NOT_FOUND_MESSAGE = "Nothing at {path}. The API's endpoints are listed at /api/docs/."
SLASH_MISSING_MESSAGE = "Nothing at {path}: the API's URLs end with a slash. Use {path}/ (with the trailing slash)."
METHOD_NOT_ALLOWED_MESSAGE = "Method {method} is not allowed on {path}; the Allow header lists the methods that are."
RATE_LIMITED_MESSAGE = "Too many requests from this client. Retry in {wait} (the Retry-After header has the seconds)."
RATE_LIMITED_LATER_MESSAGE = "Too many requests from this client. Slow down, and retry later."
TOO_LARGE = "The request body is larger than {limit} bytes, the most this API accepts. Send less per request."
SERVER_ERROR_MESSAGE = (
    "The server failed while handling this request; it has been logged. "
    "Retry later, and quote the correlation_id if you report it."
)
DATABASE_UNAVAILABLE_MESSAGE = (
    "The database did not answer, or cut the connection while this request ran (a restart or a failover). "
    "Retry in a few seconds (Retry-After); a checkout retried with the same Idempotency-Key never acts twice."
)
DATABASE_RETRY_AFTER_SECONDS = 2
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
"""What Django raises when PostgreSQL is down, restarting or dropped the connection (and on a deadlock):
transient, so the answer is a 503 that tells the client to retry, not a 500 that says it is a bug."""

logger = logging.getLogger(__name__)

# DRF's default texts, which do not say what to do, and what the API says instead. A view
# that raises one of these with a text of its own keeps its text.
DEFAULT_TEXTS_REPLACED: tuple[tuple[type[exceptions.APIException], str], ...] = (
    (exceptions.NotAuthenticated, NOT_AUTHENTICATED_MESSAGE),
    (exceptions.PermissionDenied, FORBIDDEN_MESSAGE),
    (exceptions.MethodNotAllowed, METHOD_NOT_ALLOWED_MESSAGE),
    (exceptions.NotFound, NOT_FOUND_MESSAGE),
)

# Headers an error response must keep when it is re-rendered in the shape.
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")

_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


class ApiError(exceptions.APIException):
    """An API failure the HTTP layer itself detects (not a domain's), with its own stable code."""

    code: ClassVar[str]

    def __init__(self, message: str) -> None:
        super().__init__(detail=message, code=self.code)


def is_api_request(request: HttpRequest) -> bool:
    """Whether the request is for the API: /api/... and /api itself (a client that left off the slash)."""
    path = request.path_info
    return path == API_ROOT or path.startswith(API_PATH_PREFIX)


def status_title(status_code: int) -> str:
    """RFC 9457's title for a problem that is only its status: the status phrase."""
    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return "Server Error" if status_code >= 500 else "Client Error"


def error_title(error: DomainError) -> str:
    """A domain error's title, from its class name: ProductNotFoundError -> 'Product not found'."""
    words = _WORD_BOUNDARY.sub(" ", type(error).__name__.removesuffix("Error")).split()
    return " ".join([words[0], *(word.lower() for word in words[1:])]) if words else status_title(400)


def problem(
    *,
    status_code: int,
    code: str,
    detail: str,
    instance: str,
    title: str | None = None,
    field_errors: dict[str, list[str]] | None = None,
    params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The problem document (RFC 9457) with the API's extension members; every error body is one."""
    return {
        "type": PROBLEM_TYPE.format(code=code),
        "title": title or status_title(status_code),
        "status": status_code,
        "detail": detail,
        "instance": instance,
        "code": code,
        "field_errors": field_errors or {},
        "params": params or {},
        "correlation_id": current_correlation_id(),
    }


def domain_error_problem(error: DomainError, *, instance: str) -> dict[str, Any]:
    """The problem document of a domain error: its status by kind, its code, message and typed parameters.

    The same document whether a domain's view raised it or a service's internal endpoint
    sends it back to a remote caller (shared/remote/server.py), which rebuilds the error from it.
    """
    wire = error_to_wire(error)
    return problem(
        status_code=STATUS_BY_KIND[error.kind],
        code=wire["code"],
        title=error_title(error),
        detail=wire["message"],
        instance=instance,
        params=wire["params"],
    )


def problem_response(body: dict[str, Any], *, headers: Mapping[str, str] | None = None) -> JsonResponse:
    """A problem document as a response outside DRF (Django's handlers, the middleware)."""
    return JsonResponse(body, status=body["status"], headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def drf_problem_response(body: dict[str, Any], *, headers: Mapping[str, str] | None = None) -> Response:
    """A problem document as a DRF view's response (rendered by the view's JSON renderer)."""
    return Response(body, status=body["status"], headers=headers, content_type=PROBLEM_CONTENT_TYPE)


# -- DRF views ---------------------------------------------------------------------


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF EXCEPTION_HANDLER: DomainErrors by kind, DRF's own errors by class, the rest to Django."""
    request = context.get("request")
    instance = request.path if request is not None else ""
    if isinstance(exc, DomainError):
        headers = {"WWW-Authenticate": BEARER_CHALLENGE} if exc.kind is ErrorKind.UNAUTHORIZED else {}
        return drf_problem_response(domain_error_problem(exc, instance=instance), headers=headers)
    if isinstance(exc, RequestDataTooBig):
        return drf_problem_response(too_large_problem(instance=instance))
    if isinstance(exc, DATABASE_UNAVAILABLE):
        logger.warning("The database failed under %s: answered 503", instance, exc_info=exc)
        body = problem(
            status_code=503, code=SERVER_UNAVAILABLE_CODE, detail=DATABASE_UNAVAILABLE_MESSAGE, instance=instance
        )
        return drf_problem_response(body, headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)})
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a bug: Django logs it and answers 500 through handler500
    body = _api_exception_problem(exc, request=request, instance=instance)
    return drf_problem_response(body, headers=_api_exception_headers(exc))


def _api_exception_problem(exc: exceptions.APIException, *, request: Any, instance: str) -> dict[str, Any]:
    status_code = exc.status_code
    if isinstance(exc, ApiError):
        return problem(status_code=status_code, code=exc.code, detail=str(exc.detail), instance=instance)
    code = next((c for cls, c in DRF_ERRORS if isinstance(exc, cls)), GENERIC_CODE)
    if isinstance(exc, exceptions.ValidationError):
        return problem(
            status_code=status_code,
            code=code,
            detail=VALIDATION_MESSAGE,
            instance=instance,
            field_errors=_field_errors(exc.detail),
        )
    if isinstance(exc, exceptions.Throttled):
        return problem(status_code=status_code, code=code, detail=_rate_limited_message(exc), instance=instance)
    return problem(status_code=status_code, code=code, detail=_message(exc, request=request), instance=instance)


def _message(exc: exceptions.APIException, *, request: Any) -> str:
    """The exception's text, unless it is DRF's default one for its class: then the API's own."""
    method, path = (request.method, request.path) if request is not None else ("", "")
    for cls, replacement in DEFAULT_TEXTS_REPLACED:
        if type(exc) is cls and str(exc.detail) == str(cls.default_detail).format(method=method):
            return replacement.format(method=method, path=path)
    return str(exc.detail)


def _rate_limited_message(exc: exceptions.Throttled) -> str:
    """Replaces DRF's "Request was throttled. Expected available in N seconds." with what to do."""
    seconds = _retry_after(exc)
    if seconds is None:
        return RATE_LIMITED_LATER_MESSAGE
    return RATE_LIMITED_MESSAGE.format(wait="1 second" if seconds == 1 else f"{seconds} seconds")


def _retry_after(exc: exceptions.APIException) -> int | None:
    """Whole seconds until the client may retry (at least 1), when the exception says."""
    wait = getattr(exc, "wait", None)
    return None if wait is None else max(1, math.ceil(wait))


def _api_exception_headers(exc: exceptions.APIException) -> dict[str, str]:
    headers: dict[str, str] = {}
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        headers["WWW-Authenticate"] = auth_header  # set by APIView.handle_exception on 401s
    retry_after = _retry_after(exc)
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return headers


def _field_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Flatten DRF's nested error detail into {"lines.0.quantity": ["..."]}."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            flat.update(_field_errors(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(detail, list) and detail and all(isinstance(item, (dict, list)) for item in detail):
        flat = {}
        for index, item in enumerate(detail):
            flat.update(_field_errors(item, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix or "non_field_errors": [str(m) for m in messages]}


# -- Django's error handlers and the middleware ----------------------------------


def too_large_problem(*, instance: str) -> dict[str, Any]:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return problem(status_code=413, code=TOO_LARGE_CODE, detail=TOO_LARGE.format(limit=limit), instance=instance)


def http_problem(*, request: HttpRequest, status_code: int) -> dict[str, Any]:
    """The problem for an HTTP-level failure that carries no exception of ours (Django's, a proxy's)."""
    if status_code == 413:
        return too_large_problem(instance=request.path)
    known = {
        400: (BAD_REQUEST_CODE, BAD_REQUEST_MESSAGE),
        403: (FORBIDDEN_CODE, FORBIDDEN_MESSAGE),
        404: (NOT_FOUND_CODE, NOT_FOUND_MESSAGE.format(path=request.path)),
        405: (METHOD_NOT_ALLOWED_CODE, METHOD_NOT_ALLOWED_MESSAGE.format(method=request.method, path=request.path)),
        500: (SERVER_ERROR_CODE, SERVER_ERROR_MESSAGE),
    }
    fallback = (
        (SERVER_ERROR_CODE, SERVER_ERROR_MESSAGE)
        if status_code >= 500
        else (GENERIC_CODE, f"{status_title(status_code)}.")
    )
    code, detail = known.get(status_code, fallback)
    return problem(status_code=status_code, code=code, detail=detail, instance=request.path)


def slash_missing_response(request: HttpRequest) -> JsonResponse:
    """404 for an /api/ URL that exists only with a trailing slash, naming the URL to use."""
    detail = SLASH_MISSING_MESSAGE.format(path=request.path)
    return problem_response(problem(status_code=404, code=NOT_FOUND_CODE, detail=detail, instance=request.path))


def http_problem_response(
    *, request: HttpRequest, status_code: int, headers: Mapping[str, str] | None = None
) -> JsonResponse:
    return problem_response(http_problem(request=request, status_code=status_code), headers=headers)


def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's handler400: a SuspiciousOperation or BadRequest outside a DRF view.

    An oversized body (RequestDataTooBig, raised when code reads request.body) is a 400 to
    Django; for the API it is the 413 it really is.
    """
    if not is_api_request(request):
        return defaults.bad_request(request, exception)
    status_code = 413 if isinstance(exception, RequestDataTooBig) else 400
    return http_problem_response(request=request, status_code=status_code)


def handler403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if not is_api_request(request):
        return defaults.permission_denied(request, exception)
    return http_problem_response(request=request, status_code=403)


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if not is_api_request(request):
        return defaults.page_not_found(request, exception)
    return http_problem_response(request=request, status_code=404)


def handler500(request: HttpRequest) -> HttpResponse:
    """Django's handler500: the body says nothing about the failure; the log has the traceback."""
    if not is_api_request(request):
        return defaults.server_error(request)
    return http_problem_response(request=request, status_code=500)
