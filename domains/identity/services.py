"""Identity use cases: accounts and profiles, and the implementation bound to the interface.

Login sessions and tokens are in `sessions.py`.
"""

from __future__ import annotations

import enum
from uuid import UUID

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError

from domains.identity import selectors
from domains.identity.interface import (
    AddressDTO,
    ContactDetailsDTO,
    EmailAlreadyRegisteredError,
    EmailInvalidError,
    PasswordRejectedError,
    ProfileDTO,
    ProfileInvalidError,
    UserDTO,
    UserNotFoundError,
    UserRegistered,
)
from domains.identity.models import ADDRESS_FIELDS, User, normalize_email
from domains.identity.validation import (
    ADDRESS_FIELD_REQUIRED,
    EMAIL_MAX_LENGTH,
    FULL_NAME_REQUIRED,
    normalize_phone,
)
from shared.bus.runtime import publish
from shared.db import atomic

# Model field -> the name a caller knows it by (the API's and the DTO's).
PUBLIC_FIELD_NAMES = {
    "shipping_line1": "shipping_address.line1",
    "shipping_line2": "shipping_address.line2",
    "shipping_postal_code": "shipping_address.postal_code",
    "shipping_city": "shipping_address.city",
    "shipping_country": "shipping_address.country",
    "__all__": "shipping_address",
}
REQUIRED_ADDRESS_PARTS = ("line1", "postal_code", "city", "country")


class Unset(enum.Enum):
    """The value of a profile field a partial update leaves alone (None may mean 'remove')."""

    UNSET = "unset"


UNSET = Unset.UNSET


def password_problems(*, password: str, email: str, full_name: str) -> list[str]:
    """Why AUTH_PASSWORD_VALIDATORS refuse `password` for this person; [] when they accept it."""
    try:
        validate_password(password, user=User(email=email, full_name=full_name))
    except ValidationError as exc:
        return list(exc.messages)
    return []


def register_user(*, email: str, password: str, full_name: str) -> UserDTO:
    email = normalize_email(email)
    try:
        if len(email) > EMAIL_MAX_LENGTH:
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError:
        raise EmailInvalidError(email=email) from None
    candidate = User(email=email, full_name=full_name.strip())
    if not candidate.full_name:
        raise ProfileInvalidError(field_errors={"full_name": (FULL_NAME_REQUIRED,)})
    _validated(candidate)
    reasons = password_problems(password=password, email=email, full_name=candidate.full_name)
    if reasons:
        raise PasswordRejectedError(reasons=tuple(reasons))
    candidate.set_password(password)
    try:
        with atomic("identity"):
            candidate.save(force_insert=True)
            publish(UserRegistered(user_id=candidate.id, email=candidate.email, full_name=candidate.full_name))
    except IntegrityError:
        if User.objects.filter(email=email).exists():
            raise EmailAlreadyRegisteredError(email=email) from None
        raise
    return selectors.user_dto(candidate)


def update_profile(
    *,
    user_id: UUID,
    full_name: str | Unset = UNSET,
    phone: str | Unset = UNSET,
    shipping_address: AddressDTO | Unset | None = UNSET,
) -> ProfileDTO:
    """Change the fields given; an empty phone or a None address removes them.

    Raises UserNotFoundError, ProfileInvalidError (per field, nothing saved).
    """
    with atomic("identity"):
        try:
            user = User.objects.select_for_update().get(id=user_id)
        except User.DoesNotExist:
            raise UserNotFoundError(user_id=user_id) from None
        changed: list[str] = []
        if not isinstance(full_name, Unset):
            user.full_name = full_name.strip()
            if not user.full_name:
                raise ProfileInvalidError(field_errors={"full_name": (FULL_NAME_REQUIRED,)})
            changed.append("full_name")
        if not isinstance(phone, Unset):
            user.phone = normalize_phone(phone)
            changed.append("phone")
        if not isinstance(shipping_address, Unset):
            _set_shipping_address(user, shipping_address)
            changed.extend(ADDRESS_FIELDS)
        if changed:
            _validated(user).save(update_fields=changed)
    return selectors.profile_dto(user)


def _set_shipping_address(user: User, address: AddressDTO | None) -> None:
    if address is None:
        for field in ADDRESS_FIELDS:
            setattr(user, field, "")
        return
    parts = {name: getattr(address, name).strip() for name in ("line1", "line2", "postal_code", "city", "country")}
    missing = {
        f"shipping_address.{name}": (ADDRESS_FIELD_REQUIRED,) for name in REQUIRED_ADDRESS_PARTS if not parts[name]
    }
    if missing:
        raise ProfileInvalidError(field_errors=missing)
    user.shipping_line1, user.shipping_line2 = parts["line1"], parts["line2"]
    user.shipping_postal_code, user.shipping_city = parts["postal_code"], parts["city"]
    user.shipping_country = parts["country"].upper()


def _validated(user: User) -> User:
    """The model's own rules (lengths, formats, constraints), reported by public field name."""
    try:
        user.full_clean(exclude=["password"], validate_unique=False)
    except ValidationError as exc:
        raise ProfileInvalidError(
            field_errors={PUBLIC_FIELD_NAMES.get(field, field): tuple(m) for field, m in exc.message_dict.items()}
        ) from None
    return user


class IdentityService:
    """Binds the identity use cases and reads to the IdentityApi protocol."""

    def register_user(self, *, email: str, password: str, full_name: str) -> UserDTO:
        return register_user(email=email, password=password, full_name=full_name)

    def get_user(self, *, user_id: UUID) -> UserDTO:
        return selectors.get_user(user_id=user_id)

    def get_users(self, *, user_ids: tuple[UUID, ...]) -> tuple[UserDTO, ...]:
        return selectors.get_users(user_ids=user_ids)

    def get_profile(self, *, user_id: UUID) -> ProfileDTO:
        return selectors.get_profile(user_id=user_id)

    def get_contact_details(self, *, user_id: UUID) -> ContactDetailsDTO:
        return selectors.get_contact_details(user_id=user_id)
