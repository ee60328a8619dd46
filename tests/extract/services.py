"""Generated services as real processes: one virtualenv for all of them, `make` in their directories, and
the Procfile's processes started on loopback.

Every process is started in its own process group and stopped by its own id.
"""

from __future__ import annotations

import dataclasses
import os
import shlex
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx
from django.db import connection

from tests.reliability.processes import free_port, stop_process, wait_until

READY_SECONDS = 90.0
MAKE_SECONDS = 900


def database_url_for(name: str) -> str:
    """A database of the service's own: on the test database's PostgreSQL server (SQLite when the tests use SQLite)."""
    if connection.vendor != "postgresql":
        return ""
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    base = str(s["NAME"]).removeprefix("test_").split("_gw")[0]
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{base}_{name}"


def service_environment(
    *, venv: Path, database_url: str = "", extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """A clean environment for a service's process: none of this test process's Django or pytest variables."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            ("PYTEST_", "MODULITH_", "DJANGO_", "DATABASE_", "GATEWAY_", "AUTH_", "VIRTUAL_ENV", "MAKE", "MFLAGS")
        )
        and key != "DOMAIN_DATABASES"  # a service has the databases its deployment gives it
    }
    environment["PATH"] = f"{venv / 'bin'}{os.pathsep}{environment.get('PATH', '')}"
    environment["PYTHONUNBUFFERED"] = "1"
    if database_url:
        environment["DATABASE_URL"] = database_url
    environment.update(extra or {})
    return environment


def create_venv(path: Path) -> Path:
    """An empty virtualenv; the services' Makefiles install into it (VENV=...)."""
    if not (path / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, timeout=300)
    return path


def make(
    directory: Path, *targets: str, venv: Path, environment: Mapping[str, str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", *targets, f"VENV={venv}"],
        cwd=directory,
        env=dict(environment),
        capture_output=True,
        text=True,
        timeout=MAKE_SECONDS,
        check=False,
    )


def procfile(directory: Path) -> dict[str, str]:
    """The service's processes by name, as its Procfile declares them."""
    lines = (directory / "Procfile").read_text().splitlines()
    return {name.strip(): command.strip() for name, _, command in (line.partition(":") for line in lines if line)}


@dataclasses.dataclass
class ServiceProcess:
    """One process of a service, started from its Procfile line."""

    name: str
    directory: Path
    log: Path
    process: subprocess.Popen[bytes]
    port: int | None = None
    kind: str = ""
    """Its Procfile line's name (web, worker)."""
    environment: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """What it was started with: a restart (`relaunch`) gets the same."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 60) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- last lines of {self.log} ---\n" + "\n".join(text.splitlines()[-lines:])

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, *, grace: float = 15.0) -> None:
        stop_process(self.process, grace=grace)


def launch(
    directory: Path,
    kind: str,
    *,
    environment: Mapping[str, str],
    log_dir: Path,
    port: int | None = None,
    name: str = "",
) -> ServiceProcess:
    """Start the Procfile's `kind` process (web on a free loopback port) without waiting for it.

    `name` (default: the directory's) names the process in messages and its log file.
    """
    name = name or directory.name
    environment = dict(environment)
    if kind == "web":
        port = port or free_port()
        environment.update({"GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1", "GUNICORN_THREADS": "8"})
    log = log_dir / f"{name}-{kind}.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            shlex.split(procfile(directory)[kind]),
            cwd=directory,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return ServiceProcess(
        name=f"{name} {kind}",
        directory=directory,
        log=log,
        process=process,
        port=port,
        kind=kind,
        environment=environment,
    )


def relaunch(stopped: ServiceProcess) -> ServiceProcess:
    """Start a stopped (or killed) process again as it was: same command, environment, port and log file."""
    assert not stopped.running(), f"{stopped.name} is still running: stop it before starting it again."
    return launch(
        stopped.directory,
        stopped.kind,
        environment=stopped.environment,
        log_dir=stopped.log.parent,
        port=stopped.port,
        name=stopped.name.removesuffix(f" {stopped.kind}"),
    )


def wait_ready(processes: Sequence[ServiceProcess], *, timeout: float = READY_SECONDS) -> None:
    """Wait until every web process answers /healthz (started together, they get ready side by side).

    Any process that exits meanwhile fails the wait at once; the message holds every process's log tail.
    """
    pending = [process for process in processes if process.port is not None]

    def all_answer() -> bool:
        pending[:] = [process for process in pending if not answers(process, others=processes)]
        return not pending

    wait_until(
        all_answer,
        timeout=timeout,
        what=", ".join(process.name for process in pending) or "the web processes",
        details=lambda: log_tails(processes),
    )
    for process in processes:
        if not process.running():
            raise AssertionError(f"{process.name} exited ({process.process.returncode}).\n{log_tails(processes)}")


def start(
    directory: Path, kind: str, *, environment: Mapping[str, str], log_dir: Path, port: int | None = None
) -> ServiceProcess:
    """Start the Procfile's `kind` process (web on a free loopback port, waiting until it answers /healthz)."""
    started = launch(directory, kind, environment=environment, log_dir=log_dir, port=port)
    wait_ready([started])
    return started


def stop_all(processes: Sequence[ServiceProcess], *, grace: float = 15.0) -> None:
    """SIGTERM every process group at once, then wait for each (SIGKILL after `grace`): a parallel shutdown."""
    for process in processes:
        if process.running():
            os.killpg(process.process.pid, signal.SIGTERM)
    for process in processes:
        process.stop(grace=grace)


def log_tails(processes: Sequence[ServiceProcess], lines: int = 40) -> str:
    """The last lines of every process's log: what a failure message needs to say why."""
    return "\n".join(process.log_tail(lines) for process in processes)


def answers(service: ServiceProcess, *, others: Sequence[ServiceProcess] = ()) -> bool:
    if not service.running():
        tails = log_tails(others) if others else service.log_tail()
        raise AssertionError(f"{service.name} exited ({service.process.returncode}).\n{tails}")
    try:
        return httpx.get(f"{service.url}/healthz", timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False
