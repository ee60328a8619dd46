"""Login sessions below the API: housekeeping, staff revocation, and racing refreshes."""

from __future__ import annotations

import datetime as dt
import io
import threading
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.db import connections
from django.test import Client
from django.utils import timezone

from domains.identity import sessions
from domains.identity.interface import IdentityError, RefreshTokenReusedError
from domains.identity.models import RefreshToken, RevocationReason, User
from domains.identity.tests.factories import PASSWORD, make_user


@pytest.mark.django_db
def test_purging_deletes_only_refresh_tokens_past_their_expiry(user: User) -> None:
    # given two sessions, one of which has expired
    sessions.log_in(email="ada@example.com", password=PASSWORD)
    sessions.log_in(email="ada@example.com", password=PASSWORD)
    expired = RefreshToken.objects.order_by("created_at").first()
    RefreshToken.objects.filter(id=expired.id).update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    # when expired tokens are purged, as cron would
    output = io.StringIO()
    call_command("purge_refresh_tokens", stdout=output)

    # then only the expired one is gone
    assert output.getvalue() == "Deleted 1 expired refresh tokens.\n"
    assert not RefreshToken.objects.filter(id=expired.id).exists()
    assert RefreshToken.objects.count() == 1


@pytest.mark.django_db
def test_staff_log_a_user_out_everywhere_from_the_admin(user: User) -> None:
    # given a user with two sessions, and a superuser in the admin
    first = sessions.log_in(email="ada@example.com", password=PASSWORD)
    sessions.log_in(email="ada@example.com", password=PASSWORD)
    admin = Client()
    admin.force_login(make_user(email="root@example.com", is_staff=True, is_superuser=True))

    # when the admin runs the action on the user
    response = admin.post(
        "/admin/identity/user/", {"action": "revoke_sessions", "_selected_action": [str(user.id)]}, follow=True
    )

    # then every session of the user is revoked, and refreshing fails
    assert response.status_code == 200
    assert list(RefreshToken.objects.values_list("revoked_reason", flat=True)) == [RevocationReason.ADMIN] * 2
    with pytest.raises(IdentityError):
        sessions.refresh_session(refresh_token=first.refresh_token)


def run_together(count: int, work: Callable[[], object]) -> list[object]:
    """Run `work` in `count` threads released at the same instant; each result or raised error."""
    barrier = threading.Barrier(count)
    results: list[object] = []

    def run() -> None:
        barrier.wait(timeout=10)
        try:
            results.append(work())
        except Exception as exc:
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_refreshes_racing_with_one_token_yield_one_pair_and_a_revoked_session() -> None:
    # given a session
    make_user(email="ada@example.com")
    token = sessions.log_in(email="ada@example.com", password=PASSWORD).refresh_token

    # when two requests spend its refresh token at the same moment
    results = run_together(2, lambda: sessions.refresh_session(refresh_token=token))

    # then the row lock lets exactly one win; the other counts as reuse and revokes the session,
    # the winner's new token included (a client must not send one refresh token twice)
    assert sorted(type(result).__name__ for result in results) == ["RefreshTokenReusedError", "TokenPair"]
    winner = next(r for r in results if isinstance(r, sessions.TokenPair))
    assert set(RefreshToken.objects.values_list("revoked_reason", flat=True)) == {RevocationReason.REUSE_DETECTED}
    with pytest.raises(IdentityError) as raised:
        sessions.refresh_session(refresh_token=winner.refresh_token)
    assert not isinstance(raised.value, RefreshTokenReusedError)
    assert User.objects.count() == 1
