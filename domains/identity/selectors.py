"""Identity reads, returning DTOs."""

from __future__ import annotations

from uuid import UUID

from domains.identity.interface import UserDTO, UserNotFoundError
from domains.identity.models import User


def user_dto(user: User) -> UserDTO:
    return UserDTO(
        id=user.id, email=user.email, full_name=user.full_name, is_staff=user.is_staff, date_joined=user.date_joined
    )


def get_user(*, user_id: UUID) -> UserDTO:
    try:
        return user_dto(User.objects.get(id=user_id))
    except User.DoesNotExist:
        raise UserNotFoundError(user_id=user_id) from None


def get_users(*, user_ids: tuple[UUID, ...]) -> tuple[UserDTO, ...]:
    return tuple(user_dto(user) for user in User.objects.filter(id__in=user_ids))
