"""DOMAIN_DATABASES as settings read it, the router's placement of every app, and the checks E040-E043."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from shared.db import database_for
from shared.db.checks import (
    bare_database_uses,
    check_domain_databases,
    check_domain_transactions,
)
from shared.db.databases import (
    DEFAULT_IS_RESERVED,
    LISTED_TWICE,
    parse_domain_databases,
)
from shared.db.router import DomainRouter, home_alias

DOMAINS = ("identity", "catalog", "orders")
POSTGRES = {"ENGINE": "django.db.backends.postgresql", "NAME": "shop", "HOST": "db", "PORT": "5432", "USER": "u"}
SQLITE = {"ENGINE": "django.db.backends.sqlite3", "NAME": "/srv/shop/db.sqlite3"}


def parse(value: str, default: dict = POSTGRES) -> dict[str, dict]:
    return parse_domain_databases(value, default=default, domains=DOMAINS)


def test_unset_means_one_database() -> None:
    assert parse("") == {}
    assert parse("  ") == {}


def test_a_url_per_domain_is_read_like_database_url() -> None:
    configs = parse("catalog=postgres://cat@db1:5433/shop_catalog,orders=sqlite:////var/orders.sqlite3")

    assert list(configs) == ["catalog", "orders"]
    assert configs["catalog"] == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shop_catalog",
        "USER": "cat",
        "PASSWORD": "",
        "HOST": "db1",
        "PORT": 5433,
    }
    assert (configs["orders"]["ENGINE"], configs["orders"]["NAME"]) == (
        "django.db.backends.sqlite3",
        "/var/orders.sqlite3",
    )


def test_a_comma_inside_a_url_stays_in_the_url() -> None:
    configs = parse("catalog=postgres://db1/cat?options=-csearch_path%3Dshop,-cstatement_timeout%3D5000,orders")

    assert list(configs) == ["catalog", "orders"]
    assert configs["catalog"]["OPTIONS"] == {"options": "-csearch_path=shop,-cstatement_timeout=5000"}


def test_a_domain_without_a_url_gets_a_database_named_after_database_urls_beside_it() -> None:
    configs = parse("catalog")

    assert configs == {"catalog": {**POSTGRES, "NAME": "shop_catalog"}}
    assert parse("catalog", default=SQLITE)["catalog"]["NAME"] == "/srv/shop/db_catalog.sqlite3"


def test_a_star_gives_every_domain_its_own_database() -> None:
    configs = parse("orders=postgres://elsewhere/orders,*")

    assert {domain: config["NAME"] for domain, config in configs.items()} == {
        "orders": "orders",
        "identity": "shop_identity",
        "catalog": "shop_catalog",
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("catalog=", "DOMAIN_DATABASES entry 'catalog=' is not `<domain>=<database URL>`", id="empty-url"),
        pytest.param("Catalog=postgres://x/y", "entry 'Catalog=postgres://x/y' is not", id="bad-name"),
        pytest.param(
            "catalog=db1/catalog",
            "gives domain 'catalog' the URL 'db1/catalog', which is no database URL (it has no scheme://)",
            id="no-scheme",
        ),
        pytest.param("catalog=foo://db1/catalog", "knows no database engine for the scheme 'foo'", id="unknown-scheme"),
        pytest.param("catalog,catalog", LISTED_TWICE.format(domain="catalog"), id="twice"),
        pytest.param("default=postgres://x/y", DEFAULT_IS_RESERVED, id="default"),
    ],
)
def test_a_typo_stops_the_start_with_what_to_write(value: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured) as raised:
        parse(value)

    assert message in str(raised.value)


# -- the router ---------------------------------------------------------------------------


@override_settings(DOMAIN_DATABASES={"catalog": "catalog", "identity": "identity"})
def test_each_app_migrates_where_its_tables_are_used() -> None:
    router = DomainRouter()
    placed = {
        app: [db for db in ("default", "catalog", "identity") if router.allow_migrate(db, app)]
        for app in ("catalog", "orders", "identity", "auth", "contenttypes", "admin", "sessions", "bus", "api")
    }

    assert placed == {
        "catalog": ["catalog"],
        "orders": ["default"],
        "identity": ["identity"],
        "auth": ["identity"],
        "contenttypes": ["identity"],
        "admin": ["identity"],
        "sessions": ["default"],
        "bus": ["default", "catalog", "identity"],
        "api": ["default", "catalog", "identity"],
    }
    assert (database_for("catalog"), database_for("orders"), database_for("bus")) == ("catalog", "default", "default")
    assert home_alias("bus") is None
    # a database of no domain (what `extract data` copies a domain into) is left to Django: everything
    assert {router.allow_migrate("elsewhere", app) for app in ("catalog", "orders", "bus", "auth")} == {None}


@override_settings(DOMAIN_DATABASES={})
def test_without_domain_databases_everything_is_on_default() -> None:
    assert {home_alias(app) for app in ("catalog", "identity", "auth", "sessions")} == {"default"}


# -- checks -------------------------------------------------------------------------------


def ids(messages: list) -> list[str]:
    return [m.id for m in messages]


def test_the_project_passes_the_database_checks() -> None:
    assert check_domain_databases() == []
    assert check_domain_transactions() == []


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
@override_settings(
    DOMAIN_DATABASES={"shipping": "shipping"},
    DATABASES={"default": POSTGRES, "shipping": {**POSTGRES, "NAME": "shipping"}},
)
def test_e040_an_unknown_domain() -> None:
    (error,) = check_domain_databases()

    assert error.id == "modulith.E040"
    assert error.msg == "DOMAIN_DATABASES names 'shipping', which is no domain of this shop."
    assert error.hint.startswith("Name some of: identity, catalog, cart, orders, billing, notifications.")


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
@override_settings(
    DOMAIN_DATABASES={"catalog": "catalog"},
    DATABASES={"default": POSTGRES, "catalog": {"ENGINE": "django.db.backends.mysql", "NAME": "catalog"}},
)
def test_e041_an_engine_the_bus_cannot_run_on() -> None:
    (error,) = check_domain_databases()

    assert error.id == "modulith.E041"
    assert error.msg == "Database 'catalog' runs on django.db.backends.mysql, with DOMAIN_DATABASES set."
    assert "Give 'catalog' a postgres:// or sqlite:// URL." in error.hint


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
@override_settings(
    DOMAIN_DATABASES={"catalog": "catalog", "orders": "orders"},
    DATABASES={
        "default": POSTGRES,
        "catalog": {**POSTGRES, "NAME": "shop_x"},
        "orders": {**POSTGRES, "NAME": "shop_x"},
    },
)
def test_e042_two_aliases_on_one_database() -> None:
    (error,) = check_domain_databases()

    assert error.id == "modulith.E042"
    assert error.msg == "Database aliases 'catalog', 'orders' all name the database 'shop_x'."


def test_e043_finds_django_transactions_and_the_default_connection() -> None:
    source = (
        "from django.db import IntegrityError, transaction\n"
        "from django.db import connection as conn\n"
        "from django.db.transaction import atomic\n"
        "import django.db.transaction\n"
        "from django.db import connections, models\n"
    )

    assert list(bare_database_uses(source)) == [
        (1, "transaction"),
        (2, "connection"),
        (3, "transaction.atomic"),
        (4, "django.db.transaction"),
    ]
