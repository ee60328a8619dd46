"""Identity: the users of the shop, and the identity provider that vouches for them.

Owns: users (email login, case-insensitive; staff flag), their shop profile (full name,
phone, default shipping address), and login sessions (refresh token families).
Issues: access tokens (JWT, signed with its own keys: signing_keys.py, access_tokens.py) whose
scopes are `customer` for everyone and `staff` for staff; any service verifies them with
the public keys at /.well-known/jwks.json (shared.auth), without this domain's database.
Publishes: identity.UserRegistered.
Consumes: nothing.
"""
