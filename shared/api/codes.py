"""Every error code the API answers with, and its status: the table README.md shows, generated from the code.

    python manage.py api_error_codes

Clients branch on codes, so the list a reader sees must be the list the server has:
tests/api/test_error_codes.py compares README.md's table with this one. Three sources:

- the API layer (shared.api.errors): DRF's failures by class, Django's outside DRF views;
- ApiError subclasses, each with its own code and status (idempotency keys, the gateway),
  found by walking the class tree once the URL configuration has imported them;
- the domain errors every registered interface declares, the kernel's among them, each
  with the status of its kind.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

from shared.api.errors import (
    BAD_REQUEST_CODE,
    DRF_ERRORS,
    FORBIDDEN_CODE,
    GENERIC_CODE,
    METHOD_NOT_ALLOWED_CODE,
    NOT_FOUND_CODE,
    SERVER_ERROR_CODE,
    SERVER_UNAVAILABLE_CODE,
    STATUS_BY_KIND,
    TOO_LARGE_CODE,
    ApiError,
    class_title,
)
from shared.errors import DomainError

API_LAYER = "API layer"
KERNEL = "kernel"

# What each code of the API layer means, for README's table (a DRF_ERRORS code missing here fails the command).
MEANINGS = {
    "request.invalid": "A field or query parameter is invalid; field_errors names each",
    "request.malformed": "The body is not JSON",
    "auth.token_expired": "The access token has expired; refresh it",
    "auth.token_invalid": "The access token is malformed, forged or signed by an unknown key",
    "auth.not_authenticated": "No access token",
    "auth.authentication_failed": "The credentials could not be verified",
    "auth.permission_denied": "The token does not allow this (a customer on a staff endpoint)",
    "request.not_found": "No such URL, or no such object",
    "request.method_not_allowed": "The URL does not take this method; Allow lists those it does",
    "request.not_acceptable": "The Accept header names no type the endpoint answers in",
    "request.unsupported_media_type": "The body is not sent as application/json",
    "request.rate_limited": "Over the rate limit; Retry-After says when to retry",
    BAD_REQUEST_CODE: "Django refused the request (a malformed header, a host not allowed)",
    TOO_LARGE_CODE: "The body is larger than GATEWAY_MAX_BODY_BYTES",
    SERVER_ERROR_CODE: "A failure of the server; the details are only in its log",
    SERVER_UNAVAILABLE_CODE: "The database did not answer (a restart); retry after Retry-After",
    GENERIC_CODE: "Any other client error, by its status",
}

# Codes Django's handlers and the middleware give outside DRF views, with their statuses.
HTTP_CODES: tuple[tuple[str, str], ...] = (
    (BAD_REQUEST_CODE, "400"),
    (TOO_LARGE_CODE, "413"),
    (NOT_FOUND_CODE, "404"),
    (FORBIDDEN_CODE, "403"),
    (METHOD_NOT_ALLOWED_CODE, "405"),
    (SERVER_ERROR_CODE, "500"),
    (SERVER_UNAVAILABLE_CODE, "503"),
    (GENERIC_CODE, "4xx"),
)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ErrorCode:
    code: str
    status: str
    source: str
    """API_LAYER, the module family of an ApiError (idempotency, gateway), or the domain (kernel for the kernel's)."""
    title: str


def api_error_codes(*, domain_errors: Mapping[str, type[DomainError]]) -> list[ErrorCode]:
    """Every code, once, sorted by code; `domain_errors` are the registry's (registry.error_types())."""
    found: dict[str, ErrorCode] = {}
    for exception, code in DRF_ERRORS:
        _add(found, ErrorCode(code=code, status=str(exception.status_code), source=API_LAYER, title=MEANINGS[code]))
    for code, status in HTTP_CODES:
        _add(found, ErrorCode(code=code, status=status, source=API_LAYER, title=MEANINGS[code]))
    for error in _subclasses(ApiError):
        title = class_title(error)
        source = error.code.split(".", 1)[0]
        _add(found, ErrorCode(code=error.code, status=str(error.status_code), source=source, title=title))
    for code, error in domain_errors.items():
        status = str(STATUS_BY_KIND[error.kind])
        source = code.split(".", 1)[0]
        _add(found, ErrorCode(code=code, status=status, source=source, title=class_title(error)))
    return sorted(found.values(), key=lambda entry: entry.code)


def markdown_table(codes: Iterable[ErrorCode]) -> str:
    """The codes as README.md shows them."""
    rows = ["| code | status | from | what |", "|---|---|---|---|"]
    rows.extend(f"| `{c.code}` | {c.status} | {c.source} | {c.title} |" for c in codes)
    return "\n".join(rows)


def _add(found: dict[str, ErrorCode], entry: ErrorCode) -> None:
    known = found.get(entry.code)
    if known is None:
        found[entry.code] = entry
    elif entry.status not in known.status.split(", "):
        found[entry.code] = dataclasses.replace(known, status=f"{known.status}, {entry.status}")


def _subclasses(cls: type[ApiError]) -> list[type[ApiError]]:
    pending, found = list(cls.__subclasses__()), []
    while pending:
        subclass = pending.pop()
        pending.extend(subclass.__subclasses__())
        if "code" in subclass.__dict__:
            found.append(subclass)
    return found
