"""Fakes hold a caller to the callee's recorded contract: arguments, answers and errors alike."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest

from shared.contracts import (
    ContractViolationError,
    FakeNotProgrammedError,
    Fakes,
    SnapshotInvalidError,
    SnapshotMissingError,
    describe,
    fake_for,
    fakes_in_place,
    read_snapshot,
    render,
)
from shared.contracts.fakes import (
    FAKE_ANSWER_INVALID,
    FAKE_ARGUMENT_INVALID,
    FAKE_ERROR_INVALID,
    FAKE_ERROR_UNDECLARED,
    FAKE_MISSING_ARGUMENT,
    FAKE_NO_SUCH_OPERATION,
    FAKE_NOT_PROGRAMMED,
    FAKE_OPERATION_NOT_RECORDED,
    FAKE_UNKNOWN_ARGUMENT,
    NOT_FAKED,
)
from shared.contracts.snapshots import SNAPSHOT_MISSING, SNAPSHOT_NOT_JSON, SNAPSHOT_WRONG_DOMAIN, SNAPSHOT_WRONG_FORMAT
from shared.errors import DomainError, ErrorKind, ServiceUnavailableError
from shared.interfaces import Interface, Registry, idempotent


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    id: uuid.UUID
    name: str
    tags: tuple[str, ...]


class ShelfErrorCode(enum.StrEnum):
    ITEM_NOT_FOUND = "shelf.item_not_found"
    SOLD_OUT = "shelf.sold_out"


class ItemNotFoundError(DomainError):
    code = ShelfErrorCode.ITEM_NOT_FOUND
    kind = ErrorKind.NOT_FOUND
    message = "Item {item_id} does not exist."
    item_id: uuid.UUID


class SoldOutError(DomainError):
    code = ShelfErrorCode.SOLD_OUT
    kind = ErrorKind.CONFLICT
    message = "Item {item_id} is sold out."
    item_id: uuid.UUID


class ShelfApi(Protocol):
    @idempotent
    def get_item(self, *, item_id: uuid.UUID) -> Item: ...

    def count(self, *, shelf: str, limit: int = 10) -> int: ...


class ShelfApiNext(Protocol):
    """The code moved on: a new operation, and `count` takes text. The recorded contract did not."""

    @idempotent
    def get_item(self, *, item_id: uuid.UUID) -> Item: ...

    def count(self, *, shelf: str, limit: str = "10") -> int: ...

    def restock(self, *, item_id: uuid.UUID) -> None: ...


def shelf_interface(protocol: type = ShelfApi) -> Interface:
    return Interface("shelf", protocol, errors=(ItemNotFoundError,))


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    """The shelf's recorded contract, as `contracts update` would write it."""
    path = tmp_path / "contract.json"
    path.write_text(render(describe(shelf_interface())), encoding="utf-8")
    return path


@pytest.fixture
def shelf(snapshot: Path) -> Interface:
    """The shelf's interface, served by a fake of its recorded contract."""
    proxy = shelf_interface()
    Registry().bind(proxy, fake_for(proxy, path=snapshot))
    return proxy


def fake(shelf: Interface) -> Any:
    """The fake serving `shelf`, to program."""
    return shelf.target


TEA = Item(id=uuid.uuid4(), name="Sencha", tags=("green", "japan"))


# -- answers -------------------------------------------------------------------------------


def test_a_programmed_answer_reaches_the_caller_decoded_from_json(shelf: Interface) -> None:
    fake(shelf).get_item.returns(TEA)

    got = shelf.get_item(item_id=TEA.id)

    assert got == TEA
    assert got is not TEA  # rebuilt from its JSON, as from a callee in another process
    assert fake(shelf).get_item.calls == [{"item_id": TEA.id}]


def test_an_answer_function_gets_the_arguments_decoded_with_the_defaults_filled_in(shelf: Interface) -> None:
    received: list[dict[str, object]] = []

    def answer(**arguments: object) -> int:
        received.append(arguments)
        return 3

    fake(shelf).count.answers(answer)

    assert shelf.count(shelf="A") == 3
    assert received == [{"shelf": "A", "limit": 10}]
    assert fake(shelf).count.calls == [{"shelf": "A"}]  # as the caller passed them


def test_a_call_nobody_programmed_fails_saying_how_to_program_it(shelf: Interface, snapshot: Path) -> None:
    with pytest.raises(FakeNotProgrammedError) as excinfo:
        shelf.count(shelf="A")

    assert str(excinfo.value) == FAKE_NOT_PROGRAMMED.format(domain="shelf", operation="count", path=snapshot)


def test_reset_forgets_the_answers_and_the_calls(shelf: Interface) -> None:
    fake(shelf).count.returns(1)
    shelf.count(shelf="A")

    fake(shelf).count.reset()

    assert fake(shelf).count.calls == []
    with pytest.raises(FakeNotProgrammedError):
        shelf.count(shelf="A")


# -- arguments -----------------------------------------------------------------------------


def test_an_argument_the_contract_does_not_declare_is_refused(shelf: Interface, snapshot: Path) -> None:
    fake(shelf).count.returns(1)

    with pytest.raises(ContractViolationError) as excinfo:
        shelf.count(shelf="A", aisle="B")

    assert str(excinfo.value) == FAKE_UNKNOWN_ARGUMENT.format(
        domain="shelf", operation="count", path=snapshot, parameter="aisle", parameters="limit, shelf"
    )
    assert fake(shelf).count.calls == []


def test_a_missing_required_argument_is_refused(shelf: Interface, snapshot: Path) -> None:
    fake(shelf).count.returns(1)

    with pytest.raises(ContractViolationError) as excinfo:
        shelf.count(limit=5)

    assert str(excinfo.value) == FAKE_MISSING_ARGUMENT.format(
        domain="shelf", operation="count", path=snapshot, parameter="shelf"
    )


@pytest.mark.parametrize(
    ("arguments", "parameter", "problem"),
    [
        pytest.param({"item_id": "not-an-id"}, "item_id", "$: 'not-an-id' is not a 'uuid'", id="text-for-a-uuid"),
        pytest.param({"item_id": 7}, "item_id", "$: 7 is not of type 'string'", id="number-for-a-uuid"),
    ],
)
def test_an_argument_of_the_wrong_type_is_refused_at_its_path(
    shelf: Interface, snapshot: Path, arguments: dict[str, object], parameter: str, problem: str
) -> None:
    fake(shelf).get_item.returns(TEA)

    with pytest.raises(ContractViolationError) as excinfo:
        shelf.get_item(**arguments)

    assert str(excinfo.value) == FAKE_ARGUMENT_INVALID.format(
        domain="shelf",
        operation="get_item",
        path=snapshot,
        parameter=parameter,
        value=arguments[parameter],
        problem=problem,
    )


def test_the_recorded_contract_not_the_code_decides_what_a_fake_accepts(snapshot: Path) -> None:
    """The callee deployed is the recorded one: its `limit` is an integer, whatever the code says now."""
    proxy = shelf_interface(ShelfApiNext)
    Registry().bind(proxy, fake_for(proxy, path=snapshot))
    proxy.target.count.returns(1)

    with pytest.raises(ContractViolationError) as excinfo:
        proxy.count(shelf="A", limit="10")

    assert str(excinfo.value) == FAKE_ARGUMENT_INVALID.format(
        domain="shelf",
        operation="count",
        path=snapshot,
        parameter="limit",
        value="10",
        problem="$: '10' is not of type 'integer'",
    )


def test_an_operation_the_contract_has_not_recorded_says_to_record_it(snapshot: Path) -> None:
    proxy = shelf_interface(ShelfApiNext)
    Registry().bind(proxy, fake_for(proxy, path=snapshot))
    expected = FAKE_OPERATION_NOT_RECORDED.format(domain="shelf", operation="restock", path=snapshot)

    with pytest.raises(ContractViolationError) as programming:
        proxy.target.restock.returns(None)
    with pytest.raises(ContractViolationError) as calling:
        proxy.restock(item_id=TEA.id)

    assert (str(programming.value), str(calling.value)) == (expected, expected)


def test_a_name_that_is_no_operation_is_refused(shelf: Interface) -> None:
    with pytest.raises(AttributeError) as excinfo:
        fake(shelf).get_items  # noqa: B018

    assert str(excinfo.value) == FAKE_NO_SUCH_OPERATION.format(
        domain="shelf", operation="get_items", operations="count, get_item"
    )


# -- what a test programs must match the contract too ---------------------------------------------


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        pytest.param(42, "$: 42 is not of type 'object'", id="not-an-item"),
        pytest.param({"id": str(TEA.id), "name": "Sencha"}, "$: 'tags' is a required property", id="a-field-missing"),
    ],
)
def test_an_answer_that_does_not_match_the_contract_is_refused_when_programmed(
    shelf: Interface, snapshot: Path, answer: object, problem: str
) -> None:
    with pytest.raises(ContractViolationError) as excinfo:
        fake(shelf).get_item.returns(answer)

    assert str(excinfo.value) == FAKE_ANSWER_INVALID.format(
        domain="shelf", operation="get_item", path=snapshot, value=answer, problem=problem
    )


def test_an_answer_function_that_returns_what_the_contract_refuses_fails_the_call(
    shelf: Interface, snapshot: Path
) -> None:
    fake(shelf).count.answers(lambda **arguments: "three")

    with pytest.raises(ContractViolationError) as excinfo:
        shelf.count(shelf="A")

    assert str(excinfo.value) == FAKE_ANSWER_INVALID.format(
        domain="shelf", operation="count", path=snapshot, value="three", problem="$: 'three' is not of type 'integer'"
    )


def test_a_declared_error_reaches_the_caller_rebuilt_from_its_wire_form(shelf: Interface) -> None:
    error = ItemNotFoundError(item_id=TEA.id)
    fake(shelf).get_item.raises(error)

    with pytest.raises(ItemNotFoundError) as excinfo:
        shelf.get_item(item_id=TEA.id)

    assert excinfo.value == error
    assert excinfo.value is not error


def test_an_error_raised_by_an_answer_function_is_checked_and_rebuilt(shelf: Interface, snapshot: Path) -> None:
    def answer(*, item_id: uuid.UUID) -> Item:
        raise SoldOutError(item_id=item_id)

    fake(shelf).get_item.answers(answer)

    with pytest.raises(ContractViolationError) as excinfo:
        shelf.get_item(item_id=TEA.id)

    assert str(excinfo.value) == FAKE_ERROR_UNDECLARED.format(
        domain="shelf",
        operation="get_item",
        path=snapshot,
        error="SoldOutError",
        code="shelf.sold_out",
        codes="shelf.item_not_found, kernel.service_unavailable",
    )


def test_an_error_the_contract_does_not_declare_is_refused(shelf: Interface, snapshot: Path) -> None:
    with pytest.raises(ContractViolationError) as excinfo:
        fake(shelf).get_item.raises(SoldOutError(item_id=TEA.id))

    assert str(excinfo.value) == FAKE_ERROR_UNDECLARED.format(
        domain="shelf",
        operation="get_item",
        path=snapshot,
        error="SoldOutError",
        code="shelf.sold_out",
        codes="shelf.item_not_found, kernel.service_unavailable",
    )


def test_an_error_whose_parameters_do_not_match_the_contract_is_refused(shelf: Interface, snapshot: Path) -> None:
    bad = ItemNotFoundError(item_id="not-an-id")  # DomainError does not check its parameters' types

    with pytest.raises(ContractViolationError) as excinfo:
        fake(shelf).get_item.raises(bad)

    assert str(excinfo.value) == FAKE_ERROR_INVALID.format(
        domain="shelf",
        operation="get_item",
        path=snapshot,
        code="shelf.item_not_found",
        problem="$.item_id: 'not-an-id' is not a 'uuid'",
    )


def test_any_operation_may_be_unavailable(shelf: Interface) -> None:
    down = ServiceUnavailableError(domain="shelf", operation="get_item", reason="no answer within 2 s")
    fake(shelf).get_item.raises(down)

    with pytest.raises(ServiceUnavailableError) as excinfo:
        shelf.get_item(item_id=TEA.id)

    assert excinfo.value == down


# -- binding and the snapshot ------------------------------------------------------------------


class ShelfService:
    def get_item(self, *, item_id: uuid.UUID) -> Item:
        return TEA

    def count(self, *, shelf: str, limit: int = 10) -> int:
        return 99


def test_fakes_stand_in_for_a_bound_implementation_for_a_block_only(snapshot: Path) -> None:
    proxy, registry = shelf_interface(), Registry()
    registry.bind(proxy, ShelfService())
    fakes = Fakes([fake_for(proxy, path=snapshot)])
    fakes.shelf.count.returns(1)

    with fakes_in_place(registry, fakes):
        inside = proxy.count(shelf="A")

    assert (inside, proxy.count(shelf="A")) == (1, 99)
    assert isinstance(proxy.target, ShelfService)


def test_a_domain_that_is_not_faked_is_named_with_those_that_are(snapshot: Path) -> None:
    fakes = Fakes([fake_for(shelf_interface(), path=snapshot)])

    with pytest.raises(AttributeError) as excinfo:
        fakes.catalog  # noqa: B018

    assert str(excinfo.value) == NOT_FAKED.format(domain="catalog", faked="shelf")
    assert fakes.domains() == ["shelf"]


def test_a_missing_snapshot_says_how_to_record_it(tmp_path: Path) -> None:
    path = tmp_path / "contract.json"

    with pytest.raises(SnapshotMissingError) as excinfo:
        fake_for(shelf_interface(), path=path)

    assert str(excinfo.value) == SNAPSHOT_MISSING.format(domain="shelf", path=path)


@pytest.mark.parametrize(
    ("text", "template", "values"),
    [
        pytest.param(
            "{",
            SNAPSHOT_NOT_JSON,
            {"problem": "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"},
            id="not-json",
        ),
        pytest.param(
            '{"format": 99, "domain": "shelf"}',
            SNAPSHOT_WRONG_FORMAT,
            {"found": 99, "expected": 1},
            id="another-format",
        ),
        pytest.param(
            '{"format": 1, "domain": "cellar"}', SNAPSHOT_WRONG_DOMAIN, {"found": "cellar"}, id="another-domain"
        ),
    ],
)
def test_a_snapshot_that_cannot_be_read_says_how_to_restore_it(
    tmp_path: Path, text: str, template: str, values: dict[str, object]
) -> None:
    path = tmp_path / "contract.json"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(SnapshotInvalidError) as excinfo:
        read_snapshot(path, domain="shelf")

    assert str(excinfo.value) == template.format(path=path, domain="shelf", **values)
    assert path.read_text(encoding="utf-8") == text  # left as it was
