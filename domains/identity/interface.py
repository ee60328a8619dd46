"""The identity domain's public face: operations, DTOs, events, errors."""

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
    date_joined: dt.datetime


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


# -- Operations --------------------------------------------------------------------


class IdentityApi(Protocol):
    def register_user(self, *, email: str, password: str, full_name: str) -> UserDTO:
        """Create a customer account.

        Raises EmailInvalidError, PasswordRejectedError, EmailAlreadyRegisteredError.
        Publishes identity.UserRegistered. Not idempotent: a second call with the same
        email raises EmailAlreadyRegisteredError.
        """
        ...

    @idempotent
    def get_user(self, *, user_id: UUID) -> UserDTO:
        """The user with this id. Raises UserNotFoundError."""
        ...

    @idempotent
    def get_users(self, *, user_ids: tuple[UUID, ...]) -> tuple[UserDTO, ...]:
        """The users among `user_ids` that exist, in no particular order."""
        ...


identity: IdentityApi = declare_interface(
    "identity",
    IdentityApi,
    events=(UserRegistered,),
    errors=(UserNotFoundError, EmailAlreadyRegisteredError, EmailInvalidError, PasswordRejectedError),
)
