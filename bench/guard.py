"""What the table guard costs per statement: the same statements with the guard on and off.

    python -m bench.guard [--calls 2000] [--rounds 7]

The statements run as catalog's work (in its scope, as a catalog view or operation would):

  raw SELECT          cursor.execute of a one-row primary-key read of catalog's table: the
                      smallest statement, where the guard's share is the largest
  ORM read            Product.objects.filter(pk=...).first(): what a domain's code runs
  named, no table     a statement naming orders' table only in a string literal: the guard
                      asks sqlglot, from its cache (the text repeats)

Round robin, the guard taken off the connection and put back between runs, median of the
rounds. A last row times sqlglot's parse itself (no cache): what a statement costs the first
time its text is seen.
"""

from __future__ import annotations

import argparse
import statistics
import uuid
from collections.abc import Callable
from decimal import Decimal

from bench.harness import print_table, setup_django, time_per_call

DATABASE = setup_django()  # Django must be configured before any model is imported.

from django.db import connection  # noqa: E402

from domains.catalog.models import Product  # noqa: E402
from domains.catalog.services import create_product  # noqa: E402
from shared.db.guard import tables_in  # noqa: E402
from shared.money import Money  # noqa: E402
from shared.work_context import log_scope  # noqa: E402


def guard_on_connection() -> object:
    connection.ensure_connection()
    guards = [wrapper for wrapper in connection.execute_wrappers if type(wrapper).__name__ == "TableGuard"]
    if not guards:
        raise SystemExit("The table guard is not installed on the connection: is shared.boundaries installed?")
    return guards[0]


def measure(variants: dict[str, Callable[[], object]], *, calls: int, rounds: int) -> dict[str, tuple[float, float]]:
    """Median seconds per call of each variant with the guard off and on: name -> (off, on)."""
    guard = guard_on_connection()
    samples: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in variants}
    for function in variants.values():  # warm-up: the parse cache, the ORM's compiled SQL
        time_per_call(function, calls=max(1, calls // 10))
    for _ in range(rounds):
        for name, function in variants.items():
            connection.execute_wrappers.remove(guard)
            try:
                samples[name][0].append(time_per_call(function, calls=calls))
            finally:
                connection.execute_wrappers.append(guard)
            samples[name][1].append(time_per_call(function, calls=calls))
    return {name: (statistics.median(off), statistics.median(on)) for name, (off, on) in samples.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    price = Money(amount=Decimal(1), currency="EUR")
    product = create_product(sku=f"BENCH-{uuid.uuid4().hex[:8]}", name="Bench", description="", price=price)
    table = Product._meta.db_table
    key = Product._meta.pk.get_db_prep_value(product.id, connection)  # a UUID as this database stores it

    def raw_select() -> object:
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT "id" FROM "{table}" WHERE "id" = %s', (key,))
            return cursor.fetchone()

    def orm_read() -> object:
        return Product.objects.filter(pk=product.id).first()

    def named_no_table() -> object:
        with connection.cursor() as cursor:
            cursor.execute(
                f'SELECT "id", %s AS note FROM "{table}" WHERE "id" = %s AND name <> \'orders_order\'',
                ("x", key),
            )
            return cursor.fetchone()

    labels = {
        "raw": "raw SELECT by primary key",
        "orm": "ORM read (.filter(pk=...).first())",
        "named": "naming orders_order in a literal (parse cached)",
    }
    with log_scope(domain="catalog"):
        results = measure(
            {"raw": raw_select, "orm": orm_read, "named": named_no_table}, calls=args.calls, rounds=args.rounds
        )
    sql = f'SELECT "id" FROM "{table}" INNER JOIN "catalog_stocklevel" ON TRUE WHERE "id" = %s FOR UPDATE'
    parse = statistics.median(time_per_call(lambda: tables_in.__wrapped__(sql), calls=50) for _ in range(args.rounds))
    rows = [
        (
            label,
            f"{results[name][0] * 1e6:.1f}",
            f"{results[name][1] * 1e6:.1f}",
            f"{results[name][1] / results[name][0]:.2f}",
        )
        for name, label in labels.items()
    ]
    rows.append(("sqlglot parse of a new statement text (once per text)", "-", f"{parse * 1e6:.1f}", "-"))
    print_table(
        f"Table guard per statement, as catalog's work, on {DATABASE} (median of {args.rounds} rounds of {args.calls})",
        ("statement", "µs off", "µs on", "ratio on/off"),
        rows,
    )


if __name__ == "__main__":
    main()
