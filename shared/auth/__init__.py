"""Who is calling: access tokens verified with the identity provider's public keys, and the caller they name.

    principal.py        Principal, the caller every view sees as `request.user`
    keys.py             the key set that verifies: PEM files or the provider's JWK set; nothing signs
    tokens.py           verify_access_token and its errors
    authentication.py   BearerTokenAuthentication, the DRF authentication class

Every process verifies; only the identity domain signs (domains/identity/signing_keys.py).
A service that leaves the monolith keeps this package and needs no identity database.
"""

from shared.auth.authentication import (
    BEARER_CHALLENGE,
    AccessTokenExpired,
    AccessTokenInvalid,
    BearerTokenAuthentication,
)
from shared.auth.principal import CUSTOMER_SCOPE, STAFF_SCOPE, Principal
from shared.auth.tokens import ExpiredTokenError, InvalidTokenError, TokenError, verify_access_token

__all__ = [
    "BEARER_CHALLENGE",
    "CUSTOMER_SCOPE",
    "STAFF_SCOPE",
    "AccessTokenExpired",
    "AccessTokenInvalid",
    "BearerTokenAuthentication",
    "ExpiredTokenError",
    "InvalidTokenError",
    "Principal",
    "TokenError",
    "verify_access_token",
]
