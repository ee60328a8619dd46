"""What changed between two schemas of one value, as facts without a verdict.

`differences(old, new, ...)` walks both schemas side by side and names every change at its
path (`$.price.currency`, `$.lines[]`, `$.counts{}`) with its effect on the set of valid
values: NARROWED (some values valid before are refused now), WIDENED (values refused
before are valid now), CHANGED (both), or what happened to a field. Whether a fact breaks
callers depends on which way the value travels; `shared.contracts.compare` decides that.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Mapping
from typing import Any

from shared.contracts.shapes import ARRAY, INTEGER, KIND_NAMES, MAP, OBJECT, STRING, TUPLE, Shape, alternatives


class Effect(enum.Enum):
    NARROWED = "narrowed"
    WIDENED = "widened"
    CHANGED = "changed"
    FIELD_REMOVED = "field_removed"
    FIELD_ADDED_REQUIRED = "field_added_required"
    FIELD_ADDED_OPTIONAL = "field_added_optional"
    FIELD_NOW_REQUIRED = "field_now_required"
    FIELD_NOW_OPTIONAL = "field_now_optional"
    FIELD_DEFAULT_CHANGED = "field_default_changed"


NO_LONGER = "no longer {what}"
NOW_ALSO = "now also {what}"
ONLY_VALUES_NOW = "only {values} now, not any {kind}"
ANY_VALUE_NOW = "any {kind} now, not only {values}"
CHANGED_FROM_TO = "{keyword} changed from {old} to {new}"
ITEMS_UNIQUE_NOW = "items must be unique now"
ITEMS_NOT_UNIQUE_NOW = "items may repeat now"
FIELD_REMOVED = "field {field!r} removed or renamed"
FIELD_ADDED_REQUIRED = "new required field {field!r}"
FIELD_ADDED_OPTIONAL = "new optional field {field!r}"
FIELD_NOW_REQUIRED = "field {field!r} lost its default"
FIELD_NOW_OPTIONAL = "field {field!r} has a default now"
FIELD_DEFAULT_CHANGED = "the default of field {field!r} changed from {old} to {new}"

_LOWER_BOUNDS = {"minimum": "minimum", "minLength": "minimum length", "minItems": "minimum items"}
_UPPER_BOUNDS = {"maximum": "maximum", "maxLength": "maximum length", "maxItems": "maximum items"}
_TAGS = {"format": "format", "contentEncoding": "encoding", "pattern": "pattern"}


@dataclasses.dataclass(frozen=True, slots=True)
class Difference:
    path: str
    effect: Effect
    detail: str


def differences(
    old: Mapping[str, Any], new: Mapping[str, Any], *, old_types: Mapping[str, Any], new_types: Mapping[str, Any]
) -> list[Difference]:
    """Every difference between the values `old` and `new` admit, by path from `$`."""
    return _Walk(old_types, new_types).schemas(old, new, "$")


def literal(value: Any) -> str:
    """A JSON value as it appears in a message: 'a', 5, null, ["x"]."""
    return json.dumps(value, sort_keys=True) if not isinstance(value, str) else repr(value)


class _Walk:
    def __init__(self, old_types: Mapping[str, Any], new_types: Mapping[str, Any]) -> None:
        self.old_types = old_types
        self.new_types = new_types
        self.open_objects: set[tuple[str | None, str | None]] = set()

    def schemas(self, old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> list[Difference]:
        old_shapes = alternatives(old, self.old_types)
        new_shapes = alternatives(new, self.new_types)
        found: list[Difference] = []
        for kind in sorted(old_shapes.keys() - new_shapes.keys()):
            found.append(Difference(path, Effect.NARROWED, NO_LONGER.format(what=KIND_NAMES[kind])))
        for kind in sorted(new_shapes.keys() - old_shapes.keys()):
            found.append(Difference(path, Effect.WIDENED, NOW_ALSO.format(what=KIND_NAMES[kind])))
        for kind in sorted(old_shapes.keys() & new_shapes.keys()):
            found.extend(self.shapes(old_shapes[kind], new_shapes[kind], path))
        return found

    def shapes(self, old: Shape, new: Shape, path: str) -> list[Difference]:
        found = _values(old, new, path) + _bounds(old.schema, new.schema, path) + _tags(old.schema, new.schema, path)
        if old.kind == ARRAY:
            found.extend(_uniqueness(old.schema, new.schema, path))
            found.extend(self.schemas(old.schema.get("items", {}), new.schema.get("items", {}), f"{path}[]"))
        elif old.kind == TUPLE:
            found.extend(self.tuples(old.schema, new.schema, path))
        elif old.kind == MAP:
            found.extend(
                self.schemas(old.schema["additionalProperties"], new.schema["additionalProperties"], path + "{}")
            )
            if "propertyNames" in old.schema or "propertyNames" in new.schema:
                found.extend(
                    self.schemas(
                        old.schema.get("propertyNames", {}), new.schema.get("propertyNames", {}), path + "{key}"
                    )
                )
        elif old.kind == OBJECT:
            found.extend(self.objects(old, new, path))
        return found

    def tuples(self, old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> list[Difference]:
        old_items, new_items = old["prefixItems"], new["prefixItems"]
        if len(old_items) != len(new_items):
            detail = CHANGED_FROM_TO.format(keyword="length", old=len(old_items), new=len(new_items))
            return [Difference(path, Effect.CHANGED, detail)]
        found: list[Difference] = []
        for index, (old_item, new_item) in enumerate(zip(old_items, new_items, strict=True)):
            found.extend(self.schemas(old_item, new_item, f"{path}[{index}]"))
        return found

    def objects(self, old: Shape, new: Shape, path: str) -> list[Difference]:
        pair = (old.ref, new.ref)
        if pair != (None, None) and pair in self.open_objects:
            return []  # a recursive DTO: this pair is being compared further up
        self.open_objects.add(pair)
        try:
            return self.fields(old.schema, new.schema, path)
        finally:
            self.open_objects.discard(pair)

    def fields(self, old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> list[Difference]:
        old_fields, new_fields = old.get("properties", {}), new.get("properties", {})
        old_required, new_required = set(old.get("required", ())), set(new.get("required", ()))
        found: list[Difference] = []
        for name in sorted(old_fields.keys() - new_fields.keys()):
            found.append(Difference(path, Effect.FIELD_REMOVED, FIELD_REMOVED.format(field=name)))
        for name in sorted(new_fields.keys() - old_fields.keys()):
            if name in new_required:
                found.append(Difference(path, Effect.FIELD_ADDED_REQUIRED, FIELD_ADDED_REQUIRED.format(field=name)))
            else:
                found.append(Difference(path, Effect.FIELD_ADDED_OPTIONAL, FIELD_ADDED_OPTIONAL.format(field=name)))
        for name in sorted(old_fields.keys() & new_fields.keys()):
            found.extend(_requiredness(name, old_fields[name], new_fields[name], old_required, new_required, path))
            found.extend(self.schemas(old_fields[name], new_fields[name], f"{path}.{name}"))
        return found


def _requiredness(
    name: str,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    old_required: set[str],
    new_required: set[str],
    path: str,
) -> list[Difference]:
    was, now = name in old_required, name in new_required
    if was and not now:
        return [Difference(path, Effect.FIELD_NOW_OPTIONAL, FIELD_NOW_OPTIONAL.format(field=name))]
    if now and not was:
        return [Difference(path, Effect.FIELD_NOW_REQUIRED, FIELD_NOW_REQUIRED.format(field=name))]
    if not now and old.get("default") != new.get("default"):
        detail = FIELD_DEFAULT_CHANGED.format(
            field=name, old=literal(old.get("default")), new=literal(new.get("default"))
        )
        return [Difference(path, Effect.FIELD_DEFAULT_CHANGED, detail)]
    return []


def _values(old: Shape, new: Shape, path: str) -> list[Difference]:
    """Enum and Literal values: a string or an integer limited to some values, or not."""
    old_values, new_values = old.schema.get("enum"), new.schema.get("enum")
    kind = "string" if old.kind == STRING else "integer"
    if old_values is None and new_values is None:
        return []
    if old_values is None:
        return [Difference(path, Effect.NARROWED, ONLY_VALUES_NOW.format(values=_listed(new_values), kind=kind))]
    if new_values is None:
        return [Difference(path, Effect.WIDENED, ANY_VALUE_NOW.format(values=_listed(old_values), kind=kind))]
    removed = [v for v in old_values if v not in new_values]
    added = [v for v in new_values if v not in old_values]
    found = []
    if removed:
        found.append(Difference(path, Effect.NARROWED, NO_LONGER.format(what=_listed(removed))))
    if added:
        found.append(Difference(path, Effect.WIDENED, NOW_ALSO.format(what=_listed(added))))
    return found


def _listed(values: list[Any]) -> str:
    return ", ".join(literal(value) for value in values)


def _bounds(old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> list[Difference]:
    """Ranges: a higher lower bound or a lower upper bound narrows, the reverse widens."""
    found = []
    for keyword, name in {**_LOWER_BOUNDS, **_UPPER_BOUNDS}.items():
        old_bound, new_bound = _inclusive(old, keyword), _inclusive(new, keyword)
        if old_bound == new_bound:
            continue
        lower = keyword in _LOWER_BOUNDS
        if old_bound is None:
            narrowed = True
        elif new_bound is None:
            narrowed = False
        else:
            narrowed = new_bound > old_bound if lower else new_bound < old_bound
        detail = CHANGED_FROM_TO.format(keyword=name, old=_shown(old_bound), new=_shown(new_bound))
        found.append(Difference(path, Effect.NARROWED if narrowed else Effect.WIDENED, detail))
    return found


def _inclusive(schema: Mapping[str, Any], keyword: str) -> float | None:
    """The bound as an inclusive one; exclusive integer bounds move by one."""
    exclusive = {"minimum": "exclusiveMinimum", "maximum": "exclusiveMaximum"}.get(keyword)
    if exclusive and exclusive in schema:
        step = 1 if schema.get("type") == INTEGER else 0
        return schema[exclusive] + step if keyword == "minimum" else schema[exclusive] - step
    return schema.get(keyword)


def _shown(bound: float | None) -> str:
    return "none" if bound is None else f"{bound:g}" if isinstance(bound, float) else str(bound)


def _tags(old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> list[Difference]:
    """Format, encoding and pattern: adding one narrows, dropping one widens, changing one does both."""
    found = []
    for keyword, name in _TAGS.items():
        old_tag, new_tag = old.get(keyword), new.get(keyword)
        if old_tag == new_tag:
            continue
        effect = Effect.NARROWED if old_tag is None else Effect.WIDENED if new_tag is None else Effect.CHANGED
        detail = CHANGED_FROM_TO.format(keyword=name, old=_tag(old_tag), new=_tag(new_tag))
        found.append(Difference(path, effect, detail))
    return found


def _tag(value: str | None) -> str:
    return "none" if value is None else repr(value)


def _uniqueness(old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> list[Difference]:
    was, now = bool(old.get("uniqueItems")), bool(new.get("uniqueItems"))
    if was == now:
        return []
    if now:
        return [Difference(path, Effect.NARROWED, ITEMS_UNIQUE_NOW)]
    return [Difference(path, Effect.WIDENED, ITEMS_NOT_UNIQUE_NOW)]
