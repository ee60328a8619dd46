"""Who is calling: what every view sees as `request.user` once a token is verified.

Any service can build it from a verified access token alone, without the identity
database, which is what lets a domain leave the process without asking identity who
its callers are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar
from uuid import UUID

STAFF_SCOPE = "staff"
CUSTOMER_SCOPE = "customer"


@dataclass(frozen=True, slots=True, kw_only=True)
class Principal:
    id: UUID
    email: str
    scopes: frozenset[str]

    is_authenticated: ClassVar[bool] = True
    is_anonymous: ClassVar[bool] = False

    @property
    def is_staff(self) -> bool:
        return STAFF_SCOPE in self.scopes

    @property
    def pk(self) -> UUID:
        return self.id
