"""Fencing: is the process that holds a claim still alive? Answered now, not after a lease runs out.

A request that claims something (an Idempotency-Key, a checkout of one cart) and then
dies, because its process was killed or its database connection dropped, must not keep
its claim for minutes: the client's retry should find it free within seconds. A lease
alone cannot tell a dead holder from a slow one, so it has to be long. A fence can:

PostgreSQL  the holder takes a session-level advisory lock named for the claim on its own
            connection (`hold`). The server drops the lock the moment that connection
            ends: the process died, was killed, or the server restarted. A claim whose
            lock nobody holds has a dead holder. The check reads pg_locks instead of
            trying the lock, because advisory locks are re-entrant per session and a
            try from the holder's own connection would succeed.
SQLite      one machine by nature: the holder is recorded as host, process id and
            process start time (`holder_id`). A holder on this host whose process is
            gone (or whose id was reused by a younger process) is dead. A holder on
            another host cannot be checked; it counts as alive, and the claim's own
            timeout applies.

Session locks need a session: behind a pooler in transaction mode (PgBouncer's
`pool_mode = transaction`) they are unreliable; use session pooling or none. Claims that
must never be taken from a live holder are still written with a conditional UPDATE on
the holder, so a holder wrongly thought dead loses its claim instead of both acting.
"""

from __future__ import annotations

import functools
import hashlib
import os
import socket

import psutil
from django.db import DatabaseError, connections

START_TIME_TOLERANCE_SECONDS = 0.05


@functools.cache
def _host() -> str:
    return socket.gethostname()


def holder_id() -> str:
    """This process, as recorded with a claim: 'host:pid:start time' (at most 200 characters)."""
    pid = os.getpid()
    return f"{_host()}:{pid}:{_start_time(pid):.2f}"[-200:]


def lock_key(name: str) -> int:
    """The advisory lock number (a signed 64-bit integer) for a claim's name."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


def hold(name: str, *, using: str = "default") -> bool:
    """Take the fence for `name` on this process's connection; False if another session holds it.

    Call it inside the transaction that writes the claim, so that no one can see the claim
    before its holder is fenced. On databases without session locks this does nothing:
    the recorded `holder_id()` is the fence.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [lock_key(name)])
        return bool(cursor.fetchone()[0])


def let_go(name: str, *, using: str = "default") -> None:
    """Give the fence for `name` back (every hold of it by this connection); harmless if not held.

    A connection that is already gone has let go by itself, so a database error here is ignored.
    """
    connection = connections[using]
    if connection.vendor != "postgresql" or connection.connection is None:
        return
    key = lock_key(name)
    unsigned = key & 0xFFFFFFFFFFFFFFFF
    try:
        with connection.cursor() as cursor:
            while True:
                # One statement per hold: let go, and say whether this session still holds it (re-entrant holds).
                cursor.execute(
                    "SELECT CASE WHEN pg_advisory_unlock(%s) THEN EXISTS (SELECT 1 FROM pg_locks"
                    " WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND classid = %s AND objid = %s"
                    " AND objsubid = 1) ELSE false END",
                    [key, unsigned >> 32, unsigned & 0xFFFFFFFF],
                )
                if not cursor.fetchone()[0]:
                    return
    except DatabaseError:
        return


def holder_alive(name: str, holder: str, *, using: str = "default") -> bool:
    """Whether the holder of the claim `name` (recorded as `holder`) may still be working on it."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        key = lock_key(name) & 0xFFFFFFFFFFFFFFFF
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                " AND classid = %s AND objid = %s AND objsubid = 1)",
                [key >> 32, key & 0xFFFFFFFF],
            )
            return bool(cursor.fetchone()[0])
    return process_alive(holder)


def process_alive(holder: str) -> bool:
    """Whether the process recorded as 'host:pid:start time' runs; True when it is on another host."""
    host, pid_text, started_text = _split(holder)
    if host != _host():
        return True
    try:
        pid, started = int(pid_text), float(started_text)
    except ValueError:
        return True  # not written by holder_id(): cannot tell
    try:
        return abs(_start_time(pid) - started) < START_TIME_TOLERANCE_SECONDS
    except psutil.NoSuchProcess:
        return False
    except psutil.Error:
        return True  # exists, but we may not look at it


def _split(holder: str) -> tuple[str, str, str]:
    """'host:pid:start' into its parts; the host may itself contain colons (an IPv6 address)."""
    host_and_pid, _, started = holder.rpartition(":")
    host, _, pid = host_and_pid.rpartition(":")
    return host, pid, started


def _start_time(pid: int) -> float:
    return psutil.Process(pid).create_time()
