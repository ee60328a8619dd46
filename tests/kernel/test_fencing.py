"""Fencing tells a dead holder from a live one at once: by its PostgreSQL session, or by its process."""

from __future__ import annotations

import os
import socket
import threading
import uuid

import psutil
import pytest
from django.db import connection, connections

from shared import fencing
from tests.reliability.processes import wait_until

NO_SUCH_PID = 4_194_305  # above Linux's largest pid (2**22): never a running process


def test_this_process_is_alive() -> None:
    assert fencing.process_alive(fencing.holder_id())


def test_a_process_that_does_not_exist_is_dead() -> None:
    assert not fencing.process_alive(f"{socket.gethostname()}:{NO_SUCH_PID}:1700000000.00")


def test_a_pid_reused_by_a_younger_process_is_dead() -> None:
    started = psutil.Process(os.getpid()).create_time()

    assert not fencing.process_alive(f"{socket.gethostname()}:{os.getpid()}:{started - 60:.2f}")


@pytest.mark.parametrize(
    "holder",
    [
        pytest.param(f"elsewhere.example:{NO_SUCH_PID}:1700000000.00", id="another-host"),
        pytest.param("not a holder id", id="unreadable"),
    ],
)
def test_a_holder_that_cannot_be_checked_counts_as_alive(holder: str) -> None:
    assert fencing.process_alive(holder)


def test_holder_ids_name_host_pid_and_start_time() -> None:
    host, pid, started = fencing.holder_id().rsplit(":", 2)

    assert (host, int(pid), float(started)) == (
        socket.gethostname(),
        os.getpid(),
        pytest.approx(psutil.Process().create_time(), abs=0.01),
    )


def test_lock_keys_are_stable_signed_64_bit_numbers() -> None:
    key = fencing.lock_key("orders.checkout:1")

    assert key == fencing.lock_key("orders.checkout:1") != fencing.lock_key("orders.checkout:2")
    assert -(2**63) <= key < 2**63


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_fence_lives_exactly_as_long_as_the_holders_connection() -> None:
    name = f"test.fence:{uuid.uuid4()}"
    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        try:
            assert fencing.hold(name)
            held.set()
            release.wait(timeout=30)
        finally:
            connections.close_all()  # the holder's connection ends, as when its process dies

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert held.wait(timeout=30)
        alive_while_connected = fencing.holder_alive(name, "any")
        taken_by_another = fencing.hold(name)
    finally:
        release.set()
        thread.join(timeout=30)

    assert (alive_while_connected, taken_by_another) == (True, False)
    # The server ends the closed connection's backend, and its locks, a moment later.
    wait_until(lambda: not fencing.holder_alive(name, "any"), timeout=10, what="the holder's session to end")
    assert fencing.hold(name)  # free for the next holder
    assert fencing.holder_alive(name, "any")  # held by this very session counts as alive
    fencing.let_go(name)
    assert not fencing.holder_alive(name, "any")
    assert connection.vendor == "postgresql"
