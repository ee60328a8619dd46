"""The shop under load on loopback: browsing and checkout through gunicorn, every domain in one process, then the
catalog in a service of its own.

    python -m bench.shop_load [--seconds 20] [--connections 8] [--placements local,catalog]

Needs PostgreSQL (DATABASE_URL=postgres://...; the catalog service gets a database of its own
beside it, <name>_catalog_service, dropped at exit) and wrk (Debian: `apt-get install wrk`).

Placements, each started, loaded and stopped in turn:

  local     gunicorn (config/gunicorn.conf.py as it is) serving every domain, in-process
            events, `manage.py bus work` beside it: the shop as `make run` deploys it.
  catalog   the same shop with DOMAIN_PLACEMENT=catalog=<url>: /api/catalog/ is forwarded to
            the catalog service and checkout reserves stock through its interface over HTTP.
            The service runs this checkout's code with the environment `extract service`
            writes into a generated service's config/service.env (MODULITH_DOMAINS=catalog,
            every other domain at the shop's URL), its own database (migrated, the catalog's
            rows copied with `extract data catalog`), gunicorn (2 workers) and its `bus work`,
            which pulls the shop's feed (OrderPlaced, OrderConfirmed, ...).

Loads, wrk with --connections connections, one per thread, for --seconds each:

  browse    anonymous: the product list (a page of 20) and a product's page, in turn.
  checkout  customers (25 per connection, in turn): add a product to the cart, then
            check out with tok_visa; one purchase is two requests.

Printed per placement and load: requests/s, latency p50 and p99, errors (non-2xx answers
and socket errors, which must be zero), and requests/s as a ratio of the local placement's
in the same run. Nothing is timed against a fixed number.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from bench.harness import print_table, setup_django

DATABASE = setup_django()  # Django must be configured before any model is imported.

import httpx  # noqa: E402
import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from psycopg import sql  # noqa: E402

from domains.catalog.interface import catalog  # noqa: E402
from domains.identity.access_tokens import issue_access_token  # noqa: E402
from domains.identity.interface import identity  # noqa: E402
from extract.service.rendering import service_env  # noqa: E402
from shared.auth.principal import CUSTOMER_SCOPE, Principal  # noqa: E402
from shared.keyfiles import generate_private_key, private_key_pem  # noqa: E402
from shared.money import Money  # noqa: E402

ROOT = Path(settings.BASE_DIR)
SCRIPTS = Path(__file__).resolve().parent / "wrk"
READY_SECONDS = 90.0
PRODUCTS = 50
ON_HAND = 1_000_000
CUSTOMERS_PER_CONNECTION = 25
PLACEMENTS = ("local", "catalog")
LOADS = ("browse", "checkout")
FEED_TOKEN = "bench-shop-load-feed"
NO_WRK = "bench.shop_load needs wrk, the HTTP load generator: `apt-get install wrk` (Debian), then run it again."
NO_POSTGRES = (
    "bench.shop_load needs PostgreSQL (several processes write at once): set "
    "DATABASE_URL=postgres://postgres@127.0.0.1:5432/modulith_bench and run it again."
)
NOT_READY = "{name} did not answer /healthz within {seconds:g}s; its log:\n{log}"
LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}
SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


@dataclass(frozen=True)
class Load:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    """Non-2xx answers and socket errors."""
    refused: str = ""
    """The non-2xx answers by status, as the wrk scripts count them ("409=3 503=1")."""


@dataclass
class Process:
    name: str
    log: Path
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


class Deployment:
    """The processes of one placement, in a work directory; all of them stopped when it closes."""

    def __init__(self, work: Path, environment: Mapping[str, str]) -> None:
        self.work = work
        self.environment = dict(environment)
        self.stack = ExitStack()

    def spawn(self, name: str, command: list[str], environment: Mapping[str, str]) -> Process:
        log = self.work / f"{name}.log"
        with log.open("ab") as output:
            process = subprocess.Popen(
                command, cwd=ROOT, env={**self.environment, **environment}, stdout=output, stderr=subprocess.STDOUT
            )
        started = Process(name=name, log=log, process=process)
        self.stack.callback(started.stop)
        return started

    def serve(self, name: str, port: int, environment: Mapping[str, str]) -> str:
        """gunicorn with config/gunicorn.conf.py on `port`, and `bus work` beside it; the base URL once it answers."""
        web = self.spawn(
            f"{name}-web",
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "config" / "gunicorn.conf.py"), "config.wsgi"],
            {**environment, "GUNICORN_BIND": f"127.0.0.1:{port}"},
        )
        self.spawn(f"{name}-bus-work", [sys.executable, "manage.py", "bus", "work"], environment)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + READY_SECONDS
        while not _answers(url):
            if web.process.poll() is not None or time.monotonic() > deadline:
                log = web.log.read_text(errors="replace")[-5000:]
                raise SystemExit(NOT_READY.format(name=name, seconds=READY_SECONDS, log=log))
            time.sleep(0.2)
        return url

    def manage(self, *arguments: str, environment: Mapping[str, str]) -> None:
        result = subprocess.run(
            [sys.executable, "manage.py", *arguments],
            cwd=ROOT,
            env={**self.environment, **environment},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if result.returncode != 0:
            raise SystemExit(f"manage.py {' '.join(arguments)} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")

    def close(self) -> None:
        self.stack.close()


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def recreate_database(url: str) -> None:
    info = psycopg.conninfo.conninfo_to_dict(url.replace("postgres://", "postgresql://", 1))
    name = info.pop("dbname")
    with psycopg.connect(**{**info, "dbname": "postgres"}, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(url: str) -> None:
    info = psycopg.conninfo.conninfo_to_dict(url.replace("postgres://", "postgresql://", 1))
    name = info.pop("dbname")
    with psycopg.connect(**{**info, "dbname": "postgres"}, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def sibling_database(url: str, suffix: str) -> str:
    base, _, name = url.rpartition("/")
    return f"{base}/{name.split('?')[0]}_{suffix}"


def stock_the_shop(*, key_file: Path, customers: int) -> list[str]:
    """Products with stock and registered customers in the shop's database; the data file's lines for wrk."""
    lines = []
    for number in range(PRODUCTS):
        product = catalog.create_product(
            sku=f"LOAD-{uuid.uuid4().hex[:8]}-{number}",
            name=f"Load-test tea no. {number}",
            description="",
            price=Money(amount=Decimal(f"{3 + number % 17}.90"), currency="EUR"),
        )
        catalog.set_stock(product_id=product.id, on_hand=ON_HAND)
        lines.append(f"product {product.id}")
    # Registering hashes a password; MD5 here keeps a few hundred sign-ups from costing a minute of CPU.
    with override_settings(
        AUTH_SIGNING_KEYS=[str(key_file)], PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
    ):
        for _ in range(customers):
            user = identity.register_user(
                email=f"load-{uuid.uuid4().hex[:12]}@example.com", password="a-long-passw0rd!", full_name="Lo Ad"
            )
            principal = Principal(id=user.id, email=user.email, scopes=frozenset({CUSTOMER_SCOPE}))
            lines.append(f"customer {issue_access_token(principal).token}")
    return lines


def wrk(url: str, load: str, *, seconds: int, connections: int, data: Path) -> Load:
    command = [
        "wrk",
        "--latency",
        "--timeout",
        "30s",
        "-t",
        str(connections),
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
    ]
    command += ["-s", str(SCRIPTS / f"{load}.lua"), url]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "BENCH_DATA": str(data), "BENCH_THREADS": str(connections)},
    )
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", result.stdout).group(1))  # type: ignore[union-attr]
    latency = {p: float(value) * UNITS[unit] for p, value, unit in LATENCY.findall(result.stdout)}
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", result.stdout))
    errors += sum(int(n) for match in SOCKET_ERRORS.findall(result.stdout) for n in match)
    refused = " ".join(
        line.removeprefix("non-2xx: ").strip() for line in result.stdout.splitlines() if line.startswith("non-2xx: ")
    )
    return Load(requests_per_second=rps, p50_ms=latency["50"], p99_ms=latency["99"], errors=errors, refused=refused)


@contextmanager
def deployed(placement: str, *, work: Path, environment: Mapping[str, str], database_url: str) -> Iterator[str]:
    """Start `placement`; yields the shop's base URL."""
    deployment = Deployment(work, environment)
    try:
        shop_port = free_port()
        if placement == "local":
            yield deployment.serve("shop", shop_port, {"DATABASE_URL": database_url})
            return
        catalog_port, catalog_database = free_port(), sibling_database(database_url, "catalog_service")
        shop_url = f"http://127.0.0.1:{shop_port}"
        service = dict(
            line.split("=", 1)
            for line in service_env(domain="catalog", domains=settings.DOMAINS, monolith_url=shop_url)
        )
        service |= {"DATABASE_URL": catalog_database, "AUTH_JWKS_URL": "", "GUNICORN_WORKERS": "2"}
        recreate_database(catalog_database)
        deployment.stack.callback(drop_database, catalog_database)
        deployment.manage("migrate", "--noinput", environment=service)
        deployment.manage(
            "extract", "data", "catalog", "--to", catalog_database,
            "--checkpoint", str(work / "catalog-data.json"),
            environment={"DATABASE_URL": database_url},
        )  # fmt: skip
        catalog_url = f"http://127.0.0.1:{catalog_port}"
        shop = {"DATABASE_URL": database_url, "DOMAIN_PLACEMENT": f"catalog={catalog_url}"}
        deployment.serve("catalog-service", catalog_port, service)
        yield deployment.serve("shop", shop_port, shop)
    finally:
        deployment.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20, help="Seconds of each load (default 20).")
    parser.add_argument("--connections", type=int, default=8, help="Concurrent connections, one per wrk thread (8).")
    parser.add_argument(
        "--placements",
        default=",".join(PLACEMENTS),
        help=f"Which placements, in order (default {','.join(PLACEMENTS)}).",
    )
    options = parser.parse_args(argv)
    placements = [name for name in options.placements.split(",") if name]
    unknown = set(placements) - set(PLACEMENTS)
    if unknown:
        parser.error(f"unknown placement {sorted(unknown)}; choose from {', '.join(PLACEMENTS)}")
    if shutil.which("wrk") is None:
        raise SystemExit(NO_WRK)
    if connection.vendor != "postgresql":
        raise SystemExit(NO_POSTGRES)

    work = Path(tempfile.mkdtemp(prefix="modulith-bench-shop-load-"))
    key_file, service_key = work / "jwt.pem", work / "service.pem"
    key_file.write_bytes(private_key_pem(generate_private_key()))
    service_key.write_bytes(private_key_pem(generate_private_key()))
    data = work / "data.txt"
    data.write_text(
        "\n".join(stock_the_shop(key_file=key_file, customers=CUSTOMERS_PER_CONNECTION * options.connections))
    )
    database_url = os.environ["DATABASE_URL"]
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "MODULITH_", "DOMAIN_"))},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "false",
        "AUTH_SIGNING_KEYS": str(key_file),
        "SERVICE_DEV_KEY_FILE": str(service_key),
        "BUS_FEED_TOKEN": FEED_TOKEN,
        "BILLING_FAKE_PROVIDER_STORE": str(work / "provider.sqlite3"),
        "RATE_LIMIT_USER": "100000000/min",
        "RATE_LIMIT_ANON": "100000000/min",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }

    results: dict[tuple[str, str], Load] = {}
    for placement in placements:
        with deployed(placement, work=work, environment=environment, database_url=database_url) as url:
            wrk(url, "browse", seconds=2, connections=options.connections, data=data)  # warm-up
            for load in LOADS:
                results[(placement, load)] = wrk(
                    url, load, seconds=options.seconds, connections=options.connections, data=data
                )

    def ratio(placement: str, load: str) -> str:
        local = results.get(("local", load))
        if local is None:
            return "-"
        return f"{results[(placement, load)].requests_per_second / local.requests_per_second:.2f}"

    print_table(
        f"The shop under wrk on loopback ({options.connections} connections, {options.seconds}s a load) on {DATABASE}; "
        f"one purchase = 2 requests",
        ["placement / load", "requests/s", "p50 ms", "p99 ms", "errors", "ratio to local (requests/s)", "non-2xx"],
        [
            (
                f"{placement} / {load}",
                f"{result.requests_per_second:.0f}",
                f"{result.p50_ms:.1f}",
                f"{result.p99_ms:.1f}",
                result.errors,
                ratio(placement, load),
                result.refused or "-",
            )
            for (placement, load), result in results.items()
        ],
    )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
