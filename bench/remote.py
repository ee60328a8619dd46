"""What a remote interface call costs over HTTP, against the plainest keep-alive GET to the same server.

    python -m bench.remote [--calls 400] [--rounds 5]

One gunicorn process (gthread, keep-alive) serves the shop on the benchmark's database.
Side by side, round robin, one call at a time on one kept-alive connection each:

  raw GET          httpx.Client().get(<server>/healthz): a minimal Django view behind the
                   same middleware; no token, no body, nothing decoded. The baseline.
  remote, no work  catalog.get_products(product_ids=()) through the remote client: the
                   whole remote machinery (argument check and encoding, service token,
                   breaker, the internal endpoint's verification, decoding, dispatch and
                   encoding, the client's decoding) around an operation that runs no query.
  remote read      catalog.get_product(product_id=...): the same with one real read.
  local read       catalog's service called in this process: what a split adds to it.

Printed per variant: p50 and p99 of single calls, calls per second, and the ratios of p50
and of calls/s to the raw GET. The goal is at most 1.2x for "remote, no work": the price
of the remote machinery over HTTP itself.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from bench.harness import print_table, setup_django

DATABASE = setup_django()  # Django must be configured before any model is imported.

import httpx  # noqa: E402
from django.conf import settings  # noqa: E402

from domains.catalog.interface import catalog  # noqa: E402
from domains.catalog.services import CatalogService, create_product  # noqa: E402
from shared.interfaces import interface_of  # noqa: E402
from shared.money import Money  # noqa: E402
from shared.placement import AtUrls  # noqa: E402
from shared.remote.binding import build_service_client  # noqa: E402
from shared.remote.client import remote_client  # noqa: E402

ROOT = Path(settings.BASE_DIR)
READY_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(port: int) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "SERVICE_DEV_KEY_FILE": str(settings.SERVICE_KEY_FILE),
        "LOG_LEVEL": "ERROR",
        "DOMAIN_PLACEMENT": "",
    }
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", "1", "--threads", "4", "--worker-class", "gthread", "--log-level", "error",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=environment, start_new_session=True)
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit(f"The benchmark's server did not answer on port {port} within {READY_SECONDS:g}s.")


def samples(variants: dict[str, Callable[[], object]], *, calls: int, rounds: int) -> dict[str, list[float]]:
    """Seconds per single call of each variant, `calls` at a time, round robin over `rounds` rounds."""
    found: dict[str, list[float]] = {name: [] for name in variants}
    for function in variants.values():  # warm-up: connections open, caches filled
        for _ in range(max(10, calls // 10)):
            function()
    for _ in range(rounds):
        for name, function in variants.items():
            for _ in range(calls):
                started = time.perf_counter()
                function()
                found[name].append(time.perf_counter() - started)
    return found


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=400, help="calls per variant and round")
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args(argv)

    price = Money(amount=Decimal("4.20"), currency="EUR")
    product = create_product(sku=f"BENCH-{uuid.uuid4().hex[:8]}", name="Bench", description="", price=price)
    port = free_port()
    server = start_server(port)
    url = f"http://127.0.0.1:{port}"
    try:
        raw = httpx.Client()
        client = remote_client(interface_of(catalog), build_service_client("catalog", AtUrls((url,))))
        local = CatalogService()
        results = samples(
            {
                "raw": lambda: raw.get(f"{url}/healthz"),
                "empty": lambda: client.get_products(product_ids=()),  # type: ignore[attr-defined]
                "read": lambda: client.get_product(product_id=product.id),  # type: ignore[attr-defined]
                "local": lambda: local.get_product(product_id=product.id),
            },
            calls=options.calls,
            rounds=options.rounds,
        )
    finally:
        server.terminate()
        server.wait(timeout=15)

    labels = {
        "raw": "raw httpx keep-alive GET /healthz",
        "empty": "remote call, no work (get_products of none)",
        "read": "remote call, one read (get_product)",
        "local": "local call, one read (in process)",
    }
    base_p50 = percentile(results["raw"], 0.5)
    base_rate = 1 / statistics.fmean(results["raw"])
    rows = []
    for name, label in labels.items():
        p50, p99 = percentile(results[name], 0.5), percentile(results[name], 0.99)
        rate = 1 / statistics.fmean(results[name])
        rows.append(
            (
                label,
                f"{p50 * 1e6:.0f}",
                f"{p99 * 1e6:.0f}",
                f"{rate:.0f}",
                f"{p50 / base_p50:.2f}",
                f"{base_rate / rate:.2f}",
            )
        )
    print(f"Remote interface calls on {DATABASE}, {options.rounds} rounds of {options.calls} calls each")
    print_table(
        "A call over HTTP vs a raw keep-alive GET to the same gunicorn (goal: 'no work' at most 1.2x)",
        ("call", "p50 µs", "p99 µs", "calls/s", "p50 ratio", "time ratio"),
        rows,
    )


if __name__ == "__main__":
    main()
