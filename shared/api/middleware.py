"""Keeps /api/ free of HTML error pages, and of bodies larger than the API accepts.

It refuses an oversized /api/ body with 413 before anything reads it, answers an /api/ URL
missing its trailing slash with a 404 naming the right URL, and re-renders any /api/ error
response that is not JSON (Django's debug pages, a plain view's 405) as a problem document. Every service that serves
an API runs it, right inside the gateway's correlation middleware.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.urls import is_valid_path

from shared.api.errors import (
    KEPT_HEADERS,
    http_problem_response,
    is_api_request,
    slash_missing_response,
)

GetResponse = Callable[[HttpRequest], HttpResponseBase]


class ApiErrorMiddleware:
    """Keeps /api/ free of HTML error pages, and of bodies larger than the API accepts.

    The size limit is Django's DATA_UPLOAD_MAX_MEMORY_SIZE (GATEWAY_MAX_BODY_BYTES), checked
    on Content-Length before anything reads the body: DRF's parsers read the request stream
    directly, which bypasses Django's own check of that limit.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not is_api_request(request):
            return self.get_response(request)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and _content_length(request) > limit:
            return http_problem_response(request=request, status_code=413)
        if _misses_its_slash(request):
            return slash_missing_response(request)
        response = self.get_response(request)
        if response.status_code < 400 or _is_json(response):
            return response
        kept = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
        replacement = http_problem_response(request=request, status_code=response.status_code, headers=kept)
        replacement._has_been_logged = getattr(response, "_has_been_logged", False)  # type: ignore[attr-defined]
        return replacement


def _misses_its_slash(request: HttpRequest) -> bool:
    """Whether the URL names an endpoint only once a slash is appended (/api/identity/token).

    Django's APPEND_SLASH (CommonMiddleware) would answer such a URL with an HTML 301 that
    the client must follow with a GET and without its body, or with a 500 (a RuntimeError)
    for POST, PUT, PATCH and DELETE when DEBUG is on. The API answers every method with
    the same 404 instead, whose message names the URL to use. Not a 308, which keeps
    method and body: a redirect would make the wrong URL work forever at the price of a
    second round trip and a body sent twice, clients differ in whether they follow a 308
    with the body and the Authorization header, and a client that does not follow it is no
    wiser. The API's URLs have one spelling, as its request bodies have one shape.
    """
    path = request.path_info
    return not path.endswith("/") and not is_valid_path(path) and bool(is_valid_path(f"{path}/"))


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # as Django does: an unreadable length reads no body


def _is_json(response: HttpResponseBase) -> bool:
    """JSON passes as the view (or a forwarded service) wrote it; HTML, text or empty bodies are re-rendered."""
    content_type = response.get("Content-Type", "").split(";")[0].strip()
    return content_type == "application/json" or content_type.endswith("+json")
