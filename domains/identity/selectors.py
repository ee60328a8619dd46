"""Identity reads, returning DTOs."""

from __future__ import annotations

from uuid import UUID

from domains.identity.interface import AddressDTO, ContactDetailsDTO, ProfileDTO, UserDTO, UserNotFoundError
from domains.identity.models import User
from shared.auth.principal import CUSTOMER_SCOPE, STAFF_SCOPE


def user_dto(user: User) -> UserDTO:
    return UserDTO(
        id=user.id,
        email=user.email,
        full_name=user.full_name,
        is_staff=user.is_staff,
        is_active=user.is_active,
        date_joined=user.date_joined,
    )


def address_dto(user: User) -> AddressDTO | None:
    if not user.has_shipping_address:
        return None
    return AddressDTO(
        line1=user.shipping_line1,
        line2=user.shipping_line2,
        postal_code=user.shipping_postal_code,
        city=user.shipping_city,
        country=user.shipping_country,
    )


def profile_dto(user: User) -> ProfileDTO:
    return ProfileDTO(
        user_id=user.id,
        email=user.email,
        full_name=user.full_name,
        phone=user.phone,
        shipping_address=address_dto(user),
    )


def scopes_of(user: User) -> frozenset[str]:
    """What the user's access tokens allow: every account shops as a customer; staff also run the shop."""
    return frozenset({CUSTOMER_SCOPE, STAFF_SCOPE} if user.is_staff else {CUSTOMER_SCOPE})


def _user(user_id: UUID) -> User:
    try:
        return User.objects.get(id=user_id)
    except User.DoesNotExist:
        raise UserNotFoundError(user_id=user_id) from None


def get_user(*, user_id: UUID) -> UserDTO:
    return user_dto(_user(user_id))


def get_users(*, user_ids: tuple[UUID, ...]) -> tuple[UserDTO, ...]:
    return tuple(user_dto(user) for user in User.objects.filter(id__in=user_ids))


def get_profile(*, user_id: UUID) -> ProfileDTO:
    return profile_dto(_user(user_id))


def get_contact_details(*, user_id: UUID) -> ContactDetailsDTO:
    user = _user(user_id)
    return ContactDetailsDTO(
        user_id=user.id, email=user.email, full_name=user.full_name, phone=user.phone, is_active=user.is_active
    )
