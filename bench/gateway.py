"""The gateway's cost under load: one view through the gateway, and the same view mounted bare.

    python -m bench.gateway [--seconds 5] [--rounds 3] [--connections 16]

Two gunicorn servers (the production configuration, config/gunicorn.conf.py, as it is:
2 workers per core plus one, 4 threads each) serve GET /api/catalog/products/<id>/ on
the same database;
wrk loads them in turn, round-robin, with a customer's access token:

  gateway   the project as deployed: correlation and API middleware, the bearer token
            verified (remembered after the first request, AUTH_VERIFIED_TOKEN_CACHE_SECONDS),
            the permission checked, the request counted against the user's rate limit in
            Redis (one round trip), the error handling around it
  bare      the same view class at the same path with Django's middleware only (no
            correlation or API error middleware), no authentication, no permission, no
            rate limit (bench/bare_urls.py, bench/bare_settings.py)

Shown: requests per second, latency p50 and p99, the servers' CPU time per request
(gunicorn's master and workers, read with psutil around each round), SQL statements per
request (the same view runs on both sides) and the gateway's cost as ratios of time per
request and of CPU per request (the median of the rounds' ratios: each round loads the
gateway, then the bare view). Needs
wrk (Debian: `apt-get install wrk`) and Redis at REDIS_URL; uses DATABASE_URL (or a
throwaway SQLite file, see bench.harness). Its rate-limit counters live under a key
prefix of their own in Redis, deleted at exit.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from tempfile import mkdtemp

from bench.harness import print_table, setup_django

DATABASE = setup_django()  # Django must be configured before any model is imported.

import psutil  # noqa: E402
import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

from domains.catalog.services import create_product  # noqa: E402
from domains.identity.access_tokens import issue_access_token  # noqa: E402
from shared.auth.principal import CUSTOMER_SCOPE, Principal  # noqa: E402
from shared.keyfiles import generate_private_key, private_key_pem  # noqa: E402
from shared.money import Money  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
READY_SECONDS = 30
NO_WRK = "bench.gateway needs wrk, the HTTP load generator: `apt-get install wrk` (Debian), then run it again."
NOT_READY = "gunicorn for {name} did not answer within {seconds}s; its log:\n{log}"
LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}
NO_CPU = (
    "psutil counted no CPU time for the bare server in {rounds} round(s) of {seconds}s "
    "(it counts in clock ticks): run again with more --seconds or --rounds."
)


@dataclass(frozen=True)
class Load:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_seconds: float = 0.0
    """CPU the server's processes spent in the round (psutil counts in clock ticks of 10 ms)."""
    requests: int = 0

    @property
    def cpu_ms_per_request(self) -> float:
        return 1000 * self.cpu_seconds / max(self.requests, 1)


@dataclass(frozen=True)
class Server:
    url: str
    pid: int

    def cpu_seconds(self) -> float:
        """User and system CPU of gunicorn's master and workers so far (exited workers are not counted)."""
        master = psutil.Process(self.pid)
        processes = [master, *master.children(recursive=True)]
        total = 0.0
        for process in processes:
            try:
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
        return total


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def gunicorn(name: str, *, settings_module: str, environment: dict[str, str], log_dir: Path) -> Iterator[Server]:
    """A gunicorn server of the project on a free port, with `settings_module`."""
    port = free_port()
    log = log_dir / f"{name}.log"
    command = [
        sys.executable, "-m", "gunicorn", "-c", str(ROOT / "config" / "gunicorn.conf.py"), "config.wsgi",
    ]  # fmt: skip
    env = {
        **environment,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
    }
    with log.open("wb") as output:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_SECONDS
        while not _answers(url):
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(
                    NOT_READY.format(name=name, seconds=READY_SECONDS, log=log.read_text(errors="replace"))
                )
            time.sleep(0.2)
        yield Server(url=url, pid=server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)


def _answers(url: str) -> bool:
    try:
        return (
            subprocess.run(["curl", "-s", "-o", "/dev/null", f"{url}/healthz"], timeout=5, check=False).returncode == 0
        )
    except subprocess.TimeoutExpired:
        return False


def wrk(server: Server, path: str, *, token: str, seconds: int, connections: int) -> Load:
    command = ["wrk", "--latency", "-t", "2", "-c", str(connections), "-d", f"{seconds}s"]
    command += ["-H", f"Authorization: Bearer {token}", server.url + path]
    cpu_before = server.cpu_seconds()
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    cpu = server.cpu_seconds() - cpu_before
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", result.stdout).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", result.stdout).group(1))  # type: ignore[union-attr]
    latency = {p: float(value) * UNITS[unit] for p, value, unit in LATENCY.findall(result.stdout)}
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", result.stdout))
    return Load(
        requests_per_second=rps,
        p50_ms=latency["50"],
        p99_ms=latency["99"],
        errors=errors,
        cpu_seconds=cpu,
        requests=requests,
    )


def statements_per_request(path: str, *, token: str, urlconf: str, bare: bool) -> int:
    """SQL statements the view runs for one request (the same on both sides: the gateway adds none)."""
    middleware = [name for name in settings.MIDDLEWARE if not (bare and name.startswith("shared."))]
    with override_settings(ROOT_URLCONF=urlconf, MIDDLEWARE=middleware), CaptureQueriesContext(connection) as queries:
        response = Client().get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content
    return len(queries.captured_queries)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=3, help="Seconds of load per round and side (default 3).")
    parser.add_argument("--rounds", type=int, default=7, help="Rounds per side; the median is shown (default 7).")
    parser.add_argument("--connections", type=int, default=16, help="Concurrent connections (default 16).")
    options = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit(NO_WRK)

    work = Path(mkdtemp(prefix="modulith-bench-gateway-"))
    key_file = work / "jwt.pem"
    key_file.write_bytes(private_key_pem(generate_private_key()))
    prefix = f"modulith-bench-{uuid.uuid4().hex[:8]}"
    environment = {
        **os.environ,  # DATABASE_URL included: bench.harness set it, the servers use the same database
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": uuid.uuid4().hex * 2,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "AUTH_SIGNING_KEYS": str(key_file),
        "RATE_LIMIT_CACHE_URL": f"{settings.REDIS_URL}?key_prefix={prefix}",
        "RATE_LIMIT_USER": "100000000/min",
        "RATE_LIMIT_ANON": "100000000/min",
        "LOG_LEVEL": "WARNING",
    }
    environment["DATABASE_URL"] = os.environ["DATABASE_URL"]

    product = create_product(
        sku=f"BENCH-{uuid.uuid4().hex[:8]}",
        name="Bench tea",
        description="",
        price=Money(amount=Decimal("4.20"), currency="EUR"),
    )
    path = f"/api/catalog/products/{product.id}/"
    customer = Principal(id=uuid.uuid4(), email="bench@example.com", scopes=frozenset({CUSTOMER_SCOPE}))
    with override_settings(AUTH_SIGNING_KEYS=[str(key_file)]):
        token = issue_access_token(customer).token
        statements = {
            "gateway": statements_per_request(path, token=token, urlconf=settings.ROOT_URLCONF, bare=False),
            "bare": statements_per_request(path, token=token, urlconf="bench.bare_urls", bare=True),
        }

    samples: dict[str, list[Load]] = {"gateway": [], "bare": []}
    try:
        with (
            gunicorn("gateway", settings_module="config.settings", environment=environment, log_dir=work) as gateway,
            gunicorn("bare", settings_module="bench.bare_settings", environment=environment, log_dir=work) as bare,
        ):
            servers = {"gateway": gateway, "bare": bare}
            for server in servers.values():  # warm-up: imports, connections, the token remembered
                wrk(server, path, token=token, seconds=2, connections=options.connections)
            for _ in range(options.rounds):
                for name, server in servers.items():
                    samples[name].append(
                        wrk(server, path, token=token, seconds=options.seconds, connections=options.connections)
                    )
    finally:
        client = redis.Redis.from_url(settings.REDIS_URL)
        deleted = sum(int(client.delete(key)) for key in client.scan_iter(match=f"{prefix}:*"))

    median = {
        name: Load(
            requests_per_second=statistics.median(s.requests_per_second for s in loads),
            p50_ms=statistics.median(s.p50_ms for s in loads),
            p99_ms=statistics.median(s.p99_ms for s in loads),
            errors=sum(s.errors for s in loads),
            # Summed over the rounds: one short round may span too few clock ticks to count.
            cpu_seconds=sum(s.cpu_seconds for s in loads),
            requests=sum(s.requests for s in loads),
        )
        for name, loads in samples.items()
    }
    # Each round's pair (gateway, then bare right after) gives a ratio: load that comes and
    # goes on the machine hits both sides of a pair alike, and the median drops the outliers.
    # Time per request (from requests/s) is what a client sees; CPU per request is what the
    # servers spent, and barely moves with other work on the machine.
    pairs = list(zip(samples["gateway"], samples["bare"], strict=True))
    time_ratio = statistics.median(bare.requests_per_second / gateway.requests_per_second for gateway, bare in pairs)
    if median["bare"].cpu_seconds <= 0:
        raise SystemExit(NO_CPU.format(seconds=options.seconds, rounds=options.rounds))
    cpu_ratio = median["gateway"].cpu_ms_per_request / median["bare"].cpu_ms_per_request
    ratios = {"gateway": (time_ratio, cpu_ratio), "bare": (1.0, 1.0)}
    print_table(
        f"The gateway under wrk ({options.connections} connections, {options.seconds}s a round, median of "
        f"{options.rounds}) against gunicorn (config/gunicorn.conf.py) on {DATABASE}; "
        f"{deleted} rate-limit keys under {prefix}: deleted",
        [
            "variant",
            "requests/s",
            "p50 ms",
            "p99 ms",
            "CPU ms/request",
            "SQL/request",
            "non-2xx",
            "ratio to bare (time/request)",
            "ratio to bare (CPU/request)",
        ],
        [
            (
                name,
                f"{load.requests_per_second:.0f}",
                f"{load.p50_ms:.2f}",
                f"{load.p99_ms:.2f}",
                f"{load.cpu_ms_per_request:.3f}",
                statements[name],
                load.errors,
                f"{ratios[name][0]:.2f}",
                f"{ratios[name][1]:.2f}",
            )
            for name, load in median.items()
        ],
    )


if __name__ == "__main__":
    main()
