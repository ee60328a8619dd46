"""Content negotiation: a `?format=` the endpoint cannot answer in is a 400 naming the parameter.

    REST_FRAMEWORK = {"DEFAULT_CONTENT_NEGOTIATION_CLASS": "shared.api.negotiation.ContentNegotiation"}

DRF answers `?format=api` (its browsable API, which this API does not serve) with a bare
404 "Not found.", as if the endpoint did not exist. The endpoint exists; the parameter is
wrong, so it is a 400 `request.invalid` whose field error says which formats there are.
`?format=` stays, rather than being switched off (URL_FORMAT_OVERRIDE = None), because the
schema serves YAML by default and JSON with `?format=json`.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer

UNKNOWN_FORMAT = "{given!r} is not a format this endpoint answers in. Use {formats}, or leave format out."


class ContentNegotiation(DefaultContentNegotiation):
    def filter_renderers(self, renderers: list[BaseRenderer], format: str) -> Any:
        matching = [renderer for renderer in renderers if renderer.format == format]
        if not matching:
            formats = " or ".join(sorted({str(renderer.format) for renderer in renderers}))
            field = self.settings.URL_FORMAT_OVERRIDE or "format"
            raise exceptions.ValidationError({field: [UNKNOWN_FORMAT.format(given=format, formats=formats)]})
        return matching
