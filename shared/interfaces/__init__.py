"""Interfaces: how one domain calls another without knowing where it runs.

A domain declares, in `domains/<d>/interface.py`, a typing.Protocol of operations and a
proxy for it:

    catalog: CatalogApi = declare_interface(
        "catalog", CatalogApi, events=(ProductCreated,), errors=(ProductNotFoundError,)
    )

Callers import the proxy (`from domains.catalog.interface import catalog`) and call it.
The domain's AppConfig names its implementation (`services()` returns
`((catalog, CatalogService()),)`) and the binder (binding.py) binds it, directly or
behind the wire loopback (loopback.py), when the placement map runs the domain here;
where it runs elsewhere, a remote client is bound instead, which no caller sees.

Errors (all say what to do):
    InterfaceError
    ├── InterfaceDeclarationError   a type that cannot cross a process boundary, a bad signature
    ├── InterfaceNotBoundError      a call before any implementation was bound
    ├── InterfaceAlreadyBoundError  a second bind
    ├── ImplementationMismatchError an implementation that does not satisfy the Protocol
    ├── ArgumentTypeError           a call's argument is not of its declared type
    └── ResultTypeError             an implementation's result is not of its declared type
"""

from shared.interfaces.errors import (
    ArgumentTypeError,
    ImplementationMismatchError,
    InterfaceAlreadyBoundError,
    InterfaceDeclarationError,
    InterfaceError,
    InterfaceNotBoundError,
    ResultTypeError,
)
from shared.interfaces.proxy import Interface, creates, declare_interface, idempotent, interface_of
from shared.interfaces.registry import Registry, registry

__all__ = [
    "ArgumentTypeError",
    "ImplementationMismatchError",
    "Interface",
    "InterfaceAlreadyBoundError",
    "InterfaceDeclarationError",
    "InterfaceError",
    "InterfaceNotBoundError",
    "Registry",
    "ResultTypeError",
    "creates",
    "declare_interface",
    "idempotent",
    "interface_of",
    "registry",
]
