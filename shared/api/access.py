"""Who may call an endpoint: the four access classes every /api/ view declares.

Each is a DRF permission class, so the declaration is also the enforcement:

    class OrderDetailView(APIView):
        permission_classes = (OwnerOnly,)

    Public          anyone, with or without a token (catalog browsing, registration, login)
    Authenticated   any valid token; the endpoint names no object (my cart, checkout)
    OwnerOnly       any valid token, and the endpoint names an object (its URL captures an id):
                    the view looks the object up among the caller's own, so another caller's
                    id answers 404, exactly as an id that does not exist
    StaffOnly       a token with the staff scope; customers get 403

An endpoint whose methods differ declares them one by one:

    permission_classes = (by_method(GET=Public, POST=StaffOnly),)

Without a token a non-public endpoint answers 401 (DRF's NotAuthenticated). The project's
DEFAULT_PERMISSION_CLASSES keeps an endpoint that declares nothing closed to anonymous
callers, and tests/security fails for it by name until it declares one of these: the
generated authorization tests read the declaration to know what to prove.
"""

from __future__ import annotations

import enum
from typing import Any, ClassVar

from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request

from shared.auth.principal import STAFF_SCOPE


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


STAFF_ONLY_MESSAGE = (
    f"This endpoint is for staff: a token with scope '{STAFF_SCOPE}' is required. "
    "Sign in with a staff account at POST /api/identity/token/."
)


class StaffOnly(BasePermission):
    """Callers whose token carries the staff scope; an authenticated customer gets 403 saying so."""

    access = Access.STAFF
    message = STAFF_ONLY_MESSAGE

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and getattr(user, "is_staff", False))


ACCESS_CLASSES: tuple[type[BasePermission], ...] = (Public, Authenticated, OwnerOnly, StaffOnly)

NOT_AN_ACCESS_CLASS = "by_method({method}=...): {given!r} is not one of Public, Authenticated, OwnerOnly, StaffOnly."
NOT_A_METHOD = "by_method(): {method!r} is not an HTTP method; use GET, POST, PUT, PATCH or DELETE."
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class ByMethod(BasePermission):
    """Base of the permission classes `by_method` makes: each method checked by its own access class."""

    access_by_method: ClassVar[dict[str, type[BasePermission]]] = {}
    message: str | None = None

    def _for(self, method: str | None) -> BasePermission | None:
        method = "GET" if method in ("HEAD", "OPTIONS") and method not in self.access_by_method else method
        permission = self.access_by_method.get(method or "")
        return permission() if permission is not None else None

    def has_permission(self, request: Request, view: Any) -> bool:
        permission = self._for(request.method)
        if permission is None:
            # A method the view does not handle at all passes, so that DRF answers 405, not 401/403.
            return not hasattr(view, (request.method or "").lower())
        if permission.has_permission(request, view):
            return True
        self.message = getattr(permission, "message", None)  # DRF answers the 403 with the refusing one's message
        return False

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        permission = self._for(request.method)
        return permission is not None and permission.has_object_permission(request, view, obj)


def by_method(**access: type[BasePermission]) -> type[ByMethod]:
    """One endpoint whose methods differ in who may call them: by_method(GET=Public, POST=StaffOnly).

    A method the view handles but that is not named is refused to everyone (HEAD and OPTIONS
    follow GET); one it does not handle gets DRF's 405.
    """
    for method, given in access.items():
        if method not in HTTP_METHODS:
            raise TypeError(NOT_A_METHOD.format(method=method))
        if not (isinstance(given, type) and issubclass(given, ACCESS_CLASSES)):
            raise TypeError(NOT_AN_ACCESS_CLASS.format(method=method, given=given))
    name = "By" + "".join(f"{method.title()}{cls.__name__}" for method, cls in access.items())
    return type(name, (ByMethod,), {"access_by_method": dict(access), "__module__": __name__})


def declared_access(view_class: type, method: str) -> tuple[Access, ...]:
    """The access classes a view declares for `method`, in order (none, one, or a mistake)."""
    declared = []
    for cls in getattr(view_class, "permission_classes", ()):
        if not isinstance(cls, type):
            continue
        if issubclass(cls, ByMethod):
            cls = cls.access_by_method.get(method)
        if cls is not None and issubclass(cls, ACCESS_CLASSES):
            declared.append(cls.access)  # type: ignore[attr-defined]
    return tuple(declared)
