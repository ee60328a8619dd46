"""Property tests: every registered DTO, event and error survives JSON unchanged.

The cases are read from the registry at collection time, so a DTO added to any
domain's interface is covered without touching this file.
"""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from hypothesis import given
from hypothesis import strategies as st

from shared import wire
from shared.errors import DomainError, error_from_wire, error_params, error_to_wire
from shared.interfaces import Registry, registry
from tests import strategies
from tests.kernel.sample import make_sample_interface

strategies.register()


def _with_sample(base: Registry) -> Registry:
    """The project's registry plus the sample interface, which uses every supported type."""
    combined = Registry()
    for interface in base.interfaces():
        combined.register(interface)
    combined.register(make_sample_interface())
    return combined


ALL = _with_sample(registry)
DTO_TYPES = sorted(ALL.dto_types() - set(ALL.event_types().values()), key=lambda t: t.__qualname__)
EVENT_TYPES = sorted(ALL.event_types().items())
ERROR_TYPES = sorted(ALL.error_types().items())


def test_every_domain_declares_its_interface_so_none_drops_out_of_these_tests() -> None:
    domains = {config.label for config in apps.get_app_configs() if config.name.startswith("domains.")}

    assert {i.meta.name for i in registry.interfaces()} == domains
    assert len(DTO_TYPES) >= 5
    assert len(EVENT_TYPES) >= 6
    assert len(ERROR_TYPES) >= 8


def assert_round_trips(value: object, type_: type) -> None:
    assert wire.loads(wire.dumps(value), type_) == value
    assert wire.from_primitive(json.loads(json.dumps(wire.to_primitive(value))), type_) == value


@pytest.mark.parametrize("dto_type", DTO_TYPES, ids=lambda t: t.__qualname__)
def test_every_dto_round_trips(dto_type: type) -> None:
    @given(st.from_type(dto_type))
    def round_trip(value: object) -> None:
        assert_round_trips(value, dto_type)

    round_trip()


@pytest.mark.parametrize(("wire_id", "event_type"), EVENT_TYPES, ids=[w for w, _ in EVENT_TYPES])
def test_every_event_round_trips(wire_id: str, event_type: type) -> None:
    @given(st.from_type(event_type))
    def round_trip(value: object) -> None:
        assert_round_trips(value, event_type)

    round_trip()


@pytest.mark.parametrize(("code", "error_type"), ERROR_TYPES, ids=[c for c, _ in ERROR_TYPES])
def test_every_error_round_trips(code: str, error_type: type[DomainError]) -> None:
    params = st.fixed_dictionaries({name: st.from_type(t) for name, t in error_params(error_type).items()})

    @given(params)
    def round_trip(values: dict[str, object]) -> None:
        error = error_type(**values)
        data = json.loads(json.dumps(error_to_wire(error)))

        rebuilt = error_from_wire(data, ALL.error_types())

        assert type(rebuilt) is error_type
        assert rebuilt.params == error.params
        assert str(rebuilt) == str(error)
        assert data["code"] == code

    round_trip()
