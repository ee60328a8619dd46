"""Demo accounts for a local shop. Idempotent: running it twice changes nothing."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from domains.identity.interface import EmailAlreadyRegisteredError
from domains.identity.models import User
from domains.identity.services import register_user

DEMO_PASSWORD = "modulith-demo-2026"


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoAccount:
    email: str
    full_name: str
    is_staff: bool


DEMO_ACCOUNTS = (
    DemoAccount(email="customer@example.com", full_name="Casey Customer", is_staff=False),
    DemoAccount(email="staff@example.com", full_name="Sam Staff", is_staff=True),
)


def load_demo_data() -> list[str]:
    """Create the demo customer and staff user; return the lines that tell how to log in.

    The staff user is staff in the shop (its tokens carry the `staff` scope) and a
    superuser in /admin/.
    """
    lines = []
    for account in DEMO_ACCOUNTS:
        with contextlib.suppress(EmailAlreadyRegisteredError):
            register_user(email=account.email, password=DEMO_PASSWORD, full_name=account.full_name)
        User.objects.filter(email=account.email).update(is_staff=account.is_staff, is_superuser=account.is_staff)
        role = "staff (scope staff; admin at /admin/)" if account.is_staff else "customer (scope customer)"
        lines.append(f"{role}: {account.email} / {DEMO_PASSWORD}")
    return lines
