"""The API's body parser: JSON only, with a size limit and no way to crash it.

Django enforces DATA_UPLOAD_MAX_MEMORY_SIZE when it reads a body itself, but DRF's
JSONParser reads the raw stream, so without this an API request of any size is read
into memory. Bodies over the limit are refused with 413 before they are parsed; JSON
nested deeper than the interpreter's recursion limit is malformed JSON (400), not a 500.
"""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from rest_framework import exceptions, parsers, status

PAYLOAD_TOO_LARGE = (
    "The request body is larger than {limit} bytes, the most this API accepts. Send less data in one request."
)
TOO_DEEPLY_NESTED = "JSON parse error - the document is nested too deeply. Send a flatter JSON document."


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = PAYLOAD_TOO_LARGE.format(limit="the allowed number of")
    default_code = "payload_too_large"


def payload_too_large() -> PayloadTooLarge:
    return PayloadTooLarge(PAYLOAD_TOO_LARGE.format(limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE))


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser behind a body-size limit (settings.DATA_UPLOAD_MAX_MEMORY_SIZE)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict[str, Any] | None = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None:
            body = stream.read(limit + 1)
            if len(body) > limit:
                raise payload_too_large()
            stream = io.BytesIO(body)
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(TOO_DEEPLY_NESTED) from None
