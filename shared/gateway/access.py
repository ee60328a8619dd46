"""Who may call an endpoint: the four access classes every /api/ view declares.

Each is a DRF permission class, so the declaration is also the enforcement:

    class OrderDetailView(APIView):
        permission_classes = (OwnerOnly,)

    Public          anyone, with or without a token (catalog browsing, registration, login, keys)
    Authenticated   any valid token; the endpoint names no object (my cart, checkout)
    OwnerOnly       any valid token, and the endpoint names an object (its URL captures an id):
                    the view looks the object up among the caller's own, so another caller's
                    id answers 404, exactly as an id that does not exist
    StaffOnly       a token with the staff scope; customers get 403

Without a token a non-public endpoint answers 401 (DRF's NotAuthenticated). The project's
DEFAULT_PERMISSION_CLASSES keeps an endpoint that declares nothing closed to anonymous
callers, and tests/security fails for it by name until it declares one of these: the
generated authorization tests read the declaration to know what to prove.
"""

from __future__ import annotations

import enum
from typing import Any

from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request


class Access(enum.StrEnum):
    PUBLIC = "public"
    AUTHENTICATED = "authenticated"
    OWNER = "owner"
    STAFF = "staff"


class Public(AllowAny):
    """Anyone may call it. (An AllowAny, so the OpenAPI schema shows it needs no token.)"""

    access = Access.PUBLIC


class Authenticated(IsAuthenticated):
    """Any caller with a valid token; the endpoint acts on the caller's own data and names no object."""

    access = Access.AUTHENTICATED


class OwnerOnly(IsAuthenticated):
    """Any caller with a valid token, on an object that must be the caller's own.

    The permission cannot see the object: the view must look it up among the caller's own
    (filter by `request.user.id`), so that another caller's id is indistinguishable from an
    id that does not exist (404, not 403: a 403 would confirm the id exists).
    """

    access = Access.OWNER


class StaffOnly(BasePermission):
    """Callers whose token carries the staff scope; an authenticated customer gets 403."""

    access = Access.STAFF

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and getattr(user, "is_staff", False))


ACCESS_CLASSES: tuple[type[BasePermission], ...] = (Public, Authenticated, OwnerOnly, StaffOnly)


def declared_access(view_class: type) -> tuple[Access, ...]:
    """The access classes a view declares in its permission_classes, in order (none, one, or a mistake)."""
    permission_classes = getattr(view_class, "permission_classes", ())
    return tuple(
        cls.access  # type: ignore[attr-defined]
        for cls in permission_classes
        if isinstance(cls, type) and issubclass(cls, ACCESS_CLASSES)
    )
