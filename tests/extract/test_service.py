"""`extract service`: a standalone project per domain, `make check` passing in its own virtualenv, runnable from
its Procfile, and a second run that shows its diff and writes only with --force."""

from __future__ import annotations

import io
import re
import uuid
import zipfile
from pathlib import Path

import httpx
import pytest
import redis
from django.conf import settings
from django.core.management import CommandError, call_command

from extract.management.commands.extract import UNKNOWN_DOMAIN, UP_TO_DATE, WROTE
from extract.service.generator import EXISTS
from extract.service.rendering import service_env
from extract.service.writer import MANIFEST
from shared.remote.discovery import ServiceRegistry
from tests.extract.services import database_url_for, make, service_environment, start
from tests.reliability.processes import free_port, wait_until

pytestmark = [pytest.mark.processes, pytest.mark.xdist_group("extract-services")]

ROOT = Path(settings.BASE_DIR)
MONOLITH_URL = "http://127.0.0.1:8000"


def generate(domain: str, out: Path, *options: str) -> str:
    stdout = io.StringIO()
    call_command("extract", "service", domain, "--out", str(out), *options, stdout=stdout)
    return stdout.getvalue()


@pytest.fixture(scope="module")
def orders_service(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("orders-service") / "orders"
    generate("orders", out)
    return out


def relative_files(directory: Path) -> set[str]:
    return {path.relative_to(directory).as_posix() for path in directory.rglob("*") if path.is_file()}


def test_the_service_holds_its_domain_the_others_interfaces_and_the_kernel_as_a_wheel(orders_service: Path) -> None:
    files = relative_files(orders_service)

    (wheel,) = [name for name in files if name.startswith("wheels/")]
    assert re.fullmatch(r"wheels/modulith-0\.1\.0\+k[0-9a-f]{16}-py3-none-any\.whl", wheel)
    assert f'"modulith=={wheel.split("-")[1]}",' in (orders_service / "pyproject.toml").read_text()
    assert {name.split("/")[0] for name in files} == {
        ".dockerignore", ".env.example", ".gitignore", MANIFEST, "Dockerfile", "Makefile", "Procfile", "README.md",
        "config", "conftest.py", "domains", "manage.py", "pyproject.toml", "wheels",
    }  # fmt: skip
    assert {name for name in files if name.startswith("domains/") and not name.startswith("domains/orders/")} == {
        "domains/__init__.py",
        *(
            f"domains/{other}/{name}"
            for other in settings.DOMAINS
            if other != "orders"
            for name in ("__init__.py", "interface.py", "contract.json")
        ),
    }
    own = relative_files(ROOT / "domains/orders")
    assert {name for name in files if name.startswith("domains/orders/")} == {
        f"domains/orders/{name}" for name in own if "__pycache__" not in name
    }
    assert any(name.startswith("domains/orders/migrations/0001") for name in files)
    assert any(name.startswith("domains/orders/tests/test_") for name in files)
    for name in ("domains/orders/services.py", "config/settings.py", "config/urls.py", "conftest.py"):
        assert (orders_service / name).read_bytes() == (ROOT / name).read_bytes(), name
    kernel = sorted(
        p.relative_to(ROOT).as_posix() for p in (ROOT / "shared").rglob("*.py") if "__pycache__" not in p.parts
    )
    with zipfile.ZipFile(orders_service / wheel) as archive:
        assert kernel == sorted(
            name for name in archive.namelist() if name.startswith("shared/") and name.endswith(".py")
        )
    assert (orders_service / "config/service.env").read_text().splitlines()[2:] == service_env(
        domain="orders", domains=settings.DOMAINS, monolith_url=MONOLITH_URL
    )
    assert service_env(domain="orders", domains=settings.DOMAINS, monolith_url=MONOLITH_URL) == [
        "MODULITH_DOMAINS=orders",
        "DOMAIN_PLACEMENT=identity=http://127.0.0.1:8000,catalog=http://127.0.0.1:8000,"
        "cart=http://127.0.0.1:8000,billing=http://127.0.0.1:8000,notifications=http://127.0.0.1:8000",
        "SERVICE_NAME=orders",
        "AUTH_JWKS_URL=http://127.0.0.1:8000/.well-known/jwks.json",
    ]
    readme = (orders_service / "README.md").read_text()
    assert "make run     # create .venv, install, migrate, serve orders at http://127.0.0.1:8014" in readme
    assert "- `ORDERS_CHECKOUT_TIMEOUT_SECONDS` (environment: `ORDERS_CHECKOUT_TIMEOUT_SECONDS`)" in readme
    assert "<<missing" not in "".join((orders_service / name).read_text() for name in ("README.md", "Makefile"))


def test_make_check_passes_in_the_services_own_virtualenv(orders_service: Path, service_venv: Path) -> None:
    environment = service_environment(venv=service_venv, database_url=database_url_for("svc_check_orders"))

    result = make(orders_service, "check", venv=service_venv, environment=environment)

    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "domains installed: orders (MODULITH_DOMAINS)" in result.stdout
    summary = [line for line in result.stdout.splitlines() if line.startswith("=") and " passed" in line]
    assert len(summary) == 1, result.stdout[-4000:]
    assert " failed" not in summary[0]
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_the_service_runs_from_its_procfile(orders_service: Path, service_venv: Path, tmp_path: Path) -> None:
    # given the service's web process told where it is reached, so that it announces itself in the registry
    port = free_port()
    prefix = f"test-{uuid.uuid4().hex[:8]}:"
    registry = ServiceRegistry(redis.Redis.from_url(settings.REDIS_URL), prefix=prefix, ttl_seconds=15)
    environment = service_environment(
        venv=service_venv,
        database_url=database_url_for("svc_run_orders"),
        extra={
            "SERVICE_ANNOUNCE_URL": f"http://127.0.0.1:{port}",
            "SERVICE_REGISTRY_URL": settings.REDIS_URL,
            "SERVICE_REGISTRY_PREFIX": prefix,
        },
    )
    migrated = make(orders_service, "migrate", venv=service_venv, environment=environment)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr

    web = start(orders_service, "web", environment=environment, log_dir=tmp_path, port=port)
    try:
        anonymous = httpx.get(f"{web.url}/api/orders/", timeout=10)
        feed = httpx.get(f"{web.url}/internal/events/?after=0", timeout=10)
        wait_until(lambda: registry.live("orders"), timeout=30, what="the orders service announced in the registry")
        announced = [instance.url for instance in registry.live("orders")]
        services = set(registry.services())
    finally:
        web.stop()

    # then it answered as the orders service, and was listed in the registry only while it ran
    assert announced == [web.url]
    assert services == {"orders"}
    assert registry.live("orders") == []  # deregistered when it shut down
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == "application/problem+json"
    assert anonymous.json()["code"] == "auth.not_authenticated"
    assert feed.status_code == 403  # the event feed is served, and answers no one without BUS_FEED_TOKEN


def test_a_second_run_shows_what_would_change_and_writes_only_with_force(tmp_path: Path) -> None:
    out = tmp_path / "cart"
    first = generate("cart", out)
    readme = out / "README.md"
    generated = readme.read_text()
    readme.write_text(generated.replace("# The cart service", "# Our cart service"))
    (out / "NOTES.md").write_text("ours\n")

    with pytest.raises(CommandError) as refused:
        generate("cart", out, "--monolith-url", "http://10.0.0.5:8000")

    assert str(refused.value) == EXISTS.format(out=out, count=2)
    assert readme.read_text().startswith("# Our cart service")
    forced = generate("cart", out, "--force", "--monolith-url", "http://10.0.0.5:8000")
    assert forced.splitlines() == [
        "changed: README.md",
        "changed: config/service.env",
        WROTE.format(domain="cart", out=out, count=2),
    ]
    assert readme.read_text() == generated.replace("http://127.0.0.1:8000", "http://10.0.0.5:8000")
    assert (out / "NOTES.md").read_text() == "ours\n"
    assert generate("cart", out, "--monolith-url", "http://10.0.0.5:8000").splitlines() == [
        UP_TO_DATE.format(domain="cart", out=out)
    ]
    assert first.splitlines()[-1] == WROTE.format(domain="cart", out=out, count=len(relative_files(out)) - 2)


def test_the_refusal_prints_each_change_with_its_diff(tmp_path: Path) -> None:
    out = tmp_path / "billing"
    generate("billing", out)
    (out / "Procfile").write_text("web: something else\n")
    stdout = io.StringIO()

    with pytest.raises(CommandError):
        call_command("extract", "service", "billing", "--out", str(out), stdout=stdout)

    assert stdout.getvalue().splitlines()[:6] == [
        "changed: Procfile",
        "--- a/Procfile",
        "+++ b/Procfile",
        "@@ -1 +1,3 @@",
        "-web: something else",
        "+web: gunicorn config.wsgi:application --config config/gunicorn.conf.py",
    ]
    assert (out / "Procfile").read_text() == "web: something else\n"


def test_an_unknown_domain_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as refused:
        generate("shipping", tmp_path / "shipping")

    assert str(refused.value) == UNKNOWN_DOMAIN.format(domain="shipping", domains=", ".join(settings.DOMAINS))
    assert not (tmp_path / "shipping").exists()
