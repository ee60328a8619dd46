"""How one call of an operation travels: its arguments as a JSON object, its result as JSON.

The same codec serves every transport that leaves the caller's stack frame: the wire
loopback (INTERFACE_TRANSPORT=wire), the remote client and the service's internal
endpoint. Encoding checks every value against the Protocol's annotations first
(shared.conformance), so a wrong type fails at the call that passed it, in any mode;
decoding rebuilds exactly the declared types (shared.wire), refusing what does not fit.

    codec = operation_codec(catalog_meta, "get_products")
    body = codec.encode_arguments({"product_ids": (product_id,)})   # b'{"product_ids":["3f.."]}'
    codec.decode_arguments(body)                                    # {"product_ids": (UUID(..),)}
    codec.decode_result(codec.encode_result(products))              # a tuple of ProductDTO
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Mapping
from typing import Any

import msgspec

from shared import wire
from shared.conformance import Checker, checker
from shared.interfaces.errors import (
    ARGUMENT_MISSING,
    ARGUMENT_NOT_DECLARED,
    ARGUMENT_WRONG_TYPE,
    RESULT_WRONG_TYPE,
    ArgumentTypeError,
    ResultTypeError,
)
from shared.interfaces.proxy import InterfaceMeta


class OperationCodec:
    """Encodes and decodes the calls of one operation of one interface."""

    __slots__ = (
        "_arguments_decoder",
        "_checks",
        "_required",
        "_result_check",
        "creates",
        "interface",
        "operation",
        "result_type",
        "retry_safe",
    )

    def __init__(self, meta: InterfaceMeta, operation: str) -> None:
        signature = meta.signature(operation)
        self.interface = meta.name
        self.operation = operation
        self.retry_safe = meta.retry_safe(operation)
        self.creates = meta.creates(operation)
        self.result_type: Any = signature.return_annotation
        self._result_check: Checker = checker(self.result_type)
        self._checks: dict[str, Checker] = {name: checker(p.annotation) for name, p in signature.parameters.items()}
        self._required = frozenset(
            name for name, p in signature.parameters.items() if p.default is inspect.Parameter.empty
        )
        fields = [
            (name, p.annotation) if p.default is inspect.Parameter.empty else (name, p.annotation, p.default)
            for name, p in signature.parameters.items()
        ]
        arguments_type = msgspec.defstruct(
            f"{meta.protocol.__name__}_{operation}_arguments", fields, kw_only=True, forbid_unknown_fields=True
        )
        self._arguments_decoder = msgspec.json.Decoder(arguments_type)

    @property
    def name(self) -> str:
        return f"{self.interface}.{self.operation}"

    # -- arguments -------------------------------------------------------------------

    def check_arguments(self, arguments: Mapping[str, Any]) -> None:
        """Raise ArgumentTypeError unless the arguments are exactly what the Protocol declares."""
        for name, value in arguments.items():
            check = self._checks.get(name)
            if check is None:
                raise ArgumentTypeError(ARGUMENT_NOT_DECLARED.format(operation=self.name, name=name))
            problem = check(value, "$")
            if problem is not None:
                raise ArgumentTypeError(ARGUMENT_WRONG_TYPE.format(operation=self.name, name=name, problem=problem))
        missing = self._required.difference(arguments)
        if missing:
            raise ArgumentTypeError(ARGUMENT_MISSING.format(operation=self.name, names=", ".join(sorted(missing))))

    def encode_arguments(self, arguments: Mapping[str, Any]) -> bytes:
        self.check_arguments(arguments)
        return wire.dumps(dict(arguments))

    def decode_arguments(self, body: bytes) -> dict[str, Any]:
        """The keyword arguments in `body`, defaults filled in; WireFormatError names what does not fit."""
        try:
            decoded = self._arguments_decoder.decode(body)
        except msgspec.ValidationError as exc:
            raise wire.WireFormatError(f"{self.name}: {exc}") from None
        except msgspec.DecodeError as exc:
            raise wire.WireFormatError(f"{self.name}: malformed JSON ({exc})") from None
        return {name: getattr(decoded, name) for name in decoded.__struct_fields__}

    # -- result ----------------------------------------------------------------------

    def encode_result(self, result: object) -> bytes:
        problem = self._result_check(result, "$")
        if problem is not None:
            raise ResultTypeError(RESULT_WRONG_TYPE.format(operation=self.name, problem=problem))
        return wire.dumps(result)

    def decode_result(self, body: bytes) -> Any:
        return wire.loads(body, self.result_type)


@functools.cache
def operation_codecs(meta: InterfaceMeta) -> dict[str, OperationCodec]:
    """The codecs of every operation of an interface, built once."""
    return {operation: OperationCodec(meta, operation) for operation in sorted(meta.operations)}
