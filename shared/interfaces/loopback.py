"""The wire in every call: a local service bound behind a round trip through the wire encoding.

With INTERFACE_TRANSPORT=wire the binder puts `wire_loopback(meta, service)` where the
service itself would be. Every call then encodes its arguments (checked against the
Protocol), decodes them as the service's endpoint would, runs the service, and sends its
result or domain error back the same way, all in process. A test suite run in this mode
sees what a caller of a remote service would see: tuples where the Protocol says tuple,
errors rebuilt from their codes, an argument of the wrong type refused, without any
network. CI runs the whole suite once so (`make test-wire`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from shared.errors import DomainError, error_from_wire, error_to_wire
from shared.interfaces.codec import OperationCodec, operation_codecs
from shared.interfaces.proxy import InterfaceMeta

KnownErrors = Callable[[], Mapping[str, type[DomainError]]]


def wire_loopback(meta: InterfaceMeta, service: object, *, known_errors: KnownErrors) -> object:
    """An object with the Protocol's operations that serves each call from `service` through the wire.

    `known_errors` gives the error classes by code (the registry's): an error a service
    raises that no interface declares cannot be rebuilt, which this mode reveals.
    """
    methods = {
        operation: _loopback_method(codec, getattr(service, operation), known_errors)
        for operation, codec in operation_codecs(meta).items()
    }
    methods["__repr__"] = lambda self: f"<wire loopback of {meta.name} -> {type(service).__qualname__}>"
    methods["service"] = service
    return type(f"{meta.protocol.__name__}WireLoopback", (), methods)()


def _loopback_method(
    codec: OperationCodec, implementation: Callable[..., Any], known_errors: KnownErrors
) -> Callable[..., Any]:
    def call(self: object, /, **arguments: Any) -> Any:
        decoded = codec.decode_arguments(codec.encode_arguments(arguments))
        try:
            result = implementation(**decoded)
        except DomainError as error:
            sent = msgspec.json.decode(msgspec.json.encode(error_to_wire(error)))
            raise error_from_wire(sent, known_errors()) from error
        return codec.decode_result(codec.encode_result(result))

    call.__name__ = call.__qualname__ = codec.operation
    return call
