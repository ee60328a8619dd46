"""The public error tree every domain builds on, and its wire form.

    DomainError                      anything a caller may catch and act on
    ├── <Domain>Error                one base per domain (CatalogError, OrdersError, ...)
    │   └── <Thing><Problem>Error    ProductNotFoundError, EmailAlreadyRegisteredError, ...
    └── ServiceUnavailableError      a domain could not be reached (one family for all domains)

An error declares a stable `code` (a StrEnum member, e.g. "catalog.product_not_found"), a
`kind` that the HTTP layer maps to a status, a `message` template, and its parameters as
annotations. Parameters are typed so that the error survives a trip through JSON intact:

    class ProductNotFoundError(CatalogError):
        code = CatalogErrorCode.PRODUCT_NOT_FOUND
        kind = ErrorKind.NOT_FOUND
        message = "Product {product_id} does not exist. List products at /api/catalog/products/."
        product_id: UUID
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import inspect
import typing
from collections.abc import Mapping
from typing import Any, ClassVar

from shared import wire

ERROR_PARAMS_MISMATCH = (
    "{error} takes exactly the parameters {expected}; got {given}. Pass each declared parameter by keyword."
)
UNKNOWN_ERROR_CODE = (
    "Error code {code!r} is not declared by any registered interface. Both sides of a call "
    "must run the same interface version."
)


class ErrorKind(enum.StrEnum):
    """What sort of failure this is; the gateway maps it to an HTTP status."""

    INVALID = "invalid"
    UNAUTHORIZED = "unauthorized"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    FORBIDDEN = "forbidden"
    UNAVAILABLE = "unavailable"


class DomainError(Exception):
    """Base of every public error. Raise a leaf class with its declared parameters."""

    code: ClassVar[enum.StrEnum]
    kind: ClassVar[ErrorKind] = ErrorKind.INVALID
    message: ClassVar[str]

    def __init__(self, **params: Any) -> None:
        expected = error_params(type(self))
        if params.keys() != expected.keys():
            raise TypeError(
                ERROR_PARAMS_MISMATCH.format(error=type(self).__name__, expected=sorted(expected), given=sorted(params))
            )
        self.params: dict[str, Any] = params
        super().__init__(self.message.format(**params))

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_error, (type(self), self.params))

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.params == self.params  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self.code))


def _rebuild_error(cls: type[DomainError], params: dict[str, Any]) -> DomainError:
    return cls(**params)


class ServiceUnavailableErrorCode(enum.StrEnum):
    UNAVAILABLE = "kernel.service_unavailable"


class ServiceUnavailableError(DomainError):
    """A call could not complete because the domain serving it is unreachable or failing."""

    code = ServiceUnavailableErrorCode.UNAVAILABLE
    kind = ErrorKind.UNAVAILABLE
    message = (
        "The {domain} service could not complete {operation}: {reason}. Retry later; "
        "the operation may not have happened."
    )
    domain: str
    operation: str
    reason: str


KERNEL_ERRORS: tuple[type[DomainError], ...] = (ServiceUnavailableError,)
"""Errors of the kernel that any operation of any interface may raise: every interface declares them."""


@functools.cache
def error_params(cls: type[DomainError]) -> dict[str, Any]:
    """The declared parameters of an error class, name -> type (ClassVars excluded)."""
    names = [
        name
        for klass in reversed(cls.__mro__)
        if issubclass(klass, DomainError) and klass is not DomainError
        for name in inspect.get_annotations(klass)
    ]
    hints = typing.get_type_hints(cls)
    return {
        name: hints[name]
        for name in dict.fromkeys(names)
        if typing.get_origin(hints[name]) is not ClassVar and hints[name] is not ClassVar
    }


def is_concrete_error(cls: type) -> bool:
    """A leaf a domain may raise: a DomainError subclass that declares its own code."""
    return isinstance(cls, type) and issubclass(cls, DomainError) and "code" in cls.__dict__


@functools.cache
def _params_type(cls: type[DomainError]) -> type:
    fields = list(error_params(cls).items())
    return dataclasses.make_dataclass(f"{cls.__name__}Params", fields, frozen=True, kw_only=True)


def error_to_wire(error: DomainError) -> dict[str, Any]:
    """The JSON form of an error: stable code, kind, rendered message and typed parameters."""
    return {
        "code": str(error.code),
        "kind": str(error.kind),
        "message": str(error),
        "params": wire.to_primitive(_params_type(type(error))(**error.params)),
    }


def error_from_wire(data: Mapping[str, Any], known: Mapping[str, type[DomainError]]) -> DomainError:
    """Rebuild the error a remote side raised, by its code, with its typed parameters."""
    cls = known.get(data["code"])
    if cls is None:
        raise wire.WireFormatError(UNKNOWN_ERROR_CODE.format(code=data["code"]))
    params = wire.from_primitive(data.get("params", {}), _params_type(cls))
    return cls(**{f.name: getattr(params, f.name) for f in dataclasses.fields(params)})
