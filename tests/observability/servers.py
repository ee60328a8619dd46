"""Servers a test starts for itself on free ports: the project under gunicorn or runserver.

Each runs in its own process group, so stopping it (or killing it) touches nothing else.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from tests.reliability.processes import ROOT, free_port, stop_process, wait_until

STARTED_SECONDS = 60.0
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def get(url: str, *, headers: Mapping[str, str] | None = None, timeout: float = 10) -> tuple[int, bytes]:
    """GET `url`: (status, body), whatever the status."""
    return send(url, headers=headers, timeout=timeout)


def send(
    url: str, *, body: object = None, headers: Mapping[str, str] | None = None, timeout: float = 10
) -> tuple[int, bytes]:
    """GET `url`, or POST `body` as JSON: (status, body), whatever the status; never through a proxy."""
    data = None if body is None else json.dumps(body).encode()
    content_type = {} if body is None else {"Content-Type": "application/json"}
    request = urllib.request.Request(url, data=data, headers={**content_type, **(headers or {})})
    try:
        with _DIRECT.open(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@dataclasses.dataclass
class Gunicorn:
    """A server of the project (`gunicorn -c config/gunicorn.conf.py config.wsgi`, or runserver) the test started."""

    port: int
    log: Path
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- last lines of {self.log} ---\n" + "\n".join(text.splitlines()[-lines:])

    def answers(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"gunicorn exited with {self.process.returncode}.\n{self.log_tail()}")
        try:
            return get(f"{self.url}/healthz/live", timeout=2)[0] == 200
        except OSError:
            return False

    def stop(self) -> None:
        stop_process(self.process, grace=15)


def start_runserver(*, env: Mapping[str, str], log_dir: Path) -> Gunicorn:
    """`manage.py runserver` (DEBUG on, so that it serves the static files a browser page loads)."""
    port = free_port()
    log = log_dir / f"runserver-{port}.log"
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "true",
                   "PYTHONUNBUFFERED": "1", **env}  # fmt: skip
    command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Gunicorn(port=port, log=log, process=process)
    try:
        wait_until(server.answers, timeout=STARTED_SECONDS, what=f"runserver on port {port}", details=server.log_tail)
    except BaseException:
        server.stop()
        raise
    return server


def start_gunicorn(*, env: Mapping[str, str], log_dir: Path, workers: int = 2) -> Gunicorn:
    port = free_port()
    log = log_dir / f"gunicorn-{port}.log"
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(workers),
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    command = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Gunicorn(port=port, log=log, process=process)
    try:
        wait_until(server.answers, timeout=STARTED_SECONDS, what=f"gunicorn on port {port}", details=server.log_tail)
    except BaseException:
        server.stop()
        raise
    return server
