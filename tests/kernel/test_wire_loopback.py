"""INTERFACE_TRANSPORT=wire: every local call round-trips its arguments, result and errors through the wire."""

from __future__ import annotations

import uuid
from typing import Protocol

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from shared import wire
from shared.errors import UNKNOWN_ERROR_CODE, ServiceUnavailableError
from shared.interfaces import Interface, Registry
from shared.interfaces.binding import UNKNOWN_TRANSPORT, bind_local
from shared.interfaces.errors import (
    ARGUMENT_MISSING,
    ARGUMENT_NOT_DECLARED,
    ARGUMENT_WRONG_TYPE,
    RESULT_WRONG_TYPE,
    ArgumentTypeError,
    ResultTypeError,
)
from shared.interfaces.loopback import wire_loopback
from shared.placement import parse_placement
from tests import strategies
from tests.kernel.sample import Color, Everything, Part, ThingNotFoundError

strategies.register()


class StockApi(Protocol):
    def total(self, *, parts: tuple[Part, ...]) -> int: ...

    def echo(self, *, thing: Everything) -> Everything: ...

    def parts(self, *, skus: tuple[str, ...], limit: int = 10) -> tuple[Part, ...]: ...

    def fail(self, *, how: str) -> int: ...


class StockService:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, object]]] = []

    def total(self, *, parts: tuple[Part, ...]) -> int:
        self.calls.append(("total", {"parts": parts}))
        return sum(part.quantity for part in parts)

    def echo(self, *, thing: Everything) -> Everything:
        return thing

    def parts(self, *, skus: tuple[str, ...], limit: int = 10) -> tuple[Part, ...]:
        self.calls.append(("parts", {"skus": skus, "limit": limit}))
        return [Part(sku=sku, quantity=limit) for sku in skus]  # type: ignore[return-value]  # a list: wrong

    def fail(self, *, how: str) -> int:
        if how == "domain":
            raise ThingNotFoundError(thing_id=uuid.UUID(int=7), places=("shelf", "cellar"))
        if how == "unavailable":
            raise ServiceUnavailableError(domain="billing", operation="charge", reason="down")
        raise ZeroDivisionError(how)


def stock_interface() -> tuple[Registry, Interface, StockService]:
    registry, stock, service = Registry(), Interface("sample", StockApi, errors=(ThingNotFoundError,)), StockService()
    registry.bind(stock, wire_loopback(stock.meta, service, known_errors=registry.error_types))
    return registry, stock, service


@given(st.from_type(Everything))
def test_every_value_comes_back_equal_but_rebuilt(thing: Everything) -> None:
    _, stock, _ = stock_interface()

    echoed = stock.echo(thing=thing)  # type: ignore[attr-defined]

    assert echoed == thing
    assert echoed is not thing


def test_a_list_passed_where_a_tuple_is_declared_fails_at_the_call_and_reaches_no_service() -> None:
    _, stock, service = stock_interface()

    with pytest.raises(ArgumentTypeError) as raised:
        stock.total(parts=[Part(sku="a", quantity=2)])  # type: ignore[attr-defined]

    assert str(raised.value) == ARGUMENT_WRONG_TYPE.format(
        operation="sample.total", name="parts", problem="$ is a list, not a tuple"
    )
    assert service.calls == []


def test_arguments_the_protocol_does_not_declare_or_misses_are_refused() -> None:
    _, stock, service = stock_interface()

    with pytest.raises(ArgumentTypeError) as unknown:
        stock.total(parts=(), extra=1)  # type: ignore[attr-defined]
    with pytest.raises(ArgumentTypeError) as missing:
        stock.total()  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        stock.total((Part(sku="a", quantity=1),))  # type: ignore[attr-defined]  # positional

    assert str(unknown.value) == ARGUMENT_NOT_DECLARED.format(operation="sample.total", name="extra")
    assert str(missing.value) == ARGUMENT_MISSING.format(operation="sample.total", names="parts")
    assert service.calls == []


def test_the_service_gets_decoded_arguments_with_defaults_filled_in() -> None:
    _, stock, service = stock_interface()

    assert stock.total(parts=(Part(sku="a", quantity=2), Part(sku="b", quantity=3))) == 5  # type: ignore[attr-defined]
    with pytest.raises(ResultTypeError):
        stock.parts(skus=("x",))  # type: ignore[attr-defined]

    assert service.calls == [
        ("total", {"parts": (Part(sku="a", quantity=2), Part(sku="b", quantity=3))}),
        ("parts", {"skus": ("x",), "limit": 10}),
    ]


def test_a_result_not_of_its_declared_type_fails_the_call_naming_the_operation() -> None:
    _, stock, _ = stock_interface()

    with pytest.raises(ResultTypeError) as raised:
        stock.parts(skus=("x",), limit=1)  # type: ignore[attr-defined]

    assert str(raised.value) == RESULT_WRONG_TYPE.format(operation="sample.parts", problem="$ is a list, not a tuple")


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        pytest.param("domain", ThingNotFoundError(thing_id=uuid.UUID(int=7), places=("shelf", "cellar")), id="domain"),
        pytest.param(
            "unavailable", ServiceUnavailableError(domain="billing", operation="charge", reason="down"), id="kernel"
        ),
    ],
)
def test_a_domain_error_arrives_as_the_same_class_rebuilt_from_its_code(how: str, expected: Exception) -> None:
    _, stock, _ = stock_interface()

    with pytest.raises(type(expected)) as raised:
        stock.fail(how=how)  # type: ignore[attr-defined]

    assert raised.value == expected
    assert raised.value.__cause__ == expected
    assert raised.value is not raised.value.__cause__


def test_an_error_no_interface_declares_cannot_be_rebuilt_which_wire_mode_reveals() -> None:
    registry, stock = Registry(), Interface("sample", StockApi, errors=())  # ThingNotFoundError not declared
    registry.bind(stock, wire_loopback(stock.meta, StockService(), known_errors=registry.error_types))

    with pytest.raises(wire.WireFormatError) as raised:
        stock.fail(how="domain")  # type: ignore[attr-defined]

    assert str(raised.value) == UNKNOWN_ERROR_CODE.format(code="sample.thing_not_found")


def test_a_bug_in_the_service_propagates_as_it_is() -> None:
    _, stock, _ = stock_interface()

    with pytest.raises(ZeroDivisionError, match="bug"):
        stock.fail(how="bug")  # type: ignore[attr-defined]


PLACEMENT = parse_placement("", domains=("identity", "catalog", "cart", "orders", "billing", "notifications", "sample"))


@pytest.mark.parametrize(("transport", "wired"), [("local", False), ("wire", True)])
def test_the_binder_puts_the_loopback_where_the_service_would_be_in_wire_mode(transport: str, wired: bool) -> None:
    registry, stock, service = Registry(), Interface("sample", StockApi, errors=(ThingNotFoundError,)), StockService()

    with override_settings(INTERFACE_TRANSPORT=transport, DOMAIN_PLACEMENT=PLACEMENT):
        assert bind_local(stock, service, into=registry) is True

    assert (stock.target is service) is not wired
    assert stock.total(parts=(Part(sku="a", quantity=4),)) == 4  # type: ignore[attr-defined]


def test_the_binder_leaves_a_domain_placed_elsewhere_to_its_remote_client() -> None:
    registry, stock = Registry(), Interface("sample", StockApi)
    placement = parse_placement("sample=registry", domains=PLACEMENT.domains)

    with override_settings(DOMAIN_PLACEMENT=placement):
        assert bind_local(stock, StockService(), into=registry) is False

    assert stock.target is None


def test_an_unknown_transport_stops_the_binding_saying_what_to_choose() -> None:
    with (
        override_settings(INTERFACE_TRANSPORT="carrier-pigeon", DOMAIN_PLACEMENT=PLACEMENT),
        pytest.raises(ImproperlyConfigured) as raised,
    ):
        bind_local(Interface("sample", StockApi), StockService(), into=Registry())

    assert str(raised.value) == UNKNOWN_TRANSPORT.format(value="carrier-pigeon", choices="local, wire")


def test_every_interface_declares_the_kernels_unavailable_error() -> None:
    assert ServiceUnavailableError in Interface("sample", StockApi).meta.errors
    assert Registry().error_types() == {}
    registry = Registry()
    registry.register(Interface("sample", StockApi))
    assert registry.error_types() == {"kernel.service_unavailable": ServiceUnavailableError}


def test_color_default_round_trips() -> None:
    registry, sample = Registry(), Interface("sample", SampleEcho)
    registry.bind(sample, wire_loopback(sample.meta, SampleEchoService(), known_errors=registry.error_types))

    assert sample.count() is None  # type: ignore[attr-defined]
    assert sample.count(color=Color.RED) is Color.RED  # type: ignore[attr-defined]


class SampleEcho(Protocol):
    def count(self, *, color: Color | None = None) -> Color | None: ...


class SampleEchoService:
    def count(self, *, color: Color | None = None) -> Color | None:
        return color
