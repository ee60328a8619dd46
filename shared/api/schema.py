"""The OpenAPI 3 schema (drf-spectacular) says exactly what the server does, not only what views return.

`ApiAutoSchema` (REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]) adds to every operation every error
response it can give, all problem documents (`Problem`, RFC 9457, application/problem+json):

- from the API layer, by what the operation is: 400, 413 and 415 on requests with a body,
  400 on operations with query parameters (pagination, filters), 401 unless the endpoint
  is public, 403 on staff-only ones, 404 on endpoints that name an object, 400, 409 and 422
  with the Idempotency-Key header where the view accepts one, 406 (the Accept header) and
  429 (rate limits) and 503 `server.unavailable` (the database down) everywhere;
- from the view, the domain errors its method declares with `@raises` (shared.api.errors),
  each under the status of its kind, with its code: a 409 `cart.quantity_limit`, a 503
  `kernel.service_unavailable` where the view calls a domain that may run elsewhere.

Request bodies are as strict as the serializers that read them: `additionalProperties:
false` on StrictSerializers, amounts with the exact pattern the server accepts, text fields
with the patterns their trimming and NUL checks imply, the Idempotency-Key header with its
format. tests/api/test_schema_conformance.py runs schemathesis over every operation
against a live server to hold the schema to this.
`describe_api` (a postprocessing hook) writes the API's introduction: authentication,
errors, correlation ids, rate limits, idempotency.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.core import validators
from drf_spectacular.drainage import get_override
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from shared.api.access import Access, declared_access
from shared.api.errors import PROBLEM_CONTENT_TYPE, STATUS_BY_KIND, declared_errors
from shared.api.idempotency import IDEMPOTENCY_KEY_HEADER, KEY_PATTERN, MAX_KEY_LENGTH
from shared.api.serializers import StrictAmountField, StrictSerializer
from shared.auth.authentication import BearerTokenAuthentication

BODY_METHODS = ("POST", "PUT", "PATCH")

NOT_BLANK = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
"""Text with something besides whitespace, and no NUL: what a trimmed CharField that may not be blank takes."""
WRITTEN_AMOUNT = r"^-?[0-9]+\.[0-9]{2}$"
"""An amount as the server writes it: any size, two decimals."""
NO_NUL = r"^[^\u0000]*$"
"""Text without NUL, which DRF's CharField refuses."""

# The API layer's own errors, by status: why, and the codes.
BODY_INVALID = "Invalid fields (`request.invalid`, see field_errors) or a body that is not JSON (`request.malformed`)."
QUERY_INVALID = "A query parameter out of its range or not one of its values (`request.invalid`, see field_errors)."
KEY_INVALID = "The Idempotency-Key header is not 1-{max} printable ASCII characters (`idempotency.key_invalid`)."
NO_TOKEN = (
    "No access token, or one that is expired, forged or signed by an unknown key "
    "(`auth.not_authenticated`, `auth.token_expired`, `auth.token_invalid`)."
)
NOT_STAFF = "The caller is not staff (`auth.permission_denied`)."
NOT_OWNED = "No such object among the caller's own; another caller's id reads as unknown (`request.not_found`)."
NO_OBJECT = "No such object (`request.not_found`)."
NOT_ACCEPTABLE = "The Accept header names no media type this endpoint answers in (`request.not_acceptable`)."
IN_FLIGHT = (
    "A request with this Idempotency-Key is still being processed; retry shortly (`idempotency.request_in_flight`)."
)
KEY_REUSED = "This Idempotency-Key was first used with another request (`idempotency.key_reused`)."
TOO_LARGE = "The body is larger than the API accepts (`request.too_large`)."
NOT_JSON = "The body is not sent as application/json (`request.unsupported_media_type`)."
RATE_LIMITED = "Rate limit exceeded; retry after the number of seconds in Retry-After (`request.rate_limited`)."
DATABASE_DOWN = "The database did not answer (a restart, a failover); retry after Retry-After (`server.unavailable`)."
DECLARED = "{title}: {codes}."


class ProblemSerializer(serializers.Serializer):
    """Every error the API answers, whatever its status: an RFC 9457 problem document."""

    type = serializers.CharField(help_text="The problem type, a URN naming the code: urn:modulith:problem:<code>.")
    title = serializers.CharField(help_text="A short summary of the problem type, the same for every occurrence.")
    status = serializers.IntegerField(help_text="The HTTP status code.")
    detail = serializers.CharField(help_text="For people: what failed this time and what to do.")
    instance = serializers.CharField(help_text="The path of the request this problem answers.")
    code = serializers.CharField(help_text="Stable code to branch on, e.g. catalog.product_not_found.")
    field_errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per input field ('lines.0.quantity'); empty unless the input was invalid.",
    )
    params = serializers.DictField(help_text="The typed parameters of a domain error, e.g. product_id.")
    correlation_id = serializers.CharField(help_text="The request's X-Request-ID; quote it when reporting a problem.")

    class Meta:
        ref_name = "Problem"


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """How the schema names the API's authentication: an RFC 6750 bearer token, a JWT."""

    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "The access_token from POST /api/identity/token/; renew it at /api/identity/token/refresh/.",
        }


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ProblemSerializer, description=description)


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema plus every error the operation can answer, strict bodies, public access."""

    def _access(self) -> Access | None:
        declared = declared_access(type(self.view), self.method)
        return declared[0] if len(declared) == 1 else None

    def _handler(self) -> Any:
        return getattr(self.view, self.method.lower(), None)

    def _accepts_idempotency_key(self) -> bool:
        return bool(getattr(self._handler(), "accepts_idempotency_key", False))

    def get_auth(self) -> list[dict[str, Any]]:
        auths = super().get_auth()
        if self._access() is Access.PUBLIC and {} not in auths:
            auths.append({})  # a token is optional: anyone may call
        return auths

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self._accepts_idempotency_key():
            parameters.append(
                OpenApiParameter(
                    name=IDEMPOTENCY_KEY_HEADER,
                    type={"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": KEY_PATTERN},
                    location=OpenApiParameter.HEADER,
                    required=False,
                    description=(
                        f"1-{MAX_KEY_LENGTH} printable ASCII characters without spaces (a UUID). A retry with the "
                        "same key and body returns the first response (with Idempotent-Replayed: true) instead of "
                        "acting twice."
                    ),
                )
            )
        return parameters

    # -- request bodies: as strict as the serializers ------------------------------

    def _map_serializer(self, serializer: Any, direction: str, bypass_extensions: bool = False) -> dict[str, Any]:
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        if direction == "request" and isinstance(serializer, StrictSerializer):
            schema["additionalProperties"] = False  # a field the serializer does not declare is a 400
        return schema

    def _map_basic_serializer(self, serializer: Any, direction: str) -> dict[str, Any]:
        outer, self._direction = getattr(self, "_direction", None), direction  # read by _insert_field_validators
        try:
            return super()._map_basic_serializer(serializer, direction)
        finally:
            self._direction = outer

    def _insert_field_validators(self, field: Any, schema: dict[str, Any]) -> None:
        if isinstance(field, StrictAmountField):
            schema.pop("format", None)
            # What a client may send; what the server writes (a total may pass the maximum) has two decimals.
            schema["pattern"] = field.pattern if getattr(self, "_direction", None) == "request" else WRITTEN_AMOUNT
        elif (
            isinstance(field, serializers.CharField)
            and getattr(self, "_direction", None) == "request"
            and get_override(field, "field") is None
        ):
            schema.setdefault("pattern", _text_pattern(field))
        super()._insert_field_validators(field, schema)
        if "oneOf" in schema:
            # drf-spectacular offers "" beside a pattern as oneOf; where the pattern admits "" too,
            # oneOf would refuse it, so either will do.
            schema["anyOf"] = schema.pop("oneOf")

    # -- responses: every status the operation can answer ---------------------------

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for status_code, response in self._api_errors().items():
            responses.setdefault(status_code, self._get_response_for_code(response, status_code, direction=direction))
        for status_code, response in responses.items():
            if status_code.startswith(("4", "5")) and "content" in response:
                # Every error is a problem document, whatever the view renders on success.
                schema = next(iter(response["content"].values()))
                response["content"] = {PROBLEM_CONTENT_TYPE: schema}
        return dict(sorted(responses.items()))

    def _api_errors(self) -> dict[str, OpenApiResponse]:
        reasons: dict[str, list[str]] = defaultdict(list)
        access = self._access()
        if self.method in BODY_METHODS:
            reasons["400"].append(BODY_INVALID)
            reasons["413"].append(TOO_LARGE)
            reasons["415"].append(NOT_JSON)
        if self._has_query_parameters():
            reasons["400"].append(QUERY_INVALID)
        if access is not Access.PUBLIC:
            reasons["401"].append(NO_TOKEN)
        if access is Access.STAFF:
            reasons["403"].append(NOT_STAFF)
        if access is Access.OWNER:
            reasons["404"].append(NOT_OWNED)
        elif self._has_path_parameters():
            reasons["404"].append(NO_OBJECT)
        if self._accepts_idempotency_key():
            reasons["400"].append(KEY_INVALID.format(max=MAX_KEY_LENGTH))
            reasons["409"].append(IN_FLIGHT)
            reasons["422"].append(KEY_REUSED)
        reasons["406"].append(NOT_ACCEPTABLE)
        reasons["429"].append(RATE_LIMITED)
        reasons["503"].append(DATABASE_DOWN)
        for status_code, titles in self._declared_errors().items():
            reasons[status_code].extend(titles)
        return {status_code: _error(" ".join(lines)) for status_code, lines in reasons.items()}

    def _declared_errors(self) -> dict[str, list[str]]:
        """The view's @raises, by status: one line per status naming each code."""
        codes: dict[str, list[str]] = defaultdict(list)
        for error in declared_errors(self._handler()):
            code = f"`{error.code}`"
            status_code = str(STATUS_BY_KIND[error.kind])
            if code not in codes[status_code]:
                codes[status_code].append(code)
        return {
            status_code: [DECLARED.format(title="Domain error" + "s" * (len(found) > 1), codes=", ".join(found))]
            for status_code, found in codes.items()
        }

    def _has_path_parameters(self) -> bool:
        return "{" in self.path

    def _has_query_parameters(self) -> bool:
        """Whether the operation reads a query parameter it validates (pagination, filters): a 400 when invalid."""
        return any(parameter.get("in") == "query" for parameter in self._get_parameters())


def _text_pattern(field: serializers.CharField) -> str:
    """The pattern a CharField's input must match, from what DRF does before its validators run.

    DRF refuses NUL in text, trims surrounding whitespace (unless trim_whitespace=False) and
    only then checks blankness and the field's regular expression; the schema says the same.
    """
    regexes = [v.regex.pattern for v in field.validators if isinstance(v, validators.RegexValidator)]
    if regexes and field.trim_whitespace:
        inner = regexes[0].removeprefix("^").removesuffix("$").removesuffix(r"\Z")
        optional = "?" if field.allow_blank else ""  # whitespace alone is trimmed to "", which a blank field takes
        return rf"^\s*(?:{inner}){optional}\s*$"
    if regexes:
        return regexes[0]
    return NOT_BLANK if field.trim_whitespace and not field.allow_blank else NO_NUL


API_DESCRIPTION = """
One entry point for every domain of the shop, under `/api/<domain>/`.

**Authentication.** Send `Authorization: Bearer <access token>`. Endpoints marked with no
security requirement are public. No token on another endpoint answers 401; a customer on a
staff-only endpoint gets 403; another customer's object answers 404, exactly like one that
does not exist.

**Errors.** Every error, from any endpoint, is an RFC 9457 problem document (`Problem`,
`application/problem+json`): `type`, `title`, `status`, `detail` (for people: what to do),
`instance`, and our members: a stable `code` to branch on, `field_errors` per input field,
the domain error's `params`, and the `correlation_id`.

**Correlation ids.** Send `X-Request-ID` (up to 100 letters, digits, `.`, `_`, `:` or `-`)
to follow a request through our logs and events; otherwise one is created. The response
carries it back in `X-Request-ID`.

**Rate limits.** Per caller: per user with a token, per IP without, stricter on login.
Over the limit the API answers 429 with `Retry-After` in seconds.

**Idempotency.** Checkout and payment accept an `Idempotency-Key` header: a retry with the
same key and body returns the first response instead of acting twice (422 for the same key
with another body, 409 while the first request is still running). Keys are per caller and
expire after a day by default.
""".strip()


def describe_api(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the API's introduction."""
    result["info"]["description"] = API_DESCRIPTION
    return result
