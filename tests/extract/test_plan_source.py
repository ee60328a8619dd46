"""The planner's reading of source: calls across a boundary, loops around them, transactions that span two domains.

Each test writes a small tree of modules that call the shop's real interface proxies, and
reads it as the planner reads the project.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from django.conf import settings

from extract.planning.blockers import spanning_transactions
from extract.planning.calls import Reach, scan
from extract.planning.planner import proxies
from extract.planning.report import BlockerKind, Location
from extract.planning.settings_reads import settings_reads
from extract.planning.source import read_source


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    return root


def uses(root: Path) -> dict[tuple[str, int], tuple[str, str, int | None]]:
    """(path, line) -> (domain.operation, function, loop line) of every proxy use under `root`."""
    scanned = scan(read_source(root, ("config", "domains")), proxies(settings.DOMAINS))
    return {
        (use.where.path, use.where.line): (f"{use.domain}.{use.operation}", use.function, use.loop and use.loop.line)
        for module in scanned.values()
        for use in module.uses
    }


def test_calls_are_found_however_the_proxy_was_imported(tmp_path: Path) -> None:
    tree(
        tmp_path,
        {
            "domains/cart/reads.py": """
                import domains.catalog.interface as catalog_interface
                from domains.catalog import interface
                from domains.catalog.interface import catalog as products

                def one(product_id):
                    return products.get_product(product_id=product_id)

                def two(ids):
                    return interface.catalog.get_products(product_ids=ids)

                def three():
                    return catalog_interface.catalog.expired_reservations

                def not_an_operation():
                    return products.meta
            """,
        },
    )

    assert uses(tmp_path) == {
        ("domains/cart/reads.py", 6): ("catalog.get_product", "one", None),
        ("domains/cart/reads.py", 9): ("catalog.get_products", "two", None),
        ("domains/cart/reads.py", 12): ("catalog.expired_reservations", "three", None),
    }


def test_a_call_is_in_a_loop_when_it_runs_once_per_item(tmp_path: Path) -> None:
    tree(
        tmp_path,
        {
            "config/sweep.py": """
                from domains.catalog.interface import catalog

                def each(ids):
                    for product_id in ids:
                        catalog.get_product(product_id=product_id)
                    for product in catalog.get_products(product_ids=ids):
                        pass

                def comprehensions(ids):
                    once = [p for p in catalog.get_products(product_ids=ids)]
                    many = {i: catalog.get_product(product_id=i) for i in ids}
                    nested = [x for i in ids for x in catalog.get_products(product_ids=(i,))]
                    return once, many, nested

                def polling():
                    while catalog.expired_reservations(limit=10):
                        pass

                def deferred(ids):
                    for i in ids:
                        def later():
                            return catalog.get_product(product_id=i)
            """,
        },
    )

    assert uses(tmp_path) == {
        ("config/sweep.py", 5): ("catalog.get_product", "each", 4),
        ("config/sweep.py", 6): ("catalog.get_products", "each", None),
        ("config/sweep.py", 10): ("catalog.get_products", "comprehensions", None),
        ("config/sweep.py", 11): ("catalog.get_product", "comprehensions", 11),
        ("config/sweep.py", 12): ("catalog.get_products", "comprehensions", 12),
        ("config/sweep.py", 16): ("catalog.expired_reservations", "polling", 16),
        ("config/sweep.py", 22): ("catalog.get_product", "deferred.later", None),
    }


SPANNING_TREE = {
    "domains/cart/__init__.py": "",
    "domains/cart/steps.py": """
        from domains.catalog.interface import catalog

        def check(product_id):
            return catalog.get_product(product_id=product_id)
    """,
    "domains/cart/services.py": """
        from django.db import transaction

        from domains.cart import steps
        from domains.catalog.models import Product
        from domains.orders.interface import orders

        def direct(order_id):
            with transaction.atomic():
                orders.get_order(order_id=order_id)

        def through_a_helper(product_id):
            with transaction.atomic():
                steps.check(product_id)

        @transaction.atomic
        def decorated(product_id):
            Product.objects.filter(id=product_id).update(name="x")

        def after_the_transaction(order_id):
            with transaction.atomic():
                pass
            orders.get_order(order_id=order_id)
    """,
}


def spanning(root: Path, domain: str) -> list[tuple[Location, str]]:
    scanned = scan(read_source(root, ("config", "domains")), proxies(settings.DOMAINS))
    blocks = [block for module in scanned.values() for block in module.blocks]
    found = spanning_transactions(blocks, Reach(scanned), domain)
    assert {blocker.kind for blocker in found} <= {BlockerKind.SPANNING_TRANSACTION}
    return [(blocker.where, blocker.message) for blocker in found]


def test_transactions_that_call_another_domain_are_blockers_of_both(tmp_path: Path) -> None:
    tree(tmp_path, SPANNING_TREE)
    at = "domains/cart/services.py"

    assert spanning(tmp_path, "cart") == [
        (
            Location(path=at, line=8),
            "The transaction opened in direct (cart) also calls orders.get_order (domains/cart/services.py:9); "
            "once orders runs elsewhere no transaction holds both.",
        ),
        (
            Location(path=at, line=12),
            "The transaction opened in through_a_helper (cart) also calls catalog.get_product "
            "(domains/cart/steps.py:4); once catalog runs elsewhere no transaction holds both.",
        ),
        (
            Location(path=at, line=15),
            "The transaction opened in decorated (cart) also uses catalog's models (domains/cart/services.py:17); "
            "once catalog runs elsewhere no transaction holds both.",
        ),
    ]
    assert [where.line for where, _ in spanning(tmp_path, "catalog")] == [12, 15]
    assert [where.line for where, _ in spanning(tmp_path, "orders")] == [8]
    assert spanning(tmp_path, "billing") == []


def test_settings_are_listed_with_their_environment_variables(tmp_path: Path) -> None:
    tree(
        tmp_path,
        {
            "domains/billing/limits.py": """
                import os

                from django.conf import settings

                def limits():
                    return settings.BILLING_FAKE_PROVIDER_OUTCOME, getattr(settings, "DEBUG", False)

                def region():
                    return os.environ.get("BILLING_REGION"), os.environ["BILLING_ZONE"]
            """,
        },
    )

    reads = settings_reads(read_source(tmp_path, ("domains",)), "billing", "config.settings")

    at = "domains/billing/limits.py"
    assert [(read.setting, read.environment, [str(where) for where in read.where]) for read in reads] == [
        ("$BILLING_REGION", ("BILLING_REGION",), [f"{at}:9"]),
        ("$BILLING_ZONE", ("BILLING_ZONE",), [f"{at}:9"]),
        ("BILLING_FAKE_PROVIDER_OUTCOME", ("BILLING_FAKE_PROVIDER_OUTCOME",), [f"{at}:6"]),
        ("DEBUG", ("DJANGO_DEBUG",), [f"{at}:6"]),
    ]


@pytest.mark.parametrize("domain", ["cart", "billing"])
def test_a_tree_without_calls_has_no_uses(tmp_path: Path, domain: str) -> None:
    tree(tmp_path, {f"domains/{domain}/empty.py": "VALUE = 1\n"})

    assert uses(tmp_path) == {}
