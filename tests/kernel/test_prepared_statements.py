"""The bus's hot statements are planned once per connection, and a claim never relaxes a caller's commit."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection, transaction
from django.utils import timezone

from bench.statements import count_sql
from shared.bus import attempts
from shared.bus.models import Delivery, DeliveryStatus, StoredEvent
from shared.db.prepared import prepared_cursor

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PROBE = "SELECT %s::int + 1"


def pending_delivery() -> int:
    now = timezone.now()
    event = StoredEvent.objects.create(id=uuid.uuid4(), name="kernel.Pinged", version=1, payload={}, occurred_at=now)
    return Delivery.objects.create(
        event=event, subscriber="kernel.probe", next_attempt_at=now, created_at=now, updated_at=now
    ).id


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('synchronous_commit')")
        return str(cursor.fetchone()[0])


def test_a_statement_run_repeatedly_through_a_prepared_cursor_is_prepared_on_the_server() -> None:
    # psycopg prepares a statement the fifth time it runs it on a connection.
    answers = []
    for n in range(6):
        with prepared_cursor(connection) as cursor:
            cursor.execute(PROBE, [n])
            answers.append(cursor.fetchone()[0])

    assert answers == [1, 2, 3, 4, 5, 6]
    assert [s for s in prepared_statements() if "::int + 1" in s] == ["SELECT $1::int + 1"]


def test_a_prepared_cursor_goes_through_the_connections_execute_wrappers() -> None:
    with count_sql() as counted, prepared_cursor(connection) as cursor:
        cursor.execute(PROBE, [1])

    assert counted.statements == 1


def test_an_ordinary_cursor_prepares_nothing() -> None:
    for n in range(6):
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s::int + 2", [n])

    assert [s for s in prepared_statements() if "::int + 2" in s] == []


def test_a_claim_in_its_own_transaction_takes_the_delivery_and_leaves_the_sessions_commit_durable() -> None:
    delivery_id, now = pending_delivery(), timezone.now()

    claimed = attempts.claim(delivery_id, now=now, lease_until=now, using="default")

    assert claimed is not None
    assert (claimed.id, claimed.attempt) == (delivery_id, 1)
    assert Delivery.objects.get(id=delivery_id).status == DeliveryStatus.PROCESSING
    assert synchronous_commit() == "on"


def test_a_claim_inside_the_callers_transaction_leaves_the_callers_commit_durable() -> None:
    delivery_id, now = pending_delivery(), timezone.now()

    with transaction.atomic():
        claimed = attempts.claim(delivery_id, now=now, lease_until=now, using="default")
        inside = synchronous_commit()

    assert claimed is not None
    assert inside == "on"
    assert Delivery.objects.get(id=delivery_id).status == DeliveryStatus.PROCESSING
