"""Objects owned by one caller, for the OwnerOnly endpoints: one factory per URL name.

Each factory makes a real object of `owner`'s through the API (or a domain interface) and
returns the URL arguments that name it, and how the owner reads it back, so the test can
show another caller's attempt changed nothing. A new OwnerOnly endpoint fails
`test_every_object_endpoint_has_an_owned_object_factory` until it has one here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from django.test import Client

from tests.security.callers import Caller


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class OwnedObject:
    url_kwargs: dict[str, Any]
    """The URL arguments that name the object."""
    read: Callable[[], Any]
    """The owner's view of the object (the response body of an owner's GET)."""


ObjectFactory = Callable[[Client, Caller], OwnedObject]

OBJECT_FACTORIES: dict[str, ObjectFactory] = {}
