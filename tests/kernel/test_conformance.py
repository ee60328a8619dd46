"""Values exactly of their declared wire type: what JSON would blur is refused before it is encoded."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from decimal import Decimal
from typing import Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.conformance import value_problem
from shared.money import Money
from tests import strategies
from tests.kernel.sample import Color, Everything, Part, Size

strategies.register()

ID = uuid.UUID("3f2a4b6c-0000-4000-8000-000000000001")


@given(st.from_type(Everything))
def test_every_value_built_as_declared_conforms(value: Everything) -> None:
    assert value_problem(value, Everything) is None


@pytest.mark.parametrize(
    ("value", "declared", "problem"),
    [
        pytest.param([ID], tuple[uuid.UUID, ...], "$ is a list, not a tuple", id="list-for-tuple"),
        pytest.param((ID,), list[uuid.UUID], "$ is a tuple, not a list", id="tuple-for-list"),
        pytest.param({"a"}, frozenset[str], "$ is a set, not a frozenset", id="set-for-frozenset"),
        pytest.param((str(ID),), tuple[uuid.UUID, ...], "$[0] is a str, not a UUID", id="str-for-uuid"),
        pytest.param(True, int, "$ is a bool, not an int", id="bool-for-int"),
        pytest.param(1, bool, "$ is an int, not a bool", id="int-for-bool"),
        pytest.param(1.5, Decimal, "$ is a float, not a Decimal", id="float-for-decimal"),
        pytest.param(dt.datetime(2026, 1, 1), dt.date, "$ is a datetime, not a date", id="datetime-for-date"),
        pytest.param("red", Color, "$ is a str, not a Color", id="value-for-enum-member"),
        pytest.param(2, Size, "$ is an int, not a Size", id="int-for-int-enum"),
        pytest.param("medium", Literal["fast", "slow"], "$ is 'medium', not one of 'fast', 'slow'", id="literal"),
        pytest.param(None, str, "$ is None, not a str", id="none-for-str"),
        pytest.param(5, str | None, "$ is an int, not str | None", id="union"),
        pytest.param({"a": "1"}, dict[str, int], "$['a'] is a str, not an int", id="dict-value"),
        pytest.param({1: 1}, dict[str, int], "${key 1} is an int, not a str", id="dict-key"),
        pytest.param((1, 2, 3), tuple[int, int], "$ has 3 items, not 2", id="fixed-tuple-length"),
        pytest.param(
            (Part(sku="a", quantity=1), Part(sku="b", quantity="2")),  # type: ignore[arg-type]
            tuple[Part, ...],
            "$[1].quantity is a str, not an int",
            id="nested-dto-field",
        ),
        pytest.param(Money(amount=Decimal("1.00"), currency="EUR"), Part, "$ is a Money, not a Part", id="another-dto"),
    ],
)
def test_a_value_that_json_would_blur_is_refused_with_its_path(value: object, declared: object, problem: str) -> None:
    assert value_problem(value, declared) == problem


def test_a_lookalike_subclass_of_a_dto_is_refused_because_the_far_side_builds_the_declared_class() -> None:
    @dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
    class SpecialPart(Part):
        note: str

    assert value_problem(SpecialPart(sku="a", quantity=1, note="x"), Part) == "$ is a SpecialPart, not a Part"


def test_a_str_enum_member_is_a_str_since_it_arrives_equal() -> None:
    assert value_problem(Color.RED, str) is None
