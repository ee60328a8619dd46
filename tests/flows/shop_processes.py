"""The shop as it runs in production, for tests that kill and restart its parts: a PostgreSQL of the
test's own, the shop under gunicorn, and beside it `bus work` and `checkout_sweep`, talked to over HTTP.

Every process is started in its own process group by the fixture that owns it, once per test
session; the tests stop and kill only these. A PostgreSQL the tests restart is never the
shared one at 127.0.0.1:5432: `PostgresServer` runs initdb and pg_ctl from the server's
binaries on a free port (as the `postgres` user when the tests run as root, which initdb
refuses). `bus work` and `checkout_sweep` run under a supervisor, as the README asks of any
deployment: a loop that a database restart ended is started again.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import psutil
import psycopg

from tests.reliability.processes import ROOT, free_port, stop_process, wait_until

POSTGRES_BIN = Path(os.environ.get("POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))
START_SECONDS = 60.0
HTTP_TIMEOUT = 60.0
SUPERVISE_SECONDS = 0.5


def _as_postgres_user(command: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the `postgres` system user then."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@dataclasses.dataclass
class PostgresServer:
    """A PostgreSQL cluster of the test session's own, in a temporary directory, on a free port."""

    directory: Path
    port: int

    @classmethod
    def create(cls) -> PostgresServer:
        directory = Path(tempfile.mkdtemp(prefix="modulith-pg-"))
        if os.geteuid() == 0:
            shutil.chown(directory, user="postgres", group="postgres")
        server = cls(directory=directory, port=free_port())
        subprocess.run(
            _as_postgres_user(
                [str(POSTGRES_BIN / "initdb"), "-D", str(server.data), "-U", "postgres", "-A", "trust", "--no-sync"]
            ),
            check=True,
            capture_output=True,
        )
        return server

    @property
    def data(self) -> Path:
        return self.directory / "data"

    @property
    def log(self) -> Path:
        return self.directory / "postgres.log"

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        command = [str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", *args]
        subprocess.run(_as_postgres_user(command), check=True, capture_output=True, timeout=START_SECONDS)

    def start(self) -> None:
        self._ctl("start")

    def restart(self) -> None:
        """Stop fast (every session is terminated, as in a crash or a failover) and start again."""
        self._ctl("-m", "fast", "restart")

    def halt(self) -> None:
        """Stop at once, as a crash would, keeping the data: `start()` brings it back."""
        self._ctl("-m", "immediate", "stop")

    def stop(self) -> None:
        self.halt()
        shutil.rmtree(self.directory, ignore_errors=True)

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url("postgres"), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@dataclasses.dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    body: Any


@dataclasses.dataclass
class ShopServer:
    """The shop under gunicorn (2 workers of 8 threads), with `bus work` and `checkout_sweep` beside it."""

    env: dict[str, str]
    directory: Path
    port: int = dataclasses.field(default_factory=free_port)
    web: subprocess.Popen[bytes] | None = None
    helpers: dict[str, subprocess.Popen[bytes]] = dataclasses.field(default_factory=dict)
    restarts: dict[str, int] = dataclasses.field(default_factory=dict)
    _stopping: threading.Event = dataclasses.field(default_factory=threading.Event)
    _commands: dict[str, list[str]] = dataclasses.field(default_factory=dict)

    HELPERS = {
        "bus-work": ["bus", "work", "--interval", "0.2"],
        "checkout-sweep": ["checkout_sweep", "--interval", "0.5"],
    }

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def provider_store(self) -> Path:
        return Path(self.env["BILLING_FAKE_PROVIDER_STORE"])

    def manage(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`python manage.py *args` against this shop's database and settings."""
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=120,
        )

    def _spawn(self, name: str, command: list[str]) -> subprocess.Popen[bytes]:
        with (self.directory / f"{name}.log").open("ab") as log:
            return subprocess.Popen(
                command,
                cwd=ROOT,
                env={**os.environ, **self.env, "PYTHONUNBUFFERED": "1"},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def helper_commands(self) -> dict[str, list[str]]:
        """The processes that run beside gunicorn, by name: the supervisor starts again any that ended."""
        return {name: [sys.executable, "manage.py", *args] for name, args in self.HELPERS.items()}

    def start(self) -> None:
        # Every database of the shop: with DOMAIN_DATABASES (inherited), each domain's beside DATABASE_URL's.
        created = self.manage("create_database")
        assert created.returncode == 0, created.stderr
        migrated = self.manage("migrate_databases", "--noinput")
        assert migrated.returncode == 0, migrated.stderr
        loaded = self.manage("load_demo_data", "--base-url", self.url)
        assert loaded.returncode == 0, loaded.stderr
        gunicorn = [
            sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
            "--workers", "2", "--threads", "8", "--worker-class", "gthread", "--timeout", "60",
            "--graceful-timeout", "5",
        ]  # fmt: skip
        self.web = self._spawn("gunicorn", gunicorn)
        self._commands = self.helper_commands()
        for name, command in self._commands.items():
            self.helpers[name] = self._spawn(name, command)
        threading.Thread(target=self._supervise, name="shop-supervisor", daemon=True).start()
        wait_until(self._answers, timeout=START_SECONDS, what=f"the shop at {self.url}", details=self.log_tail)

    def _supervise(self) -> None:
        """Start again a helper loop that ended (a database restart makes `bus work` exit)."""
        while not self._stopping.wait(SUPERVISE_SECONDS):
            for name, process in list(self.helpers.items()):
                if process.poll() is not None:
                    self.restarts[name] = self.restarts.get(name, 0) + 1
                    self.helpers[name] = self._spawn(name, self._commands[name])

    def _answers(self) -> bool:
        assert self.web is not None
        if self.web.poll() is not None:
            raise AssertionError(f"gunicorn exited with {self.web.returncode}.\n{self.log_tail()}")
        try:
            return self.call("GET", "/api/catalog/categories/").status == 200
        except OSError:
            return False

    def log_tail(self, lines: int = 30) -> str:
        tails = []
        for log in sorted(self.directory.glob("*.log")):
            text = log.read_text(errors="replace").splitlines()[-lines:]
            tails.append(f"--- {log.name} ---\n" + "\n".join(text))
        return "\n".join(tails)

    def worker_pids(self) -> set[int]:
        assert self.web is not None
        return {child.pid for child in psutil.Process(self.web.pid).children()}

    def stop(self) -> None:
        self._stopping.set()
        for process in (*self.helpers.values(), self.web):
            if process is not None:
                stop_process(process, grace=10)

    def call(
        self, method: str, path: str, body: Any = None, *, token: str = "", headers: Mapping[str, str] | None = None
    ) -> Answer:
        """One HTTP request to the shop; the answer whatever its status."""
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={
                "Content-Type": "application/json",
                **({"Authorization": f"Bearer {token}"} if token else {}),
                **(headers or {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
                return Answer(response.status, dict(response.headers), _json(response.read()))
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers), _json(error.read()))

    def ok(self, method: str, path: str, body: Any = None, *, token: str = "") -> Any:
        """The JSON of a 2xx answer; anything else fails the test with what the shop said."""
        answer = self.call(method, path, body, token=token)
        assert 200 <= answer.status < 300, (method, path, answer.status, answer.body)
        return answer.body


def _json(content: bytes) -> Any:
    return json.loads(content) if content else None
