"""The registry: which interfaces exist, and what implements each of them here.

`bind` is the only place that decides where a domain runs. Today every binding is a
local service; a remote client bound the same way reaches callers unchanged.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from shared import wire
from shared.errors import DomainError, error_params, is_concrete_error
from shared.events import EventMeta, event_meta, is_event_type
from shared.interfaces.errors import (
    ALREADY_BOUND,
    ALREADY_REGISTERED,
    DECLARATION_PROBLEMS,
    DUPLICATE_ERROR_CODE,
    DUPLICATE_EVENT,
    MISMATCH,
    NOT_REGISTERED,
    ImplementationMismatchError,
    InterfaceAlreadyBoundError,
    InterfaceDeclarationError,
)
from shared.interfaces.proxy import Interface, InterfaceMeta, interface_of

KEYWORD_ONLY_REQUIRED = (
    "{where}: parameter {param!r} must be keyword-only so a call maps to a JSON object; "
    "put `*` before it: def {operation}(self, *, {param}: ...)."
)
UNANNOTATED = "{where}: {what} has no type annotation; annotate it so it can be checked and serialized."
EVENT_NOT_EVENT = "events: {type_name} is not declared with @event(...)."
EVENT_WRONG_DOMAIN = "events: {wire_id} belongs to domain {owner!r}; an interface declares only its own events."
ERROR_NOT_CONCRETE = "errors: {type_name} is not a DomainError subclass with its own `code`."
ERROR_WRONG_DOMAIN = "errors: {type_name} has code {code!r}; codes of interface {name!r} start with '{name}.'."
MISSING_OPERATION = "- lacks operation {operation}{signature}"
NOT_CALLABLE = "- {operation} is not callable"
PARAM_NOT_ACCEPTED = "- {operation}() does not accept keyword argument {param!r}"
T = TypeVar("T")
PARAM_NOT_DECLARED = (
    "- {operation}() requires {param!r}, which the Protocol does not pass; give it a default or remove it"
)


class Registry:
    """Interfaces by name, their bindings, and the events and errors they declare."""

    def __init__(self) -> None:
        self._interfaces: dict[str, Interface] = {}
        self._events: dict[str, type] = {}
        self._errors: dict[str, type[DomainError]] = {}

    # -- declaration ---------------------------------------------------------------

    def register(self, proxy: object) -> None:
        """Validate an interface and add it; every problem found is reported at once."""
        interface = interface_of(proxy)
        meta = interface.meta
        existing = self._interfaces.get(meta.name)
        if existing is interface:
            return
        if existing is not None:
            raise InterfaceDeclarationError(ALREADY_REGISTERED.format(name=meta.name, existing=existing))
        problems = declaration_problems(meta)
        if problems:
            raise InterfaceDeclarationError(
                DECLARATION_PROBLEMS.format(name=meta.name, problems="\n".join(f"- {p}" for p in problems))
            )
        events = _unique(((event_meta(cls).wire_id, cls) for cls in meta.events), self._events, DUPLICATE_EVENT)
        errors = _unique(((str(cls.code), cls) for cls in meta.errors), self._errors, DUPLICATE_ERROR_CODE)
        self._interfaces[meta.name] = interface
        self._events.update(events)
        self._errors.update(errors)

    # -- binding -------------------------------------------------------------------

    def bind(self, proxy: object, implementation: object) -> None:
        """Bind the implementation serving an interface in this process (registers it too)."""
        interface = interface_of(proxy)
        self.register(interface)
        if interface.target is not None:
            raise InterfaceAlreadyBoundError(
                ALREADY_BOUND.format(name=interface.meta.name, current=type(interface.target).__qualname__)
            )
        check_implementation(interface.meta, implementation)
        interface._attach(implementation)

    @contextmanager
    def override(self, proxy: object, implementation: object) -> Iterator[None]:
        """Serve the interface from `implementation` for the duration of a block (tests, fakes)."""
        interface = interface_of(proxy)
        self.register(interface)
        check_implementation(interface.meta, implementation)
        previous = interface.target
        interface._attach(implementation)
        try:
            yield
        finally:
            interface._attach(previous)

    # -- lookups -------------------------------------------------------------------

    def get(self, name: str) -> Interface:
        try:
            return self._interfaces[name]
        except KeyError:
            raise LookupError(NOT_REGISTERED.format(name=name)) from None

    def interfaces(self) -> tuple[Interface, ...]:
        return tuple(self._interfaces[name] for name in sorted(self._interfaces))

    def event_types(self) -> dict[str, type]:
        """Declared event classes by wire id ('orders.OrderPlaced.v1')."""
        return dict(self._events)

    def event_type(self, name: str, version: int) -> type | None:
        return self._events.get(EventMeta(name=name, version=version, key=None).wire_id)

    def error_types(self) -> dict[str, type[DomainError]]:
        """Declared error classes by code."""
        return dict(self._errors)

    def dto_types(self) -> set[type]:
        """Every dataclass that crosses a boundary: in operations, events and error parameters."""
        found: set[type] = set()
        for interface in self._interfaces.values():
            for annotation in _declared_types(interface.meta):
                found |= wire.dataclasses_in(annotation)
        return found


def _unique(pairs: Iterable[tuple[str, T]], known: dict[str, T], message: str) -> dict[str, T]:
    """Index `pairs` by key; a key naming two different classes is an InterfaceDeclarationError.

    The same class under the same key is fine: kernel errors such as
    ServiceUnavailableError are declared by every interface.
    """
    found: dict[str, T] = {}
    for key, cls in pairs:
        first = found.get(key) or known.get(key)
        if first is not None and first is not cls:
            raise InterfaceDeclarationError(message.format(key=key, first=first, second=cls))
        found[key] = cls
    return found


def _declared_types(meta: InterfaceMeta) -> list[Any]:
    types: list[Any] = []
    for operation in meta.operations:
        signature = meta.signature(operation)
        types.extend(p.annotation for p in signature.parameters.values())
        types.append(signature.return_annotation)
    types.extend(meta.events)
    types.extend(t for error in meta.errors for t in error_params(error).values())
    return [t for t in types if t is not inspect.Parameter.empty]


def declaration_problems(meta: InterfaceMeta) -> list[str]:
    """Everything that keeps an interface from crossing a process boundary."""
    problems: list[str] = []
    for operation in sorted(meta.operations):
        problems.extend(_operation_problems(meta, operation))
    for cls in meta.events:
        if not is_event_type(cls):
            problems.append(EVENT_NOT_EVENT.format(type_name=getattr(cls, "__qualname__", cls)))
            continue
        info = event_meta(cls)
        owner = info.name.split(".", 1)[0]
        if owner != meta.name:
            problems.append(EVENT_WRONG_DOMAIN.format(wire_id=info.wire_id, owner=owner))
        problems.extend(wire.boundary_problems(cls, f"events.{info.name}"))
    for cls in meta.errors:
        if not is_concrete_error(cls):
            problems.append(ERROR_NOT_CONCRETE.format(type_name=getattr(cls, "__qualname__", cls)))
            continue
        if not str(cls.code).startswith(f"{meta.name}.") and not str(cls.code).startswith("kernel."):
            problems.append(ERROR_WRONG_DOMAIN.format(type_name=cls.__qualname__, code=str(cls.code), name=meta.name))
        for param, annotation in error_params(cls).items():
            problems.extend(wire.boundary_problems(annotation, f"errors.{cls.__qualname__}.{param}"))
    return problems


def _operation_problems(meta: InterfaceMeta, operation: str) -> list[str]:
    where = f"{meta.protocol.__qualname__}.{operation}"
    try:
        signature = meta.signature(operation)
    except NameError as exc:
        return [f"{where}: an annotation does not resolve ({exc}); import the type in the interface module."]
    problems: list[str] = []
    for param in signature.parameters.values():
        if param.kind is not inspect.Parameter.KEYWORD_ONLY:
            problems.append(KEYWORD_ONLY_REQUIRED.format(where=where, param=param.name, operation=operation))
        if param.annotation is inspect.Parameter.empty:
            problems.append(UNANNOTATED.format(where=where, what=f"parameter {param.name!r}"))
        else:
            problems.extend(wire.boundary_problems(param.annotation, f"{where}({param.name})"))
    if signature.return_annotation is inspect.Signature.empty:
        problems.append(UNANNOTATED.format(where=where, what="the return value"))
    else:
        problems.extend(wire.boundary_problems(signature.return_annotation, f"{where} -> return"))
    return problems


def check_implementation(meta: InterfaceMeta, implementation: object) -> None:
    """Raise ImplementationMismatchError unless every operation is there with compatible arguments."""
    problems: list[str] = []
    for operation in sorted(meta.operations):
        method = getattr(implementation, operation, None)
        if method is None:
            problems.append(MISSING_OPERATION.format(operation=operation, signature=meta.signature(operation)))
            continue
        if not callable(method):
            problems.append(NOT_CALLABLE.format(operation=operation))
            continue
        problems.extend(_signature_problems(operation, meta.signature(operation), inspect.signature(method)))
    if problems:
        raise ImplementationMismatchError(
            MISMATCH.format(
                implementation=type(implementation).__qualname__,
                name=meta.name,
                problems="\n".join(problems),
                protocol=meta.protocol.__qualname__,
            )
        )


def _signature_problems(operation: str, declared: inspect.Signature, actual: inspect.Signature) -> list[str]:
    params = actual.parameters
    takes_any_keyword = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    accepted = {
        name
        for name, p in params.items()
        if p.kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    }
    problems = [
        PARAM_NOT_ACCEPTED.format(operation=operation, param=name)
        for name in declared.parameters
        if name not in accepted and not takes_any_keyword
    ]
    problems.extend(
        PARAM_NOT_DECLARED.format(operation=operation, param=name)
        for name, p in params.items()
        if name not in declared.parameters
        and p.default is inspect.Parameter.empty
        and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    )
    return problems


registry = Registry()
"""The process-wide registry that domain AppConfigs bind into."""
