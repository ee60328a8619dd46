"""Test-wide setup: fast password hashing, fresh rate limits, hypothesis profile, servers CI may
not skip, API clients signed in as a customer or staff, a check that a block changed nothing, and
each domain's own tests run against fakes of the other domains' recorded contracts."""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
import redis
from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.db import connection, connections
from django.test import TestCase, override_settings
from django.utils.module_loading import import_string
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from domains.billing.interface import billing
from domains.cart.interface import cart
from domains.catalog.interface import catalog
from domains.identity.interface import identity
from domains.notifications.interface import notifications
from domains.orders.interface import orders
from shared.api.throttling import RATE_LIMIT_CACHE
from shared.auth.principal import CUSTOMER_SCOPE, STAFF_SCOPE, Principal
from shared.bus.bus import Bus
from shared.bus.runtime import TRANSPORTS, use_bus
from shared.bus.subscriptions import Router, discover_subscriptions
from shared.contracts import Fakes, bind_fakes, fake_for, fakes_in_place
from shared.contracts.pytest_plugin import DOMAINS_DIRECTORY, DOMAINS_VARIABLE
from shared.db import database_aliases
from shared.interfaces import interface_of, registry

CI = os.environ.get("CI", "").lower() == "true"

# The whole suite runs with the table guard raising (shared/db/guard.py), and so do the servers
# and workers it starts: they inherit this. (DOMAIN_TABLE_GUARD=off in the environment is only
# for measuring what the guard costs the suite.)
os.environ.setdefault("DOMAIN_TABLE_GUARD", "raise")
settings.DOMAIN_TABLE_GUARD = os.environ["DOMAIN_TABLE_GUARD"]

hypothesis_settings.register_profile("modulith", deadline=None, print_blob=True)
hypothesis_settings.load_profile("modulith")


def require_server(what: str) -> None:
    """Skip a test that needs `what` locally; fail it on CI, where every test must run."""
    if CI:
        pytest.fail(f"This test needs {what}. CI=true, so it fails instead of skipping.")
    pytest.skip(f"needs {what}")


@functools.cache
def redis_unreachable() -> str:
    """Why Redis at REDIS_URL cannot be used, or '' when it answers (asked once per test process)."""
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as exc:
        return f"{type(exc).__name__}: {exc}"
    return ""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """With DOMAIN_DATABASES, a test with database access may use every alias: a domain's rows are in its own."""
    if not settings.DOMAIN_DATABASES:
        return
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None and {"db", "transactional_db"} & set(getattr(item, "fixturenames", ())):
            transactional = "transactional_db" in item.fixturenames  # type: ignore[attr-defined]
            item.add_marker(pytest.mark.django_db(transaction=transactional, databases="__all__"))
        elif marker is not None and marker.kwargs.get("databases") is None:
            every = pytest.mark.django_db(*marker.args, **{**marker.kwargs, "databases": "__all__"})
            item.add_marker(every, append=False)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        require_server("PostgreSQL as the test database: DATABASE_URL=postgres://postgres@127.0.0.1:5432/modulith")
    if item.get_closest_marker("redis") and redis_unreachable():
        require_server(f"Redis at REDIS_URL={settings.REDIS_URL} ({redis_unreachable()})")


FIGURES = "figures"
"""A test that measures something (the fault test, the short load test) records it with
`record_property(FIGURES, {...})`; the figures are shown at the end of the run, xdist or not."""


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    reports = [*terminalreporter.stats.get("passed", []), *terminalreporter.stats.get("failed", [])]
    recorded = [
        (report.nodeid, value)
        for report in reports
        if getattr(report, "when", "") == "call"
        for name, value in report.user_properties
        if name == FIGURES
    ]
    if recorded:
        terminalreporter.section(FIGURES)
    for nodeid, figures in recorded:
        terminalreporter.write_line(nodeid)
        for name, value in figures.items():
            terminalreporter.write_line(f"  {name}: {value}")


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> object:
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="session", autouse=True)
def _fake_payment_provider_of_this_run(tmp_path_factory: pytest.TempPathFactory) -> object:
    """The fake payment provider's memory (a SQLite file) is this test run's, not the checkout's."""
    store = tmp_path_factory.mktemp("fake-provider") / "calls.sqlite3"
    with override_settings(BILLING_FAKE_PROVIDER_STORE=store):
        yield


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> object:
    """Every test starts with nothing counted against any rate limit, in this process's memory.

    Without it, requests of earlier tests in the same worker count against later ones, and a
    RATE_LIMIT_CACHE_URL in a developer's .env would share counts between parallel workers.
    """
    local = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rate-limit-tests"}
    with override_settings(CACHES={**settings.CACHES, RATE_LIMIT_CACHE: local}):
        caches[RATE_LIMIT_CACHE].clear()
        yield


@pytest.fixture
def django_capture_on_commit_callbacks() -> Callable[..., AbstractContextManager[list[Callable[[], Any]]]]:
    """pytest-django's fixture; with DOMAIN_DATABASES it captures on every alias unless given one.

    A use case commits on its domain's alias, and the events it publishes are pulled after
    that commit by the other domains' aliases: a test that runs "what happens after commit"
    must run the callbacks of all of them, in the order they are registered.
    """
    if not settings.DOMAIN_DATABASES:
        return TestCase.captureOnCommitCallbacks
    return capture_on_every_alias


@contextmanager
def capture_on_every_alias(*, using: str | None = None, execute: bool = False) -> Iterator[list[Callable[[], Any]]]:
    aliases = [using] if using else list(database_aliases())
    seen = {alias: len(connections[alias].run_on_commit) for alias in aliases}
    callbacks: list[Callable[[], Any]] = []
    try:
        yield callbacks
    finally:
        while True:
            new = []
            for alias in aliases:
                registered = connections[alias].run_on_commit
                new += [func for _, func, _ in registered[seen[alias] :]]
                seen[alias] = len(registered)
            if not new:
                break
            callbacks.extend(new)
            if not execute:
                break
            for func in new:
                func()


# -- API clients ---------------------------------------------------------------------
# Views see `request.user` as a Principal (shared.auth.principal). Tests authenticate
# with force_authenticate, which skips token parsing (the gateway's own tests cover that).


def principal(*, email: str = "", staff: bool = False, user_id: uuid.UUID | None = None) -> Principal:
    scopes = frozenset({CUSTOMER_SCOPE, STAFF_SCOPE} if staff else {CUSTOMER_SCOPE})
    user_id = user_id or uuid.uuid4()
    return Principal(id=user_id, email=email or f"{user_id.hex[:12]}@example.com", scopes=scopes)


def client_for(user: Principal | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user=user)
    return client


@pytest.fixture
def customer() -> Principal:
    return principal()


@pytest.fixture
def customer_client(customer: Principal) -> APIClient:
    return client_for(customer)


@pytest.fixture
def another_customer_client() -> APIClient:
    return client_for(principal())


@pytest.fixture
def staff_client() -> APIClient:
    return client_for(principal(staff=True))


@pytest.fixture
def anonymous_client() -> APIClient:
    return client_for(None)


# -- "Nothing changed" ----------------------------------------------------------------


def database_rows() -> dict[str, list[dict[str, object]]]:
    """Every row of every domain's and the bus's tables, for before/after comparisons."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for app in apps.get_app_configs()
        if app.name.startswith("domains.") or app.name == "shared.bus"
        for model in app.get_models()
    }


@pytest.fixture
def unchanged_database() -> Callable[[], AbstractContextManager[None]]:
    """`with unchanged_database(): ...` fails the test if the block changed any domain's rows."""

    @contextmanager
    def check() -> Iterator[None]:
        before = database_rows()
        yield
        after = database_rows()
        changed = {label: (before[label], after[label]) for label in before if before[label] != after[label]}
        assert changed == {}, f"the database changed: {changed}"

    return check


# -- A domain tested on its own ------------------------------------------------------------
# A domain's own tests (domains/<d>/tests) see every other domain through a fake of its
# recorded contract (shared/contracts/fakes.py), and only their own domain's event handlers.
# `pytest domains/<d>` installs that domain alone (shared/contracts/pytest_plugin.py) and the
# fakes are bound for good; in a run of everything they stand in for the real domains during
# each domain test, so the same tests pass either way.

INTERFACES = (identity, catalog, cart, orders, billing, notifications)
DOMAINS_PATH = Path(__file__).resolve().parent / DOMAINS_DIRECTORY
FAKES_ONLY_IN_DOMAIN_TESTS = (
    "The fakes fixture serves a domain's own tests (domains/<d>/tests); {test} is not one. Tests outside a "
    "domain use the real domains."
)


def domain_of(path: Path) -> str | None:
    """The domain whose directory holds `path`, or None."""
    try:
        return path.resolve().relative_to(DOMAINS_PATH).parts[0]
    except (ValueError, IndexError):
        return None


@pytest.fixture(scope="session")
def contract_fakes() -> Fakes:
    """A fake of every domain's recorded contract; bound for good to the interfaces no installed domain serves."""
    unserved = [proxy for proxy in INTERFACES if interface_of(proxy).target is None]
    bound = bind_fakes(registry, unserved)
    return Fakes([*bound, *(fake_for(proxy) for proxy in INTERFACES if proxy not in unserved)])


@functools.cache
def domain_bus(domain: str) -> Bus:
    """A bus that delivers to `domain`'s own subscribers only, as when it is installed alone."""
    return Bus(
        registry=registry,
        router=Router(discover_subscriptions([f"{DOMAINS_DIRECTORY}.{domain}"])),
        transport=import_string(TRANSPORTS[settings.BUS_TRANSPORT]),
    )


@pytest.fixture(autouse=True)
def _domain_alone(request: pytest.FixtureRequest) -> Iterator[None]:
    domain = domain_of(request.node.path)
    if domain is None:
        yield
        return
    others = request.getfixturevalue("contract_fakes").only(
        interface_of(proxy).meta.name for proxy in INTERFACES if interface_of(proxy).meta.name != domain
    )
    try:
        with fakes_in_place(registry, others), use_bus(domain_bus(domain)):
            yield
    finally:
        others.reset()


@pytest.fixture
def fakes(request: pytest.FixtureRequest, contract_fakes: Fakes) -> Fakes:
    """The other domains' fakes, to program: `fakes.catalog.get_product.returns(product)`."""
    domain = domain_of(request.node.path)
    if domain is None:
        pytest.fail(FAKES_ONLY_IN_DOMAIN_TESTS.format(test=request.node.nodeid))
    return contract_fakes.only(name for name in contract_fakes.domains() if name != domain)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """Domains tested alone get test databases of their own, so that several such runs can go at once.

    With DOMAIN_DATABASES, each domain's test database is named as DOMAIN_DATABASES derives it
    from the default's (`<default test database>_<domain>`, after xdist's suffix): a server or
    worker a test starts on the test database (DATABASE_URL=<it>, DOMAIN_DATABASES=* inherited)
    then finds every domain's test database too.
    """
    if os.environ.get(DOMAINS_VARIABLE):
        suffix = "only_" + "_".join(settings.INSTALLED_DOMAINS)
        for database in settings.DATABASES.values():
            test = database.setdefault("TEST", {})
            if database["ENGINE"] != "django.db.backends.sqlite3" and test.get("NAME") != ":memory:":
                test["NAME"] = f"{test.get('NAME') or 'test_' + database['NAME']}_{suffix}"
    default = settings.DATABASES["default"]
    if default["ENGINE"] == "django.db.backends.sqlite3":
        return  # test databases in memory, one per alias
    base = default.get("TEST", {}).get("NAME") or f"test_{default['NAME']}"
    for domain, alias in settings.DOMAIN_DATABASES.items():
        settings.DATABASES[alias].setdefault("TEST", {})["NAME"] = f"{base}_{domain}"
