"""The OpenAPI schema tells the truth: schemathesis, every check on, finds nothing against a live server.

What runs: the shop under gunicorn on a free port, on the test database (the demo shop loaded
into it by `manage.py load_demo_data`, so that products, a customer and a staff user exist),
and schemathesis's own CLI against its /api/schema/, as a user of the API would run it:

    schemathesis --config-file tests/api/schemathesis.toml run <server>/api/schema/?format=json \
        --checks all -H "Authorization: Bearer <token>" --max-examples N --generation-deterministic

once with a customer's token and once with staff's, at the same time, over every operation,
with all four phases on (examples and stateful find nothing to run: the schema gives no
examples, and no generated request places an order, whose Location would be the one link).
A live server rather than schemathesis's WSGI integration because the checks are about what
the server says over HTTP: the headers gunicorn and the middleware write, Content-Type, Allow
on a 405, what a real client's bytes turn into. The exceptions it is told of are in
tests/api/schemathesis.toml, each with its reason.

`--generation-deterministic` makes every run generate the same cases, so CI is stable; the
long run README.md describes ("The schema, fuzzed") is the same command with more examples.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection
from pytest_django import DjangoDbBlocker

from tests.observability.servers import Gunicorn, send, start_gunicorn
from tests.reliability.processes import ROOT, database_url

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the server must see the demo data; flushed afterwards
    pytest.mark.postgres,
    pytest.mark.processes,
    # Minutes of HTTP against a process of its own: `make test` runs it once; the wire run does not repeat it
    # (what it checks is the HTTP surface, which INTERFACE_TRANSPORT does not change).
    pytest.mark.load,
    pytest.mark.xdist_group("schemathesis"),
    pytest.mark.timeout(1200),  # about a minute on a quiet machine; ten on one shared by several test suites
]

CONFIG = Path(__file__).with_name("schemathesis.toml")
MAX_EXAMPLES = 10
"""Cases per operation and phase in CI; the coverage phase adds its boundary cases whatever this is."""
RUN_SECONDS = 1000
DEMO_LOGIN = re.compile(r"^(customer|staff) \(scope \w+[^)]*\): (\S+) / (\S+)$", re.MULTILINE)
"""The logins load_demo_data prints: 'customer (scope customer): customer@example.com / <password>'."""
SERVER_ENV = {
    # Far above what a run sends: a 429 would hide every other answer.
    "RATE_LIMIT_ANON": "1000000/min",
    "RATE_LIMIT_USER": "1000000/min",
    "RATE_LIMIT_LOGIN": "1000000/min",
    "LOG_LEVEL": "WARNING",
}


@pytest.fixture(scope="module")
def server(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Gunicorn]:
    with django_db_blocker.unblock():
        url = database_url(connection)
    started = start_gunicorn(
        env={**SERVER_ENV, "DATABASE_URL": url}, log_dir=tmp_path_factory.mktemp("schemathesis-server"), workers=2
    )
    yield started
    started.stop()


def schemathesis_command(*, schema_url: str, token: str, max_examples: int) -> list[str]:
    """The CLI run: every check, the config's exceptions, deterministic cases."""
    return [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(CONFIG),
        "run",
        schema_url,
        "--checks",
        "all",
        "--header",
        f"Authorization: Bearer {token}",
        "--max-examples",
        str(max_examples),
        "--generation-deterministic",
        "--workers",
        "1",
        "--no-color",
    ]


def log_in(server: Gunicorn, email: str, password: str) -> str:
    status, body = send(f"{server.url}/api/identity/token/", body={"email": email, "password": password}, timeout=30)
    assert status == 200, body
    return str(json.loads(body)["access_token"])


def test_schemathesis_finds_no_failure_with_a_customer_or_a_staff_token(server: Gunicorn, tmp_path: Path) -> None:
    # given the demo shop, loaded by the command a newcomer runs, into the server's database
    loaded = subprocess.run(
        [sys.executable, "manage.py", "load_demo_data", "--base-url", server.url],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url(connection)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert loaded.returncode == 0, loaded.stderr
    # (the logins it prints, read as a newcomer would: this test knows no domain's code)
    tokens = {role: log_in(server, email, password) for role, email, password in DEMO_LOGIN.findall(loaded.stdout)}
    assert sorted(tokens) == ["customer", "staff"], loaded.stdout

    # when schemathesis runs over every operation with each token, both at once
    runs = {}
    for role, token in tokens.items():
        output = (tmp_path / f"schemathesis-{role}.txt").open("w")
        command = schemathesis_command(
            schema_url=f"{server.url}/api/schema/?format=json", token=token, max_examples=MAX_EXAMPLES
        )
        runs[role] = (subprocess.Popen(command, cwd=tmp_path, stdout=output, stderr=subprocess.STDOUT), output)
    for process, output in runs.values():
        process.wait(timeout=RUN_SECONDS)
        output.close()

    # then neither found a failure, and each tested every operation of the schema
    reports = {role: (tmp_path / f"schemathesis-{role}.txt").read_text() for role in runs}
    failed = [f"=== {role} token ===\n{reports[role]}" for role, (process, _) in runs.items() if process.returncode]
    assert not failed, "\n\n".join(failed)
    for report in reports.values():
        assert "Tested: " in report
        selected = report.split("Selected: ", 1)[1].split("/", 1)[0]
        tested = report.split("Tested: ", 1)[1].split()[0]
        assert tested == selected, report
