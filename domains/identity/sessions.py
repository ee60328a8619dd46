"""Login sessions: short-lived access tokens, and refresh tokens rotated on every use.

A login starts a session: a family of refresh tokens, of which only the newest is
valid. Refreshing spends the presented token and issues the next one (rotation). A
spent token presented again means two parties hold it, one of them not the user, so
the whole family is revoked and both must log in again (reuse detection, as in the
OAuth 2.0 Security Best Current Practice, RFC 9700 §4.14.2). Logging out revokes the
family. The server keeps only a SHA-256 digest of each refresh token: they are random
and long, so a slow hash would add nothing, and a leaked table reveals no usable token.

Access tokens are signed here (access_tokens.py) and cannot be revoked;
they expire after AUTH_ACCESS_TOKEN_SECONDS, which is why that setting is short.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate
from django.utils import timezone

from domains.identity.access_tokens import issue_access_token
from domains.identity.interface import (
    IdentityError,
    InvalidCredentialsError,
    RefreshTokenInvalidError,
    RefreshTokenReusedError,
)
from domains.identity.models import RefreshToken, RevocationReason, User, normalize_email
from domains.identity.selectors import scopes_of
from shared.auth.principal import Principal
from shared.db import atomic

logger = logging.getLogger(__name__)

REFRESH_TOKEN_BYTES = 32  # 256 bits of randomness; 43 characters in base64url
TOKEN_TYPE = "Bearer"


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenPair:
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int  # seconds until the access token expires


def log_in(*, email: str, password: str) -> TokenPair:
    """Start a session for the account with this email and password.

    Raises InvalidCredentialsError for an unknown email, a wrong password and an
    inactive account alike, in about the same time (Django's ModelBackend hashes the
    password even when no user matches), so the answer never tells whether the email exists.
    """
    user = authenticate(None, username=normalize_email(email), password=password)
    if not isinstance(user, User):
        raise InvalidCredentialsError()
    now = timezone.now()
    with atomic("identity"):
        User.objects.filter(id=user.id).update(last_login=now)
        refresh_token = _start_refresh_token(user=user, family_id=uuid.uuid4(), now=now)
    return _token_pair(user, refresh_token)


def refresh_session(*, refresh_token: str) -> TokenPair:
    """Spend `refresh_token` for a new access token and the session's next refresh token.

    Raises RefreshTokenInvalidError (unknown, expired, revoked, or the account was
    deactivated) and RefreshTokenReusedError (already spent: the session is revoked,
    and stays revoked although the error rolls nothing back).
    """
    now = timezone.now()
    with atomic("identity"):
        token = (
            RefreshToken.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(token_hash=_digest(refresh_token))
            .first()
        )
        problem = _refresh_problem(token, now=now)
        if isinstance(problem, RefreshTokenReusedError) and token is not None:
            revoked = _revoke_family(family_id=token.family_id, reason=RevocationReason.REUSE_DETECTED, now=now)
            logger.warning(
                "Refresh token %s of user %s was presented again after rotation; revoked its session %s (%d tokens).",
                token.id,
                token.user_id,
                token.family_id,
                revoked,
            )
        elif problem is None and token is not None:
            token.used_at = now
            token.save(update_fields=["used_at"])
            next_token = _start_refresh_token(user=token.user, family_id=token.family_id, now=now)
    if problem is not None:
        raise problem
    return _token_pair(token.user, next_token)


def _refresh_problem(token: RefreshToken | None, *, now: dt.datetime) -> IdentityError | None:
    if token is None or token.revoked_at is not None or token.expires_at <= now or not token.user.is_active:
        return RefreshTokenInvalidError()
    if token.used_at is not None:
        return RefreshTokenReusedError()
    return None


def log_out(*, user_id: uuid.UUID, refresh_token: str) -> None:
    """End the session `refresh_token` belongs to, if it is `user_id`'s.

    Idempotent and silent, like OAuth token revocation (RFC 7009 §2.2): an unknown,
    expired, already revoked or someone else's token changes nothing and raises nothing.
    """
    token = RefreshToken.objects.filter(token_hash=_digest(refresh_token), user_id=user_id).first()
    if token is not None:
        _revoke_family(family_id=token.family_id, reason=RevocationReason.LOGOUT, now=timezone.now())


def revoke_sessions(*, user_id: uuid.UUID, reason: RevocationReason) -> int:
    """Revoke every live session of a user (staff action, deactivation); the number of tokens revoked."""
    return RefreshToken.objects.filter(user_id=user_id, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=reason
    )


def purge_expired_refresh_tokens(*, now: dt.datetime | None = None) -> int:
    """Delete refresh tokens past their expiry (they can no longer be used); the number deleted."""
    deleted, _ = RefreshToken.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


def _revoke_family(*, family_id: uuid.UUID, reason: RevocationReason, now: dt.datetime) -> int:
    return RefreshToken.objects.filter(family_id=family_id, revoked_at__isnull=True).update(
        revoked_at=now, revoked_reason=reason
    )


def _start_refresh_token(*, user: User, family_id: uuid.UUID, now: dt.datetime) -> str:
    secret = secrets.token_urlsafe(REFRESH_TOKEN_BYTES)
    RefreshToken.objects.create(
        user=user,
        family_id=family_id,
        token_hash=_digest(secret),
        created_at=now,
        expires_at=now + dt.timedelta(seconds=settings.AUTH_REFRESH_TOKEN_SECONDS),
    )
    return secret


def _digest(refresh_token: str) -> str:
    return hashlib.sha256(refresh_token.encode()).hexdigest()


def _token_pair(user: User, refresh_token: str) -> TokenPair:
    access = issue_access_token(Principal(id=user.id, email=user.email, scopes=scopes_of(user)))
    return TokenPair(
        access_token=access.token, refresh_token=refresh_token, token_type=TOKEN_TYPE, expires_in=access.expires_in
    )
