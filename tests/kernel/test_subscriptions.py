"""Subscriptions are checked where they are declared: a wrong table fails at start-up, saying what to fix."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from shared.bus.subscriptions import (
    BAD_HANDLER,
    BAD_SUBSCRIBER_ID,
    BAD_TABLE,
    DUPLICATE_SUBSCRIBER,
    NOT_AN_EVENT_SUBSCRIPTION,
    Router,
    Subscription,
    discover_subscriptions,
)
from shared.events import event_meta
from tests.kernel.sample import Counted, Pinged


def record(event: object) -> None:
    pass


def record_twice(event: object, again: object) -> None:
    pass


@pytest.mark.parametrize(
    "subscriber_id", ["record_ping", "Sample.record", "sample.record-ping", "sample.", "sample.record.ping", ""]
)
def test_a_subscriber_id_not_of_the_form_domain_dot_effect_is_refused(subscriber_id: str) -> None:
    with pytest.raises(ValueError, match="is not of the form") as excinfo:
        Subscription(id=subscriber_id, event=Pinged, handler=record)

    assert str(excinfo.value) == BAD_SUBSCRIBER_ID.format(id=subscriber_id)


def test_a_subscription_to_a_class_that_is_not_an_event_is_refused() -> None:
    with pytest.raises(TypeError) as excinfo:
        Subscription(id="sample.record", event=dict, handler=record)

    assert str(excinfo.value) == NOT_AN_EVENT_SUBSCRIPTION.format(id="sample.record", event=dict)


@pytest.mark.parametrize("handler", [record_twice, lambda: None, "sample.handlers.record"], ids=["two", "none", "str"])
def test_a_handler_that_cannot_take_exactly_the_event_is_refused(handler: object) -> None:
    with pytest.raises(TypeError) as excinfo:
        Subscription(id="sample.record", event=Pinged, handler=handler)  # type: ignore[arg-type]

    assert str(excinfo.value) == BAD_HANDLER.format(id="sample.record", handler=handler)


def test_one_subscriber_id_used_twice_is_refused_naming_both_handlers() -> None:
    first = Subscription(id="sample.record", event=Pinged, handler=record)
    second = Subscription(id="sample.record", event=Counted, handler=print)

    with pytest.raises(ValueError, match="is used twice") as excinfo:
        Router([first, second])

    assert str(excinfo.value) == DUPLICATE_SUBSCRIBER.format(id="sample.record", first=record, second=print)


def test_the_router_finds_subscriptions_by_event_and_by_id() -> None:
    pings = [Subscription(id=f"sample.record_{n}", event=Pinged, handler=record) for n in range(2)]
    counts = Subscription(id="sample.count", event=Counted, handler=record)
    router = Router([*pings, counts])

    assert list(router.for_event(event_meta(Pinged))) == pings
    assert router.for_name("sample.Nothing") == ()
    assert router.get("sample.count") is counts
    assert router.get("sample.unknown") is None
    assert list(router) == [*pings, counts]


@pytest.fixture
def apps_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder on sys.path where a test writes throwaway app packages."""
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def write_app(root: Path, name: str, handlers: str | None) -> str:
    package = root / name
    package.mkdir()
    (package / "__init__.py").write_text("")
    if handlers is not None:
        (package / "handlers.py").write_text(textwrap.dedent(handlers))
    return name


def test_discovery_reads_each_apps_table_and_skips_apps_without_handlers(apps_dir: Path) -> None:
    with_table = write_app(
        apps_dir,
        "subs_app_ok",
        """
        from shared.bus.subscriptions import Subscription
        from tests.kernel.sample import Pinged

        def record(event):
            pass

        SUBSCRIPTIONS = (Subscription(id="subs.record", event=Pinged, handler=record),)
        """,
    )
    without = write_app(apps_dir, "subs_app_none", None)

    found = discover_subscriptions([with_table, without])

    assert [(s.id, s.event) for s in found] == [("subs.record", Pinged)]


def test_a_subscriptions_table_that_is_not_a_tuple_of_subscription_is_refused(apps_dir: Path) -> None:
    app = write_app(apps_dir, "subs_app_bad", "SUBSCRIPTIONS = ['notifications.confirm_order']\n")

    with pytest.raises(TypeError) as excinfo:
        discover_subscriptions([app])

    assert str(excinfo.value) == BAD_TABLE.format(module=f"{app}.handlers", value=["notifications.confirm_order"])
