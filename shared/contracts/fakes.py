"""Fakes of other domains' interfaces, generated from their recorded contracts.

A domain tested on its own binds a fake to every other domain's interface. The fake holds
the caller to the callee's contract.json, the promise the deployed callee keeps:

- every call's arguments are checked against the recorded parameter schemas (names,
  required ones, types) and reach the test's answer decoded from JSON, as a remote callee
  would receive them;
- every answer a test programs is checked against the recorded return schema, and the
  caller receives it decoded from JSON, never the object the test built;
- an error it raises must be one the contract declares (or the kernel's
  ServiceUnavailableError), with parameters that match.

It answers only what the test programmed: a call nobody programmed fails, naming the
operation and how to program it, so no test passes on an answer nobody chose.

    fakes.catalog.get_product.returns(product)
    fakes.catalog.reserve_stock.raises(InsufficientStockError(...))
    fakes.catalog.get_products.answers(lambda *, product_ids: ...)
    fakes.catalog.reserve_stock.calls    # [{"order_id": ..., "lines": (...)}], as passed

`bind_fakes(registry, proxies)` is the one function that puts fakes in place of
implementations; whatever decides where a domain runs can call it.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import msgspec

from shared import wire
from shared.contracts.errors import ContractViolationError, FakeNotProgrammedError
from shared.contracts.snapshots import read_snapshot, shown, snapshot_path
from shared.contracts.validation import SchemaCheck
from shared.errors import DomainError, ServiceUnavailableError, error_from_wire, error_to_wire
from shared.interfaces import Interface, Registry, interface_of

FAKE_NOT_PROGRAMMED = (
    "fakes.{domain}.{operation}() was called, but the test did not say what it answers. Program it first: "
    "fakes.{domain}.{operation}.returns(value), .raises(error) or .answers(function)."
)
FAKE_NO_SUCH_OPERATION = "The {domain} interface has no operation {operation!r}. Its operations are: {operations}."
FAKE_OPERATION_NOT_RECORDED = (
    "fakes.{domain}.{operation}: the recorded contract ({path}) has no such operation yet. Record it with "
    "`python manage.py contracts update {domain}`."
)
FAKE_UNKNOWN_ARGUMENT = (
    "fakes.{domain}.{operation}() got {parameter!r}, which the contract ({path}) does not declare. "
    "It takes: {parameters}."
)
FAKE_MISSING_ARGUMENT = (
    "fakes.{domain}.{operation}() was called without {parameter!r}, which the contract ({path}) requires."
)
FAKE_ARGUMENT_INVALID = (
    "fakes.{domain}.{operation}(): {parameter}={value!r} does not match the contract ({path}): {problem}."
)
FAKE_ANSWER_INVALID = (
    "fakes.{domain}.{operation}: the answer {value!r} does not match what the contract ({path}) says it returns: "
    "{problem}. Answer with a value of the declared return type."
)
FAKE_ERROR_UNDECLARED = (
    "fakes.{domain}.{operation}: {error} has code {code!r}, which the contract ({path}) does not declare. "
    "Raise one of: {codes}."
)
FAKE_ERROR_INVALID = (
    "fakes.{domain}.{operation}: the parameters of {code} do not match the contract ({path}): {problem}."
)
NOT_FAKED = "fakes.{domain}: there is no fake of {domain!r} here. Faked domains: {faked}."

KERNEL_ERRORS: tuple[type[DomainError], ...] = (ServiceUnavailableError,)
"""Errors any operation may raise, whatever its domain declares (a callee that cannot be reached)."""


def as_json(value: Any) -> Any:
    """`value` as it arrives on the other side: encoded by the wire, then parsed as plain JSON."""
    return msgspec.json.decode(wire.dumps(value))


@dataclasses.dataclass(frozen=True, slots=True)
class _Returns:
    primitive: Any


@dataclasses.dataclass(frozen=True, slots=True)
class _Raises:
    error: DomainError


@dataclasses.dataclass(frozen=True, slots=True)
class _Answers:
    function: Callable[..., Any]


class FakeOperation:
    """One operation of a fake: what it answers (as programmed) and the calls it received."""

    def __init__(self, fake: FakeInterface, name: str) -> None:
        self._fake = fake
        self._name = name
        self._signature = fake._interface.meta.signature(name)
        self._recorded: Mapping[str, Any] | None = fake._contract["operations"].get(name)
        self._answer: _Returns | _Raises | _Answers | None = None
        self._calls: list[dict[str, Any]] = []
        if self._recorded is not None:
            types = fake._contract["types"]
            self._parameters = {p: SchemaCheck(d["schema"], types) for p, d in self._recorded["parameters"].items()}
            self._returns = SchemaCheck(self._recorded["returns"], types)

    # -- programming --------------------------------------------------------------------

    def returns(self, value: Any) -> None:
        """Answer every call with `value` (checked against the contract now)."""
        self._require_recorded()
        self._answer = _Returns(self._answer_primitive(value))

    def raises(self, error: DomainError) -> None:
        """Raise `error` on every call (a code the contract declares, checked now)."""
        self._require_recorded()
        self._check_error(error)
        self._answer = _Raises(error)

    def answers(self, function: Callable[..., Any]) -> None:
        """Answer each call with `function(**arguments)`; what it returns or raises is checked per call."""
        self._require_recorded()
        self._answer = _Answers(function)

    @property
    def calls(self) -> list[dict[str, Any]]:
        """The arguments of every call so far, as the caller passed them."""
        return [dict(call) for call in self._calls]

    def reset(self) -> None:
        self._answer = None
        self._calls.clear()

    # -- being called ---------------------------------------------------------------------

    def __call__(self, **arguments: Any) -> Any:
        self._require_recorded()
        received = self._received(arguments)
        self._calls.append(dict(arguments))
        answer = self._answer
        if answer is None:
            raise FakeNotProgrammedError(self._say(FAKE_NOT_PROGRAMMED))
        if isinstance(answer, _Raises):
            raise self._copy(answer.error)
        if isinstance(answer, _Answers):
            try:
                value = answer.function(**received)
            except DomainError as exc:
                self._check_error(exc)
                raise self._copy(exc) from None
            return self._decoded(self._answer_primitive(value))
        return self._decoded(answer.primitive)

    def _received(self, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """The arguments checked against the contract and decoded from JSON, defaults filled in."""
        assert self._recorded is not None
        declared = self._recorded["parameters"]
        for name in arguments:
            if name not in declared:
                raise ContractViolationError(
                    self._say(FAKE_UNKNOWN_ARGUMENT, parameter=name, parameters=", ".join(declared))
                )
        for name, parameter in declared.items():
            if parameter["required"] and name not in arguments:
                raise ContractViolationError(self._say(FAKE_MISSING_ARGUMENT, parameter=name))
        received: dict[str, Any] = {}
        for name, parameter in self._signature.parameters.items():
            if name not in arguments:
                if parameter.default is not inspect.Parameter.empty:
                    received[name] = parameter.default
                continue
            try:
                primitive = as_json(arguments[name])
                problem = self._parameters[name].problem(primitive)
                if problem is None:
                    received[name] = wire.from_primitive(primitive, parameter.annotation)
            except (TypeError, ValueError) as exc:
                problem = str(exc)
            if problem is not None:
                raise ContractViolationError(
                    self._say(FAKE_ARGUMENT_INVALID, parameter=name, value=arguments[name], problem=problem)
                )
        return received

    def _answer_primitive(self, value: Any) -> Any:
        try:
            primitive = as_json(value)
            problem = self._returns.problem(primitive)
            if problem is None:
                wire.from_primitive(primitive, self._return_type)
        except (TypeError, ValueError) as exc:
            problem = str(exc)
        if problem is not None:
            raise ContractViolationError(self._say(FAKE_ANSWER_INVALID, value=value, problem=problem))
        return primitive

    def _decoded(self, primitive: Any) -> Any:
        return wire.from_primitive(primitive, self._return_type)

    @property
    def _return_type(self) -> Any:
        annotation = self._signature.return_annotation
        return type(None) if annotation is None else annotation

    # -- errors -----------------------------------------------------------------------------

    def _check_error(self, error: DomainError) -> None:
        code = str(error.code)
        declared = self._fake._contract["errors"]
        if code not in declared and type(error) not in KERNEL_ERRORS:
            codes = ", ".join([*declared, *(str(cls.code) for cls in KERNEL_ERRORS)])
            raise ContractViolationError(
                self._say(FAKE_ERROR_UNDECLARED, error=type(error).__name__, code=code, codes=codes)
            )
        if code in declared:
            params = as_json(error_to_wire(error)["params"])
            problem = SchemaCheck(declared[code]["params"], self._fake._contract["types"]).problem(params)
            if problem is not None:
                raise ContractViolationError(self._say(FAKE_ERROR_INVALID, code=code, problem=problem))

    def _copy(self, error: DomainError) -> DomainError:
        """The error as the caller would get it from a remote callee: rebuilt from its wire form."""
        return error_from_wire(error_to_wire(error), self._fake._error_types)

    # -- messages -----------------------------------------------------------------------------

    def _require_recorded(self) -> None:
        if self._recorded is None:
            raise ContractViolationError(self._say(FAKE_OPERATION_NOT_RECORDED))

    def _say(self, template: str, **values: Any) -> str:
        return template.format(domain=self._fake._domain, operation=self._name, path=self._fake._shown_path(), **values)

    def __repr__(self) -> str:
        return f"<fake {self._fake._domain}.{self._name}>"


class FakeInterface:
    """A fake implementation of one domain's interface, held to its recorded contract.

    Its only public attributes are the interface's operations (so no operation name can
    clash with them); `Fakes` reaches the rest.
    """

    def __init__(self, interface: Interface, contract: Mapping[str, Any], *, path: Path) -> None:
        self._interface = interface
        self._contract = contract
        self._path = path
        self._domain = interface.meta.name
        declared = (*interface.meta.errors, *KERNEL_ERRORS)
        self._error_types: dict[str, type[DomainError]] = {str(cls.code): cls for cls in declared}
        self._operations = {name: FakeOperation(self, name) for name in sorted(interface.meta.operations)}
        self.__dict__.update(self._operations)  # bound like any implementation: fake.get_product(...)

    def _shown_path(self) -> str:
        return shown(self._path)

    def _forget(self) -> None:
        for operation in self._operations.values():
            operation.reset()

    def __getattr__(self, name: str) -> Any:
        # Reached only for names that are not operations (operations live in __dict__).
        if name.startswith("_"):
            raise AttributeError(name)
        raise AttributeError(
            FAKE_NO_SUCH_OPERATION.format(
                domain=self.__dict__.get("_domain"),
                operation=name,
                operations=", ".join(self.__dict__.get("_operations", {})),
            )
        )

    def __repr__(self) -> str:
        return f"<fake {self._domain} ({self._shown_path()})>"


class Fakes:
    """The fakes of a test, by domain: `fakes.catalog.get_product.returns(...)`."""

    def __init__(self, fakes: Iterable[FakeInterface]) -> None:
        self._by_domain = {fake._domain: fake for fake in fakes}

    def __getattr__(self, domain: str) -> FakeInterface:
        if domain.startswith("_"):
            raise AttributeError(domain)
        try:
            return self._by_domain[domain]
        except KeyError:
            faked = ", ".join(sorted(self._by_domain)) or "none"
            raise AttributeError(NOT_FAKED.format(domain=domain, faked=faked)) from None

    def __iter__(self) -> Iterator[FakeInterface]:
        return iter(self._by_domain.values())

    def domains(self) -> list[str]:
        return sorted(self._by_domain)

    def only(self, domains: Iterable[str]) -> Fakes:
        """The fakes of `domains` alone."""
        wanted = set(domains)
        return Fakes(fake for fake in self if fake._domain in wanted)

    def reset(self) -> None:
        """Forget what every fake was programmed with and every call it received."""
        for fake in self:
            fake._forget()


def fake_for(proxy: object, *, path: Path | None = None) -> FakeInterface:
    """A fake of the interface behind `proxy`, held to its snapshot (beside its interface, or at `path`)."""
    interface = interface_of(proxy)
    path = path or snapshot_path(interface)
    return FakeInterface(interface, read_snapshot(path, domain=interface.meta.name), path=path)


def bind_fakes(registry: Registry, proxies: Iterable[object]) -> Fakes:
    """Bind a contract fake to each interface in `proxies`, for good; the fakes, to program them."""
    fakes = Fakes(fake_for(proxy) for proxy in proxies)
    for fake in fakes:
        registry.bind(fake._interface, fake)
    return fakes


@contextmanager
def fakes_in_place(registry: Registry, fakes: Fakes) -> Iterator[Fakes]:
    """Serve each faked interface from its fake for the duration of a block; bindings come back after."""
    with ExitStack() as stack:
        for fake in fakes:
            stack.enter_context(registry.override(fake._interface, fake))
        yield fakes
