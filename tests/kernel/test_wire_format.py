"""The wire format: lossless round trips, exact error paths, and refusal of unsafe types."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import File
from django.http import HttpRequest

from domains.catalog.models import Product
from shared import wire
from shared.money import Money
from tests.kernel.sample import Color, Everything, Part, Size


def an_everything(**overrides: Any) -> Everything:
    values: dict[str, Any] = {
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "amount": Decimal("-0.010"),
        "price": Money(amount=Decimal("19.90"), currency="EUR"),
        "at": dt.datetime(2026, 7, 1, 12, 30, tzinfo=ZoneInfo("Europe/Berlin")),
        "on": dt.date(2026, 2, 28),
        "clock": dt.time(23, 59, 59, 999999),
        "wait": dt.timedelta(days=2, microseconds=7),
        "color": Color.BLUE,
        "size": Size.LARGE,
        "mode": "slow",
        "flag": True,
        "blob": b"\x00\xff",
        "note": None,
        "parts": (Part(sku="A", quantity=2),),
        "tags": ["x", "ÿ"],
        "labels": frozenset({"a", "b"}),
        "counts": {"a": 1},
        "by_id": {uuid.UUID(int=1): Part(sku="B", quantity=1)},
    }
    return Everything(**(values | overrides))


def test_every_supported_type_round_trips_through_json_bytes() -> None:
    original = an_everything()

    decoded = wire.loads(wire.dumps(original), Everything)

    assert decoded == original
    assert decoded.at.utcoffset() == dt.timedelta(0)  # sent in UTC
    assert decoded.amount.as_tuple() == original.amount.as_tuple()  # exponent kept: -0.010 stays -0.010


def test_every_supported_type_round_trips_through_a_json_column() -> None:
    original = an_everything()

    stored = json.loads(json.dumps(wire.to_primitive(original)))

    assert wire.from_primitive(stored, Everything) == original


@pytest.mark.parametrize(
    "local",
    [
        pytest.param(dt.datetime(2026, 10, 25, 2, 30, fold=0, tzinfo=ZoneInfo("Europe/Berlin")), id="fold-first"),
        pytest.param(dt.datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=ZoneInfo("Europe/Berlin")), id="fold-second"),
        pytest.param(dt.datetime(2026, 3, 29, 2, 30, tzinfo=ZoneInfo("Europe/Berlin")), id="dst-gap"),
    ],
)
def test_a_local_time_at_a_dst_change_keeps_the_instant_its_offset_names(local: dt.datetime) -> None:
    decoded = wire.loads(wire.dumps(an_everything(at=local)), Everything).at

    assert decoded == local.astimezone(dt.UTC)
    assert decoded.replace(tzinfo=None) == local.replace(tzinfo=None) - local.utcoffset()


def test_a_historic_offset_with_seconds_keeps_its_instant() -> None:
    amsterdam_1800 = dt.datetime(1800, 1, 1, tzinfo=ZoneInfo("Europe/Amsterdam"))  # +00:19:32
    original = an_everything(at=amsterdam_1800)

    assert wire.loads(wire.dumps(original), Everything).at == amsterdam_1800


def test_a_wrong_field_is_named_by_its_path() -> None:
    data = wire.to_primitive(an_everything())
    data["parts"][0]["quantity"] = "two"

    with pytest.raises(wire.WireFormatError) as excinfo:
        wire.from_primitive(data, Everything)

    assert str(excinfo.value) == "Everything: Expected `int`, got `str` - at `$.parts[0].quantity`"


def test_malformed_json_is_a_wire_format_error() -> None:
    with pytest.raises(wire.WireFormatError, match="Malformed JSON for Everything"):
        wire.loads(b"{not json", Everything)


def test_money_refuses_a_bad_currency_on_the_wire() -> None:
    with pytest.raises(wire.WireFormatError, match="is not an ISO 4217 currency code"):
        wire.loads(b'{"amount": "1.00", "currency": "euro"}', Money)


@dataclass(frozen=True, slots=True, kw_only=True)
class FineDTO:
    id: uuid.UUID
    children: tuple[FineDTO, ...] = ()


@dataclass(slots=True, kw_only=True)
class MutableDTO:
    id: uuid.UUID


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        pytest.param(Product, wire.ORM_TYPE_REFUSED.format(path="$", type_name="Product"), id="model"),
        pytest.param(
            Product.objects.none().__class__,
            wire.ORM_TYPE_REFUSED.format(path="$", type_name="QuerySet"),
            id="queryset",
        ),
        pytest.param(File, wire.ORM_TYPE_REFUSED.format(path="$", type_name="File"), id="file"),
        pytest.param(HttpRequest, wire.ORM_TYPE_REFUSED.format(path="$", type_name="HttpRequest"), id="request"),
        pytest.param(float, wire.FLOAT_REFUSED.format(path="$"), id="float"),
        pytest.param(list, wire.BARE_CONTAINER.format(path="$", type_name="list"), id="bare-list"),
        pytest.param(Any, wire.UNSUPPORTED_TYPE.format(path="$", type_name="Any"), id="any"),
        pytest.param(set[object], wire.UNSUPPORTED_TYPE.format(path="$", type_name="set[object]"), id="set"),
        pytest.param(MutableDTO, wire.MUTABLE_DTO.format(path="$", type_name="MutableDTO"), id="mutable-dataclass"),
        pytest.param(
            dict[tuple[int, int], str], wire.BAD_KEY.format(path="$", type_name="tuple[int, int]"), id="tuple-key"
        ),
        pytest.param(
            tuple[Product | None, ...],
            wire.ORM_TYPE_REFUSED.format(path="$[]", type_name="Product"),
            id="model-inside-container",
        ),
    ],
)
def test_types_that_cannot_cross_a_process_boundary_are_refused(annotation: object, expected: str) -> None:
    assert wire.boundary_problems(annotation, "$") == [expected]


def test_a_recursive_frozen_dto_is_accepted() -> None:
    assert wire.boundary_problems(FineDTO, "$") == []
    tree = FineDTO(id=uuid.uuid4(), children=(FineDTO(id=uuid.uuid4()),))
    assert wire.loads(wire.dumps(tree), FineDTO) == tree
