"""The checkout flow with every domain in the monolith, with one domain in a service, with all six in services.

    python -m bench.placements [--checkouts 30] [--remote catalog]

The black-box suite's deployments (tests/blackbox/deployments.py), one after the other in
one run, each on PostgreSQL databases of its own (DATABASE_URL must name a PostgreSQL
server): the monolith and, per extracted domain, the service written by `extract service`,
its data copied by `extract data`, every process of the Procfiles started on loopback, and
the switch back after the measurement. Against each, through the monolith's HTTP API alone,
a customer checks out `--checkouts` times (after two untimed ones): one unit in the cart,
then

  checkout     POST /api/orders/checkout/ until its 201: the request the customer waits on
  confirmed    from that POST until GET /api/orders/<id>/ says confirmed (polled every 5 ms):
               the whole saga (reservation, order, payment, confirmation), events included

Printed per placement: the p50 of both in milliseconds, their ratios to everything local,
and SQL statements. Every process counts the statements its connections execute
(config/statement_count.py, on for the run by STATEMENT_COUNT_DIR; PostgreSQL keeps no
per-database statement count without pg_stat_statements); BEGIN and COMMIT are not counted.

  statements   per checkout, all processes (cart, checkout, polling, the saga's handlers and
               the feeds' pulls): the total over the checkouts, less what the same processes
               spend idle over as long (their sweeps and pulls, measured for IDLE_SECONDS just
               before), divided by the checkouts. An estimate: the idle rate is not constant.
  monolith's   per checkout, the monolith's web and worker alone, idle spending included
  idle/s       statements per second of all processes with nothing to do
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from bench.harness import print_table, setup_django

DATABASE = setup_django()  # Django must be configured before the deployments' helpers are imported.

from django.conf import settings  # noqa: E402

from config.statement_count import read_counts  # noqa: E402
from tests.blackbox.deployments import DOMAINS, Deployment, Placement, Suite  # noqa: E402
from tests.blackbox.shop import Shopper, new_product, register, staff  # noqa: E402
from tests.extract.services import create_venv  # noqa: E402

POLL_SECONDS = 0.005
SETTLE_SECONDS = 60.0
IDLE_SECONDS = 5.0
NEEDS_POSTGRES = "bench.placements needs PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/modulith_bench"


def checkout_once(customer: Shopper, product_id: str) -> tuple[float, float]:
    """One unit in the cart, a checkout: (seconds to its 201, seconds until the order is confirmed)."""
    customer.post("/api/cart/items/", {"product_id": product_id, "quantity": 1}, expect=201)
    started = time.perf_counter()
    placed = customer.post("/api/orders/checkout/", {"payment_token": "tok_visa"}, expect=201)
    answered = time.perf_counter()
    deadline = answered + SETTLE_SECONDS
    while (status := customer.get(f"/api/orders/{placed['id']}/")["status"]) != "confirmed":
        if status == "cancelled" or time.perf_counter() > deadline:
            raise RuntimeError(f"Order {placed['id']} ended {status!r} instead of confirmed: see the process logs.")
        time.sleep(POLL_SECONDS)
    return answered - started, time.perf_counter() - started


def spent_since(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {name: after[name] - before.get(name, 0) for name in after}


def measure(deployment: Deployment, counts: Path, *, checkouts: int) -> dict[str, float]:
    product = new_product(staff(deployment.url), name="Bench kettle", price="10.00", on_hand=10_000)
    customer = register(deployment.url, full_name="Bench Customer")
    for _ in range(2):  # warm-up: connections, caches, the first JWKS and feed reads
        checkout_once(customer, product["id"])
    time.sleep(1.0)  # let the warm-up's events settle
    idle_started, idle_before = time.perf_counter(), read_counts(counts)
    time.sleep(IDLE_SECONDS)  # what the workers' sweeps and pulls cost with nothing to do
    idle = spent_since(idle_before, read_counts(counts))
    idle_per_second = sum(idle.values()) / (time.perf_counter() - idle_started)
    started, before = time.perf_counter(), read_counts(counts)
    samples = [checkout_once(customer, product["id"]) for _ in range(checkouts)]
    time.sleep(1.0)  # the last checkout's trailing events (the cart emptied, the notification)
    spent = spent_since(before, read_counts(counts))
    background = idle_per_second * (time.perf_counter() - started)
    return {
        "checkout": statistics.median(sample[0] for sample in samples),
        "confirmed": statistics.median(sample[1] for sample in samples),
        "statements": (sum(spent.values()) - background) / checkouts,
        "monolith": sum(count for name, count in spent.items() if name.startswith("monolith-")) / checkouts,
        "idle": idle_per_second,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkouts", type=int, default=30, help="Timed checkouts per placement (default: 30).")
    parser.add_argument("--remote", default="catalog", choices=DOMAINS, help="The one domain placed remote.")
    options = parser.parse_args(argv)
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        print(f"\n{NEEDS_POSTGRES}")
        return
    placements = (
        Placement("local", ()),
        Placement(f"{options.remote} remote", (options.remote,)),
        Placement("all remote", DOMAINS),
    )
    base = Path(tempfile.mkdtemp(prefix="modulith-bench-placements-"))
    counts = base / "statements"
    # Every process counts its statements, and keeps its connections as in production (the tests' suite does not).
    extra = {"STATEMENT_COUNT_DIR": str(counts), "DATABASE_CONN_MAX_AGE": "300"}
    suite = Suite(base=base, venv=create_venv(base / "venv"), label="bench", extra=extra)
    results: dict[str, dict[str, float]] = {}
    for placement in placements:
        deployment = suite.deploy(placement)
        try:
            results[placement.name] = measure(deployment, counts, checkouts=options.checkouts)
        except BaseException:
            print(deployment.log_tails())
            raise
        finally:
            suite.switch_back(deployment)
    local = results["local"]
    rows = [
        (
            name,
            f"{result['checkout'] * 1e3:.1f}",
            f"{result['checkout'] / local['checkout']:.2f}",
            f"{result['confirmed'] * 1e3:.1f}",
            f"{result['confirmed'] / local['confirmed']:.2f}",
            f"{result['statements']:.0f}",
            f"{result['monolith']:.0f}",
            f"{result['idle']:.0f}",
        )
        for name, result in results.items()
    ]
    cores = os.cpu_count()
    print(f"\nThe checkout flow per placement on {DATABASE} ({cores} cores), {options.checkouts} checkouts each")
    print_table(
        "Checkout through the monolith's API: p50 and ratio to everything local; SQL statements per checkout",
        ("placement", "checkout ms", "ratio", "confirmed ms", "ratio", "statements", "monolith's", "idle/s"),
        rows,
    )


if __name__ == "__main__":
    main()
