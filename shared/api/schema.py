"""The OpenAPI 3 schema (drf-spectacular) says what the API layer does, not only what views return.

`ApiAutoSchema` (REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]) adds to every operation the
error responses the API layer can give it, all problem documents (`Problem`, RFC 9457,
served as application/problem+json): 400 and 413 on requests with a body, 401 unless the
endpoint is public, 403 on staff-only ones, 404 on endpoints that name an object, 409 and
422 with the Idempotency-Key header where the view accepts one, and 429 everywhere.
`describe_api` (a postprocessing hook) writes the API's introduction: authentication,
errors, correlation ids, rate limits, idempotency.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from shared.api.access import Access, declared_access
from shared.api.errors import PROBLEM_CONTENT_TYPE
from shared.api.idempotency import IDEMPOTENCY_KEY_HEADER, MAX_KEY_LENGTH
from shared.auth.authentication import BearerTokenAuthentication

BODY_METHODS = ("POST", "PUT", "PATCH")


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
    """drf-spectacular's AutoSchema plus the API layer's errors, idempotency header and public access."""

    def _access(self) -> Access | None:
        declared = declared_access(type(self.view), self.method)
        return declared[0] if len(declared) == 1 else None

    def _accepts_idempotency_key(self) -> bool:
        handler = getattr(self.view, self.method.lower(), None)
        return bool(getattr(handler, "accepts_idempotency_key", False))

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
                    type=str,
                    location=OpenApiParameter.HEADER,
                    required=False,
                    description=(
                        f"1-{MAX_KEY_LENGTH} printable ASCII characters (a UUID). A retry with the same key and "
                        "body returns the first response (with Idempotent-Replayed: true) instead of acting twice."
                    ),
                )
            )
        return parameters

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for status_code, response in self._api_errors().items():
            responses.setdefault(status_code, self._get_response_for_code(response, status_code, direction=direction))
        for status_code, response in responses.items():
            if status_code.startswith(("4", "5")) and "content" in response:
                # Every error is a problem document, whatever the view renders on success.
                schema = next(iter(response["content"].values()))
                response["content"] = {PROBLEM_CONTENT_TYPE: schema}
        return responses

    def _api_errors(self) -> dict[str, OpenApiResponse]:
        access = self._access()
        errors: dict[str, OpenApiResponse] = {}
        if self.method in BODY_METHODS:
            errors["400"] = _error("Invalid fields (see field_errors) or a body that is not valid JSON.")
            errors["413"] = _error("The body is larger than the API accepts.")
        if access is not Access.PUBLIC:
            errors["401"] = _error("No access token, or one that is expired, forged or signed by an unknown key.")
        if access is Access.STAFF:
            errors["403"] = _error("The caller is not staff.")
        if access is Access.OWNER:
            errors["404"] = _error("No such object among the caller's own (another caller's id reads as unknown).")
        elif self._has_path_parameters():
            errors["404"] = _error("No such object.")
        if self._accepts_idempotency_key():
            errors["409"] = _error("A request with this Idempotency-Key is still being processed; retry shortly.")
            errors["422"] = _error("This Idempotency-Key was first used with another request.")
        errors["429"] = _error("Rate limit exceeded; retry after the number of seconds in Retry-After.")
        return errors

    def _has_path_parameters(self) -> bool:
        return "{" in self.path


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
