"""The shop deployed for the black-box suite: real processes on loopback, each with a PostgreSQL database.

A placement says which domains run in services of their own. For each, the suite

1. starts from the monolith's database (migrated and given the demo data once per session);
2. for each extracted domain: writes its service (`extract service`, once per session), migrates
   the service's own database, copies the domain's rows into it (`extract data`), and starts
   the service's Procfile processes (web and worker);
3. starts the monolith (gunicorn and its bus worker) with that placement: configuration only;
4. after the tests, switches back: stops the processes, copies each domain's rows back
   (`extract data --back`) and so leaves the monolith's database whole for the next placement.

Every process gets the same development keys (tokens, service calls), feed token, fake
payment provider and Redis for the feeds' nudges.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import psycopg
from django.conf import settings
from psycopg import sql

from tests.extract.services import ServiceProcess, database_url_for, make, service_environment, start

ROOT = Path(settings.BASE_DIR)
FEED_TOKEN = "black-box-feed-token"
COMMAND_SECONDS = 600


@dataclasses.dataclass(frozen=True, slots=True)
class Placement:
    name: str
    extracted: tuple[str, ...]


PLACEMENTS = (Placement("local", ()),)


@dataclasses.dataclass
class Deployment:
    placement: Placement
    url: str
    """The monolith's base URL: every flow talks to it alone."""
    processes: list[ServiceProcess]


def recreate_database(url: str) -> None:
    """DROP and CREATE the PostgreSQL database `url` names (the suite's own, never another's)."""
    info = psycopg.conninfo.conninfo_to_dict(url.replace("postgres://", "postgresql://", 1))
    name = info.pop("dbname")
    with psycopg.connect(**{**info, "dbname": "postgres"}, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


class Suite:
    """What the placements share: keys, the monolith's database, the services' directories and virtualenv."""

    def __init__(self, *, base: Path, venv: Path) -> None:
        self.base = base
        self.venv = venv
        self.logs = base / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.monolith_database = database_url_for("bb_monolith")
        self.shared = {
            "AUTH_DEV_KEY_FILE": str(base / "keys" / "jwt.pem"),
            "SERVICE_DEV_KEY_FILE": str(base / "keys" / "service.pem"),
            "BILLING_FAKE_PROVIDER_STORE": str(base / "fake-provider.sqlite3"),
            "BUS_FEED_TOKEN": FEED_TOKEN,
            "LOG_LEVEL": "WARNING",
            "AUTH_JWKS_URL": "",
            # Publishers say "feed moved" on Redis, so a subscriber's worker pulls at once (a sweep otherwise).
            "BUS_NUDGE_REDIS_URL": settings.REDIS_URL,
        }
        recreate_database(self.monolith_database)
        self.manage("migrate", "--noinput")
        self.manage("load_demo_data")

    def environment(self, *, database_url: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        return service_environment(venv=self.venv, database_url=database_url, extra={**self.shared, **(extra or {})})

    def manage(self, *arguments: str, extra: Mapping[str, str] | None = None) -> str:
        """Run the monolith's manage.py against its database (an operator's command)."""
        environment = self.environment(database_url=self.monolith_database, extra=extra)
        environment["PATH"] = os.environ["PATH"]
        result = subprocess.run(
            [sys.executable, "manage.py", *arguments],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=COMMAND_SECONDS,
            check=False,
        )
        assert result.returncode == 0, (
            f"manage.py {' '.join(arguments)}:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
        )
        return result.stdout

    def start_monolith(self, placement: Placement, environment: Mapping[str, str]) -> list[ServiceProcess]:
        """gunicorn serving the monolith from its checkout, and its bus worker."""
        monolith_environment = {**self.environment(database_url=self.monolith_database, extra=environment)}
        monolith_environment["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
        web = start(ROOT, "web", environment=monolith_environment, log_dir=self.logs)
        worker = start(ROOT, "worker", environment=monolith_environment, log_dir=self.logs)
        return [web, worker]

    def deploy(self, placement: Placement) -> Deployment:
        processes = self.start_monolith(placement, {})
        return Deployment(placement=placement, url=processes[0].url, processes=processes)

    def switch_back(self, deployment: Deployment) -> None:
        for process in deployment.processes:
            process.stop()


def check_make(directory: Path, target: str, *, venv: Path, environment: Mapping[str, str]) -> None:
    result = make(directory, target, venv=venv, environment=environment)
    assert result.returncode == 0, f"make {target} in {directory}:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
