"""Every kind of contract change, judged breaking or additive, on throwaway interfaces.

Each test declares a "before" and an "after" version of a small shop interface, records
the first (describe) and compares the second with it, as `contracts check` does with a
domain's contract.json and its code. Annotations are real objects here (no `from
__future__ import annotations`), so the versions can be declared inside each test.
"""

import datetime as dt
import enum
import uuid
from dataclasses import dataclass
from typing import Annotated, Literal, Protocol

import msgspec

from shared.contracts import Change, compare, describe, render
from shared.contracts.compare import (
    ERROR_ADDED,
    ERROR_KIND_CHANGED,
    ERROR_REMOVED,
    EVENT_ADDED,
    EVENT_KEY_ADDED,
    EVENT_KEY_CHANGED,
    EVENT_REMOVED,
    FIX_FIELD_STILL_READ,
    FIX_FIELD_STILL_SENT,
    FIX_GIVE_DEFAULT,
    FIX_KEEP_ACCEPTING,
    FIX_KEEP_DEFAULT,
    FIX_KEEP_DEFAULT_VALUE,
    FIX_KEEP_ERROR,
    FIX_KEEP_EVENT,
    FIX_KEEP_IDEMPOTENT,
    FIX_KEEP_OPERATION,
    FIX_KEEP_RETURNING,
    FIX_NEW_ERROR_CODE,
    FIX_NEW_EVENT_VERSION,
    FIX_PARAMETER_STILL_SENT,
    NO_LONGER_IDEMPOTENT,
    NOW_IDEMPOTENT,
    OPERATION_ADDED,
    OPERATION_REMOVED,
    PARAMETER_ADDED_OPTIONAL,
    PARAMETER_ADDED_REQUIRED,
    PARAMETER_DEFAULT_CHANGED,
    PARAMETER_NOW_OPTIONAL,
    PARAMETER_NOW_REQUIRED,
    PARAMETER_REMOVED,
    TYPE_CHANGED,
    TYPE_NARROWED,
    TYPE_WIDENED,
)
from shared.contracts.differences import (
    ANY_VALUE_NOW,
    CHANGED_FROM_TO,
    FIELD_ADDED_OPTIONAL,
    FIELD_ADDED_REQUIRED,
    FIELD_NOW_OPTIONAL,
    FIELD_REMOVED,
    ITEMS_UNIQUE_NOW,
    NO_LONGER,
    NOW_ALSO,
    ONLY_VALUES_NOW,
)
from shared.errors import DomainError, ErrorKind
from shared.events import event
from shared.interfaces import Interface, idempotent


def contract(protocol: type, *, events: tuple[type, ...] = (), errors: tuple[type, ...] = ()) -> dict:
    return describe(Interface("shop", protocol, events=events, errors=errors))


def breaking(where: str, what: str, fix: str) -> Change:
    return Change(domain="shop", breaking=True, where=where, what=what, fix=fix)


def additive(where: str, what: str) -> Change:
    return Change(domain="shop", breaking=False, where=where, what=what)


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    id: uuid.UUID
    name: str


class ShopErrorCode(enum.StrEnum):
    ITEM_NOT_FOUND = "shop.item_not_found"
    SOLD_OUT = "shop.sold_out"


class ItemNotFoundError(DomainError):
    code = ShopErrorCode.ITEM_NOT_FOUND
    kind = ErrorKind.NOT_FOUND
    message = "Item {item_id} does not exist."
    item_id: uuid.UUID


# -- the same code twice ---------------------------------------------------------------


def test_an_unchanged_interface_has_no_changes_and_renders_the_same_bytes() -> None:
    class Api(Protocol):
        @idempotent
        def get_item(self, *, item_id: uuid.UUID) -> Item: ...

    first, second = contract(Api, errors=(ItemNotFoundError,)), contract(Api, errors=(ItemNotFoundError,))

    assert compare(first, second) == []
    assert render(first) == render(second)
    assert render(first).endswith("}\n")


def test_a_change_reads_as_where_what_and_the_fix() -> None:
    change = breaking("shop.get_item()", OPERATION_REMOVED, FIX_KEEP_OPERATION)

    assert change.message == f"shop.get_item(): {OPERATION_REMOVED}. {FIX_KEEP_OPERATION}"
    assert additive("shop.count()", OPERATION_ADDED).message == f"shop.count(): {OPERATION_ADDED}."


# -- operations ------------------------------------------------------------------------


def test_a_removed_operation_breaks_callers_and_a_new_one_is_additive() -> None:
    class Before(Protocol):
        def get_item(self, *, item_id: uuid.UUID) -> Item: ...

    class After(Protocol):
        def fetch_item(self, *, item_id: uuid.UUID) -> Item: ...  # renamed: removed, then added

    assert compare(contract(Before), contract(After)) == [
        additive("shop.fetch_item()", OPERATION_ADDED),
        breaking("shop.get_item()", OPERATION_REMOVED, FIX_KEEP_OPERATION),
    ]


def test_dropping_the_idempotent_mark_breaks_and_adding_it_is_additive() -> None:
    class Before(Protocol):
        @idempotent
        def cancel(self, *, item_id: uuid.UUID) -> None: ...

        def count(self) -> int: ...

    class After(Protocol):
        def cancel(self, *, item_id: uuid.UUID) -> None: ...

        @idempotent
        def count(self) -> int: ...

    assert compare(contract(Before), contract(After)) == [
        breaking("shop.cancel()", NO_LONGER_IDEMPOTENT, FIX_KEEP_IDEMPOTENT),
        additive("shop.count()", NOW_IDEMPOTENT),
    ]


# -- parameters ------------------------------------------------------------------------


def test_a_new_required_parameter_breaks_and_is_told_to_take_a_default() -> None:
    class Before(Protocol):
        def count(self) -> int: ...

    class After(Protocol):
        def count(self, *, shelf: str) -> int: ...

    assert compare(contract(Before), contract(After)) == [
        breaking("shop.count(shelf)", PARAMETER_ADDED_REQUIRED, FIX_GIVE_DEFAULT)
    ]


def test_a_new_optional_parameter_is_additive() -> None:
    class Before(Protocol):
        def count(self) -> int: ...

    class After(Protocol):
        def count(self, *, shelf: str = "") -> int: ...

    assert compare(contract(Before), contract(After)) == [additive("shop.count(shelf)", PARAMETER_ADDED_OPTIONAL)]


def test_a_removed_or_renamed_parameter_breaks() -> None:
    class Before(Protocol):
        def count(self, *, shelf: str) -> int: ...

    class After(Protocol):
        def count(self, *, aisle: str = "") -> int: ...

    assert compare(contract(Before), contract(After)) == [
        additive("shop.count(aisle)", PARAMETER_ADDED_OPTIONAL),
        breaking("shop.count(shelf)", PARAMETER_REMOVED, FIX_PARAMETER_STILL_SENT),
    ]


def test_a_parameter_that_loses_its_default_breaks_and_one_that_gains_it_is_additive() -> None:
    class Before(Protocol):
        def count(self, *, shelf: str = "", aisle: str) -> int: ...

    class After(Protocol):
        def count(self, *, shelf: str, aisle: str = "A") -> int: ...

    assert compare(contract(Before), contract(After)) == [
        additive("shop.count(aisle)", PARAMETER_NOW_OPTIONAL),
        breaking("shop.count(shelf)", PARAMETER_NOW_REQUIRED, FIX_KEEP_DEFAULT),
    ]


def test_a_changed_default_breaks_callers_that_leave_it_out() -> None:
    class Before(Protocol):
        def count(self, *, limit: int = 500) -> int: ...

    class After(Protocol):
        def count(self, *, limit: int = 100) -> int: ...

    assert compare(contract(Before), contract(After)) == [
        breaking("shop.count(limit)", PARAMETER_DEFAULT_CHANGED.format(old="500", new="100"), FIX_KEEP_DEFAULT_VALUE)
    ]


# -- what an operation takes: may widen, never narrow -----------------------------------------


def test_a_parameter_narrowed_from_str_to_literal_breaks() -> None:
    class Before(Protocol):
        def count(self, *, color: str) -> int: ...

    class After(Protocol):
        def count(self, *, color: Literal["red", "blue"]) -> int: ...

    what = TYPE_NARROWED.format(detail=ONLY_VALUES_NOW.format(values="'blue', 'red'", kind="string"))
    assert compare(contract(Before), contract(After)) == [breaking("shop.count(color)", what, FIX_KEEP_ACCEPTING)]


def test_a_parameter_widened_from_literal_to_str_is_additive() -> None:
    class Before(Protocol):
        def count(self, *, color: Literal["red", "blue"]) -> int: ...

    class After(Protocol):
        def count(self, *, color: str) -> int: ...

    what = TYPE_WIDENED.format(detail=ANY_VALUE_NOW.format(values="'blue', 'red'", kind="string"))
    assert compare(contract(Before), contract(After)) == [additive("shop.count(color)", what)]


def test_a_narrowed_integer_range_breaks_and_a_wider_one_is_additive() -> None:
    @dataclass(frozen=True, slots=True, kw_only=True)
    class RangeBefore:
        low: Annotated[int, msgspec.Meta(ge=1)]
        high: Annotated[int, msgspec.Meta(le=10)]

    @dataclass(frozen=True, slots=True, kw_only=True)
    class RangeAfter:
        low: Annotated[int, msgspec.Meta(ge=5)]
        high: Annotated[int, msgspec.Meta(le=99)]

    class Before(Protocol):
        def count(self, *, span: RangeBefore) -> int: ...

    class After(Protocol):
        def count(self, *, span: RangeAfter) -> int: ...

    narrowed = TYPE_NARROWED.format(detail=CHANGED_FROM_TO.format(keyword="minimum", old="1", new="5"))
    widened = TYPE_WIDENED.format(detail=CHANGED_FROM_TO.format(keyword="maximum", old="10", new="99"))
    assert compare(contract(Before), contract(After)) == [
        additive("shop.count(span) $.high", widened),
        breaking("shop.count(span) $.low", narrowed, FIX_KEEP_ACCEPTING),
    ]


def test_an_optional_parameter_type_made_required_breaks() -> None:
    class Before(Protocol):
        def count(self, *, shelf: str | None) -> int: ...

    class After(Protocol):
        def count(self, *, shelf: str) -> int: ...

    what = TYPE_NARROWED.format(detail=NO_LONGER.format(what="null"))
    assert compare(contract(Before), contract(After)) == [breaking("shop.count(shelf)", what, FIX_KEEP_ACCEPTING)]


def test_a_union_member_or_enum_value_removed_from_a_parameter_breaks_and_added_is_additive() -> None:
    class Old(enum.StrEnum):
        RED = "red"
        BLUE = "blue"

    class New(enum.StrEnum):
        RED = "red"
        GREEN = "green"

    class Before(Protocol):
        def count(self, *, color: Old, size: int | str) -> int: ...

    class After(Protocol):
        def count(self, *, color: New, size: int) -> int: ...

    assert compare(contract(Before), contract(After)) == [
        breaking("shop.count(color)", TYPE_NARROWED.format(detail=NO_LONGER.format(what="'blue'")), FIX_KEEP_ACCEPTING),
        additive("shop.count(color)", TYPE_WIDENED.format(detail=NOW_ALSO.format(what="'green'"))),
        breaking(
            "shop.count(size)", TYPE_NARROWED.format(detail=NO_LONGER.format(what="a string")), FIX_KEEP_ACCEPTING
        ),
    ]


def test_a_parameter_that_gains_a_format_breaks_and_one_that_loses_it_is_additive() -> None:
    class Before(Protocol):
        def find(self, *, code: str, at: dt.date) -> int: ...

    class After(Protocol):
        def find(self, *, code: uuid.UUID, at: str) -> int: ...

    assert compare(contract(Before), contract(After)) == [
        additive(
            "shop.find(at)",
            TYPE_WIDENED.format(detail=CHANGED_FROM_TO.format(keyword="format", old="'date'", new="none")),
        ),
        breaking(
            "shop.find(code)",
            TYPE_NARROWED.format(detail=CHANGED_FROM_TO.format(keyword="format", old="none", new="'uuid'")),
            FIX_KEEP_ACCEPTING,
        ),
    ]


def test_a_parameter_whose_type_changes_breaks() -> None:
    class Before(Protocol):
        def count(self, *, shelf: int) -> int: ...

    class After(Protocol):
        def count(self, *, shelf: uuid.UUID) -> int: ...

    assert compare(contract(Before), contract(After)) == [
        breaking(
            "shop.count(shelf)", TYPE_NARROWED.format(detail=NO_LONGER.format(what="an integer")), FIX_KEEP_ACCEPTING
        ),
        additive("shop.count(shelf)", TYPE_WIDENED.format(detail=NOW_ALSO.format(what="a string"))),
    ]


def test_a_new_required_field_in_a_request_dto_breaks_and_an_optional_one_is_additive() -> None:
    @dataclass(frozen=True, slots=True, kw_only=True)
    class LineBefore:
        item_id: uuid.UUID

    @dataclass(frozen=True, slots=True, kw_only=True)
    class LineAfter:
        item_id: uuid.UUID
        quantity: int
        note: str = ""

    class Before(Protocol):
        def order(self, *, lines: tuple[LineBefore, ...]) -> None: ...

    class After(Protocol):
        def order(self, *, lines: tuple[LineAfter, ...]) -> None: ...

    assert compare(contract(Before), contract(After)) == [
        additive("shop.order(lines) $[]", FIELD_ADDED_OPTIONAL.format(field="note")),
        breaking("shop.order(lines) $[]", FIELD_ADDED_REQUIRED.format(field="quantity"), FIX_GIVE_DEFAULT),
    ]


def test_a_field_removed_from_a_request_dto_breaks() -> None:
    @dataclass(frozen=True, slots=True, kw_only=True)
    class LineBefore:
        item_id: uuid.UUID
        gift_wrap: bool = False

    @dataclass(frozen=True, slots=True, kw_only=True)
    class LineAfter:
        item_id: uuid.UUID

    class Before(Protocol):
        def order(self, *, line: LineBefore) -> None: ...

    class After(Protocol):
        def order(self, *, line: LineAfter) -> None: ...

    assert compare(contract(Before), contract(After)) == [
        breaking("shop.order(line)", FIELD_REMOVED.format(field="gift_wrap"), FIX_FIELD_STILL_SENT)
    ]


def test_a_parameter_that_must_be_unique_now_breaks() -> None:
    class Before(Protocol):
        def tag(self, *, tags: tuple[str, ...]) -> None: ...

    class After(Protocol):
        def tag(self, *, tags: frozenset[str]) -> None: ...

    assert compare(contract(Before), contract(After)) == [
        breaking("shop.tag(tags)", TYPE_NARROWED.format(detail=ITEMS_UNIQUE_NOW), FIX_KEEP_ACCEPTING)
    ]


# -- what an operation returns: may narrow and gain fields, never widen ----------------------------


def test_a_field_removed_or_renamed_in_a_response_breaks_and_a_new_field_is_additive() -> None:
    @dataclass(frozen=True, slots=True, kw_only=True)
    class ItemAfter:
        id: uuid.UUID
        title: str

    class Before(Protocol):
        def get_item(self, *, item_id: uuid.UUID) -> Item: ...

    class After(Protocol):
        def get_item(self, *, item_id: uuid.UUID) -> ItemAfter: ...

    assert compare(contract(Before), contract(After)) == [
        breaking("shop.get_item() -> return", FIELD_REMOVED.format(field="name"), FIX_FIELD_STILL_READ),
        additive("shop.get_item() -> return", FIELD_ADDED_REQUIRED.format(field="title")),
    ]


def test_a_response_that_may_now_be_null_breaks_and_one_that_no_longer_is_is_additive() -> None:
    class Before(Protocol):
        def find(self, *, name: str) -> Item: ...

        def first(self) -> Item | None: ...

    class After(Protocol):
        def find(self, *, name: str) -> Item | None: ...

        def first(self) -> Item: ...

    assert compare(contract(Before), contract(After)) == [
        breaking("shop.find() -> return", TYPE_WIDENED.format(detail=NOW_ALSO.format(what="null")), FIX_KEEP_RETURNING),
        additive("shop.first() -> return", TYPE_NARROWED.format(detail=NO_LONGER.format(what="null"))),
    ]


def test_a_new_enum_value_in_a_response_breaks_callers_that_cannot_read_it() -> None:
    class Old(enum.StrEnum):
        OPEN = "open"

    class New(enum.StrEnum):
        OPEN = "open"
        SHIPPED = "shipped"

    @dataclass(frozen=True, slots=True, kw_only=True)
    class OrderBefore:
        status: Old

    @dataclass(frozen=True, slots=True, kw_only=True)
    class OrderAfter:
        status: New

    class Before(Protocol):
        def get_order(self) -> OrderBefore: ...

    class After(Protocol):
        def get_order(self) -> OrderAfter: ...

    what = TYPE_WIDENED.format(detail=NOW_ALSO.format(what="'shipped'"))
    assert compare(contract(Before), contract(After)) == [
        breaking("shop.get_order() -> return $.status", what, FIX_KEEP_RETURNING)
    ]


def test_a_response_field_that_gains_a_default_is_additive() -> None:
    @dataclass(frozen=True, slots=True, kw_only=True)
    class ItemAfter:
        id: uuid.UUID
        name: str = ""

    class Before(Protocol):
        def get_item(self) -> Item: ...

    class After(Protocol):
        def get_item(self) -> ItemAfter: ...

    assert compare(contract(Before), contract(After)) == [
        additive("shop.get_item() -> return", FIELD_NOW_OPTIONAL.format(field="name"))
    ]


def test_a_timestamp_that_becomes_text_breaks_a_response() -> None:
    class Before(Protocol):
        def opened_at(self) -> dt.datetime: ...

    class After(Protocol):
        def opened_at(self) -> str: ...

    what = TYPE_WIDENED.format(detail=CHANGED_FROM_TO.format(keyword="format", old="'date-time'", new="none"))
    assert compare(contract(Before), contract(After)) == [
        breaking("shop.opened_at() -> return", what, FIX_KEEP_RETURNING)
    ]


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeBefore:
    name: str
    children: tuple["NodeBefore", ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeAfter:
    title: str
    children: tuple["NodeAfter", ...]


def test_a_recursive_dto_is_compared_without_looping() -> None:
    class Before(Protocol):
        def tree(self) -> NodeBefore: ...

    class After(Protocol):
        def tree(self) -> NodeAfter: ...

    assert compare(contract(Before), contract(After)) == [
        breaking("shop.tree() -> return", FIELD_REMOVED.format(field="name"), FIX_FIELD_STILL_READ),
        additive("shop.tree() -> return", FIELD_ADDED_REQUIRED.format(field="title")),
    ]


# -- events: a payload change is a new version ------------------------------------------------


class Nothing(Protocol):
    def ping(self) -> None: ...


def test_an_event_payload_changed_without_a_new_version_breaks_and_says_publish_version_two() -> None:
    @event("shop.ItemAdded", version=1, key="item_id")
    class Before:
        item_id: uuid.UUID
        name: str

    @event("shop.ItemAdded", version=1, key="item_id")
    class After:
        item_id: uuid.UUID
        title: str

    fix = FIX_NEW_EVENT_VERSION.format(name="shop.ItemAdded", version=1, next=2)
    assert compare(contract(Nothing, events=(Before,)), contract(Nothing, events=(After,))) == [
        breaking("event shop.ItemAdded v1", FIELD_REMOVED.format(field="name"), fix),
        breaking("event shop.ItemAdded v1", FIELD_ADDED_REQUIRED.format(field="title"), fix),
    ]
    assert 'publish the new payload as version 2 (@event("shop.ItemAdded", version=2))' in fix


def test_an_event_field_whose_type_changes_breaks() -> None:
    @event("shop.ItemAdded", version=3)
    class Before:
        quantity: int

    @event("shop.ItemAdded", version=3)
    class After:
        quantity: int | None

    fix = FIX_NEW_EVENT_VERSION.format(name="shop.ItemAdded", version=3, next=4)
    assert compare(contract(Nothing, events=(Before,)), contract(Nothing, events=(After,))) == [
        breaking("event shop.ItemAdded v3 $.quantity", TYPE_WIDENED.format(detail=NOW_ALSO.format(what="null")), fix)
    ]


def test_a_new_optional_field_in_an_event_is_additive() -> None:
    @event("shop.ItemAdded", version=1)
    class Before:
        item_id: uuid.UUID

    @event("shop.ItemAdded", version=1)
    class After:
        item_id: uuid.UUID
        note: str = ""

    assert compare(contract(Nothing, events=(Before,)), contract(Nothing, events=(After,))) == [
        additive("event shop.ItemAdded v1", FIELD_ADDED_OPTIONAL.format(field="note"))
    ]


def test_version_two_beside_version_one_is_additive_and_dropping_version_one_breaks() -> None:
    @event("shop.ItemAdded", version=1)
    class AddedV1:
        item_id: uuid.UUID

    @event("shop.ItemAdded", version=2)
    class AddedV2:
        item_id: uuid.UUID
        quantity: int

    v1, both, v2 = (contract(Nothing, events=events) for events in ((AddedV1,), (AddedV1, AddedV2), (AddedV2,)))

    assert compare(v1, both) == [additive("event shop.ItemAdded v2", EVENT_ADDED)]
    assert compare(both, v2) == [breaking("event shop.ItemAdded v1", EVENT_REMOVED, FIX_KEEP_EVENT)]


def test_an_event_ordering_key_changed_breaks_and_a_first_key_is_additive() -> None:
    @event("shop.ItemAdded", version=1)
    class NoKey:
        item_id: uuid.UUID
        shelf: str

    @event("shop.ItemAdded", version=1, key="item_id")
    class ByItem:
        item_id: uuid.UUID
        shelf: str

    @event("shop.ItemAdded", version=1, key="shelf")
    class ByShelf:
        item_id: uuid.UUID
        shelf: str

    no_key, by_item, by_shelf = (contract(Nothing, events=(e,)) for e in (NoKey, ByItem, ByShelf))
    fix = FIX_NEW_EVENT_VERSION.format(name="shop.ItemAdded", version=1, next=2)

    assert compare(no_key, by_item) == [additive("event shop.ItemAdded v1", EVENT_KEY_ADDED.format(key="item_id"))]
    assert compare(by_item, by_shelf) == [
        breaking("event shop.ItemAdded v1", EVENT_KEY_CHANGED.format(old="'item_id'", new="'shelf'"), fix)
    ]


# -- errors ----------------------------------------------------------------------------------


def test_a_removed_error_code_breaks_and_a_new_one_is_additive() -> None:
    class SoldOutError(DomainError):
        code = ShopErrorCode.SOLD_OUT
        kind = ErrorKind.CONFLICT
        message = "Sold out."

    before = contract(Nothing, errors=(ItemNotFoundError,))
    after = contract(Nothing, errors=(SoldOutError,))

    assert compare(before, after) == [
        breaking("error shop.item_not_found", ERROR_REMOVED, FIX_KEEP_ERROR),
        additive("error shop.sold_out", ERROR_ADDED),
    ]


def test_an_error_whose_kind_or_parameters_change_breaks() -> None:
    class Moved(DomainError):
        code = ShopErrorCode.ITEM_NOT_FOUND
        kind = ErrorKind.CONFLICT
        message = "Item {sku} does not exist."
        sku: str

    assert compare(contract(Nothing, errors=(ItemNotFoundError,)), contract(Nothing, errors=(Moved,))) == [
        breaking(
            "error shop.item_not_found",
            ERROR_KIND_CHANGED.format(old="'not_found'", new="'conflict'"),
            FIX_NEW_ERROR_CODE,
        ),
        breaking("error shop.item_not_found params", FIELD_REMOVED.format(field="item_id"), FIX_NEW_ERROR_CODE),
        additive("error shop.item_not_found params", FIELD_ADDED_REQUIRED.format(field="sku")),
    ]


def test_a_type_change_that_both_narrows_and_widens_breaks_either_way() -> None:
    @dataclass(frozen=True, slots=True, kw_only=True)
    class DayBefore:
        day: Annotated[str, msgspec.Meta(pattern="^[0-9]+$")]

    @dataclass(frozen=True, slots=True, kw_only=True)
    class DayAfter:
        day: Annotated[str, msgspec.Meta(pattern="^[a-z]+$")]

    class Before(Protocol):
        def echo(self, *, day: DayBefore) -> DayBefore: ...

    class After(Protocol):
        def echo(self, *, day: DayAfter) -> DayAfter: ...

    what = TYPE_CHANGED.format(detail=CHANGED_FROM_TO.format(keyword="pattern", old="'^[0-9]+$'", new="'^[a-z]+$'"))
    assert compare(contract(Before), contract(After)) == [
        breaking("shop.echo(day) $.day", what, FIX_KEEP_ACCEPTING),
        breaking("shop.echo() -> return $.day", what, FIX_KEEP_RETURNING),
    ]
