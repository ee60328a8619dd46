"""Log lines: readable or JSON, with the correlation id and every field passed in `extra=`."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from django.conf import settings

from shared.correlation import CorrelationIdFilter, correlation_scope
from shared.observability.logs import JSON, READABLE, UNKNOWN_FORMAT, formatter
from shared.work_context import LogContext, bind, current_log_context, log_scope


@pytest.fixture
def emit() -> Iterator[tuple[logging.Logger, io.StringIO, list[logging.Handler]]]:
    """A logger whose one handler is configured as settings.LOGGING configures the console."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(CorrelationIdFilter())
    logger = logging.getLogger("tests.kernel.log_lines")
    logger.propagate = False
    logger.addHandler(handler)
    yield logger, stream, [handler]
    logger.removeHandler(handler)
    logger.propagate = True


def test_a_readable_line_keeps_the_fields_passed_in_extra(emit: tuple[logging.Logger, io.StringIO, list]) -> None:
    logger, stream, [handler] = emit
    handler.setFormatter(formatter(READABLE))

    with correlation_scope("req-7"):
        logger.error("bus.delivery.dead", extra={"delivery_id": 42, "subscriber": "catalog.release_stock"})

    # date and time, then the level, the correlation id, the logger, the message and the extras by name
    assert stream.getvalue().split(" ", 2)[2] == (
        "ERROR [req-7] tests.kernel.log_lines bus.delivery.dead delivery_id=42 subscriber=catalog.release_stock\n"
    )


def test_a_json_line_is_one_object_with_every_field(emit: tuple[logging.Logger, io.StringIO, list]) -> None:
    logger, stream, [handler] = emit
    handler.setFormatter(formatter(JSON))

    logger.warning("bus.delivery.failed", extra={"delivery_id": 7, "attempt": 2})
    try:
        raise ValueError("handler bug")
    except ValueError:
        logger.exception("bus.handler.crashed")

    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first.pop("timestamp").endswith("Z")
    assert first == {
        "level": "warning",
        "correlation_id": "-",
        "domain": None,
        "user_id": None,
        "logger": "tests.kernel.log_lines",
        "event": "bus.delivery.failed",
        "attempt": 2,
        "delivery_id": 7,
    }
    assert (second["event"], second["level"]) == ("bus.handler.crashed", "error")
    assert second["exception"].startswith("Traceback (most recent call last):")
    assert second["exception"].endswith("ValueError: handler bug")


def test_a_line_names_the_domain_and_user_of_its_scope_and_the_scope_ends_with_it(
    emit: tuple[logging.Logger, io.StringIO, list],
) -> None:
    logger, stream, [handler] = emit
    handler.setFormatter(formatter(JSON))

    with correlation_scope("req-8"), log_scope(domain="orders"):
        bind(user_id="3f2a")
        logger.info("orders.placed", extra={"order_id": "o-1"})
        with log_scope(domain="catalog"):
            logger.info("catalog.reserved")
    logger.info("after")
    bind(user_id="leaked")  # outside any scope: changes nothing
    logger.info("still after")

    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(line["event"], line["correlation_id"], line["domain"], line["user_id"]) for line in lines] == [
        ("orders.placed", "req-8", "orders", "3f2a"),
        ("catalog.reserved", "req-8", "catalog", "3f2a"),
        ("after", "-", None, None),
        ("still after", "-", None, None),
    ]
    assert list(lines[0])[:7] == ["timestamp", "level", "correlation_id", "domain", "user_id", "logger", "event"]
    assert current_log_context() == LogContext()


def test_a_readable_line_shows_domain_user_and_task_first_among_the_fields(
    emit: tuple[logging.Logger, io.StringIO, list],
) -> None:
    logger, stream, [handler] = emit
    handler.setFormatter(formatter(READABLE))

    with log_scope(domain="billing", user_id="u-9", task="bus.deliver", task_id="t-1"):
        logger.warning("billing.charge_failed", extra={"attempt": 2})

    assert stream.getvalue().split(" ", 2)[2] == (
        "WARNING [-] tests.kernel.log_lines billing.charge_failed domain=billing user_id=u-9 task=bus.deliver "
        "task_id=t-1 attempt=2\n"
    )


def test_an_unknown_log_format_says_which_exist() -> None:
    with pytest.raises(ValueError, match="LOG_FORMAT='xml' is not a log format") as raised:
        formatter("xml")

    assert str(raised.value) == UNKNOWN_FORMAT.format(value="xml", formats="readable, json")


@pytest.mark.processes
def test_manage_py_help_prints_nothing_but_help() -> None:
    # given a development key that already exists (the tests' own processes made it)
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "LOG_LEVEL": "DEBUG"}

    # when a newcomer asks for help
    result = subprocess.run(
        [sys.executable, "manage.py", "--help"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    # then they get the help, and no log line about signing keys or anything else
    assert result.returncode == 0
    assert result.stderr == ""
    assert result.stdout.startswith("\nType 'manage.py help <subcommand>' for help on a specific subcommand.")
    assert "signing" not in result.stdout


LOG_IN_A_FRESH_PROCESS = """
import logging
import django
django.setup()
logging.getLogger("tests.kernel.probe").warning("probe.logged", extra={"attempt": 2})
"""
"""Start Django as a server would (settings read at import, LOGGING applied) and write one line to the console."""


def console_line(environment: dict[str, str]) -> str:
    """The probe's line on the console of a fresh process with exactly these variables (no LOG_FORMAT unless given)."""
    keep = {name: os.environ[name] for name in ("PATH", "DATABASE_URL") if name in os.environ}
    result = subprocess.run(
        [sys.executable, "-c", LOG_IN_A_FRESH_PROCESS],
        cwd=settings.BASE_DIR,
        env={**keep, "DJANGO_SETTINGS_MODULE": "config.settings", **environment},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    [line] = [line for line in result.stderr.splitlines() if "probe.logged" in line]
    return line


def production(directory: Path) -> dict[str, str]:
    """What DJANGO_ENV=production needs to start at all, its signing key written in `directory`."""
    key = directory / "jwt-signing.pem"
    key.write_bytes(Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    return {"DJANGO_ENV": "production", "DJANGO_SECRET_KEY": "x" * 50, "DJANGO_ALLOWED_HOSTS": "shop.example.com",
            "AUTH_SIGNING_KEYS": str(key)}  # fmt: skip


def with_log_format(log_format: str | None) -> dict[str, str]:
    return {"LOG_FORMAT": log_format} if log_format else {}


JSON_LINE = {
    "level": "warning",
    "correlation_id": "-",
    "domain": None,
    "user_id": None,
    "logger": "tests.kernel.probe",
    "event": "probe.logged",
    "attempt": 2,
}


@pytest.mark.processes
@pytest.mark.parametrize(
    ("in_production", "log_format"),
    [(True, None), (True, "json"), (False, "json")],
    ids=["production-by-default", "production-asked-for-json", "development-asked-for-json"],
)
def test_the_console_writes_json_lines_in_production_and_when_asked(
    tmp_path: Path, in_production: bool, log_format: str | None
) -> None:
    environment = {**(production(tmp_path) if in_production else {}), **with_log_format(log_format)}

    line = json.loads(console_line(environment))

    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z", line.pop("timestamp"))
    assert line == JSON_LINE


@pytest.mark.processes
@pytest.mark.parametrize(
    ("in_production", "log_format"),
    [(False, None), (False, "readable"), (True, "readable")],
    ids=["development-by-default", "development-asked-for-readable", "production-asked-for-readable"],
)
def test_the_console_writes_readable_lines_in_development_and_when_asked(
    tmp_path: Path, in_production: bool, log_format: str | None
) -> None:
    environment = {**(production(tmp_path) if in_production else {}), **with_log_format(log_format)}

    line = console_line(environment)

    timestamp, rest = line[:19], line[20:]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", timestamp)
    assert rest == "WARNING [-] tests.kernel.probe probe.logged attempt=2"
