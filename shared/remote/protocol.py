"""The internal endpoint's protocol, shared by the client that calls it and the view that serves it.

POST /internal/<domain>/<operation>/
Content-Type: application/json                 the arguments, a JSON object by parameter name
X-Service-Authorization: Bearer <token>        made out to <domain> (shared.auth.service_tokens)
X-Request-ID: <correlation id>
X-Service-Request-ID: <hex>                    operations marked @creates: the same for every retry

200 application/json                           the result, encoded as its declared type
4xx/503 application/problem+json               a domain error: `code` and typed `params`
401/403/404/409/422/400 application/problem+json   the endpoint's own refusals (codes below)
"""

from __future__ import annotations

INTERNAL_PREFIX = "internal/"
SERVICE_REQUEST_ID_HEADER = "X-Service-Request-ID"

SERVICE_TOKEN_CODE_PREFIX = "auth.service_token"
TOKEN_MISSING_CODE = "auth.service_token_missing"
TOKEN_INVALID_CODE = "auth.service_token_invalid"
TOKEN_WRONG_AUDIENCE_CODE = "auth.service_token_wrong_audience"
NO_SUCH_OPERATION_CODE = "remote.no_such_operation"
NOT_SERVED_HERE_CODE = "remote.not_served_here"
ARGUMENTS_INVALID_CODE = "remote.arguments_invalid"
REQUEST_ID_REQUIRED_CODE = "remote.request_id_required"
IN_FLIGHT_CODE = "idempotency.request_in_flight"
REQUEST_ID_REUSED_CODE = "idempotency.key_reused"


def internal_path(domain: str, operation: str) -> str:
    return f"/{INTERNAL_PREFIX}{domain}/{operation}/"
