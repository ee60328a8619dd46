"""The proxy object a domain's interface module exports."""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, cast

from shared.errors import KERNEL_ERRORS, DomainError
from shared.interfaces.errors import NO_SUCH_OPERATION, NOT_AN_INTERFACE, NOT_BOUND, InterfaceNotBoundError
from shared.interfaces.observation import LOCAL, measured, placement_of

P = TypeVar("P")
F = TypeVar("F", bound=Callable[..., Any])

INTERFACE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
BAD_INTERFACE_NAME = "Interface name {name!r} must be the domain's app label: lowercase letters, digits, underscores."
NOT_A_PROTOCOL = "{protocol!r} is not a typing.Protocol. Declare the operations as `class {name}Api(Protocol): ...`."


def idempotent(operation: F) -> F:
    """Mark a Protocol operation as safe to retry: calling it twice has the effect of once.

    Remote clients retry operations marked so (and those marked @creates); others are sent
    once, and a timeout raises ServiceUnavailableError ("the operation may not have happened").
    Do not mark an operation that sets a value (a price, a quantity): a retry that arrives
    late would overwrite a newer value with the old one.
    """
    operation.__modulith_idempotent__ = True  # type: ignore[attr-defined]
    return operation


def creates(operation: F) -> F:
    """Mark a Protocol operation that creates something as idempotent by request id.

    Every call carries a request id that its retries reuse; the serving side answers a
    repeated id with the first call's outcome instead of creating again. So a remote client
    may retry it after a timeout, and a retry can never create twice.
    """
    operation.__modulith_creates__ = True  # type: ignore[attr-defined]
    return operation


def protocol_operations(protocol: type) -> dict[str, Callable[..., Any]]:
    """The public methods a Protocol declares, including those of Protocols it extends."""
    operations: dict[str, Callable[..., Any]] = {}
    for klass in reversed(protocol.__mro__):
        if klass in (object, typing.Protocol, typing.Generic) or not getattr(klass, "_is_protocol", False):
            continue
        for name, value in vars(klass).items():
            if not name.startswith("_") and callable(value):
                operations[name] = value
    return operations


class Interface:
    """A domain's interface: declared operations, events and errors, and the bound target.

    Attribute access is the hot path of every cross-domain call, so binding copies the
    implementation's bound methods into this object's __dict__, each wrapped once, at
    binding (shared.interfaces.observation.measured): with metrics on, to count and time its
    calls, labelled local or remote by the target; and when the domain runs in this process,
    to run as the domain's work (shared.work_context: the domain of log lines and of the
    table guard). One wrapper does both, in one frame (see bench/kernel.py for the cost).
    """

    def __init__(
        self,
        name: str,
        protocol: type,
        *,
        events: Iterable[type] = (),
        errors: Iterable[type[DomainError]] = (),
    ) -> None:
        if not INTERFACE_NAME.match(name):
            raise TypeError(BAD_INTERFACE_NAME.format(name=name))
        if not getattr(protocol, "_is_protocol", False):
            raise TypeError(NOT_A_PROTOCOL.format(protocol=protocol, name=name.title()))
        self._meta = InterfaceMeta(
            name=name,
            protocol=protocol,
            operations=protocol_operations(protocol),
            events=tuple(events),
            errors=(*errors, *(error for error in KERNEL_ERRORS if error not in errors)),
        )
        self._target: object | None = None

    @property
    def meta(self) -> InterfaceMeta:
        return self._meta

    @property
    def target(self) -> object | None:
        """The bound implementation (local service or remote client), or None."""
        return self._target

    def _attach(self, target: object | None) -> None:
        """Point the proxy at `target` (None detaches). Only the Registry calls this."""
        for operation in self._meta.operations:
            self.__dict__.pop(operation, None)
        self._target = target
        if target is not None:
            placement = placement_of(target)
            for operation in self._meta.operations:
                self.__dict__[operation] = measured(
                    getattr(target, operation),
                    domain=self._meta.name,
                    operation=operation,
                    placement=placement,
                    # The domain's code runs here: its lines and its SQL are its own.
                    enters=placement == LOCAL,
                )

    def __getattr__(self, operation: str) -> Any:
        # Reached only when the operation is not bound (bound ones live in __dict__).
        meta = self.__dict__.get("_meta")
        if meta is None or operation.startswith("__"):
            raise AttributeError(operation)
        if operation not in meta.operations:
            raise AttributeError(
                NO_SUCH_OPERATION.format(
                    name=meta.name, operation=operation, operations=", ".join(sorted(meta.operations))
                )
            )
        raise InterfaceNotBoundError(NOT_BOUND.format(name=meta.name, operation=operation))

    def __repr__(self) -> str:
        target = type(self._target).__qualname__ if self._target is not None else "unbound"
        return f"<Interface {self._meta.name} -> {target}>"


class InterfaceMeta:
    """What an interface declares; read by the registry, the checks and the extractor."""

    __slots__ = ("errors", "events", "name", "operations", "protocol")

    def __init__(
        self,
        *,
        name: str,
        protocol: type,
        operations: dict[str, Callable[..., Any]],
        events: tuple[type, ...],
        errors: tuple[type[DomainError], ...],
    ) -> None:
        self.name = name
        self.protocol = protocol
        self.operations = operations
        self.events = events
        self.errors = errors

    def signature(self, operation: str) -> inspect.Signature:
        """The operation's signature without `self`, with annotations resolved."""
        function = self.operations[operation]
        hints = typing.get_type_hints(function)
        signature = inspect.signature(function)
        parameters = [
            p.replace(annotation=hints.get(p.name, inspect.Parameter.empty))
            for p in list(signature.parameters.values())[1:]
        ]
        return signature.replace(parameters=parameters, return_annotation=hints.get("return", inspect.Signature.empty))

    def is_idempotent(self, operation: str) -> bool:
        """Marked @idempotent: repeating the call has the effect of one call."""
        return bool(getattr(self.operations[operation], "__modulith_idempotent__", False))

    def creates(self, operation: str) -> bool:
        """Marked @creates: each call carries a request id, and a repeated id creates nothing again."""
        return bool(getattr(self.operations[operation], "__modulith_creates__", False))

    def retry_safe(self, operation: str) -> bool:
        """Whether a remote client may send the call again after a failure it cannot see through."""
        return self.is_idempotent(operation) or self.creates(operation)


def declare_interface(
    name: str,
    protocol: type[P],
    *,
    events: Iterable[type] = (),
    errors: Iterable[type[DomainError]] = (),
) -> P:
    """Declare a domain's interface and return its proxy, typed as the Protocol for callers."""
    return cast(P, Interface(name, protocol, events=events, errors=errors))


def interface_of(proxy: object) -> Interface:
    """The Interface behind a proxy typed as its Protocol."""
    if not isinstance(proxy, Interface):
        raise TypeError(NOT_AN_INTERFACE.format(value=proxy))
    return proxy
