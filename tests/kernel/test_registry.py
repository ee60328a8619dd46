"""Interfaces, proxies and the registry: binding, calling, and the errors that say what to do."""

from __future__ import annotations

import uuid
from typing import Protocol

import pytest

from domains.catalog.interface import catalog
from domains.catalog.models import Product
from domains.identity.interface import identity
from shared.errors import DomainError, ServiceUnavailableError
from shared.interfaces import (
    ImplementationMismatchError,
    Interface,
    InterfaceAlreadyBoundError,
    InterfaceDeclarationError,
    InterfaceNotBoundError,
    Registry,
)
from shared.interfaces.errors import ALREADY_BOUND, NO_SUCH_OPERATION, NOT_BOUND
from tests.kernel.sample import Color, Everything, Pinged, SampleApi, ThingNotFoundError, make_sample_interface


class SampleService:
    def __init__(self) -> None:
        self.counted: list[Color | None] = []

    def get_thing(self, *, thing_id: uuid.UUID) -> Everything:
        raise ThingNotFoundError(thing_id=thing_id, places=("memory",))

    def count(self, *, color: Color | None = None) -> int:
        self.counted.append(color)
        return 7


def test_a_call_through_the_proxy_runs_the_bound_implementation() -> None:
    registry, sample, service = Registry(), make_sample_interface(), SampleService()
    registry.bind(sample, service)

    assert sample.count(color=Color.RED) == 7
    assert service.counted == [Color.RED]
    with pytest.raises(ThingNotFoundError):
        sample.get_thing(thing_id=uuid.uuid4())


def test_calling_an_unbound_interface_says_how_to_bind_it() -> None:
    sample = make_sample_interface()

    with pytest.raises(InterfaceNotBoundError) as excinfo:
        sample.count()

    assert str(excinfo.value) == NOT_BOUND.format(name="sample", operation="count")
    assert "DOMAIN_PLACEMENT" in str(excinfo.value)


def test_an_operation_the_protocol_does_not_declare_is_not_reachable() -> None:
    registry, sample = Registry(), make_sample_interface()
    registry.bind(sample, SampleService())

    with pytest.raises(AttributeError) as excinfo:
        sample.counted  # noqa: B018  (a public attribute of the implementation, not an operation)

    assert str(excinfo.value) == NO_SUCH_OPERATION.format(
        name="sample", operation="counted", operations="count, get_thing"
    )


def test_binding_twice_is_refused_and_keeps_the_first_binding() -> None:
    registry, sample, first = Registry(), make_sample_interface(), SampleService()
    registry.bind(sample, first)

    with pytest.raises(InterfaceAlreadyBoundError) as excinfo:
        registry.bind(sample, SampleService())

    assert str(excinfo.value) == ALREADY_BOUND.format(name="sample", current="SampleService")
    assert sample.target is first


def test_override_swaps_the_implementation_for_a_block_only() -> None:
    registry, sample, real, fake = Registry(), make_sample_interface(), SampleService(), SampleService()
    registry.bind(sample, real)

    with registry.override(sample, fake):
        sample.count()
    sample.count(color=Color.BLUE)

    assert fake.counted == [None]
    assert real.counted == [Color.BLUE]


class MissingOperation:
    def get_thing(self, *, thing_id: uuid.UUID) -> Everything: ...


class WrongParameterName:
    def get_thing(self, *, id: uuid.UUID) -> Everything: ...
    def count(self, *, color: Color | None = None) -> int: ...


class ExtraRequiredParameter:
    def get_thing(self, *, thing_id: uuid.UUID, tenant: str) -> Everything: ...
    def count(self, *, color: Color | None = None) -> int: ...


class NotCallable:
    count = 3

    def get_thing(self, *, thing_id: uuid.UUID) -> Everything: ...


@pytest.mark.parametrize(
    ("implementation", "problem"),
    [
        pytest.param(MissingOperation(), "- lacks operation count(*, color: ", id="missing-operation"),
        pytest.param(WrongParameterName(), "- get_thing() does not accept keyword argument 'thing_id'", id="renamed"),
        pytest.param(ExtraRequiredParameter(), "- get_thing() requires 'tenant'", id="extra-required"),
        pytest.param(NotCallable(), "- count is not callable", id="not-callable"),
    ],
)
def test_an_implementation_that_does_not_satisfy_the_protocol_is_refused(implementation: object, problem: str) -> None:
    registry, sample = Registry(), make_sample_interface()

    with pytest.raises(ImplementationMismatchError) as excinfo:
        registry.bind(sample, implementation)

    assert problem in str(excinfo.value)
    assert "does not satisfy interface 'sample'" in str(excinfo.value)
    assert sample.target is None


class PositionalApi(Protocol):
    def get(self, product_id: uuid.UUID) -> int: ...


class LeakyApi(Protocol):
    def find(self, *, sku: str) -> Product: ...
    def score(self, *, product_id: uuid.UUID) -> float: ...
    def untyped(self, *, product_id): ...  # type: ignore[no-untyped-def]


def test_positional_parameters_are_refused_at_registration() -> None:
    with pytest.raises(InterfaceDeclarationError) as excinfo:
        Registry().register(Interface("positional", PositionalApi))

    assert "parameter 'product_id' must be keyword-only" in str(excinfo.value)


def test_every_unsafe_type_in_an_interface_is_reported_at_once() -> None:
    with pytest.raises(InterfaceDeclarationError) as excinfo:
        Registry().register(Interface("leaky", LeakyApi))

    message = str(excinfo.value)
    assert "LeakyApi.find -> return: Product is a Django ORM or request type" in message
    assert "LeakyApi.score -> return: float cannot cross the boundary" in message
    assert "LeakyApi.untyped: parameter 'product_id' has no type annotation" in message
    assert "LeakyApi.untyped: the return value has no type annotation" in message


class OtherDomainsError(DomainError):
    code = ThingNotFoundError.code  # "sample.thing_not_found", declared by another interface


def test_events_and_errors_must_belong_to_the_declaring_interface() -> None:
    with pytest.raises(InterfaceDeclarationError) as excinfo:
        Registry().register(Interface("other", SampleApi, events=(Pinged,), errors=(OtherDomainsError,)))

    message = str(excinfo.value)
    assert "events: sample.Pinged.v1 belongs to domain 'sample'" in message
    assert "errors: OtherDomainsError has code 'sample.thing_not_found'" in message


def test_two_interfaces_with_one_name_are_refused() -> None:
    registry = Registry()
    registry.register(make_sample_interface())

    with pytest.raises(InterfaceDeclarationError, match="already registered"):
        registry.register(make_sample_interface())


def test_the_project_domains_are_bound_at_startup() -> None:
    # In wire mode (INTERFACE_TRANSPORT=wire) the service sits behind the wire loopback.
    assert type(getattr(identity.target, "service", identity.target)).__name__ == "IdentityService"  # type: ignore[attr-defined]
    assert type(getattr(catalog.target, "service", catalog.target)).__name__ == "CatalogService"  # type: ignore[attr-defined]


def test_an_interface_knows_which_operations_are_safe_to_retry() -> None:
    meta = make_sample_interface().meta

    assert meta.is_idempotent("count") is True
    assert meta.is_idempotent("get_thing") is False


class OtherApi(Protocol):
    def ping(self) -> None: ...


def test_a_kernel_error_may_be_declared_by_every_interface() -> None:
    registry = Registry()
    registry.register(Interface("sample", SampleApi, errors=(ServiceUnavailableError,)))
    registry.register(Interface("other", OtherApi, errors=(ServiceUnavailableError,)))

    assert registry.error_types()["kernel.service_unavailable"] is ServiceUnavailableError


class SecondThingNotFoundError(DomainError):
    code = ThingNotFoundError.code


def test_two_error_classes_with_one_code_are_refused() -> None:
    registry = Registry()

    with pytest.raises(InterfaceDeclarationError) as excinfo:
        registry.register(Interface("sample", SampleApi, errors=(ThingNotFoundError, SecondThingNotFoundError)))

    assert str(excinfo.value).startswith("Error code 'sample.thing_not_found' is used by two classes")
    assert registry.interfaces() == ()
