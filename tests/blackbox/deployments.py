"""The shop deployed for the black-box suite: real processes on loopback, each with a PostgreSQL database.

A placement says which domains run in services of their own (PLACEMENTS: none, each domain
alone, all six). For a placement the suite

1. starts from the monolith's database (migrated and given the demo data once per session, and
   whole again after every placement: step 4);
2. for each extracted domain: writes its service (`extract service`, once per session, all of
   them sharing one virtualenv and one kernel wheel), migrates a template database for it
   (once per session) and creates the service's database from that template, copies the
   domain's rows into it (`extract data`), and starts the service's Procfile processes (web
   and worker) with the placement of every other domain in their environment;
3. starts the monolith (gunicorn and its bus worker) with `DOMAIN_PLACEMENT` naming each
   extracted domain's service: configuration only. Every process starts at once, and the
   suite waits until every web process answers;
4. after the tests, switches back, as README "Extracting a domain" step 5 says: stops every
   process, copies each domain's rows back (`extract data --back`) and checks with a dry run
   that both sides hold the same rows and checksums, and that the rows the flows wrote in the
   service are now in the monolith's database. The next placement starts from there.

Every process gets the same development keys (tokens, service calls), feed token, fake
payment provider and Redis for the feeds' nudges. A failure while deploying, and any failed
test (tests/blackbox/conftest.py), shows the tail of every process's log.
"""

from __future__ import annotations

import dataclasses
import io
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
from django.conf import settings
from django.core.management import call_command
from psycopg import sql

from extract.copying.report import VERIFIED
from tests.extract.services import (
    ServiceProcess,
    database_url_for,
    launch,
    log_tails,
    make,
    procfile,
    service_environment,
    stop_all,
    wait_ready,
)
from tests.reliability.processes import free_port

ROOT = Path(settings.BASE_DIR)
DOMAINS: tuple[str, ...] = tuple(settings.DOMAINS)
FEED_TOKEN = "black-box-feed-token"
COMMAND_SECONDS = 600
LOOPBACK = "http://127.0.0.1:{port}"
COPIES_AT_ONCE = 3
"""`extract data` runs side by side, at most this many: the PostgreSQL server (100 connections) is shared."""
GENERATED_WITH = "http://127.0.0.1:8000"
"""The --monolith-url the services are written with; each placement's environment says the real URLs."""


@dataclasses.dataclass(frozen=True, slots=True)
class Placement:
    name: str
    extracted: tuple[str, ...]


PLACEMENTS = (
    Placement("local", ()),
    *(Placement(domain, (domain,)) for domain in DOMAINS),
    Placement("all", DOMAINS),
)


@dataclasses.dataclass
class Deployment:
    placement: Placement
    url: str
    """The monolith's base URL: every flow talks to it alone."""
    processes: list[ServiceProcess]
    service_urls: dict[str, str] = dataclasses.field(default_factory=dict)
    """Each extracted domain's service, by domain."""
    copied: dict[str, list[TableState]] = dataclasses.field(default_factory=dict)
    """Each extracted domain's tables as `extract data` copied them out of the monolith's database."""

    def log_tails(self, lines: int = 40) -> str:
        return log_tails(self.processes, lines)


@dataclasses.dataclass(frozen=True, slots=True)
class TableState:
    """One line of `extract data --dry-run`: a table's rows on each side and whether the checksums agree."""

    table: str
    source_rows: int
    target_rows: int | None
    equal: bool


def postgres_info(url: str) -> dict[str, str]:
    return psycopg.conninfo.conninfo_to_dict(url.replace("postgres://", "postgresql://", 1))


def recreate_database(url: str, *, template: str = "") -> None:
    """DROP and CREATE the PostgreSQL database `url` names (the suite's own, never another's), from `template`."""
    info = postgres_info(url)
    name = info.pop("dbname")
    create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        create = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(postgres_info(template)["dbname"])
        )
    with psycopg.connect(**{**info, "dbname": "postgres"}, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(create)


def placement_text(urls: Mapping[str, str]) -> str:
    return ",".join(f"{domain}={url}" for domain, url in urls.items())


def table_states(output: str) -> list[TableState]:
    """The table that `extract data` prints (extract/copying/report.py), read back."""
    states = []
    for line in output.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) == 6 and cells[1].isdigit():
            target = None if not cells[2].isdigit() else int(cells[2])
            states.append(TableState(cells[0], int(cells[1]), target, cells[5] == "equal"))
    return states


class Suite:
    """What the placements share: keys, the monolith's database, the services' directories and virtualenv."""

    def __init__(self, *, base: Path, venv: Path, label: str = "bb", extra: Mapping[str, str] | None = None) -> None:
        """`label` starts its databases' names (a benchmark's are not the tests'); `extra` goes to every process."""
        self.base = base
        self.venv = venv
        self.label = label
        self.logs = base / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.services_dir = base / "services"
        self.monolith_database = database_url_for(f"{label}_monolith")
        self.shared = {
            "AUTH_DEV_KEY_FILE": str(base / "keys" / "jwt.pem"),
            "SERVICE_DEV_KEY_FILE": str(base / "keys" / "service.pem"),
            "BILLING_FAKE_PROVIDER_STORE": str(base / "fake-provider.sqlite3"),
            "BUS_FEED_TOKEN": FEED_TOKEN,
            "LOG_LEVEL": "WARNING",
            # Every test logs its own customers in, all from 127.0.0.1, several a second: the shipped 10/min
            # per address would refuse them with 429 (the throttle has tests of its own in tests/gateway).
            "RATE_LIMIT_LOGIN": "600/min",
            "AUTH_JWKS_URL": "",
            # Publishers say "feed moved" on Redis, so a subscriber's worker pulls at once (a sweep otherwise).
            "BUS_NUDGE_REDIS_URL": settings.REDIS_URL,
            # Up to fourteen processes share one PostgreSQL server with the rest of the tests: a connection is
            # closed after its request or task rather than kept for the next (a benchmark keeps the default).
            "DATABASE_CONN_MAX_AGE": "0",
            **(extra or {}),
        }
        self._written: dict[str, Path] = {}
        recreate_database(self.monolith_database)
        self.manage("migrate", "--noinput")
        self.manage("load_demo_data")

    def environment(self, *, database_url: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        return service_environment(venv=self.venv, database_url=database_url, extra={**self.shared, **(extra or {})})

    def manage(self, *arguments: str, extra: Mapping[str, str] | None = None) -> str:
        """Run the monolith's manage.py against its database, everything placed here (an operator's command)."""
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

    # -- the services: written, installed and migrated once per session -------------------

    def template_database(self, domain: str) -> str:
        return database_url_for(f"{self.label}_{domain}_template")

    def service_database(self, domain: str) -> str:
        return database_url_for(f"{self.label}_{domain}")

    def prepare(self, domains: Sequence[str]) -> dict[str, Path]:
        """The services of `domains`, written, installed and with template databases, in parallel where safe."""
        missing = [domain for domain in domains if domain not in self._written]
        if missing:
            written = {domain: self.write_service(domain) for domain in missing}
            self.install(next(iter(written.values())))
            with ThreadPoolExecutor(max_workers=len(written)) as pool:
                list(pool.map(self.migrate_template, written.items()))
            self._written.update(written)
        return {domain: self._written[domain] for domain in domains}

    def write_service(self, domain: str) -> Path:
        directory = self.services_dir / domain
        call_command(
            "extract", "service", domain, "--out", str(directory), "--monolith-url", GENERATED_WITH,
            stdout=io.StringIO(),
        )  # fmt: skip
        return directory

    def install(self, directory: Path) -> None:
        """The shared virtualenv, installed once by a service's Makefile: the kernel wheel (one for every service,
        the same hash) and the dev tools. The others' Makefiles would install the same; their processes run from
        their directories."""
        stamp = f"{self.venv}/.installed-modulith-{directory.name}"  # the Makefile's install target
        check_make(directory, stamp, venv=self.venv, environment=self.environment(database_url=""))

    def migrate_template(self, item: tuple[str, Path]) -> None:
        """The service's schema in a template database, by its Procfile's `release` line (migrate)."""
        domain, directory = item
        template = self.template_database(domain)
        recreate_database(template)
        release = shlex.split(procfile(directory)["release"])
        result = subprocess.run(
            release,
            cwd=directory,
            env=self.environment(database_url=template),
            capture_output=True,
            text=True,
            timeout=COMMAND_SECONDS,
            check=False,
        )
        assert result.returncode == 0, f"{domain}: {' '.join(release)}:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"

    # -- one placement ---------------------------------------------------------------

    def deploy(self, placement: Placement) -> Deployment:
        """Copy the extracted domains' rows out, start every process with the placement, wait until all answer."""
        directories = self.prepare(placement.extracted)
        copied: dict[str, list[TableState]] = {}
        if placement.extracted:
            with ThreadPoolExecutor(max_workers=COPIES_AT_ONCE) as pool:
                copied = dict(zip(placement.extracted, pool.map(self.copy_out, placement.extracted), strict=True))
        monolith_url = LOOPBACK.format(port=free_port())
        service_urls = {domain: LOOPBACK.format(port=free_port()) for domain in placement.extracted}
        processes: list[ServiceProcess] = []
        try:
            for domain, directory in directories.items():
                where = {other: service_urls.get(other, monolith_url) for other in DOMAINS if other != domain}
                environment = self.environment(
                    database_url=self.service_database(domain), extra={"DOMAIN_PLACEMENT": placement_text(where)}
                )
                processes += self.launch(directory, environment, url=service_urls[domain], name=domain)
            monolith = self.environment(
                database_url=self.monolith_database, extra={"DOMAIN_PLACEMENT": placement_text(service_urls)}
            )
            monolith["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
            processes = [*self.launch(ROOT, monolith, url=monolith_url, name="monolith"), *processes]
            wait_ready(processes)
        except BaseException:
            stop_all(processes)
            raise
        return Deployment(
            placement=placement,
            url=monolith_url,
            processes=processes,
            service_urls=service_urls,
            copied=copied,
        )

    def launch(self, directory: Path, environment: Mapping[str, str], *, url: str, name: str) -> list[ServiceProcess]:
        """The web and worker processes of the Procfile in `directory`, started without waiting."""
        port = int(url.rsplit(":", 1)[1])
        return [
            launch(directory, "web", environment=environment, log_dir=self.logs, port=port, name=name),
            launch(directory, "worker", environment=environment, log_dir=self.logs, name=name),
        ]

    def copy_out(self, domain: str) -> list[TableState]:
        """The service's database created from its template, and the domain's rows copied into it (verified)."""
        target = self.service_database(domain)
        recreate_database(target, template=self.template_database(domain))
        return table_states(self.manage("extract", "data", domain, "--to", target))

    def switch_back(self, deployment: Deployment) -> None:
        """Stop everything, copy each extracted domain's rows back, and prove they came back (see the docstring).

        The domains are copied back side by side: each writes its own tables, and the kernel's rows it
        shares with another (a stored event both handled) are only ever added where missing.
        """
        stop_all(deployment.processes)
        extracted = deployment.placement.extracted
        for domain in extracted:
            self.assert_untouched_while_extracted(domain, deployment.copied[domain])
        if extracted:
            with ThreadPoolExecutor(max_workers=COPIES_AT_ONCE) as pool:
                list(pool.map(lambda domain: self.copy_back(domain, deployment.copied[domain]), extracted))

    def copy_back(self, domain: str, copied: list[TableState]) -> None:
        output = self.manage("extract", "data", domain, "--to", self.service_database(domain), "--back")
        back = table_states(output)
        before = sum(state.source_rows for state in copied)
        after = sum(state.target_rows or 0 for state in back)
        assert VERIFIED.format(tables=len(back), domain=domain) in output, output
        assert [state.table for state in back] == [state.table for state in copied], output
        assert [state for state in back if not state.equal or state.source_rows != state.target_rows] == [], output
        assert after > before, (
            f"{domain}: the monolith holds {after} rows of the domain after switching back, {before} before "
            f"it was extracted: what its service wrote did not come back.\n{output}"
        )

    def assert_untouched_while_extracted(self, domain: str, copied: list[TableState]) -> None:
        """The monolith's own tables of `domain` hold what was copied out: none of its code wrote here meanwhile."""
        own = {state.table: state.source_rows for state in copied if state.table.startswith(f"{domain}_")}
        assert own, f"{domain}: `extract data` copied none of the domain's own tables: {copied}"
        assert count_rows(self.monolith_database, own) == own


def count_rows(url: str, tables: Iterable[str]) -> dict[str, int]:
    with psycopg.connect(**postgres_info(url)) as database:
        return {
            table: database.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]
            for table in tables
        }


def check_make(directory: Path, target: str, *, venv: Path, environment: Mapping[str, str]) -> None:
    result = make(directory, target, venv=venv, environment=environment)
    assert result.returncode == 0, f"make {target} in {directory}:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
