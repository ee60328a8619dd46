"""A cursor whose statements PostgreSQL parses and plans once per connection, not once per call.

    with prepared_cursor(connection) as cursor:
        cursor.execute(CLAIM_SQL, params)

Django's psycopg cursors bind parameters on the client (server_side_binding is off by
default), so the server parses and plans every statement it is sent. For the bus's own
statements, which run for every event and every delivery with the same text, the planning
cost more than running them: about 0.4 ms for the delivery claim with its key-order
subquery on a warm connection, over 1 ms on a new one, against 0.06 ms to execute
(bench.bus_celery spends it once per delivery on each side of the broker). This cursor
binds on the server instead, and psycopg prepares a statement once it has run it
`prepare_threshold` times on a connection, after which each call sends only the
parameters. Django sets that threshold to None (never prepare, for connection poolers)
unless the database's OPTIONS give one; config/settings.py gives 5
(DATABASE_PREPARED_STATEMENTS=false takes it away, and this cursor then only binds on the
server). Django's own cursors bind on the client, and those never prepare.

It is still Django's cursor wrapper around it: the execute wrappers (the table guard, the
statement counter of bench.statements), query logging with DEBUG and the translation of
database errors apply as to any cursor. Only statements written for it should use it:
server-side binding sends typed parameters, and a statement with a parameter whose type
PostgreSQL cannot infer is refused. On other databases it is the ordinary cursor.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper


@contextmanager
def prepared_cursor(connection: BaseDatabaseWrapper) -> Iterator[CursorWrapper]:
    """A cursor on `connection` that binds on the server, so repeated statements are prepared (see module)."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    # What BaseDatabaseWrapper.cursor() does before it makes a cursor, in the same order.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        # psycopg's Cursor binds on the server; Django's default cursor is a ClientCursor.
        raw = psycopg.Cursor(connection.connection)
    wrapped = connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
    with wrapped as cursor:
        yield cursor
