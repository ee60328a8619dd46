"""The API's request body parser: JSON only, never a 500 for what a client sends.

DRF's own JSONParser lets the RecursionError of deeply nested JSON escape as a 500. This
one turns every undecodable body into a 400 `request.malformed`, including strings with
unpaired UTF-16 surrogates ("\\ud800"): JSON can spell them, but no database, password
hasher or response encoder takes them. The size of a body is bounded before parsing, by
Django's DATA_UPLOAD_MAX_MEMORY_SIZE (413, see shared.api.errors).
"""

from __future__ import annotations

import json
from typing import IO, Any

from django.conf import settings
from rest_framework import exceptions, parsers
from rest_framework.utils.json import strict_constant

MALFORMED = "The request body is not valid JSON ({problem}). Send a JSON object encoded as UTF-8."


class JSONParser(parsers.JSONParser):
    def parse(self, stream: IO[bytes] | None, media_type: str | None = None, parser_context: Any = None) -> Any:
        body = b"" if stream is None else stream.read()
        encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        try:
            data = json.loads(body.decode(encoding), parse_constant=strict_constant)
        except (LookupError, UnicodeDecodeError):
            raise exceptions.ParseError(MALFORMED.format(problem=f"not encoded as {encoding}")) from None
        except ValueError as exc:
            raise exceptions.ParseError(MALFORMED.format(problem=exc)) from None
        except RecursionError:
            raise exceptions.ParseError(MALFORMED.format(problem="nested too deeply")) from None
        if _has_unpaired_surrogate(data):
            raise exceptions.ParseError(MALFORMED.format(problem="a string holds an unpaired surrogate"))
        return data


def _has_unpaired_surrogate(data: Any) -> bool:
    """Whether any string or key in parsed JSON is not valid Unicode (walked without recursion)."""
    pending = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, str) and not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return True
    return False
