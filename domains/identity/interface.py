"""The identity domain's public face: operations, DTOs, events, errors.

Other domains learn who a user is from the caller's Principal (shared.auth.principal,
built from the access token); they ask this interface only for what a token does not
carry: names, contact details, the default shipping address.

Errors:
    IdentityError
    ├── UserNotFoundError               404  no user with this id
    ├── EmailAlreadyRegisteredError     409  registration with a taken email (any case)
    ├── EmailInvalidError               400  not an email address
    ├── PasswordRejectedError           400  the password validators refused it
    ├── ProfileInvalidError             400  profile fields that break a rule, per field
    ├── InvalidCredentialsError         401  login failed; never says whether the email exists
    ├── RefreshTokenInvalidError        401  unknown, expired or revoked refresh token
    └── RefreshTokenReusedError         401  a rotated refresh token came back: its session is revoked
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from shared.errors import DomainError, ErrorKind
from shared.events import event
from shared.interfaces import declare_interface, idempotent

# -- DTOs --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class UserDTO:
    id: UUID
    email: str
    full_name: str
    is_staff: bool
    is_active: bool
    date_joined: dt.datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class AddressDTO:
    line1: str
    line2: str
    postal_code: str
    city: str
    country: str  # ISO 3166-1 alpha-2


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfileDTO:
    user_id: UUID
    email: str
    full_name: str
    phone: str  # E.164, or "" when not given
    shipping_address: AddressDTO | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ContactDetailsDTO:
    """How to reach a customer; `is_active` False means: do not send anything."""

    user_id: UUID
    email: str
    full_name: str
    phone: str
    is_active: bool


# -- Events ------------------------------------------------------------------------


@event("identity.UserRegistered", version=1, key="user_id")
class UserRegistered:
    user_id: UUID
    email: str
    full_name: str


# -- Errors ------------------------------------------------------------------------


class IdentityErrorCode(enum.StrEnum):
    USER_NOT_FOUND = "identity.user_not_found"
    EMAIL_ALREADY_REGISTERED = "identity.email_already_registered"
    EMAIL_INVALID = "identity.email_invalid"
    PASSWORD_REJECTED = "identity.password_rejected"
    PROFILE_INVALID = "identity.profile_invalid"
    INVALID_CREDENTIALS = "identity.invalid_credentials"
    REFRESH_TOKEN_INVALID = "identity.refresh_token_invalid"
    REFRESH_TOKEN_REUSED = "identity.refresh_token_reused"


class IdentityError(DomainError):
    """Base of the identity domain's errors."""


class UserNotFoundError(IdentityError):
    code = IdentityErrorCode.USER_NOT_FOUND
    kind = ErrorKind.NOT_FOUND
    message = "User {user_id} does not exist. Check the id; users are never deleted, only deactivated."
    user_id: UUID


class EmailAlreadyRegisteredError(IdentityError):
    code = IdentityErrorCode.EMAIL_ALREADY_REGISTERED
    kind = ErrorKind.CONFLICT
    message = "The email {email} is already registered. Log in, or register with another address."
    email: str


class EmailInvalidError(IdentityError):
    code = IdentityErrorCode.EMAIL_INVALID
    kind = ErrorKind.INVALID
    message = "{email!r} is not a valid email address. Use the form name@example.com."
    email: str


class PasswordRejectedError(IdentityError):
    code = IdentityErrorCode.PASSWORD_REJECTED
    kind = ErrorKind.INVALID
    message = "The password was rejected: {reasons}. Choose a longer, less common password."
    reasons: tuple[str, ...]


class ProfileInvalidError(IdentityError):
    code = IdentityErrorCode.PROFILE_INVALID
    kind = ErrorKind.INVALID
    message = "The profile was not saved: {field_errors}. Correct these fields and retry."
    field_errors: dict[str, tuple[str, ...]]


class InvalidCredentialsError(IdentityError):
    code = IdentityErrorCode.INVALID_CREDENTIALS
    kind = ErrorKind.UNAUTHORIZED
    message = (
        "The email or the password is wrong. Check both and retry; "
        "without an account, register at POST /api/identity/register/."
    )


class RefreshTokenInvalidError(IdentityError):
    code = IdentityErrorCode.REFRESH_TOKEN_INVALID
    kind = ErrorKind.UNAUTHORIZED
    message = "The refresh token is unknown, expired or revoked. Log in again at POST /api/identity/token/."


class RefreshTokenReusedError(IdentityError):
    code = IdentityErrorCode.REFRESH_TOKEN_REUSED
    kind = ErrorKind.UNAUTHORIZED
    message = (
        "The refresh token was already used once, so it may have been stolen: its session is now "
        "revoked. Log in again at POST /api/identity/token/, and keep only the newest refresh token."
    )


# -- Operations --------------------------------------------------------------------


class IdentityApi(Protocol):
    def register_user(self, *, email: str, password: str, full_name: str) -> UserDTO:
        """Create a customer account.

        Raises EmailInvalidError, PasswordRejectedError, ProfileInvalidError (blank or
        too long a name), EmailAlreadyRegisteredError. Publishes identity.UserRegistered.
        Not idempotent: a second call with the same email raises EmailAlreadyRegisteredError.
        """
        ...

    @idempotent
    def get_user(self, *, user_id: UUID) -> UserDTO:
        """The user with this id, active or not. Raises UserNotFoundError."""
        ...

    @idempotent
    def get_users(self, *, user_ids: tuple[UUID, ...]) -> tuple[UserDTO, ...]:
        """The users among `user_ids` that exist, in no particular order."""
        ...

    @idempotent
    def get_profile(self, *, user_id: UUID) -> ProfileDTO:
        """The user's shop profile (name, phone, default shipping address). Raises UserNotFoundError."""
        ...

    @idempotent
    def get_contact_details(self, *, user_id: UUID) -> ContactDetailsDTO:
        """Where to notify the user, for notifications. Raises UserNotFoundError."""
        ...


identity: IdentityApi = declare_interface(
    "identity",
    IdentityApi,
    events=(UserRegistered,),
    errors=(
        UserNotFoundError,
        EmailAlreadyRegisteredError,
        EmailInvalidError,
        PasswordRejectedError,
        ProfileInvalidError,
        InvalidCredentialsError,
        RefreshTokenInvalidError,
        RefreshTokenReusedError,
    ),
)
