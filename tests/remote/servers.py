"""Second Django processes for the remote tests: gunicorn serving the shop on a free loopback port.

Each server runs the project's own settings on the test database of the xdist worker that
started it (so what a test commits, the server sees, and back), signs and trusts the same
development service key as the test process, and logs to a file the failure messages quote.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import httpx
from django.conf import settings

from tests.reliability.processes import free_port, wait_until

ROOT = Path(settings.BASE_DIR)
READY_SECONDS = 60.0


@dataclasses.dataclass
class DjangoServer:
    """A gunicorn process serving the project (all domains unless `env` places some elsewhere)."""

    name: str
    port: int
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- last lines of {self.log} ---\n" + "\n".join(text.splitlines()[-lines:])

    def start(self) -> None:
        command = [
            sys.executable, "-m", "gunicorn", "config.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}", "--workers", "1", "--threads", "8", "--worker-class", "gthread",
            "--graceful-timeout", "2", "--timeout", "60", "--config", str(ROOT / "config" / "gunicorn.conf.py"),
        ]  # fmt: skip
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_until(self.answers, timeout=READY_SECONDS, what=f"{self.name} at {self.url}", details=self.log_tail)

    def answers(self) -> bool:
        if self.process is None or self.process.poll() is not None:
            code = None if self.process is None else self.process.returncode
            raise AssertionError(f"{self.name} is not running (exit code {code}).\n{self.log_tail()}")
        try:
            return httpx.get(f"{self.url}/healthz", timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False

    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def ensure_running(self) -> None:
        if not self.is_running():
            self.start()

    def kill(self) -> None:
        """SIGKILL the master and its worker at once: no goodbye, connections just drop."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM: gunicorn's graceful shutdown (its on_exit hook deregisters an announced instance)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def server_env(*, database_url: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a second process: the test database, the shared development keys, quiet logs."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_", "MODULITH_"))}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    environment.update(
        {
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SERVICE_DEV_KEY_FILE": str(settings.SERVICE_KEY_FILE),
            "AUTH_DEV_KEY_FILE": str(settings.AUTH_DEV_KEY_FILE),
            "LOG_LEVEL": "WARNING",
            "DOMAIN_PLACEMENT": "",
            "PYTHONUNBUFFERED": "1",
        }
    )
    environment.update(extra or {})
    return environment


def new_server(name: str, *, database_url: str, log_dir: Path, extra: Mapping[str, str] | None = None) -> DjangoServer:
    return DjangoServer(
        name=name,
        port=free_port(),
        env=server_env(database_url=database_url, extra=extra),
        log=log_dir / f"{name}.log",
    )
