"""Real processes for the reliability tests: Celery workers and private Redis servers, and polling with a deadline.

Every process here is started by the test that uses it, in its own process group, so
that killing it (or all of it, pool included) touches nothing else on the machine.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

import redis
from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper

T = TypeVar("T")

ROOT = Path(settings.BASE_DIR)
WORKER_SETTINGS = "tests.reliability.probe.settings"
DEFAULT_TIMINGS = "tests.reliability.probe.default_settings"
"""Workers with the project's own default timings (the recovery bounds' tests)."""
POLL_SECONDS = 0.05
READY_SECONDS = 60.0
TIMED_OUT = "Gave up after {timeout:g}s waiting for {what}.{details}"


def wait_until(predicate: Callable[[], T], *, timeout: float, what: str, details: Callable[[], str] = str) -> T:
    """Poll `predicate` until it returns something truthy; fail with `what` (and `details()`) after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(TIMED_OUT.format(timeout=timeout, what=what, details=f"\n{details()}".rstrip()))
        time.sleep(POLL_SECONDS)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def database_url(connection: BaseDatabaseWrapper) -> str:
    """The URL of the database `connection` uses (the test database, once pytest-django has set it up)."""
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def stop_process(process: subprocess.Popen[bytes], *, grace: float) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@dataclasses.dataclass
class Worker:
    """A `celery worker` process (and its pool) that a test started."""

    hostname: str
    log: Path
    process: subprocess.Popen[bytes]

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- last lines of {self.log} ---\n" + "\n".join(text.splitlines()[-lines:])

    def is_ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"Worker {self.hostname} exited with {self.process.returncode}.\n{self.log_tail()}")
        return f"{self.hostname} ready." in self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the worker and its pool at once: no warm shutdown, nothing acknowledged or restored."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        stop_process(self.process, grace=15)


def start_worker(
    *,
    env: Mapping[str, str],
    log_dir: Path,
    queues: str = "celery",
    concurrency: int = 2,
    beat: bool = False,
    settings_module: str = WORKER_SETTINGS,
) -> Worker:
    """Start `celery -A config worker` with the probe's settings (short timings unless told); wait until it consumes."""
    hostname = f"probe-{uuid.uuid4().hex[:8]}@localhost"
    log = log_dir / f"{hostname.split('@')[0]}.log"
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker",
        "--loglevel=INFO", f"--hostname={hostname}", f"--queues={queues}", f"--concurrency={concurrency}",
        "--pool=prefork", "--without-mingle", "--without-gossip", "--without-heartbeat",
    ]  # fmt: skip
    if beat:
        command += ["--beat", f"--schedule={log_dir / (hostname.split('@')[0] + '-beat')}"]
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": settings_module, "PYTHONUNBUFFERED": "1", **env}
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    worker = Worker(hostname=hostname, log=log, process=process)
    try:
        wait_until(
            worker.is_ready, timeout=READY_SECONDS, what=f"worker {hostname} to be ready", details=worker.log_tail
        )
    except BaseException:
        worker.stop()
        raise
    return worker


@dataclasses.dataclass
class RedisServer:
    """A `redis-server` of the test's own, on a free port, that the test may stop and start again."""

    port: int
    directory: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [
            "redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", str(self.directory), "--logfile", str(self.directory / "redis.log"),
        ]  # fmt: skip
        self.process = subprocess.Popen(command, start_new_session=True)
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        wait_until(lambda: _pings(client), timeout=10, what=f"redis-server on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.resume()  # a stopped process would not act on SIGTERM
            stop_process(self.process, grace=10)
            self.process = None

    def freeze(self) -> None:
        """SIGSTOP: connections stay open and new ones are accepted, but nothing is answered (a stuck Redis)."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        if self.process is not None:
            os.kill(self.process.pid, signal.SIGCONT)


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False
