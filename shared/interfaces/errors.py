"""Programming errors in declaring, binding or calling an interface.

These are not DomainErrors: they mean the code or its configuration is wrong, never
that a caller sent bad data, so nothing catches them on the way to the developer.
"""

from __future__ import annotations

NOT_BOUND = (
    "Interface {name!r} has no implementation bound, so {name}.{operation}() cannot run. "
    "Run the domain here (its app installed, which config/settings.py does for every domain "
    "DOMAIN_PLACEMENT leaves local), place it at its service with DOMAIN_PLACEMENT, or bind one "
    "with registry.bind({name}, implementation)."
)
ALREADY_BOUND = (
    "Interface {name!r} is already bound to {current}. Bind it once, in the domain's "
    "AppConfig.ready(); to swap it in a test use `with registry.override({name}, fake):`."
)
NOT_REGISTERED = "Interface {name!r} is not registered. Call registry.register({name}) or registry.bind(...) first."
ALREADY_REGISTERED = (
    "An interface named {name!r} is already registered ({existing}). Each domain declares "
    "exactly one interface, named after the domain."
)
NO_SUCH_OPERATION = (
    "Interface {name!r} has no operation {operation!r}. Its operations are: {operations}. "
    "Only operations declared on the Protocol can be called across a domain boundary."
)
DECLARATION_PROBLEMS = "Interface {name!r} cannot be registered:\n{problems}"
MISMATCH = (
    "{implementation} does not satisfy interface {name!r}:\n{problems}\nMake its methods match the Protocol {protocol}."
)
DUPLICATE_EVENT = "Event {key} is declared by two classes, {first!r} and {second!r}. Give each its own name or version."
DUPLICATE_ERROR_CODE = "Error code {key!r} is used by two classes, {first!r} and {second!r}. Give each its own code."
NOT_AN_INTERFACE = "{value!r} is not an interface proxy. Pass the object made by declare_interface()."
ARGUMENT_WRONG_TYPE = (
    "{operation}({name}=...): {problem}. Pass exactly the declared type: the call crosses a process "
    "boundary as JSON, where a list and a tuple, or an int and a bool, cannot be told apart."
)
ARGUMENT_NOT_DECLARED = "{operation}() got argument {name!r}, which its Protocol does not declare."
ARGUMENT_MISSING = "{operation}() is missing required argument(s) {names}; pass them by keyword."
RESULT_WRONG_TYPE = (
    "{operation}() returned a value that is not its declared type: {problem}. Make the implementation "
    "return exactly the annotated type (a tuple where the Protocol says tuple, the DTO class itself)."
)


class InterfaceError(Exception):
    """Base of the kernel's interface errors."""


class InterfaceDeclarationError(InterfaceError, TypeError):
    """The interface declares something that cannot cross a process boundary."""


class InterfaceNotBoundError(InterfaceError, LookupError):
    """An operation was called before any implementation was bound."""


class InterfaceAlreadyBoundError(InterfaceError):
    """An interface was bound a second time."""


class ImplementationMismatchError(InterfaceError, TypeError):
    """The implementation lacks an operation or takes different arguments than the Protocol."""


class ArgumentTypeError(InterfaceError, TypeError):
    """A call passed an argument that is not of its declared type (caught before it is sent)."""


class ResultTypeError(InterfaceError, TypeError):
    """An implementation returned a value that is not of its declared type."""
