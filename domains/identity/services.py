"""Identity use cases: the implementation bound to `domains.identity.interface.identity`."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from domains.identity import selectors
from domains.identity.interface import (
    EmailAlreadyRegisteredError,
    EmailInvalidError,
    PasswordRejectedError,
    UserDTO,
    UserRegistered,
)
from domains.identity.models import User, normalize_email
from shared.bus.runtime import publish


def register_user(*, email: str, password: str, full_name: str) -> UserDTO:
    email = normalize_email(email)
    try:
        validate_email(email)
    except ValidationError:
        raise EmailInvalidError(email=email) from None
    candidate = User(email=email, full_name=full_name.strip())
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise PasswordRejectedError(reasons=tuple(exc.messages)) from None
    candidate.set_password(password)
    try:
        with transaction.atomic():
            candidate.save(force_insert=True)
            publish(UserRegistered(user_id=candidate.id, email=candidate.email, full_name=candidate.full_name))
    except IntegrityError:
        if User.objects.filter(email=email).exists():
            raise EmailAlreadyRegisteredError(email=email) from None
        raise
    return selectors.user_dto(candidate)


class IdentityService:
    """Binds the identity use cases and reads to the IdentityApi protocol."""

    def register_user(self, *, email: str, password: str, full_name: str) -> UserDTO:
        return register_user(email=email, password=password, full_name=full_name)

    def get_user(self, *, user_id: UUID) -> UserDTO:
        return selectors.get_user(user_id=user_id)

    def get_users(self, *, user_ids: tuple[UUID, ...]) -> tuple[UserDTO, ...]:
        return selectors.get_users(user_ids=user_ids)
