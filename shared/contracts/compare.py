"""Compare a domain's recorded contract with its code: every difference, breaking or additive.

A caller and a callee deploy apart, so for a while callers built against the recorded
contract talk to code built from the new one. A change is breaking when such a caller (or
subscriber) can fail, and additive when nothing it does stops working. The rules, by the
way a value travels:

- Operations. Removing or renaming one breaks its callers; adding one is additive. So is
  marking one idempotent; dropping the mark breaks callers that retry it.
- Parameters and everything inside them travel caller -> callee (a request), so they may
  widen and never narrow: a new optional parameter or field, a wider range, another
  accepted type or enum value is additive; a new required parameter or field, a removed or
  renamed one, a lost or changed default, a narrower type (str -> Literal, a union member
  or enum value removed, a range narrowed, a new format or pattern) breaks.
- Return values and error parameters travel callee -> caller (a response), so they may
  narrow and gain fields, and never widen: a new field, a field that gained a default, a
  narrower type is additive; a removed or renamed field, a wider type (now also null, a
  new enum value) breaks, since old callers cannot read it.
- Event payloads travel both ways at once: subscribers of the old version read new
  payloads, and new subscribers read payloads stored before. Only new optional fields
  (and fields gaining a default) are additive; any other change needs a new version of
  the event, published beside the old one. Removing an event (or a version of one) breaks
  its subscribers; a new event or version is additive. So is a new ordering key; changing
  one is a new version.
- Errors: removing a code or changing its kind (its HTTP status) breaks callers that act
  on it; a new error is additive; its parameters follow the response rules.

Each breaking Change carries the fix: keep the old operation until callers moved, give
the new parameter a default, publish the event as version N+1, and so on.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from typing import Any, cast

from shared.contracts.differences import Difference, Effect, differences, literal


class Direction(enum.Enum):
    REQUEST = "request"
    RESPONSE = "response"
    BOTH = "both"


_REQUEST_BREAKS = frozenset(
    {
        Effect.NARROWED,
        Effect.CHANGED,
        Effect.FIELD_REMOVED,
        Effect.FIELD_ADDED_REQUIRED,
        Effect.FIELD_NOW_REQUIRED,
        Effect.FIELD_DEFAULT_CHANGED,
    }
)
_RESPONSE_BREAKS = frozenset({Effect.WIDENED, Effect.CHANGED, Effect.FIELD_REMOVED})
BREAKING_EFFECTS = {
    Direction.REQUEST: _REQUEST_BREAKS,
    Direction.RESPONSE: _RESPONSE_BREAKS,
    Direction.BOTH: _REQUEST_BREAKS | _RESPONSE_BREAKS,
}

# Where a change is.
OPERATION = "{domain}.{operation}()"
PARAMETER = "{domain}.{operation}({parameter})"
RETURN = "{domain}.{operation}() -> return"
EVENT = "event {name} v{version}"
ERROR = "error {code}"
ERROR_PARAMS = "error {code} params"

# What changed.
OPERATION_REMOVED = "operation removed or renamed"
OPERATION_ADDED = "new operation"
NO_LONGER_IDEMPOTENT = "no longer marked idempotent"
NOW_IDEMPOTENT = "marked idempotent now"
PARAMETER_REMOVED = "parameter removed or renamed"
PARAMETER_ADDED_REQUIRED = "new required parameter"
PARAMETER_ADDED_OPTIONAL = "new optional parameter"
PARAMETER_NOW_REQUIRED = "parameter lost its default"
PARAMETER_NOW_OPTIONAL = "parameter has a default now"
PARAMETER_DEFAULT_CHANGED = "default changed from {old} to {new}"
PARAMETER_KIND_CHANGED = "kind changed from {old} to {new}"
TYPE_NARROWED = "type narrowed ({detail})"
TYPE_WIDENED = "type widened ({detail})"
TYPE_CHANGED = "type changed ({detail})"
EVENT_REMOVED = "no longer declared"
EVENT_ADDED = "new event"
EVENT_KEY_CHANGED = "ordering key changed from {old} to {new}"
EVENT_KEY_ADDED = "ordered by {key} now"
ERROR_REMOVED = "no longer declared"
ERROR_ADDED = "new error"
ERROR_KIND_CHANGED = "kind changed from {old} to {new}"

# What to do instead.
FIX_KEEP_OPERATION = (
    "Callers still call it: keep the old operation until every caller moved (a renamed one can call the new one)."
)
FIX_KEEP_IDEMPOTENT = (
    "Callers retry idempotent operations after a timeout, which would now repeat its effect: keep it idempotent, "
    "or add a new operation that is not."
)
FIX_PARAMETER_STILL_SENT = "Callers still pass it: keep accepting it until every caller stopped passing it."
FIX_GIVE_DEFAULT = "Callers written against the contract do not send it: give it a default."
FIX_KEEP_DEFAULT = "Callers that leave it out would fail: keep its default."
FIX_KEEP_DEFAULT_VALUE = (
    "Callers that leave it out would silently get the new default: keep the old one, and add a new parameter or "
    "field for the new behaviour."
)
FIX_KEEP_KIND = "Callers pass it as the contract says: keep it keyword-only."
FIX_KEEP_ACCEPTING = (
    "Callers written against the contract may still send the old values: keep accepting them (what an operation "
    "takes may widen, never narrow)."
)
FIX_KEEP_RETURNING = (
    "Callers written against the contract cannot read the new values: keep the old type, and add a new field or "
    "operation for the new values (what an operation returns may narrow, never widen)."
)
FIX_FIELD_STILL_SENT = "Callers still send it, and it would be dropped unread: keep the field until every caller moved."
FIX_FIELD_STILL_READ = "Callers still read it: keep the field (add a new one beside it) until every caller moved."
FIX_KEEP_EVENT = (
    "Subscribers still wait for it: keep publishing it until every subscriber moved (to its next version, if that "
    "is why it went)."
)
FIX_NEW_EVENT_VERSION = (
    "Subscribers and stored events hold v{version} payloads: publish the new payload as version {next} "
    '(@event("{name}", version={next})) beside v{version}, and keep publishing v{version} until its subscribers moved.'
)
FIX_KEEP_ERROR = "Callers branch on this code: keep declaring it until every caller stopped expecting it."
FIX_NEW_ERROR_CODE = (
    "Callers act on an error's code, kind and parameters: keep this error as it was, and declare a new code for "
    "the new case."
)

_TYPE_WHAT = {Effect.NARROWED: TYPE_NARROWED, Effect.WIDENED: TYPE_WIDENED, Effect.CHANGED: TYPE_CHANGED}
_OPERATION_FIXES = {
    Direction.REQUEST: {
        Effect.NARROWED: FIX_KEEP_ACCEPTING,
        Effect.CHANGED: FIX_KEEP_ACCEPTING,
        Effect.FIELD_REMOVED: FIX_FIELD_STILL_SENT,
        Effect.FIELD_ADDED_REQUIRED: FIX_GIVE_DEFAULT,
        Effect.FIELD_NOW_REQUIRED: FIX_KEEP_DEFAULT,
        Effect.FIELD_DEFAULT_CHANGED: FIX_KEEP_DEFAULT_VALUE,
    },
    Direction.RESPONSE: {
        Effect.WIDENED: FIX_KEEP_RETURNING,
        Effect.CHANGED: FIX_KEEP_RETURNING,
        Effect.FIELD_REMOVED: FIX_FIELD_STILL_READ,
    },
}


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    """One difference between the recorded contract and the code; `fix` says what to do when it breaks."""

    domain: str
    breaking: bool
    where: str
    what: str
    fix: str = ""

    @property
    def message(self) -> str:
        return f"{self.where}: {self.what}." + (f" {self.fix}" if self.fix else "")

    def as_json(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "message": self.message}


def compare(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Every change from contract `old` (recorded) to `new` (the code), operations, events, errors in turn."""
    return _Comparison(old, new).changes()


class _Comparison:
    def __init__(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        self.old, self.new = old, new
        self.domain: str = new["domain"]
        self.found: list[Change] = []

    def changes(self) -> list[Change]:
        for name in sorted(self.old["operations"].keys() | self.new["operations"].keys()):
            self.operation(name, self.old["operations"].get(name), self.new["operations"].get(name))
        for wire_id in sorted(self.old["events"].keys() | self.new["events"].keys()):
            self.event(self.old["events"].get(wire_id), self.new["events"].get(wire_id))
        for code in sorted(self.old["errors"].keys() | self.new["errors"].keys()):
            self.error(code, self.old["errors"].get(code), self.new["errors"].get(code))
        return self.found

    def add(self, *, breaking: bool, where: str, what: str, fix: str = "") -> None:
        self.found.append(
            Change(domain=self.domain, breaking=breaking, where=where, what=what, fix=fix if breaking else "")
        )

    # -- operations ------------------------------------------------------------------

    def operation(self, name: str, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> None:
        where = OPERATION.format(domain=self.domain, operation=name)
        if new is None:
            self.add(breaking=True, where=where, what=OPERATION_REMOVED, fix=FIX_KEEP_OPERATION)
            return
        if old is None:
            self.add(breaking=False, where=where, what=OPERATION_ADDED)
            return
        if old["idempotent"] and not new["idempotent"]:
            self.add(breaking=True, where=where, what=NO_LONGER_IDEMPOTENT, fix=FIX_KEEP_IDEMPOTENT)
        elif new["idempotent"] and not old["idempotent"]:
            self.add(breaking=False, where=where, what=NOW_IDEMPOTENT)
        for parameter in sorted(old["parameters"].keys() | new["parameters"].keys()):
            self.parameter(name, parameter, old["parameters"].get(parameter), new["parameters"].get(parameter))
        self.types(
            RETURN.format(domain=self.domain, operation=name), old["returns"], new["returns"], Direction.RESPONSE
        )

    def parameter(
        self, operation: str, name: str, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None
    ) -> None:
        where = PARAMETER.format(domain=self.domain, operation=operation, parameter=name)
        if new is None:
            self.add(breaking=True, where=where, what=PARAMETER_REMOVED, fix=FIX_PARAMETER_STILL_SENT)
            return
        if old is None:
            if new["required"]:
                self.add(breaking=True, where=where, what=PARAMETER_ADDED_REQUIRED, fix=FIX_GIVE_DEFAULT)
            else:
                self.add(breaking=False, where=where, what=PARAMETER_ADDED_OPTIONAL)
            return
        if old["kind"] != new["kind"]:
            what = PARAMETER_KIND_CHANGED.format(old=old["kind"], new=new["kind"])
            self.add(breaking=True, where=where, what=what, fix=FIX_KEEP_KIND)
        if new["required"] and not old["required"]:
            self.add(breaking=True, where=where, what=PARAMETER_NOW_REQUIRED, fix=FIX_KEEP_DEFAULT)
        elif old["required"] and not new["required"]:
            self.add(breaking=False, where=where, what=PARAMETER_NOW_OPTIONAL)
        elif not new["required"] and old.get("default") != new.get("default"):
            what = PARAMETER_DEFAULT_CHANGED.format(old=literal(old.get("default")), new=literal(new.get("default")))
            self.add(breaking=True, where=where, what=what, fix=FIX_KEEP_DEFAULT_VALUE)
        self.types(where, old["schema"], new["schema"], Direction.REQUEST)

    # -- events and errors ---------------------------------------------------------------

    def event(self, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> None:
        described = cast(Mapping[str, Any], new if new is not None else old)  # one side at least has it
        where = EVENT.format(name=described["name"], version=described["version"])
        if new is None:
            self.add(breaking=True, where=where, what=EVENT_REMOVED, fix=FIX_KEEP_EVENT)
            return
        if old is None:
            self.add(breaking=False, where=where, what=EVENT_ADDED)
            return
        fix = FIX_NEW_EVENT_VERSION.format(name=new["name"], version=new["version"], next=new["version"] + 1)
        if old["key"] != new["key"] and old["key"] is None:
            self.add(breaking=False, where=where, what=EVENT_KEY_ADDED.format(key=new["key"]))
        elif old["key"] != new["key"]:
            what = EVENT_KEY_CHANGED.format(old=literal(old["key"]), new=literal(new["key"]))
            self.add(breaking=True, where=where, what=what, fix=fix)
        self.types(where, old["payload"], new["payload"], Direction.BOTH, fix=fix)

    def error(self, code: str, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> None:
        where = ERROR.format(code=code)
        if new is None:
            self.add(breaking=True, where=where, what=ERROR_REMOVED, fix=FIX_KEEP_ERROR)
            return
        if old is None:
            self.add(breaking=False, where=where, what=ERROR_ADDED)
            return
        if old["kind"] != new["kind"]:
            what = ERROR_KIND_CHANGED.format(old=literal(old["kind"]), new=literal(new["kind"]))
            self.add(breaking=True, where=where, what=what, fix=FIX_NEW_ERROR_CODE)
        self.types(
            ERROR_PARAMS.format(code=code), old["params"], new["params"], Direction.RESPONSE, fix=FIX_NEW_ERROR_CODE
        )

    # -- types -------------------------------------------------------------------------

    def types(
        self, where: str, old: Mapping[str, Any], new: Mapping[str, Any], direction: Direction, *, fix: str = ""
    ) -> None:
        """The differences of one value's schema, judged by the way the value travels.

        `fix` replaces the per-difference fix (an event's or an error's change has one remedy).
        """
        found = differences(old, new, old_types=self.old["types"], new_types=self.new["types"])
        for difference in found:
            breaking = difference.effect in BREAKING_EFFECTS[direction]
            self.add(
                breaking=breaking,
                where=where if difference.path == "$" else f"{where} {difference.path}",
                what=_what(difference),
                fix=fix or _OPERATION_FIXES.get(direction, {}).get(difference.effect, ""),
            )


def _what(difference: Difference) -> str:
    template = _TYPE_WHAT.get(difference.effect)
    return template.format(detail=difference.detail) if template else difference.detail
