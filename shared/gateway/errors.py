"""One JSON error shape for the whole API, rendered by DRF's exception handler.

    {
      "type": "not_found",                          what sort of failure (ErrorKind or HTTP-level)
      "code": "catalog.product_not_found",          stable, for programs to branch on
      "message": "Product 3f... does not exist. ...", for people; says what to do
      "field_errors": {"quantity": ["..."]},        per input field, empty when not about input
      "params": {"product_id": "3f..."},            the domain error's typed parameters
      "correlation_id": "9b2c..."                   quote it when reporting a problem
    }

Views raise DomainErrors or DRF exceptions; nothing builds error responses by hand.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response

from shared.correlation import current_correlation_id
from shared.errors import DomainError, ErrorKind, error_to_wire
from shared.gateway.parsers import PayloadTooLarge, payload_too_large

STATUS_BY_KIND = {
    ErrorKind.INVALID: status.HTTP_400_BAD_REQUEST,
    ErrorKind.NOT_FOUND: status.HTTP_404_NOT_FOUND,
    ErrorKind.CONFLICT: status.HTTP_409_CONFLICT,
    ErrorKind.FORBIDDEN: status.HTTP_403_FORBIDDEN,
    ErrorKind.UNAVAILABLE: status.HTTP_503_SERVICE_UNAVAILABLE,
}

# DRF's exception classes -> (type, code). Codes are stable: clients branch on them.
DRF_ERRORS: tuple[tuple[type[exceptions.APIException], str, str], ...] = (
    (exceptions.ValidationError, "invalid", "request.invalid"),
    (exceptions.ParseError, "invalid", "request.malformed"),
    (exceptions.NotAuthenticated, "unauthorized", "auth.not_authenticated"),
    (exceptions.AuthenticationFailed, "unauthorized", "auth.authentication_failed"),
    (exceptions.PermissionDenied, "forbidden", "auth.permission_denied"),
    (exceptions.NotFound, "not_found", "request.not_found"),
    (exceptions.MethodNotAllowed, "method_not_allowed", "request.method_not_allowed"),
    (exceptions.NotAcceptable, "not_acceptable", "request.not_acceptable"),
    (exceptions.UnsupportedMediaType, "unsupported_media_type", "request.unsupported_media_type"),
    (exceptions.Throttled, "rate_limited", "request.rate_limited"),
    (PayloadTooLarge, "payload_too_large", "request.too_large"),
)

VALIDATION_MESSAGE = "The request has invalid fields; see field_errors, correct them and retry."


def error_body(
    *,
    type: str,
    code: str,
    message: str,
    field_errors: dict[str, list[str]] | None = None,
    params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "type": type,
        "code": code,
        "message": message,
        "field_errors": field_errors or {},
        "params": params or {},
        "correlation_id": current_correlation_id(),
    }


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF EXCEPTION_HANDLER: DomainErrors by kind, DRF's own errors by class, the rest to Django."""
    if isinstance(exc, DomainError):
        wire = error_to_wire(exc)
        body = error_body(type=wire["kind"], code=wire["code"], message=wire["message"], params=wire["params"])
        return Response(body, status=STATUS_BY_KIND[exc.kind])
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):  # Django's own body limit (forms): 413, not its default 400
        exc = payload_too_large()
    if not isinstance(exc, exceptions.APIException):
        return None  # a bug: let Django log it and answer 500
    kind, code = next(((k, c) for cls, k, c in DRF_ERRORS if isinstance(exc, cls)), ("error", "request.error"))
    headers = {}
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        headers["Retry-After"] = str(int(exc.wait) + 1)
    if isinstance(exc, exceptions.ValidationError):
        body = error_body(type=kind, code=code, message=VALIDATION_MESSAGE, field_errors=_field_errors(exc.detail))
    else:
        body = error_body(type=kind, code=code, message=str(exc.detail))
    return Response(body, status=exc.status_code, headers=headers)


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
